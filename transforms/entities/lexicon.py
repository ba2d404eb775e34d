"""Places and people in copy that no statistical model reads (German, Ukrainian,
Portuguese, Spanish, Italian, Chinese...), from the gazetteer and the given names.

Precision first: a place is a whole run of capitalised words (or, in Chinese,
a string) that surely names one (``Gazetteer.prominent_place``: a country in
the language of the copy, a region, a city of 100,000 people or more), of four
letters or more unless in capitals ('USA', 'РФ'); a person is a run of two or
three capitalised words led by a given name, none of them a country, not
ending in a word that names an institution ('Asan Institute'). An article or
preposition opening a run ('Eine', 'Os'), or a word the text also writes in
lower case, is left out of it. Everything else is left out: German
capitalises every noun, so one capitalised word is never a person.
"""
import re
from typing import Callable, Iterable, List, Optional, Set, Tuple

from transforms.entities.recognizers import Span

LEXICON = 'gazetteer'
_CAPITALISED_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_LONGEST_CJK_NAME = 8
# Articles and prepositions that open sentences in the languages read here and
# that the given-name list or the gazetteer also holds ('Eine', 'Os', 'Von').
FUNCTION_WORDS = frozenset({
    'Der', 'Die', 'Das', 'Ein', 'Eine', 'Im', 'Am', 'Von', 'Vom', 'Zum', 'Zur', 'Beim', 'Mit',
    'O', 'A', 'Os', 'As', 'Um', 'Uma', 'No', 'Na', 'Nos', 'Nas', 'Em', 'Para', 'Por', 'Com',
    'El', 'La', 'Los', 'Las', 'Un', 'Una', 'En', 'Del', 'Al', 'Il', 'Lo', 'Gli', 'Le', 'Nel',
    'Per', 'Con', 'Da', 'Di', 'De', 'Do', 'Dos'})
_INSTITUTIONS = frozenset({
    'Institute', 'Institut', 'Instituto', 'Istituto', 'Gallery', 'Galerie', 'Museum', 'Museu',
    'Museo', 'University', 'Universität', 'Universidade', 'Universidad', 'College', 'Bank',
    'Group', 'Gruppe', 'Foundation', 'Stiftung', 'Fundação', 'Fundación', 'Council', 'Party',
    'Partei', 'Partido', 'Fund', 'Center', 'Centre', 'Central', 'Zentrum', 'Centro', 'Company',
    'Award', 'Prize', 'Preis', 'Prémio', 'Festival', 'Street', 'Straße', 'Road', 'Redemption',
    'Hotel', 'Club', 'Verlag', 'Times', 'News', 'Post', 'Journal', 'Zeitung', 'Press',
    'Agency'})


def capitalised_runs(text: str) -> List[List[Tuple[int, int]]]:
  """(start, end) of the words of each run of capitalised words one space apart."""
  runs, run = [], []
  for word in _CAPITALISED_WORD.finditer(text):
    if not word.group()[0].isupper():
      runs.append(run)
      run = []
      continue
    if run and not _joins_run(text, run[-1], word.start()):
      runs.append(run)
      run = []
    run.append(word.span())
  runs.append(run)
  return [run for run in runs if run]


def _joins_run(text: str, previous: Tuple[int, int], start: int) -> bool:
  """One space apart, or after an initial ('Raymond T. Odierno')."""
  gap = text[previous[1]:start]
  return gap == ' ' or (gap == '. ' and previous[1] - previous[0] == 1)


def _span(type_: str, text: str, start: int, end: int) -> Span:
  return Span(type_, start, end, text[start:end], text[start:end])


def run_spans(text: str, run: List[Tuple[int, int]],
              place_name: Callable[[str], Optional[str]],
              is_given_name: Callable[[str], bool],
              is_country: Callable[[str], bool]) -> List[Span]:
  """The person a run is, or the place it is as a whole ('Manchester' of
  'Manchester City' is no place here)."""
  words = [text[start:end] for start, end in run]
  if _is_common_word(words[0], text) or words[0] in FUNCTION_WORDS:
    run, words = run[1:], words[1:]
  if not words:
    return []
  start, end = run[0][0], run[-1][1]
  if (2 <= len(words) <= 3 and is_given_name(words[0]) and words[-1] not in _INSTITUTIONS
      and not any(map(is_country, words))):
    return [_span('PER', text, start, end)]
  name = place_name(text[start:end])
  if name and (len(words) > 1 or len(name) >= 4 or name.isupper()):
    return [Span('LOC', start, end, text[start:end], name)]
  return []


def _is_common_word(word: str, text: str) -> bool:
  return re.search(r'(?<!\w)' + re.escape(word.lower()) + r'(?!\w)', text) is not None


def cjk_spans(text: str, names: Set[str]) -> List[Span]:
  """Names of ``names`` in text written without spaces, longest match first."""
  spans, index = [], 0
  while index < len(text):
    for length in range(min(_LONGEST_CJK_NAME, len(text) - index), 1, -1):
      if text[index:index + length] in names:
        spans.append(_span('LOC', text, index, index + length))
        index += length
        break
    else:
      index += 1
  return spans


class LexiconRecognizer:
  """The recogniser of languages without a model: same interface as the others."""
  name = LEXICON

  def __init__(self, place_name: Callable[[str], Optional[str]],
               is_given_name: Callable[[str], bool], is_country: Callable[[str], bool],
               names_without_spaces: Iterable[str]):
    self._place_name = place_name
    self._is_country = is_country
    self._is_given_name = is_given_name
    self._cjk_names = set(names_without_spaces)

  def recognize(self, texts: List[str]) -> List[List[Span]]:
    return [[span for run in capitalised_runs(text)
             for span in run_spans(text, run, self._place_name, self._is_given_name,
                                   self._is_country)]
            + cjk_spans(text, self._cjk_names) for text in texts]
