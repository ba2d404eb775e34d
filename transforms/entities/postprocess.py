"""Repairs and aggregation of raw NER spans: pure functions, tested without models.

Small statistical models make a few systematic mistakes on wire copy that
a list of given names or context in the same item can repair: a person
left out of every entity ("on Tuesday Alexey Malashenko of"), a dateline
place glued to a person ("Kazakhstan William Moser"), an agency glued to
the dateline across its dash ("INTERFAX - Moscow"), a surname alone typed
as an organisation ("Ivashov" after "Leonid Ivashov"), a bracket left open
("...Relations (IMEMO"), spans that are numbers ("201st"), and one name in
two cases ("INTERFAX", "Interfax").
"""
import collections
import dataclasses
import re
from typing import Callable, Dict, List, Tuple

from transforms.entities.recognizers import PROPER_NOUNS, Span

_TOKEN = re.compile(r'\S+')
_SPACED_DASH = re.compile(r'\s+[-–—]+\s+')
_POSSESSIVE = re.compile(r"(?:'s|’s|')$")


@dataclasses.dataclass(frozen=True)
class Mention:
  """An entity of an item, its repeated mentions aggregated."""
  type: str
  text: str  # the first mention as written
  name: str
  start: int
  end: int
  mentions: int


def clean_name(text: str) -> str:
  """The name without a sentence's article, a possessive or an unclosed bracket."""
  name = text.strip()
  if name.count('(') > name.count(')'):
    name = name[:name.rfind('(')]
  if name.startswith('the '):
    name = name[4:]
  name = _POSSESSIVE.sub('', name.strip(' \t\n,;:-–—"«»“”'))
  return ' '.join(name.split())


def _is_capitalised(word: str) -> bool:
  """'Malashenko', 'McDonald', an initial 'W.'; not a headline's 'MALASHENKO'."""
  return word[0].isupper() and (not word.isupper() or (len(word) == 2 and word[1] == '.'))


def _is_given_name(word: str, is_given_name: Callable[[str], bool]) -> bool:
  """'Jean-Pierre' as listed, or 'Joe-Max' as two given names."""
  return is_given_name(word) or ('-' in word and all(map(is_given_name, word.split('-'))))


def name_people(spans: List[Span], is_given_name: Callable[[str], bool],
                is_place: Callable[[str], bool]) -> List[Span]:
  """A run of proper nouns outside every entity is a person when it is two or more
  capitalised words, the first a given name, and not a place ('San Diego'); the
  other runs are dropped. Wrongly typed entities are left alone: retyping those
  that start with a given name also turns 'Johnson Controls Inc' into a person."""
  named = []
  for span in spans:
    words = span.text.split()
    if span.type != PROPER_NOUNS:
      named.append(span)
    elif (len(words) >= 2 and all(map(_is_capitalised, words))
          and _is_given_name(words[0], is_given_name) and not is_place(span.text)):
      named.append(dataclasses.replace(span, type='PER'))
  return named


def drop_junk(spans: List[Span]) -> List[Span]:
  """Spans that cannot be names: starting with a digit, or without letters."""
  return [span for span in spans
          if clean_name(span.name) and not span.text[0].isdigit()
          and any(ch.isalpha() for ch in span.text)]


def split_at_dashes(spans: List[Span], is_place: Callable[[str], bool]) -> List[Span]:
  """'INTERFAX - Moscow' (ORG) -> 'INTERFAX' (ORG) + 'Moscow' (LOC, if a place)."""
  repaired = []
  for span in spans:
    pieces = list(_SPACED_DASH.finditer(span.text))
    if not pieces or span.name != span.text:
      repaired.append(span)
      continue
    bounds = [0] + [b for dash in pieces for b in (dash.start(), dash.end())] + [len(span.text)]
    for index, (start, end) in enumerate(zip(bounds[::2], bounds[1::2], strict=True)):
      text = span.text[start:end]
      type_ = span.type if index == 0 else ('LOC' if is_place(text) else None)
      if type_ and text:
        repaired.append(Span(type_, span.start + start, span.start + end, text, text))
  return repaired


def split_place_from_person(spans: List[Span],
                            is_place: Callable[[str], bool]) -> List[Span]:
  """'Kazakhstan William Moser' (PER) -> 'Kazakhstan' (LOC) + 'William Moser' (PER)."""
  repaired = []
  for span in spans:
    tokens = list(_TOKEN.finditer(span.text))
    if span.type == 'PER' and len(tokens) >= 3 and is_place(tokens[0].group()):
      first, rest = tokens[0], tokens[1]
      repaired.append(Span('LOC', span.start, span.start + first.end(), first.group(),
                           first.group()))
      rest_text = span.text[rest.start():]
      repaired.append(Span('PER', span.start + rest.start(), span.end, rest_text,
                           rest_text if span.name == span.text else
                           ' '.join(span.name.split()[1:])))
    else:
      repaired.append(span)
  return repaired


def merge_surnames(spans: List[Span]) -> List[Span]:
  """A lone surname takes the full name (and PER type) of a person in the item."""
  full_names: Dict[str, str] = {}
  for span in spans:
    words = clean_name(span.name).split()
    if span.type == 'PER' and len(words) >= 2:
      full_names.setdefault(words[-1], clean_name(span.name))
  merged = []
  for span in spans:
    alone = clean_name(span.name)
    if ' ' not in alone and alone in full_names:
      span = dataclasses.replace(span, type='PER', name=full_names[alone])
    merged.append(span)
  return merged


def _preferred_spelling(names: List[str]) -> str:
  """'Interfax' over 'INTERFAX': the first spelling that is not all capitals."""
  return next((name for name in names if not name.isupper()), names[0])


def aggregate(spans: List[Span]) -> List[Mention]:
  """One Mention per (type, name whatever its case), at its first mention."""
  groups: Dict[Tuple[str, str], List[Span]] = collections.OrderedDict()
  for span in sorted(spans, key=lambda s: (s.start, s.end)):
    groups.setdefault((span.type, clean_name(span.name).casefold()), []).append(span)
  return [Mention(type_, group[0].text,
                  _preferred_spelling([clean_name(s.name) for s in group]),
                  group[0].start, group[0].end, len(group))
          for (type_, _), group in groups.items()]


def repair_spans(spans: List[Span], is_place: Callable[[str], bool],
                 is_given_name: Callable[[str], bool]) -> List[Span]:
  """All repairs, in order, mention by mention."""
  spans = drop_junk(name_people(spans, is_given_name, is_place))
  spans = split_at_dashes(spans, is_place)
  return merge_surnames(split_place_from_person(spans, is_place))


def repair(spans: List[Span], is_place: Callable[[str], bool],
           is_given_name: Callable[[str], bool]) -> List[Mention]:
  """All repairs, then one Mention per entity."""
  return aggregate(repair_spans(spans, is_place, is_given_name))
