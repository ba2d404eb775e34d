"""The dedup index: what earlier runs published, so that a re-run does not repeat it.

It lives beside the output (``DIR/dedup_index/``): one row per new (uri,
version) of each batch run, written with the run's items. Which files make
it, and how, is the output folder's business (``output_folder``); this
module turns records into rows, finds the rows a run needs, and compacts.

A run never reads the whole index into its shuffles: each file is scanned
and only the rows sharing a key with the run's items are kept (its uri,
canonical URL, content hash or an LSH band), which are all the rows that
can change a verdict, since an indexed item is never itself matched; a
compacted part whose key summary holds none of the run's keys is not read
at all (a summary written before headline keys existed cannot say so for
headline keys: such a part is read when the run has any). The
index keeps what is younger than the dedup horizon (``--dedup-window``),
counted from when an item was last published or re-sighted: compaction
merges the runs' file sets into one generation and drops older rows.
"""
import dataclasses
import datetime
import hashlib
import logging
from typing import Any, Dict, FrozenSet, Iterable, Iterator, List, Optional, Tuple

import apache_beam as beam
import numpy as np
from apache_beam.metrics import Metrics

from transforms import output_folder
from transforms.dead_letters import METRICS_NAMESPACE
from transforms.dedup import verdicts
from transforms.dedup.fingerprints import MinHasher, shingles, words
from transforms.dedup.headlines import BODY, headline_identity, headline_weight, matching_headline
from transforms.dedup.item_fingerprint import dedup_text, trusted_link
from transforms.dedup.resightings import sighting_record
from transforms.dedup.settings import DedupSettings

# Compaction runs once this many runs' file sets wait in a bookkeeping folder,
# and rewrites every row (applying the horizon) once in this many seconds.
COMPACT_AFTER_RUNS = 12
REWRITE_EVERY = 86400.0
HEADLINE = 'headline'
# Key summaries written since headline keys exist hold this key too.
_HEADLINE_SUMMARY_MARK = ('summary_holds', HEADLINE)


@dataclasses.dataclass(frozen=True)
class IndexedItem:
  entry: verdicts.IndexEntry
  fingerprint: Optional[verdicts.Fingerprint]  # canonical items only


def row_headline(row: dict, settings: DedupSettings):
  """(headline key, text kind) of a canonical row; rows written before these
  fields get a key from their headline (agency names only) and count as a body."""
  if 'text_kind' in row:
    return row['headline_key'], row['text_kind'] or BODY
  key = matching_headline(row['headline'])
  return (key if headline_weight(key) >= settings.min_headline_words else None), BODY


def indexed_item(row: dict, settings: DedupSettings = DedupSettings()) -> IndexedItem:
  """An index row as the dedup stage uses it."""
  order = verdicts.order_key(row['versioncreated'], row['uri'], indexed=True)
  entry = verdicts.IndexEntry(row['uri'], row['version'], order,
                              row['duplicate_of'], row['canceled'], row['content_hash'])
  fingerprint = None
  if row['duplicate_of'] is None:
    key, kind = row_headline(row, settings)
    fingerprint = verdicts.Fingerprint(
        row['uri'], order, trusted_link(row['uri'], row['link']),
        row['content_hash'], frozenset(row['shingles']),
        tuple(row['headline_flags']), frozenset(words(row['headline'] or '')), key, kind,
        verdicts.micros_of(row['versioncreated']))
  return IndexedItem(entry, fingerprint)


def is_indexed(record: dict) -> bool:
  """Whether a deduplicated record has an index row: re-sightings add nothing."""
  return record['duplicate_reason'] != verdicts.RESIGHTING


def packed_bands(shingle_set: FrozenSet[int], settings: DedupSettings,
                 hasher: MinHasher) -> List[int]:
  """The LSH band keys of a shingle set as longs (band << 56 | a 56-bit hash of
  its rows); none for too short a text.

  Wider than the dedup stage's own bucket keys: a run looks its bands up
  among all of a long history's, where 32 bits would collide by chance.
  """
  if len(shingle_set) < settings.min_shingles:
    return []
  signature = hasher.signature(shingle_set)
  rows = len(signature) // settings.bands
  return [band << 56 | int.from_bytes(hashlib.blake2b(
      repr(signature[band * rows:(band + 1) * rows]).encode(), digest_size=7).digest(), 'big')
          for band in range(settings.bands)]


def index_row(record: dict, settings: DedupSettings, hasher: MinHasher,
              seen_at: Optional[datetime.datetime]) -> dict:
  """The index row of a deduplicated record of the run that started at ``seen_at``."""
  canonical = record['is_canonical']
  shingle_set = shingles(dedup_text(record), settings.shingle_size) if canonical else frozenset()
  key, kind = (headline_identity(record, settings.min_headline_words) if canonical
               else (None, None))
  return {
      'uri': record['uri'], 'version': record['version'],
      'versioncreated': record['versioncreated'], 'link': record['link'],
      'content_hash': record['content_hash'],
      'duplicate_of': None if canonical else record['duplicate_of'],
      'canceled': record['pubstatus'] == verdicts.CANCELED,
      'headline': record['headline'],
      'headline_flags': record['headline_flags'],
      'shingles': sorted(shingle_set),
      'bands': packed_bands(shingle_set, settings, hasher),
      'headline_key': key, 'text_kind': kind,
      'last_seen': seen_at,
  }


def rows_from(how_and_row, settings: DedupSettings, hasher: MinHasher) -> Iterator[dict]:
  """The index rows a row of a file of ``output_folder.index_file_plan`` gives."""
  how, row = how_and_row
  if how == output_folder.INDEX_FILE:
    yield row
  elif is_indexed(row) and (how == output_folder.ALL_RECORDS or row['is_canonical']):
    yield index_row(row, settings, hasher, None)


def _keys(uri: str, link: Optional[str], content_hash: str, bands: Iterable[int],
          headline_key: Optional[str]):
  yield 'uri', uri
  trusted = trusted_link(uri, link)
  if trusted:
    yield 'url', trusted
  yield 'body', content_hash
  if headline_key:
    yield HEADLINE, headline_key
  for band in bands:
    yield 'band', band


def record_keys(record: dict, settings: DedupSettings, hasher: MinHasher):
  """The keys by which a new record can meet an index row."""
  bands = packed_bands(shingles(dedup_text(record), settings.shingle_size), settings, hasher)
  key, _ = headline_identity(record, settings.min_headline_words)
  return _keys(record['uri'], record['link'], record['content_hash'], bands, key)


def row_keys(row: dict, settings: DedupSettings, hasher: MinHasher):
  """The keys by which an index row can meet a new record.

  A non-canonical row only ever counts in its own family (its uri). Rows
  written before bands were kept get theirs computed here.
  """
  if row['duplicate_of'] is not None:
    return [('uri', row['uri'])]
  bands = row.get('bands') or packed_bands(frozenset(row['shingles']), settings, hasher)
  return _keys(row['uri'], row['link'], row['content_hash'], bands,
               row_headline(row, settings)[0])


def key_hash(key) -> int:
  """A key as a 64-bit number, the same in every process."""
  return int.from_bytes(hashlib.blake2b(repr(key).encode('utf-8'), digest_size=8).digest(),
                        'big')


def key_hashes(keys: Iterable) -> np.ndarray:
  """Sorted distinct hashes of keys: what a part's key summary holds."""
  return np.unique(np.fromiter((key_hash(key) for key in keys), dtype=np.uint64))


def part_key_hashes(rows: List[dict], settings: DedupSettings, hasher: MinHasher) -> np.ndarray:
  """The key summary of a part of the index: the keys of all its rows, and the
  mark that says it has headline keys."""
  return key_hashes([_HEADLINE_SUMMARY_MARK, *(
      key for row in rows for key in row_keys(row, settings, hasher))])


def may_hold(summary: np.ndarray, wanted: np.ndarray, wants_headlines: bool) -> bool:
  """Whether a part with this key summary may hold a row with a wanted key."""
  if wants_headlines and not holds_any(summary, key_hashes([_HEADLINE_SUMMARY_MARK])):
    return True  # summarised before headline keys: it cannot tell
  return holds_any(summary, wanted)


def holds_any(summary: np.ndarray, wanted: np.ndarray) -> bool:
  """Whether a sorted key summary holds any of the wanted (sorted) hashes."""
  if not len(summary) or not len(wanted):
    return False
  found = np.searchsorted(summary, wanted)
  return bool((summary[np.minimum(found, len(summary) - 1)] == wanted).any())


@beam.typehints.with_output_types(Tuple[Tuple[str, Any], bool])
class _RunKeysFn(beam.DoFn):
  def __init__(self, settings: DedupSettings, by_uri: bool):
    self._settings = settings
    self._by_uri = by_uri

  def setup(self):
    self._hasher = MinHasher(self._settings.num_perm)

  def process(self, record):
    if self._by_uri:
      yield ('uri', record['uri']), True
      return
    for key in record_keys(record, self._settings, self._hasher):
      yield key, True


@beam.typehints.with_output_types(Any)
class _MatchingRowsFn(beam.DoFn):
  """Scans one index file; yields its rows that share a key with the run.

  A compacted part whose key summary holds none of the run's keys is not
  read at all: a long history costs a lookup per part, not a scan.
  """
  def __init__(self, settings: DedupSettings):
    self._settings = settings

  def setup(self):
    self._hasher = MinHasher(self._settings.num_perm)
    self._keys_seen, self._wanted = None, None

  def _wanted_hashes(self, run_keys):
    """(hashes of the run's keys, whether any is a headline key), once per side input."""
    if run_keys is not self._keys_seen:
      self._keys_seen = run_keys
      self._wanted = (key_hashes(run_keys), any(kind == HEADLINE for kind, _ in run_keys))
    return self._wanted

  def process(self, path_and_how, run_keys):
    path, how = path_and_how
    if not run_keys:  # a run of re-sightings only: no row can meet anything
      return
    if how == output_folder.INDEX_FILE:
      summary = output_folder.read_keys(path)
      if summary is not None and not may_hold(summary, *self._wanted_hashes(run_keys)):
        Metrics.counter(METRICS_NAMESPACE, 'index.parts_skipped').inc()
        return
    for record in output_folder.read_records(path):
      for row in rows_from((how, record), self._settings, self._hasher):
        if any(key in run_keys for key in row_keys(row, self._settings, self._hasher)):
          yield row


class ReadDedupIndex(beam.PTransform):
  """The index rows of earlier runs under ``output`` that the given records can meet.

  Returns rows of ``schemas/dedup_index.avsc``; none before the first run.
  With ``by_uri``, only the rows of the records' own uris (what telling a
  re-sighting needs, without fingerprinting every record).
  """
  def __init__(self, output: str, settings: DedupSettings, by_uri: bool = False):
    super().__init__()
    self._output = output
    self._settings = settings
    self._by_uri = by_uri

  def expand(self, records):
    run_keys = beam.pvalue.AsDict(
        records | 'RunKeys' >> beam.ParDo(_RunKeysFn(self._settings, self._by_uri)))
    return (records.pipeline
            | 'ListIndexFiles' >> output_folder.ListIndexFiles(self._output)
            | 'MatchingRows' >> beam.ParDo(_MatchingRowsFn(self._settings), run_keys))


@beam.typehints.with_output_types(Dict[str, Any])
class _IndexRowFn(beam.DoFn):
  def __init__(self, settings: DedupSettings, seen_at: datetime.datetime):
    self._settings = settings
    self._seen_at = seen_at

  def setup(self):
    self._hasher = MinHasher(self._settings.num_perm)

  def process(self, record):
    if is_indexed(record):
      yield index_row(record, self._settings, self._hasher, self._seen_at)


class IndexRows(beam.PTransform):
  """Index rows for a run's deduplicated records: every new (uri, version) once."""
  def __init__(self, settings: DedupSettings, seen_at: datetime.datetime):
    super().__init__()
    self._settings = settings
    self._seen_at = seen_at

  def expand(self, records):
    return records | 'ToIndexRows' >> beam.ParDo(_IndexRowFn(self._settings, self._seen_at))


@dataclasses.dataclass(frozen=True)
class Compaction:
  """What a compaction did: whether it rewrote every row, rows and re-sightings kept
  and dropped, paths deleted."""
  runs: int
  rewrote: bool
  rows_kept: int
  rows_dropped: int
  resightings_kept: int
  deleted: int


def _file_run_time(path: str) -> Optional[datetime.datetime]:
  name = output_folder.shard_name(path)
  return output_folder.run_time(name[0]) if name else None


def _identities(how: str, record: dict):
  """(uri, duplicate_of, last_seen) of the index rows a file's record gives, cheaply."""
  if how == output_folder.INDEX_FILE:
    yield record['uri'], record['duplicate_of'], record.get('last_seen')
  elif is_indexed(record) and (how == output_folder.ALL_RECORDS or record['is_canonical']):
    yield record['uri'], None if record['is_canonical'] else record['duplicate_of'], None


def family_activity(plan, sightings: Iterable[dict]) -> Dict[str, datetime.datetime]:
  """When each uri was last published or seen again: as an item of its own family
  (any version), or as the canonical item other items duplicate.

  An item stays in the index while its family or its duplicates are seen:
  the canonical row of a story whose later version alone is still in the
  feeds must not expire before it.
  """
  latest: Dict[str, datetime.datetime] = {}

  def seen(uri, when):
    if uri and when and (uri not in latest or latest[uri] < when):
      latest[uri] = when

  for path, how in plan:
    file_seen = _file_run_time(path)
    for record in output_folder.read_records(path):
      for uri, duplicate_of, last_seen in _identities(how, record):
        seen(uri, last_seen or file_seen)
        seen(duplicate_of, last_seen or file_seen)
  for sighting in sightings:
    seen(sighting['uri'], sighting['seen_at'])
    seen(sighting['duplicate_of'], sighting['seen_at'])
  return latest


def _sightings(output: str, generation, runs: Dict[str, List[str]], index_runs,
               cutoff: datetime.datetime) -> List[dict]:
  """The re-sightings to keep: the latest of each item from each source, in the
  horizon; from the re-sighting records, and from the re-sighting verdicts in
  the records of the runs compacted now (--write-resightings, or other
  content under a version already seen)."""
  latest = {}

  def note(sighting):
    where = (sighting['uri'], sighting['version'], sighting['source']['location'])
    if sighting['seen_at'] >= cutoff and (
        where not in latest or latest[where]['seen_at'] < sighting['seen_at']):
      latest[where] = sighting

  for path in list(generation.parts) + sorted(p for paths in runs.values() for p in paths):
    for sighting in output_folder.read_records(path):
      note(sighting)
  for run in sorted(index_runs):
    for folder in (output_folder.ITEMS, output_folder.DUPLICATES):
      for path in output_folder.run_files(output, folder).get(run, ()):
        for record in output_folder.read_records(path):
          if record['duplicate_reason'] == verdicts.RESIGHTING:
            note(sighting_record(record, record['duplicate_of'], output_folder.run_time(run)))
  return [latest[where] for where in sorted(latest, key=repr)]


def compact(output: str, settings: DedupSettings, horizon_seconds: float,
            run_id: str, codec: str, min_runs: int = COMPACT_AFTER_RUNS,
            rewrite_every: float = REWRITE_EVERY) -> Optional[Compaction]:
  """Merges the index and the re-sightings of finished runs into one generation each.

  Run before a run starts, while it holds the output folder. Nothing
  happens (None) while fewer than ``min_runs`` runs wait uncompacted, or for
  a remote folder. Usually the runs' rows become new parts beside the
  generation's (linked, not copied): a cost in proportion to the runs.
  Once every ``rewrite_every`` seconds every row is rewritten, and the rows
  of families not published nor seen again within the horizon are dropped.
  The re-sightings keep the latest of each item from each source within the
  horizon. A kill at any point loses and repeats nothing: a new generation
  counts only once renamed into place, and the file sets it replaces are
  ignored from then on, deleted or not.
  """
  if '://' in output:
    return None
  index_folder = output_folder.folder_path(output, output_folder.DEDUP_INDEX)
  sightings_folder = output_folder.folder_path(output, output_folder.RESIGHTINGS)
  index_generation = output_folder.latest_generation(index_folder)
  sightings_generation = output_folder.latest_generation(sightings_folder)
  index_runs = set(output_folder.indexed_runs(output, index_generation.replaced))
  sighting_runs = output_folder.run_files(output, output_folder.RESIGHTINGS,
                                          sightings_generation.replaced)
  if len(index_runs | set(sighting_runs)) < min_runs:
    return None
  now = output_folder.run_time(run_id)
  cutoff = now - datetime.timedelta(seconds=horizon_seconds)
  hasher = MinHasher(settings.num_perm)
  sightings = _sightings(output, sightings_generation, sighting_runs, index_runs, cutoff)
  rewrite = (index_generation.rewritten_by is None or (
      now - output_folder.run_time(index_generation.rewritten_by)).total_seconds()
             >= rewrite_every)
  plan = output_folder.index_file_plan(output)
  activity = family_activity(plan, sightings) if rewrite else {}
  if not rewrite:  # only the runs' rows are read; the generation's parts stay as they are
    plan = [(path, how) for path, how in plan if path not in index_generation.parts]
  counts = {'kept': 0, 'dropped': 0}
  seen_keys = set()

  def kept_rows():
    for path, how in plan:
      file_seen = _file_run_time(path)
      for record in output_folder.read_records(path):
        for row in rows_from((how, record), settings, hasher):
          key = (row['uri'], row['version'], row['content_hash'])
          if key in seen_keys:
            continue
          seen_keys.add(key)
          last_seen = activity.get(row['uri']) or row.get('last_seen') or file_seen
          if rewrite and last_seen is not None and last_seen < cutoff:
            counts['dropped'] += 1
            continue
          counts['kept'] += 1
          if not row.get('bands') and row['duplicate_of'] is None:
            row['bands'] = packed_bands(frozenset(row['shingles']), settings, hasher)
          yield dict(row, last_seen=last_seen)

  output_folder.write_generation(
      index_folder, run_id, output_folder.in_parts(kept_rows()),
      output_folder.SCHEMA_OF[output_folder.DEDUP_INDEX], codec,
      _replaced(output, index_generation, index_runs, (
          output_folder.ITEMS, output_folder.DUPLICATES, output_folder.DEDUP_INDEX)),
      part_keys=lambda rows: part_key_hashes(rows, settings, hasher),
      kept_parts=() if rewrite else index_generation.parts,
      rewritten_by=run_id if rewrite else index_generation.rewritten_by)
  output_folder.write_generation(
      sightings_folder, run_id, output_folder.in_parts(iter(sightings)),
      output_folder.SCHEMA_OF[output_folder.RESIGHTINGS], codec,
      _replaced(output, sightings_generation, set(sighting_runs),
                (output_folder.RESIGHTINGS,)))
  deleted = (output_folder.delete_replaced(output, output_folder.DEDUP_INDEX)
             + output_folder.delete_replaced(output, output_folder.RESIGHTINGS))
  result = Compaction(len(index_runs | set(sighting_runs)), rewrite, counts['kept'],
                      counts['dropped'], len(sightings), deleted)
  logging.info('dedup index compacted: %s', result)
  return result


def _replaced(output: str, generation, runs, folders) -> set:
  """The runs a new generation replaces: those compacted now, and those the one
  before replaced whose files a kill left undeleted."""
  left = {run for folder in folders for run in output_folder.run_files(output, folder)}
  return set(runs) | (generation.replaced & left)
