import json
import pathlib

import pytest

from transforms.errors import InputError
from transforms.parse import sniff
from transforms.parse.json_feed import parse_json_feed

SEEDS = pathlib.Path(__file__).parents[1] / 'seeds'


def test_json_feed_items():
  entries = parse_json_feed((SEEDS / 'json-feed-sample.json').read_bytes(), 'f')
  assert [e.format for e in entries] == ['json_feed', 'json_feed']
  first, second = entries
  assert first.guid == 'https://wire.example.com/business/airline-orders'
  assert first.body_is_html and first.body.startswith('<p>FRANKFURT')
  assert first.byline == 'Jonas Weber' and first.keywords == ['Aviation']
  assert first.language == 'en' and second.language == 'de'
  assert not second.body_is_html
  assert second.feed_title == 'Sample Wire - Business (JSON Feed)'


def test_json_feed_item_that_is_not_an_object_is_kept_as_an_empty_entry():
  data = json.dumps({'version': 'https://jsonfeed.org/version/1', 'items': [42]}).encode()
  (entry,) = parse_json_feed(data, 'f')
  assert entry.title is None and entry.body is None
  assert json.loads(entry.raw)['items'] == [42]  # kept, replayable as a feed


@pytest.mark.parametrize('data, reason', [
    (b'{"version": "https://jsonfeed.org/version/1", "items": ', 'invalid_json'),
    (b'[' * 100000 + b']' * 100000, 'invalid_json'),
    (b'{"version": "1.0", "items": []}', 'not_a_feed'),
])
def test_bad_json_feeds(data, reason):
  with pytest.raises(InputError) as error:
    parse_json_feed(data, 'f')
  assert error.value.reason == reason


@pytest.mark.parametrize('name, expected', [
    ('interfax-2021-09-28-us-bases-central-asia.txt', sniff.WIRE_TEXT),
    ('tass-style-wire.txt', sniff.WIRE_TEXT),
    ('rss-sample.xml', sniff.XML_FEED),
    ('atom-sample.xml', sniff.XML_FEED),
    ('json-feed-sample.json', sniff.JSON_FEED),
    ('ninjs-2-sample.json', sniff.NINJS),
    ('newsml-g2-sample.xml', sniff.NEWSML_G2),
])
def test_every_seed_is_recognised_by_content(name, expected):
  assert sniff.detect_format((SEEDS / name).read_bytes()) == expected


@pytest.mark.parametrize('data, expected', [
    (b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- c -->\n<!DOCTYPE x>\n<newsMessage/>', sniff.NEWSML_G2),
    (b'<rdf:RDF xmlns:rdf="x"><channel/></rdf:RDF>', sniff.XML_FEED),
    ('<?xml version="1.0"?><feed/>'.encode('utf-16'), sniff.XML_FEED),
    (b'  [{"uri": "x"}]', sniff.NINJS),
])
def test_detect_format_reads_past_prologs(data, expected):
  assert sniff.detect_format(data) == expected


def test_html_page_and_empty_input_are_refused():
  for data, reason in ((b'<!DOCTYPE html><html><body>hi</body></html>', 'not_a_feed'),
                       (b' \n\t', 'empty_input')):
    with pytest.raises(InputError) as error:
      sniff.detect_format(data)
    assert error.value.reason == reason
