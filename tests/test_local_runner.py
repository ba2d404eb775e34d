import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.runners.portability.fn_api_runner.fn_runner import FnApiRunner
from apache_beam.testing.util import assert_that, equal_to

from pipeline.local_runner import batch_runner


def test_a_local_batch_run_goes_to_the_fn_api_runner_with_its_options():
  options = PipelineOptions(['--direct_num_workers=1', '--direct_running_mode=in_memory'])
  runner = batch_runner(options)
  assert isinstance(runner, FnApiRunner)
  with beam.Pipeline(runner=runner, options=options) as pipeline:
    doubled = pipeline | beam.Create([1, 2, 3]) | beam.Map(lambda x: 2 * x)
    assert_that(doubled, equal_to([2, 4, 6]))
