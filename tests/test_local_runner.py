import platform

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.runners.portability.fn_api_runner.fn_runner import FnApiRunner
from apache_beam.testing.util import assert_that, equal_to

from pipeline import local_runner
from pipeline.local_runner import batch_runner


def test_a_local_batch_run_goes_to_the_fn_api_runner_with_its_options():
  options = PipelineOptions(['--direct_num_workers=1', '--direct_running_mode=in_memory'])
  runner = batch_runner(options)
  assert isinstance(runner, FnApiRunner)
  with beam.Pipeline(runner=runner, options=options) as pipeline:
    doubled = pipeline | beam.Create([1, 2, 3]) | beam.Map(lambda x: 2 * x)
    assert_that(doubled, equal_to([2, 4, 6]))


def test_the_batch_runner_gives_freed_memory_back_after_every_bundle(monkeypatch):
  trimmed = []
  monkeypatch.setattr(local_runner._TrimmingFnApiRunner, '_trim',
                      staticmethod(trimmed.append))
  options = PipelineOptions(['--direct_num_workers=1', '--direct_running_mode=in_memory'])
  with beam.Pipeline(runner=batch_runner(options), options=options) as pipeline:
    grouped = (pipeline | beam.Create([('a', 1), ('a', 2), ('b', 3)]) | beam.GroupByKey()
               | beam.MapTuple(lambda key, values: (key, sorted(values))))
    assert_that(grouped, equal_to([('a', [1, 2]), ('b', [3])]))
  assert len(trimmed) >= 2 and set(trimmed) == {0}  # a stage before the grouping, one after


@pytest.mark.skipif(platform.libc_ver()[0] != 'glibc', reason='glibc only')
def test_on_glibc_the_runner_has_malloc_trim():
  assert local_runner._malloc_trim() is not None
  assert local_runner._TrimmingFnApiRunner._trim(0) in (0, 1)


def test_where_the_c_library_has_no_malloc_trim_nothing_is_trimmed(monkeypatch):
  monkeypatch.setattr(local_runner.ctypes, 'CDLL', lambda name: object())  # macOS, musl
  assert local_runner._malloc_trim() is None
  def no_library(name):
    raise OSError(name)
  monkeypatch.setattr(local_runner.ctypes, 'CDLL', no_library)
  assert local_runner._malloc_trim() is None
