"""A replayed dead letter keeps the metadata its item came with."""
import json
import pathlib

from transforms.normalize.record import normalize_entry
from transforms.parse.json_feed import parse_json_feed
from transforms.parse.newsml_g2 import parse_newsml_g2
from transforms.parse.xml_feed import parse_xml_feed
from transforms.replayable import METADATA_EXTENSION, METADATA_FIELDS, record_as_feed

FIXTURES = pathlib.Path(__file__).parent / 'fixtures'
RSS = b'''<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>T</title>
<item><title>A story</title><description>Text.</description><category>World</category>
<media:content url="https://img.example.com/a.jpg" type="image/jpeg" width="10"/>
</item></channel></rss>'''


def metadata_of(entry):
  return {name: getattr(entry, name) for name in METADATA_FIELDS}


def test_a_feed_entry_replayed_from_its_raw_bytes_keeps_its_metadata():
  (entry,) = parse_xml_feed(RSS, 'f')
  (replayed,) = parse_json_feed(entry.raw, 'f')
  assert entry.subjects and entry.renditions
  assert metadata_of(replayed) == metadata_of(entry)


def test_a_record_replayed_after_normalisation_keeps_its_metadata_and_source_entities():
  (entry,) = parse_newsml_g2(
      (FIXTURES / 'newsml_g2' / 'newsitem-metadata.xml').read_bytes(), 'f')
  record = normalize_entry(entry, 10 ** 6)
  record['entities'].append(dict(record['entities'][0], name='Other', model='spacy'))
  (replayed,) = parse_json_feed(record_as_feed(record), 'f')
  assert metadata_of(replayed) == metadata_of(entry)


def test_values_of_the_wrong_type_in_the_extension_are_dropped():
  feed = {'version': 'https://jsonfeed.org/version/1.1', 'items': [{
      'id': '1', 'title': 'H', METADATA_EXTENSION: {
          'subjects': [{'scheme': 5, 'code': 'c'}, 'x'], 'genre': ['g'],
          'renditions': [{'href': None}, {'href': 'https://a/b', 'width': 'wide'}],
          'source_entities': [{'type': 'XYZ', 'name': 'n'}, {'type': 'PER', 'name': 7}]}}]}
  (entry,) = parse_json_feed(json.dumps(feed).encode(), 'f')
  assert entry.subjects == [{'scheme': None, 'code': 'c', 'name': None}]
  assert entry.genre is None and entry.source_entities == []
  assert entry.renditions == [{'name': None, 'href': 'https://a/b', 'mime_type': None,
                               'width': None, 'height': None, 'size_bytes': None}]
