"""End-to-end throughput and memory: wirebeam on Beam against a plain Python loop.

Usage: python -m bench.throughput [DATA_PATH] [--items 1000] [--skip-entities]
                                  [--runs plain,one,two]

Reuters-21578 (replicated with perturbed copies beyond its 20,841 items) is
written as ninjs files to a temporary folder. Then, in one run:
  - baseline: one process, a plain loop calling the same functions (parse,
    normalise, language, NER, dedup, fastavro writer), timed stage by stage;
  - wirebeam: the real command on the DirectRunner, 1 worker, then 2 worker
    processes (multi_processing).
Items per second, ratios against the baseline, and peak RSS summed over the
process tree are printed as a Markdown table (BENCHMARKS.md keeps them).
The runs must have done the same work: the command fails, after the table,
unless every run wrote the same items with the same dedup verdicts and
numbers of entities.
"""
import argparse
import collections
import os
import pathlib
import subprocess
import sys
import tempfile
import threading
import time
from typing import Optional

import fastavro
import psutil

import schemas
from bench.reuters import sized_corpus, write_inputs
from transforms.dedup import verdicts
from transforms.dedup.fingerprints import MinHasher, band_keys
from transforms.dedup.item_fingerprint import fingerprint
from transforms.dedup.settings import DedupSettings
from transforms.entities.enrich import lexicon_recognizer, ner_text, with_entities
from transforms.entities.given_names import given_name_test
from transforms.entities.linking import Gazetteer
from transforms.entities.recognizers import DEFAULT_MODELS, recognizer_for
from transforms.errors import InputError
from transforms.language import LanguageDetector, choose_language, text_for_detection
from transforms.normalize.record import normalize_entry
from transforms.parse.entries import parse_source

DEFAULT_DATA = pathlib.Path(__file__).resolve().parents[2] / 'shared' / 'data'
REPO = pathlib.Path(__file__).resolve().parents[1]
NER_BATCH = 64


class PeakMemory:
  """Peak RSS of a process and all its children, sampled every 50 ms."""
  def __init__(self, pid: int):
    self._process = psutil.Process(pid)
    self.peak = 0
    self._done = threading.Event()
    self._thread = threading.Thread(target=self._sample, daemon=True)
    self._thread.start()

  def _sample(self):
    while not self._done.wait(0.05):
      try:
        tree = [self._process] + self._process.children(recursive=True)
        self.peak = max(self.peak, sum(p.memory_info().rss for p in tree
                                       if p.is_running()))
      except psutil.Error:
        pass

  def stop(self) -> float:
    self._done.set()
    self._thread.join()
    return self.peak / 1024 / 1024


def plain_loop(folder: pathlib.Path, output: pathlib.Path, entities: bool) -> dict:
  """What a user would write instead: the same functions, one process."""
  seconds = collections.Counter()

  def timed(stage, function, *args):
    started = time.perf_counter()
    result = function(*args)
    seconds[stage] += time.perf_counter() - started
    return result

  started = time.perf_counter()
  detector, hasher, settings = LanguageDetector(), MinHasher(128), DedupSettings()
  gazetteer = Gazetteer() if entities else None
  is_given_name = given_name_test(gazetteer) if entities else None
  recognizers = {}
  records = []
  for path in sorted(folder.glob('*.json')):
    entries = timed('read+parse', lambda p: parse_source(str(p), p.read_bytes()), path)
    for entry in entries:
      try:
        record = timed('normalize', normalize_entry, entry, 2 << 20)
      except InputError:
        continue
      choice = timed('language', choose_language, text_for_detection(record),
                     record['language_declared'], detector)
      record.update(language=choice.language, language_detected=choice.detected,
                    language_probability=choice.probability, language_reason=choice.reason)
      records.append(record)
  if entities:
    def recognize_all():
      for start in range(0, len(records), NER_BATCH):
        batch = records[start:start + NER_BATCH]
        for language in {r['language'] for r in batch}:
          same = [r for r in batch if r['language'] == language]
          if language not in recognizers:
            recognizers[language] = (recognizer_for(language, DEFAULT_MODELS)
                                     or lexicon_recognizer(gazetteer, is_given_name))
          recognizer = recognizers[language]
          spans = recognizer.recognize([ner_text(r) for r in same])
          for record, found in zip(same, spans, strict=True):
            record.update(with_entities(record, found, recognizer.name, gazetteer,
                                        is_given_name))
    timed('entities', recognize_all)
  timed('dedup', plain_dedup, records, hasher, settings)
  def write():
    with open(output, 'wb') as f:
      fastavro.writer(f, schemas.parsed_schema(schemas.WIRE_ITEM), records, codec='deflate')
  timed('write', write)
  return {'items': len(records), 'seconds': time.perf_counter() - started,
          'stages': dict(seconds)}


def plain_dedup(records, hasher, settings):
  """In-memory dedup with the stage's own decisions: dicts instead of shuffles.

  As in the stage, an item duplicating a duplicate names the chain's root,
  followed as far as the stage's pointer jumping reaches.
  """
  prints = {r['uri']: fingerprint(r, settings) for r in records}
  groups = collections.defaultdict(list)
  for fp in prints.values():
    if fp.link:
      groups[('url', fp.link)].append(fp)
    groups[('body', fp.content_hash)].append(fp)
    if fp.headline_key:
      groups[('headline', fp.headline_key)].append(fp)
    if len(fp.shingles) >= settings.min_shingles:
      for key in band_keys(hasher.signature(fp.shingles), settings.bands):
        groups[key].append(fp)
  best = {}
  for key, members in groups.items():
    if key[0] == 'url':
      found = verdicts.same_url_matches(members)
    elif key[0] == 'body':
      found = verdicts.same_body_matches(members, settings.fan_out)
    elif key[0] == 'headline':
      found = verdicts.same_headline_matches(members, settings.headline_window_micros,
                                             settings.fan_out, settings.generic_headline_bodies)
    else:
      by_uri = {fp.uri: fp for fp in members}
      found = ((later, verdicts.near_duplicate_match(
          by_uri[later], by_uri[earlier], settings.jaccard_threshold,
          settings.containment_threshold))
               for later, earlier in verdicts.candidate_pairs(
                   [(fp.order, fp.uri) for fp in members], settings.fan_out))
    for later, match in found:
      if match and (later not in best or match < best[later]):
        best[later] = match

  def root(uri):
    for _ in range(2 ** settings.root_rounds):
      if uri not in best:
        break
      uri = best[uri].earlier_uri
    return uri

  for record in records:
    match = best.get(record['uri'])
    if match:
      record.update(is_canonical=False, duplicate_of=root(record['uri']),
                    duplicate_reason=match.reason, duplicate_similarity=match.similarity)


def verdicts_by_uri(paths) -> dict:
  """uri -> (is_canonical, duplicate_of, entities found): what a run decided."""
  found = {}
  for path in paths:
    with open(path, 'rb') as f:
      for record in fastavro.reader(f):
        found[record['uri']] = (record['is_canonical'], record['duplicate_of'],
                                len(record['entities']))
  return found


def different_work(baseline: dict, run: dict, name: str) -> Optional[str]:
  """Says how a run's items differ from the plain loop's, if they do.

  A ratio between two runs that did different work would mean nothing.
  """
  differing = sorted(uri for uri in baseline.keys() | run.keys()
                     if baseline.get(uri) != run.get(uri))
  if differing:
    return (f'{name}: {len(differing)} items differ from the plain loop (missing, '
            f'dedup verdict or number of entities), first {differing[:3]}')
  return None


def beam_run(folder: pathlib.Path, output: pathlib.Path, extra_args, entities: bool) -> dict:
  command = [sys.executable, '-m', 'pipeline', '--input', str(folder), '--output',
             str(output), '--no-dedup-index', *extra_args]
  if not entities:
    command.append('--no-entities')
  started = time.perf_counter()
  process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
  memory = PeakMemory(process.pid)
  stdout, _ = process.communicate()
  peak = memory.stop()
  if process.returncode:
    sys.exit(f'wirebeam failed: {stdout[-2000:]}')
  items = int(next(line.split()[1] for line in stdout.splitlines()
                   if line.strip().startswith('items')))
  seconds = time.perf_counter() - started
  return {'items': items, 'seconds': seconds, 'peak_rss_mb': peak,
          'verdicts': verdicts_by_uri(output.glob('items/*.avro'))}


RUNS = {'plain': 'plain loop, 1 process', 'one': 'wirebeam, DirectRunner, 1 worker',
        'two': 'wirebeam, DirectRunner, 2 processes'}
BEAM_ARGS = {'one': [], 'two': ['--direct_num_workers=2', '--direct_running_mode=multi_processing']}


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
  parser.add_argument('data', nargs='?', default=str(DEFAULT_DATA))
  parser.add_argument('--items', type=int, default=1000)
  parser.add_argument('--skip-entities', action='store_true',
                      help='measure without the NER stage (both sides)')
  parser.add_argument('--runs', default=','.join(RUNS),
                      help='which runs, comma-separated: plain, one, two (default: all); '
                           'without the plain loop, no ratios and no check of the work')
  args = parser.parse_args(argv)
  chosen = args.runs.split(',')
  if not chosen or set(chosen) - set(RUNS):
    parser.error(f'--runs: choose among {", ".join(RUNS)}')
  try:
    items = sized_corpus(args.data, args.items)
  except FileNotFoundError as error:
    sys.exit(str(error))
  entities = not args.skip_entities
  runs = {}
  with tempfile.TemporaryDirectory() as tmp:
    tmp = pathlib.Path(tmp)
    write_inputs(items, tmp / 'in')
    if 'plain' in chosen:
      started_rss = psutil.Process().memory_info().rss
      memory = PeakMemory(os.getpid())
      baseline = plain_loop(tmp / 'in', tmp / 'baseline.avro', entities)
      baseline['peak_rss_mb'] = max(memory.stop(), started_rss / 1024 / 1024)
      baseline['verdicts'] = verdicts_by_uri([tmp / 'baseline.avro'])
      runs[RUNS['plain']] = baseline
    for key in ('one', 'two'):
      if key in chosen:
        runs[RUNS[key]] = beam_run(tmp / 'in', tmp / key, BEAM_ARGS[key], entities)
  baseline = runs.get(RUNS['plain'])
  print(f'{args.items} items, entities {"on" if entities else "off"}, '
        f'{os.cpu_count()} cores\n')
  print('| run | items | seconds | items/s | vs plain loop | peak RSS MB |')
  print('|---|---|---|---|---|---|')
  for name, run in runs.items():
    rate = run['items'] / run['seconds']
    ratio = f'{rate / (baseline["items"] / baseline["seconds"]):.2f}x' if baseline else '-'
    print(f'| {name} | {run["items"]} | {run["seconds"]:.1f} | {rate:.0f} | {ratio} | '
          f'{run["peak_rss_mb"]:.0f} |')
  if not baseline:
    return
  total = baseline['seconds']
  print('\nPlain loop, seconds by stage (share of its wall time):')
  for stage, seconds in sorted(baseline['stages'].items(), key=lambda kv: -kv[1]):
    print(f'  {stage:<12} {seconds:7.2f}  {100 * seconds / total:5.1f}%')
  differences = [difference for name, run in runs.items() if run is not baseline
                 and (difference := different_work(baseline['verdicts'], run['verdicts'], name))]
  if differences:
    sys.exit('\n'.join(['', 'Not comparable:'] + differences))
  if len(runs) > 1:
    print(f'\nEvery run wrote the same {baseline["items"]} items with the same dedup '
          'verdicts and entity counts.')


if __name__ == '__main__':
  main()
