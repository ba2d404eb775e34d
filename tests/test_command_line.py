"""The command line cannot pollute an output folder, and tells schedulers what happened.

Each case runs the real command and checks its exit status and what it
wrote (nothing, for a mistake).
"""
import json
import pathlib
import socket
import subprocess
import sys

import pytest

from pipeline import progress
from pipeline.summary import format_summary, summary

REPO = pathlib.Path(__file__).parents[1]
SEED = REPO / 'seeds' / 'rss-sample.xml'


def wirebeam(*args):
  return subprocess.run([sys.executable, '-m', 'pipeline', *args], cwd=REPO,
                        capture_output=True, text=True, timeout=300, check=False)


def closed_port() -> int:
  """A port on 127.0.0.1 where nothing listens."""
  with socket.socket() as sock:
    sock.bind(('127.0.0.1', 0))
    return sock.getsockname()[1]


@pytest.fixture
def folders(tmp_path):
  (tmp_path / 'in').mkdir()
  (tmp_path / 'in' / 'feed.xml').write_bytes(SEED.read_bytes())
  (tmp_path / 'empty').mkdir()
  (tmp_path / 'empty' / '.hidden').write_text('a dot-file is not an input')
  (tmp_path / 'empty.txt').write_text('')
  (tmp_path / 'not-a-url.txt').write_text('# my feeds\nnot a url\n')
  (tmp_path / 'a-file').write_text('')
  return tmp_path


@pytest.mark.e2e
@pytest.mark.parametrize('args, message', [
    (('--inptu', '{in}'), 'unknown option --inptu; did you mean --input?'),
    (('--inp', '{in}'), 'unknown option --inp; did you mean --input?'),
    (('{in}',), "unexpected '{in}': give inputs with --input PATH"),
    (('--feeds', '{tmp}/empty.txt'), '--feeds {tmp}/empty.txt: no feed URL in it'),
    (('--feeds', '{tmp}/not-a-url.txt'),
     "line 2: only http and https URLs are fetched, not 'not'"),
    (('--watch', '{in}'), '--watch: for streaming runs only (add --streaming)'),
    (('--stop-after', '30s'), '--stop-after: for streaming runs only (add --streaming)'),
    (('--streaming', '--input', '{in}', '--no-entities'), '--input: for batch runs only'),
    (('--input', '{tmp}/empty'), '--input {tmp}/empty: the folder has no file to read'),
    (('--input', '{tmp}/in/*.json'), '--input {tmp}/in/*.json: no file matches'),
    (('--input', '{in}', '--fetch-timeout', 'soon'), "'soon' is not a duration"),
    (('--input', '{in}', '--max-entries-per-source', '0'),
     "'0' is not a number of entries (1 or more)"),
], ids=['typo', 'abbreviation', 'stray word', 'empty feed list', 'feed list line',
        'watch without streaming', 'stop-after without streaming', 'input with streaming',
        'empty folder', 'glob matching nothing', 'bad duration', 'no entries'])
def test_a_mistake_is_a_usage_error_and_writes_nothing(folders, args, message):
  def filled(text):
    return text.format(tmp=folders, **{'in': folders / 'in'})

  output = folders / 'out'
  result = wirebeam(*map(filled, args), '--output', str(output))
  assert result.returncode == 2, result.stderr
  assert filled(message) in result.stderr
  assert not output.exists()  # neither the seeds nor anything else went there


@pytest.mark.e2e
def test_an_output_that_is_a_file_is_a_usage_error(folders):
  result = wirebeam('--input', str(folders / 'in'), '--output', str(folders / 'a-file'))
  assert result.returncode == 2
  assert f'--output {folders / "a-file"}: it is a file, not a folder' in result.stderr


@pytest.mark.e2e
def test_a_run_that_reads_no_source_exits_3_with_its_dead_letters(tmp_path):
  feeds = tmp_path / 'feeds.txt'
  feeds.write_text(f'http://127.0.0.1:{closed_port()}/feed.xml\n'
                   f'http://127.0.0.1:{closed_port()}/other.xml\n')
  result = wirebeam('--feeds', str(feeds), '--output', str(tmp_path / 'out'),
                    '--no-entities', '--fetch-timeout', '5s')
  assert result.returncode == 3, result.stderr
  assert 'no source could be read: every one failed' in result.stderr
  assert 'read.fetch_failed 2' in result.stdout
  assert 'warning       no source could be read: every one failed' in result.stdout
  assert len(list((tmp_path / 'out' / 'dead_letters').glob('*.avro'))) == 1
  assert not list((tmp_path / 'out').glob('items/*.avro'))


@pytest.mark.e2e
def test_a_run_says_how_long_it_took_and_writes_a_summary_for_machines(folders):
  output, summary = folders / 'out', folders / 'summary.json'
  result = wirebeam('--input', str(folders / 'in'), '--output', str(output),
                    '--no-entities', '--summary-json', str(summary),
                    '--direct_num_workers=1')  # one of Beam's own options
  assert result.returncode == 0, result.stderr
  values = json.loads(summary.read_text())
  assert (values['items'], values['inputs'], values['accounted_for']) == (3, 3, True)
  assert values['cleaned'] == 0 and 'cleaned' not in result.stdout
  assert values['seconds'] > 0 and values['entries_per_second'] > 0
  (items_file,) = values['files']['items']
  assert f'    items:        {items_file}' in result.stdout.splitlines()
  assert f'{values["seconds"]:.1f} s, ' in result.stdout
  assert 'Discarding unparseable args' not in result.stderr


def test_help_lists_every_option_in_groups():
  result = wirebeam('--help')
  assert result.returncode == 0
  for text in ('inputs:', 'outputs:', 'stages:', 'streaming:', 'limits:', '--streaming',
               '--summary-json', '--wait-for-lock', 'Exit status: 0', 'multi_processing',
               'DIR/dedup_index/'):
    assert text in result.stdout, text


def test_each_worker_prints_its_progress_at_most_every_interval(monkeypatch, capsys):
  clock = [100.0]
  monkeypatch.setattr(progress.time, 'monotonic', lambda: clock[0])
  tally = progress._Tally()  # pylint: disable=protected-access
  for _ in range(3):
    tally.add(progress.ENTRIES)
  assert capsys.readouterr().err == ''  # not yet: no interval has gone by
  clock[0] += progress.INTERVAL
  tally.add(progress.ITEMS)
  line = capsys.readouterr().err
  assert line.endswith('3 entries read, 1 items written, 0 dead letters written '
                       '(1 entries/s over 5 s)\n')
  tally.add(progress.ITEMS)
  assert capsys.readouterr().err == ''


def test_the_summary_says_how_many_folders_of_stopped_runs_were_cleaned():
  values = summary({}, {'items': []}, 1.0, cleaned=2)
  assert values['cleaned'] == 2
  assert '  cleaned       2 folders left by earlier stopped runs' in (
      format_summary(values).splitlines())
  assert 'cleaned' not in format_summary(summary({}, {'items': []}, 1.0))


def _command_with_main(main_body: str):
  """``pipeline.cli.command`` in a fresh interpreter, ``main`` replaced by ``main_body``."""
  script = ('import atexit, sys\n'
            'from pipeline import cli\n'
            f'def main():\n    {main_body}\n'
            'cli.main = main\n'
            'sys.exit(cli.command())\n')
  return subprocess.run([sys.executable, '-c', script], cwd=REPO, capture_output=True,
                        text=True, timeout=60, check=False)


def test_the_command_exits_with_mains_status_after_every_exit_handler():
  # A handler registered during the run (as Beam's and the models' are), and
  # output still in the buffers, when the process ends without its teardown.
  result = _command_with_main("atexit.register(print, 'handler ran'); "
                              "print('summary', end=''); return 3")
  assert result.returncode == 3
  assert result.stdout == 'summaryhandler ran\n'


def test_an_exception_in_the_command_ends_the_usual_way():
  result = _command_with_main("raise RuntimeError('broken')")
  assert result.returncode == 1
  assert 'RuntimeError: broken' in result.stderr
