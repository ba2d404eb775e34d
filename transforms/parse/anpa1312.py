"""ANPA-1312, the Associated Press's transmission format (framed as
``wire_messages`` says), laid out so:
  SYN SYN SOH a0123 US ap-wx               service level (a), story number
  r i DC3 DC1 BC-Climate-Talks 1st Ld-Writethru 12-04 0412
                                           priority (r), category (i),
                                           format codes, keyword (slug),
                                           version, reference, word count
  STX ^BC-Climate-Talks,1st Ld-Writethru,0412<
  ^Nations near climate deal<              header lines: '^' ... '<'; the
  ^Eds: Adds quote.<                       headline, editor's notes, byline
  ^By JANE DOE=<
  ^Associated Press Writer=<
  TAB PARIS (AP) _ Negotiators ...          body: paragraphs open with a tab
  ETX ap-WX-12-04-14 1512GMT<               selector and date-time group
  EOT
The header, with its selector code, is never the headline. AP writes an
em dash as '_' (seven bits had none): it is read as one.
"""
import re
from typing import List, Optional

from transforms.entry import ParsedEntry
from transforms.parse import metadata
from transforms.parse.wire_messages import (
  FramedMessage,
  parse_framed,
  reflowed,
  version_indicators,
)

FORMAT = 'anpa1312'
# Priority letters to IPTC urgency (1 most urgent): flash, bulletin, urgent,
# regular, deferred; others (advance 'a', 's'...) give none.
PRIORITY_URGENCY = {'f': 1, 'b': 2, 'u': 3, 'r': 5, 'd': 6}
_FIRST_HEADER_LINE = re.compile(r'^(?P<level>[A-Za-z])(?P<number>\d{4})\s*(?P<selector>\S*)')
# (The second's format codes DC1-DC4 are gone with the other control characters.)
_SECOND_HEADER_LINE = re.compile(
    r'^(?P<priority>[A-Za-z]) (?P<category>[A-Za-z])\s*(?P<keyword>\S+)(?P<version>.*?)'
    r'(?:\s+(?P<reference>\d{1,2}-\d{1,2}))?(?:\s+(?P<words>\d{1,5}))?\s*$')
_HEADER_LINE = re.compile(r'^\^(?P<text>.*?)<?\s*$')
_EDITORS_NOTE = re.compile(r'^(?:Eds|Editors?|EDITOR\'S NOTE)\b', re.IGNORECASE)
_BYLINE = re.compile(r'^By\s+\S', re.IGNORECASE)
_TRAILER_DATE = re.compile(r'(\d{2}-\d{2}-\d{2} \d{4}\s*GMT)', re.IGNORECASE)
_TRAILER_LINE = re.compile(r'^[\w-]*?\d{2}-\d{2}-\d{2} \d{4}\s*GMT<?$', re.IGNORECASE)
_UNDERSCORE_DASH = re.compile(r'(?<=\s)_(?=\s)')


def parse_anpa1312(data: bytes, source: str, received_at=None) -> List[ParsedEntry]:
  """One entry per story of the file."""
  return parse_framed(data, source, received_at, FORMAT, _read_message)


def _read_message(message: FramedMessage, entry: ParsedEntry):
  header_lines = message.header.split('\n')
  text = message.text
  if len(header_lines) == 1:  # control characters stripped: the second line is the header's
    second_line, _, rest = text.partition('\n')
    if _SECOND_HEADER_LINE.match(second_line.strip()):
      header_lines.append(second_line)
      text = rest
  first = _FIRST_HEADER_LINE.match(header_lines[0].strip())
  if first and first['selector']:
    entry.subjects.append(metadata.subject('anpa-selector', first['selector'], None))
  second = _SECOND_HEADER_LINE.match(header_lines[1].strip()) if len(header_lines) > 1 else None
  if second:
    entry.urgency = PRIORITY_URGENCY.get(second['priority'].lower())
    entry.subjects.insert(0, metadata.subject('anpa-category', second['category'].lower(), None))
    entry.keywords = [second['keyword']]
    _add_versions(entry, second['version'])
  trailer = message.trailer
  last_line = text.rstrip().rpartition('\n')
  if not trailer and _TRAILER_LINE.match(last_line[2].strip()):  # no ETX: the last line
    text, trailer = last_line[0], last_line[2]
  trailer_date = _TRAILER_DATE.search(trailer)
  entry.versioncreated_raw = trailer_date.group(1) if trailer_date else None
  _read_text(entry, text)


def _add_versions(entry: ParsedEntry, text: Optional[str]):
  versions = version_indicators(text or '')
  if versions:
    entry.headline_flags = versions[0]
    entry.update_number = versions[1]


def _read_text(entry: ParsedEntry, text: str):
  """Header lines ('^...<') give keyword line, headline and byline; the rest is the body."""
  header_texts: List[str] = []
  body_lines: List[str] = []
  for line in text.split('\n'):
    header = _HEADER_LINE.match(line)
    if header and not body_lines:
      header_texts.append(header['text'].rstrip('=').strip())
    elif line.strip() or body_lines:
      body_lines.append(line)
  if header_texts and header_texts[0].upper().startswith(('BC-', 'AM-', 'PM-', 'AP-')):
    header_texts.pop(0)  # the keyword line, which the header already gave
  bylines = []
  for header_text in header_texts:
    if _EDITORS_NOTE.match(header_text) or not header_text:
      continue
    if entry.title is None:
      entry.title = header_text
    elif _BYLINE.match(header_text) or bylines:
      bylines.append(header_text)
  entry.byline = ', '.join(bylines) or None
  body = reflowed(body_lines, opens_paragraph=lambda line: line.startswith('\t'))
  entry.body = _UNDERSCORE_DASH.sub('—', body) or None
