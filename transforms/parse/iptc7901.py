"""IPTC 7901, the IPTC's recommended format for text news transmission
(dpa, ANSA, APA and many European agencies).

A message (framed as ``wire_messages`` says) is laid out so:
  SOH eca062 4 i 211 ccccb dpa 061       header: service (eca) and message
  STX                                    number (062), priority (4), category
  Switzerland/migration/UN/              (i), word count (211), then optional
  REFILE                                 selector codes and the agency's own
  1ST LEAD                               reference
  Switzerland joins UN pact holdouts =   keyword line (slug words ending '/')
  By dpa correspondents =                version lines, headline, byline
                                         (ending '=')
  Geneva (dpa) - Switzerland is ...      body
  dpa al rmo                             sign-off (agency and editors)
  212322 GMT Nov 18                      date-time group
  ETX
The header is never the headline. The priority (1 flash ... 6 lowest) is
the item's ``urgency`` as it is: both are IPTC scales where 1 is the most
urgent.
"""
import re
from typing import List, Optional, Tuple

from transforms.entry import ParsedEntry
from transforms.parse import metadata
from transforms.parse.wire_messages import (
  FramedMessage,
  parse_framed,
  reflowed,
  version_indicators,
)
from transforms.timestamps import DATE_TIME_GROUP

FORMAT = 'iptc7901'
_HEADER = re.compile(
    r'^(?P<service>[A-Za-z]{1,6})(?P<number>\d{1,5}) (?P<priority>\d) '
    r'(?P<category>[A-Za-z]{1,3}) (?P<words>\d{1,5})(?P<optional>.*)$')
_KEYWORD_LINE = re.compile(r'^[^\s/][^/]*(?:/[^/]*)*/$|^\S+/\S+$')
# "By dpa correspondents =", "Von Anna Muster, dpa =", "Di Mario Rossi"
_BYLINE = re.compile(r'^(?:By|Von|Par|Por|Di|De|Av|Door|Od)\s+\S', re.UNICODE)
# The closing line of agency and editors' initials: "dpa al rmo hct rmo".
_SIGN_OFF = re.compile(r'^[A-Za-z]{2,8}(?: [a-z]{2,4})+$')
_NOT_FOR_PUBLICATION = re.compile(
    r'^(?:\* \* \* \*.*\n)?.*\bnot (?:intended )?for publication\b', re.IGNORECASE | re.MULTILINE)


def parse_iptc7901(data: bytes, source: str, received_at=None) -> List[ParsedEntry]:
  """One entry per message of the file."""
  return parse_framed(data, source, received_at, FORMAT, _read_message)


def _read_message(message: FramedMessage, entry: ParsedEntry):
  header = _HEADER.match(message.header)
  if header:
    priority = int(header['priority'])
    entry.urgency = priority if 1 <= priority <= 9 else None
    entry.subjects = [metadata.subject('iptc7901-category', header['category'], None),
                      metadata.subject('iptc7901-service', header['service'], None)]
    entry.subjects += [metadata.subject('iptc7901-selector', code, None)
                       for code in _selector_codes(header['optional'])]
  lines = message.text.strip('\n').split('\n')
  lines, entry.versioncreated_raw = _without_closing_lines(lines)
  index = _skip_blank(lines, 0)
  if index < len(lines) and _KEYWORD_LINE.match(lines[index].strip()):
    entry.keywords = [word.strip() for word in lines[index].split('/') if word.strip()]
    index += 1
  while index < len(lines):
    versions = version_indicators(lines[index])
    if not versions:
      break
    entry.headline_flags += [flag for flag in versions[0] if flag not in entry.headline_flags]
    entry.update_number = versions[1] if versions[1] is not None else entry.update_number
    index += 1
  index = _skip_blank(lines, index)
  block = []
  while index < len(lines) and lines[index].strip():
    block.append(lines[index].strip())
    index += 1
  entry.title, entry.byline = _headline_and_byline(block)
  body = '\n'.join(lines[index:])
  cut = _NOT_FOR_PUBLICATION.search(body)
  entry.body = reflowed((body[:cut.start()] if cut else body).split('\n')) or None


def _selector_codes(optional: str) -> List[str]:
  """The selector codes of a header's optional part, without the agency's own
  reference that ends it ("ccccb dpa 061" gives ['ccccb'])."""
  words = optional.split()
  if len(words) >= 2 and words[-1].isdigit():
    words = words[:-2]
  return [word for word in words if not word.isdigit()]


def _skip_blank(lines: List[str], index: int) -> int:
  while index < len(lines) and not lines[index].strip():
    index += 1
  return index


def _without_closing_lines(lines: List[str]) -> Tuple[List[str], Optional[str]]:
  """The lines without the closing date-time group and sign-off; the group's text."""
  lines = list(lines)
  date_time = None
  while lines and not lines[-1].strip():
    lines.pop()
  if lines and DATE_TIME_GROUP.match(lines[-1].strip()):
    date_time = lines.pop().strip()
    while lines and not lines[-1].strip():
      lines.pop()
    if lines and _SIGN_OFF.match(lines[-1].strip()):
      lines.pop()
  return lines, date_time


def _headline_and_byline(block: List[str]) -> Tuple[Optional[str], Optional[str]]:
  """The headline block's lines as (headline, byline); a line ending '=' ends its field."""
  byline = None
  if len(block) > 1 and (_BYLINE.match(block[-1]) or block[-1].endswith('=')):
    byline = block.pop().rstrip('= ').strip()
  headline = ' '.join(line.rstrip('= ').strip() for line in block)
  return headline or None, byline or None
