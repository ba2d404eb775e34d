"""The dedup index: what earlier runs wrote, so that a re-run does not repeat it.

It lives beside the output (``DIR/dedup_index/``) as Avro files, one set per
run: read whole at the start of a run, and a new set written at the end
with the items of this run. Beam's file sink writes to temporary names and
renames at the end, so a failed run adds nothing.
"""
import dataclasses
from typing import Optional

import apache_beam as beam
import fastavro
from apache_beam.io import fileio
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from transforms.dedup import dedup_text, trusted_link, verdicts
from transforms.dedup.fingerprints import shingles, words

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


def _read_rows(readable_file):
  with FileSystems.open(readable_file.metadata.path,
                        compression_type=CompressionTypes.UNCOMPRESSED) as f:
    yield from fastavro.reader(f)


class ReadDedupIndex(beam.PTransform):
  """All index entries under a folder; none when it does not exist yet."""
  def __init__(self, folder: str):
    super().__init__()
    self._pattern = FileSystems.join(folder, '*.avro')

  def expand(self, pbegin):
    return (pbegin
            | 'MatchIndex' >> fileio.MatchFiles(
                self._pattern, empty_match_treatment=fileio.EmptyMatchTreatment.ALLOW)
            | 'ReadIndexFiles' >> fileio.ReadMatches()
            | 'IndexRows' >> beam.FlatMap(_read_rows)
            | 'IndexedItems' >> beam.Map(indexed_item))


class IndexRows(beam.PTransform):
  """Index rows for a run's deduplicated records: every new (uri, version) once."""
  def __init__(self, shingle_size: int):
    super().__init__()
    self._shingle_size = shingle_size

  def expand(self, records):
    return (records
            | 'SkipResightings' >> beam.Filter(
                lambda r: r['duplicate_reason'] != verdicts.RESIGHTING)
            | 'ToIndexRows' >> beam.Map(index_row, self._shingle_size))

