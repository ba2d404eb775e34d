"""Beam's local batch engine (FnApiRunner), chosen directly, and a fix for it in streaming.

The DirectRunner runs a batch job on the FnApiRunner only after trying
Prism, which it first downloads: offline that attempt fails and costs some
1-2 s of a small run (the graph serialised for Prism, the download tried),
and online a batch job would run on a different engine than the one the
project measures. ``batch_runner`` gives the FnApiRunner as the DirectRunner
builds it, so the direct options (workers, running mode) work as before,
and gives the memory each stage freed in this process back to the system
once the stage is done (glibc keeps it otherwise; BENCHMARKS.md, "Memory:
the stages that read every item at once").

The engine merges each bundle's metrics into the stage's earlier ones
lazily, one generator wrapped around the last, so that a job of many
bundles (a streaming job polls in a new bundle many times a second) builds
a chain thousands deep and reading its metrics at the end fails with
RecursionError. Merging eagerly keeps the chain one deep; the result is the
same. Only the engine's own module-level reference is replaced.
"""
import ctypes
import os
from typing import Callable, Optional

from apache_beam.metrics import monitoring_infos
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.portability.api import beam_provision_api_pb2
from apache_beam.runners.portability.fn_api_runner import fn_runner
from apache_beam.runners.portability.portable_runner import JobServiceHandle


def _malloc_trim() -> Optional[Callable[[int], int]]:
  """glibc's ``malloc_trim``, or None where the C library has none (macOS, musl, Windows)."""
  if os.name == 'nt':
    return None
  try:
    trim = ctypes.CDLL(None).malloc_trim  # the C library the interpreter runs on
  except (OSError, AttributeError):
    return None
  trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
  return trim


class _TrimmingFnApiRunner(fn_runner.FnApiRunner):
  """The FnApiRunner, returning the memory its process freed to the system after each bundle.

  A batch stage is one bundle that reads a whole grouping at once, in
  buffers copied on their way (this process keeps every shuffle in memory;
  worker processes, with ``--direct_num_workers``, are not trimmed). glibc
  keeps what they leave free in its heap, so every stage's peak sits on the
  leftovers of the ones before it; ``malloc_trim`` hands the free pages
  back, as Dask's documentation recommends for the same symptom.
  """
  _trim = staticmethod(_malloc_trim() or (lambda pad: 0))

  def _execute_bundle(self, *args, **kwargs):
    try:
      return super()._execute_bundle(*args, **kwargs)
    finally:
      self._trim(0)


def batch_runner(options: PipelineOptions) -> fn_runner.FnApiRunner:
  """The FnApiRunner with the job's options, as the DirectRunner gives it to its workers."""
  encoded = JobServiceHandle.encode_pipeline_options(options.get_all_options())
  return _TrimmingFnApiRunner(provision_info=fn_runner.ExtendedProvisionInfo(
      beam_provision_api_pb2.ProvisionInfo(pipeline_options=encoded)))


def _consolidate_now(metrics, key=monitoring_infos.to_key):
  return list(monitoring_infos.consolidate(metrics, key))


def merge_bundle_metrics_eagerly() -> None:
  fn_runner.consolidate_monitoring_infos = _consolidate_now
