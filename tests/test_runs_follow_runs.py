"""Runs that follow runs: re-sightings decided early, the index filtered, compacted, locked."""
import datetime
import pathlib
import subprocess
import sys

import apache_beam as beam
import fastavro
import fasteners
import pytest
from apache_beam.testing import test_pipeline
from apache_beam.testing.util import assert_that, equal_to

import schemas
from transforms import output_folder
from transforms.dedup import index
from transforms.dedup.fingerprints import MinHasher
from transforms.dedup.resightings import resighting_of
from transforms.dedup.settings import DedupSettings
from transforms.entry import ParsedEntry
from transforms.normalize.record import normalize_entry

REPO = pathlib.Path(__file__).parents[1]
UTC = datetime.timezone.utc
START = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SETTINGS = DedupSettings()
HASHER = MinHasher(SETTINGS.num_perm)
STORY = ('The central bank raised its key rate by half a point on Friday, the third '
         'increase this year, saying inflation was still too high and the labour '
         'market too tight for prices to settle soon. ')


def record(guid, body=STORY, version=None, link=None, canonical=True, duplicate_of=None):
  entry = ParsedEntry(format='rss', source='feed.xml', position=0, raw=b'',
                      guid=f'story-{guid}', version=version, link=link,
                      title=f'Story {guid}', body=body,
                      versioncreated_raw='2026-12-01T10:00:00Z', received_at=START)
  return dict(normalize_entry(entry, 100_000), is_canonical=canonical,
              duplicate_of=duplicate_of,
              duplicate_reason=None if canonical else 'same_url')


def run_id(minutes):
  return output_folder.new_run_id(START + datetime.timedelta(minutes=minutes))


def write(path: pathlib.Path, schema_name, rows):
  path.parent.mkdir(parents=True, exist_ok=True)
  with open(path, 'wb') as f:
    fastavro.writer(f, schemas.parsed_schema(schema_name), rows)


def write_run(output: pathlib.Path, run, records, sightings=()):
  """A finished batch run's files: its items, their index rows, its re-sightings."""
  if records:
    write(output / 'items' / f'{run}-00000-of-00001.avro', schemas.WIRE_ITEM, records)
    write(output / 'dedup_index' / f'{run}-00000-of-00001.avro', schemas.DEDUP_INDEX,
          [index.index_row(r, SETTINGS, HASHER, output_folder.run_time(run))
           for r in records])
  if sightings:
    write(output / 'resightings' / f'{run}-00000-of-00001.avro', schemas.RESIGHTING,
          list(sightings))


def sighting(rec, run):
  return resighting_of(rec, [index.index_row(rec, SETTINGS, HASHER, START)],
                       output_folder.run_time(run))


def index_rows(output) -> list:
  return [row for path, how in output_folder.index_file_plan(str(output))
          for found in output_folder.read_records(path)
          for row in index.rows_from((how, found), SETTINGS, HASHER)]


def files_under(output, folder):
  return sorted(str(path.relative_to(output / folder))
                for path in (output / folder).rglob('*') if path.is_file())


# Re-sightings decided after normalising.

def test_an_item_published_unchanged_is_a_resighting_of_its_family_root():
  published = record('a', canonical=False, duplicate_of='urn:root')
  rows = [index.index_row(published, SETTINGS, HASHER, START)]
  found = resighting_of(record('a'), rows, START)
  assert found['duplicate_of'] == 'urn:root'
  assert (found['uri'], found['version'], found['seen_at']) == (published['uri'], None, START)
  assert found['source'] == {'format': 'rss', 'location': 'feed.xml', 'position': 0}


@pytest.mark.parametrize('changed', [
    dict(body=STORY + 'A paragraph added.'),  # other content under the same version
    dict(version='2'),  # a new version
])
def test_changed_items_go_on_through_the_stages(changed):
  rows = [index.index_row(record('a'), SETTINGS, HASHER, START)]
  assert resighting_of(record('a', **changed), rows, START) is None


def test_a_cancellation_seen_again_goes_on_through_the_stages():
  rows = [index.index_row(record('a'), SETTINGS, HASHER, START)]
  assert resighting_of(dict(record('a'), pubstatus='canceled'), rows, START) is None
  assert resighting_of(record('a'), [], START) is None


# The index filtered to the rows a run can meet.

def test_a_run_reads_only_the_index_rows_sharing_a_key_with_its_items(tmp_path):
  near = record('near', body=STORY + 'One more sentence.')
  published = [record('same-uri'), record('same-url', body='Other words. ' * 20,
                                          link='https://site.example/x'),
               record('same-body', body='A body shared word for word by two uris.'),
               record('near-copy'), record('unrelated', body='Nothing in common. ' * 20)]
  write_run(tmp_path, run_id(0), published)
  run = [record('same-uri'),
         record('other-uri-same-url', body='Else. ' * 30, link='https://site.example/x'),
         record('other-uri-same-body', body='A body shared word for word by two uris.'),
         near]
  with test_pipeline.TestPipeline() as p:
    rows = (p | beam.Create(run) | index.ReadDedupIndex(str(tmp_path), SETTINGS)
            | beam.Map(lambda row: row['uri'].rsplit('story-', 1)[1]))
    assert_that(rows, equal_to(['same-uri', 'same-url', 'same-body', 'near-copy']))


def test_rows_written_before_bands_were_kept_still_meet_near_copies():
  row = index.index_row(record('a'), SETTINGS, HASHER, START)
  old_row = dict(row, bands=[])
  keys = set(index.record_keys(record('b'), SETTINGS, HASHER))
  assert {k for k in index.row_keys(old_row, SETTINGS, HASHER) if k[0] == 'band'} & keys
  assert list(index.row_keys(old_row, SETTINGS, HASHER)) == list(
      index.row_keys(row, SETTINGS, HASHER))


# Compaction: bounded files, the horizon, and kills at any point.

def test_compaction_merges_runs_into_one_generation_and_keeps_every_row(tmp_path):
  for n in range(5):
    write_run(tmp_path, run_id(n), [record(f'r{n}')])
  before = sorted(row['uri'] for row in index_rows(tmp_path))
  assert index.compact(str(tmp_path), SETTINGS, 7 * 86400, run_id(10), 'deflate',
                       min_runs=6) is None  # too few runs wait yet
  result = index.compact(str(tmp_path), SETTINGS, 7 * 86400, run_id(10), 'deflate',
                         min_runs=5)
  assert (result.runs, result.rows_kept, result.rows_dropped) == (5, 5, 0)
  assert sorted(row['uri'] for row in index_rows(tmp_path)) == before
  generation = f'compacted-{run_id(10)}'
  assert files_under(tmp_path, 'dedup_index') == [
      f'{generation}/MANIFEST.json', f'{generation}/part-00000.avro',
      f'{generation}/part-00000.keys.npy']
  assert len(files_under(tmp_path, 'items')) == 5  # the consumers' files stay
  # The next runs add file sets; the next compaction adds their rows as a part.
  write_run(tmp_path, run_id(11), [record('r11')])
  result = index.compact(str(tmp_path), SETTINGS, 7 * 86400, run_id(12), 'deflate',
                         min_runs=1)
  assert not result.rewrote and result.rows_kept == 1  # only the new run's row was read
  assert sorted(row['uri'] for row in index_rows(tmp_path)) == sorted(
      before + [record('r11')['uri']])
  assert len(files_under(tmp_path, 'dedup_index')) == 5
  # Once a day every row is rewritten: one part again.
  result = index.compact(str(tmp_path), SETTINGS, 7 * 86400, run_id(13), 'deflate',
                         min_runs=0, rewrite_every=0)
  assert result.rewrote and result.rows_kept == 6
  assert len(files_under(tmp_path, 'dedup_index')) == 3


def test_the_horizon_drops_rows_not_seen_again_and_keeps_re_sighted_ones(tmp_path):
  old, seen_again, recent = record('old'), record('seen-again'), record('recent')
  write_run(tmp_path, run_id(0), [old, seen_again])
  days = 24 * 60
  write_run(tmp_path, run_id(6 * days), [recent],
            sightings=[sighting(seen_again, run_id(6 * days))])
  result = index.compact(str(tmp_path), SETTINGS, 7 * 86400, run_id(8 * days),
                         'deflate', min_runs=1)
  kept = {row['uri']: row['last_seen'] for row in index_rows(tmp_path)}
  assert kept == {seen_again['uri']: output_folder.run_time(run_id(6 * days)),
                  recent['uri']: output_folder.run_time(run_id(6 * days))}
  assert (result.rows_kept, result.rows_dropped, result.resightings_kept) == (2, 1, 1)
  (compacted,) = [p for p in (tmp_path / 'resightings').rglob('*.avro')]
  assert [s['uri'] for s in output_folder.read_records(str(compacted))] == [seen_again['uri']]


def test_re_sightings_keep_the_latest_of_each_item_from_each_source(tmp_path):
  item = record('a')
  write_run(tmp_path, run_id(0), [item])
  for n in range(1, 4):
    write_run(tmp_path, run_id(n), [], sightings=[sighting(item, run_id(n))])
  index.compact(str(tmp_path), SETTINGS, 7 * 86400, run_id(5), 'deflate', min_runs=1)
  (compacted,) = [p for p in (tmp_path / 'resightings').rglob('*.avro')]
  (kept,) = output_folder.read_records(str(compacted))
  assert kept['seen_at'] == output_folder.run_time(run_id(3))
  assert files_under(tmp_path, 'resightings') == [
      f'compacted-{run_id(5)}/MANIFEST.json', f'compacted-{run_id(5)}/part-00000.avro']


def test_a_compaction_killed_before_its_rename_is_ignored_and_cleaned_up(tmp_path):
  for n in range(3):
    write_run(tmp_path, run_id(n), [record(f'r{n}')])
  expected = sorted(row['uri'] for row in index_rows(tmp_path))
  # Killed while writing: a half-written generation under its dot-name.
  unfinished = tmp_path / 'dedup_index' / f'.compacting-{run_id(3)}'
  unfinished.mkdir()
  (unfinished / 'part-00000.avro').write_bytes(b'Obj\x01 half')
  assert sorted(row['uri'] for row in index_rows(tmp_path)) == expected
  index.compact(str(tmp_path), SETTINGS, 7 * 86400, run_id(4), 'deflate', min_runs=1)
  assert not unfinished.exists()
  assert sorted(row['uri'] for row in index_rows(tmp_path)) == expected


def test_a_compaction_killed_before_deleting_what_it_replaced_repeats_nothing(
    tmp_path, monkeypatch):
  for n in range(3):
    write_run(tmp_path, run_id(n), [record(f'r{n}')])
  expected = sorted(row['uri'] for row in index_rows(tmp_path))
  monkeypatch.setattr(output_folder, 'delete_replaced', lambda output, folder: 0)
  index.compact(str(tmp_path), SETTINGS, 7 * 86400, run_id(4), 'deflate', min_runs=1)
  assert len(files_under(tmp_path, 'dedup_index')) == 3 + 3  # the old sets are still there
  assert sorted(row['uri'] for row in index_rows(tmp_path)) == expected  # each row once
  monkeypatch.undo()
  write_run(tmp_path, run_id(5), [record('r5')])
  index.compact(str(tmp_path), SETTINGS, 7 * 86400, run_id(6), 'deflate', min_runs=1)
  assert sorted(row['uri'] for row in index_rows(tmp_path)) == sorted(
      expected + [record('r5')['uri']])
  assert len(files_under(tmp_path, 'dedup_index')) == 5  # a part added, the old sets gone


def test_after_many_runs_the_index_holds_a_bounded_number_of_files(tmp_path):
  """A run every 5 minutes for more than a day: the files are bounded by the day's
  compactions (two files each) and the runs since the last, not by the runs."""
  runs, most = 340, 0
  for n in range(runs):
    write_run(tmp_path, run_id(5 * n), [record(f'r{n}')])
    index.compact(str(tmp_path), SETTINGS, 7 * 86400, run_id(5 * n + 1), 'deflate')
    most = max(most, len(files_under(tmp_path, 'dedup_index')))
  per_day = 24 * 60 // 5 // index.COMPACT_AFTER_RUNS
  assert most <= 1 + 2 * (per_day + 1) + index.COMPACT_AFTER_RUNS
  assert len(files_under(tmp_path, 'dedup_index')) < most  # the daily rewrite folded them
  assert len(index_rows(tmp_path)) == runs
  assert len(files_under(tmp_path, 'items')) == runs


# One run at a time per output folder.

def wirebeam(*args, **kwargs):
  return subprocess.Popen([sys.executable, '-m', 'pipeline', *args], cwd=REPO,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


@pytest.mark.e2e
def test_a_second_run_on_a_busy_output_stops_or_waits(tmp_path):
  output = tmp_path / 'out'
  output.mkdir()
  seed = str(REPO / 'seeds' / 'rss-sample.xml')
  lock = fasteners.InterProcessLock(str(output / output_folder.LOCK_FILE))
  assert lock.acquire(blocking=False)
  try:
    busy = wirebeam('--input', seed, '--output', str(output), '--no-entities')
    _, stderr = busy.communicate(timeout=300)
    assert busy.returncode == 75
    assert 'another wirebeam run is writing to' in stderr and '--wait-for-lock' in stderr
    assert not list(output.rglob('*.avro'))
    waiting = wirebeam('--input', seed, '--output', str(output), '--no-entities',
                       '--wait-for-lock')
    with pytest.raises(subprocess.TimeoutExpired):
      waiting.wait(timeout=3)  # it waits while the lock is held...
    assert not list(output.rglob('*.avro'))  # ...and writes nothing meanwhile
  finally:
    lock.release()
  stdout, stderr = waiting.communicate(timeout=300)
  assert waiting.returncode == 0, stderr
  assert 'items         3 (3 canonical)' in stdout


def feed(*items) -> bytes:
  body = ''.join(f'<item><guid isPermaLink="false">{guid}</guid><title>{title}</title>'
                 f'<description>{text}</description></item>' for guid, title, text in items)
  return (f'<rss version="2.0"><channel><title>f</title><link>https://f.example/</link>'
          f'<language>en</language>{body}</channel></rss>').encode()


@pytest.mark.e2e
def test_a_run_that_published_only_duplicates_is_remembered(tmp_path):
  """With --split-duplicates such a run writes no items file, yet its index counts."""
  story = ('Port workers in the north went on strike on Monday over pay, halting '
           'container traffic at the country\'s second largest harbour for a day.')
  first, second, output = tmp_path / 'a.xml', tmp_path / 'b.xml', tmp_path / 'out'
  first.write_bytes(feed(('a-1', 'Port workers strike', story)))
  second.write_bytes(feed(('b-1', 'Port workers strike', story)))

  def run(path):
    result = subprocess.run([sys.executable, '-m', 'pipeline', '--input', str(path),
                             '--output', str(output), '--split-duplicates', '--no-entities'],
                            cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout

  assert 'items         1 (1 canonical)' in run(first)
  copy = run(second)
  assert 'items         1 (0 canonical)' in copy and 'same_body 1' in copy
  assert len(files_under(output, 'items')) == 1  # no empty file for the second run
  again = run(second)
  assert 'items         0 (0 canonical)' in again and 're-sightings  1 ' in again


def test_a_compacted_part_holding_none_of_a_runs_keys_is_not_read(tmp_path):
  write_run(tmp_path, run_id(0), [record('a'), record('b', body='Other words. ' * 20)])
  index.compact(str(tmp_path), SETTINGS, 7 * 86400, run_id(1), 'deflate', min_runs=1)
  (part,) = (tmp_path / 'dedup_index').rglob('part-*.avro')
  summary = output_folder.read_keys(str(part))
  wanted = index.key_hashes(index.record_keys(record('a'), SETTINGS, HASHER))
  assert index.holds_any(summary, wanted)
  # A near copy meets the part by its bands, a stranger not at all.
  near = record('c', body=STORY + 'One more sentence.')
  assert index.holds_any(summary, index.key_hashes(index.record_keys(near, SETTINGS, HASHER)))
  stranger = record('d', body='Nothing here is like the rest at all. ' * 5)
  assert not index.holds_any(
      summary, index.key_hashes(index.record_keys(stranger, SETTINGS, HASHER)))
  with test_pipeline.TestPipeline() as p:
    rows = (p | beam.Create([stranger]) | index.ReadDedupIndex(str(tmp_path), SETTINGS))
    assert_that(rows, equal_to([]))


def test_a_family_stays_while_any_version_or_copy_is_seen(tmp_path):
  """The horizon counts per story: the first version's canonical row stays while a
  later version, or a full record re-sighted by the dedup stage, is still seen."""
  days = 24 * 60
  first, later = record('a'), record('a', version='2', canonical=False)
  later = dict(later, duplicate_of=first['uri'], duplicate_reason='new_version')
  copy = dict(record('b'), is_canonical=False, duplicate_of=record('b')['uri'])
  write_run(tmp_path, run_id(0), [first, record('b')])
  write_run(tmp_path, run_id(3 * days), [later])
  # Seen again at day 6: 'a' v2 through the early split, 'b' by the dedup stage's
  # verdict in a full record (--write-resightings).
  write_run(tmp_path, run_id(6 * days), [], sightings=[sighting(dict(later), run_id(6 * days))])
  write(tmp_path / 'items' / f'{run_id(6 * days + 1)}-00000-of-00001.avro', schemas.WIRE_ITEM,
        [dict(copy, duplicate_reason='resighting')])
  result = index.compact(str(tmp_path), SETTINGS, 7 * 86400, run_id(8 * days), 'deflate',
                         min_runs=1)
  assert result.rewrote and result.rows_dropped == 0
  kept = {(row['uri'], row['version']) for row in index_rows(tmp_path)}
  assert kept == {(first['uri'], None), (first['uri'], '2'), (record('b')['uri'], None)}


def graph_labels(output: pathlib.Path, monkeypatch) -> set:
  """The labels of the transforms a batch run on the seeds would apply, not run."""
  from pipeline import run as command  # pylint: disable=import-outside-toplevel
  built = []
  monkeypatch.setattr(command, 'run', lambda pipeline, *args, **kwargs: built.append(
      pipeline) or 0)
  assert command.main(['--input', str(REPO / 'seeds' / 'rss-sample.xml'),
                       '--output', str(output)]) == 0
  labels = set()

  class Labels(beam.pipeline.PipelineVisitor):
    def enter_composite_transform(self, node):
      labels.add(node.full_label)

    def visit_transform(self, node):
      labels.add(node.full_label)
  built[0].visit(Labels())
  return labels


def test_only_a_run_with_an_index_before_it_reads_one(tmp_path, monkeypatch):
  reads = {'Batch/ReadIndexByUri', 'Batch/SkipResightings', 'Batch/ReadDedupIndex',
           'Batch/WriteOutputs/Write_resightings'}
  assert not reads & graph_labels(tmp_path, monkeypatch)
  write_run(tmp_path, run_id(0), [record(1)])
  assert reads <= graph_labels(tmp_path, monkeypatch)
