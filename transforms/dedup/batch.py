"""Deduplication stage, batch: re-sightings, new versions, same URL, same body,
near-duplicates, same headline.

Nothing is dropped: every record comes out, with ``is_canonical``,
``duplicate_of``, ``duplicate_reason`` and ``duplicate_similarity`` filled.
No step puts all items under one key or compares all pairs:

1. records are grouped by uri (item families: re-sightings and versions);
2. each family's canonical member is fingerprinted, and matched against
   the others by canonical URL, by body hash, by normalised headline (short
   items only), and by MinHash LSH buckets (keyed by band) whose candidate
   pairs are verified on the full shingle sets;
3. each item keeps its best match (the earliest item it duplicates) and
   chains are followed to their root by pointer jumping, keyed by uri;
4. the verdicts are joined back to the records by uri.

The decisions themselves are pure functions in ``verdicts``; an item's
fingerprint is made in ``item_fingerprint``; the dedup index of earlier runs
is read in ``index``.
"""
import pickle
import zlib
from typing import Any, Optional, Tuple

import apache_beam as beam
from apache_beam.metrics import Metrics

from transforms.dead_letters import METRICS_NAMESPACE
from transforms.dedup import verdicts
from transforms.dedup.fingerprints import MinHasher, band_keys
from transforms.dedup.index import indexed_item
from transforms.dedup.item_fingerprint import fingerprint, packed, unpacked, without_shingles
from transforms.dedup.settings import DedupSettings

CANONICAL = 'canonical'


def _compressed_by_uri(record) -> Tuple[str, bytes]:
  """A record as the two joins by uri carry it: pickled and compressed.

  The DirectRunner hands a grouping's whole output to the next stage as one
  buffer, copied on its way: every record of the run at once, in each of
  the two joins. Compressed, a record is half its size there and in any
  runner's shuffle (1.6 KB against 3.4 KB for a Reuters item with its
  entities), for about 0.1 ms.
  """
  return record['uri'], zlib.compress(pickle.dumps(record, pickle.HIGHEST_PROTOCOL), 1)


def _decompressed(compressed: bytes) -> dict:
  return pickle.loads(zlib.decompress(compressed))


@beam.typehints.with_output_types(Any)
class _ResolveFamiliesFn(beam.DoFn):
  """A uri's records and index entries in; out, its records annotated, keyed
  for the verdicts' join (``_compressed_by_uri``), and its canonical apart."""
  def process(self, element):
    uri, grouped = element
    compressed = list(grouped['records'])
    records = list(map(_decompressed, compressed))
    annotated, canonical = verdicts.resolve_family(records, list(grouped['indexed']))
    if annotated == records:  # most families: one record, left as it came
      yield from ((uri, record) for record in compressed)
    else:
      yield from map(_compressed_by_uri, annotated)
    if canonical is not None:
      yield beam.pvalue.TaggedOutput(CANONICAL, canonical)


class _BandKeysFn(beam.DoFn):
  def __init__(self, settings: DedupSettings):
    self._settings = settings

  def setup(self):
    self._hasher = MinHasher(self._settings.num_perm)  # permutations, once

  def process(self, fingerprint_):
    if len(fingerprint_.shingles) < self._settings.min_shingles:
      return
    signature = self._hasher.signature(fingerprint_.shingles)
    for key in band_keys(signature, self._settings.bands):
      yield key, fingerprint_.order  # ends with the uri: 32 entries an item


def _with_earlier(element):
  """(earlier uri, {pairs: [later uris], fingerprint: [fp]}) -> (later uri, earlier fp).

  Fingerprints stay packed here: an earlier item is sent to every later one.
  """
  _, grouped = element
  for earlier in grouped['fingerprint']:
    for later_uri in grouped['pairs']:
      yield later_uri, earlier


@beam.typehints.with_output_types(Tuple[Any, Optional[verdicts.Match]])
class _VerifyFn(beam.DoFn):
  """Verifies an item's candidates earliest first, up to the first match.

  Its best match is the earliest item it duplicates, so the candidates
  after that one cannot change the verdict.
  """
  def __init__(self, settings: DedupSettings):
    self._settings = settings

  def process(self, element):
    later_uri, grouped = element
    for later in grouped['fingerprint']:
      found = verdicts.first_near_duplicate(
          unpacked(later), map(unpacked, grouped['earlier']),
          self._settings.jaccard_threshold,
          self._settings.containment_threshold)
      if found:
        yield later_uri, found


def _follow(element):
  """(parent, {children, parent_of_parent}) -> (child, grandparent or parent)."""
  parent, grouped = element
  grandparents = list(grouped['parent_of_parent'])
  for child in grouped['children']:
    yield child, grandparents[0] if grandparents else parent


@beam.typehints.with_output_types(Any)
class _ApplyVerdictsFn(beam.DoFn):
  def __init__(self):
    self._canonical = Metrics.counter(METRICS_NAMESPACE, 'dedup.canonical')

  def process(self, element):
    _, grouped = element
    roots = list(grouped['roots'])
    root, best = roots[0] if roots else (None, None)
    for record in map(_decompressed, grouped['records']):
      # A content conflict is a story of its own: not what its family matched.
      if root and record['is_canonical'] and not record.get('content_conflict'):
        record = dict(record, is_canonical=False, duplicate_of=root,
                      duplicate_reason=best.reason,
                      duplicate_similarity=best.similarity)
      elif root and not record['is_canonical']:
        record = dict(record, duplicate_of=root)
      if record['is_canonical']:
        self._canonical.inc()
      else:
        Metrics.counter(METRICS_NAMESPACE,
                        f'dedup.{record["duplicate_reason"]}').inc()
      yield record


class Deduplicate(beam.PTransform):
  """``{'records': ..., 'indexed': ...}`` in; every record out, with its verdict.

  ``indexed`` holds ``IndexEntry`` values of earlier runs keyed by nothing
  (see ``index.ReadDedupIndex``); it may be an empty PCollection.
  """
  def __init__(self, settings: DedupSettings = DedupSettings()):
    super().__init__()
    self._settings = settings

  def expand(self, inputs):
    settings = self._settings
    records, index = inputs['records'], inputs['indexed']
    families = (
        {'records': records | 'KeyRecordsByUri' >> beam.Map(_compressed_by_uri),
         'indexed': index | 'KeyIndexByUri' >> beam.Map(lambda e: (e.entry.uri, e.entry))}
        | 'GroupFamilies' >> beam.CoGroupByKey()
        | 'ResolveFamilies' >> beam.ParDo(_ResolveFamiliesFn()).with_outputs(
            CANONICAL, main='records'))
    fingerprints = (
        (families[CANONICAL] | 'Fingerprint' >> beam.Map(fingerprint, settings),
         index | 'IndexedCanonicals' >> beam.Filter(lambda e: e.fingerprint is not None)
         | 'IndexedFingerprints' >> beam.Map(lambda e: e.fingerprint))
        | 'AllFingerprints' >> beam.Flatten())

    same_url = (fingerprints
                | 'KeyByUrl' >> beam.FlatMap(
                    lambda fp: [(fp.link, without_shingles(fp))] if fp.link else [])
                | 'GroupByUrl' >> beam.GroupByKey()
                | 'SameUrl' >> beam.FlatMap(lambda kv: verdicts.same_url_matches(kv[1])))
    same_body = (fingerprints
                 | 'KeyByBody' >> beam.Map(lambda fp: (fp.content_hash, without_shingles(fp)))
                 | 'GroupByBody' >> beam.GroupByKey()
                 | 'SameBody' >> beam.FlatMap(
                     lambda kv: verdicts.same_body_matches(kv[1], settings.fan_out)))
    same_headline = (fingerprints
                     | 'KeyByHeadline' >> beam.FlatMap(
                         lambda fp: [(fp.headline_key, without_shingles(fp))]
                         if fp.headline_key else [])
                     | 'GroupByHeadline' >> beam.GroupByKey()
                     | 'SameHeadline' >> beam.FlatMap(
                         lambda kv: verdicts.same_headline_matches(
                             kv[1], settings.headline_window_micros, settings.fan_out,
                             settings.generic_headline_bodies)))

    by_uri = fingerprints | 'KeyFingerprintsByUri' >> beam.Map(lambda fp: (fp.uri, packed(fp)))
    candidate_pairs = (
        fingerprints
        | 'BandKeys' >> beam.ParDo(_BandKeysFn(settings))
        | 'GroupByBand' >> beam.GroupByKey()
        | 'CandidatePairs' >> beam.FlatMap(
            lambda kv: verdicts.candidate_pairs(
                [(order, order[2]) for order in kv[1]], settings.fan_out))
        | 'DistinctPairs' >> beam.Distinct())
    near_duplicates = (
        {'pairs': candidate_pairs | 'KeyByEarlier' >> beam.Map(lambda p: (p[1], p[0])),
         'fingerprint': by_uri}
        | 'JoinEarlier' >> beam.CoGroupByKey()
        | 'ToLater' >> beam.FlatMap(_with_earlier))
    near_duplicates = (
        {'earlier': near_duplicates, 'fingerprint': by_uri}
        | 'JoinLater' >> beam.CoGroupByKey()
        | 'Verify' >> beam.ParDo(_VerifyFn(settings)))
    best_matches = (
        (same_url, same_body, same_headline, near_duplicates)
        | 'AllMatches' >> beam.Flatten()
        | 'BestMatch' >> beam.CombinePerKey(min))
    roots = best_matches | 'Parents' >> beam.Map(lambda kv: (kv[0], kv[1].earlier_uri))
    for round_ in range(settings.root_rounds):
      roots = (
          {'children': roots | f'ByParent{round_}' >> beam.Map(lambda kv: (kv[1], kv[0])),
           'parent_of_parent': roots}
          | f'JoinParents{round_}' >> beam.CoGroupByKey()
          | f'Follow{round_}' >> beam.FlatMap(_follow))
    verdicts_by_uri = (
        {'root': roots, 'best': best_matches}
        | 'JoinRootAndMatch' >> beam.CoGroupByKey()
        | 'RootAndMatch' >> beam.Map(
            lambda kv: (kv[0], (list(kv[1]['root'])[0], list(kv[1]['best'])[0]))))
    return (
        {'records': families['records'], 'roots': verdicts_by_uri}
        | 'JoinVerdicts' >> beam.CoGroupByKey()
        | 'ApplyVerdicts' >> beam.ParDo(_ApplyVerdictsFn()))


class DeduplicateItems(beam.PTransform):
  """Items in, every item out with its verdict, also against the runs before.

  ``index_rows`` are the rows of the dedup index that the items can meet
  (``index.ReadDedupIndex``); without them the items are deduplicated among
  themselves only.
  """
  def __init__(self, settings: DedupSettings, index_rows: Optional[beam.PCollection] = None):
    super().__init__()
    self._settings = settings
    self._index_rows = index_rows

  def expand(self, items):
    if self._index_rows is None:
      indexed = items.pipeline | 'NoDedupIndex' >> beam.Create([])
    else:
      indexed = self._index_rows | 'IndexedItems' >> beam.Map(indexed_item, self._settings)
    return {'records': items, 'indexed': indexed} | 'Deduplicate' >> Deduplicate(
        self._settings)
