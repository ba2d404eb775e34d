"""Deduplication on Reuters-21578 and on aggregated feeds: what the pipeline
finds, and how the shingle size and thresholds were chosen.

Usage: python -m eval.dedup_eval [DATA_PATH] [--sample N] [--part reuters|cross-source]
(default ../shared/data, both parts)

1. Thresholds: for a sample of stories, one perturbed copy of each kind
   (bench/reuters.py: retitled, edited and reordered copies are duplicates,
   reworded ones are distinct stories), the share that the LSH banding makes
   candidates and that each shingle size and threshold verifies.
2. The whole corpus through the real Deduplicate transform (DirectRunner):
   the verdicts by reason, and recall on the corpus's exact-duplicate bodies.
3. Cross-source: the real items of the aggregated feeds
   (feeds/aggregated_reserialized), each listed again as other doors list a
   story (see ``DOORS``), plus headline edits that make another story and
   generic headlines over different texts; all through Deduplicate, with
   precision per reason and recall per door.
"""
import argparse
import collections
import dataclasses
import datetime
import email.utils
import json
import pathlib
import random
import re
import sys
import tempfile
import time
import unicodedata
from typing import Dict, List, Optional
from xml.sax.saxutils import escape

import apache_beam as beam

from bench.reuters import PERTURBATIONS, load_reuters, to_ninjs
from transforms.dedup.batch import DeduplicateItems
from transforms.dedup.fingerprints import MinHasher, band_keys, containment, jaccard, shingles
from transforms.dedup.item_fingerprint import dedup_text
from transforms.dedup.settings import DedupSettings
from transforms.normalize.record import normalize_entry
from transforms.parse.entries import parse_source
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


AGGREGATED = pathlib.Path('feeds') / 'aggregated_reserialized'
# A summary that is the headline, spaces, then the source (as Google News writes it).
_LISTING = re.compile(r'^(?P<headline>.+?)\s+-\s+(?P<source>[^-]+)$')
GENERIC = ('Live updates', 'Photos of the day', 'Morning briefing',
           'What you need to know about the markets today')


@dataclasses.dataclass(frozen=True)
class Story:
  """A real item of an aggregated feed, as the other doors see it."""
  story: str  # gold identity: items with the same title and summary are one story
  headline: str  # without the aggregator's own source suffix
  source: str  # the name a listing cites
  lead: str
  created: datetime.datetime


@dataclasses.dataclass(frozen=True)
class Listing:
  """One item of a generated feed, and the story it tells (gold)."""
  story: str
  title: str
  description: Optional[str]
  body: Optional[str]
  created: datetime.datetime


def _rfc822(when: datetime.datetime) -> str:
  return email.utils.format_datetime(when)


def rss_feed(title: str, host: str, listings: List[Listing], door: str) -> bytes:
  """An RSS 2.0 feed of generated listings; guids say which door and which listing."""
  items = ''.join(
      f'<item><guid isPermaLink="false">{door}-{n}</guid>'
      f'<link>https://{host}/{door}/{n}</link><title>{escape(listing.title)}</title>'
      + (f'<description>{escape(listing.description)}</description>'
         if listing.description else '')
      + (f'<content:encoded>{escape(listing.body)}</content:encoded>' if listing.body else '')
      + f'<pubDate>{_rfc822(listing.created)}</pubDate></item>'
      for n, listing in enumerate(listings))
  return (f'<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
          f'<channel><title>{escape(title)}</title><link>https://{host}/</link>{items}'
          f'</channel></rss>').encode('utf-8')


def aggregated_records(data: pathlib.Path):
  """The real items of the aggregated feeds as records, and their stories."""
  records, stories = [], []
  story_of_text = {}
  for path in sorted((data / AGGREGATED).glob('*/*.xml')):
    for entry in parse_source(str(path), path.read_bytes()):
      record = normalize_entry(entry, 1 << 24)
      text = (record['headline'], record['description_text'])
      story = story_of_text.setdefault(text, record['uri'])
      listing = _LISTING.match(record['headline'] or '')
      summary = record['description_text'] or ''
      cited = listing and ' '.join(summary.split()) == ' '.join(
          f'{listing["headline"]} {listing["source"]}'.split())
      headline = listing['headline'] if cited else record['headline']
      source = listing['source'] if cited else 'CNA'
      lead = record['body_text'] or summary
      records.append((story, record))
      if story == record['uri']:
        stories.append(Story(story, headline, source, lead, record['versioncreated']))
  return records, stories


def _curly(text: str) -> str:
  """Quotes and dashes as another publisher's style sheet writes them."""
  text = re.sub(r"'(\w[^']*)'", '‘\\1’', text)
  text = re.sub(r'"([^"]*)"', '“\\1”', text)
  return re.sub(r'(?<=\w)-(?=\w)', '–', text)


def _wide(text: str) -> str:
  """ASCII letters and digits made full-width, as Japanese publishers write them."""
  return ''.join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)


def _narrow(text: str) -> str:
  return unicodedata.normalize('NFKC', text)


def _another_number(text: str) -> Optional[str]:
  """The headline with its first number changed: another day's figure, another story."""
  found = re.search(r'\d+', _narrow(text))
  if not found:
    return None
  narrow = _narrow(text)
  return narrow[:found.start()] + str(int(found[0]) + 7) + narrow[found.end():]


PARTNER = 'Nikkei Asia'
# Each door: (feed title, host, how it lists a story). A listing dated 40
# minutes after the story, within the match window.
DOORS: Dict[str, tuple] = {
    # Another publisher's listing: the Japanese originals are Google News
    # listings already, which the same door would repeat verbatim.
    'suffix': ('Top stories - Google News', 'news.google.com',
               lambda s: (f'{s.headline} - {PARTNER}', f'{s.headline}    {PARTNER}', None)),
    'pipe_suffix': ('MSN News', 'www.msn.com', lambda s: (f'{s.headline} | {s.source}', None,
                                                        None)),
    'parenthesised': ('Yahoo News - Latest News & Headlines', 'news.yahoo.com',
                      lambda s: (f'{s.headline} ({s.source})', s.lead[:300], None)),
    'wire_prefix': ('Partner wire desk', 'wire.partner.example',
                    lambda s: (f'UPDATE 2-{s.headline}', None, None)),
    'quotes_dashes_case': ('Partner site', 'partner.example',
                           lambda s: (_curly(s.headline).upper(), None, None)),
    'width': ('Partner site (ja)', 'ja.partner.example',
              lambda s: (_wide(s.headline) if _narrow(s.headline) == s.headline
                         else _narrow(s.headline), None, None)),
}


def cross_source_feeds(stories: List[Story], seed: int):
  """(feeds as bytes, gold story per generated uri-to-be, which door) for every door,
  the headline edits that make another story, and generic headlines."""
  rng = random.Random(seed)
  feeds = []
  later = datetime.timedelta(minutes=40)
  for door, (title, host, list_story) in DOORS.items():
    listings = [Listing(s.story, *list_story(s), s.created + later) for s in stories]
    feeds.append((door, title, host, listings))
  changed = [Listing(f'changed {s.story}', edited, f'{edited}    {s.source}', None,
                     s.created + later)
             for s in stories for edited in [_another_number(s.headline)] if edited]
  feeds.append(('another_number', 'Top stories - Google News', 'news.google.com', changed))
  generic = []
  for headline in GENERIC:
    for day in range(4):
      lead = rng.choice(stories).lead
      when = datetime.datetime(2026, 8, 21, 6, tzinfo=datetime.timezone.utc) + (
          datetime.timedelta(hours=6 * day))
      generic.append(Listing(f'{headline} {day}', headline, None,
                             f'{lead} (Edition {day}.)', when))
      generic.append(Listing(f'{headline} listing {day}', f'{headline} - Reuters',
                             f'{headline}    Reuters', None, when + later))
  feeds.append(('generic_headline', 'Reuters and partners', 'generic.example', generic))
  return feeds


def cross_source_records(data: pathlib.Path, seed: int):
  """Every record of the evaluation: (door, gold story, record)."""
  real, stories = aggregated_records(data)
  rows = [('real', story, record) for story, record in real]
  for door, title, host, listings in cross_source_feeds(stories, seed):
    entries = parse_source(f'generated/{door}.xml', rss_feed(title, host, listings, door))
    for listing, entry in zip(listings, entries, strict=True):
      rows.append((door, listing.story, normalize_entry(entry, 1 << 24)))
  return rows


def score_cross_source(rows, verdicts) -> dict:
  """Precision per reason (pairs whose duplicate_of is the same story), recall per door."""
  story_of = {record['uri']: story for _, story, record in rows}
  door_of = {record['uri']: door for door, _, record in rows}
  verdict_of = {uri: (canonical, reason, of) for uri, canonical, reason, of in verdicts}
  stories_seen = collections.Counter(story for _, story, _ in rows)
  precision = collections.defaultdict(collections.Counter)
  recall = collections.defaultdict(collections.Counter)
  false_merges = []
  for uri, (canonical, reason, of) in verdict_of.items():
    if canonical or reason in ('resighting', 'new_version') and of == uri:
      continue
    right = story_of[of] == story_of[uri]
    precision[reason]['right' if right else 'wrong'] += 1
    if not right:
      false_merges.append((door_of[uri], uri, of))
  for uri, door in door_of.items():
    if door == 'real' or stories_seen[story_of[uri]] < 2:
      recall[door]['distinct'] += 1
      continue
    canonical, reason, of = verdict_of[uri]
    recall[door]['shared'] += 1
    if not canonical and story_of[of] == story_of[uri]:
      recall[door]['found'] += 1
      recall[door][f'by {reason}'] += 1
  return {'precision': precision, 'recall': recall, 'false_merges': false_merges}


def cross_source_report(data: pathlib.Path, seed: int, settings: DedupSettings):
  rows = cross_source_records(data, seed)
  records = [record for _, _, record in rows]
  started = time.perf_counter()
  with tempfile.TemporaryDirectory() as folder:
    verdicts = corpus_run(records, pathlib.Path(folder), settings)
  elapsed = time.perf_counter() - started
  scores = score_cross_source(rows, verdicts)
  real = sum(1 for door, _, _ in rows if door == 'real')
  print(f'Cross-source: {real} real items of {AGGREGATED} and {len(rows) - real} listings '
        f'made from them, Deduplicate on the DirectRunner in {elapsed:.0f} s\n')
  print('| door | shared stories | found | recall | found by | distinct stories |')
  print('|---|---|---|---|---|---|')
  shared = found = 0
  for door, counts in scores['recall'].items():
    share = f'{counts["found"] / counts["shared"]:.3f}' if counts['shared'] else '-'
    found_by = ', '.join(f'{key[3:]} {n}' for key, n in sorted(counts.items())
                         if key.startswith('by '))
    print(f'| {door} | {counts["shared"]} | {counts["found"]} | {share} | {found_by} | '
          f'{counts["distinct"]} |')
    shared, found = shared + counts['shared'], found + counts['found']
  print(f'| all | {shared} | {found} | {found / shared:.3f} | | |\n')
  print('| reason | marked | right | precision |')
  print('|---|---|---|---|')
  for reason, counts in sorted(scores['precision'].items()):
    marked = counts['right'] + counts['wrong']
    print(f'| {reason} | {marked} | {counts["right"]} | {counts["right"] / marked:.3f} |')
  print(f'\nFalse merges of different stories: {len(scores["false_merges"])}')
  for door, uri, of in scores['false_merges'][:20]:
    print(f'  {door}: {uri} -> {of}')


def reuters_report(args):
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
        f'marked duplicates of their group ({100 * found / expected:.1f}%)\n')


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
  parser.add_argument('data', nargs='?', default=str(DEFAULT_DATA))
  parser.add_argument('--sample', type=int, default=1000,
                      help='stories perturbed for the threshold study')
  parser.add_argument('--near-duplicate-threshold', type=float,
                      default=DedupSettings.jaccard_threshold,
                      help='Jaccard threshold of the whole-corpus run')
  parser.add_argument('--part', choices=('reuters', 'cross-source'),
                      help='only this part (default: both)')
  args = parser.parse_args(argv)
  if args.part != 'cross-source':
    reuters_report(args)
  if args.part != 'reuters':
    if not (pathlib.Path(args.data) / AGGREGATED).is_dir():
      sys.exit(f'no {AGGREGATED} under {args.data}: see the README of the shared data')
    cross_source_report(pathlib.Path(args.data), seed=0, settings=DedupSettings(
        jaccard_threshold=args.near_duplicate_threshold))


if __name__ == '__main__':
  main()
