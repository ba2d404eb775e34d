"""Timestamps as a UTC instant, the source's own offset, and how sure we are.

Month and weekday names may be in the publisher's language (UOL writes
``Seg, 24 Set 2018 19:38:00 -0300``): they are put into English from the
tables of ``_LOCAL_MONTHS`` and the date parsed again. Wire services end a
message with a date-time group (IPTC 7901 ``212322 GMT Nov 18``, ANPA-1312
``12-04-14 1512GMT``), parsed here too.
"""
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
# Month names of the common news languages, January first. A word is read
# as a month when it is one of these or their first three letters or more
# (``set``, ``sept.``, ``févr``); prefixes two months share are dropped.
_LOCAL_MONTHS = {
    'pt': 'janeiro fevereiro março abril maio junho julho agosto setembro outubro '
          'novembro dezembro',
    'es': 'enero febrero marzo abril mayo junio julio agosto septiembre octubre '
          'noviembre diciembre',
    'fr': 'janvier février mars avril mai juin juillet août septembre octobre '
          'novembre décembre',
    'de': 'januar februar märz april mai juni juli august september oktober '
          'november dezember',
    'it': 'gennaio febbraio marzo aprile maggio giugno luglio agosto settembre '
          'ottobre novembre dicembre',
    'nl': 'januari februari maart april mei juni juli augustus september oktober '
          'november december',
    'ru': 'январь февраль март апрель май июнь июль август сентябрь октябрь '
          'ноябрь декабрь',
    'ru_genitive': 'января февраля марта апреля мая июня июля августа сентября '
                   'октября ноября декабря',
    'pl': 'styczeń luty marzec kwiecień maj czerwiec lipiec sierpień wrzesień '
          'październik listopad grudzień',
    'sv': 'januari februari mars april maj juni juli augusti september oktober '
          'november december',
    'tr': 'ocak şubat mart nisan mayıs haziran temmuz ağustos eylül ekim kasım aralık',
}
# Usual abbreviations that are not a prefix of the full name.
_LOCAL_MONTH_ABBREVIATIONS = {'mrz': 3, 'mrt': 3, 'dic': 12, 'ago': 8}
_ENGLISH_MONTHS = ('Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep',
                   'Oct', 'Nov', 'Dec')
# Words that join day, month and year: "24 de setembro de 2018", "24. März".
_JOINING_WORDS = frozenset({'de', 'del', 'di', 'van', 'du', 'le', 'el', 'à', 'a', 'às'})
_LEADING_WEEKDAY = re.compile(r'^[^\W\d_]+\.?,\s*')
_WORD = re.compile(r'[^\W\d_]+\.?')
# IPTC 7901: day, hour, minute, zone, month, year ("212322 GMT Nov 18").
DATE_TIME_GROUP = re.compile(
    r'^(?P<day>\d{2})(?P<hour>\d{2})(?P<minute>\d{2})\s*(?:GMT|UTC|Z)\s+'
    r'(?P<month>[A-Za-z]{3})\w*\.?\s+(?P<year>\d{2}|\d{4})$', re.IGNORECASE)
# ANPA-1312: month-day-year and time in GMT ("12-04-14 1512GMT").
_ANPA_DATE_TIME = re.compile(
    r'^(?P<month>\d{2})-(?P<day>\d{2})-(?P<year>\d{2}) (?P<hour>\d{2})(?P<minute>\d{2})'
    r'\s*GMT$', re.IGNORECASE)


def _local_month_table():
  prefixes = {}
  for names in _LOCAL_MONTHS.values():
    for number, name in enumerate(names.split(), start=1):
      for end in range(3, len(name) + 1):
        prefixes.setdefault(name[:end], set()).add(number)
  table = {word: numbers.pop() for word, numbers in prefixes.items() if len(numbers) == 1}
  table.update(_LOCAL_MONTH_ABBREVIATIONS)
  return table


_LOCAL_MONTH_NUMBERS = _local_month_table()


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
  parsed = _parse_any(text, reference) or _parse_date_time_group(text)
  if parsed is None:
    in_english = english_month_names(text)
    if in_english != text:
      parsed = _parse_any(in_english, reference)
  return parsed


def _parse_any(text: str, reference: Optional[datetime.datetime]) -> Optional[ParsedTime]:
  return (_parse_iso(text) or _parse_rfc822(text)
          or _parse_month_day(text, reference))


def english_month_names(text: str) -> str:
  """The date with its month in English, its weekday and joining words dropped.

  ``Seg, 24 Set 2018 19:38:00 -0300`` gives ``24 Sep 2018 19:38:00 -0300``;
  text with no month name of ``_LOCAL_MONTHS`` comes back unchanged.
  """
  words = _LEADING_WEEKDAY.sub('', text).split()
  translated = []
  found = False
  for word in words:
    key = word.lower().rstrip('.,')
    month = _LOCAL_MONTH_NUMBERS.get(key) if _WORD.fullmatch(word.rstrip(',')) else None
    if month and not found:
      translated.append(_ENGLISH_MONTHS[month - 1])
      found = True
    elif key in _JOINING_WORDS:
      continue
    else:
      translated.append(word.rstrip('.') if word[:-1].isdigit() else word)
  return ' '.join(translated) if found else text


def _parse_date_time_group(text: str) -> Optional[ParsedTime]:
  """A wire message's closing date-time group, always in GMT."""
  match = DATE_TIME_GROUP.match(text) or _ANPA_DATE_TIME.match(text)
  if not match:
    return None
  month = match['month']
  month = int(month) if month.isdigit() else _MONTHS.get(month.lower())
  year = int(match['year'])
  year += 2000 if year < 100 else 0
  try:
    value = datetime.datetime(year, month or 0, int(match['day']), int(match['hour']),
                              int(match['minute']), tzinfo=datetime.timezone.utc)
  except ValueError:
    return None
  return ParsedTime(value, 0, inferred=False)


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
