"""Plain-text wire items: headline on the first line, a dateline opening the body.

Datelines differ by agency; these are the shapes handled:
  Moscow. September 28. INTERFAX - ...          (Interfax)
  MOSCOW, September 28. /TASS/. ...               (TASS)
  MOSCOW, Sept 28 (Reuters) - ...                 (Reuters)
  GROSSETO, Italy (AP) -- ...                     (AP)
  PARIS, Sept 28, 2021 (AFP) - ...                (AFP)
"""
import re
from typing import List, Optional, Tuple

from transforms.entry import ParsedEntry
from transforms.errors import InputError
from transforms.text import decode_text
from transforms.timestamps import MONTH_NAME_PATTERN

# Agencies written bare in upper case (as Interfax does); anything in
# parentheses or slashes is accepted as an agency whatever its name.
_AGENCY_NAMES = {
    'INTERFAX': 'Interfax', 'REUTERS': 'Reuters', 'AP': 'AP', 'AFP': 'AFP',
    'TASS': 'TASS', 'ITAR-TASS': 'TASS', 'RIA NOVOSTI': 'RIA Novosti',
    'XINHUA': 'Xinhua', 'DPA': 'dpa', 'ANSA': 'ANSA', 'EFE': 'EFE',
    'KYODO': 'Kyodo', 'UPI': 'UPI', 'PTI': 'PTI', 'BLOOMBERG': 'Bloomberg',
    'ANADOLU': 'Anadolu', 'UKRINFORM': 'Ukrinform', 'BELTA': 'BelTA',
}
_BARE_AGENCY = '|'.join(
    re.escape(name) for name in sorted(_AGENCY_NAMES, key=len, reverse=True))
_PLACE = (r"[^\W\d_][\w'’.\- ]{0,40}?"
          rf"(?:,\s*(?!(?:{MONTH_NAME_PATTERN})\.?\s+\d)[^\W\d_][\w'’.\- ]{{0,30}}?)?")
_DATE = (rf'(?:{MONTH_NAME_PATTERN})\.?\s+\d{{1,2}}(?:,\s*\d{{4}})?'
         rf'|\d{{1,2}}\s+(?:{MONTH_NAME_PATTERN})(?:\s+\d{{4}})?'
         # Other languages' month names: kept as text, parsed if possible.
         r'|\d{1,2}\s+[^\W\d_]{3,12}\.?(?:\s+\d{4})?')
_DATELINE = re.compile(
    rf'^(?P<place>{_PLACE})[.,]?\s+'
    rf'(?:(?P<date>{_DATE})[.,]?\s*)?'
    rf'(?:\((?P<paren_agency>[^()\n]{{1,30}})\)|/(?P<slash_agency>[^/\n]{{1,30}})/\.?'
    rf'|(?P<bare_agency>{_BARE_AGENCY})\b)'
    r'\s*(?:-{1,2}|–|—|\.)\s*', re.IGNORECASE | re.UNICODE)


def parse_dateline(body: str) -> Tuple[Optional[str], Optional[str], Optional[str], str]:
  """Returns (place, date text, agency, body without the dateline).

  When the body has no recognisable dateline, the first three are None and
  the body comes back unchanged.
  """
  match = _DATELINE.match(body)
  if not match:
    return None, None, None, body
  agency = match['paren_agency'] or match['slash_agency'] or match['bare_agency']
  agency = ' '.join(agency.split())
  agency = _AGENCY_NAMES.get(agency.upper(), agency)
  place = ' '.join(match['place'].split()).rstrip('.,')
  return place, match['date'], agency, body[match.end():]


def parse_wire_text(data: bytes, source: str, received_at=None) -> List[ParsedEntry]:
  """One item per file: first non-empty line is the headline, the rest the body.

  The dateline is kept in the body (it is part of the text as published) and
  also parsed into place, date and agency.
  """
  decoded = decode_text(data)
  lines = decoded.text.strip().splitlines()
  if not lines:
    raise InputError('empty_item', 'the file holds no text')
  headline = lines[0].strip()
  body = '\n'.join(lines[1:]).strip()
  place, date, agency, _ = parse_dateline(body)
  return [ParsedEntry(
      format='wire_text', source=source, position=0, raw=data,
      title=headline or None, body=body or None, located=place, agency=agency,
      versioncreated_raw=date, received_at=received_at, charset=decoded.charset,
      charset_reason=decoded.reason)]
