"""Deduplication stage: re-sightings, new versions, same URL, same body, near-duplicates.

Nothing is dropped: every record comes out, with ``is_canonical``,
``duplicate_of``, ``duplicate_reason`` and ``duplicate_similarity`` filled.
No step puts all items under one key or compares all pairs:

1. records are grouped by uri (item families: re-sightings and versions);
2. each family's canonical member is fingerprinted, and matched against
   the others by canonical URL, by body hash, and by MinHash LSH buckets
   (keyed by band) whose candidate pairs are verified on the full shingle
   sets;
3. each item keeps its best match (the earliest item it duplicates) and
   chains are followed to their root by pointer jumping, keyed by uri;
4. the verdicts are joined back to the records by uri.

The decisions themselves are pure functions in ``verdicts``; fingerprints
are in ``fingerprints``; the dedup index of earlier runs in ``index``.
"""
import array
import dataclasses

import apache_beam as beam
from apache_beam.metrics import Metrics

from transforms.dead_letters import METRICS_NAMESPACE
from transforms.dedup import verdicts
from transforms.dedup.fingerprints import MinHasher, band_keys, shingles, words
from transforms.normalize.urls import canonical_url

CANONICAL = 'canonical'


@dataclasses.dataclass(frozen=True)
class DedupSettings:
  """Tuned on Reuters-21578 (see eval/dedup_eval.py and the README)."""
  shingle_size: int = 4
  num_perm: int = 128
  bands: int = 32
  jaccard_threshold: float = 0.7
  containment_threshold: float = 0.9
  # Items with fewer shingles (a bare headline) are matched exactly only.
  min_shingles: int = 8
  # Earlier bucket members each item is verified against, at most.
  fan_out: int = 20
  # Pointer-jumping rounds: chains of up to 2**rounds items are resolved.
  root_rounds: int = 4


def dedup_text(record: dict) -> str:
  """The text whose shingles identify an item: headline and body."""
  return '\n'.join(filter(None, (record.get('headline'),
                                 record.get('body_text') or record.get('description_text'))))


def trusted_link(uri: str, link: str):
  """The link, unless the item's own URL identity says otherwise.

  Some feeds give every item a permalink guid but a wrong <link> (one
  shared by unrelated stories); their links must not make them duplicates.
  """
  uri_url = canonical_url(uri)
  return link if uri_url is None or uri_url == link else None


def fingerprint(record: dict, shingle_size: int) -> verdicts.Fingerprint:
  return verdicts.Fingerprint(
      uri=record['uri'],
      order=verdicts.order_key(record['versioncreated'], record['uri'], False),
      link=trusted_link(record['uri'], record['link']),
      content_hash=record['content_hash'],
      shingles=shingles(dedup_text(record), shingle_size),
      flags=tuple(record['headline_flags']),
      headline_words=frozenset(words(record['headline'] or '')))


def without_shingles(fingerprint_: verdicts.Fingerprint) -> verdicts.Fingerprint:
  """What the same-URL and same-body matches read: a shuffle need not carry more."""
  return dataclasses.replace(fingerprint_, shingles=frozenset())


def packed(fingerprint_: verdicts.Fingerprint):
  """(fingerprint without shingles, shingles as 4-byte words) for the pair joins.

  A shingle set decoded in a DirectRunner grouping table costs about 60
  bytes a shingle, packed 4; the joins hold every fingerprint at once.
  """
  return (without_shingles(fingerprint_),
          array.array('I', sorted(fingerprint_.shingles)).tobytes())


def unpacked(packed_) -> verdicts.Fingerprint:
  fingerprint_, shingle_bytes = packed_
  shingle_array = array.array('I')
  shingle_array.frombytes(shingle_bytes)
  return dataclasses.replace(fingerprint_, shingles=frozenset(shingle_array))


class _ResolveFamiliesFn(beam.DoFn):
  def process(self, element):
    _, grouped = element
    annotated, canonical = verdicts.resolve_family(
        list(grouped['records']), list(grouped['indexed']))
    yield from annotated
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


class _ApplyVerdictsFn(beam.DoFn):
  def __init__(self):
    self._canonical = Metrics.counter(METRICS_NAMESPACE, 'dedup.canonical')

  def process(self, element):
    _, grouped = element
    roots = list(grouped['roots'])
    root, best = roots[0] if roots else (None, None)
    for record in grouped['records']:
      if root and record['is_canonical']:
        record = dict(record, is_canonical=False, duplicate_of=root,
                      duplicate_reason=best.reason,
                      duplicate_similarity=best.similarity)
      elif root:
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
        {'records': records | 'KeyRecordsByUri' >> beam.WithKeys(lambda r: r['uri']),
         'indexed': index | 'KeyIndexByUri' >> beam.Map(lambda e: (e.entry.uri, e.entry))}
        | 'GroupFamilies' >> beam.CoGroupByKey()
        | 'ResolveFamilies' >> beam.ParDo(_ResolveFamiliesFn()).with_outputs(
            CANONICAL, main='records'))
    fingerprints = (
        (families[CANONICAL] | 'Fingerprint' >> beam.Map(fingerprint, settings.shingle_size),
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
        (same_url, same_body, near_duplicates)
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
        {'records': families['records'] | 'KeyAnnotatedByUri' >> beam.WithKeys(
            lambda r: r['uri']),
         'roots': verdicts_by_uri}
        | 'JoinVerdicts' >> beam.CoGroupByKey()
        | 'ApplyVerdicts' >> beam.ParDo(_ApplyVerdictsFn()))
