import pathlib

import pytest

from transforms.errors import InputError
from transforms.parse.xml_feed import parse_xml_feed

FIXTURES = pathlib.Path(__file__).parent / 'fixtures' / 'feeds'
SEEDS = pathlib.Path(__file__).parents[1] / 'seeds'


def parse(name, folder=FIXTURES, **kwargs):
  return parse_xml_feed((folder / name).read_bytes(), name, **kwargs)


def test_rss_entries_keep_feed_provenance_and_declared_language():
  entries = parse('rss-sample.xml', SEEDS)
  assert len(entries) == 3
  first = entries[0]
  assert first.format == 'rss'
  assert first.title == 'UPDATE 1-Grain corridor talks resume in Istanbul'
  assert first.guid == 'sample-wire-2026-11-27-0001'
  assert first.language == 'en-gb'
  assert first.feed_title == 'Sample Wire - World'
  assert first.feed_link == 'https://wire.example.com/world'
  assert first.body_is_html and '<p>ISTANBUL' in first.body
  assert first.summary.startswith('Negotiators met again')
  assert first.versioncreated_raw == 'Fri, 27 Nov 2026 09:15:00 +0300'
  assert first.byline == 'Anna Petrova'
  assert first.keywords == ['Commodities']
  assert [e.position for e in entries] == [0, 1, 2]


def test_atom_entries_use_xml_lang():
  entries = parse('atom-sample.xml', SEEDS)
  assert [e.format for e in entries] == ['atom', 'atom']
  assert entries[0].language == 'fr'
  assert entries[0].guid == 'tag:depeches.example.org,2026:budget-culture'
  assert entries[0].firstcreated_raw == '2026-11-27T15:30:00+01:00'


def test_latin1_without_declaration_is_read_correctly():
  (entry,) = parse('latin1_no_declaration.rss')
  assert entry.title == 'Eleição: candidatos debatem reforma da previdência'
  assert 'São Paulo' in entry.summary


def test_feed_declared_latin1_with_utf8_bytes_is_read_correctly():
  (entry,) = parse('declared_latin1_bytes_utf8.xml')
  assert entry.title == 'Ataque en el parlamento iraní: ¿quién está detrás?'
  assert entry.feed_title == 'Ámbito de ejemplo'


def test_charset_from_http_header_is_honoured_for_non_utf8_bytes():
  data = ('<rss version="2.0"><channel><title>Новости</title><item><title>Привет, мир'
          '</title></item></channel></rss>').encode('koi8-r')
  (entry,) = parse_xml_feed(data, 'u', content_type='application/rss+xml; charset=KOI8-R')
  assert entry.title == 'Привет, мир'


def test_not_well_formed_feed_is_recovered():
  entries = parse('not_well_formed.xml')
  assert [e.title for e in entries] == ['First story & an unescaped ampersand', 'Second story']


@pytest.mark.parametrize('name, reason', [
    ('entity_declaration.xml', 'xml_entities_forbidden'),
    ('not_a_feed.xml', 'not_a_feed'),
    ('garbage.xml', 'unrecoverable_xml'),
])
def test_bad_feeds_raise_input_errors(name, reason):
  with pytest.raises(InputError) as error:
    parse(name)
  assert error.value.reason == reason


def test_feed_without_items_gives_no_entries():
  assert parse('empty_channel.xml') == []


def test_categories_media_and_rights_are_kept():
  data = b'''<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>T</title><link>https://wire.example.com/</link><copyright>(c) 2026 Sample Wire</copyright>
<item><title>A story</title><link>https://wire.example.com/a</link><description>Text.</description>
<category domain="http://cv.iptc.org/newscodes/mediatopic/">20000523</category>
<category domain="https://wire.example.com/sections">business</category><category>World</category>
<media:content url="https://img.example.com/a.jpg" type="image/jpeg" medium="image" width="1024" height="683" fileSize="12345"/>
<media:thumbnail url="https://img.example.com/a-thumb.jpg" width="120" height="80"/>
<enclosure url="https://img.example.com/a.jpg" type="image/jpeg" length="12345"/>
<enclosure url="https://img.example.com/a.mp3" type="audio/mpeg" length="999"/>
</item>
<item><title>Another</title><description>Text.</description><dc:rights>Other Agency</dc:rights></item>
</channel></rss>'''
  first, second = parse_xml_feed(data, 'f')
  assert first.subjects == [
      {'scheme': 'medtop', 'code': '20000523', 'name': None},
      {'scheme': 'https://wire.example.com/sections', 'code': 'business', 'name': None},
      {'scheme': None, 'code': None, 'name': 'World'}]
  assert [(r['name'], r['href'], r['width'], r['size_bytes']) for r in first.renditions] == [
      ('image', 'https://img.example.com/a.jpg', 1024, 12345),
      ('thumbnail', 'https://img.example.com/a-thumb.jpg', 120, None),
      ('enclosure', 'https://img.example.com/a.mp3', None, 999)]
  assert first.copyright_holder == 'Sample Wire'  # the channel's copyright
  assert second.copyright_holder == 'Other Agency'  # the item's own dc:rights


def test_a_malformed_category_domain_fails_nothing():
  (entry,) = parse_xml_feed(b'<rss version="2.0"><channel><item><title>H</title>'
                            b'<category domain="http://[q">x</category></item></channel></rss>', 'f')
  assert entry.subjects == [{'scheme': 'http://[q', 'code': 'x', 'name': None}]


@pytest.mark.parametrize('rights, holder, terms', [
    ('Creative Commons Attribution 4.0 International', None,
     'Creative Commons Attribution 4.0 International'),
    ('© 2026 Sample Wire, licensed under CC BY 4.0', 'Sample Wire',
     '© 2026 Sample Wire, licensed under CC BY 4.0'),
    ('This work is licensed under a Creative Commons licence', None,
     'This work is licensed under a Creative Commons licence'),
    ('(c) 2026 Sample Wire', 'Sample Wire', None),
])
def test_a_licence_is_usage_terms_not_a_copyright_holder(rights, holder, terms):
  (entry,) = parse_xml_feed(
      f'<rss version="2.0"><channel><title>T</title><copyright>{rights}</copyright>'
      '<item><title>H</title><description>D.</description></item></channel></rss>'.encode(),
      'f')
  assert (entry.copyright_holder, entry.usage_terms) == (holder, terms)
