"""Whether a speed-up left the records as they were: the command before and after, side by side.

    python -m bench.same_records BEFORE_CHECKOUT [DATA_PATH] [--items 4000]
        [--ignore FOLDER.FIELD] [--runs 1] [--inputs seeds,feeds,reuters]
        [--python-before PYTHON]

BEFORE_CHECKOUT is a copy of the code before the change (for example
``git worktree add /tmp/before COMMIT``). The real command, ``python -m
pipeline``, runs from each checkout, every stage on, on three inputs: the
seeds, the shared feeds (DATA_PATH/feeds) and the first N Reuters-21578
items written as ninjs files (``bench.reuters``). The runs take turns, so
that a busy machine slows both alike; wall and CPU time (all of a run's
processes: a busy machine stretches wall time, CPU time much less) are
printed with the ratios after/before (``--inputs`` picks some of the four,
``--runs`` repeats each run for medians). The output folders are then
compared record by record (``bench.compare_outputs``); the command exits 1
when any differs.
``--ignore`` leaves out a field a change altered on purpose, and says so.
For a change of dependencies rather than code, ``--python-before`` names the
interpreter of an environment with the old ones (its checkout may then be
this one): the after side runs with the interpreter that runs this script.
"""
import argparse
import pathlib
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from typing import List, Tuple

from bench.compare_outputs import differences
from bench.reuters import load_reuters, sized, write_inputs, write_wire_text

REPO = pathlib.Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / 'shared' / 'data'
INPUTS = ('seeds', 'feeds', 'reuters', 'wire-text')


def timed_run(python: str, checkout: pathlib.Path, inputs,
              output: pathlib.Path) -> Tuple[float, float]:
  """Wall and CPU seconds for one run of the command from ``checkout``."""
  command = [python, '-m', 'pipeline', '--output', str(output)]
  for path in inputs:
    command += ['--input', str(path)]
  return timed(command, checkout)


def timed(command: List[str], cwd: pathlib.Path) -> Tuple[float, float]:
  """Wall and CPU seconds (user and system, its processes together) of one
  command run in ``cwd``; exits if it fails."""
  cpu_before = _children_cpu()
  started = time.perf_counter()
  done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
  seconds = time.perf_counter() - started
  if done.returncode:
    sys.exit(f'{cwd}: {" ".join(command[1:3])} failed ({done.returncode}): '
             f'{done.stderr[-2000:]}')
  return seconds, _children_cpu() - cpu_before


def _children_cpu() -> float:
  usage = resource.getrusage(resource.RUSAGE_CHILDREN)
  return usage.ru_utime + usage.ru_stime


def summary(values) -> str:
  """Median (min-max) of seconds."""
  return f'{statistics.median(values):.1f} ({min(values):.1f}-{max(values):.1f})'


def main(argv=None) -> int:
  parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
  parser.add_argument('before', help='a checkout of the code before the change')
  parser.add_argument('data', nargs='?', default=str(DEFAULT_DATA))
  parser.add_argument('--items', type=int, default=4000, help='Reuters-21578 items')
  parser.add_argument('--runs', type=int, default=1,
                      help='runs of each side per input (the first one is compared)')
  parser.add_argument('--ignore', action='append', default=[], metavar='FOLDER.FIELD',
                      help='a field the change altered on purpose')
  parser.add_argument('--inputs', default=','.join(INPUTS),
                      help=f'which inputs, comma-separated (default: {",".join(INPUTS)})')
  parser.add_argument('--python-before', default=sys.executable, metavar='PYTHON',
                      help='the interpreter of the environment before the change '
                           '(default: the one running this script)')
  args = parser.parse_args(argv)
  chosen = args.inputs.split(',')
  if set(chosen) - set(INPUTS):
    parser.error(f'--inputs: choose among {", ".join(INPUTS)}')
  if not shutil.which(args.python_before):
    parser.error(f'--python-before: {args.python_before} is not an executable file')
  # Resolved here: each checkout runs the command from its own folder.
  before, data = pathlib.Path(args.before).resolve(), pathlib.Path(args.data).resolve()
  if not (before / 'pipeline').is_dir():
    parser.error(f'{args.before} is not a checkout of wirebeam (it has no pipeline/)')
  with tempfile.TemporaryDirectory() as tmp:
    tmp = pathlib.Path(tmp)
    inputs = {'seeds': ('seeds', [REPO / 'seeds']),
              'feeds': ('shared feeds', [data / 'feeds']),
              'reuters': (f'Reuters-21578, {args.items} items', [tmp / 'reuters']),
              'wire-text': (f'Reuters-21578, {args.items} plain-text files',
                            [tmp / 'wire-text'])}
    if {'reuters', 'wire-text'} & set(chosen):
      corpus = load_reuters(str(data))
    if 'reuters' in chosen:
      write_inputs(sized(corpus, args.items), tmp / 'reuters')
    if 'wire-text' in chosen:
      write_wire_text(corpus, tmp / 'wire-text', count=args.items)
    print('| input | runs | wall s before: median (min-max) | after | after / before | '
          'CPU s before | after | after / before | same records |')
    print('|---|---|---|---|---|---|---|---|---|')
    failed = False
    for number, (name, paths) in enumerate(inputs[key] for key in chosen):
      times = {'before': [], 'after': []}
      for run in range(args.runs):
        for side, python, checkout in (('before', args.python_before, before),
                                       ('after', sys.executable, REPO)):
          output = tmp / f'{number}-{side}-{run}'
          times[side].append(timed_run(python, checkout, paths, output))
      found = differences(tmp / f'{number}-before-0', tmp / f'{number}-after-0', args.ignore)
      failed |= bool(found)
      cells = []
      for kind in (0, 1):  # wall, CPU
        values = {side: [t[kind] for t in runs] for side, runs in times.items()}
        ratio = statistics.median(values['after']) / statistics.median(values['before'])
        cells += [summary(values['before']), summary(values['after']), f'{ratio:.2f}x']
      print(f'| {name} | {args.runs} | {" | ".join(cells)} | {"no" if found else "yes"} |')
      for line in found:
        print(f'    {line}')
  if args.ignore:
    print(f'\nLeft out of the comparison, changed on purpose: {", ".join(args.ignore)}')
  return 1 if failed else 0


if __name__ == '__main__':
  sys.exit(main())
