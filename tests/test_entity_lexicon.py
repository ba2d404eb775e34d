"""Places and people without a model: the lexicon recogniser, on the real gazetteer."""
import pytest

from transforms.entities.lexicon import LexiconRecognizer, capitalised_runs
from transforms.entities.linking import Gazetteer

GIVEN_NAMES = {'Angela', 'Raymond', 'Juan', 'Eine', 'Jane', 'Last'}


@pytest.fixture(scope='module')
def recognizer():
  gazetteer = Gazetteer()
  return LexiconRecognizer(gazetteer.prominent_place, GIVEN_NAMES.__contains__,
                           gazetteer.is_country, gazetteer.names_without_spaces())


def found(recognizer, text):
  (spans,) = recognizer.recognize([text])
  return [(span.type, span.text, span.name) for span in spans]


def test_runs_of_capitalised_words_keep_initials():
  text = 'Gen. Raymond T. Odierno said in Berlin'
  assert [[text[s:e] for s, e in run] for run in capitalised_runs(text)] == [
      ['Gen'], ['Raymond', 'T', 'Odierno'], ['Berlin']]


def test_german_places_and_people(recognizer):
  assert found(recognizer, 'Die Bundesregierung in Berlin hat mit Frankreich und Angela '
                           'Merkel gesprochen.') == [
      ('LOC', 'Berlin', 'Berlin'), ('LOC', 'Frankreich', 'Frankreich'),
      ('PER', 'Angela Merkel', 'Angela Merkel')]


def test_ukrainian_country_in_an_oblique_case_is_named_in_the_nominative(recognizer):
  assert found(recognizer, 'Робітники у Франції планують страйк') == [
      ('LOC', 'Франції', 'Франція')]


def test_chinese_country_names_without_spaces(recognizer):
  assert found(recognizer, '伊拉克前总统访问中国') == [
      ('LOC', '伊拉克', '伊拉克'), ('LOC', '中国', '中国')]


@pytest.mark.parametrize('text', [
    'Eine Sicherheitslücke im Server',  # an article the given names hold
    'Os advogados disseram',  # too short for a place alone
    'Manchester City setzt seinen Trend fort',  # a place only part of the run
    'Dabei sind sie sich nicht einig, dabei',  # written in lower case too
])
def test_common_words_and_parts_of_names_are_not_entities(recognizer, text):
  assert found(recognizer, text) == []


def test_a_person_whose_given_name_is_also_a_town(recognizer):
  assert found(recognizer, 'O espanhol Jane Lima relata') == [('PER', 'Jane Lima', 'Jane Lima')]
