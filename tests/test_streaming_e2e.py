"""The real command in streaming mode: a local feed server and a watched folder
that both receive new items while the job runs (`--streaming --stop-after`)."""
import datetime
import glob
import json
import os
import pathlib
import subprocess
import sys
import threading
import time

import fastavro
import pytest

from tests.conftest import Route

REPO = pathlib.Path(__file__).parents[1]
DEADLINE = 120  # seconds: only bounds a hang

# The command, but its clock (PeriodicImpulse) ticks until the file named by
# WIREBEAM_TEST_STOP exists, then twice more at once, rather than for a time:
# a slow machine makes the run longer, not different. --stop-after still ends it.
COMMAND_UNTIL_STOP_FILE = """
import functools, os, runpy
from apache_beam.transforms import periodicsequence
from tests.conftest import TicksUntil
periodicsequence.PeriodicImpulse = functools.partial(
    TicksUntil, os.environ['WIREBEAM_TEST_STOP'], then=2)
runpy.run_module('pipeline', run_name='__main__', alter_sys=True)
"""


def rss_feed(items):
  body = ''.join(
      f'<item><guid isPermaLink="false">{guid}</guid><title>{title}</title>'
      f'<description>{text}</description><pubDate>{date}</pubDate></item>'
      for guid, title, text, date in items)
  return (f'<rss version="2.0"><channel><title>Local wire</title>'
          f'<link>http://wire.example/</link><language>en</language>{body}'
          f'</channel></rss>').encode()


def read_folder(output, folder):
  records = []
  for path in sorted(glob.glob(os.path.join(output, folder, '*.avro'))):
    with open(path, 'rb') as f:
      records.extend(fastavro.reader(f))
  return records


def wait_for(condition, timeout=60.0):
  deadline = time.monotonic() + timeout
  while not condition():
    if time.monotonic() > deadline:
      raise TimeoutError('the streaming job never got there')
    time.sleep(0.1)


@pytest.mark.e2e
def test_streaming_run_writes_every_item_once(tmp_path, feed_server):
  now = datetime.datetime.now(datetime.timezone.utc)
  def date(minutes):
    return (now - datetime.timedelta(minutes=minutes)).strftime(
        '%a, %d %b %Y %H:%M:%S GMT')
  first = [('w-1', 'Port reopens after storm', 'The port reopened on Monday after '
            'the storm that closed it for three days, the harbour master said.', date(5)),
           ('w-2', 'Central bank holds rates', 'The central bank kept its main rate '
            'unchanged for a third meeting in a row, citing slowing inflation.', date(4))]
  later = [('w-3', 'Rail strike called off', 'Unions called off the rail strike planned '
            'for Friday after the government raised its pay offer.', date(1))]
  dateline = f'{now:%b} {now.day}'  # today: a dateline date has no time or year
  ancient = [('w-0', 'Old story', 'A story from the day before yesterday.', date(3000))]
  # A new item from the second request on, however late that comes.
  feed_server.routes['/wire.xml'] = [
      Route(200, rss_feed(first + ancient), {'Content-Type': 'application/rss+xml'}),
      Route(200, rss_feed(first + later + ancient), {'Content-Type': 'application/rss+xml'})]
  feeds = tmp_path / 'feeds.txt'
  feeds.write_text(f'{feed_server.url("/wire.xml")} interval=1\n')
  drop = tmp_path / 'drop'
  drop.mkdir()
  (drop / 'before.txt').write_text(
      f'Grain harvest up a fifth\n\nKYIV, {dateline} (Reuters) - The grain harvest rose by a '
      'fifth this year, the ministry said on Friday.')
  output = tmp_path / 'out'
  stop = tmp_path / 'stop'
  left_by_a_killed_run = output / 'items' / '.temp-20260101T000000.000000Z'
  left_by_a_killed_run.mkdir(parents=True)
  (left_by_a_killed_run / 'half-written.avro').write_bytes(b'Obj')

  def deliver():
    """Once the job polls, a file lands in the folder; once the job has polled
    again (and got the new item), it stops: its last two ticks list the folder."""
    wait_for(lambda: feed_server.requests, timeout=DEADLINE)
    (drop / '.during.txt.part').write_text('an upload in progress')
    (drop / 'during.txt').write_text(
        f'Airline orders jets\n\nPARIS, {dateline} (AFP) - The airline ordered forty jets '
        'for its short-haul routes, it said on Friday.')
    wait_for(lambda: len(feed_server.requests) >= 2, timeout=DEADLINE)
    stop.touch()

  delivery = threading.Thread(target=deliver, daemon=True)
  delivery.start()
  result = subprocess.run(
      [sys.executable, '-c', COMMAND_UNTIL_STOP_FILE, '--streaming', '--feeds', str(feeds),
       '--watch', str(drop), '--output', str(output), '--stop-after', f'{DEADLINE}s',
       '--watch-interval', '0.5s', '--poll-interval', '1s', '--window', '1m',
       '--allowed-lateness', '1d', '--split-duplicates'],
      cwd=REPO, capture_output=True, text=True, timeout=300, check=False,
      env={**os.environ, 'WIREBEAM_TEST_STOP': str(stop)})
  delivery.join(timeout=1)
  assert result.returncode == 0, result.stderr[-3000:]
  assert 'every input accounted for' in result.stdout, result.stdout
  assert not left_by_a_killed_run.exists()  # cleaned before the job started

  items = read_folder(output, 'items')
  headlines = sorted(item['headline'] for item in items)
  assert headlines == sorted(['Port reopens after storm', 'Central bank holds rates',
                              'Rail strike called off', 'Grain harvest up a fifth',
                              'Airline orders jets'])
  assert all(item['is_canonical'] for item in items)
  assert {'Reuters', 'Paris'} <= {entity['name'] for item in items
                                 for entity in item['entities']}
  duplicates = read_folder(output, 'duplicates')
  assert {d['duplicate_reason'] for d in duplicates} <= {'resighting'}
  assert {d['headline'] for d in duplicates} <= {'Port reopens after storm',
                                                'Central bank holds rates'}
  dead_letters = read_folder(output, 'dead_letters')
  # The two-day-old item, once per changed body of its feed: every sighting counts.
  assert {(d['reason'], d['stage'], json.loads(d['raw'])['items'][0]['id'])
          for d in dead_letters} == {('late_data', 'window', 'urn:wirebeam:guid:wire.example:w-0')}
  assert len(dead_letters) == 2
  names = [os.path.basename(path) for path in glob.glob(str(output / '*' / '*'))]
  assert all(name.endswith('.avro') and '-pane' in name for name in names), names
  assert len(feed_server.requests) >= 2  # polled again, and saw the new item


@pytest.mark.e2e
def test_streaming_command_line_errors_are_clear(tmp_path):
  def run(*args):
    return subprocess.run([sys.executable, '-m', 'pipeline', '--streaming', *args],
                          cwd=REPO, capture_output=True, text=True, timeout=120,
                          check=False)
  for args, message in (
      ((), 'needs feeds to poll'),
      (('--input', str(tmp_path)), '--input: for batch runs only'),
      (('--watch', str(tmp_path / 'missing')), 'no such folder'),
      (('--watch', str(tmp_path), '--window', 'soon'), 'not a duration')):
    result = run('--no-entities', *args)
    assert result.returncode == 2 and message in result.stderr, (args, result.stderr)


def test_an_endless_local_streaming_job_says_what_to_expect(tmp_path):
  """Offline, nothing is written until reading stops: the user is told at start."""
  process = subprocess.Popen(
      [sys.executable, '-m', 'pipeline', '--streaming', '--watch', str(tmp_path),
       '--output', str(tmp_path / 'out'), '--no-entities'],
      cwd=REPO, stderr=subprocess.PIPE, text=True)
  lines = []

  def read_stderr():
    for line in process.stderr:
      lines.append(line)

  threading.Thread(target=read_stderr, daemon=True).start()
  try:
    wait_for(lambda: any('--stop-after' in line for line in lines))
  finally:
    process.kill()
    process.wait()
