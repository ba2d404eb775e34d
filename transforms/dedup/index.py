"""The dedup index: what earlier runs published, so that a re-run does not repeat it.

It lives beside the output (``DIR/dedup_index/``) as Avro files, one set per
run, written with the run's items and read whole at the start of every run.
Beam's file sink writes each folder's files under temporary names and
renames them into place at the end, but one folder after another: a run
killed in between leaves index files whose items were never published, or
published items without their index files. So the index is checked against
the items folder, run by run (see ``files_to_read``), and never says more or
less than what consumers got.
"""
import collections
import dataclasses
import re
from typing import Iterable, List, Optional, Tuple

import apache_beam as beam
import fastavro
from apache_beam.io import fileio
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

import schemas
from transforms.dedup import dedup_text, trusted_link, verdicts
from transforms.dedup.fingerprints import shingles, words
from transforms.normalize import ITEMS

DUPLICATES = 'duplicates'  # where --split-duplicates writes the non-canonical items
# How a file's rows are read: as index rows; as the index rows of its item
# records; or of its canonical item records only.
INDEX_FILE, ALL_RECORDS, CANONICAL_RECORDS = 'index', 'records', 'canonical'
# Beam's default shard names: <run id>-SSSSS-of-NNNNN.avro.
_SHARD_NAME = re.compile(r'(?P<run>.+)-(?P<shard>\d{5,})-of-(?P<shards>\d{5,})\.avro\Z')


@dataclasses.dataclass(frozen=True)
class IndexedItem:
  entry: verdicts.IndexEntry
  fingerprint: Optional[verdicts.Fingerprint]  # canonical items only


def indexed_item(row: dict) -> IndexedItem:
  """An index row as the dedup stage uses it."""
  order = verdicts.order_key(row['versioncreated'], row['uri'], indexed=True)
  entry = verdicts.IndexEntry(row['uri'], row['version'], order,
                              row['duplicate_of'], row['canceled'])
  fingerprint = None
  if row['duplicate_of'] is None:
    fingerprint = verdicts.Fingerprint(
        row['uri'], order, trusted_link(row['uri'], row['link']),
        row['content_hash'], frozenset(row['shingles']),
        tuple(row['headline_flags']), frozenset(words(row['headline'] or '')))
  return IndexedItem(entry, fingerprint)


def is_indexed(record: dict) -> bool:
  """Whether a deduplicated record has an index row: re-sightings add nothing."""
  return record['duplicate_reason'] != verdicts.RESIGHTING


def index_row(record: dict, shingle_size: int) -> dict:
  """The index row of a deduplicated record of this run."""
  canonical = record['is_canonical']
  return {
      'uri': record['uri'], 'version': record['version'],
      'versioncreated': record['versioncreated'], 'link': record['link'],
      'content_hash': record['content_hash'],
      'duplicate_of': None if canonical else record['duplicate_of'],
      'canceled': record['pubstatus'] == verdicts.CANCELED,
      'headline': record['headline'],
      'headline_flags': record['headline_flags'],
      'shingles': sorted(shingles(dedup_text(record), shingle_size)) if canonical else [],
  }


def shard_name(path: str) -> Optional[Tuple[str, int, int]]:
  """(run id, shard, shard count) of a file of a batch run, else None."""
  found = _SHARD_NAME.match(FileSystems.split(path)[1])
  return (found['run'], int(found['shard']), int(found['shards'])) if found else None


def _complete(paths: List[str]) -> bool:
  """Whether all shards of a file set are there (a kill can stop the renames)."""
  shards = [shard_name(path)[1:] for path in paths]
  counts = {count for _, count in shards}
  return len(counts) == 1 and {shard for shard, _ in shards} == set(range(counts.pop()))


def files_to_read(files: Iterable[Tuple[str, str]]) -> List[Tuple[str, str]]:
  """What to read of one run's (folder, path) files: (path, how) pairs.

  The run's index files, when all of them and all of its items files are
  there. Else its rows are made again from the items it published: from
  all its item records (duplicates too) when all its items files are
  there, from its canonical ones when some are missing (a duplicate must
  not name a canonical item that never reached consumers). A run with no
  items file published nothing: its index files and duplicates are not read.
  """
  paths = collections.defaultdict(list)
  for folder, path in files:
    paths[folder].append(path)
  items = sorted(paths[ITEMS])
  if not items:
    return []
  if not _complete(items):
    return [(path, CANONICAL_RECORDS) for path in items]
  if _complete(paths[schemas.DEDUP_INDEX]):
    return [(path, INDEX_FILE) for path in sorted(paths[schemas.DEDUP_INDEX])]
  return [(path, ALL_RECORDS) for path in items + sorted(paths[DUPLICATES])]


def _by_run(folder_and_path):
  name = shard_name(folder_and_path[1])
  return [(name[0], folder_and_path)] if name else []


def _index_rows(path_and_how, shingle_size: int):
  path, how = path_and_how
  with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
    for row in fastavro.reader(f):
      if how == INDEX_FILE:
        yield row
      elif is_indexed(row) and (how == ALL_RECORDS or row['is_canonical']):
        yield index_row(row, shingle_size)


class ReadDedupIndex(beam.PTransform):
  """Index entries of the runs that wrote under ``output``; none before the first.

  Only the top-level ``*.avro`` files are read, never the ``beam-temp-*``
  folders of a run that was stopped.
  """
  def __init__(self, output: str, shingle_size: int):
    super().__init__()
    self._output = output
    self._shingle_size = shingle_size

  def expand(self, pbegin):
    listed = [
        pbegin
        | f'Match_{folder}' >> fileio.MatchFiles(
            FileSystems.join(self._output, folder, '*.avro'),
            empty_match_treatment=fileio.EmptyMatchTreatment.ALLOW)
        | f'In_{folder}' >> beam.Map(lambda metadata, folder: (folder, metadata.path),
                                     folder)
        for folder in (ITEMS, DUPLICATES, schemas.DEDUP_INDEX)]
    return (listed
            | 'AllFiles' >> beam.Flatten()
            | 'KeyByRun' >> beam.FlatMap(_by_run)
            | 'GroupByRun' >> beam.GroupByKey()
            | 'FilesToRead' >> beam.FlatMap(lambda run: files_to_read(run[1]))
            | 'SpreadFiles' >> beam.Reshuffle()
            | 'IndexRows' >> beam.FlatMap(_index_rows, self._shingle_size)
            | 'IndexedItems' >> beam.Map(indexed_item))


class IndexRows(beam.PTransform):
  """Index rows for a run's deduplicated records: every new (uri, version) once."""
  def __init__(self, shingle_size: int):
    super().__init__()
    self._shingle_size = shingle_size

  def expand(self, records):
    return (records
            | 'SkipResightings' >> beam.Filter(is_indexed)
            | 'ToIndexRows' >> beam.Map(index_row, self._shingle_size))
