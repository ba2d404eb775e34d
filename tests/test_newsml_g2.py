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
