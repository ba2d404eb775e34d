"""Span repairs and aggregation, without any model."""
import pytest

from transforms.entities.given_names import given_name_test
from transforms.entities.linking import Gazetteer
from transforms.entities.postprocess import clean_name, repair
from transforms.entities.recognizers import PROPER_NOUNS, Span

PLACES = {'Kazakhstan', 'Moscow', 'Finland', 'San Diego'}
GIVEN_NAMES = {'Alexey', 'Jean', 'Pierre', 'Joe', 'Max', 'George', 'San', 'Co'}


def span(type_, text, start, name=None):
  return Span(type_, start, start + len(text), text, name or text)


def is_place(word):
  return word in PLACES


def is_given_name(word):
  return word in GIVEN_NAMES


def runs(*texts):
  """PROPER_NOUNS spans, one every 100 characters."""
  return [span(PROPER_NOUNS, text, 100 * i) for i, text in enumerate(texts)]


@pytest.fixture(scope='module')
def real_given_name():
  return given_name_test(Gazetteer())


def test_clean_name():
  assert clean_name('the Institute of World Economy (IMEMO') == 'Institute of World Economy'
  assert clean_name('The Wall Street Journal') == 'The Wall Street Journal'
  assert clean_name("Russia's") == 'Russia'
  assert clean_name('  «Интерфакс» ') == 'Интерфакс'


def test_place_glued_to_a_person_is_split():
  (place, person) = repair([span('PER', 'Kazakhstan William Moser', 100)], is_place, is_given_name)
  assert (place.type, place.name, place.start, place.end) == ('LOC', 'Kazakhstan', 100, 110)
  assert (person.type, person.name, person.start, person.end) == ('PER', 'William Moser', 111, 124)


def test_three_word_person_not_starting_with_a_place_is_kept():
  (person,) = repair([span('PER', 'Martin Luther King', 0)], is_place, is_given_name)
  assert person.name == 'Martin Luther King'


def test_agency_and_dateline_place_are_split_at_the_dash():
  mentions = repair([span('ORG', 'INTERFAX - Moscow', 22), span('ORG', 'Interfax', 380)],
                    is_place, is_given_name)
  assert [(m.type, m.name, m.mentions, m.start) for m in mentions] == [
      ('ORG', 'Interfax', 2, 22), ('LOC', 'Moscow', 1, 33)]


def test_lone_surname_joins_the_person_whatever_its_type():
  mentions = repair([span('PER', 'Leonid Ivashov', 10), span('ORG', 'Ivashov', 300),
                     span('PER', 'Ivashov', 500)], is_place, is_given_name)
  assert [(m.type, m.name, m.mentions, m.text) for m in mentions] == [
      ('PER', 'Leonid Ivashov', 3, 'Leonid Ivashov')]


def test_numbers_and_empty_names_are_dropped():
  assert repair([span('LOC', '201st', 5), span('ORG', '(', 9), span('LOC', '1999', 20)],
                is_place, is_given_name) == []


def test_repeated_mentions_are_counted_at_the_first():
  mentions = repair([span('LOC', 'Finland', 50), span('LOC', 'Finland', 10),
                     span('LOC', 'the Finland', 90, 'the Finland')], is_place, is_given_name)
  assert [(m.name, m.mentions, m.start) for m in mentions] == [('Finland', 3, 10)]



def test_proper_nouns_led_by_a_given_name_are_a_person_who_keeps_his_mentions():
  body = ('the chief researcher told Interfax on Tuesday Alexey Malashenko of the Russian '
          'Academy of Sciences. Malashenko added that...')
  at = body.index
  mentions = repair([span('ORG', 'Interfax', at('Interfax')),
                     span(PROPER_NOUNS, 'Alexey Malashenko', at('Alexey')),
                     span('ORG', 'Malashenko', at('Malashenko added'))], is_place, is_given_name)
  assert [(m.type, m.name, m.mentions) for m in mentions] == [
      ('ORG', 'Interfax', 1), ('PER', 'Alexey Malashenko', 2)]
  person = mentions[1]
  assert body[person.start:person.end] == person.text == 'Alexey Malashenko'


def test_hyphenated_given_names_and_initials_make_a_person():
  mentions = repair(runs('Jean-Pierre Raffarin', 'Joe-Max Moore', 'George W. Bush'), is_place,
                    is_given_name)
  assert [(m.type, m.name) for m in mentions] == [
      ('PER', 'Jean-Pierre Raffarin'), ('PER', 'Joe-Max Moore'), ('PER', 'George W. Bush')]


def test_proper_nouns_not_led_by_a_given_name_are_dropped():
  # A capitalised word before the name ('Yesterday', a tagger's mistake) leaves
  # where the name starts unsure; 'Co' is a given name, 'Premiers' is not.
  assert repair(runs('New York Times', 'Yesterday Alexey Malashenko', 'Co-Premiers Hun'),
                is_place, is_given_name) == []


def test_a_given_name_alone_in_capitals_or_before_a_lowercase_word_is_no_person():
  assert repair(runs('Alexey', 'ALEXEY MALASHENKO', 'Alexey de'), is_place,
                is_given_name) == []


def test_proper_nouns_that_name_a_place_are_no_person():
  assert repair(runs('San Diego'), is_place, is_given_name) == []


def test_given_names_include_transliterations_and_not_countries_or_capitals(real_given_name):
  assert all(map(real_given_name, ['Alexey', 'Aleksei', 'Sergei', 'Sergey', 'Dmitry',
                                   'Jean-Pierre', 'William', 'Virginia']))
  assert not any(map(real_given_name, ['Jordan', 'Georgia', 'Israel', 'ALEXEY', 'alexey',
                                       'Tuesday', 'New', 'Times']))


def test_countries_that_are_given_names_start_no_person(real_given_name):
  mentions = repair(runs('Jordan Valley', 'Georgia Tech', 'Sergei Ryabkov'), is_place,
                    real_given_name)
  assert [(m.type, m.name) for m in mentions] == [('PER', 'Sergei Ryabkov')]


def test_dateline_place_and_agency_are_typed_over_the_model():
  text = 'Port closed\nROTTERDAM, Dec 1 (Test) - Police in Rotterdam said'
  model = [span('PER', 'ROTTERDAM, Dec 1', 12), span('LOC', 'Rotterdam', 50)]
  mentions = repair(model, is_place, is_given_name, text)
  assert [(m.type, m.name, m.spans) for m in mentions] == [
      ('LOC', 'Rotterdam', ((12, 21), (50, 59))), ('ORG', 'Test', ((30, 34),))]


def test_located_and_agency_of_the_record_are_used():
  text = 'Moscow. September 28. INTERFAX - Moscow will not agree, Interfax was told.'
  mentions = repair([span('ORG', 'Moscow', 0)], is_place, is_given_name, text,
                    located='Moscow', agency='Interfax')
  assert {(m.type, m.name, m.mentions) for m in mentions} == {
      ('LOC', 'Moscow', 1), ('ORG', 'Interfax', 2)}


def test_one_type_per_name_from_all_mentions():
  text = 'Trump said. Trump left. Trump Tower'
  mentions = repair([span('PER', 'Trump', 0), span('ORG', 'Trump', 12), span('PER', 'Trump', 24)],
                    is_place, is_given_name, text)
  assert [(m.type, m.mentions, m.spans) for m in mentions] == [
      ('PER', 3, ((0, 5), (12, 17), (24, 29)))]


def test_chrome_addresses_and_line_breaks_are_not_names():
  text = 'Bookmark\n\nShare news@example.com Acme Corp'
  mentions = repair([span('ORG', 'Bookmark\n\nShare', 0), span('ORG', 'news@example.com', 16),
                     span('ORG', 'the Acme Corp', 29)], is_place, is_given_name, text)
  assert [m.name for m in mentions] == ['Acme Corp']


def test_clubs_in_results_lines_are_organisations():
  text = 'Partick 1 St Mirren 1\nCelts won in Finland .'
  mentions = repair([span('LOC', 'Partick', 0), span(PROPER_NOUNS, 'St Mirren', 10),
                     span('LOC', 'Finland', 35)], is_place, is_given_name, text)
  assert [(m.type, m.name) for m in mentions] == [
      ('ORG', 'Partick'), ('ORG', 'St Mirren'), ('LOC', 'Finland')]


def test_bracketed_original_spelling_is_a_second_mention():
  text = 'Юрген Клинсман (Jürgen Klinsmann) сказал'
  mentions = repair([span('PER', 'Юрген Клинсман (Jürgen Klinsmann)', 0)], is_place,
                    is_given_name, text)
  assert [(m.name, m.start, m.end) for m in mentions] == [
      ('Юрген Клинсман', 0, 14), ('Jürgen Klinsmann', 16, 32)]


def test_given_name_typed_as_a_place_joins_the_person():
  text = 'Minister Joe Smith arrived'
  mentions = repair([span('LOC', 'Joe', 9), span('PER', 'Smith', 13)], is_place,
                    is_given_name, text)
  assert [(m.type, m.name) for m in mentions] == [('PER', 'Joe Smith')]


def test_common_nouns_and_sentence_openers_are_not_people():
  text = 'Prices of heifers rose. Fares will be the same across the Bosphorus.'
  mentions = repair([span('PER', 'heifers', 10), span('PER', 'Fares', 24),
                     span('PER', 'Bosphorus', 58)], is_place, is_given_name, text)
  assert [(m.type, m.name) for m in mentions] == [('ORG', 'Bosphorus')]


def test_a_list_takes_the_type_most_of_its_names_have():
  text = 'link Kadikoy, Besiktas and Uskudar'
  mentions = repair([span('MISC', 'Kadikoy', 5), span('LOC', 'Besiktas', 14),
                     span('LOC', 'Uskudar', 27)], is_place, is_given_name, text)
  assert {m.type for m in mentions} == {'LOC'}


def test_surname_mentions_are_spans_of_the_person():
  text = 'Leonid Ivashov said. Ivashov added.'
  (person,) = repair([span('PER', 'Leonid Ivashov', 0), span('ORG', 'Ivashov', 21)],
                     is_place, is_given_name, text)
  assert (person.type, person.name, person.spans) == ('PER', 'Leonid Ivashov',
                                                      ((0, 14), (21, 28)))


def test_french_elided_article_and_capital_dateline_names():
  text = "PARIS, 28 septembre (AFP) - vote de l'Assemblée nationale"
  mentions = repair([span('ORG', "l'Assemblée nationale", 36)], is_place, is_given_name, text)
  assert [(m.type, m.name) for m in mentions] == [
      ('LOC', 'Paris'), ('ORG', 'AFP'), ('ORG', 'Assemblée nationale')]


def test_no_person_after_the_and_an_adjective():
  text = 'the chief of the Russian General Staff, Valery Gerasimov'
  mentions = repair([span('MISC', 'Russian', 17), span('PER', 'General Staff', 25),
                     span('PER', 'Valery Gerasimov', 40)], is_place, is_given_name, text)
  assert [(m.type, m.name) for m in mentions] == [
      ('MISC', 'Russian'), ('ORG', 'General Staff'), ('PER', 'Valery Gerasimov')]


def test_a_dateline_place_before_its_date_is_no_team():
  text = 'SOCCER - RESULTS\nLONDON 1996-08-31\nPartick 1 St Mirren 1'
  mentions = repair([span('LOC', 'LONDON', 17), span('LOC', 'Partick', 35)],
                    is_place, is_given_name, text)
  assert [(m.type, m.name) for m in mentions] == [('LOC', 'London'), ('ORG', 'Partick')]
