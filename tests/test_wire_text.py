import datetime
import pathlib

import pytest

from transforms.datelines import parse_dateline
from transforms.entry import ParsedEntry
from transforms.errors import InputError
from transforms.normalize.record import normalize_entry
from transforms.parse.wire_text import parse_wire_text

SEED = (pathlib.Path(__file__).parents[1] / 'seeds' /
        'interfax-2021-09-28-us-bases-central-asia.txt')
UTC = datetime.timezone.utc


def test_seed_item_parses_headline_dateline_place_agency_and_date():
  received = datetime.datetime(2021, 9, 28, 15, 0, tzinfo=UTC)
  (entry,) = parse_wire_text(SEED.read_bytes(), str(SEED), received)
  assert entry.title == 'Another expert believes that such cooperation is possible'
  assert entry.located == 'Moscow'
  assert entry.agency == 'Interfax'
  assert entry.versioncreated_raw == 'September 28'
  assert entry.body.startswith('Moscow. September 28. INTERFAX - Moscow will not agree')
  record = normalize_entry(entry, max_item_bytes=1 << 20)
  assert record['versioncreated'] == datetime.datetime(2021, 9, 28, tzinfo=UTC)
  assert record['versioncreated_inferred'] is True
  assert record['versioncreated_utc_offset_minutes'] is None
  assert record['uri_source'] == 'content'
  assert record['headline'] == 'Another expert believes that such cooperation is possible'
  assert len(record['body_text'].split('\n')) == 14  # one line per paragraph kept


@pytest.mark.parametrize('body, place, date, agency', [
    ('Moscow. September 28. INTERFAX - Moscow will not', 'Moscow', 'September 28', 'Interfax'),
    ('MOSCOW, September 28. /TASS/. The Kremlin said', 'MOSCOW', 'September 28', 'TASS'),
    ('NEW YORK, Oct. 3 (Reuters) - Stocks rose', 'NEW YORK', 'Oct. 3', 'Reuters'),
    ('GROSSETO, Italy (AP) -- The trial', 'GROSSETO, Italy', None, 'AP'),
    ('PARIS, Sept 28, 2021 (AFP) - France said', 'PARIS', 'Sept 28, 2021', 'AFP'),
    ('WASHINGTON (AP) \u2014 The Senate', 'WASHINGTON', None, 'AP'),
    ('Rome, 28 settembre (ANSA) - Il governo', 'Rome', '28 settembre', 'ANSA'),
    ('TEHRAN, Aug. 11 (MNA) -- Iran said', 'TEHRAN', 'Aug. 11', 'MNA'),
    # Reuters in 1987 wrote no agency: an upper-case place and a date then a dash.
    ('SALVADOR, Feb 26 - Showers continued', 'SALVADOR', 'Feb 26', None),
])
def test_parse_dateline(body, place, date, agency):
  assert parse_dateline(body)[:3] == (place, date, agency)


@pytest.mark.parametrize('body', [
    'The president said on Tuesday - without giving details - that talks would go on.',
    'In March 3 - a sentence, not a dateline.',
])
def test_body_without_dateline_is_left_alone(body):
  assert parse_dateline(body) == (None, None, None, body)


def test_empty_and_binary_files_are_refused():
  with pytest.raises(InputError) as error:
    parse_wire_text(b'  \n\n ', 'f')
  assert error.value.reason == 'empty_item'
  with pytest.raises(InputError) as error:
    parse_wire_text(b'\x00\x01\x02binary', 'f')
  assert error.value.reason == 'undecodable'


@pytest.mark.parametrize('entry_format, body, is_html, located, agency', [
    ('ninjs', 'FRANKFURT, Nov 27 (Reuters) - The ECB said', False, 'FRANKFURT', 'Reuters'),
    ('rss', '<p>TEHRAN, Aug. 11 (MNA) -- Iran said</p>', True, 'TEHRAN', 'MNA'),
    ('ninjs', 'SALVADOR, Feb 26 - Showers continued', False, 'SALVADOR', None),
])
def test_a_dateline_in_any_body_gives_place_and_agency(entry_format, body, is_html,
                                                       located, agency):
  entry = ParsedEntry(format=entry_format, source='feed', position=0, raw=b'x',
                      title='Headline', body=body, body_is_html=is_html)
  record = normalize_entry(entry, max_item_bytes=1 << 20)
  assert (record['located'], record['agency']) == (located, agency)


def test_the_sources_own_place_and_agency_are_kept():
  entry = ParsedEntry(format='ninjs', source='feed', position=0, raw=b'x', title='Headline',
                      body='FRANKFURT, Nov 27 (Reuters) - The ECB said', located='Frankfurt am Main')
  record = normalize_entry(entry, max_item_bytes=1 << 20)
  assert (record['located'], record['agency']) == ('Frankfurt am Main', 'Reuters')
