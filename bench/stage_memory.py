"""Where a batch run's memory and time go: the resident memory and seconds of each stage.

Usage: python -m bench.stage_memory [--top 8] [--by memory|seconds] PIPELINE ARGUMENTS
(for example ``--input IN --output OUT --no-entities``)

Runs ``pipeline.run.main`` in this process, samples its resident memory
every 20 ms and charges each sample to the fused stage the local runner is
executing (or to the time between stages), times each stage, then prints
the stages with the highest peaks (or the longest, ``--by seconds``), the
whole run's peak and its stages' seconds in all. A stage's peak is what it
holds on top of what the stages before it left: the DirectRunner keeps a
shuffle in memory and hands a grouping's whole output to the next stage
at once, so the stages that read the largest groupings stand out. With
worker processes (``--direct_num_workers``), the memory is this process's
alone (the runner's shuffles), the seconds each stage's on all workers.
"""
import argparse
import gc
import resource
import sys
import threading
import time
from typing import Dict

import psutil
from apache_beam.runners.portability.fn_api_runner import fn_runner

BETWEEN = 'between stages'


class StagePeaks:
  """Peak resident MB by the stage running when it was sampled, and each stage's seconds."""
  def __init__(self, interval: float = 0.02):
    self.peaks: Dict[str, int] = {}
    self.seconds: Dict[str, float] = {}
    self._stage = BETWEEN
    self._process = psutil.Process()
    self._done = threading.Event()
    self._interval = interval
    self._thread = threading.Thread(target=self._sample, daemon=True)

  def _sample(self):
    while not self._done.wait(self._interval):
      resident = self._process.memory_info().rss >> 20
      self.peaks[self._stage] = max(self.peaks.get(self._stage, 0), resident)

  def watch(self):
    """Charges samples to stages from now on (wraps the runner's bundle execution)."""
    execute = self._execute = fn_runner.FnApiRunner._execute_bundle
    peaks = self

    def execute_and_note(runner, context, bundle_context, bundle_input):
      stage = peaks._stage = bundle_context.stage.name
      started = time.perf_counter()
      try:
        return execute(runner, context, bundle_context, bundle_input)
      finally:
        peaks._stage = BETWEEN
        peaks.seconds[stage] = peaks.seconds.get(stage, 0.0) + time.perf_counter() - started

    fn_runner.FnApiRunner._execute_bundle = execute_and_note
    self._thread.start()

  def stop(self):
    fn_runner.FnApiRunner._execute_bundle = self._execute
    self._done.set()
    self._thread.join()


def first_step(stage: str) -> str:
  """A fused stage's name by its first step: '((A)+(B))+(C)' -> 'A'."""
  return stage.lstrip('(').split(')+', 1)[0]


def main(argv=None) -> int:
  parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
  parser.add_argument('--top', type=int, default=8)
  parser.add_argument('--by', choices=('memory', 'seconds'), default='memory',
                      help='which stages to list: the highest peaks or the longest')
  args, pipeline_args = parser.parse_known_args(argv)
  # pylint: disable=import-outside-toplevel  (Beam's import is part of no stage)
  from pipeline.cli import COLLECTOR_THRESHOLDS
  from pipeline.run import main as run_main
  gc.set_threshold(*COLLECTOR_THRESHOLDS)  # as the command runs
  peaks = StagePeaks()
  peaks.watch()
  try:
    code = run_main(pipeline_args)
  finally:
    peaks.stop()
  ranking = peaks.peaks if args.by == 'memory' else peaks.seconds
  print(f'\n| peak resident MB | seconds | stage (the {args.top} '
        f'{"highest" if args.by == "memory" else "longest"}) |\n|---|---|---|')
  for stage, _ in sorted(ranking.items(), key=lambda item: -item[1])[:args.top]:
    print(f'| {peaks.peaks.get(stage, 0):,} | {peaks.seconds.get(stage, 0.0):.2f} | '
          f'{first_step(stage)} |')
  whole = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss >> 10
  print(f'\nthe whole run: {whole:,} MB peak resident; its {len(peaks.seconds)} stages '
        f'{sum(peaks.seconds.values()):.1f} s')
  return code


if __name__ == '__main__':
  sys.exit(main())
