"""Source entities located in the rendered text, or marked as not found."""
import re

import pytest

from transforms.normalize.source_entities import locate_source_entities
from transforms.parse.metadata import NOT_LOCATED, source_entity


def test_every_mention_of_a_named_entity_is_a_span():
  (entity,) = locate_source_entities(
      [source_entity('LOC', 'Lisboa', 'http://sws.geonames.org/2267057/')],
      'Lisboa, 5 dez - Em Lisboa, não em Lisboa-Norte nem Lisboas.')
  assert (entity['start'], entity['end'], entity['mentions']) == (0, 6, 3)
  assert entity['spans'][1] == {'start': 19, 'end': 25}
  assert (entity['id'], entity['id_scheme'], entity['model']) == ('2267057', 'geonames', 'source')


def test_a_name_absent_from_the_text_is_not_located():
  (entity,) = locate_source_entities([source_entity('PER', 'Ana Costa')], 'No names here.')
  assert (entity['start'], entity['end'], entity['mentions'], entity['spans']) == (
      NOT_LOCATED, NOT_LOCATED, 0, [])
  assert locate_source_entities([source_entity('ORG', 'X')], '')[0]['mentions'] == 0


def _regex_spans(name, text):
  pattern = rf'(?<!\w){re.escape(name)}(?!\w)'
  return [{'start': m.start(), 'end': m.end()} for m in re.finditer(pattern, text)]


@pytest.mark.parametrize('name, text', [
    ('Lisboa', 'Lisboa, 5 dez - Em Lisboa, não em Lisboa-Norte nem Lisboas.'),
    ('a a', 'a a a a a'),  # mentions do not overlap
    ('New York', 'New Yorker, New York, New  York, in New York'),
    ('AT&T', 'AT&T and AT&Tx and xAT&T; AT&T.'),
    ('(AP)', 'WASHINGTON (AP) -- (AP)(AP)'),
    ('—', 'a — b —— c'),
    ('São Paulo', 'São Paulo; SãoPaulo; São Paulo_'),
    ('_x', '_x __x _x_ _x'),
    ('Ю', 'Юг Ю ю Ю'),
])
def test_mentions_are_those_a_whole_word_pattern_finds(name, text):
  (entity,) = locate_source_entities([source_entity('ORG', name)], text)
  assert entity['spans'] == _regex_spans(name, text)
  assert entity['mentions'] == len(entity['spans'])


def test_many_entities_and_a_long_body_are_located_in_one_pass_over_the_words():
  # 5,000 names beside a 600,000-character body: each name is looked for
  # where its rarest word occurs, not through the whole text.
  entities = [source_entity('PER', f'Person Number{i}') for i in range(5000)]
  text = 'Person said word. ' * 30000 + 'Person Number4999 and Person Number7.'
  located = locate_source_entities(entities, text)
  assert located[4999]['start'] == text.index('Person Number4999')
  assert located[7]['mentions'] == 1 and located[8]['mentions'] == 0
  same = locate_source_entities([source_entity('PER', 'Person Number7')] * 2, text)
  assert same[0]['spans'] == same[1]['spans'] and same[0]['spans'] is not same[1]['spans']
