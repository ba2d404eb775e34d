"""Runs that follow runs: what a scheduled run costs as the history behind it grows.

Usage: python -m bench.incremental [DATA_PATH] [--history 0 100000 1000000]
                                   [--new-items 5] [--runs 1000]

For each history size N, a new output folder gets a dedup index of N
earlier items, written directly as one compacted generation of synthetic
rows (quick; what a run's scan costs depends on the rows' number and size,
not on their words). Then the real command runs three times, every stage on:

  1. first: the shared feeds (DATA/feeds, about 1,000 items);
  2. again: the same feeds, every item a re-sighting;
  3. scheduled: the same feeds plus a file of --new-items new items.

Each is timed as a whole process, with its peak RSS (the process tree) and
the items it sent through language detection and NER (the summary's
items). Ratios: each run against the first at the same N, and against the
same run with no history.

The output must not change: with no history, the scheduled run is repeated
on a copy of the first run's output with --write-resightings (every item
through every stage, full records as before). Its new items must equal the
default run's, and its full re-sighting records must carry the same uri,
version, content hash, duplicate_of and source as the slim ones; otherwise
the command fails after the table.

Then the compaction the next run would start with is timed on a copy of
the folder, in a process of its own, both ways: adding the runs' rows as
a part (every 12 runs) and rewriting every row (once a day, when the
horizon is applied).

Last, --runs runs of one new item each go through the command's own
compaction (synthetic file sets, no Beam), and the files left per folder
are counted.
"""
import argparse
import datetime
import glob
import json
import os
import pathlib
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

import fastavro

import schemas
from bench.throughput import DEFAULT_DATA, REPO, PeakMemory
from transforms import output_folder
from transforms.dedup import index
from transforms.dedup.fingerprints import MinHasher
from transforms.dedup.settings import DedupSettings
from transforms.entry import ParsedEntry
from transforms.normalize.record import normalize_entry

WORDS = ('market bank rate minister talks port storm election court company shares oil '
         'gas grain budget strike police river bridge school hospital union vote').split()
HORIZON = 7 * 86400.0
COMPACTION_MODES = {'add': "add the runs' rows (every 12 runs)",
                    'rewrite': 'rewrite every row (once a day)'}


def synthetic_rows(count: int, now: datetime.datetime, rng: random.Random):
  """Index rows of ``count`` earlier items, canonical ones with shingles and bands."""
  for number in range(count):
    canonical = number % 10 < 7
    yield {
        'uri': f'urn:bench:history:{number}', 'version': None,
        'versioncreated': now - datetime.timedelta(seconds=rng.uniform(3600, HORIZON / 2)),
        'link': f'https://history.example/{number}',
        'content_hash': f'{rng.getrandbits(256):064x}',
        'duplicate_of': None if canonical else f'urn:bench:history:{number - 1}',
        'canceled': False,
        'headline': ' '.join(rng.choices(WORDS, k=8)), 'headline_flags': [],
        'shingles': sorted(rng.getrandbits(32) for _ in range(120)) if canonical else [],
        'bands': [band << 56 | rng.getrandbits(56) for band in range(32)] if canonical else [],
        'last_seen': now - datetime.timedelta(seconds=rng.uniform(0, HORIZON / 2)),
    }


def write_history(output: pathlib.Path, count: int) -> float:
  """A compacted index of ``count`` rows under ``output``; returns the seconds it took."""
  started = time.perf_counter()
  now = datetime.datetime.now(datetime.timezone.utc)
  parts = output_folder.in_parts(synthetic_rows(count, now, random.Random(0)))
  folder = output_folder.folder_path(str(output), output_folder.DEDUP_INDEX)
  os.makedirs(folder, exist_ok=True)
  settings, hasher = DedupSettings(), MinHasher(DedupSettings().num_perm)
  output_folder.write_generation(
      folder, output_folder.new_run_id(now - datetime.timedelta(minutes=1)), parts,
      schemas.DEDUP_INDEX, 'deflate', [],
      part_keys=lambda rows: index.part_key_hashes(rows, settings, hasher))
  return time.perf_counter() - started


def write_new_items(folder: pathlib.Path, count: int, seed: int):
  """A JSON Feed of ``count`` new stories."""
  rng = random.Random(seed)
  folder.mkdir(parents=True, exist_ok=True)
  items = [{'id': f'new-{seed}-{n}', 'title': ' '.join(rng.choices(WORDS, k=7)).capitalize(),
            'content_text': 'LONDON (Bench) - ' + ' '.join(rng.choices(WORDS, k=120)) + '.',
            'date_published': '2026-12-01T10:00:00Z'} for n in range(count)]
  (folder / 'new.json').write_text(
      '{"version": "https://jsonfeed.org/version/1.1", "title": "New", "language": "en", '
      f'"items": {json.dumps(items)}}}')


def run(output: pathlib.Path, *inputs, extra=()) -> dict:
  """The command, timed, with its peak memory and what its summary says."""
  command = [sys.executable, '-m', 'pipeline', '--output', str(output), *extra]
  for path in inputs:
    command += ['--input', str(path)]
  started = time.perf_counter()
  process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
  memory = PeakMemory(process.pid)
  stdout, stderr = process.communicate()
  seconds = time.perf_counter() - started
  peak = memory.stop()
  if process.returncode:
    sys.exit(f'{" ".join(command)} failed:\n{stderr[-3000:]}')
  enriched = int(re.search(r'^  items +(\d+) ', stdout, re.MULTILINE).group(1))
  return {'seconds': seconds, 'peak_mb': peak, 'enriched': enriched, 'summary': stdout}


COMPACT = """
import sys
from transforms import output_folder
from transforms.dedup.index import compact
from transforms.dedup.settings import DedupSettings
result = compact(sys.argv[1], DedupSettings(), {horizon}, output_folder.new_run_id(),
                 'deflate', min_runs=0, rewrite_every=float(sys.argv[2]))
print(result.rewrote, result.rows_kept)
"""


def time_compaction(output: pathlib.Path, copy: pathlib.Path, rewrite: bool) -> dict:
  """A compaction of a copy of ``output``, in a process of its own: seconds, peak MB."""
  shutil.copytree(output, copy)
  command = [sys.executable, '-c', COMPACT.format(horizon=HORIZON), str(copy),
             '0' if rewrite else '1e12']
  started = time.perf_counter()
  process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
  memory = PeakMemory(process.pid)
  stdout, stderr = process.communicate()
  seconds, peak = time.perf_counter() - started, memory.stop()
  shutil.rmtree(copy)
  if process.returncode:
    sys.exit(f'compaction failed:\n{stderr[-3000:]}')
  rewrote, rows = stdout.split()
  return {'seconds': seconds, 'peak_mb': peak, 'rows': int(rows),
          'mode': 'rewrite' if rewrote == 'True' else 'add'}


def read(output: pathlib.Path, folder: str, newest_only=False) -> list:
  paths = sorted(glob.glob(str(output / folder / '*.avro')))
  records = []
  for path in paths[-1:] if newest_only else paths:
    with open(path, 'rb') as f:
      records.extend(fastavro.reader(f))
  return records


def same_output(slim: pathlib.Path, full: pathlib.Path) -> list:
  """Differences between a default scheduled run and one with --write-resightings."""
  def key(record):
    source = record['source']
    return (record['uri'], record['version'], record['content_hash'], record['duplicate_of'],
            record['received_at'], source['format'], source['location'], source['position'])

  full_records = read(full, 'items', newest_only=True)
  resighted = sorted(key(r) for r in full_records if r['duplicate_reason'] == 'resighting')
  new_full = sorted(repr(sorted(r.items())) for r in full_records
                    if r['duplicate_reason'] != 'resighting')
  new_slim = sorted(repr(sorted(r.items())) for r in read(slim, 'items', newest_only=True))
  problems = []
  if new_full != new_slim:
    problems.append(f'new items differ: {len(new_slim)} by default, {len(new_full)} full')
  if sorted(key(s) for s in read(slim, 'resightings', newest_only=True)) != resighted:
    problems.append('the re-sighting records differ from the full records of the same items')
  return problems


def files_after_runs(tmp: pathlib.Path, runs: int) -> dict:
  """Files per folder after ``runs`` runs of one new item each, compacted as the command does."""
  output = tmp / 'many'
  settings, hasher = DedupSettings(), MinHasher(DedupSettings().num_perm)
  start = datetime.datetime(2026, 12, 1, tzinfo=datetime.timezone.utc)
  for number in range(runs):
    run_id = output_folder.new_run_id(start + datetime.timedelta(minutes=5 * number))
    index.compact(str(output), settings, HORIZON, run_id, 'deflate')
    entry = ParsedEntry(format='rss', source='feed.xml', position=0, raw=b'',
                        guid=f'run-{number}', title=f'Story {number}',
                        body=' '.join(random.Random(number).choices(WORDS, k=60)))
    record = dict(normalize_entry(entry, 100_000), is_canonical=True)
    for folder, rows in ((output_folder.ITEMS, [record]), (output_folder.DEDUP_INDEX, [
        index.index_row(record, settings, hasher, output_folder.run_time(run_id))])):
      os.makedirs(output / folder, exist_ok=True)
      with open(output / folder / f'{run_id}-00000-of-00001.avro', 'wb') as f:
        fastavro.writer(f, schemas.parsed_schema(output_folder.SCHEMA_OF[folder]), rows)
  return {folder: sum(len(files) for _, _, files in os.walk(output / folder))
          for folder in (output_folder.ITEMS, output_folder.DEDUP_INDEX)}


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
  parser.add_argument('data', nargs='?', default=str(DEFAULT_DATA))
  parser.add_argument('--history', type=int, nargs='+', default=[0, 100_000, 1_000_000])
  parser.add_argument('--new-items', type=int, default=5)
  parser.add_argument('--runs', type=int, default=1000)
  args = parser.parse_args(argv)
  feeds = pathlib.Path(args.data) / 'feeds'
  if not feeds.is_dir():
    sys.exit(f'no feeds under {feeds}: give the evaluation data folder (see its README)')
  history = sorted(set(args.history) | {0})
  rows, problems, compactions = [], [], {}
  with tempfile.TemporaryDirectory() as tmp:
    tmp = pathlib.Path(tmp)
    write_new_items(tmp / 'new', args.new_items, seed=1)
    for count in history:
      output = tmp / f'out-{count}'
      built = write_history(output, count) if count else 0.0
      runs = {'first': run(output, feeds), 'again': run(output, feeds)}
      if count == 0:
        shutil.copytree(output, tmp / 'full')
      runs['scheduled'] = run(output, feeds, tmp / 'new')
      if count == 0:
        run(tmp / 'full', feeds, tmp / 'new', extra=['--write-resightings'])
        problems = same_output(output, tmp / 'full')
      # With no history yet, the first compaction rewrites whatever it is asked.
      compactions[count] = [time_compaction(output, tmp / 'compacted', rewrite)
                            for rewrite in ((False, True) if count else (True,))]
      rows.append((count, built, runs))
    files = files_after_runs(tmp, args.runs) if args.runs else {}
  none = rows[0][2]
  print(f'{os.cpu_count()} cores; {args.new_items} new items in each scheduled run\n')
  print('| history (items) | history built (s) | run | seconds | vs first run | '
        'vs no history | peak RSS MB | items through language and NER |')
  print('|---|---|---|---|---|---|---|---|')
  for count, built, runs in rows:
    for name, measured in runs.items():
      print(f'| {count:,} | {f"{built:.1f}" if name == "first" else ""} | {name} | '
            f'{measured["seconds"]:.1f} | '
            f'{measured["seconds"] / runs["first"]["seconds"]:.2f}x | '
            f'{measured["seconds"] / none[name]["seconds"]:.2f}x | '
            f'{measured["peak_mb"]:.0f} | {measured["enriched"]} |')
  print('\n| history (items) | compaction | seconds | peak RSS MB | rows written |')
  print('|---|---|---|---|---|')
  for count, measured_modes in compactions.items():
    for measured in measured_modes:
      print(f'| {count:,} | {COMPACTION_MODES[measured["mode"]]} | '
            f'{measured["seconds"]:.1f} | {measured["peak_mb"]:.0f} | {measured["rows"]:,} |')
  if files:
    print(f'\nFiles after {args.runs} runs of one new item each (compacted as the '
          'command does): ' + ', '.join(f'{folder} {n}' for folder, n in files.items()))
  if problems:
    sys.exit('\n'.join(['', 'Output changed:'] + problems))
  print('\nThe scheduled run wrote the same new items as with --write-resightings, and '
        're-sighting records matching its full records.')


if __name__ == '__main__':
  main()
