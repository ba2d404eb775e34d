"""Re-sightings decided before the costly stages: items published before, seen again unchanged.

A run every few minutes over the same feeds sees mostly items it published
already. Whether an item is one of them is known once it is normalised: the
dedup index has a row with its uri, its version and its content hash. Such
an item needs neither language detection nor NER, and its full record
would repeat one that consumers have: it leaves as a slim re-sighting
record (``schemas/resighting.avsc``) instead. The verdict is the one the
dedup stage would give it (``verdicts.resolve_family``): a re-sighting of
the family's canonical item. Anything else (a new version, other content
under the same version, a cancellation) goes on to the stages as before.
"""
import collections
import datetime
from typing import Any, Iterable, Optional

import apache_beam as beam
from apache_beam.metrics import Metrics

from transforms.dead_letters import METRICS_NAMESPACE
from transforms.dedup import verdicts
from transforms.tags import ITEMS, RESIGHTINGS


def family_root(rows: Iterable[dict]) -> str:
  """The uri a family's re-sightings name as duplicate_of: its earliest row's root."""
  first = min(rows, key=lambda row: verdicts.order_key(row['versioncreated'], row['uri'],
                                                       indexed=True))
  return first['duplicate_of'] or first['uri']


def resighting_of(record: dict, rows: Iterable[dict],
                  seen_at: datetime.datetime) -> Optional[dict]:
  """The re-sighting record of ``record``, seen by the run started at ``seen_at``,
  if an index row of its uri has its version and content; else None.

  ``rows`` are the index rows of its uri.
  """
  rows = list(rows)
  if record['pubstatus'] == verdicts.CANCELED or not any(
      row['version'] == record['version'] and row['content_hash'] == record['content_hash']
      for row in rows):
    return None
  return sighting_record(record, family_root(rows), seen_at)


def sighting_record(record: dict, duplicate_of: str, seen_at: datetime.datetime) -> dict:
  """The re-sighting record (``schemas/resighting.avsc``) of an item record."""
  source = record['source']
  return {
      'uri': record['uri'], 'version': record['version'],
      'content_hash': record['content_hash'], 'duplicate_of': duplicate_of,
      'seen_at': seen_at, 'received_at': record['received_at'],
      'source': {'format': source['format'], 'location': source['location'],
                 'position': source['position']},
  }


@beam.typehints.with_output_types(Any)
class _SplitResightingsFn(beam.DoFn):
  def __init__(self, seen_at: datetime.datetime):
    self._seen_at = seen_at
    self._resightings = Metrics.counter(METRICS_NAMESPACE, f'dedup.{verdicts.RESIGHTING}')
    self._rows_seen, self._rows_by_uri = None, {}

  def _by_uri(self, rows) -> dict:
    """The side input's rows by uri, grouped once per materialised side input."""
    if rows is not self._rows_seen:
      self._rows_seen, self._rows_by_uri = rows, collections.defaultdict(list)
      for row in rows:
        self._rows_by_uri[row['uri']].append(row)
    return self._rows_by_uri

  def process(self, record, rows):
    resighting = resighting_of(record, self._by_uri(rows).get(record['uri'], ()),
                               self._seen_at)
    if resighting is None:
      yield record
    else:
      self._resightings.inc()
      yield beam.pvalue.TaggedOutput(RESIGHTINGS, resighting)


def _uri_of_run(row, uris):
  return row['uri'] in uris


class SplitResightings(beam.PTransform):
  """``{'records': ..., 'rows': index rows}`` in; ``{items, resightings}`` out.

  ``rows`` are the index rows the run's records can meet (as many as the
  run has items, at most, plus their near copies); they are looked up by
  uri in a side input, so the records are not shuffled.
  """
  def __init__(self, seen_at: datetime.datetime):
    super().__init__()
    self._seen_at = seen_at

  def expand(self, inputs):
    records, rows = inputs['records'], inputs['rows']
    uris = beam.pvalue.AsDict(records | 'RunUris' >> beam.Map(lambda r: (r['uri'], True)))
    rows_of_run = rows | 'RowsOfRunUris' >> beam.Filter(_uri_of_run, uris)
    return records | 'SplitResightings' >> beam.ParDo(
        _SplitResightingsFn(self._seen_at), beam.pvalue.AsList(rows_of_run)).with_outputs(
            RESIGHTINGS, main=ITEMS)
