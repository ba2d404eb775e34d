"""Beam's local batch engine (FnApiRunner), chosen directly, and a fix for it in streaming.

The DirectRunner runs a batch job on the FnApiRunner only after trying
Prism, which it first downloads: offline that attempt fails and costs some
1-2 s of a small run (the graph serialised for Prism, the download tried),
and online a batch job would run on a different engine than the one the
project measures. ``batch_runner`` gives the FnApiRunner as the DirectRunner
builds it, so the direct options (workers, running mode) work as before.

The engine merges each bundle's metrics into the stage's earlier ones
lazily, one generator wrapped around the last, so that a job of many
bundles (a streaming job polls in a new bundle many times a second) builds
a chain thousands deep and reading its metrics at the end fails with
RecursionError. Merging eagerly keeps the chain one deep; the result is the
same. Only the engine's own module-level reference is replaced.
"""
from apache_beam.metrics import monitoring_infos
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.portability.api import beam_provision_api_pb2
from apache_beam.runners.portability.fn_api_runner import fn_runner
from apache_beam.runners.portability.portable_runner import JobServiceHandle


def batch_runner(options: PipelineOptions) -> fn_runner.FnApiRunner:
  """The FnApiRunner with the job's options, as the DirectRunner gives it to its workers."""
  encoded = JobServiceHandle.encode_pipeline_options(options.get_all_options())
  return fn_runner.FnApiRunner(provision_info=fn_runner.ExtendedProvisionInfo(
      beam_provision_api_pb2.ProvisionInfo(pipeline_options=encoded)))


def _consolidate_now(metrics, key=monitoring_infos.to_key):
  return list(monitoring_infos.consolidate(metrics, key))


def merge_bundle_metrics_eagerly() -> None:
  fn_runner.consolidate_monitoring_infos = _consolidate_now
