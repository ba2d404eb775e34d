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


@pytest.mark.parametrize('raw', [None, '', '   ', 'yesterday', 'Seg, 24 Set 2018 19:42:40', '2021-13-45'])
def test_unparseable_dates_give_none(raw):
  assert parse_timestamp(raw) is None
