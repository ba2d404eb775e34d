"""Deduplication on Reuters-21578: what the pipeline finds, and how the
shingle size and thresholds were chosen.

Usage: python -m eval.dedup_eval [DATA_PATH] [--sample N]   (default ../shared/data)

1. Thresholds: for a sample of stories, one perturbed copy of each kind
   (bench/reuters.py: retitled, edited and reordered copies are duplicates,
   reworded ones are distinct stories), the share that the LSH banding makes
   candidates and that each shingle size and threshold verifies.
2. The whole corpus through the real Deduplicate transform (DirectRunner):
   the verdicts by reason, and recall on the corpus's exact-duplicate bodies.
"""
import argparse
import collections
import json
import pathlib
import random
import sys
import tempfile
import time

import apache_beam as beam

from bench.reuters import PERTURBATIONS, load_reuters, to_ninjs
from transforms.dedup.batch import DeduplicateItems
from transforms.dedup.fingerprints import MinHasher, band_keys, containment, jaccard, shingles
from transforms.dedup.item_fingerprint import dedup_text
from transforms.dedup.settings import DedupSettings
from transforms.normalize.record import normalize_entry
from transforms.parse.ninjs import parse_ninjs

DEFAULT_DATA = pathlib.Path(__file__).resolve().parents[2] / 'shared' / 'data'
DUPLICATE_KINDS = ('retitled', 'edited', 'reordered')
SHINGLE_SIZES = (3, 4, 5)
JACCARD_THRESHOLDS = (0.6, 0.7, 0.8, 0.9)
CONTAINMENT_THRESHOLDS = (0.8, 0.9, 0.95)


def records_of(items):
  """Wire-item records of Reuters items, made by the pipeline's own code."""
  data = json.dumps([to_ninjs(item) for item in items]).encode('utf-8')
  return [normalize_entry(entry, 1 << 24) for entry in parse_ninjs(data, 'reuters')]


def threshold_study(items, sample, seed):
  """Per shingle size: candidate rate and verified rate per copy kind and threshold."""
  rng = random.Random(seed)
  with_body = [item for item in items if item.body and item.title]
  originals = rng.sample(with_body, min(sample, len(with_body)))
  pairs = []  # (kind, copy record, the record it duplicates or not)
  for item in originals:
    for kind, perturb in PERTURBATIONS.items():
      donor = rng.choice(with_body)
      copy = perturb(item, rng, donor)
      target = donor if kind == 'reordered' else item
      pairs.append((kind, copy, target))
  copies = records_of([c for _, c, _ in pairs])
  targets = records_of([t for _, _, t in pairs])
  hasher, settings = MinHasher(DedupSettings.num_perm), DedupSettings()
  for size in SHINGLE_SIZES:
    rates = collections.defaultdict(collections.Counter)
    for (kind, _, _), copy, target in zip(pairs, copies, targets, strict=True):
      a, b = shingles(dedup_text(copy), size), shingles(dedup_text(target), size)
      rates[kind]['n'] += 1
      candidate = bool(set(band_keys(hasher.signature(a), settings.bands))
                       & set(band_keys(hasher.signature(b), settings.bands)))
      rates[kind]['candidate'] += candidate
      j, c = jaccard(a, b), containment(a, b)
      for jt in JACCARD_THRESHOLDS:
        for ct in CONTAINMENT_THRESHOLDS:
          rates[kind][(jt, ct)] += candidate and (j >= jt or c >= ct)
    yield size, rates


def corpus_run(records, folder: pathlib.Path, settings: DedupSettings):
  """The real transform over every record: (uri, is_canonical, reason, duplicate_of)."""
  prefix = str(folder / 'verdicts')
  with beam.Pipeline() as pipeline:
    _ = (pipeline
         | 'Records' >> beam.Create(records)
         | 'Deduplicate' >> DeduplicateItems(settings)
         | 'Verdicts' >> beam.Map(lambda r: json.dumps(
             [r['uri'], r['is_canonical'], r['duplicate_reason'], r['duplicate_of']]))
         | 'Write' >> beam.io.WriteToText(prefix))
  return [json.loads(line) for path in sorted(folder.glob('verdicts*'))
          for line in path.read_text().splitlines()]


def exact_duplicate_recall(records, verdicts):
  """Gold: records whose bodies are equal once spaces are collapsed."""
  groups = collections.defaultdict(set)
  for record in records:
    if record['body_text']:
      groups[' '.join(record['body_text'].split())].add(record['uri'])
  verdict_of = {uri: (canonical, of) for uri, canonical, _, of in verdicts}
  expected = found = 0
  for uris in groups.values():
    if len(uris) < 2:
      continue
    expected += len(uris) - 1
    found += sum(1 for uri in uris if not verdict_of[uri][0] and verdict_of[uri][1] in uris)
  return sum(1 for u in groups.values() if len(u) > 1), expected, found


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
  parser.add_argument('data', nargs='?', default=str(DEFAULT_DATA))
  parser.add_argument('--sample', type=int, default=1000,
                      help='stories perturbed for the threshold study')
  parser.add_argument('--near-duplicate-threshold', type=float,
                      default=DedupSettings.jaccard_threshold,
                      help='Jaccard threshold of the whole-corpus run')
  args = parser.parse_args(argv)
  try:
    items = load_reuters(args.data)
  except FileNotFoundError as error:
    sys.exit(str(error))
  print(f'{len(items)} Reuters-21578 items\n')
  for size, rates in threshold_study(items, args.sample, seed=0):
    print(f'shingles of {size} words: share of copies found (candidate by LSH, then verified)')
    header = ['kind', 'LSH candidate'] + [f'J>={jt} or C>={ct}' for jt in JACCARD_THRESHOLDS
                                          for ct in CONTAINMENT_THRESHOLDS]
    print('| ' + ' | '.join(header) + ' |')
    print('|' + '---|' * len(header))
    for kind in PERTURBATIONS:
      r = rates[kind]
      cells = [kind, f'{100 * r["candidate"] / r["n"]:.1f}'] + [
          f'{100 * r[(jt, ct)] / r["n"]:.1f}' for jt in JACCARD_THRESHOLDS
          for ct in CONTAINMENT_THRESHOLDS]
      print('| ' + ' | '.join(cells) + ' |')
    print()
  records = records_of([item for item in items if item.title or item.body])
  started = time.perf_counter()
  with tempfile.TemporaryDirectory() as folder:
    verdicts = corpus_run(records, pathlib.Path(folder), DedupSettings(
        jaccard_threshold=args.near_duplicate_threshold))
  elapsed = time.perf_counter() - started
  reasons = collections.Counter(reason or 'canonical' for _, _, reason, _ in verdicts)
  print(f'Whole corpus (Jaccard >= {args.near_duplicate_threshold}), {len(records)} records '
        f'with text, Deduplicate on the DirectRunner '
        f'in {elapsed:.0f} s: ' + ', '.join(f'{k} {v}' for k, v in reasons.most_common()))
  groups, expected, found = exact_duplicate_recall(records, verdicts)
  print(f'Exact-duplicate bodies: {groups} groups; {found} of the {expected} later copies '
        f'marked duplicates of their group ({100 * found / expected:.1f}%)')


if __name__ == '__main__':
  main()
