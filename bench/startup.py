"""Where a small run's wall time goes: one run of the command, in phases.

Usage: python -m bench.startup [--element-types FILE] [PIPELINE ARGUMENTS]
(default: the seeds into a temporary folder)

Runs ``pipeline.run.main`` in this process and prints the wall time of each
phase (Beam's import, building the graph, making the runner's proto, the
fused stages, the slowest stages), and what the graph's fixed cost is made
of: how many transforms were applied and the slowest composites to build,
how many DoFns Beam pickled and how many bytes that made, the garbage
collections and their time (at the command's thresholds), how long Beam
spent inspecting DoFns for state and timers (``userstate.get_dofn_specs``:
every method of every DoFn, several times per ParDo) and inferring the
output types DoFns do not declare from their bytecode. A profiler
stretches this kind of per-call cost; these are plain clocks around
Beam's own functions, and the run is the real one (its output is written
as usual, into a temporary folder unless arguments are given). With
``--element-types``, every output's element type is written to FILE: a
change that must leave the graph's coders alone can be checked by
comparing two checkouts' lists.
"""
import gc
import itertools
import pathlib
import re
import sys
import tempfile
import time
from typing import Callable, List, Tuple

_START = time.perf_counter()
import apache_beam as beam  # noqa: E402  (its import is the first phase)
from apache_beam.internal import pickler  # noqa: E402
from apache_beam.runners.portability.fn_api_runner import fn_runner  # noqa: E402
from apache_beam.transforms import core, userstate  # noqa: E402

_BEAM_IMPORTED = time.perf_counter()
SLOWEST = 8  # stages, composites and inferences listed
# Composites timed down to this depth (Batch/Dedup/Deduplicate/JoinParents0).
COMPOSITE_DEPTH = 4


class Clock:
  """Calls and seconds spent in the functions it wraps, and when phases began."""
  def __init__(self):
    self.phases: List[Tuple[str, float]] = [('python start', _START),
                                            ('beam imported', _BEAM_IMPORTED)]
    self.calls = {}
    self.stages: List[Tuple[float, str]] = []
    self.pickled_bytes = 0
    self.transforms_applied = 0  # composites and the transforms inside them
    self.composites: List[Tuple[float, str]] = []  # (seconds, label path) of the outer ones
    self.inferred: List[Tuple[float, str]] = []  # (seconds, DoFn class) of each inference
    self.collections = [0, 0, 0]  # garbage collections by generation
    self.collecting_seconds = 0.0

  def mark(self, phase: str) -> None:
    self.phases.append((phase, time.perf_counter()))

  def counted(self, name: str, function: Callable) -> Callable:
    def wrapper(*args, **kwargs):
      begun = time.perf_counter()
      try:
        return function(*args, **kwargs)
      finally:
        calls, seconds = self.calls.get(name, (0, 0.0))
        self.calls[name] = (calls + 1, seconds + time.perf_counter() - begun)
    return wrapper


def _instrument(clock: Clock) -> None:
  """Clocks around Beam's graph building, pickling, DoFn inspection and stages."""
  apply = beam.Pipeline.apply
  labels = []  # the labels of the transforms being applied, outermost first

  def timed_apply(pipeline, transform, pvalueish=None, label=None):
    clock.transforms_applied += 1
    labels.append(label or transform.label)
    begun = time.perf_counter()
    try:
      return apply(pipeline, transform, pvalueish, label)
    finally:
      # 'Label' >> transform applies a named wrapper, then the transform under the
      # same label: the path names each level once, the wrapper's time counts.
      path = [name for at, name in enumerate(labels) if not at or labels[at - 1] != name]
      wrapped = len(labels) > 1 and labels[-2] == labels[-1]
      if len(path) <= COMPOSITE_DEPTH and not wrapped:
        clock.composites.append((time.perf_counter() - begun, '/'.join(path)))
      labels.pop()
  beam.Pipeline.apply = timed_apply
  infer = core.DoFn.infer_output_type

  def timed_inference(dofn, input_type):
    begun = time.perf_counter()
    try:
      return infer(dofn, input_type)
    finally:
      clock.inferred.append((time.perf_counter() - begun, type(dofn).__qualname__))
  core.DoFn.infer_output_type = timed_inference
  userstate.get_dofn_specs = clock.counted('DoFn inspections', userstate.get_dofn_specs)
  dumps = clock.counted('DoFns pickled', pickler.dumps)

  def sized_dumps(*args, **kwargs):
    pickled = dumps(*args, **kwargs)
    clock.pickled_bytes += len(pickled)
    return pickled
  pickler.dumps = sized_dumps

  run_pipeline = fn_runner.FnApiRunner.run_pipeline
  run_via_runner_api = fn_runner.FnApiRunner.run_via_runner_api
  run_stages = fn_runner.FnApiRunner.run_stages
  run_bundle = fn_runner.FnApiRunner._run_bundle

  def graph_built(self, *args, **kwargs):
    clock.mark('graph built')
    return run_pipeline(self, *args, **kwargs)

  def proto_made(self, *args, **kwargs):
    clock.mark('graph serialised for the runner')
    return run_via_runner_api(self, *args, **kwargs)

  def stages(self, *args, **kwargs):
    clock.mark('stages fused')
    try:
      return run_stages(self, *args, **kwargs)
    finally:
      clock.mark('stages run')

  def bundle(self, context, bundle_context_manager, *args, **kwargs):
    begun = time.perf_counter()
    try:
      return run_bundle(self, context, bundle_context_manager, *args, **kwargs)
    finally:
      clock.stages.append((time.perf_counter() - begun, bundle_context_manager.stage.name))
  collection_began = []

  def collection(phase, info):
    if phase == 'start':
      collection_began.append(time.perf_counter())
    elif collection_began:
      clock.collecting_seconds += time.perf_counter() - collection_began.pop()
      clock.collections[info['generation']] += 1
  gc.callbacks.append(collection)
  fn_runner.FnApiRunner.run_pipeline = graph_built
  fn_runner.FnApiRunner.run_via_runner_api = proto_made
  fn_runner.FnApiRunner.run_stages = stages
  fn_runner.FnApiRunner._run_bundle = bundle


def report(clock: Clock) -> str:
  lines = ['| phase | ends at s | takes s |', '|---|---|---|']
  for (_, previous), (phase, at) in itertools.pairwise(clock.phases):
    lines.append(f'| {phase} | {at - _START:.2f} | {at - previous:.2f} |')
  lines += ['', f'{clock.transforms_applied} transforms applied.', '',
            '| Beam call | calls | s |', '|---|---|---|']
  for name, (calls, seconds) in clock.calls.items():
    lines.append(f'| {name} | {calls} | {seconds:.2f} |')
  lines += ['', f'{len(clock.stages)} stages run, {sum(s for s, _ in clock.stages):.2f} s; '
            f'DoFns pickled: {clock.pickled_bytes / 1e6:.2f} MB. Slowest stages:']
  for seconds, name in sorted(clock.stages, reverse=True)[:SLOWEST]:
    lines.append(f'  {seconds:.2f} s  {name[:100]}')
  lines.append(f'Building the slowest composites (depth {COMPOSITE_DEPTH} at most):')
  for seconds, name in sorted(clock.composites, reverse=True)[:SLOWEST]:
    lines.append(f'  {seconds:.3f} s  {name}')
  lines.append(f'Garbage collections (generations 0, 1, 2): '
               f'{", ".join(map(str, clock.collections))}, {clock.collecting_seconds:.2f} s '
               f'(thresholds {", ".join(map(str, gc.get_threshold()))})')
  lines.append(f'Output types inferred from DoFns\' bytecode: {len(clock.inferred)}, '
               f'{sum(s for s, _ in clock.inferred):.2f} s; the slowest:')
  for seconds, name in sorted(clock.inferred, reverse=True)[:SLOWEST]:
    lines.append(f'  {seconds:.3f} s  {name}')
  return '\n'.join(lines)


def element_types(pipeline: beam.Pipeline) -> List[str]:
  """Each output of each transform with its element type (what picks its coder),
  without object addresses, so that two checkouts' graphs can be compared."""
  lines = []

  class Lister(beam.pipeline.PipelineVisitor):
    def visit_transform(self, node):
      for tag, output in sorted(node.outputs.items(), key=lambda item: str(item[0])):
        lines.append(re.sub(r' at 0x[0-9a-f]+', '', f'{node.full_label} [{tag}] '
                                                      f'{output.element_type}'))
    enter_composite_transform = visit_transform
  pipeline.visit(Lister())
  return lines


def _listing_types(path: str) -> None:
  """Writes the graph's element types to ``path`` as the command starts running it."""
  run = beam.Pipeline.run

  def listed_run(pipeline, *args, **kwargs):
    pathlib.Path(path).write_text('\n'.join(element_types(pipeline)) + '\n')
    return run(pipeline, *args, **kwargs)
  beam.Pipeline.run = listed_run


def main(argv=None) -> int:
  from pipeline import cli
  from pipeline.run import main as run_command
  argv = list(sys.argv[1:] if argv is None else argv)
  if argv[:1] == ['--element-types']:
    _listing_types(argv[1])
    argv = argv[2:]
  # As the command sets them (pipeline.cli.command; Python's own in older checkouts).
  gc.set_threshold(*getattr(cli, 'COLLECTOR_THRESHOLDS', gc.get_threshold()))
  clock = Clock()
  _instrument(clock)
  clock.mark('imports done')
  with tempfile.TemporaryDirectory(prefix='wirebeam-startup-') as folder:
    code = run_command(argv or ['--output', folder])
  clock.mark('command returned')
  print(report(clock))
  return code


if __name__ == '__main__':
  sys.exit(main())
