"""Wire headline conventions (URGENT, UPDATE 2, REFILE...) as structured fields."""
import dataclasses
import re
from typing import List, Optional

# Flag words agencies put before the headline, as in Reuters'
# "REFILE-UPDATE 2-Oil falls" or AP's "URGENT: ...". A flag is marked by a
# separator after it; with none, only by the case of what follows (see
# ``split_headline``).
_FLAG = re.compile(
    r'^(?P<flag>URGENT|FLASH|BULLETIN|ALERT|BREAKING(?:\s+NEWS)?|EXCLUSIVE'
    r'|REFILE|CORRECTED|CORRECTION|REPEAT|RPT|ADVISORY|WRAPUP|UPDATE)'
    r'(?:\s*(?P<number>\d{1,3}))?'
    r'\s*(?:(?P<separator>[-:–—|]+)\s*|\s+(?=[A-Z0-9"«“]))', re.UNICODE)
_LOWER_CASE = re.compile(r'[^\W\d_A-Z]', re.UNICODE)
_CANONICAL_FLAG = {
    'CORRECTION': 'CORRECTED', 'RPT': 'REPEAT', 'BREAKING NEWS': 'BREAKING'
}


@dataclasses.dataclass(frozen=True)
class Headline:
  text: str  # the headline without its wire flags
  flags: List[str]  # e.g. ['REFILE', 'UPDATE'], in the order written
  update_number: Optional[int]  # 2 for "UPDATE 2"


def _marked(match: re.Match, headline: str) -> bool:
  """Whether the flag matched is marked as one, not the headline's first word."""
  return bool(match['separator'] or _LOWER_CASE.search(headline[match.end():]))


def split_headline(headline: str) -> Headline:
  """Splits leading wire flags off a headline; the clean text is kept.

  Only upper-case flags count, so that "Update on talks" is left alone. A
  flag is followed by a separator (``-``, ``--``, ``:``, ``|``; Reuters
  writes "CORRECTED-HECLA <HL> TO BUY MINE STAKE") or, with none, by a
  headline in mixed case ("URGENT Quake hits Japan"): in an upper-case
  headline such as "BULLETIN SAYS TIN PRICE MAY RISE" the word is the
  headline's own.
  """
  flags: List[str] = []
  update_number = None
  rest = headline
  while True:
    match = _FLAG.match(rest)
    if not match or not rest[match.end():].strip() or not _marked(match, rest):
      break
    flag = ' '.join(match['flag'].split())
    flags.append(_CANONICAL_FLAG.get(flag, flag))
    if match['number'] and flag in ('UPDATE', 'WRAPUP'):
      update_number = int(match['number'])
    rest = rest[match.end():]
  return Headline(rest.strip(), flags, update_number)
