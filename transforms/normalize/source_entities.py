"""Where the people, organisations and places a source names appear in the item's text.

The parsers see markup only; once the text is rendered, each source entity
gets the offsets of its mentions, as the entity stage's own entities have:
in body_text, or description_text when there is no body. A name the text
never spells as given keeps start and end at ``NOT_LOCATED`` (-1), no
spans and 0 mentions: the source vouches for it all the same.

A mention is the name spelt exactly, not inside a longer word. The text's
words are indexed once, and each distinct name is looked for only where
its rarest word occurs: searching the whole text once per name took
minutes for an item naming thousands of entities beside a long body.
"""
import re
from typing import Dict, List

from transforms.parse.metadata import NOT_LOCATED

_WORD = re.compile(r'\w+')
_WORD_CHARACTER = re.compile(r'\w')


def _index(text: str) -> Dict[str, List[int]]:
  """Where each word of the text starts, in order."""
  words: Dict[str, List[int]] = {}
  for match in _WORD.finditer(text):
    words.setdefault(match.group(), []).append(match.start())
  return words


def _is_word_at(text: str, position: int) -> bool:
  return 0 <= position < len(text) and bool(_WORD_CHARACTER.match(text, position))


def _candidates(name: str, text: str, index: Dict[str, List[int]]):
  """Where the name could start: by its rarest word, else every place it is spelt."""
  words = list(_WORD.finditer(name))
  if not words:
    position = text.find(name)
    while position >= 0:
      yield position
      position = text.find(name, position + 1)
    return
  anchor = min(words, key=lambda word: len(index.get(word.group(), ())))
  for position in index.get(anchor.group(), ()):
    yield position - anchor.start()


def _spans(name: str, text: str, index: Dict[str, List[int]]) -> List[dict]:
  """The mentions of a name, left to right and not overlapping, as a regex finds them."""
  spans, after_last = [], 0
  for start in _candidates(name, text, index):
    end = start + len(name)
    if (start >= after_last and text.startswith(name, start)
        and not _is_word_at(text, start - 1) and not _is_word_at(text, end)):
      spans.append({'start': start, 'end': end})
      after_last = end
  return spans


def locate_source_entities(entities: List[dict], text: str) -> List[dict]:
  """The entities with start, end, mentions and spans of their name in ``text``."""
  text = text or ''
  index = _index(text) if entities else {}
  found: Dict[str, List[dict]] = {}
  located = []
  for entity in entities:
    name = entity['name']
    if name not in found:
      found[name] = _spans(name, text, index) if name else []
    spans = [dict(span) for span in found[name]]
    first = spans[0] if spans else {'start': NOT_LOCATED, 'end': NOT_LOCATED}
    located.append(dict(entity, start=first['start'], end=first['end'],
                        mentions=len(spans), spans=spans))
  return located
