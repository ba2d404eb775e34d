"""NewsML 1.x: NewsEnvelope / NewsItem / NewsComponent, with NITF, XHTML or text inside."""
import pathlib
from xml.etree import ElementTree

import pytest

from transforms.errors import InputError
from transforms.parse.newsml1 import parse_newsml1
from transforms.parse.sniff import NEWSML1, detect_format

FIXTURES = pathlib.Path(__file__).parent / 'fixtures' / 'newsml1'


def parse(name):
  return parse_newsml1((FIXTURES / name).read_bytes(), name)


@pytest.mark.parametrize('name', ['nitf-story.xml', 'two-items.xml'])
def test_sniffed_by_the_newsml_root(name):
  assert detect_format((FIXTURES / name).read_bytes()) == NEWSML1


def test_identity_is_the_public_identifier_without_its_revision():
  (entry,) = parse('nitf-story.xml')
  assert entry.format == 'newsml1'
  assert entry.guid == 'urn:newsml:wire.example.com:20261203:TX-PAR-ABC12'
  assert entry.version == '2'


def test_news_lines_and_management_metadata():
  (entry,) = parse('nitf-story.xml')
  assert entry.title == 'La France accélère la rénovation énergétique des logements'
  assert entry.byline == 'Par Claire Martin'
  assert (entry.located, entry.agency) == ('PARIS', 'Sample Wire')
  assert entry.firstcreated_raw == '20261203T091000Z'
  assert entry.versioncreated_raw == '20261203T101000Z'
  assert entry.urgency == 3 and entry.language == 'fr' and entry.genre == 'Current'
  # Embargoed until the status changes: no pubstatus of its own, the embargo's time.
  assert entry.pubstatus is None and entry.embargoed_raw == '20261203T120000Z'
  assert entry.keywords == ['France-climat-énergie', 'logement', 'énergie']


def test_nitf_content_gives_the_body():
  (entry,) = parse('nitf-story.xml')
  assert entry.body_is_html and entry.body.count('<p>') == 2
  assert 'Rénovation énergétique : la France' not in entry.body  # the hl1


def test_subjects_rights_renditions_and_associations():
  (entry,) = parse('nitf-story.xml')
  assert entry.subjects == [{'scheme': 'subj', 'code': '06000000', 'name': None},
                            {'scheme': 'subj', 'code': '04005000', 'name': None}]
  assert (entry.copyright_holder, entry.usage_terms) == ('Sample Wire SA', 'Not for resale')
  assert entry.renditions == [
      {'name': 'Photo', 'href': 'https://img.wire.example.com/abc12-hr.jpg',
       'mime_type': 'image/jpeg', 'width': 2048, 'height': 1365, 'size_bytes': 512000},
      {'name': 'Thumbnail', 'href': 'https://img.wire.example.com/abc12-th.jpg',
       'mime_type': 'image/jpeg', 'width': 200, 'height': 133, 'size_bytes': None}]
  assert [(a['name'], a['uri']) for a in entry.associations] == [
      ('Previous', 'urn:newsml:wire.example.com:20261203:TX-PAR-ABC11'),
      ('Related', 'urn:newsml:wire.example.com:20261202:TX-PAR-XYZ9')]


def test_one_entry_per_news_item_nested_ones_included():
  story, photo, brief = parse('two-items.xml')
  assert [story.position, photo.position, brief.position] == [0, 1, 2]
  # No PublicIdentifier: the URN is built from its parts.
  assert story.guid == 'urn:newsml:wire.example.com:20261204:athens-ports'
  assert story.body_is_html and '<p class="lead">ATHENS' in story.body
  assert 'font-weight' not in story.body and 'Greek ports</title' not in story.body
  assert story.agency == 'Sample Wire'  # the envelope's sender
  assert story.associations == [{
      'name': 'Photo', 'uri': 'urn:newsml:wire.example.com:20261204:athens-ports-photo',
      'type': 'picture', 'headline': 'A ferry docked at Piraeus'}]
  assert photo.item_type == 'picture' and photo.title == 'A ferry docked at Piraeus'
  assert photo.renditions[0]['href'] == 'https://img.wire.example.com/piraeus.jpg'
  assert brief.body.startswith('ATHENS, Dec 4') and not brief.body_is_html
  assert brief.pubstatus == 'withheld' and brief.language == 'en'
  assert ElementTree.fromstring(brief.raw).find('.//NewsItemId').text == 'athens-brief'


def test_a_bare_news_item_is_read():
  data = (b'<NewsItem><NewsComponent><NewsLines><HeadLine>H</HeadLine></NewsLines>'
          b'<ContentItem><DataContent>Body text.</DataContent></ContentItem>'
          b'</NewsComponent></NewsItem>')
  (entry,) = parse_newsml1(data, 'f')
  assert (entry.title, entry.body, entry.guid) == ('H', 'Body text.', None)


@pytest.mark.parametrize('data, reason', [
    (b'<NewsML><NewsEnvelope/></NewsML>', 'no_news_items'),
    (b'<NewsML><NewsItem>', 'unrecoverable_xml'),
    (b'<!DOCTYPE NewsML [<!ENTITY e "x">]><NewsML>&e;</NewsML>', 'xml_entities_forbidden'),
])
def test_refused_documents(data, reason):
  with pytest.raises(InputError) as error:
    parse_newsml1(data, 'f')
  assert error.value.reason == reason


def test_escaped_html_content_is_html_and_a_style_sheet_is_not_body():
  data = (b'<NewsML><NewsItem><NewsComponent><NewsLines><HeadLine>H</HeadLine></NewsLines>'
          b'<ContentItem><MimeType FormalName="text/css"/><DataContent>p {}</DataContent>'
          b'</ContentItem><ContentItem><MimeType FormalName="text/html"/>'
          b'<DataContent>&lt;p&gt;One.&lt;/p&gt;</DataContent></ContentItem>'
          b'</NewsComponent></NewsItem></NewsML>')
  (entry,) = parse_newsml1(data, 'f')
  assert (entry.body, entry.body_is_html) == ('<p>One.</p>', True)


def test_nitf_media_join_the_items_renditions():
  data = (b'<NewsML><NewsItem><NewsComponent><ContentItem><DataContent><nitf><body>'
          b'<body.head><hedline><hl1>H</hl1></hedline></body.head><body.content><p>T.</p>'
          b'<media media-type="image"><media-reference source="https://img.example/a.jpg"/>'
          b'</media></body.content></body></nitf></DataContent></ContentItem>'
          b'<ContentItem Href="https://img.example/b.jpg"><MediaType FormalName="Photo"/>'
          b'</ContentItem></NewsComponent></NewsItem></NewsML>')
  (entry,) = parse_newsml1(data, 'f')
  assert entry.title == 'H' and entry.item_type == 'text'
  assert [r['href'] for r in entry.renditions] == ['https://img.example/b.jpg',
                                                   'https://img.example/a.jpg']


def test_raw_of_a_nested_item_is_not_repeated_in_its_ancestors():
  # A NewsItem inside a NewsComponent, 300 deep: each entry keeps its own
  # bytes, so that all of them together stay the size of the document.
  depth, text = 300, 'x' * 2000
  item = ('<NewsItem><NewsComponent><NewsLines><HeadLine>H{}</HeadLine></NewsLines>'
          f'<ContentItem><DataContent>{text}</DataContent></ContentItem>')
  data = ('<NewsML>' + ''.join(item.format(i) for i in range(depth))
          + '</NewsComponent></NewsItem>' * depth + '</NewsML>').encode()
  entries = parse_newsml1(data, 'f')
  assert len(entries) == depth and sum(len(e.raw) for e in entries) < 2 * len(data)
  outer = ElementTree.fromstring(entries[0].raw)
  assert outer.find('.//HeadLine').text == 'H0' and outer.find('.//NewsItem') is None
  assert entries[0].associations[0]['headline'] == 'H1'


def _one_content_item(content_item: bytes):
  (entry,) = parse_newsml1(
      b'<NewsML><NewsItem><NewsComponent><NewsLines><HeadLine>H</HeadLine></NewsLines>'
      + content_item + b'</NewsComponent></NewsItem></NewsML>', 'f')
  return entry


def test_paragraph_tags_in_text_labelled_plain_are_read_as_html():
  entry = _one_content_item(
      b'<ContentItem><MediaType FormalName="Text"/><MimeType FormalName="text/plain"/>'
      b'<DataContent><![CDATA[<p>Stocks rose.</p><p>Turnover fell.</p>]]></DataContent>'
      b'</ContentItem>')
  assert (entry.body, entry.body_is_html) == ('<p>Stocks rose.</p><p>Turnover fell.</p>', True)
  plain = _one_content_item(b'<ContentItem><DataContent>a &lt; b, 3 &gt; 2</DataContent>'
                            b'</ContentItem>')
  assert (plain.body, plain.body_is_html) == ('a < b, 3 > 2', False)


def test_base64_encoded_text_is_decoded_and_an_undecodable_payload_is_not_body():
  encoded = _one_content_item(
      b'<ContentItem><MediaType FormalName="Text"/><Encoding FormalName="base64"/>'
      b'<DataContent>\n  VGhlIHN0b3J5LCBlbmNvZGVk\n  IGluIGJhc2U2NC4=\n</DataContent>'
      b'</ContentItem>')
  assert (encoded.body, encoded.body_is_html) == ('The story, encoded in base64.', False)
  for payload in (b'not base64 at all!', b'//79/A==', b''):  # garbage, not UTF-8, empty
    entry = _one_content_item(
        b'<ContentItem><MediaType FormalName="Text"/><Encoding FormalName="base64"/>'
        b'<DataContent>' + payload + b'</DataContent></ContentItem>')
    assert entry.body is None and entry.title == 'H'
  zipped = _one_content_item(b'<ContentItem><Encoding FormalName="ZIP"/>'
                             b'<DataContent>UEsDBA==</DataContent></ContentItem>')
  assert zipped.body is None


def test_news_lines_of_a_picture_beside_the_story_are_not_the_storys():
  data = (b'<NewsML><NewsItem><NewsComponent>'
          b'<NewsComponent><Role FormalName="Photo"/><NewsLines><HeadLine>Empty platform'
          b'</HeadLine><ByLine>Photographer Name</ByLine><DateLine>LYON, March 12</DateLine>'
          b'</NewsLines><ContentItem Href="https://img.example/p.jpg">'
          b'<MediaType FormalName="Photo"/></ContentItem></NewsComponent>'
          b'<NewsComponent><Role FormalName="Main"/><NewsLines><HeadLine>Rail strike</HeadLine>'
          b'<DateLine>PARIS, March 12 (Sample Wire) -</DateLine></NewsLines>'
          b'<ContentItem><MediaType FormalName="Text"/><DataContent>Trains stopped.</DataContent>'
          b'</ContentItem></NewsComponent></NewsComponent></NewsItem></NewsML>')
  (entry,) = parse_newsml1(data, 'f')
  assert (entry.title, entry.byline, entry.located) == ('Rail strike', None, 'PARIS')
  assert entry.body == 'Trains stopped.'
  picture = data.replace(b'<ContentItem><MediaType FormalName="Text"/><DataContent>'
                         b'Trains stopped.</DataContent></ContentItem>', b'')
  (entry,) = parse_newsml1(picture, 'f')
  assert (entry.title, entry.byline) == ('Empty platform', 'Photographer Name')
