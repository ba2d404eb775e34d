import datetime

import pytest

from transforms.timestamps import parse_timestamp

UTC = datetime.timezone.utc


@pytest.mark.parametrize('raw, instant, offset, inferred', [
    ('2021-09-28T10:00:00+03:00', datetime.datetime(2021, 9, 28, 7, 0, tzinfo=UTC), 180, False),
    ('2021-09-28T10:00:00Z', datetime.datetime(2021, 9, 28, 10, 0, tzinfo=UTC), 0, False),
    ('Tue, 28 Sep 2021 10:00:00 +0300', datetime.datetime(2021, 9, 28, 7, 0, tzinfo=UTC), 180, False),
    ('Mon, 1 Jan 2018 10:00:00 GMT', datetime.datetime(2018, 1, 1, 10, 0, tzinfo=UTC), 0, False),
    ('Wed, 7 Jun 2017 09:14:30 -0300', datetime.datetime(2017, 6, 7, 12, 14, 30, tzinfo=UTC), -180, False),
    # No zone: taken as UTC, flagged.
    ('2021-09-28T10:00:00', datetime.datetime(2021, 9, 28, 10, 0, tzinfo=UTC), None, True),
    ('Tue, 28 Sep 2021 10:00:00 -0000', datetime.datetime(2021, 9, 28, 10, 0, tzinfo=UTC), None, True),
    # Date only: midnight UTC, flagged.
    ('2021-09-28', datetime.datetime(2021, 9, 28, tzinfo=UTC), None, True),
    ('28 September 2021', datetime.datetime(2021, 9, 28, tzinfo=UTC), None, True),
])
def test_parse_timestamp(raw, instant, offset, inferred):
  parsed = parse_timestamp(raw)
  assert (parsed.instant, parsed.utc_offset_minutes, parsed.inferred) == (
      instant, offset, inferred)


def test_dateline_without_year_takes_latest_such_day_before_reference():
  reference = datetime.datetime(2021, 10, 5, 12, 0, tzinfo=UTC)
  assert parse_timestamp('September 28', reference).instant == datetime.datetime(
      2021, 9, 28, tzinfo=UTC)
  january = datetime.datetime(2022, 1, 3, tzinfo=UTC)
  assert parse_timestamp('Dec. 30', january).instant.year == 2021
  assert parse_timestamp('Sept 28', reference).inferred


@pytest.mark.parametrize('raw', [None, '', '   ', 'yesterday', 'Seg, 99 Set 2018 19:42:40', '2021-13-45',
                                 '322399 GMT Nov 18'])
def test_unparseable_dates_give_none(raw):
  assert parse_timestamp(raw) is None


@pytest.mark.parametrize('raw, instant, offset', [
    # UOL, Portuguese: weekday and month abbreviated.
    ('Seg, 24 Set 2018 19:38:00 -0300', datetime.datetime(2018, 9, 24, 22, 38, tzinfo=UTC), -180),
    ('jue, 03 ene 2019 12:00:00 +0100', datetime.datetime(2019, 1, 3, 11, 0, tzinfo=UTC), 60),
    ('mar., 04 déc. 2018 10:00:00 +0100', datetime.datetime(2018, 12, 4, 9, 0, tzinfo=UTC), 60),
    ('Mo, 24. März 2018 10:00:00 +0100', datetime.datetime(2018, 3, 24, 9, 0, tzinfo=UTC), 60),
    ('gio, 11 ott 2018 08:00:00 +0200', datetime.datetime(2018, 10, 11, 6, 0, tzinfo=UTC), 120),
    ('di, 13 mrt 2018 08:00:00 +0100', datetime.datetime(2018, 3, 13, 7, 0, tzinfo=UTC), 60),
    ('Вт, 25 сен 2018 12:00:00 +0300', datetime.datetime(2018, 9, 25, 9, 0, tzinfo=UTC), 180),
    # Wire date-time groups: IPTC 7901 and ANPA-1312, both in GMT.
    ('212322 GMT Nov 18', datetime.datetime(2018, 11, 21, 23, 22, tzinfo=UTC), 0),
    ('12-04-14 1512GMT', datetime.datetime(2014, 12, 4, 15, 12, tzinfo=UTC), 0),
])
def test_dates_in_the_publishers_language_and_wire_date_time_groups(raw, instant, offset):
  parsed = parse_timestamp(raw)
  assert (parsed.instant, parsed.utc_offset_minutes, parsed.inferred) == (instant, offset, False)


@pytest.mark.parametrize('raw, instant', [
    ('24 de setembro de 2018', datetime.datetime(2018, 9, 24, tzinfo=UTC)),
    ('24 сентября 2018', datetime.datetime(2018, 9, 24, tzinfo=UTC)),
    ('Seg, 24 Set 2018 19:42:40', datetime.datetime(2018, 9, 24, 19, 42, 40, tzinfo=UTC)),
])
def test_local_dates_without_zone_or_time_are_flagged_inferred(raw, instant):
  parsed = parse_timestamp(raw)
  assert (parsed.instant, parsed.inferred) == (instant, True)
