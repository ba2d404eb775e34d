"""The parsers against IPTC's own examples and validation suites, when present.

The IPTC files live outside the repository (../shared/data/iptc); without
them every test here is skipped.
"""
import json
import pathlib

import pytest
from defusedxml import ElementTree

from transforms.errors import InputError
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


@pytest.mark.parametrize('path', sorted(NINJS_EXAMPLES.glob('NewsML/*.xml')), ids=_name)
def test_newsml_1_files_are_refused_as_holding_no_g2_news_item(path):
  with pytest.raises(InputError) as error:
    parse_newsml_g2(path.read_bytes(), str(path))
  assert error.value.reason == 'no_news_items'


@pytest.mark.parametrize('path', VALIDATION, ids=_name)
def test_validation_files_parse_or_raise_input_error(path):
  parser = parse_ninjs if path.suffix == '.json' else parse_newsml_g2
  try:
    parser(path.read_bytes(), str(path))
  except InputError:
    pass
