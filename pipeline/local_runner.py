"""A fix for Beam's local batch engine (FnApiRunner) when it runs a streaming job.

The engine merges each bundle's metrics into the stage's earlier ones
lazily, one generator wrapped around the last, so that a job of many
bundles (a streaming job polls in a new bundle many times a second) builds
a chain thousands deep and reading its metrics at the end fails with
RecursionError. Merging eagerly keeps the chain one deep; the result is the
same. Only the engine's own module-level reference is replaced.
"""
from apache_beam.metrics import monitoring_infos
from apache_beam.runners.portability.fn_api_runner import fn_runner


def _consolidate_now(metrics, key=monitoring_infos.to_key):
  return list(monitoring_infos.consolidate(metrics, key))


def merge_bundle_metrics_eagerly() -> None:
  fn_runner.consolidate_monitoring_infos = _consolidate_now
