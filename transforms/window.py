"""Event time and windows of the streaming mode.

An item's event time is its ``versioncreated``, else the time it was
received. A streaming source's watermark follows the clock, so an item whose
event time lies far behind the moment it arrived (a feed's backlog on its
first poll, a file of old copy dropped late) belongs to a window that may be
closed already: Beam would drop it without a word. Items later than
``--allowed-lateness`` therefore leave as ``late_data`` dead letters, with the
item as a one-item JSON Feed that ``--replay`` ingests in a batch run; the
rest are windowed with that same lateness allowed, so that Beam drops none.
"""
import datetime
from typing import Optional

import apache_beam as beam
from apache_beam.transforms import window
from apache_beam.utils.timestamp import Duration, Timestamp

from transforms.dead_letters import GuardedDoFn, record_origin
from transforms.errors import InputError
from transforms.tags import DEAD_LETTERS, ITEMS

LATE_DATA = 'late_data'


def event_time(record: dict) -> Optional[datetime.datetime]:
  return record['versioncreated'] or record['received_at']


def seconds_late(record: dict, arrived: Timestamp) -> float:
  """How far the item's event time lies behind its arrival; 0 if not behind."""
  happened = event_time(record)
  if happened is None:
    return 0.0
  return max(0.0, float(arrived - Timestamp.from_utc_datetime(happened)))


class _StampEventTimeFn(GuardedDoFn):
  """Re-stamps items with their event time; too late ones become dead letters.

  The element's own timestamp is its arrival: when the poll or folder
  listing that produced it ran, which the watermark never passes.
  """
  stage = 'window'

  def __init__(self, allowed_lateness: float):
    self._allowed_lateness = allowed_lateness

  def origin(self, element):
    return record_origin(element)

  def process(self, element, arrived=beam.DoFn.TimestampParam):  # pylint: disable=arguments-differ
    yield from self.guard(element, lambda record: self._stamp(record, arrived))

  def _stamp(self, record, arrived):
    late = seconds_late(record, arrived)
    if late > self._allowed_lateness:
      raise InputError(
          LATE_DATA,
          f'event time {event_time(record).isoformat()} is {late:.0f} s before '
          f'the item arrived; --allowed-lateness is {self._allowed_lateness:.0f} s')
    happened = event_time(record)
    yield window.TimestampedValue(
        record, Timestamp.from_utc_datetime(happened) if happened else arrived)


class StampEventTime(beam.PTransform):
  """Items in; items at their event time under ``items``, late ones as dead letters."""
  def __init__(self, allowed_lateness: float):
    super().__init__()
    self._allowed_lateness = allowed_lateness

  def expand(self, items):
    return items | 'StampEventTime' >> beam.ParDo(
        _StampEventTimeFn(self._allowed_lateness)).with_outputs(DEAD_LETTERS, main=ITEMS)


class FixedEventWindows(beam.PTransform):
  """Fixed windows of event time, allowing the lateness ``StampEventTime`` let in."""
  def __init__(self, size: float, allowed_lateness: float):
    super().__init__()
    self._size = size
    self._allowed_lateness = allowed_lateness

  def expand(self, records):
    return records | 'FixedWindows' >> beam.WindowInto(
        window.FixedWindows(self._size),
        allowed_lateness=Duration(seconds=self._allowed_lateness))
