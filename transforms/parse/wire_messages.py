"""What IPTC 7901 and ANPA-1312 share: framing by control characters, and
the version indicators written before a headline.

Both come from the teleprinter: a message starts with SOH (start of
heading, after SYN fill in ANPA-1312), its header runs to STX (start of
text), its text to ETX (end of text), and EOT ends the transmission. One
file may hold several messages; a message without STX or ETX (a file whose
control characters were stripped) has its header on its first line.
"""
import dataclasses
import re
from typing import Callable, List, Optional, Tuple

from transforms.entry import ParsedEntry
from transforms.errors import InputError
from transforms.text import decode_text

SOH, STX, ETX, EOT, SYN = '\x01', '\x02', '\x03', '\x04', '\x16'
UNIT_SEPARATOR = '\x1f'  # between an ANPA-1312 story number and its selector code
# Control characters left in a message's text once framed: teleprinter
# shifts and fill (DC1-DC4, SYN, FS-US...), kept as nothing.
_CONTROL = re.compile('[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]')

# Version lines and their flags, in the agencies' English and German:
# "REFILE", "1ST LEAD", "CORRECTION", "EILT", "2. Zusammenfassung",
# AP's "1st Ld-Writethru". A numbered lead is the item's update number.
_NUMBERED_LEAD = re.compile(
    r'^(?P<number>\d{1,2})(?:ST|ND|RD|TH|\.)?\s*(?:LEAD|LD|ZUSAMMENFASSUNG)\b[\s-]*', re.IGNORECASE)
_VERSION_WORDS = {
    'REFILE': 'REFILE', 'REPEAT': 'REPEAT', 'WIEDERHOLUNG': 'REPEAT',
    'CORRECTION': 'CORRECTED', 'CORRECTED': 'CORRECTED', 'CORRECTIVE': 'CORRECTED',
    'KORREKTUR': 'CORRECTED', 'BERICHTIGUNG': 'CORRECTED',
    'URGENT': 'URGENT', 'EILT': 'URGENT', 'FLASH': 'FLASH', 'BLITZ': 'FLASH',
    'BULLETIN': 'BULLETIN', 'ADVISORY': 'ADVISORY', 'WRITETHRU': 'WRITETHRU',
    'LEAD': 'LEAD', 'ZUSAMMENFASSUNG': 'LEAD', 'KILL': 'KILL', 'WITHDRAWN': 'KILL',
}


@dataclasses.dataclass(frozen=True)
class FramedMessage:
  """One message of a transmission, its parts as text."""
  header: str  # from SOH to STX, or the first line
  text: str  # from STX to ETX, control characters removed
  trailer: str  # after ETX: a closing date-time group, in ANPA-1312
  original: str  # the message as transmitted, framing included


def split_messages(text: str) -> List[FramedMessage]:
  """The messages of a transmission, in order; SYN fill and EOT dropped."""
  messages = []
  for index, original in enumerate(text.split(SOH)):
    chunk = original.replace(SYN, '').replace(EOT, '')
    if not chunk.strip():
      continue
    if STX in chunk:
      header, _, rest = chunk.partition(STX)
    else:
      header, _, rest = chunk.lstrip('\r\n').partition('\n')
    body, _, trailer = rest.partition(ETX)
    header = _CONTROL.sub('', header.replace(UNIT_SEPARATOR, ' ').replace('\r', ''))
    messages.append(FramedMessage(header.strip(), _clean_control(body),
                                  _CONTROL.sub('', trailer).strip(),
                                  (SOH if index else '') + original))
  return messages


def parse_framed(data: bytes, source: str, received_at, entry_format: str,
                 read_message: Callable[[FramedMessage, ParsedEntry], None]
                 ) -> List[ParsedEntry]:
  """One entry per message of a transmission, filled in by ``read_message``.

  A message of several keeps its own bytes, so that its dead letter can be
  replayed alone.
  """
  decoded = decode_text(data)
  messages = split_messages(decoded.text)
  if not messages:
    raise InputError('empty_item', f'a {entry_format} file with no message in it')
  entries = []
  for position, message in enumerate(messages):
    raw = data if len(messages) == 1 else message.original.encode(decoded.charset, errors='replace')
    entry = ParsedEntry(format=entry_format, source=source, position=position, raw=raw,
                        received_at=received_at, charset=decoded.charset,
                        charset_reason=decoded.reason)
    read_message(message, entry)
    entries.append(entry)
  return entries


def _clean_control(text: str) -> str:
  """Text without control characters, its line ends as LF."""
  return _CONTROL.sub('', text.replace('\r\n', '\n').replace('\r', '\n'))


def reflowed(lines: List[str], opens_paragraph=lambda line: False) -> str:
  """Teleprinter lines (broken at a fixed width) as paragraphs, one blank line apart.

  A paragraph ends at a blank line, or where ``opens_paragraph`` says a new
  one starts (ANPA-1312 indents each with a tab).
  """
  paragraphs: List[List[str]] = [[]]
  for line in lines:
    if not line.strip() or opens_paragraph(line):
      paragraphs.append([])
    if line.strip():
      paragraphs[-1].append(line.strip())
  return '\n\n'.join(' '.join(words) for words in paragraphs if words)


def version_indicators(line: str) -> Optional[Tuple[List[str], Optional[int]]]:
  """(flags, update number) when the whole line is version indicators; else None.

  "1ST LEAD" gives (['LEAD'], 1); "REFILE" gives (['REFILE'], None);
  "1st Ld-Writethru" gives (['LEAD', 'WRITETHRU'], 1).
  """
  rest = line.strip()
  flags: List[str] = []
  number = None
  lead = _NUMBERED_LEAD.match(rest)
  if lead:
    flags.append('LEAD')
    number = int(lead['number'])
    rest = rest[lead.end():]
  for word in re.split(r'[\s,/-]+', rest):
    if not word:
      continue
    flag = _VERSION_WORDS.get(word.upper())
    if flag is None:
      return None
    if flag not in flags:
      flags.append(flag)
  return (flags, number) if flags else None
