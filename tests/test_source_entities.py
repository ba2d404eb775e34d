"""Source entities located in the rendered text, or marked as not found."""
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
