"""Inputs under the size caps whose shape makes them slow: bounded by counting.

Every test here checks that a cap trips on the shape of the input (the
attributes of one element), and where it does not; none measures time.
SECURITY.md gives the times measured with and without each cap.
"""
import feedparser
import pytest

from transforms.errors import InputError
from transforms.parse import xml_feed
from transforms.parse.entries import parse_source
from transforms.parse.xml_feed import MAX_ATTRIBUTES


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

