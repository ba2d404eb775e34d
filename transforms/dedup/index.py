"""The dedup index: what earlier runs published, so that a re-run does not repeat it.

It lives beside the output (``DIR/dedup_index/``): one row per new (uri,
version) of each batch run, written with the run's items and read at the
start of every run. Which files make it, and how, is the output folder's
business (``output_folder.ReadIndexSources``); this module turns records
into rows and rows into what the dedup stage matches against.
"""
import dataclasses
from typing import Optional

import apache_beam as beam

from transforms import output_folder
from transforms.dedup import verdicts
from transforms.dedup.fingerprints import shingles, words
from transforms.dedup.item_fingerprint import dedup_text, trusted_link


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


def rows_from(how_and_row, shingle_size: int):
  """The index rows a row of ``output_folder.ReadIndexSources`` gives."""
  how, row = how_and_row
  if how == output_folder.INDEX_FILE:
    yield row
  elif is_indexed(row) and (how == output_folder.ALL_RECORDS or row['is_canonical']):
    yield index_row(row, shingle_size)


class ReadDedupIndex(beam.PTransform):
  """Index entries of the runs that wrote under ``output``; none before the first."""
  def __init__(self, output: str, shingle_size: int):
    super().__init__()
    self._output = output
    self._shingle_size = shingle_size

  def expand(self, pbegin):
    return (pbegin
            | 'ReadIndexSources' >> output_folder.ReadIndexSources(self._output)
            | 'IndexRows' >> beam.FlatMap(rows_from, self._shingle_size)
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
