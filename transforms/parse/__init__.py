"""Parse stage: the bytes of a source into one ``ParsedEntry`` per news item.

The format is recognised from the content (``sniff``); each format has its
own pure parser module beside this one.
"""
from typing import List

import apache_beam as beam
from apache_beam.metrics import Metrics

from transforms.dead_letters import (DEAD_LETTERS, METRICS_NAMESPACE,
                                     GuardedDoFn, Origin)
from transforms.entry import ParsedEntry
from transforms.errors import InputError
from transforms.language import LanguageDetector, infer_feed_language
from transforms.normalize.text import render_text
from transforms.parse import sniff
from transforms.parse.json_feed import parse_json_feed
from transforms.parse.newsml_g2 import parse_newsml_g2
from transforms.parse.ninjs import parse_ninjs
from transforms.parse.wire_text import parse_wire_text
from transforms.parse.xml_feed import parse_xml_feed

ENTRIES = 'entries'
FEED_FORMATS = frozenset({'rss', 'rdf', 'atom', 'json_feed'})
# Enough of each entry to tell its language, without reading whole bodies.
_SAMPLE_CHARS = 300

_PARSERS = {
    sniff.WIRE_TEXT: parse_wire_text,
    sniff.JSON_FEED: parse_json_feed,
    sniff.NINJS: parse_ninjs,
    sniff.NEWSML_G2: parse_newsml_g2,
}


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


def add_feed_language(entries: List[ParsedEntry], detector: LanguageDetector):
  """Gives the entries of a feed that declares no language the one they share.

  A feed declaring 'mul' (several languages) says it has no one language.
  """
  if entries[0].format not in FEED_FORMATS or any(
      entry.language for entry in entries):
    return
  samples = (' '.join((render_text(entry.title, entry.title_is_html),
                       render_text(entry.summary, entry.summary_is_html)))[:_SAMPLE_CHARS]
             for entry in entries)
  feed_language = infer_feed_language(samples, detector)
  for entry in entries:
    entry.feed_language = feed_language


class _ParseFn(GuardedDoFn):
  stage = 'parse'

  def setup(self):
    self._detector = LanguageDetector()  # profiles load once per worker

  def origin(self, element):
    return Origin(source=element.location, raw=element.data)

  def process_element(self, source):
    entries = parse_source(source.location, source.data, source.received_at,
                           source.content_type)
    add_feed_language(entries, self._detector)
    Metrics.counter(METRICS_NAMESPACE, f'entries.{entries[0].format}').inc(
        len(entries))
    yield from entries


class ParseEntries(beam.PTransform):
  """``SourceData`` in; ``ParsedEntry`` under ``entries``, dead letters under ``dead_letters``."""
  def expand(self, sources):
    return sources | 'ParseSources' >> beam.ParDo(_ParseFn()).with_outputs(
        DEAD_LETTERS, main=ENTRIES)
