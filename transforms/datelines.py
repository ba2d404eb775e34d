"""Datelines opening a story's text: the place, the date and the agency.

One pure function for every format: plain-text wire copy, and the bodies
of feeds, ninjs and NewsML items, whose metadata often names neither place
nor agency. The shapes handled differ by agency:
  Moscow. September 28. INTERFAX - ...          (Interfax)
  MOSCOW, September 28. /TASS/. ...               (TASS)
  MOSCOW, Sept 28 (Reuters) - ...                 (Reuters)
  GROSSETO, Italy (AP) -- ...                     (AP)
  PARIS, Sept 28, 2021 (AFP) - ...                (AFP)
  TEHRAN, Aug. 11 (MNA) -- ...                    (Mehr)
  SALVADOR, Feb 26 - ...                          (Reuters, 1987: no agency)
"""
import re
from typing import Optional, Tuple

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
# A place and a date then a dash, no agency: an upper-case place, so that a
# sentence opening "In March 3 - ..." is not taken for one.
_DATELINE_WITHOUT_AGENCY = re.compile(
    rf"^(?P<place>[A-Z][A-Z'’.\- ]{{1,40}}?(?:,\s*[A-Z][\w'’.\- ]{{1,30}}?)?),\s+"
    rf'(?P<date>(?i:{MONTH_NAME_PATTERN})\.?\s+\d{{1,2}}(?:,\s*\d{{4}})?)'
    r'\s+(?:-{1,2}|–|—)\s*', re.UNICODE)


def parse_dateline(body: str) -> Tuple[Optional[str], Optional[str], Optional[str], str]:
  """Returns (place, date text, agency, body without the dateline).

  When the body has no recognisable dateline, the first three are None and
  the body comes back unchanged.
  """
  match = _DATELINE.match(body)
  if not match:
    bare = _DATELINE_WITHOUT_AGENCY.match(body)
    if not bare:
      return None, None, None, body
    return ' '.join(bare['place'].split()), bare['date'], None, body[bare.end():]
  agency = match['paren_agency'] or match['slash_agency'] or match['bare_agency']
  agency = ' '.join(agency.split())
  agency = _AGENCY_NAMES.get(agency.upper(), agency)
  place = ' '.join(match['place'].split()).rstrip('.,')
  return place, match['date'], agency, body[match.end():]


