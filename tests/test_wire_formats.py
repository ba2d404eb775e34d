"""IPTC 7901, ANPA-1312 and e-mail parsers, and how their formats are sniffed."""
import pathlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from transforms.errors import InputError
from transforms.normalize.record import normalize_entry
from transforms.parse import sniff
from transforms.parse.anpa1312 import parse_anpa1312
from transforms.parse.email_message import parse_email
from transforms.parse.entries import parse_source
from transforms.parse.iptc7901 import parse_iptc7901
from transforms.parse.wire_messages import split_messages, version_indicators
from transforms.read import archives

FIXTURES = pathlib.Path(__file__).parent / 'fixtures' / 'wire'
IPTC_7901 = (FIXTURES / 'iptc7901-two-messages.txt').read_bytes()
ANPA_1312 = (FIXTURES / 'anpa1312-story.txt').read_bytes()
EMAIL = (FIXTURES / 'press-release.eml').read_bytes()
# The same kind of message with its control characters stripped, as files
# saved by a mail gateway often are: the header is its first line.
STRIPPED_7901 = (b'eca0003 3 i 380  dpa 0045\n\nSwitzerland/migration/UN/\nREFILE\n'
                 b'Switzerland joins countries resisting UN pact\nBy dpa correspondents =\n\n'
                 b'Geneva (dpa) - Switzerland is joining a growing number of countries.\n\n'
                 b'dpa al rmo\n\n212322 GMT Nov 18\n')


def _record(entry):
  return normalize_entry(entry, max_item_bytes=1 << 20)


def test_iptc7901_header_fields_and_text_parts():
  first, second = parse_iptc7901(IPTC_7901, 'dpa.txt')
  assert first.title == 'Germany agrees to close last coal plants by 2035'
  assert first.byline == 'By Anna Berg, dpa'
  assert (first.urgency, first.headline_flags, first.update_number) == (4, ['LEAD'], 1)
  assert first.subjects == [
      {'scheme': 'iptc7901-category', 'code': 'i', 'name': None},
      {'scheme': 'iptc7901-service', 'code': 'eca', 'name': None},
      {'scheme': 'iptc7901-selector', 'code': 'ccccb', 'name': None}]
  assert first.keywords == ['Germany', 'climate', 'energy']
  assert first.versioncreated_raw == '061423 GMT Oct 26'
  assert first.body.startswith("Berlin (dpa) - The German government agreed on Tuesday to close "
                               "the country's last")
  assert first.body.endswith('The plan still needs the approval of parliament.')
  # The agency's own reference ("dpa 062") is no selector code.
  assert [s['scheme'] for s in second.subjects] == ['iptc7901-category', 'iptc7901-service']
  assert (second.position, second.urgency, second.headline_flags) == (1, 2, ['URGENT'])


def test_iptc7901_messages_of_one_file_are_each_replayable_alone():
  first, second = parse_iptc7901(IPTC_7901, 'dpa.txt')
  assert IPTC_7901.count(b'\x01') == 2 and first.raw.count(b'\x01') == 1
  (again,) = parse_iptc7901(second.raw, 'dpa.txt')
  assert again.title == second.title


def test_iptc7901_without_control_characters_still_loses_its_header():
  assert sniff.detect_format(STRIPPED_7901) == sniff.IPTC_7901
  (entry,) = parse_source('dpa.txt', STRIPPED_7901)
  record = _record(entry)
  assert record['headline'] == 'Switzerland joins countries resisting UN pact'
  assert (record['headline_flags'], record['urgency']) == (['REFILE'], 3)
  assert (record['located'], record['agency']) == ('Geneva', 'dpa')
  assert record['versioncreated'].isoformat() == '2018-11-21T23:22:00+00:00'
  assert record['body_text'] == 'Geneva (dpa) - Switzerland is joining a growing number of countries.'


def test_anpa1312_header_fields_and_text_parts():
  (entry,) = parse_anpa1312(ANPA_1312, 'ap.txt')
  assert entry.title == 'Nations near climate deal as talks run late'
  assert entry.byline == 'By JANE DOE, Associated Press Writer'
  assert (entry.urgency, entry.headline_flags, entry.update_number) == (5, ['LEAD', 'WRITETHRU'], 1)
  assert entry.subjects == [{'scheme': 'anpa-category', 'code': 'i', 'name': None},
                            {'scheme': 'anpa-selector', 'code': 'ap-wx', 'name': None}]
  assert entry.keywords == ['BC-Climate-Talks']
  assert entry.versioncreated_raw == '12-04-14 1512GMT'
  # Paragraphs open with a tab; lines broken at the teleprinter's width are joined.
  assert entry.body.split('\n\n') == [
      'PARIS (AP) — Negotiators from nearly 200 countries neared a deal on cutting '
      'emissions on Thursday as talks ran into the night.',
      '"We are very close," the conference president told reporters.']


def test_framing_splits_messages_and_drops_fill():
  messages = split_messages('\x16\x16\x01a0001\x1fsel\r\nr a BC-x\r\n\x02^Head<\r\n\x03 t\x04'
                            '\x16\x16\x01a0002\x1fsel\r\nr a BC-y\r\n\x02^Other<\r\n\x03\x04')
  assert [(m.header, m.text.strip(), m.trailer) for m in messages] == [
      ('a0001 sel\nr a BC-x', '^Head<', 't'), ('a0002 sel\nr a BC-y', '^Other<', '')]


@pytest.mark.parametrize('line, expected', [
    ('1ST LEAD', (['LEAD'], 1)), ('REFILE', (['REFILE'], None)),
    ('1st Ld-Writethru', (['LEAD', 'WRITETHRU'], 1)), ('2. Zusammenfassung', (['LEAD'], 2)),
    ('Korrektur', (['CORRECTED'], None)), ('EILT', (['URGENT'], None)),
    ('Switzerland joins pact', None), ('', None),
])
def test_version_indicators(line, expected):
  assert version_indicators(line) == expected


def test_email_subject_date_sender_body_and_attachments():
  (entry,) = parse_email(EMAIL, 'mail.eml')
  assert entry.title == 'Acme opens plant in München'
  assert (entry.byline, entry.feed_title) == (
      'Acme Corp Press Office', 'Acme Corp Press Office <press@acme.example>')
  assert entry.guid == 'mid:20261006093000.4711@acme.example'
  assert entry.versioncreated_raw == 'Tue, 06 Oct 2026 09:30:00 +0200'
  assert (entry.body_is_html, entry.body.splitlines()[0]) == (
      False, 'MUNICH, Oct 6 (Acme) - Acme Corp opened its new plant in München on')
  assert entry.associations == [
      {'name': 'attachment', 'uri': None, 'type': 'application/pdf', 'headline': 'factsheet.pdf'},
      {'name': 'attachment', 'uri': 'cid:plant-photo@acme.example', 'type': 'image/jpeg',
       'headline': 'plant.jpg'}]
  assert _record(entry)['uri'] == 'mid:20261006093000.4711@acme.example'


def test_email_with_html_only_an_mbox_line_and_an_unknown_charset():
  data = (b'From press@acme.example Tue Oct  6 09:30:00 2026\n'
          b'From: press@acme.example\nSubject: Results\nDate: Tue, 06 Oct 2026 09:30:00 +0200\n'
          b'Content-Type: text/html; charset=x-unknown-charset\n\n<p>Profit rose.</p>\n')
  assert sniff.detect_format(data) == sniff.EMAIL
  (entry,) = parse_email(data, 'mail.eml')
  assert (entry.title, entry.byline, entry.guid) == ('Results', 'press@acme.example', None)
  assert (entry.body_is_html, _record(entry)['body_text']) == (True, 'Profit rose.')


def test_email_without_subject_or_text_is_refused():
  with pytest.raises(InputError) as refused:
    parse_email(b'From: a@example.org\nTo: b@example.org\n\n', 'mail.eml')
  assert refused.value.reason == 'empty_item'


@pytest.mark.parametrize('data, expected', [
    (IPTC_7901, sniff.IPTC_7901), (STRIPPED_7901, sniff.IPTC_7901),
    (ANPA_1312, sniff.ANPA_1312), (EMAIL, sniff.EMAIL),
    # Reuters marks company names in brackets: wire copy, not XML.
    (b'<VICEROY RESOURCE CORP> DETAILS GOLD ASSAYS\nVANCOUVER, March 3 - Viceroy said.',
     sniff.WIRE_TEXT),
    (b'<IBM> UPS DIVIDEND\nARMONK, N.Y., March 3 - IBM said.', sniff.WIRE_TEXT),
    (b'<rss version="2.0"><channel/></rss>', sniff.XML_FEED),
    (b'<rss>\n<channel></channel></rss>', sniff.XML_FEED),
    (b'<feed/>', sniff.XML_FEED),
    # A headline with a colon is no e-mail header.
    (b'Merkel: talks will go on\nBERLIN (dpa) - The chancellor said.', sniff.WIRE_TEXT),
    (b'Subject: budget\nThe council met.\n', sniff.WIRE_TEXT),
    # Headlines that start like a binary signature.
    (b'ID3 gene found\nLONDON, March 3 - Scientists said.', sniff.WIRE_TEXT),
    (b'BZhang wins\nBEIJING, March 3 - Zhang won.', sniff.WIRE_TEXT),
    (b'MIT licenses its battery design\nBOSTON (Reuters) - MIT said.\n', sniff.WIRE_TEXT),
    (b'README: the agency changes its format\nLONDON - The agency said.\n', sniff.WIRE_TEXT),
    # A headline of phrases with commas is no table header.
    (b'Oil falls, stocks rise, dollar steady\nLONDON - Oil fell, stocks rose, dollar held.\n',
     sniff.WIRE_TEXT),
])
def test_formats_are_told_by_content(data, expected):
  assert sniff.detect_format(data) == expected


@pytest.mark.parametrize('data, named', [
    (b'%PDF-1.7\n', 'PDF'), (b'BZh91AY&SY\x00', 'bzip2'), (b'RIFF\0\0\0\0WEBPVP8 ', 'WebP'), (b'\x89PNG\r\n\x1a\n\x00\x00', 'PNG'), (b'\xff\xd8\xff\xe0', 'JPEG'),
    (b'PK\x03\x04\x14\x00', 'zip-based document'), (b'{\\rtf1\\ansi}', 'RTF'),
    (b'date,headline,source\n1,a,b\n2,c,d\n', 'CSV'),
    (b'id\theadline\tsource\n1\ta\tb\n2\tc\td\n', 'CSV'),
    # A news dump: quoted text with commas and line breaks, one record.
    ('url,title,text,topic\nhttps://x.example/1,Заголовок,"Текст, и ещё\nтекст",Россия\n'
     .encode('utf-8'), 'CSV'),
    (b'# Project\n\nNotes about the project.\n', 'Markdown'),
    (b'Project\n=======\n\nNotes about it.\n', 'Markdown'),
    (b'One line only, no body\n', 'no body'),
    (b'Wire tools\nDistribution 1.0\nREADME file (v 1.3)\n\nThis collection holds...\n', 'README'),
    (b'MIT License\n\nCopyright (c) 2026 Someone\n\nPermission is hereby granted...\n', 'licence'),
    (b'GNU GENERAL PUBLIC LICENSE\nVersion 3, 29 June 2007\n\nEveryone is permitted...\n',
     'licence'),
    (b'word ' * 100 + b'\nmore prose\n', 'prose'),
])
def test_what_holds_no_news_is_refused_naming_it(data, named):
  with pytest.raises(InputError) as refused:
    sniff.detect_format(data)
  assert refused.value.reason == 'unsupported_format'
  assert named in str(refused.value)


def test_wire_copy_with_a_rule_line_in_its_body_is_still_wire_copy():
  data = b'Oil falls\nLONDON, Oct 6 (Reuters) - Oil fell.\n\n---\n\n((Reporting by A. Writer))\n'
  assert sniff.detect_format(data) == sniff.WIRE_TEXT


def test_anpa1312_without_control_characters_still_loses_its_header():
  stripped = (b'W2870asian\nr i BC-Asia-Markets 12-04 0120\n^BC-Asia-Markets<\n'
              b'^Asian shares rise on rate hopes<\n\tTOKYO (AP) _ Asian shares rose on Friday.\n'
              b'ap-WX-12-04-14 0412GMT<\n')
  assert sniff.detect_format(stripped) == sniff.ANPA_1312
  (entry,) = parse_source('ap.txt', stripped)
  assert (entry.title, entry.urgency, entry.keywords) == (
      'Asian shares rise on rate hopes', 5, ['BC-Asia-Markets'])
  assert entry.subjects[1] == {'scheme': 'anpa-selector', 'code': 'asian', 'name': None}
  assert entry.body == 'TOKYO (AP) — Asian shares rose on Friday.'
  assert entry.versioncreated_raw == '12-04-14 0412GMT'


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prefix=st.sampled_from([IPTC_7901[:40], ANPA_1312[:60], EMAIL[:300], b'\x01abc1 1 a 1\n',
                               b'From: a@b.example\nSubject: x\n\n', b'<a> b\n']),
       rest=st.binary(max_size=400))
def test_any_bytes_after_a_formats_opening_end_as_entries_or_an_input_error(prefix, rest):
  try:
    entries = parse_source('fuzz', prefix + rest)
  except InputError:
    return
  for entry in entries:
    try:
      record = _record(entry)
    except InputError:
      continue
    assert (record['headline'] or '').encode('utf-8') is not None


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=300), magic=st.sampled_from([b'\x1f\x8b', b'PK\x03\x04']))
def test_any_bytes_after_an_archive_signature_unpack_or_raise_an_input_error(data, magic):
  try:
    for member in archives.unpack('fuzz.zip', magic + data, 1000):
      assert member.data is not None or member.refusal is not None
  except InputError:
    pass


def test_a_sender_the_standard_library_cannot_parse_is_taken_as_written():
  data = (b'From: .\x112\x04Acme Press <press@acme.example>\nTo: desk@paper.example\n'
          b'Subject: Results\n\nProfit rose.\n')
  (entry,) = parse_source('mail.eml', data)
  assert (entry.title, entry.byline) == ('Results', '.\x112\x04Acme Press')
  assert _record(entry)['byline'] == '.2Acme Press'  # control characters cleaned


@pytest.mark.parametrize('data', [b'\x1e', b'\x0c\x1c \n'])
def test_only_spaces_and_controls_are_an_empty_input(data):
  with pytest.raises(InputError) as refused:
    sniff.detect_format(data)
  assert refused.value.reason == 'empty_input'


def test_anpa1312_stories_of_one_file_are_each_replayable_alone():
  two = ANPA_1312 + ANPA_1312.replace(b'a0412', b'a0413')
  first, second = parse_anpa1312(two, 'ap.txt')
  assert second.raw == ANPA_1312.replace(b'a0412', b'a0413')[2:]  # SYN fill before SOH stays with the first
  (again,) = parse_source('ap.txt', second.raw)
  assert (again.format, again.title) == ('anpa1312', first.title)
