"""Where the people, organisations and places a source names appear in the item's text.

The parsers see markup only; once the text is rendered, each source entity
gets the offsets of its mentions, as the entity stage's own entities have:
in body_text, or description_text when there is no body. A name the text
never spells as given keeps start and end at ``NOT_LOCATED`` (-1), no
spans and 0 mentions: the source vouches for it all the same.
"""
import re
from typing import List

from transforms.parse.metadata import NOT_LOCATED


def locate_source_entities(entities: List[dict], text: str) -> List[dict]:
  """The entities with start, end, mentions and spans of their name in ``text``."""
  located = []
  for entity in entities:
    pattern = rf'(?<!\w){re.escape(entity["name"])}(?!\w)'
    spans = [{'start': match.start(), 'end': match.end()}
             for match in re.finditer(pattern, text or '')]
    first = spans[0] if spans else {'start': NOT_LOCATED, 'end': NOT_LOCATED}
    located.append(dict(entity, start=first['start'], end=first['end'],
                        mentions=len(spans), spans=spans))
  return located
