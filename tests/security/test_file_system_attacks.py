"""Hostile entries in input folders: pipes, sockets, links out, dangling links, unreadable files.

Each is made by the test beside good files. A named pipe must never be
opened (opening blocks until a writer comes: the run hung); a link must not
lead the reader out of the folder it was given; whatever is not read is a
read dead letter saying why, counted as a source, so the summary's
accounting holds.
"""
import errno
import json
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import tempfile

import apache_beam as beam
import fastavro
import pytest
from apache_beam.testing import test_pipeline
from apache_beam.testing.util import assert_that, equal_to
from conftest import MemoryState

from pipeline.run import UsageError, resolve_file_patterns
from transforms.errors import InputError
from transforms.read import local_files, watch
from transforms.read.local_files import LocalFile, check, list_local, read_error
from transforms.read.sources import ReadFileFn, ReadSources
from transforms.tags import DEAD_LETTERS, SOURCES

REPO = pathlib.Path(__file__).parents[2]
WIRE = 'Budget agreed\nLONDON (Reuters) - Ministers agreed on the budget on Monday.\n'
SECRET = 'Secret headline\nLONDON (Reuters) - Nothing outside the input may be read.\n'


def hostile_folder(tmp_path: pathlib.Path) -> pathlib.Path:
  """An input folder with good files and every kind of entry that must not be read."""
  outside = tmp_path / 'outside'
  outside.mkdir()
  (outside / 'secret.txt').write_text(SECRET)
  drop = tmp_path / 'drop'
  (drop / 'sub').mkdir(parents=True)
  (drop / 'good.txt').write_text(WIRE)
  (drop / 'sub' / 'nested.txt').write_text(WIRE.replace('Budget', 'Nested budget'))
  os.mkfifo(drop / 'pipe')
  (drop / 'dangling').symlink_to(tmp_path / 'nowhere.txt')
  (drop / 'secret-link').symlink_to(outside / 'secret.txt')
  (drop / 'outside-folder').symlink_to(outside, target_is_directory=True)
  (drop / 'inside-link').symlink_to(drop / 'sub' / 'nested.txt')
  (drop / 'inside-folder').symlink_to(drop / 'sub', target_is_directory=True)
  (drop / 'loop').symlink_to(drop / 'loop')
  return drop


EXPECTED = {  # name -> dead-letter reason, or None when read
    'good.txt': None, 'sub/nested.txt': None, 'inside-link': None,
    'pipe': 'not_a_regular_file', 'dangling': 'broken_link',
    'secret-link': 'link_outside_input', 'outside-folder': 'link_outside_input',
    'loop': 'link_loop',
}


def outcome(file: LocalFile, follow_links: bool = False):
  try:
    check(file, follow_links)
  except InputError as error:
    return error.reason
  except OSError as error:
    return read_error(error).reason
  return None


def test_every_entry_of_a_folder_is_listed_and_only_regular_files_inside_it_pass(tmp_path):
  drop = hostile_folder(tmp_path)
  listed = {os.path.relpath(file.path, drop): outcome(file) for file in list_local(str(drop))}
  # inside-folder is not entered: its files are listed where they lie.
  assert listed == EXPECTED


def test_follow_links_reads_out_of_the_folder_but_never_a_pipe(tmp_path):
  drop = hostile_folder(tmp_path)
  listed = {os.path.relpath(file.path, drop): outcome(file, follow_links=True)
            for file in list_local(str(drop), follow_links=True)}
  assert listed == dict(
      {name: reason for name, reason in EXPECTED.items()
       if name != 'outside-folder'},
      **{'secret-link': None, 'outside-folder/secret.txt': None})


def test_linked_folders_that_loop_are_entered_once(tmp_path):
  drop = tmp_path / 'drop'
  (drop / 'a').mkdir(parents=True)
  (drop / 'a' / 'wire.txt').write_text(WIRE)
  (drop / 'a' / 'up').symlink_to(tmp_path, target_is_directory=True)  # out, and back in
  listed = sorted(os.path.relpath(file.path, drop)
                  for file in list_local(str(drop), follow_links=True))
  assert listed == ['a/wire.txt']


def test_a_glob_keeps_links_in_its_folder(tmp_path):
  drop = hostile_folder(tmp_path)
  (drop / 'late.txt').symlink_to(tmp_path / 'outside' / 'secret.txt')
  listed = {os.path.relpath(file.path, drop): outcome(file)
            for file in list_local(str(drop / '*.txt'))}
  assert listed == {'good.txt': None, 'late.txt': 'link_outside_input'}


def test_a_link_named_on_the_command_line_is_followed_a_pipe_is_refused(tmp_path):
  drop = hostile_folder(tmp_path)
  (named,) = list_local(str(drop / 'secret-link'))
  assert named == LocalFile(str(drop / 'secret-link'), None)
  assert outcome(named) is None  # the user named it
  assert resolve_file_patterns([str(drop / 'secret-link')]) == [str(drop / 'secret-link')]
  with pytest.raises(UsageError, match='not a regular file'):
    resolve_file_patterns([str(drop / 'pipe')])


def test_sockets_are_dead_letters(tmp_path):
  with tempfile.TemporaryDirectory() as short:  # socket paths are limited to ~100 bytes
    with socket.socket(socket.AF_UNIX) as server:
      server.bind(os.path.join(short, 'wire.sock'))
      assert outcome(LocalFile(os.path.join(short, 'wire.sock'), short)) == (
          'not_a_regular_file')


def read(element, follow_links=False):
  """What ReadFileFn makes of one element: ('read', first line) or (stage, reason, error)."""
  (output,) = ReadFileFn(1 << 20, follow_links).process(element)
  if isinstance(output, beam.pvalue.TaggedOutput):
    record = output.value
    return record['stage'], record['reason'], record['error']
  return 'read', output.data.split(b'\n')[0].decode()


def test_a_file_swapped_for_a_pipe_after_its_check_is_not_read(tmp_path, monkeypatch):
  drop = tmp_path / 'drop'
  drop.mkdir()
  (drop / 'wire.txt').write_text(WIRE)
  checked = local_files.check

  def swap_after_check(file, follow_links):
    result = checked(file, follow_links)
    os.remove(file.path)
    os.mkfifo(file.path)
    return result

  monkeypatch.setattr(local_files, 'check', swap_after_check)
  assert read(LocalFile(str(drop / 'wire.txt'), str(drop)))[:2] == (
      'read', 'changed_while_read')


@pytest.mark.parametrize('code, reason', [
    (errno.EACCES, 'permission_denied'), (errno.EPERM, 'permission_denied'),
    (errno.EISDIR, 'is_a_directory'), (errno.ENOENT, 'not_found'),
    (errno.EIO, 'io_error'), (errno.ESTALE, 'os_error_estale'), (None, 'read_failed'),
])
def test_every_os_error_while_reading_is_a_read_dead_letter_named_after_its_errno(
    tmp_path, monkeypatch, caplog, code, reason):
  (tmp_path / 'wire.txt').write_text(WIRE)
  opened = os.open

  def failing_open(path, flags, *args, **kwargs):
    if str(path) == str(tmp_path / 'wire.txt'):
      raise OSError(code, os.strerror(code) if code else 'failed')
    return opened(path, flags, *args, **kwargs)

  monkeypatch.setattr(os, 'open', failing_open)
  stage, found, error = read(LocalFile(str(tmp_path / 'wire.txt'), str(tmp_path)))
  assert (stage, found) == ('read', reason)
  assert 'Traceback' not in error and not caplog.records  # nothing logged as a bug


def test_an_unreadable_file_is_permission_denied(tmp_path):
  """As a user the file's mode shuts out (root reads anything, so as nobody when root)."""
  folder = tempfile.mkdtemp()  # reachable by nobody, unlike pytest's tmp_path
  try:
    os.chmod(folder, 0o755)
    path = os.path.join(folder, 'private.txt')
    with open(path, 'w', encoding='utf-8') as f:
      f.write(WIRE)
    os.chmod(path, 0)
    if os.geteuid() != 0:
      assert read(LocalFile(path, folder))[:2] == ('read', 'permission_denied')
      return
    if not shutil.which('setpriv'):
      pytest.skip('running as root without setpriv: no user to be denied')
    script = ('import json, sys\n'
              'from transforms.read.local_files import LocalFile\n'
              'from transforms.read.sources import ReadFileFn\n'
              '(out,) = ReadFileFn(1 << 20).process(LocalFile(sys.argv[1], sys.argv[2]))\n'
              'print(json.dumps([out.value[k] for k in ("stage", "reason", "error")]))\n')
    result = subprocess.run(
        ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', sys.executable,
         '-c', script, path, folder], cwd=REPO, capture_output=True, text=True,
        timeout=120, check=False, env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert result.returncode == 0, result.stderr
    stage, reason, error = json.loads(result.stdout.strip().splitlines()[-1])
    assert (stage, reason, error) == ('read', 'permission_denied', 'Permission denied')
  finally:
    shutil.rmtree(folder)


def test_a_replayed_path_does_not_follow_a_link_out_of_its_folder(tmp_path):
  drop = hostile_folder(tmp_path)
  with test_pipeline.TestPipeline() as p:
    read_back = p | ReadSources([], [], 1 << 20, replayed_paths=[
        str(drop / 'secret-link'), str(drop / 'good.txt')])
    assert_that(read_back[SOURCES] | beam.Map(lambda s: os.path.basename(s.location)),
                equal_to(['good.txt']), label='read')
    assert_that(read_back[DEAD_LETTERS] | beam.Map(lambda d: (d['stage'], d['reason'])),
                equal_to([('read', 'link_outside_input')]), label='dead letters')


def test_the_folder_watcher_reads_each_hostile_entry_once_as_a_dead_letter(tmp_path):
  drop = hostile_folder(tmp_path)
  listing_fn, state = watch._ListNewFilesFn({}), MemoryState()  # pylint: disable=protected-access
  assert list(listing_fn.process((str(drop), None), state=state)) == []  # seen once
  to_read = list(listing_fn.process((str(drop), None), state=state))  # settled
  outcomes = {os.path.relpath(element.path, drop): read(element) for element in to_read}
  assert {name: found[1] if len(found) == 3 else None  # (stage, reason, error)
          for name, found in outcomes.items()} == EXPECTED
  assert list(listing_fn.process((str(drop), None), state=state)) == []  # read once


def run_wirebeam(*args):
  return subprocess.run([sys.executable, '-m', 'pipeline', '--no-entities', *args],
                        cwd=REPO, capture_output=True, text=True, timeout=300, check=False)


def read_avro(output, folder):
  records = []
  for path in sorted((output / folder).glob('*.avro')):
    with open(path, 'rb') as f:
      records.extend(fastavro.reader(f))
  return records


@pytest.mark.e2e
def test_a_folder_of_hostile_entries_reads_the_good_files_and_accounts_for_all(tmp_path):
  drop = hostile_folder(tmp_path)
  output = tmp_path / 'out'
  result = run_wirebeam('--input', str(drop), '--output', str(output))  # no hang on the pipe
  assert result.returncode == 0, result.stderr
  items = read_avro(output, 'items')
  assert sorted(item['headline'] for item in items) == [
      'Budget agreed', 'Nested budget agreed', 'Nested budget agreed']
  dead_letters = read_avro(output, 'dead_letters')
  assert sorted((os.path.basename(d['source']), d['stage'], d['reason'])
                for d in dead_letters) == sorted(
      (name, 'read', reason) for name, reason in EXPECTED.items() if reason)
  assert 'files 8' in result.stdout
  assert 'inputs        8 = items + re-sightings + dead letters: every input accounted for' in (
      result.stdout)
  # Asked for, the link out of the folder is read.
  result = run_wirebeam('--input', str(drop), '--output', str(tmp_path / 'followed'),
                        '--follow-links')
  assert result.returncode == 0, result.stderr
  assert 'Secret headline' in {item['headline']
                               for item in read_avro(tmp_path / 'followed', 'items')}
