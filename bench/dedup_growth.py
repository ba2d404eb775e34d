"""How deduplication time and memory grow with the number of items.

Usage: python -m bench.dedup_growth [DATA_PATH] [--sizes 2000 20000]

Each size is prepared in one fresh process and measured in another (so
that peak memory is the stage's own): the Reuters-21578 corpus, replicated
with perturbed copies (bench/reuters.py) when a size needs more items than
it has, normalised and pickled in shards, then read by a pipeline that runs
the pipeline's DeduplicateItems on the DirectRunner. The records are read
inside the pipeline, as a real run reads its inputs: ``beam.Create`` of the
records themselves pickled, compressed and type-checked them all while the
graph was built, which took a third of the measured time. Reports wall time,
CPU time (the measuring process's user and system time: what other work on a
shared machine does not inflate), items per second and peak RSS, and the
ratios between consecutive sizes, measured in one run.
"""
import argparse
import json
import pathlib
import pickle
import resource
import subprocess
import sys
import tempfile
import time

DEFAULT_DATA = pathlib.Path(__file__).resolve().parents[2] / 'shared' / 'data'


SHARD_ITEMS = 5000


def prepare(data: str, size: int, folder: str):
  """Runs in its own child process: writes ``size`` normalised records in shards."""
  # pylint: disable=import-outside-toplevel  (the parent process stays small)
  from bench.reuters import load_reuters, replicate, to_ninjs
  from transforms.normalize.record import normalize_entry
  from transforms.parse.ninjs import parse_ninjs

  items = [i for i in load_reuters(data) if i.title or i.body]
  factor = -(-size // len(items))
  items = replicate(items, factor, seed=0)[:size]
  payload = json.dumps([to_ninjs(item) for item in items]).encode('utf-8')
  records = [normalize_entry(entry, 1 << 24) for entry in parse_ninjs(payload, 'bench')]
  for start in range(0, len(records), SHARD_ITEMS):
    with open(pathlib.Path(folder) / f'{start:09d}.pickle', 'wb') as shard:
      pickle.dump(records[start:start + SHARD_ITEMS], shard)


def _load(path: str):
  with open(path, 'rb') as shard:
    return pickle.load(shard)


def measure(folder: str) -> dict:
  """Runs in the measuring child process: deduplicates the prepared records."""
  # pylint: disable=import-outside-toplevel
  import apache_beam as beam
  from apache_beam.metrics import MetricsFilter

  from transforms.dedup.batch import DeduplicateItems
  from transforms.dedup.settings import DedupSettings

  shards = sorted(str(path) for path in pathlib.Path(folder).glob('*.pickle'))
  started, cpu_started = time.perf_counter(), time.process_time()
  with beam.Pipeline() as pipeline:
    _ = (pipeline
         | beam.Create(shards)
         | beam.FlatMap(_load)
         | DeduplicateItems(DedupSettings()))
  elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
  counters = pipeline.result.metrics().query(MetricsFilter())['counters']
  # Every record is counted once: canonical, or under its duplicate reason.
  items = sum(c.committed for c in counters if c.key.metric.name.startswith('dedup.'))
  return {'items': items, 'seconds': elapsed, 'cpu_seconds': cpu,
          'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
  parser.add_argument('data', nargs='?', default=str(DEFAULT_DATA))
  parser.add_argument('--sizes', type=int, nargs='+', default=[2000, 20000])
  parser.add_argument('--prepare', nargs=2, metavar=('SIZE', 'FOLDER'),
                      help=argparse.SUPPRESS)
  parser.add_argument('--measure', metavar='FOLDER', help=argparse.SUPPRESS)
  args = parser.parse_args(argv)
  if args.prepare:
    prepare(args.data, int(args.prepare[0]), args.prepare[1])
    return
  if args.measure:
    print(json.dumps(measure(args.measure)))
    return
  results = []
  for size in args.sizes:
    with tempfile.TemporaryDirectory() as folder:
      for step in (['--prepare', str(size), folder], ['--measure', folder]):
        child = subprocess.run([sys.executable, '-m', 'bench.dedup_growth', args.data,
                                *step], capture_output=True, text=True, check=False)
        if child.returncode:
          sys.exit(child.stderr[-2000:])
    results.append(json.loads(child.stdout.strip().splitlines()[-1]))
  print('| items | seconds | items/s | peak RSS MB | time ratio | memory ratio | CPU seconds '
        '| CPU ratio |')
  print('|---|---|---|---|---|---|---|---|')
  previous = None
  for result in results:
    ratios = ('', '', '') if previous is None else (
        f'{result["seconds"] / previous["seconds"]:.1f}x for '
        f'{result["items"] / previous["items"]:.0f}x items',
        f'{result["peak_rss_mb"] / previous["peak_rss_mb"]:.1f}x',
        f'{result["cpu_seconds"] / previous["cpu_seconds"]:.1f}x')
    print(f'| {result["items"]} | {result["seconds"]:.1f} | '
          f'{result["items"] / result["seconds"]:.0f} | {result["peak_rss_mb"]:.0f} | '
          f'{ratios[0]} | {ratios[1]} | {result["cpu_seconds"]:.1f} | {ratios[2]} |')
    previous = result


if __name__ == '__main__':
  main()
