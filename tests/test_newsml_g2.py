import pathlib
from xml.etree import ElementTree

import pytest

from transforms.errors import InputError
from transforms.parse.newsml_g2 import parse_newsml_g2

FIXTURES = pathlib.Path(__file__).parent / 'fixtures' / 'newsml_g2'
SEEDS = pathlib.Path(__file__).parents[1] / 'seeds'


def parse(name, folder=FIXTURES):
  return parse_newsml_g2((folder / name).read_bytes(), name)


def test_news_item_with_xhtml_body_and_full_metadata():
  (entry,) = parse('newsitem-xhtml.xml')
  assert entry.format == 'newsml_g2' and entry.item_type == 'text'
  assert entry.guid == 'urn:newsml:wire.example.com:20261201:oslo-ev-sales'
  assert entry.version == '4'
  assert entry.title == 'Nine in ten new cars sold in Norway are electric'
  assert entry.summary.startswith('Electric models took 91%')
  assert entry.body_is_html
  assert entry.body.count('<p>') == 2 and '<br>for the first time' in entry.body
  assert 'Norway EV sales' not in entry.body  # the XHTML head is not story text
  assert 'xmlns' not in entry.body and 'html:' not in entry.body
  assert entry.byline == 'Ingrid Berg' and entry.located == 'Oslo'
  assert entry.agency == 'Sample Wire'  # infoSource name before provider code
  assert entry.firstcreated_raw == '2026-12-01T09:30:00+01:00'
  assert entry.versioncreated_raw == '2026-12-01T10:45:00+01:00'
  assert entry.language == 'en-GB'  # contentMeta/language over xml:lang
  assert (entry.pubstatus, entry.urgency) == ('usable', 4)
  assert entry.keywords == ['NORWAY-AUTOS/EV', 'electric cars']
  assert entry.raw == (FIXTURES / 'newsitem-xhtml.xml').read_bytes()


def test_news_item_with_nitf_body_takes_body_content_only():
  (entry,) = parse('newsitem-nitf.xml')
  assert entry.body_is_html
  assert entry.body.lstrip().startswith('<p>SANTIAGO, 2 dic (Sample Wire)')
  assert '<hl2>Nuevas minas</hl2>' in entry.body
  assert 'hl1' not in entry.body and 'Por Camila Rojas' not in entry.body
  assert entry.byline == 'Por Camila Rojas'  # contentMeta/by
  assert entry.agency == 'www.wire.example.com'  # provider uri host, no name given
  assert entry.firstcreated_raw == '2026-12-02T15:05:00-03:00'  # contentCreated
  assert entry.pubstatus == 'canceled'
  assert entry.language == 'es'  # xml:lang when contentMeta has no language


def test_news_message_gives_one_entry_per_news_and_package_item():
  package, first, second = parse('newsmessage-two-items.xml')
  assert [package.position, first.position, second.position] == [0, 1, 2]
  assert package.item_type == 'composite' and package.associations == []
  assert first.guid == 'tag:wire.example.com,2026:tokyo-rates'
  assert first.body_is_html and '<p>TOKYO, Dec 3' in first.body
  assert second.body == ('TOKYO, Dec 3 (Sample Wire) - The yen was little changed '
                         'against the dollar after the decision.')
  assert not second.body_is_html
  assert first.language == second.language == 'en'  # inherited from the message
  assert first.agency == 'SAMPLEWIRE'  # provider qcode
  raw_item = ElementTree.fromstring(second.raw)
  assert raw_item.get('guid') == second.guid


def test_seed_is_a_news_item_with_xhtml_body():
  (entry,) = parse('newsml-g2-sample.xml', SEEDS)
  assert entry.guid == 'urn:newsml:wire.example.com:20261127:almaty-metro-extension'
  assert entry.version == '3' and entry.language == 'en'
  assert entry.located == 'Almaty' and entry.byline == 'Aigerim Seitkali'
  assert entry.body_is_html and entry.body.count('<p>') == 3


def test_content_modified_stands_in_for_a_missing_version_created():
  data = (b'<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="g">'
          b'<contentMeta><contentModified>2026-12-05T10:00:00Z</contentModified>'
          b'</contentMeta></newsItem>')
  (entry,) = parse_newsml_g2(data, 'f')
  assert entry.versioncreated_raw == '2026-12-05T10:00:00Z'
  assert entry.title is None and entry.body is None and entry.item_type == 'text'


@pytest.mark.parametrize('name, reason', [
    ('billion-laughs.xml', 'xml_entities_forbidden'),
    ('xxe.xml', 'xml_entities_forbidden'),
    ('not-well-formed.xml', 'unrecoverable_xml'),
])
def test_refused_documents(name, reason):
  with pytest.raises(InputError) as error:
    parse(name)
  assert error.value.reason == reason
  assert 'root:' not in str(error.value)  # nothing from /etc/passwd


def test_external_entity_is_never_read(tmp_path):
  secret = tmp_path / 'secret.txt'
  secret.write_text('TOP-SECRET-MARKER')
  data = (f'<!DOCTYPE newsItem [<!ENTITY s SYSTEM "{secret.as_uri()}">]>'
          '<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="x">'
          '<contentMeta><headline>&s;</headline></contentMeta></newsItem>').encode()
  with pytest.raises(InputError) as error:
    parse_newsml_g2(data, 'f')
  assert error.value.reason == 'xml_entities_forbidden'
  assert 'TOP-SECRET-MARKER' not in str(error.value)


def test_package_item_gives_an_entry_listing_its_items():
  (entry,) = parse('package-item.xml')
  assert entry.item_type == 'composite' and entry.guid == 'tag:wire.example.com,2026:pkg-budget'
  assert entry.associations == [{'name': 'main', 'uri': 'tag:wire.example.com,2026:budget-story',
                                 'type': None, 'headline': None}]


def test_a_document_without_news_items_names_its_root():
  data = (b'<conceptItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="c">'
          b'<concept/></conceptItem>')
  with pytest.raises(InputError, match='conceptItem') as error:
    parse_newsml_g2(data, 'f')
  assert error.value.reason == 'no_news_items'


def test_deeply_nested_inline_xml_is_an_input_error():
  data = (b'<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="g">'
          b'<contentSet><inlineXML><html><body>' + b'<div>' * 50000 + b'x'
          + b'</div>' * 50000 + b'</body></html></inlineXML></contentSet></newsItem>')
  with pytest.raises(InputError) as error:
    parse_newsml_g2(data, 'f')
  assert error.value.reason == 'unrecoverable_xml'


def test_metadata_subjects_genre_embargo_rights_renditions_and_links():
  (entry,) = parse('newsitem-metadata.xml')
  assert entry.subjects == [
      {'scheme': 'medtop', 'code': '20000768', 'name': 'transportes públicos'},
      {'scheme': 'subj', 'code': '04015000', 'name': 'transportes'}]
  assert entry.genre == 'Atualidade' and entry.embargoed_raw == '2026-12-05T12:00:00Z'
  assert (entry.copyright_holder, entry.usage_terms) == ('Sample Wire', 'Editorial use only')
  assert entry.renditions == [{
      'name': 'thumbnail', 'href': 'https://img.wire.example.com/tram-th.jpg',
      'mime_type': 'image/jpeg', 'width': 200, 'height': 133, 'size_bytes': 8000}]
  assert entry.associations == [{
      'name': 'seeAlso', 'uri': 'urn:newsml:wire.example.com:20261205:lisbon-tram-photo',
      'type': 'application/vnd.iptc.g2.newsitem+xml', 'headline': 'Um elétrico na Graça'}]


def test_people_organisations_and_places_are_source_entities_not_subjects():
  (entry,) = parse('newsitem-metadata.xml')
  assert [(e['type'], e['name'], e['id'], e['id_scheme']) for e in entry.source_entities] == [
      ('PER', 'Carlos Moedas', 'https://www.wikidata.org/wiki/Q10000001', 'wikidata'),
      ('ORG', 'Carris', 'org:carris', 'org'),
      ('LOC', 'Lisboa', '2267057', 'geonames')]
  entity = entry.source_entities[0]
  assert (entity['model'], entity['confidence'], entity['start'], entity['spans']) == (
      'source', 1.0, -1, [])


def test_a_first_paragraph_listing_the_subjects_is_not_body():
  (entry,) = parse('newsitem-metadata.xml')
  assert entry.body.lstrip().startswith('<p>LISBOA, 5 dez')


def test_a_guid_without_scheme_is_scoped_by_its_provider_not_its_file():
  (entry,) = parse('newsitem-metadata.xml')
  assert (entry.guid, entry.guid_scope) == ('20261205-lisbon-tram', 'nprov:SAMPLEWIRE')
  bare = b'<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="g1"/>'
  assert parse_newsml_g2(bare, '/a/f.xml')[0].guid_scope == 'newsml_g2'


def test_plain_text_inline_data_holding_paragraph_tags_is_read_as_html():
  data = ('<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="g">'
          '<contentSet><inlineData contenttype="text/plain">'
          '&lt;p&gt;ROMA, 5 DIC - Il governo ha approvato.&lt;/p&gt;&lt;p&gt;Seconda.&lt;/p&gt;'
          '</inlineData></contentSet></newsItem>').encode()
  (entry,) = parse_newsml_g2(data, 'f')
  assert entry.body_is_html and entry.body.startswith('<p>ROMA')
  plain = data.replace(b'&lt;p&gt;', b'').replace(b'&lt;/p&gt;', b'\n')
  assert not parse_newsml_g2(plain, 'f')[0].body_is_html


def test_a_plain_body_opening_with_its_keywords_line_loses_it():
  data = ('<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="g"><contentMeta>'
          '<keyword>Fußball</keyword><keyword>Bundesliga</keyword></contentMeta>'
          '<contentSet><inlineData contenttype="text/plain">Fußball/Bundesliga\n'
          'Dortmund (dpa) - Text.</inlineData></contentSet></newsItem>').encode()
  assert parse_newsml_g2(data, 'f')[0].body == 'Dortmund (dpa) - Text.'


def test_nitf_inline_xml_fills_what_the_item_leaves_out():
  data = ('<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="g">'
          '<contentSet><inlineXML contenttype="application/nitf+xml">'
          '<nitf><head><docdata><urgency ed-urg="2"/><doc.copyright holder="Sample Wire"/>'
          '</docdata></head><body><body.head><hedline><hl1>NITF headline</hl1></hedline>'
          '<byline>By A. Writer</byline><dateline>OSLO (Sample Wire)</dateline></body.head>'
          '<body.content><p>Text.</p></body.content></body></nitf>'
          '</inlineXML></contentSet></newsItem>').encode()
  (entry,) = parse_newsml_g2(data, 'f')
  assert (entry.title, entry.byline, entry.located) == ('NITF headline', 'By A. Writer', 'OSLO')
  assert (entry.urgency, entry.copyright_holder, entry.body) == (2, 'Sample Wire', '<p>Text.</p>')


def test_a_package_without_a_title_is_named_by_its_first_item():
  data = (b'<packageItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="p">'
          b'<groupSet root="G1"><group id="G1" role="group:main">'
          b'<itemRef residref="a"/><itemRef residref="b"><title>First titled</title></itemRef>'
          b'</group></groupSet></packageItem>')
  (entry,) = parse_newsml_g2(data, 'f')
  assert entry.title == 'First titled' and [a['uri'] for a in entry.associations] == ['a', 'b']


def test_media_captions_inside_nitf_inline_xml_are_not_body():
  data = ('<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="g">'
          '<contentSet><inlineXML contenttype="application/nitf+xml">'
          '<nitf xmlns="http://iptc.org/std/NITF/2006-10-18/"><body><body.content>'
          '<p>One.</p><media media-type="image"><media-reference source="https://i/a.jpg"/>'
          '<media-caption>Caption.</media-caption></media><p>Two.</p></body.content></body>'
          '</nitf></inlineXML></contentSet></newsItem>').encode()
  (entry,) = parse_newsml_g2(data, 'f')
  assert entry.body == '<p>One.</p><p>Two.</p>'
  assert [r['href'] for r in entry.renditions] == ['https://i/a.jpg']


def _content_set(content: str, item_meta: str = '', content_meta: str = ''):
  data = ('<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="g">'
          f'<itemMeta>{item_meta}</itemMeta><contentMeta>{content_meta}</contentMeta>'
          f'<contentSet>{content}</contentSet></newsItem>').encode()
  (entry,) = parse_newsml_g2(data, 'f')
  return entry


def test_inline_data_is_decoded_as_its_encoding_says_and_non_text_is_no_body():
  encoded = _content_set('<inlineData contenttype="text/plain" encoding="base64">'
                         'VGhlIHN0b3J5\nIHRleHQu</inlineData>')
  assert (encoded.body, encoded.body_is_html) == ('The story text.', False)
  html = _content_set('<inlineData contenttype="text/html" encoding="base64">'
                      'PHA+T25lLjwvcD4=</inlineData>')
  assert (html.body, html.body_is_html) == ('<p>One.</p>', True)
  for content in ('<inlineData contenttype="text/plain" encoding="base64">//79/A==</inlineData>',
                  '<inlineData contenttype="image/jpeg" encoding="base64">/9j/4AAQ</inlineData>',
                  '<inlineData contenttype="application/json">{"a": 1}</inlineData>',
                  '<inlineData contenttype="text/plain" encoding="gzip">H4sI</inlineData>'):
    assert _content_set(content).body is None
  later = _content_set('<inlineData contenttype="image/png" encoding="base64">iVBORw==</inlineData>'
                       '<inlineData contenttype="text/plain">Caption text.</inlineData>')
  assert later.body == 'Caption text.'


def test_blank_link_and_item_references_and_empty_qcodes_give_nothing():
  entry = _content_set('', item_meta='<link rel="irel:seeAlso" href="  "/><link/>',
                       content_meta='<subject qcode=":"/><subject qcode="medtop:1"/>')
  assert entry.associations == []
  assert entry.subjects == [{'scheme': 'medtop', 'code': '1', 'name': None}]


def test_a_first_paragraph_of_long_blank_runs_is_read_in_one_pass():
  # Blanks are collapsed before the subject line is split on its separators.
  entry = _content_set('<inlineData contenttype="text/plain">Fußball' + ' ' * 100000
                       + '/ Bundesliga\nDortmund (dpa) - Text.</inlineData>',
                       content_meta='<keyword>Fußball</keyword><keyword>Bundesliga</keyword>')
  assert entry.body == 'Dortmund (dpa) - Text.'
  kept = _content_set('<inlineData contenttype="text/plain">Fußball' + ' ' * 100000
                      + 'spielt\nText.</inlineData>', content_meta='<keyword>Fußball</keyword>')
  assert kept.body.startswith('Fußball')


def test_malformed_uris_in_the_metadata_fail_nothing():
  # urlsplit raises ValueError on a bracketed host that is no IPv6 address.
  entry = _content_set('', item_meta='<provider uri="http://[bad"/>',
                       content_meta='<headline>H</headline><subject uri="http://[y">'
                                    '<name>S</name></subject>')
  assert entry.title == 'H'
  assert [(s['scheme'], s['name']) for s in entry.subjects] == [(None, 'S')]


def test_dateline_gives_the_place_a_located_without_name_leaves_out():
  entry = _content_set('<inlineData contenttype="text/plain">Text.</inlineData>',
                       content_meta='<located qcode="city:Moscow"/>'
                                    '<dateline>MOSCOW, Monday (Sample Wire)</dateline>')
  assert (entry.located, entry.agency) == ('MOSCOW', 'Sample Wire')
  named = _content_set('', content_meta='<located qcode="city:Moscow"><name>Moskva</name>'
                                        '</located><dateline>MOSCOW, Monday</dateline>')
  assert named.located == 'Moskva'


def test_nitf_of_a_picture_alone_still_fills_the_item():
  entry = _content_set('<inlineXML contenttype="application/nitf+xml"><nitf><body><body.head>'
                       '<hedline><hl1>Empty platform</hl1></hedline></body.head><body.content>'
                       '<media media-type="image"><media-reference source="https://i/p.jpg"/>'
                       '<media-caption>An empty platform.</media-caption></media>'
                       '</body.content></body></nitf></inlineXML>')
  assert (entry.title, entry.body) == ('Empty platform', None)
  assert entry.summary == '<p>An empty platform.</p>' and entry.summary_is_html
  assert [r['href'] for r in entry.renditions] == ['https://i/p.jpg']


def test_a_links_item_class_is_the_associations_type():
  entry = _content_set('', item_meta='<link rel="irel:seeAlso" residref="urn:p:1" '
                                     'contenttype="image/jpeg"><itemClass qcode="ninat:picture"/>'
                                     '</link><link rel="irel:seeAlso" href="https://e/v" '
                                     'contenttype="text/html"/>')
  assert [(a['uri'], a['type']) for a in entry.associations] == [
      ('urn:p:1', 'picture'), ('https://e/v', 'text/html')]


@pytest.mark.parametrize('content', [
    '<inlineData contenttype="text/plain">' + ' ' * 200000 + 'Text without a line end.'
    '</inlineData>',
    '<inlineData contenttype="text/html">&lt;p&gt;' + '&lt;' * 200000 + '&lt;/p&gt;'
    '&lt;p&gt;Two.&lt;/p&gt;</inlineData>',
])
def test_a_first_line_of_long_runs_of_blanks_or_brackets_is_read_in_one_pass(content):
  # Neither blanks before a missing line end nor "<" without ">" are
  # tried one split at a time: the body comes back whole.
  entry = _content_set(content, content_meta='<keyword>Fußball</keyword>'
                                             '<keyword>Bundesliga</keyword>')
  assert len(entry.body) > 200000


def test_a_subject_line_after_blank_lines_is_still_found():
  entry = _content_set('<inlineData contenttype="text/plain">\n  \nFußball / Bundesliga\n'
                       'Text.</inlineData>', content_meta='<keyword>Fußball</keyword>'
                                                          '<keyword>Bundesliga</keyword>')
  assert entry.body == 'Text.'
  html = _content_set('<inlineData contenttype="text/html">&lt;p&gt;&lt;b&gt;Fußball&lt;/b&gt;'
                      '/Bundesliga&lt;/p&gt;&lt;p&gt;Text.&lt;/p&gt;</inlineData>',
                      content_meta='<keyword>Fußball</keyword><keyword>Bundesliga</keyword>')
  assert html.body == '<p>Text.</p>'
