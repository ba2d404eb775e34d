"""The real command on real files, and its Avro read back by three readers."""
import datetime
import glob
import json
import os
import pathlib
import subprocess
import sys

import avro.datafile
import avro.io
import fastavro
import polars
import pytest

REPO = pathlib.Path(__file__).parents[1]
SEEDS = REPO / 'seeds'


def run_wirebeam(*args, cwd=REPO):
  return subprocess.run([sys.executable, '-m', 'pipeline', *args], cwd=cwd,
                        capture_output=True, text=True, timeout=300, check=False)


def avro_files(output, folder):
  return sorted(glob.glob(os.path.join(output, folder, '*.avro')))


def read_fastavro(paths):
  records = []
  for path in paths:
    with open(path, 'rb') as f:
      records.extend(fastavro.reader(f))
  return records


def modified(path):
  """A file's modification time, as its records' received_at gives it."""
  return datetime.datetime.fromtimestamp(os.path.getmtime(path), datetime.timezone.utc)


@pytest.fixture(scope='module')
def seed_run(tmp_path_factory):
  output = tmp_path_factory.mktemp('out')
  result = run_wirebeam('--output', str(output))
  assert result.returncode == 0, result.stderr
  return output, result.stdout


@pytest.mark.e2e
def test_seed_run_writes_one_record_per_seed_item(seed_run):
  output, summary = seed_run
  items = read_fastavro(avro_files(output, 'items'))
  dead_letters = read_fastavro(avro_files(output, 'dead_letters'))
  assert dead_letters == []
  by_source = {}
  for item in items:
    by_source.setdefault(os.path.basename(item['source']['location']), []).append(item)
  assert {name: len(records) for name, records in by_source.items()} == {
      'interfax-2021-09-28-us-bases-central-asia.txt': 1,
      'tass-style-wire.txt': 1,
      'rss-sample.xml': 3,
      'atom-sample.xml': 2,
      'json-feed-sample.json': 2,
      'ninjs-2-sample.json': 1,
      'newsml-g2-sample.xml': 1,
  }
  assert f'items         {len(items)} ({len(items)} canonical)' in summary
  assert f'inputs        {len(items)} = items + re-sightings + dead letters: every input accounted for' in summary
  for item in items:
    assert item['uri'] and item['content_hash'] and item['headline']
    assert item['language'] not in (None, 'und')
    assert item['versioncreated'] is not None


@pytest.mark.e2e
def test_seed_item_fields(seed_run):
  output, _ = seed_run
  (seed,) = [item for item in read_fastavro(avro_files(output, 'items'))
             if item['source']['location'].endswith(
                 'interfax-2021-09-28-us-bases-central-asia.txt')]
  assert seed['headline'] == 'Another expert believes that such cooperation is possible'
  assert (seed['located'], seed['agency']) == ('Moscow', 'Interfax')
  assert (seed['versioncreated'].month, seed['versioncreated'].day) == (9, 28)
  assert seed['versioncreated_inferred'] and seed['versioncreated_raw'] == 'September 28'
  assert seed['language'] == 'en' and seed['language_reason'] == 'detected'
  assert seed['body_text'].startswith('Moscow. September 28. INTERFAX - Moscow will not agree')


@pytest.mark.e2e
@pytest.mark.parametrize('codec', ['deflate', 'snappy', 'null', 'zstandard'])
def test_output_is_readable_by_fastavro_apache_avro_and_polars(tmp_path, codec):
  result = run_wirebeam('--input', str(SEEDS / 'rss-sample.xml'), '--output',
                        str(tmp_path), '--codec', codec)
  assert result.returncode == 0, result.stderr
  (path,) = avro_files(tmp_path, 'items')
  expected = [r['uri'] for r in read_fastavro([path])]
  assert len(expected) == 3
  with open(path, 'rb') as f:
    assert fastavro.reader(f).codec == codec
  with avro.datafile.DataFileReader(open(path, 'rb'), avro.io.DatumReader()) as reader:
    assert [r['uri'] for r in reader] == expected
  if codec == 'zstandard':  # polars reads only null, deflate and snappy
    with pytest.raises(Exception, match='zstandard'):
      polars.read_avro(path)
  else:
    frame = polars.read_avro(path)
    assert frame['uri'].to_list() == expected
    assert frame['versioncreated'].dtype == polars.Datetime('us', 'UTC')
  # A clean run writes no dead-letter file: an empty one breaks polars.
  assert avro_files(tmp_path, 'dead_letters') == []
  if codec != 'zstandard':  # and polars reads the dedup index
    (index_path,) = avro_files(tmp_path, 'dedup_index')
    index = polars.read_avro(index_path)
    assert sorted(index['uri'].to_list()) == sorted(expected)


@pytest.mark.e2e
def test_broken_inputs_are_accounted_for(tmp_path):
  inputs = tmp_path / 'in'
  inputs.mkdir()
  (inputs / 'ok.txt').write_text('Headline\nLONDON (Reuters) - Body text of the item.')
  (inputs / 'binary.bin').write_bytes(b'\x00\x01\x02\x03' * 10)
  (inputs / 'bad.json').write_bytes(b'{"uri": ')
  output = tmp_path / 'out'
  result = run_wirebeam('--input', str(inputs), '--input', str(SEEDS / 'rss-sample.xml'),
                        '--output', str(output))
  assert result.returncode == 0, result.stderr
  items = read_fastavro(avro_files(output, 'items'))
  dead_letters = read_fastavro(avro_files(output, 'dead_letters'))
  assert len(items) == 4
  assert sorted((d['stage'], d['reason']) for d in dead_letters) == [
      ('parse', 'invalid_json'), ('parse', 'undecodable')]
  assert all(d['raw'] for d in dead_letters)
  assert 'dead letters  2' in result.stdout
  assert 'inputs        6 = items + re-sightings + dead letters: every input accounted for' in result.stdout
  assert 'parse.invalid_json 1' in result.stdout


@pytest.mark.e2e
def test_command_line_errors_are_clear():
  result = run_wirebeam('--input', '/nonexistent/wire')
  assert result.returncode == 2
  assert '--input /nonexistent/wire: no such file or folder' in result.stderr
  help_result = run_wirebeam('--help')
  assert help_result.returncode == 0
  for option in ('--input', '--feeds', '--output', '--codec', '--max-input-bytes',
                 '--max-item-bytes', '--fetch-timeout', 'multi_processing'):
    assert option in help_result.stdout


@pytest.mark.e2e
def test_replay_recovers_dead_letters_through_the_current_settings(tmp_path):
  """What failed under tight limits is ingested again from its dead letters."""
  inputs = tmp_path / 'in'
  inputs.mkdir()
  (inputs / 'feed.xml').write_bytes((SEEDS / 'rss-sample.xml').read_bytes())
  (inputs / 'big.txt').write_text('Headline\nLONDON (Reuters) - ' + 'word ' * 3000)
  first = tmp_path / 'first'
  result = run_wirebeam('--input', str(inputs), '--output', str(first),
                        '--max-item-bytes=600', '--max-input-bytes=10000')
  assert result.returncode == 0, result.stderr
  dead = read_fastavro(avro_files(first, 'dead_letters'))
  assert sorted((d['stage'], d['reason']) for d in dead) == [
      ('normalize', 'item_too_large'), ('normalize', 'item_too_large'),
      ('read', 'input_too_large')]
  replayed = tmp_path / 'replayed'
  result = run_wirebeam('--replay', str(first / 'dead_letters'), '--output', str(replayed))
  assert result.returncode == 0, result.stderr
  items = read_fastavro(avro_files(replayed, 'items'))
  assert read_fastavro(avro_files(replayed, 'dead_letters')) == []
  by_headline = {item['headline']: item for item in items}
  assert set(by_headline) >= {'Headline', 'Grain corridor talks resume in Istanbul'}
  grain = by_headline['Grain corridor talks resume in Istanbul']
  assert grain['uri'] == 'urn:wirebeam:guid:wire.example.com:sample-wire-2026-11-27-0001'
  assert grain['source']['feed_title'] == 'Sample Wire - World'
  assert grain['body_text'].startswith('ISTANBUL, Nov 27 (Sample Wire)')
  # Provenance survives the replay: the RSS entry was replayed from a
  # one-item JSON Feed, yet keeps its format, position and received_at.
  grain_letter = next(d for d in dead if d['position'] is not None and d['format'] == 'rss')
  feed_received = grain_letter['received_at']
  assert feed_received is not None
  assert grain['source']['format'] == 'rss'
  assert grain['source']['location'] == str(inputs / 'feed.xml')
  assert grain['source']['position'] == grain_letter['position']
  assert grain['received_at'] == feed_received
  assert feed_received == modified(inputs / 'feed.xml')
  wire = by_headline['Headline']  # its file was too large: replayed by reading it again
  assert wire['source']['format'] == 'wire_text'
  assert wire['received_at'] == modified(inputs / 'big.txt')


@pytest.mark.e2e
def test_a_source_over_the_entry_cap_is_read_in_part_and_replayed_whole(tmp_path):
  """The first N entries are items, the rest one dead letter; a replay with a
  higher cap reads the source again, its first N being re-sightings."""
  feed = tmp_path / 'tiny.json'
  feed.write_text(json.dumps({'version': 'https://jsonfeed.org/version/1.1', 'items': [
      {'id': f'tiny-{i}', 'title': f'Council meets on item {i}',
       'content_text': f'The council met on Monday to discuss item number {i}.'}
      for i in range(25)]}))
  output = tmp_path / 'out'
  result = run_wirebeam('--input', str(feed), '--output', str(output), '--no-entities',
                        '--max-entries-per-source', '10')
  assert result.returncode == 0, result.stderr
  items = read_fastavro(avro_files(output, 'items'))
  assert sorted(item['source']['position'] for item in items) == list(range(10))
  (dead_letter,) = read_fastavro(avro_files(output, 'dead_letters'))
  assert (dead_letter['stage'], dead_letter['reason'], dead_letter['position']) == (
      'parse', 'too_many_entries', None)
  assert dead_letter['raw'] == feed.read_bytes()
  assert dead_letter['error'].startswith('15 of 25 entries not read')
  assert 'entries       json_feed 10' in result.stdout
  assert ('inputs        11 = items + re-sightings + dead letters: every input accounted for'
          in result.stdout)
  assert 'parse.too_many_entries 1' in result.stdout

  replay = run_wirebeam('--replay', str(output / 'dead_letters'), '--output', str(output),
                        '--no-entities', '--max-entries-per-source', '100')
  assert replay.returncode == 0, replay.stderr
  assert ('inputs        25 = items + re-sightings + dead letters: every input accounted for'
          in replay.stdout)
  assert 're-sightings  10' in replay.stdout
  items = read_fastavro(avro_files(output, 'items'))
  assert sorted(item['source']['position'] for item in items) == list(range(25))
