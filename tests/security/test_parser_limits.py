"""Inputs under the size caps whose shape makes them slow: bounded by counting.

Every test here checks that a cap trips on the shape of the input (the
attributes of one element, the entries of one source), and where it does
not; none measures time. SECURITY.md gives the times measured with and
without each cap.
"""
import datetime
import json

import apache_beam as beam
import feedparser
import pytest
from apache_beam.testing import test_pipeline
from apache_beam.testing.util import assert_that, equal_to

from transforms.errors import InputError
from transforms.parse import xml_feed
from transforms.parse.entries import ParseEntries, parse_source, too_many_entries
from transforms.parse.xml_feed import MAX_ATTRIBUTES
from transforms.read.sources import SourceData
from transforms.tags import DEAD_LETTERS, PARSED


def attributes(count: int, template: str = ' a{}="x"') -> str:
  return ''.join(template.format(i) for i in range(count))


def rss(item_attributes='', before_item='', description='World'):
  return (f'<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>'
          f'<title>Wire</title>{before_item}<item{item_attributes}><title>Hello</title>'
          f'<description>{description}</description></item></channel></rss>').encode()


@pytest.fixture(scope='module')
def hostile_feed():
  """One RSS item with 50,000 attributes, about 540 KB: over a minute in
  feedparser's strict parser, whose attribute lookup is quadratic."""
  return rss(attributes(50_000))


def test_an_element_with_many_attributes_is_refused_before_parsing(hostile_feed, monkeypatch):
  def not_called(*args, **kwargs):
    raise AssertionError('feedparser reached')
  monkeypatch.setattr(feedparser, 'parse', not_called)
  with pytest.raises(InputError, match='<item> has 50000 attributes') as error:
    parse_source('hostile.xml', hostile_feed)
  assert error.value.reason == 'too_many_attributes'


# Feeds with one element of ``count`` attributes, counting those it needs.
FEEDS = {
    'rss item': lambda count: rss(attributes(count)),
    'rss root': lambda count: rss().replace(  # version and xmlns:media are two
        b'<rss ', f'<rss{attributes(count - 2)} '.encode()),
    'namespaced element': lambda count: rss(
        before_item=f'<media:content url="http://x/1.jpg"{attributes(count - 1)}/>'),
    'atom entry': lambda count: (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>Wire</title><id>urn:w</id>'
        f'<updated>2026-11-28T10:00:00Z</updated><entry{attributes(count)}><id>urn:w:1</id>'
        '<title>Hello</title><updated>2026-11-28T10:00:00Z</updated></entry></feed>').encode(),
}


@pytest.mark.parametrize('feed', FEEDS.values(), ids=FEEDS.keys())
def test_the_cap_trips_one_attribute_over(feed):
  assert len(parse_source('ok.xml', feed(MAX_ATTRIBUTES))) == 1
  with pytest.raises(InputError) as error:
    parse_source('over.xml', feed(MAX_ATTRIBUTES + 1))
  assert error.value.reason == 'too_many_attributes'


# Ways to write the same attributes, and what may come before the element:
# the count must not be thrown off by either.
DISGUISES = {
    'single quotes': rss(attributes(MAX_ATTRIBUTES + 1, " a{}='x'")),
    'newlines and tabs': rss(attributes(MAX_ATTRIBUTES + 1, '\n\ta{}\n=\t"x"')),
    '> inside values': rss(attributes(MAX_ATTRIBUTES + 1, ' a{}=">"')),
    'after a comment with an open quote': rss(attributes(MAX_ATTRIBUTES + 1),
                                              before_item='<!-- <a b=" -->'),
    'after CDATA with an open quote': rss(attributes(MAX_ATTRIBUTES + 1),
                                          before_item='<x><![CDATA[ <a b=" ]]></x>'),
    'in a feed that is not well-formed': rss(attributes(MAX_ATTRIBUTES + 1),
                                             before_item='<x></y>'),
    'after a long tag name': rss(before_item='<' + 'n' * 5000 + attributes(
        MAX_ATTRIBUTES + 1) + '/>'),
}


@pytest.mark.parametrize('feed', DISGUISES.values(), ids=DISGUISES.keys())
def test_attributes_are_counted_however_written(feed):
  with pytest.raises(InputError) as error:
    xml_feed.parse_xml_feed(feed, 'disguised.xml')
  assert error.value.reason == 'too_many_attributes'


def test_text_that_looks_like_attributes_is_not_counted():
  """Only start tags count: text, and HTML escaped in it, are not markup."""
  lookalike = attributes(MAX_ATTRIBUTES * 2, ' a{0}=&quot;x&quot; b{0}="y"')
  escaped_html = f'&lt;p{attributes(MAX_ATTRIBUTES * 2)}&gt;Hello&lt;/p&gt;'
  for description in (lookalike, escaped_html):
    (entry,) = parse_source('text.xml', rss(description=description))
    assert entry.title == 'Hello'


def tiny_json_feed(count: int) -> bytes:
  """A JSON Feed of ``count`` items of a few words each, as in the issue."""
  return json.dumps({'version': 'https://jsonfeed.org/version/1.1', 'items': [
      {'id': str(i), 'content_text': f'item {i}'} for i in range(count)]}).encode()


def test_what_the_dead_letter_of_a_source_over_the_cap_says():
  assert too_many_entries(10, 10) is None
  assert too_many_entries(25, 10) == (
      '15 of 25 entries not read: at most 10 are read from one source '
      '(--max-entries-per-source), the first ones; --replay with a higher cap '
      'reads the whole source again')


def test_a_source_is_read_up_to_the_cap_and_the_rest_is_one_dead_letter():
  feed = tiny_json_feed(25)
  received = datetime.datetime(2026, 11, 28, tzinfo=datetime.timezone.utc)
  with test_pipeline.TestPipeline() as p:
    outputs = (p | beam.Create([SourceData('tiny.json', feed, received),
                                SourceData('small.json', tiny_json_feed(10), received)])
               | ParseEntries(max_entries=10))
    assert_that(outputs[PARSED] | beam.Map(
        lambda parsed: (parsed.source.location, [e.position for e in parsed.entries])),
        equal_to([('tiny.json', list(range(10))), ('small.json', list(range(10)))]),
        label='the first 10 entries of each')
    assert_that(outputs[DEAD_LETTERS] | beam.Map(
        lambda d: (d['stage'], d['reason'], d['source'], d['position'], d['raw'] == feed,
                   d['received_at'], d['error'].split(':')[0])),
        equal_to([('parse', 'too_many_entries', 'tiny.json', None, True, received,
                   '15 of 25 entries not read')]),
        label='one dead letter keeping the whole source')
