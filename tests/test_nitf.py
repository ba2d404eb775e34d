"""NITF 3.x: standalone, and the fields it gives NewsML 1.x and NewsML-G2."""
import pathlib

import pytest

from transforms.errors import InputError
from transforms.parse.nitf import nitf_body_html, parse_nitf, split_dateline
from transforms.parse.sniff import NITF, detect_format

FIXTURES = pathlib.Path(__file__).parent / 'fixtures' / 'nitf'


def story():
  (entry,) = parse_nitf((FIXTURES / 'story.xml').read_bytes(), 'story.xml')
  return entry


def test_standalone_nitf_is_sniffed_by_its_root_despite_its_doctype():
  assert detect_format((FIXTURES / 'story.xml').read_bytes()) == NITF


def test_body_head_gives_headline_byline_dateline_and_abstract():
  entry = story()
  assert entry.format == 'nitf' and entry.item_type == 'text'
  assert entry.title == 'Harbour cranes idle as dock workers strike for higher pay'  # hl1
  assert entry.byline == 'By Pieter Jansen, Sample Wire Writer'
  assert (entry.located, entry.agency) == ('ROTTERDAM', 'SWIRE')
  assert entry.summary_is_html and 'Container traffic' in entry.summary


def test_body_is_body_content_only():
  entry = story()
  assert entry.body_is_html and entry.body.count('<p>') == 2
  assert 'Union says walkout' not in entry.body  # hl2 of body.head
  assert 'Reporting by' not in entry.body  # body.end


def test_docdata_gives_identity_urgency_dates_keywords_and_rights():
  entry = story()
  assert (entry.guid, entry.guid_scope) == ('20261203-harbour-strike', 'SWIRE')
  assert entry.urgency == 3 and entry.pubstatus == 'usable'
  assert entry.versioncreated_raw == '20261203T081500+0100'  # date.issue
  assert entry.embargoed_raw == '20261203T120000+0100'  # date.release
  assert entry.keywords == ['PORTS-STRIKE', 'shipping']
  assert (entry.copyright_holder, entry.usage_terms) == ('Sample Wire', 'No archiving')


def test_tobject_subjects_are_iptc_subject_codes_named_most_specifically():
  assert story().subjects == [
      {'scheme': 'subj', 'code': '09003000', 'name': 'strike'},
      {'scheme': 'subj', 'code': '04015000', 'name': 'maritime'}]


def test_identified_content_gives_source_entities():
  entities = story().source_entities
  assert [(e['type'], e['name'], e['id'], e['id_scheme']) for e in entities] == [
      ('ORG', 'Dock Workers Union', 'http://cv.ap.org/id/ports-union', 'cv.ap.org'),
      ('LOC', 'Rotterdam', '2755251', 'geonames'),
      ('PER', 'Anna de Vries', None, None)]
  assert all(e['model'] == 'source' and e['confidence'] == 1.0 for e in entities)


def test_an_embargo_element_wins_over_date_release():
  data = (b'<nitf><head><docdata><embargo norm="20261203T150000Z"/>'
          b'<date.release norm="20261203T120000Z"/></docdata></head>'
          b'<body><body.content><p>x</p></body.content></body></nitf>')
  (entry,) = parse_nitf(data, 'f')
  assert entry.embargoed_raw == '20261203T150000Z'


def test_namespaced_nitf_and_head_title_as_headline_fallback():
  data = (b'<nitf xmlns="http://iptc.org/std/NITF/2006-10-18/" xml:lang="de">'
          b'<head><title>Titel</title><docdata management-status="embargoed"/></head>'
          b'<body><body.content><p>Text.</p></body.content></body></nitf>')
  (entry,) = parse_nitf(data, 'f')
  assert (entry.title, entry.language, entry.pubstatus) == ('Titel', 'de', None)
  assert entry.body == '<p>Text.</p>'


@pytest.mark.parametrize('data, reason', [
    (b'<nitf><head>', 'unrecoverable_xml'),
    (b'<!DOCTYPE nitf [<!ENTITY e "x">]><nitf>&e;</nitf>', 'xml_entities_forbidden'),
    (b'<rss/>', 'not_nitf'),
])
def test_refused_documents(data, reason):
  with pytest.raises(InputError) as error:
    parse_nitf(data, 'f')
  assert error.value.reason == reason


@pytest.mark.parametrize('dateline, expected', [
    ('WASHINGTON (AP) --', ('WASHINGTON', 'AP')),
    ('PARIS, 3 déc 2026 (Sample Wire)', ('PARIS', 'Sample Wire')),
    ('KANSAS CITY, Mo.', ('KANSAS CITY, Mo.', None)),
    ('LONDON, Dec. 3, 2026 (Reuters) -', ('LONDON', 'Reuters')),
    ('', (None, None)),
    ('ATHENS (ANA-MPA) - ', ('ATHENS', 'ANA-MPA')),
    ('ROME ( ANSA ) :', ('ROME', 'ANSA')),
    ('BERLIN (a (nested) note)', ('BERLIN (a (nested) note)', None)),
    ('MADRID ()', ('MADRID ()', None)),
    ('MOSCOW, Monday (Sample Wire)', ('MOSCOW', 'Sample Wire')),
    ('SYDNEY, Sunday Dec. 3 (Sample Wire) -', ('SYDNEY', 'Sample Wire')),
    ('SEOUL (' + 'x' * 41 + ')', ('SEOUL (' + 'x' * 41 + ')', None)),
])
def test_split_dateline(dateline, expected):
  assert split_dateline(dateline) == expected


def test_nitf_body_html_of_unreadable_markup_is_none():
  assert nitf_body_html('<nitf><body>') is None
  assert nitf_body_html('<nitf><body><body.content><p>a</p></body.content></body></nitf>') == (
      '<p>a</p>')


def test_media_references_are_renditions():
  data = (b'<nitf><body><body.content><p>Text.</p><media media-type="image">'
          b'<media-reference source="https://img.example/a.jpg" mime-type="image/jpeg"'
          b' width="640" height="480"/><media-caption>A caption</media-caption></media>'
          b'</body.content></body></nitf>')
  (entry,) = parse_nitf(data, 'f')
  assert entry.renditions == [{'name': 'image', 'href': 'https://img.example/a.jpg',
                               'mime_type': 'image/jpeg', 'width': 640, 'height': 480,
                               'size_bytes': None}]


def test_split_dateline_of_a_dateline_padded_with_blanks():
  # Read in one pass: blanks around the parentheses are not tried split by split.
  assert split_dateline('PARIS (AFP)' + ' ' * 50000 + '-') == ('PARIS', 'AFP')
  assert split_dateline('(' + ' ' * 50000) == ('(', None)
  assert split_dateline('LIMA (' + ' ' * 50000 + 'EFE )') == ('LIMA', 'EFE')


def _nitf(head: str = '', body_head: str = '', body_content: str = '', attributes: str = ''):
  (entry,) = parse_nitf(
      f'<nitf {attributes}><head>{head}</head><body><body.head>{body_head}</body.head>'
      f'<body.content>{body_content}</body.content></body></nitf>'.encode(), 'f')
  return entry


def test_words_that_only_markup_separates_stay_apart():
  entry = _nitf(
      head='<docdata><identified-content><location><city>Heraklion</city><country>Greece'
           '</country></location><person><name.given>Maria</name.given><name.family>'
           'Papadaki</name.family></person></identified-content></docdata>',
      body_head='<byline>By MARIA PAPADAKI<byttl>Staff Correspondent</byttl></byline>'
                '<byline>By <person>Nikos K.</person></byline>'
                '<dateline><location><city>HERAKLION</city><country>Greece</country>'
                '</location>, <story.date norm="20260312T093000+0200">March 12</story.date>'
                '</dateline>',
      body_content='<p>Text.</p>')
  assert entry.byline == 'By MARIA PAPADAKI, Staff Correspondent, By Nikos K.'
  assert entry.located == 'HERAKLION Greece'
  assert [e['name'] for e in entry.source_entities] == ['Heraklion Greece', 'Maria Papadaki']


def test_identified_content_value_is_the_identifier_and_idsrc_its_source():
  entry = _nitf(head='<docdata><identified-content>'
                     '<person idsrc="NYT" value="P-1234">Jane Doe</person>'
                     '<org idsrc="http://cv.example.org/org/" value="acme">Acme</org>'
                     '<location value="https://sws.geonames.org/2643743/">London</location>'
                     '<person idsrc="NYT">No Identifier</person>'
                     '</identified-content></docdata>', body_content='<p>T.</p>')
  assert [(e['name'], e['id'], e['id_scheme']) for e in entry.source_entities] == [
      ('Jane Doe', 'P-1234', 'NYT'),
      ('Acme', 'http://cv.example.org/org/acme', 'cv.example.org'),
      ('London', '2643743', 'geonames'),
      ('No Identifier', None, None)]


def test_baselang_is_the_language_of_the_document():
  assert _nitf(attributes='baselang="el-GR"', body_content='<p>T.</p>').language == 'el-GR'


def test_media_in_the_story_are_renditions_not_text():
  entry = _nitf(body_head='<hedline><hl1>Ferry sinks</hl1></hedline>', body_content=(
      '<block><p>A ferry sank.</p><media media-type="image">'
      '<media-reference source="https://img.example/ferry.jpg" mime-type="image/jpeg"/>'
      '<media-caption>The ferry listing.</media-caption>'
      '<media-producer>Photo: N. K.</media-producer></media><p>All rescued.</p></block>'))
  assert entry.body == '<block><p>A ferry sank.</p><p>All rescued.</p></block>'
  assert entry.summary is None
  assert [r['href'] for r in entry.renditions] == ['https://img.example/ferry.jpg']
  picture = _nitf(body_content='<media media-type="image"><media-reference '
                               'source="https://img.example/a.jpg"/><media-caption>A '
                               '<em>caption</em>.</media-caption></media>')
  assert picture.body is None and picture.summary == '<p>A <em>caption</em>.</p>'
  assert picture.summary_is_html
  assert nitf_body_html('<nitf><body><body.content><p>T.</p><media><media-caption>C'
                        '</media-caption></media></body.content></body></nitf>') == '<p>T.</p>'


def test_a_subject_code_of_another_vocabulary_keeps_it():
  entry = _nitf(head='<tobject><tobject.subject tobject.subject.ipr="ANA" '
                     'tobject.subject.refnum="POL" tobject.subject.type="Politics"/>'
                     '<tobject.subject tobject.subject.ipr="iptc" '
                     'tobject.subject.refnum="11000000"/></tobject>', body_content='<p>T.</p>')
  assert entry.subjects == [{'scheme': 'ANA', 'code': 'POL', 'name': 'Politics'},
                            {'scheme': 'subj', 'code': '11000000', 'name': None}]
