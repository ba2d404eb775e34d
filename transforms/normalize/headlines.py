"""Wire headline conventions (URGENT, UPDATE 2, REFILE...) as structured fields."""
import dataclasses
import re
from typing import List, Optional

# Flag words agencies put before the headline, as in Reuters'
# "REFILE-UPDATE 2-Oil falls" or AP's "BC-URGENT: ...".
_FLAG = re.compile(
    r'^(?P<flag>URGENT|FLASH|BULLETIN|ALERT|BREAKING(?:\s+NEWS)?|EXCLUSIVE'
    r'|REFILE|CORRECTED|CORRECTION|REPEAT|RPT|ADVISORY|WRAPUP|UPDATE)'
    r'(?:\s*(?P<number>\d{1,3}))?'
    r'\s*(?:[-:–—|]+\s*|\s+(?=[A-Z0-9"«“]))', re.UNICODE)
_CANONICAL_FLAG = {
    'CORRECTION': 'CORRECTED', 'RPT': 'REPEAT', 'BREAKING NEWS': 'BREAKING'
}


@dataclasses.dataclass(frozen=True)
class Headline:
  text: str  # the headline without its wire flags
  flags: List[str]  # e.g. ['REFILE', 'UPDATE'], in the order written
  update_number: Optional[int]  # 2 for "UPDATE 2"


def split_headline(headline: str) -> Headline:
  """Splits leading wire flags off a headline; the clean text is kept.

  Only upper-case flags followed by a separator count, so that a headline
  such as "Update on talks" is left alone.
  """
  flags: List[str] = []
  update_number = None
  rest = headline
  while True:
    match = _FLAG.match(rest)
    if not match or not rest[match.end():].strip():
      break
    flag = ' '.join(match['flag'].split())
    flags.append(_CANONICAL_FLAG.get(flag, flag))
    if match['number'] and flag in ('UPDATE', 'WRAPUP'):
      update_number = int(match['number'])
    rest = rest[match.end():]
  return Headline(rest.strip(), flags, update_number)
