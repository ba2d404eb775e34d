"""Parse stage: the bytes of a source into its entries, one ``ParsedEntry`` per news item.

The format is recognised from the content (``sniff``); each format has its
own pure parser module beside this one. A source's entries leave together
(``ParsedSource``), since the language stage judges a feed's language on
all of them. A source is read up to ``max_entries`` entries: every entry
costs language detection, NER and dedup, so 200,000 tiny items in one 9 MB
feed would hold a run for hours. The rest are one ``too_many_entries`` dead
letter keeping the whole source, which a replay with a higher cap reads.
"""
import dataclasses
from typing import Any, List, Optional

import apache_beam as beam
from apache_beam.metrics import Metrics

from transforms.dead_letters import (
  METRICS_NAMESPACE,
  GuardedDoFn,
  Origin,
  dead_letter_output,
)
from transforms.entry import ParsedEntry
from transforms.errors import InputError
from transforms.parse import sniff
from transforms.parse.anpa1312 import parse_anpa1312
from transforms.parse.email_message import parse_email
from transforms.parse.iptc7901 import parse_iptc7901
from transforms.parse.json_feed import parse_json_feed
from transforms.parse.newsml1 import parse_newsml1
from transforms.parse.newsml_g2 import parse_newsml_g2
from transforms.parse.ninjs import parse_ninjs
from transforms.parse.nitf import parse_nitf
from transforms.parse.wire_text import parse_wire_text
from transforms.parse.xml_feed import parse_xml_feed
from transforms.read.sources import SourceData
from transforms.tags import DEAD_LETTERS, PARSED

DEFAULT_MAX_ENTRIES = 10_000
TOO_MANY_ENTRIES = 'too_many_entries'

_PARSERS = {
    sniff.WIRE_TEXT: parse_wire_text,
    sniff.JSON_FEED: parse_json_feed,
    sniff.NINJS: parse_ninjs,
    sniff.NEWSML_G2: parse_newsml_g2,
    sniff.NEWSML1: parse_newsml1,
    sniff.NITF: parse_nitf,
    sniff.IPTC_7901: parse_iptc7901,
    sniff.ANPA_1312: parse_anpa1312,
    sniff.EMAIL: parse_email,
}


@dataclasses.dataclass
class ParsedSource:
  """A source and the entries parsed from it, in order."""
  source: SourceData
  entries: List[ParsedEntry]


def parse_source(location: str, data: bytes, received_at=None,
                 content_type=None) -> List[ParsedEntry]:
  """All entries of one source; raises InputError when there are none."""
  input_format = sniff.detect_format(data)
  if input_format == sniff.XML_FEED:
    entries = parse_xml_feed(data, location, received_at, content_type)
  else:
    entries = _PARSERS[input_format](data, location, received_at)
  if not entries:
    raise InputError('no_entries', f'a {input_format} source with no items in it')
  return entries


def parse_source_data(source: SourceData) -> List[ParsedEntry]:
  """``parse_source`` of a read source; a replayed entry keeps its format and position."""
  entries = parse_source(source.location, source.data, source.received_at,
                         source.content_type)
  if source.replay_of is not None:
    for entry in entries:
      entry.format = source.replay_of.format
      entry.position = source.replay_of.position
  return entries


def too_many_entries(total: int, max_entries: int) -> Optional[str]:
  """What the dead letter of a source with more than ``max_entries`` says; else None."""
  if total <= max_entries:
    return None
  return (f'{total - max_entries} of {total} entries not read: at most {max_entries} '
          'are read from one source (--max-entries-per-source), the first ones; '
          '--replay with a higher cap reads the whole source again')


@beam.typehints.with_output_types(Any)
class _ParseFn(GuardedDoFn):
  stage = 'parse'

  def __init__(self, max_entries: int):
    self._max_entries = max_entries

  def origin(self, element):
    return Origin(source=element.location, raw=element.data,
                  received_at=element.received_at)

  def process_element(self, source):
    entries = parse_source_data(source)
    # The entries not read are accounted for by their source's dead letter,
    # as the entries of a source that could not be parsed at all are.
    cut = too_many_entries(len(entries), self._max_entries)
    if cut:
      entries = entries[:self._max_entries]
      yield dead_letter_output(self.stage, TOO_MANY_ENTRIES, cut, self.origin(source))
    Metrics.counter(METRICS_NAMESPACE, f'entries.{entries[0].format}').inc(
        len(entries))
    yield ParsedSource(source, entries)


class ParseEntries(beam.PTransform):
  """``SourceData`` in; ``ParsedSource`` under ``parsed``, dead letters under ``dead_letters``."""
  def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES):
    super().__init__()
    self._max_entries = max_entries

  def expand(self, sources):
    return sources | 'ParseSources' >> beam.ParDo(
        _ParseFn(self._max_entries)).with_outputs(DEAD_LETTERS, main=PARSED)
