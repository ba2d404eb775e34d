"""Dead letters: what a stage could not turn into an item, with why and the raw bytes.

Every stage that handles single elements guards them the same way, through
``GuardedDoFn``: an ``InputError`` becomes a dead letter with its reason; any
other exception (a bug meeting an input nobody foresaw) becomes an
``internal_error`` dead letter, logged with its traceback, so that one bad
input never stops a run nor disappears. Stages that see a batch of elements
at once (entities) guard each element of the batch with ``guard``. The dedup
stage sees groups, not inputs: it sends nothing to dead letters.
"""
import dataclasses
import datetime
import logging
from typing import Callable, Iterable, Optional

import apache_beam as beam
from apache_beam.metrics import Metrics

from transforms.errors import InputError
from transforms.replayable import record_as_feed
from transforms.tags import DEAD_LETTERS

METRICS_NAMESPACE = 'wirebeam'
INTERNAL_ERROR = 'internal_error'


@dataclasses.dataclass(frozen=True)
class Origin:
  """What a dead letter records about the element that failed."""
  source: str
  raw: bytes
  position: Optional[int] = None
  format: Optional[str] = None
  received_at: Optional[datetime.datetime] = None


def record_origin(record: dict) -> Origin:
  """The origin of a record of ``wire_item.avsc``: replayable, with its provenance."""
  source = record['source']
  return Origin(source['location'], record_as_feed(record), source['position'],
                source['format'], record['received_at'])


def dead_letter_record(stage: str, reason: str, error: str, origin: Origin) -> dict:
  """A record of ``schemas/dead_letter.avsc``."""
  return {
      'stage': stage, 'reason': reason, 'error': error,
      'source': origin.source, 'position': origin.position,
      'format': origin.format, 'raw': origin.raw,
      'failed_at': datetime.datetime.now(datetime.timezone.utc),
      'received_at': origin.received_at,
  }


def dead_letter_output(stage: str, reason: str, error: str, origin: Origin):
  """A dead letter on the ``DEAD_LETTERS`` output, counted by stage and reason."""
  Metrics.counter(METRICS_NAMESPACE, f'dead_letter.{stage}.{reason}').inc()
  return beam.pvalue.TaggedOutput(
      DEAD_LETTERS, dead_letter_record(stage, reason, error, origin))


class GuardedDoFn(beam.DoFn):
  """A DoFn that sends failing elements to the ``DEAD_LETTERS`` output.

  Subclasses set ``stage`` and implement ``process_element`` and ``origin``.
  """
  stage: str = ''

  def process_element(self, element) -> Iterable:
    raise NotImplementedError

  def origin(self, element) -> Origin:
    raise NotImplementedError

  def process(self, element):
    yield from self.guard(element, self.process_element)

  def guard(self, element, work: Callable[[object], Iterable]):
    """The outputs of ``work(element)``, or the dead letter of its failure."""
    try:
      yield from work(element)
    except InputError as error:
      yield self._dead_letter(element, error.reason, str(error))
    except Exception as error:  # pylint: disable=broad-except
      logging.exception('%s stage failed on %s', self.stage,
                        self.origin(element).source)
      yield self._dead_letter(element, INTERNAL_ERROR,
                              f'{type(error).__name__}: {error}')

  def _dead_letter(self, element, reason: str, error: str):
    return dead_letter_output(self.stage, reason, error, self.origin(element))
