"""The parsers against IPTC's own examples and validation suites, when present.

The IPTC files live outside the repository (../shared/data/iptc); without
them every test here is skipped.
"""
import json
import pathlib

import pytest
from defusedxml import ElementTree

from transforms.errors import InputError
from transforms.parse.newsml1 import parse_newsml1
from transforms.parse.newsml_g2 import NAR, parse_newsml_g2
from transforms.parse.ninjs import parse_ninjs

IPTC = pathlib.Path(__file__).resolve().parents[1].parent / 'shared' / 'data' / 'iptc'
NINJS_EXAMPLES = IPTC / 'ninjs' / 'examples'
G2_EXAMPLES = IPTC / 'newsml-g2' / 'examples'
# IPTC samples that show item metadata only: no headline and no content.
METADATA_ONLY_G2_EXAMPLES = frozenset({
    'LISTING_29_Hop_History.xml', 'facet-example.xml', 'facet-example-2.xml'})

pytestmark = pytest.mark.skipif(not IPTC.is_dir(), reason=f'{IPTC} is absent')


def _name(path):
  return str(path.relative_to(IPTC))


def _is_text_ninjs(path):
  """Whether the file holds ninjs items of type text, or of no stated type."""
  document = json.loads(path.read_text(encoding='utf-8'))
  items = document if isinstance(document, list) else [document]
  return all(isinstance(i, dict) and i.get('type', 'text') == 'text' for i in items)


def _has_text_news_item(path):
  """Whether a newsItem in the file, alone or in a newsMessage, is of class ninat:text."""
  root = ElementTree.parse(path).getroot()
  return any(item_class.get('qcode') == 'ninat:text'
             for item in root.iter(f'{NAR}newsItem')
             for item_class in item.findall(f'{NAR}itemMeta/{NAR}itemClass'))


NINJS_TEXT = [p for p in sorted(NINJS_EXAMPLES.rglob('*.json')) if _is_text_ninjs(p)]
G2_TEXT = [p for p in sorted(G2_EXAMPLES.glob('*.xml')) if _has_text_news_item(p)]
VALIDATION = sorted(IPTC.glob('ninjs/validation/**/*.json')) + sorted(
    IPTC.glob('newsml-g2/tests/**/*.xml'))


@pytest.mark.parametrize('path', NINJS_TEXT, ids=_name)
def test_ninjs_text_example_gives_entries_with_text(path):
  entries = parse_ninjs(path.read_bytes(), str(path))
  assert entries
  assert all(e.title or e.body for e in entries)


@pytest.mark.parametrize('path', G2_TEXT, ids=_name)
def test_newsml_g2_text_example_gives_entries_with_text(path):
  entries = parse_newsml_g2(path.read_bytes(), str(path))
  assert entries and all(e.guid for e in entries)
  if path.name not in METADATA_ONLY_G2_EXAMPLES:
    assert any(e.title or e.body for e in entries)


NEWSML_1 = sorted(NINJS_EXAMPLES.glob('NewsML/*.xml'))


@pytest.mark.parametrize('path', NEWSML_1, ids=_name)
def test_newsml_1_files_are_refused_as_holding_no_g2_news_item(path):
  with pytest.raises(InputError) as error:
    parse_newsml_g2(path.read_bytes(), str(path))
  assert error.value.reason == 'no_news_items'


@pytest.mark.parametrize('path', NEWSML_1, ids=_name)
def test_business_wire_newsml_1_gives_one_story_with_its_media(path):
  (entry,) = parse_newsml1(path.read_bytes(), str(path))
  assert entry.guid.startswith('urn:newsml:businesswire.com:')
  assert not entry.guid.endswith(':1') and entry.version == '1'
  assert entry.title and entry.body_is_html and entry.agency == 'Business Wire'
  assert 'bwalignc {' not in entry.body  # the style sheet component is not body
  assert entry.copyright_holder == 'Business Wire' and entry.genre == 'Release'
  assert entry.renditions and all(r['href'].startswith('http') for r in entry.renditions)


def test_newsml_g2_photo_example_gives_renditions_rights_and_places():
  (entry,) = parse_newsml_g2((G2_EXAMPLES / 'LISTING_3_Photo_in_NewsML-G2.xml').read_bytes(), 'f')
  assert entry.item_type == 'picture'
  assert [r['name'] for r in entry.renditions] == ['highRes', 'web', 'thumb']
  assert entry.renditions[0]['width'] == 1500 and entry.renditions[0]['size_bytes'] == 346071
  assert entry.copyright_holder == 'Getty Images North America'
  assert entry.usage_terms.startswith('Contact your local office')
  assert {'scheme': 'medtop', 'code': '20000523', 'name': 'labour market'} in entry.subjects
  assert [(e['type'], e['name'], e['id']) for e in entry.source_entities] == [
      ('LOC', 'Las Vegas Boulevard', None), ('LOC', 'Las Vegas', 'gycon:89109')]


def test_newsml_g2_package_example_lists_its_items():
  (entry,) = parse_newsml_g2(
      (G2_EXAMPLES / 'LISTING_6_Simple_NewsML-G2_Package.xml').read_bytes(), 'f')
  assert entry.item_type == 'composite' and entry.title == 'UK'
  assert [(a['name'], a['type'], a['headline']) for a in entry.associations] == [
      ('main', 'text', 'Obama annonce son équipe'),
      ('main', 'picture', 'Barack Obama arrive à Washington')]


def test_ap_ninjs_picture_has_its_image_links_and_named_concepts():
  (entry,) = parse_ninjs((NINJS_EXAMPLES / '3.0' / 'ap_image.json').read_bytes(), 'f')
  assert entry.item_type == 'picture'
  assert entry.renditions and entry.renditions[0]['name'] == 'main'
  assert entry.renditions[0]['href'].startswith('http://api.ap.org/media/')
  places = [e for e in entry.source_entities if e['type'] == 'LOC']
  assert places[0]['name'] == 'Turkey' and places[0]['id_scheme'] == 'cv.ap.org'
  assert entry.usage_terms.startswith('This content is intended for editorial use')


@pytest.mark.parametrize('path', VALIDATION, ids=_name)
def test_validation_files_parse_or_raise_input_error(path):
  parser = parse_ninjs if path.suffix == '.json' else parse_newsml_g2
  try:
    parser(path.read_bytes(), str(path))
  except InputError:
    pass
