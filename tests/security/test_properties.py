"""Properties of the parsers and normalisers on generated hostile input (hypothesis).

Every source either gives entries or raises InputError; nothing else, since
any other exception is a bug that a GuardedDoFn can only turn into an
``internal_error`` dead letter, losing every other item of the source.
Examples are derandomized so that the suite gives the same answer on every
run; ``fuzz_parsers.py`` beside this file explores at random for longer.

Each ``@example`` is an input that once broke its property, kept so that it
is tried on every run. ``FOUND`` at the end lists every input that the
properties or fuzz_parsers.py found on its own; all their bugs are fixed, and
they stay as regression tests.
"""
import datetime
import email.utils
import os
import pathlib
import re
import tempfile
import unicodedata

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing import test_pipeline
from apache_beam.testing.util import assert_that, equal_to
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pipeline.batch import IngestWireItems
from pipeline.options import WirebeamOptions
from pipeline.run import resolve_file_patterns
from transforms.entry import ParsedEntry
from transforms.errors import InputError
from transforms.normalize.record import normalize_entry
from transforms.normalize.urls import canonical_url
from transforms.parse.entries import parse_source
from transforms.read.feed_list import parse_feed_list
from transforms.tags import DEAD_LETTERS, ITEMS
from transforms.text import EMOJI_TAG_SEQUENCE, KEPT_FORMAT_CHARS
from transforms.timestamps import parse_timestamp

PROPERTY = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])
UTC = datetime.timezone.utc

# Lone surrogates included: JSON's "\ud800" escapes put them in strings.
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=40)
# Pieces that meet the corners of HTML rendering and text clean-up.
TEXT_PIECES = st.sampled_from([
    '<p>', '</p>', '<br/>', '<b>', '</b>', '<div class="x">', '<script>x()</script>',
    '<![CDATA[x]]>', '<![if !x]>', '<![foo]>', '<!--', '-->', '<!DOCTYPE html>',
    '&amp;', '&amp;amp;', '&lt;', '&#x301;', '&#0;', '&#x202E;', '&nbsp;', '&bogus;',
    'e', '\u0301', '\x00', '\x85', '\x1b', '\u200b', '\u202e', '\u2066', '\ufeff',
    '\u061c', '\u00ad', '\U000E0041', '\U000E007F', '\U0001F3F4\U000E0067\U000E0062',
    '\ud800', '\r\n', '\n\n', '\u2028', ' ', '\t', '\xa0', 'URGENT: ', 'UPDATE 2-',
    'Talks', 'Москва', 'ﷺ', '한'])
TEXTS = st.one_of(st.none(), ANY_TEXT,
                  st.lists(TEXT_PIECES | ANY_TEXT, max_size=12).map(''.join))
OFFSETS = st.timedeltas(min_value=-datetime.timedelta(hours=23, minutes=59),
                        max_value=datetime.timedelta(hours=23, minutes=59))
DATETIMES = st.datetimes(timezones=st.none() | st.builds(datetime.timezone, OFFSETS))
TIMESTAMPS = st.one_of(
    st.none(), ANY_TEXT, DATETIMES.map(datetime.datetime.isoformat),
    DATETIMES.map(lambda value: value.date().isoformat()),
    DATETIMES.filter(lambda value: value.tzinfo).map(email.utils.format_datetime),
    st.from_regex(r'(?:Sept?\.?|September|Feb|31|29) ?\d{1,2}(?:, \d{1,5})?\.?',
                  fullmatch=True))
REFERENCES = st.none() | st.datetimes(timezones=st.just(UTC))
HOSTS = st.one_of(
    st.sampled_from(['wire.example.com', 'WIRE.Example.COM.', '.', '..', '[::1]',
                     '[fe80::1%25eth0]', '127.0.0.1', 'xn--80ak6aa92e.com', 'ü.example',
                     'user:pw@wire.example.com', '[', 'a b', '']),
    ANY_TEXT)
URLS = st.one_of(
    st.none(), ANY_TEXT,
    st.builds(
        lambda scheme, host, port, path, query, fragment: (
            f'{scheme}://{host}{port}{path}{query}{fragment}'),
        st.sampled_from(['http', 'https', 'HTTP', 'ftp', 'javascript', '']), HOSTS,
        st.sampled_from(['', ':80', ':443', ':0', ':8080', ':99999', ':x', ':']),
        st.sampled_from(['', '/', '/a/../b', '/d%C3%A9p', '/é?']) | ANY_TEXT,
        st.lists(st.tuples(st.sampled_from(['utm_source', 'q', 'id', 'ref', 'UTM_X', ''])
                           | ANY_TEXT, ANY_TEXT), max_size=4).map(
                               lambda pairs: '?' + '&'.join(f'{k}={v}' for k, v in pairs)
                               if pairs else ''),
        st.sampled_from(['', '#top', '#']) | ANY_TEXT))

ENTRIES = st.builds(
    ParsedEntry, format=st.sampled_from(['rss', 'atom', 'json_feed', 'ninjs', 'wire_text']),
    source=st.sampled_from(['https://wire.example.com/feed', '/data/in/a.xml']),
    position=st.integers(0, 3), raw=st.binary(max_size=64), guid=TEXTS, version=TEXTS,
    link=URLS, title=TEXTS, title_is_html=st.booleans(), summary=TEXTS,
    summary_is_html=st.booleans(), body=TEXTS, body_is_html=st.booleans(), byline=TEXTS,
    located=TEXTS, agency=TEXTS, firstcreated_raw=TIMESTAMPS, versioncreated_raw=TIMESTAMPS,
    language=st.sampled_from([None, 'en', 'en-GB', 'mul', 'x', '']), feed_link=URLS,
    keywords=st.lists(ANY_TEXT, max_size=3), received_at=REFERENCES)
MAX_ITEM_BYTES = st.integers(0, 128)

# Declared charsets: real ones, wrong ones, unknown ones and Python codecs
# that are not text encodings; and the encodings bytes really come in.
DECLARED = st.sampled_from([
    'utf-8', 'UTF-16', 'utf-32', 'iso-8859-1', 'windows-1251', 'koi8-r', 'shift_jis',
    'gb2312', 'ebcdic-cp-us', 'x-unknown', 'rot13', 'base64', 'idna', 'punycode',
    'unicode_escape', 'undefined']) | st.from_regex(r'[A-Za-z0-9._:-]{1,40}', fullmatch=True)
ENCODINGS = st.sampled_from(['utf-8', 'utf-8-sig', 'utf-16', 'utf-16-be', 'utf-32',
                             'latin-1', 'cp1252', 'koi8-r', 'shift_jis'])
ENTITY_LIKE = st.from_regex(
    r'&(?:#[0-9]{1,9}|#x[0-9a-fA-F]{1,8}|[A-Za-z]{1,12}|#|);?|<!\[CDATA\[|\]\]>|<!--',
    fullmatch=True)
FEED_TEXT = st.lists(ENTITY_LIKE | ANY_TEXT | st.sampled_from(['<', '>', '&', '<b>']),
                     max_size=6).map(''.join)


@st.composite
def broken_feeds(draw) -> bytes:
  """An RSS, RDF or Atom skeleton with random text, in a random encoding, maybe cut."""
  kind = draw(st.sampled_from(['rss', 'rdf', 'atom']))
  items = [
      tuple(draw(FEED_TEXT) for _ in range(4))
      for _ in range(draw(st.integers(0, 3)))]
  if kind == 'atom':
    entries = ''.join(
        f'<entry><id>{guid}</id><title type="html">{title}</title><updated>{date}'
        f'</updated><content type="html">{body}</content></entry>'
        for title, body, date, guid in items)
    text = f'<feed xmlns="http://www.w3.org/2005/Atom"><title>W</title>{entries}</feed>'
  else:
    entries = ''.join(
        f'<item><title>{title}</title><description>{body}</description>'
        f'<pubDate>{date}</pubDate><guid>{guid}</guid></item>'
        for title, body, date, guid in items)
    text = (f'<rss version="2.0"><channel><title>W</title>{entries}</channel></rss>'
            if kind == 'rss' else
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            f'xmlns="http://purl.org/rss/1.0/"><channel><title>W</title></channel>{entries}'
            '</rdf:RDF>')
  declaration = draw(st.none() | DECLARED)
  if declaration:
    text = f'<?xml version="1.0" encoding="{declaration}"?>\n{text}'
  codec = draw(ENCODINGS)
  # Lone surrogates pass into UTF bytes as invalid sequences; other codecs
  # replace what they cannot encode.
  errors = 'surrogatepass' if codec.startswith('utf') else draw(
      st.sampled_from(['replace', 'xmlcharrefreplace', 'ignore']))
  data = text.encode(codec, errors=errors)
  return data[:draw(st.integers(0, len(data)))] if draw(st.booleans()) else data


def entries_or_input_error(data: bytes):
  """parse_source's entries, or None for an InputError; anything else propagates."""
  try:
    entries = parse_source('https://wire.example.com/feed', data)
  except InputError:
    return None
  assert entries  # no entries is an InputError, never an empty list
  return entries


PREFIXES = st.sampled_from([
    b'', b'<', b'{', b'[', b'\xef\xbb\xbf', b'\xff\xfe', b'<?xml version="1.0"?>',
    b'<rss version="2.0"><channel><item><title>', b'<feed xmlns="http://www.w3.org/2005/Atom">',
    b'<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/">', b'{"uri": "u", "headline": ',
    b'<nitf><head><docdata>', b'<NewsML><NewsItem><NewsComponent><ContentItem>',
    b'{"version": "https://jsonfeed.org/version/1.1", "items": [{'])


@PROPERTY
@example(prefix=b'<?xml version="1.0"?>', data=b'')
@given(prefix=PREFIXES, data=st.binary(max_size=1024))
def test_parse_source_on_arbitrary_bytes_gives_entries_or_input_error(prefix, data):
  entries_or_input_error(prefix + data)


@PROPERTY
@example(data=b'<?xml version="1.0" encoding="undefined"?><rss version="2.0"><channel>'
         b'<item><title>Caf\xe9</title></item></channel></rss>')
@given(data=broken_feeds())
def test_parse_source_on_broken_feeds_gives_entries_or_input_error(data):
  entries_or_input_error(data)


def normalized_or_none(entry: ParsedEntry, max_item_bytes: int):
  try:
    return normalize_entry(entry, max_item_bytes)
  except InputError:
    return None


@PROPERTY
@example(entry=ParsedEntry('json_feed', 's', 0, b'{}', body='<p>a<![foo]>b</p>',
                           body_is_html=True), max_item_bytes=100)
@given(entry=ENTRIES, max_item_bytes=MAX_ITEM_BYTES)
def test_normalize_entry_gives_a_record_or_input_error(entry, max_item_bytes):
  normalized_or_none(entry, max_item_bytes)


KEPT_FORMAT = {chr(code) for first, last in KEPT_FORMAT_CHARS
               for code in range(first, last + 1)}


def unclean(text, single_line):
  """What is wrong with a text field: control, surrogate or removed format
  characters (outside an emoji flag's tag sequence), not NFC."""
  if text is None:
    return []
  allowed = '' if single_line else '\n'
  faults = [f'U+{ord(c):04X}' for c in re.sub(EMOJI_TAG_SEQUENCE, '', text)
            if unicodedata.category(c) in ('Cc', 'Cs', 'Cf') and c not in allowed
            and c not in KEPT_FORMAT]
  return faults + ([] if unicodedata.is_normalized('NFC', text) else ['not NFC'])


@PROPERTY
@example(entry=ParsedEntry('rss', 's', 0, b'{}', title='t', body='Cafe\x00\u0301'),
         max_item_bytes=100)
@given(entry=ENTRIES, max_item_bytes=MAX_ITEM_BYTES)
def test_record_texts_are_clean_and_nfc(entry, max_item_bytes):
  record = normalized_or_none(entry, max_item_bytes)
  if record is None:
    return
  faults = {field: unclean(record[field], single_line)
            for field, single_line in (('headline', True), ('headline_raw', True),
                                       ('byline', True), ('description_text', False),
                                       ('body_text', False))}
  assert {field: found for field, found in faults.items() if found} == {}


@PROPERTY
@example(url='http://wire.example.com/a?q=\ud800')
@given(url=URLS)
def test_canonical_url_never_raises(url):
  canonical_url(url)




@PROPERTY
@example(url='http://./')
@given(url=URLS)
def test_canonical_url_is_idempotent(url):
  canonical = canonical_url(url)
  if canonical is not None:
    assert canonical_url(canonical) == canonical


@pytest.mark.parametrize('url', [
    'http://./',  # gave "http:///", a URL without a host, before e0bfd80
    'https://wire.example.com/F\x0c#top',
    'https://wire.example.com/a ?utm_source=rss',
])
def test_url_is_canonical_after_one_pass(url):
  canonical = canonical_url(url)
  assert canonical_url(canonical) == canonical


@PROPERTY
@example(raw='9999-12-31T23:59:59-01:00', reference=None)
@given(raw=TIMESTAMPS, reference=REFERENCES)
def test_parse_timestamp_never_raises(raw, reference):
  parse_timestamp(raw, reference)


def rss_file(titles):
  items = ''.join(f'<item><title>{title}</title><description>{title}</description></item>'
                  for title in titles)
  return (f'<rss version="2.0"><channel><title>W</title>{items}</channel></rss>'
          .encode())


WORDS = st.text(st.sampled_from('abc xyzé\n&<'), max_size=30)
SOURCE_FILES = st.lists(st.one_of(
    st.lists(WORDS, max_size=3).map(rss_file),
    WORDS.map(str.encode),  # wire text, or blank
    st.lists(WORDS, max_size=3).map(lambda titles: (
        '{"version": "https://jsonfeed.org/version/1.1", "items": [%s]}' % ', '.join(
            '{"id": "%d", "title": "%s"}' % (n, t.replace('\n', ' ').replace('"', ''))
            for n, t in enumerate(titles))).encode()),
    st.binary(max_size=40),
    broken_feeds()), min_size=1, max_size=5)


def expected_outputs(data: bytes) -> int:
  """Entries found, or 1 for a source that fails whole (with any exception)."""
  try:
    return len(parse_source('f', data))
  except Exception:  # pylint: disable=broad-except
    return 1


@settings(max_examples=6, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(files=SOURCE_FILES)
def test_pipeline_outputs_one_record_per_entry_or_failed_source(files):
  with tempfile.TemporaryDirectory() as folder:
    for number, data in enumerate(files):
      pathlib.Path(folder, f'f{number}').write_bytes(data)
    options = PipelineOptions(['--no-entities'])
    with test_pipeline.TestPipeline(options=options) as p:
      outputs = p | IngestWireItems(resolve_file_patterns([folder]), [],
                                    options.view_as(WirebeamOptions))
      names = (
          (outputs[ITEMS] | 'ItemSources' >> beam.Map(lambda r: r['source']['location']),
           outputs[DEAD_LETTERS] | 'DeadSources' >> beam.Map(lambda d: d['source']))
          | beam.Flatten() | beam.Map(os.path.basename) | beam.combiners.Count.PerElement())
      assert_that(names, equal_to([(f'f{number}', expected_outputs(data))
                                   for number, data in enumerate(files)]))


def parse(data: bytes):
  return parse_source('https://wire.example.com/feed', data)


def normalize(entry: ParsedEntry):
  return normalize_entry(entry, 10_000)


def ingest(data: bytes):
  return [normalize(entry) for entry in parse(data)]


def found(name, function, value, raised, where):
  """An input that once made ``function`` raise ``raised`` in ``where``: now a
  regression test (``where`` says where the bug was)."""
  del where  # documentation at the call site
  return pytest.param(function, value, id=f'{name}-{raised.__name__}')


FOUND = [
    found('rss-only-xml-declaration', parse, b'<?xml version="1.0"?>', AttributeError,
        'xml_feed.parse_xml_feed'),
    found('rss-declared-charset-undefined', parse, b'<?xml version="1.0" '
        b'encoding="undefined"?><rss version="2.0"><channel><item><title>Caf\xe9'
        b'</title></item></channel></rss>', UnicodeError, 'text.decode_bytes'),
    found('rss-element-inside-link', parse, b'<rss version="2.0"><channel><item><link>'
        b'<links/>s</link></item></channel></rss>', IndexError,
        'feedparser (mixin.pop from _end_link), let out by xml_feed.parse_xml_feed'),
    found('broken-rss-link-left-open', parse, b'<channel<item<link</item</link>', KeyError,
        'feedparser (mixin.pop from _end_link), let out by xml_feed.parse_xml_feed'),
    found('broken-rss-links-inside-link', parse, b'<item<link<links/n/s</link>', TypeError,
        'feedparser (mixin.pop from _end_link), let out by xml_feed.parse_xml_feed'),
    found('rss-links-then-empty-link', ingest, b'<rss version="2.0"><channel><item>'
        b'<title>t</title><links/><link/></item></channel></rss>', AttributeError,
        'urls.canonical_url from normalize_entry: after <links/>, feedparser gives '
        'entry.link as a dict, which parse_xml_feed passes on'),
    found('json-feed-tags-not-a-list', parse, b'{"version": "https://jsonfeed.org/'
        b'version/1.1", "items": [{"title": "t", "tags": 5}]}', TypeError,
        'json_feed.parse_json_feed'),
    found('json-feed-authors-not-a-list', parse, b'{"version": "https://jsonfeed.org/'
        b'version/1.1", "authors": 7, "items": [{"title": "t"}]}', TypeError,
        'json_feed._authors'),
    found('json-feed-lone-surrogate', parse, b'{"version": "https://jsonfeed.org/'
        b'version/1.1", "items": [{"title": "t", "url": "http://a.example/\\udc00"}]}',
        UnicodeEncodeError, 'json_feed.parse_json_feed (json.dumps(...).encode)'),
    found('ninjs-urgency-5000-digits', parse, b'{"uri": "u", "headline": "h", "urgency": "'
        + b'1' * 5000 + b'"}', ValueError, 'ninjs._urgency'),
    found('ninjs-nitf-lone-surrogate', parse, b'{"uri": "u", "headline": "h", '
        b'"body_nitf": "<a>\\ud800</a>"}', UnicodeEncodeError, 'nitf.nitf_body_html'),
    found('newsml-urgency-5000-digits', parse, b'<newsItem xmlns="http://iptc.org/std/nar/'
        b'2006-10-01/"><contentMeta><headline>h</headline><urgency>' + b'1' * 5000
        + b'</urgency></contentMeta></newsItem>', ValueError, 'newsml_g2._urgency'),
    found('html-unknown-marked-section', normalize, ParsedEntry(
        'json_feed', 's', 0, b'{}', title='t', body='<p>a<![foo]>b</p>', body_is_html=True),
        AssertionError, 'text.html_to_text (html.parser)'),
    found('html-marked-section-without-name', normalize, ParsedEntry(
        'ninjs', 's', 0, b'{}', title='t', body='<![ x', body_is_html=True),
        AssertionError, 'text.html_to_text (html.parser)'),
    found('feed-list-unclosed-ipv6-bracket', parse_feed_list, b'http://[oops/feed.xml\n',
        ValueError, 'fetch.check_url (urlsplit)'),
    found('url-lone-surrogate', canonical_url, 'http://wire.example.com/a?q=\ud800',
        UnicodeEncodeError, 'urls.canonical_url'),
    found('iso-after-9999-in-utc', parse_timestamp, '9999-12-31T23:59:59-01:00',
        OverflowError, 'timestamps._from_datetime'),
    found('iso-before-1-in-utc', parse_timestamp, '0001-01-01T00:00:00+01:00',
        OverflowError, 'timestamps._from_datetime'),
    found('rfc822-after-9999-in-utc', parse_timestamp, 'Fri, 31 Dec 9999 23:59:59 -0100',
        OverflowError, 'timestamps._from_datetime'),
]


@pytest.mark.parametrize('function, value', FOUND)
def test_found_input_gives_a_result_or_input_error(function, value):
  try:
    function(value)
  except InputError:
    pass
