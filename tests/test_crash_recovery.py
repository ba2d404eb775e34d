"""A run killed half-way: no partial file, and a re-run publishes every item once.

Beam's file sink writes each output folder under temporary names (in a
``beam-temp-*`` subfolder) and renames the files into place at the end,
one folder after another. Consumers and the dedup index read only the
top-level ``*.avro`` files. These tests kill real runs, and take one
folder's files away from a finished run to stand for a kill between two
folders' renames.
"""
import collections
import glob
import os
import pathlib
import random
import shutil
import signal
import string
import subprocess
import sys
import time

import fastavro
import pytest

import schemas
from transforms import output_folder
from transforms.dedup import index
from transforms.dedup.fingerprints import MinHasher
from transforms.dedup.settings import DedupSettings

REPO = pathlib.Path(__file__).parents[1]
PUBLISHED = ('items', 'duplicates')
ITEMS_PER_FILE = 3


def write_feeds(folder: pathlib.Path, files: int) -> set:
  """RSS files of distinct stories, and one more repeating the first file.

  Returns the uris of the stories.
  """
  rng = random.Random(files)
  vocabulary = [''.join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 9)))
                for _ in range(3000)]
  def text(length):
    return ' '.join(rng.choices(vocabulary, k=length))
  feeds = [[(f'g{number}-{i}', text(6), text(40)) for i in range(ITEMS_PER_FILE)]
           for number in range(files)]
  for number, entries in enumerate(feeds + feeds[:1]):
    items = ''.join(
        f'<item><guid isPermaLink="false">{guid}</guid><title>{title}</title>'
        f'<description>{body}</description>'
        f'<pubDate>Fri, 27 Nov 2026 10:00:00 GMT</pubDate></item>'
        for guid, title, body in entries)
    (folder / f'feed-{number:04d}.xml').write_text(
        '<rss version="2.0"><channel><title>f</title><link>https://f.example/</link>'
        f'<language>en</language>{items}</channel></rss>')
  return {f'urn:wirebeam:guid:f.example:{guid}' for entries in feeds for guid, *_ in entries}


def command(inputs, output, *args):
  return [sys.executable, '-m', 'pipeline', '--no-entities', '--input', str(inputs),
          '--output', str(output), *args]


def run_wirebeam(*args) -> str:
  result = subprocess.run(command(*args), cwd=REPO, capture_output=True, text=True,
                          timeout=300, check=False)
  assert result.returncode == 0, result.stderr
  return result.stdout


def kill_when(condition, *args) -> bool:
  """Runs the command and SIGKILLs it as soon as ``condition()`` holds.

  Returns whether it was killed (rather than done first).
  """
  process = subprocess.Popen(command(*args), cwd=REPO, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
  deadline = time.monotonic() + 300
  try:
    while process.poll() is None and time.monotonic() < deadline:
      if condition():
        return True
      time.sleep(0.001)
    return False
  finally:
    if process.poll() is None:
      os.killpg(process.pid, signal.SIGKILL)  # its session: any worker it started too
    process.wait()


def top_level_files(output, *folders):
  return {path for folder in folders or ('*',)
          for path in glob.glob(os.path.join(output, folder, '*.avro'))}


def read_avro(paths):
  records = []
  for path in sorted(paths):
    with open(path, 'rb') as f:
      records.extend(fastavro.reader(f))  # a truncated file raises
  return records


def assert_no_partial_file(output):
  read_avro(top_level_files(output))


def assert_published_once(output, uris):
  """Among what consumers read, every story is canonical once: none twice, none lost."""
  canonical = collections.Counter(
      record['uri'] for record in read_avro(top_level_files(output, *PUBLISHED))
      if record['is_canonical'])
  assert {uri: count for uri, count in canonical.items() if count > 1} == {}
  assert set(canonical) == uris


@pytest.mark.e2e
def test_killed_runs_leave_whole_files_and_a_rerun_publishes_every_item_once(tmp_path):
  inputs, output = tmp_path / 'in', tmp_path / 'out'
  inputs.mkdir()
  uris = write_feeds(inputs, 120)
  def temp_folders():
    return glob.glob(str(output / '*' / 'beam-temp-*'))
  def temp_items():
    return glob.glob(str(output / 'items' / 'beam-temp-*' / '*'))
  before = top_level_files(output)
  # Early: the sinks have made their temporary folders, nothing is written yet.
  assert kill_when(temp_folders, inputs, output)
  assert top_level_files(output) == before
  # While the items are being written to their temporary file.
  assert kill_when(temp_items, inputs, output)
  assert_no_partial_file(output)
  # The moment the items or the index are renamed into place: the other
  # follows milliseconds later (in either order), so the run has published
  # half of its output.
  before = top_level_files(output, *PUBLISHED, schemas.DEDUP_INDEX)
  assert kill_when(
      lambda: top_level_files(output, *PUBLISHED, schemas.DEDUP_INDEX) - before,
      inputs, output)
  assert temp_folders()  # left behind by the kills, never read
  assert_no_partial_file(output)
  summary = run_wirebeam(inputs, output)
  assert 'every input accounted for' in summary
  assert 'folders left by earlier stopped runs' in summary  # cleaned before it started
  assert not temp_folders()  # what the kills left, and this run's own
  assert_no_partial_file(output)
  assert_published_once(output, uris)


@pytest.fixture(scope='module')
def finished_run(tmp_path_factory):
  """(inputs, output, story uris) of one run that finished, with --split-duplicates."""
  inputs = tmp_path_factory.mktemp('in')
  uris = write_feeds(inputs, 8)
  output = tmp_path_factory.mktemp('out')
  run_wirebeam(inputs, output, '--split-duplicates')
  return inputs, output, uris


def unrenamed(path: str):
  """Puts a run's file back where Beam wrote it before renaming it into place."""
  run = os.path.basename(path).split('-', 1)[0]
  temp = os.path.join(os.path.dirname(path), f'beam-temp-{run}-{"0" * 32}')
  os.makedirs(temp, exist_ok=True)
  os.rename(path, os.path.join(temp, f'{"1" * 32}.avro'))


def without(finished_run, tmp_path, *folders):
  """A copy of the finished run's output, as if it was killed before renaming ``folders``."""
  inputs, output, uris = finished_run
  copy = tmp_path / 'out'
  shutil.copytree(output, copy)
  for path in top_level_files(copy, *folders):
    unrenamed(path)
  return inputs, copy, uris


@pytest.mark.e2e
def test_a_run_killed_after_its_items_before_its_index_is_not_published_again(
    finished_run, tmp_path):
  inputs, output, uris = without(finished_run, tmp_path, schemas.DEDUP_INDEX)
  summary = run_wirebeam(inputs, output, '--split-duplicates')
  # The index is made again from the items: everything is seen again.
  assert 'items         0 (0 canonical)' in summary
  assert f're-sightings  {len(uris) + ITEMS_PER_FILE} ' in summary
  assert_published_once(output, uris)


@pytest.mark.e2e
def test_a_run_killed_after_its_items_before_its_duplicates_is_not_published_again(
    finished_run, tmp_path):
  """Folders are written in order (items, duplicates, index): this is where a kill can
  leave a run between its items and the rest. Its duplicates (re-sightings of its own
  items here) are seen again, not lost: recorded as re-sightings of what was published."""
  inputs, output, uris = without(finished_run, tmp_path, 'duplicates', schemas.DEDUP_INDEX)
  summary = run_wirebeam(inputs, output, '--split-duplicates')
  assert 'items         0 (0 canonical)' in summary
  assert f're-sightings  {len(uris) + ITEMS_PER_FILE} ' in summary
  assert 'every input accounted for' in summary
  assert_published_once(output, uris)


def test_a_run_writes_its_folders_in_order(finished_run):
  """Each published folder's files are renamed into place after the one before."""
  _, output, _ = finished_run
  renamed = {folder: min(os.path.getmtime(path) for path in top_level_files(output, folder))
             for folder in (*PUBLISHED, schemas.DEDUP_INDEX)}
  assert renamed['items'] <= renamed['duplicates'] <= renamed[schemas.DEDUP_INDEX]


def copy_run(finished_run, folder: pathlib.Path, run_id: str, *folders):
  """The finished run's files of ``folders``, copied under ``folder`` as run ``run_id``."""
  _, output, _ = finished_run
  for name in folders:
    (folder / name).mkdir(parents=True, exist_ok=True)
    for path in top_level_files(output, name):
      shard = os.path.basename(path).split('-', 1)[1]
      shutil.copy(path, folder / name / f'{run_id}-{shard}')


def test_the_index_reader_trusts_only_what_was_published(finished_run, tmp_path):
  copy_run(finished_run, tmp_path, 'whole', 'items', 'duplicates', 'dedup_index')
  copy_run(finished_run, tmp_path, 'no_index', 'items', 'duplicates')
  # A run that wrote nothing: Beam's sink writes one file with no records.
  for name in ('items', 'dedup_index'):
    with open(tmp_path / name / 'empty-00000-of-00001.avro', 'wb') as f:
      fastavro.writer(f, schemas.parsed_schema(schemas.WIRE_ITEM if name == 'items'
                                               else schemas.DEDUP_INDEX), [])
  # Leftovers of a killed run: half-written files in temporary folders.
  for name in ('items', 'dedup_index'):
    temp = tmp_path / name / 'beam-temp-killed-0123'
    temp.mkdir()
    (temp / 'f00.killed.avro').write_bytes(b'Obj\x01\x04\x14avro.codec')
  _, output, _ = finished_run
  index_rows = read_avro(top_level_files(output, schemas.DEDUP_INDEX))
  # Run 'whole' from its index files, run 'no_index' the same rows from its items.
  expected = [(item.entry, item.fingerprint)
              for item in map(index.indexed_item, index_rows * 2)]
  settings = DedupSettings()
  hasher = MinHasher(settings.num_perm)
  found = [(item.entry, item.fingerprint) for item in (
      index.indexed_item(row)
      for path, how in output_folder.index_file_plan(str(tmp_path))
      for record in output_folder.read_records(path)
      for row in index.rows_from((how, record), settings, hasher))]
  assert sorted(found, key=repr) == sorted(expected, key=repr)


def shard_files(run_id, folder, shards, of):
  return [(folder, f'/out/{folder}/{run_id}-{shard:05d}-of-{of:05d}.avro') for shard in shards]


@pytest.mark.parametrize('files, expected', [
    (shard_files('r', 'items', [0, 1], 2) + shard_files('r', 'dedup_index', [0], 1),
     [('/out/dedup_index/r-00000-of-00001.avro', output_folder.INDEX_FILE)]),
    (shard_files('r', 'items', [0, 1], 2) + shard_files('r', 'dedup_index', [1], 2)
     + shard_files('r', 'duplicates', [0], 1),
     [('/out/items/r-00000-of-00002.avro', output_folder.ALL_RECORDS),
      ('/out/items/r-00001-of-00002.avro', output_folder.ALL_RECORDS),
      ('/out/duplicates/r-00000-of-00001.avro', output_folder.ALL_RECORDS)]),
    (shard_files('r', 'items', [1], 2),
     [('/out/items/r-00001-of-00002.avro', output_folder.CANONICAL_RECORDS)]),
    # No items file: a run whose new items were all duplicates writes none.
    (shard_files('r', 'duplicates', [0], 1) + shard_files('r', 'dedup_index', [0], 1),
     [('/out/dedup_index/r-00000-of-00001.avro', output_folder.INDEX_FILE)]),
    # Killed after its items were in place, before its duplicates and index.
    (shard_files('r', 'items', [0], 1),
     [('/out/items/r-00000-of-00001.avro', output_folder.ALL_RECORDS)]),
    # A run of re-sightings only: nothing to read.
    ([], []),
], ids=['all there', 'index shard missing', 'items shard missing', 'only duplicates',
        'killed after items', 'nothing published'])
def test_which_files_of_a_run_make_its_index(files, expected):
  assert output_folder.index_files_to_read(files) == expected


# What stopped runs leave is cleaned, and the index says the same after.

KILLED_RUN = '20261129T090000.000000Z'


def with_leftovers(finished_run, folder: pathlib.Path) -> pathlib.Path:
  """A copy of the finished run's output, its duplicates never renamed into
  place, beside what other stopped runs leave. Returns the copy."""
  _, output, _ = finished_run
  shutil.copytree(output, folder)
  for path in top_level_files(folder, 'duplicates', 'dedup_index'):
    unrenamed(path)  # killed after its items: the index reads them, not its index files
  for temp in (folder / 'duplicates').glob('beam-temp-*'):
    (temp / f'{"3" * 32}.avro').write_bytes(b'Obj\x01 and one being written')
  for name in ('items', 'dedup_index', 'dead_letters', 'resightings'):
    temp = folder / name / f'beam-temp-{KILLED_RUN}-{"a" * 32}'  # published nothing
    temp.mkdir(parents=True)
    (temp / f'{"2" * 32}.avro').write_bytes(b'Obj\x01 half-written')
  (folder / 'items' / f'beam-temp-{KILLED_RUN}-{"b" * 32}').mkdir()  # killed early: empty
  for name in ('dedup_index', 'resightings'):
    (folder / name / f'.compacting-{KILLED_RUN}').mkdir()
    (folder / name / f'.compacting-{KILLED_RUN}' / 'part-00000.avro').write_bytes(b'Obj')
  return folder


def index_says(output) -> list:
  """What the dedup index is made of, paths relative to the output."""
  return [(os.path.relpath(path, output), how)
          for path, how in output_folder.index_file_plan(str(output))]


def leftover_folders(output) -> list:
  return sorted(os.path.relpath(path, output) for pattern in ('beam-temp-*', '.compacting-*')
                for path in glob.glob(os.path.join(output, '*', pattern)))


def test_cleaning_what_stopped_runs_left_keeps_what_the_index_says(finished_run, tmp_path):
  output = with_leftovers(finished_run, tmp_path / 'out')
  says = index_says(output)
  assert ('items', output_folder.ALL_RECORDS) in {
      (os.path.dirname(path), how) for path, how in says}  # killed after its items
  assert output_folder.clean_stopped_runs(str(output)) == 9
  assert index_says(output) == says
  assert leftover_folders(output) == []
  assert output_folder.clean_stopped_runs(str(output)) == 0  # nothing more to clean
  _, finished, _ = finished_run
  assert {os.path.relpath(path, output) for path in top_level_files(output)} == {
      os.path.relpath(path, finished) for path in top_level_files(finished)
      if '/items/' in path}  # every published file is still there


class Killed(Exception):
  """Stands for a SIGKILL in the middle of a cleaning."""


def test_a_cleaning_killed_at_any_point_changes_nothing_the_index_says(
    finished_run, tmp_path, monkeypatch):
  removed = []
  remove = output_folder._remove  # pylint: disable=protected-access
  monkeypatch.setattr(output_folder, '_remove', lambda path: removed.append(path) or remove(path))
  output_folder.clean_stopped_runs(str(with_leftovers(finished_run, tmp_path / 'whole')))
  for kill_after in range(len(removed) + 1):
    output = with_leftovers(finished_run, tmp_path / f'killed-{kill_after}')
    says, done = index_says(output), []

    def remove_until_killed(path, done=done, kill_after=kill_after):
      if kill_after:
        remove(path)
        done.append(path)
      if len(done) == kill_after:  # the moment after that many removals
        raise Killed

    monkeypatch.setattr(output_folder, '_remove', remove_until_killed)
    with pytest.raises(Killed):
      output_folder.clean_stopped_runs(str(output))
    assert index_says(output) == says, f'killed after {kill_after} removals'
    monkeypatch.setattr(output_folder, '_remove', remove)
    output_folder.clean_stopped_runs(str(output))  # the next run finishes the cleaning
    assert index_says(output) == says

