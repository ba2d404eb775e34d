"""The command on the text agency formats, e-mail and archives, end to end."""
import gzip
import io
import pathlib
import zipfile

import pytest
from test_end_to_end import avro_files, read_fastavro, run_wirebeam

FIXTURES = pathlib.Path(__file__).parent / 'fixtures' / 'wire'
REUTERS_BRACKET = (b'<VICEROY RESOURCE CORP> DETAILS GOLD ASSAYS\n'
                   b'VANCOUVER, British Columbia, March 3 - Viceroy Resource Corp said '
                   b'recent drilling at its <Castle Mountain> property found gold.\n')
WIRE_TEXT = b'Oil falls on demand worries\nLONDON, Oct 6 (Reuters) - Oil prices fell on Tuesday.\n'
NINJS = b'{"uri": "urn:test:zip-1", "headline": "Zipped ninjs item", "body_text": "Text."}'


def _zip(members) -> bytes:
  buffer = io.BytesIO()
  with zipfile.ZipFile(buffer, 'w', zipfile.ZIP_DEFLATED) as archive:
    for name, data in members:
      archive.writestr(name, data)
  return buffer.getvalue()


@pytest.fixture(scope='module')
def run(tmp_path_factory):
  inputs = tmp_path_factory.mktemp('in')
  for name in ('iptc7901-two-messages.txt', 'anpa1312-story.txt', 'press-release.eml'):
    (inputs / name).write_bytes((FIXTURES / name).read_bytes())
  (inputs / 'reuters-bracket.txt').write_bytes(REUTERS_BRACKET)
  (inputs / 'story.txt.gz').write_bytes(gzip.compress(WIRE_TEXT))
  (inputs / 'bundle.zip').write_bytes(_zip([
      ('items/one.json', NINJS),
      ('items/dpa.txt', (FIXTURES / 'iptc7901-two-messages.txt').read_bytes()),
      ('bomb.txt', b'Headline\n' + b'0' * (3 << 20)),  # 3 MiB unpacked, over the limit
      ('inner.zip', _zip([('deep.txt', WIRE_TEXT)])),
  ]))
  (inputs / 'table.csv').write_bytes(b'date,headline,source\n2026-10-06,a,b\n2026-10-07,c,d\n')
  (inputs / 'README.md').write_bytes(b'# wire tools\n\nSome notes about the tools.\n')
  (inputs / 'report.pdf').write_bytes(b'%PDF-1.4\n%\xc7\xec\x8f\xa2\n')
  output = tmp_path_factory.mktemp('out')
  result = run_wirebeam('--input', str(inputs), '--output', str(output), '--no-entities',
                        '--max-input-bytes', str(2 << 20))
  assert result.returncode == 0, result.stderr
  items = read_fastavro(avro_files(output, 'items'))
  dead_letters = read_fastavro(avro_files(output, 'dead_letters'))
  return {pathlib.Path(item['source']['location']).name: item for item in items
          if item['source']['position'] == 0} | {
      f"{pathlib.Path(item['source']['location']).name}#{item['source']['position']}": item
      for item in items}, dead_letters


@pytest.mark.e2e
def test_iptc7901_messages_are_items_with_their_real_headlines(run):
  items, _ = run
  first, second = items['iptc7901-two-messages.txt#0'], items['iptc7901-two-messages.txt#1']
  assert first['headline'] == 'Germany agrees to close last coal plants by 2035'
  assert (first['urgency'], first['headline_flags'], first['update_number']) == (4, ['LEAD'], 1)
  assert (first['located'], first['agency'], first['byline']) == ('Berlin', 'dpa', 'By Anna Berg, dpa')
  assert first['keywords'] == ['Germany', 'climate', 'energy']
  assert {'scheme': 'iptc7901-category', 'code': 'i', 'name': None} in first['subjects']
  assert first['versioncreated'].isoformat() == '2026-10-06T14:23:00+00:00'
  assert 'not intended for publication' not in first['body_text']
  assert (second['headline'], second['headline_flags']) == ('Bayern coach resigns', ['URGENT'])


@pytest.mark.e2e
def test_anpa1312_story_is_an_item_without_its_transmission_header(run):
  items, _ = run
  story = items['anpa1312-story.txt']
  assert story['headline'] == 'Nations near climate deal as talks run late'
  assert (story['urgency'], story['located'], story['agency']) == (5, 'PARIS', 'AP')
  assert story['versioncreated'].isoformat() == '2014-12-04T15:12:00+00:00'
  assert story['body_text'].startswith('PARIS (AP) — Negotiators')


@pytest.mark.e2e
def test_email_subject_sender_date_and_attachments(run):
  items, _ = run
  mail = items['press-release.eml']
  assert (mail['headline'], mail['byline'], mail['uri']) == (
      'Acme opens plant in München', 'Acme Corp Press Office',
      'mid:20261006093000.4711@acme.example')
  assert mail['versioncreated'].isoformat() == '2026-10-06T07:30:00+00:00'
  assert [(a['type'], a['headline']) for a in mail['associations']] == [
      ('application/pdf', 'factsheet.pdf'), ('image/jpeg', 'plant.jpg')]


@pytest.mark.e2e
def test_reuters_bracket_headline_is_wire_copy(run):
  items, _ = run
  item = items['reuters-bracket.txt']
  assert item['headline'] == '<VICEROY RESOURCE CORP> DETAILS GOLD ASSAYS'
  assert item['located'] == 'VANCOUVER, British Columbia'


@pytest.mark.e2e
def test_gzip_and_zip_members_are_sources_and_their_failures_dead_letters(run):
  items, dead_letters = run
  locations = set()
  for item in items.values():
    path, _, member = item['source']['location'].partition('!')
    locations.add(f'{pathlib.Path(path).name}!{member}' if member else pathlib.Path(path).name)
  assert {'story.txt.gz!story.txt', 'bundle.zip!items/one.json', 'bundle.zip!items/dpa.txt',
          'bundle.zip!inner.zip!deep.txt'} <= locations
  bomb = [d for d in dead_letters if 'bundle.zip!bomb.txt' in d['error']]
  assert [(d['stage'], d['reason']) for d in bomb] == [('read', 'input_too_large')]
  assert bomb[0]['source'].endswith('bundle.zip')  # --replay reads the archive again


@pytest.mark.e2e
def test_what_holds_no_news_is_an_unsupported_format_dead_letter(run):
  _, dead_letters = run
  refused = {pathlib.Path(d['source']).name: (d['reason'], d['error']) for d in dead_letters
             if d['reason'] == 'unsupported_format'}
  assert set(refused) == {'table.csv', 'README.md', 'report.pdf'}
  assert 'PDF' in refused['report.pdf'][1]
  assert 'CSV' in refused['table.csv'][1]
  assert 'Markdown' in refused['README.md'][1]


@pytest.mark.e2e
def test_members_past_the_cap_are_one_dead_letter_that_a_replay_reads(tmp_path):
  inputs = tmp_path / 'in'
  inputs.mkdir()
  stories = [f'Council votes on item {n}\nLONDON (Reuters) - The council voted on item {n}.\n'
             for n in range(3)]
  (inputs / 'bundle.zip').write_bytes(_zip([(f'{n}.txt', story)
                                            for n, story in enumerate(stories)]))
  first = tmp_path / 'first'
  result = run_wirebeam('--input', str(inputs), '--output', str(first), '--no-entities',
                        '--max-archive-members', '2')
  assert result.returncode == 0, result.stderr
  assert len(read_fastavro(avro_files(first, 'items'))) == 2
  (letter,) = read_fastavro(avro_files(first, 'dead_letters'))
  assert (letter['reason'], letter['source']) == ('archive_members_not_read',
                                                  str(inputs / 'bundle.zip'))
  assert letter['error'].startswith(f'{inputs / "bundle.zip"}: 1 of its 3 members not read')
  replayed = tmp_path / 'replayed'
  result = run_wirebeam('--replay', str(first / 'dead_letters'), '--output', str(replayed),
                        '--no-entities')
  assert result.returncode == 0, result.stderr
  locations = {item['source']['location'] for item in read_fastavro(avro_files(replayed, 'items'))}
  assert f'{inputs / "bundle.zip"}!2.txt' in locations
