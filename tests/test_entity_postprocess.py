"""Span repairs and aggregation, without any model."""
from transforms.entities.postprocess import clean_name, repair
from transforms.entities.recognizers import Span

PLACES = {'Kazakhstan', 'Moscow', 'Finland'}


def span(type_, text, start, name=None):
  return Span(type_, start, start + len(text), text, name or text)


def is_place(word):
  return word in PLACES


def test_clean_name():
  assert clean_name('the Institute of World Economy (IMEMO') == 'Institute of World Economy'
  assert clean_name('The Wall Street Journal') == 'The Wall Street Journal'
  assert clean_name("Russia's") == 'Russia'
  assert clean_name('  «Интерфакс» ') == 'Интерфакс'


def test_place_glued_to_a_person_is_split():
  (place, person) = repair([span('PER', 'Kazakhstan William Moser', 100)], is_place)
  assert (place.type, place.name, place.start, place.end) == ('LOC', 'Kazakhstan', 100, 110)
  assert (person.type, person.name, person.start, person.end) == ('PER', 'William Moser', 111, 124)


def test_three_word_person_not_starting_with_a_place_is_kept():
  (person,) = repair([span('PER', 'Martin Luther King', 0)], is_place)
  assert person.name == 'Martin Luther King'


def test_agency_and_dateline_place_are_split_at_the_dash():
  mentions = repair([span('ORG', 'INTERFAX - Moscow', 22), span('ORG', 'Interfax', 380)],
                    is_place)
  assert [(m.type, m.name, m.mentions, m.start) for m in mentions] == [
      ('ORG', 'Interfax', 2, 22), ('LOC', 'Moscow', 1, 33)]


def test_lone_surname_joins_the_person_whatever_its_type():
  mentions = repair([span('PER', 'Leonid Ivashov', 10), span('ORG', 'Ivashov', 300),
                     span('PER', 'Ivashov', 500)], is_place)
  assert [(m.type, m.name, m.mentions, m.text) for m in mentions] == [
      ('PER', 'Leonid Ivashov', 3, 'Leonid Ivashov')]


def test_numbers_and_empty_names_are_dropped():
  assert repair([span('LOC', '201st', 5), span('ORG', '(', 9), span('LOC', '1999', 20)],
                is_place) == []


def test_repeated_mentions_are_counted_at_the_first():
  mentions = repair([span('LOC', 'Finland', 50), span('LOC', 'Finland', 10),
                     span('LOC', 'the Finland', 90, 'the Finland')], is_place)
  assert [(m.name, m.mentions, m.start) for m in mentions] == [('Finland', 3, 10)]

