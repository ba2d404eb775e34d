"""Timestamps as a UTC instant, the source's own offset, and how sure we are."""
import dataclasses
import datetime
import email.utils
import re
from typing import Optional

_MONTHS = {
    name: number for number, names in enumerate((
        ('jan', 'january'), ('feb', 'february'), ('mar', 'march'),
        ('apr', 'april'), ('may',), ('jun', 'june'), ('jul', 'july'),
        ('aug', 'august'), ('sep', 'sept', 'september'), ('oct', 'october'),
        ('nov', 'november'), ('dec', 'december')), start=1)
    for name in names
}
MONTH_NAME_PATTERN = '|'.join(sorted(_MONTHS, key=len, reverse=True))
# "September 28", "Sept. 28", "28 September", "Sep 28, 2021"
_MONTH_DAY = re.compile(
    rf'^(?:(?P<month>{MONTH_NAME_PATTERN})\.?\s+(?P<day>\d{{1,2}})'
    rf'|(?P<day2>\d{{1,2}})\s+(?P<month2>{MONTH_NAME_PATTERN})\.?)'
    r'(?:,?\s+(?P<year>\d{4}))?\.?$', re.IGNORECASE)
_ISO_ZULU = re.compile(r'[zZ]$')


@dataclasses.dataclass(frozen=True)
class ParsedTime:
  instant: datetime.datetime  # timezone-aware, UTC
  utc_offset_minutes: Optional[int]  # None when the source gave no zone
  inferred: bool  # True when year, time or zone had to be assumed


def parse_timestamp(raw: Optional[str],
                    reference: Optional[datetime.datetime] = None
                   ) -> Optional[ParsedTime]:
  """Parses ISO 8601, RFC 822 and wire-dateline dates; None when unparseable.

  A date without a zone is taken as UTC and flagged inferred. A dateline
  date without a year ("September 28") takes the latest such day not after
  ``reference`` (when the item was received), and is flagged inferred.
  """
  if not raw or not raw.strip():
    return None
  text = raw.strip()
  return (_parse_iso(text) or _parse_rfc822(text)
          or _parse_month_day(text, reference))


def _from_datetime(value: datetime.datetime, inferred: bool) -> Optional[ParsedTime]:
  if value.tzinfo is None:
    return ParsedTime(value.replace(tzinfo=datetime.timezone.utc), None, True)
  offset = value.utcoffset()
  try:
    instant = value.astimezone(datetime.timezone.utc)
  except OverflowError:  # 9999-12-31T23:59-01:00 is past year 9999 in UTC
    return None
  return ParsedTime(instant, int(offset.total_seconds() // 60), inferred)


def _parse_iso(text: str) -> Optional[ParsedTime]:
  try:
    value = datetime.datetime.fromisoformat(_ISO_ZULU.sub('+00:00', text))
  except ValueError:
    return None
  date_only = 'T' not in text.upper() and ' ' not in text
  return _from_datetime(value, inferred=date_only)


def _parse_rfc822(text: str) -> Optional[ParsedTime]:
  try:
    value = email.utils.parsedate_to_datetime(text)
  except (TypeError, ValueError, IndexError, OverflowError):
    return None
  # email.utils marks "-0000" (zone unknown) by returning a naive datetime.
  return _from_datetime(value, inferred=False)


def _parse_month_day(text: str, reference: Optional[datetime.datetime]
                    ) -> Optional[ParsedTime]:
  match = _MONTH_DAY.match(text)
  if not match:
    return None
  month = _MONTHS[(match['month'] or match['month2']).lower()]
  day = int(match['day'] or match['day2'])
  if match['year']:
    candidates = [int(match['year'])]
  else:
    reference = reference or datetime.datetime.now(datetime.timezone.utc)
    candidates = [reference.year, reference.year - 1]
  for year in candidates:
    try:
      value = datetime.datetime(year, month, day, tzinfo=datetime.timezone.utc)
    except ValueError:  # 29 February in a common year, 31 April...
      continue
    if match['year'] or value <= reference:
      return ParsedTime(value, None, inferred=True)
  return None
