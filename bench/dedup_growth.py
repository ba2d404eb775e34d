"""How deduplication time and memory grow with the number of items.

Usage: python -m bench.dedup_growth [DATA_PATH] [--sizes 2000 20000]

Each size runs in a fresh process (so that peak memory is its own): the
Reuters-21578 corpus, replicated with perturbed copies (bench/reuters.py)
when a size needs more items than it has, through the pipeline's
DeduplicateItems on the DirectRunner. Reports wall time, items per second
and peak RSS, and the ratios between consecutive sizes, measured in one run.
"""
import argparse
import json
import pathlib
import resource
import subprocess
import sys
import time

DEFAULT_DATA = pathlib.Path(__file__).resolve().parents[2] / 'shared' / 'data'


def measure(data: str, size: int) -> dict:
  """Runs in the child process: deduplicates ``size`` items and times it."""
  # pylint: disable=import-outside-toplevel  (the parent process stays small)
  import apache_beam as beam
  from bench.reuters import load_reuters, replicate, to_ninjs
  from pipeline.ingest import DeduplicateItems
  from transforms.dedup import DedupSettings
  from transforms.normalize import normalize_entry
  from transforms.parse.ninjs import parse_ninjs

  items = [i for i in load_reuters(data) if i.title or i.body]
  factor = -(-size // len(items))
  items = replicate(items, factor, seed=0)[:size]
  payload = json.dumps([to_ninjs(item) for item in items]).encode('utf-8')
  records = [normalize_entry(entry, 1 << 24) for entry in parse_ninjs(payload, 'bench')]
  started = time.perf_counter()
  with beam.Pipeline() as pipeline:
    _ = (pipeline
         | beam.Create(records)
         | DeduplicateItems(DedupSettings(), index_folder=None))
  elapsed = time.perf_counter() - started
  return {'items': len(records), 'seconds': elapsed,
          'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
  parser.add_argument('data', nargs='?', default=str(DEFAULT_DATA))
  parser.add_argument('--sizes', type=int, nargs='+', default=[2000, 20000])
  parser.add_argument('--child', type=int, help=argparse.SUPPRESS)
  args = parser.parse_args(argv)
  if args.child:
    print(json.dumps(measure(args.data, args.child)))
    return
  results = []
  for size in args.sizes:
    child = subprocess.run([sys.executable, '-m', 'bench.dedup_growth', args.data,
                            '--child', str(size)], capture_output=True, text=True,
                           check=False)
    if child.returncode:
      sys.exit(child.stderr[-2000:])
    results.append(json.loads(child.stdout.strip().splitlines()[-1]))
  print('| items | seconds | items/s | peak RSS MB | time ratio | memory ratio |')
  print('|---|---|---|---|---|---|')
  previous = None
  for result in results:
    ratios = ('', '') if previous is None else (
        f'{result["seconds"] / previous["seconds"]:.1f}x for '
        f'{result["items"] / previous["items"]:.0f}x items',
        f'{result["peak_rss_mb"] / previous["peak_rss_mb"]:.1f}x')
    print(f'| {result["items"]} | {result["seconds"]:.1f} | '
          f'{result["items"] / result["seconds"]:.0f} | {result["peak_rss_mb"]:.0f} | '
          f'{ratios[0]} | {ratios[1]} |')
    previous = result


if __name__ == '__main__':
  main()
