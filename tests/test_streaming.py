"""Streaming parts: event time and lateness, windowed Avro files, folder watching."""
import argparse
import datetime
import glob
import os
import threading
import time

import apache_beam as beam
import fastavro
import pytest
from apache_beam.io.filesystem import BeamIOError
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing import test_stream
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.transforms.window import TimestampedValue
from apache_beam.utils.timestamp import Timestamp
from conftest import MemoryState, TicksUntil, stop_when, wait_for
from test_end_to_end import read_fastavro

import schemas
from pipeline.options import duration
from transforms.entry import ParsedEntry
from transforms.normalize.record import normalize_entry
from transforms.output_folder import paths_already_read, window_file_name
from transforms.parse.entries import parse_source
from transforms.read import watch
from transforms.read.watch import FolderState, WatchFolders, settle
from transforms.tags import DEAD_LETTERS, ITEMS, SOURCES
from transforms.window import LATE_DATA, FixedEventWindows, StampEventTime, seconds_late
from transforms.write import WriteWindowedRecords

UTC = datetime.timezone.utc
NOON = datetime.datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def record(uri, versioncreated=NOON, received_at=NOON, body='A story.'):
  entry = ParsedEntry(
      format='json_feed', source='/drop/feed.json', position=0, raw=b'{}', guid=uri,
      link=f'https://wire.example/{uri}', title=f'Headline {uri}', body=body,
      versioncreated_raw=versioncreated.isoformat() if versioncreated else None,
      received_at=received_at)
  return normalize_entry(entry, 1 << 20)


def at(moment: datetime.datetime) -> Timestamp:
  return Timestamp.from_utc_datetime(moment)


def streaming_pipeline():
  return beam.Pipeline(options=PipelineOptions(streaming=True))


def test_durations_take_units():
  assert [duration(text) for text in ('90', '90s', '5m', '2h', '7d', '0.5s')] == [
      90, 90, 300, 7200, 604800, 0.5]
  for bad in ('', 'soon', '-5s', '0', '5w'):
    with pytest.raises(argparse.ArgumentTypeError, match='not a duration'):
      duration(bad)


def test_lateness_is_event_time_behind_arrival():
  item = record('a', versioncreated=NOON)
  assert seconds_late(item, at(NOON + datetime.timedelta(minutes=10))) == 600
  assert seconds_late(item, at(NOON - datetime.timedelta(minutes=10))) == 0
  undated = record('b', versioncreated=None, received_at=NOON)
  assert undated['versioncreated'] is None
  assert seconds_late(undated, at(NOON + datetime.timedelta(seconds=5))) == 5


def test_items_later_than_allowed_are_dead_letters_that_replay():
  on_time = record('on-time', versioncreated=NOON - datetime.timedelta(minutes=5))
  late = record('late', versioncreated=NOON - datetime.timedelta(hours=3))
  with streaming_pipeline() as p:
    stream = (test_stream.TestStream()
              .advance_watermark_to(at(NOON - datetime.timedelta(minutes=1)))
              .add_elements([TimestampedValue(on_time, at(NOON)),
                             TimestampedValue(late, at(NOON))])
              .advance_watermark_to(at(NOON + datetime.timedelta(hours=1)))
              .advance_watermark_to_infinity())
    stamped = p | stream | StampEventTime(allowed_lateness=3600)
    assert_that(stamped[ITEMS] | 'Uris' >> beam.Map(lambda r: r['uri']),
                equal_to([on_time['uri']]), label='OnTime')
    late_letters = stamped[DEAD_LETTERS] | beam.Map(
        lambda d: (d['stage'], d['reason'], parse_source(d['source'], d['raw'])[0].guid))
    assert_that(late_letters, equal_to([('window', LATE_DATA, late['uri'])]), label='Late')


def test_items_carry_their_event_time():
  item = record('a', versioncreated=NOON - datetime.timedelta(minutes=5))
  with streaming_pipeline() as p:
    stream = (test_stream.TestStream().add_elements([TimestampedValue(item, at(NOON))])
              .advance_watermark_to_infinity())
    stamped = p | stream | StampEventTime(allowed_lateness=3600)
    times = stamped[ITEMS] | beam.Map(
        lambda r, t=beam.DoFn.TimestampParam: t.to_utc_datetime().replace(tzinfo=UTC))
    assert_that(times, equal_to([NOON - datetime.timedelta(minutes=5)]))


def test_window_file_names_carry_window_and_pane():
  window = beam.window.IntervalWindow(at(NOON), at(NOON + datetime.timedelta(minutes=1)))
  assert window_file_name('run1', window, 2, 3) == (
      'run1-20261128T120000Z-20261128T120100Z-pane2-003.avro')


def test_each_pane_of_a_window_is_a_file_of_its_own_and_late_items_are_kept(tmp_path):
  first = record('first', versioncreated=NOON)
  second = record('second', versioncreated=NOON + datetime.timedelta(seconds=10))
  late = record('late', versioncreated=NOON + datetime.timedelta(seconds=20))
  next_minute = record('next', versioncreated=NOON + datetime.timedelta(seconds=70))
  with streaming_pipeline() as p:
    stream = (test_stream.TestStream()
              .advance_watermark_to(at(NOON))
              .add_elements([TimestampedValue(r, at(r['versioncreated']))
                             for r in (first, second, next_minute)])
              .advance_watermark_to(at(NOON + datetime.timedelta(minutes=5)))
              .add_elements([TimestampedValue(late, at(late['versioncreated']))])
              .advance_watermark_to_infinity())
    _ = (p | stream
         | FixedEventWindows(size=60, allowed_lateness=3600)
         | WriteWindowedRecords(schemas.WIRE_ITEM, {'avro': str(tmp_path)}, 'run1', 'deflate',
                                shard_key=lambda r: r['uri'], shards=1))
  files = sorted(os.path.basename(path) for path in glob.glob(str(tmp_path / '*.avro')))
  assert files == ['run1-20261128T120000Z-20261128T120100Z-pane0-000.avro',
                   'run1-20261128T120000Z-20261128T120100Z-pane1-000.avro',
                   'run1-20261128T120100Z-20261128T120200Z-pane0-000.avro']
  by_file = {name: sorted(r['uri'] for r in read_fastavro([str(tmp_path / name)]))
             for name in files}
  assert list(by_file.values()) == [sorted([first['uri'], second['uri']]), [late['uri']],
                                    [next_minute['uri']]]
  assert not glob.glob(str(tmp_path / '*.tmp*')), 'temporary files left in the folder'


def test_a_file_is_read_once_it_has_settled_and_never_again():
  state = FolderState()
  to_read, state = settle(state, [('/d/a.xml', 10, 1.0)])
  assert to_read == []  # seen once: it may still be being written
  to_read, state = settle(state, [('/d/a.xml', 20, 2.0)])
  assert to_read == []  # it grew
  to_read, state = settle(state, [('/d/a.xml', 20, 2.0), ('/d/.partial', 5, 2.0)])
  assert to_read == ['/d/a.xml']
  to_read, state = settle(state, [('/d/a.xml', 30, 3.0)])
  to_read2, state = settle(state, [('/d/a.xml', 30, 3.0)])
  assert to_read == to_read2 == []  # rewritten in place: read once all the same
  to_read, state = settle(state, [])  # deleted: forgotten
  to_read, state = settle(state, [('/d/a.xml', 7, 4.0)])
  to_read, state = settle(state, [('/d/a.xml', 7, 4.0)])
  assert to_read == ['/d/a.xml']  # a new file of the same name


def test_files_read_by_earlier_runs_are_not_read_again():
  state = FolderState(frozenset({'/d/old.xml'}))
  for _ in range(2):
    to_read, state = settle(state, [('/d/old.xml', 10, 1.0), ('/d/new.xml', 10, 1.0)])
  assert to_read == ['/d/new.xml']


READ_SO_FAR = []  # basenames of the files the watcher read, as it reads them


def note_read(source):
  READ_SO_FAR.append(os.path.basename(source.location))


def test_watched_folder_reads_each_file_arriving_during_the_run_once(tmp_path):
  drop = tmp_path / 'drop'
  drop.mkdir()
  (drop / 'before.txt').write_text('Before\n\nMOSCOW, Nov 28 - Text one.')
  (drop / 'earlier-run.txt').write_text('Earlier\n\nText read by an earlier run.')
  READ_SO_FAR.clear()

  def deliver():
    """Each step once the watcher read what the last one delivered, however long it took."""
    wait_for(lambda: 'before.txt' in READ_SO_FAR)
    (drop / 'during.txt').write_text('During\n\nText two.')
    (drop / '.during.txt.part').write_text('an upload in progress')
    wait_for(lambda: 'during.txt' in READ_SO_FAR)
    (drop / 'before.txt').write_text('Before, rewritten in place\n\nText one again.')
    nested = drop / 'sub'
    nested.mkdir()
    (nested / 'nested.txt').write_text('Nested\n\nText three.')

  delivery = threading.Thread(target=deliver, daemon=True)
  # The listings that settle nested.txt also show before.txt rewritten: by
  # the time nested.txt is read, a second read of before.txt would have been too.
  stop_when(lambda: 'nested.txt' in READ_SO_FAR, tmp_path / 'stop')
  start = time.time()
  with beam.Pipeline() as p:
    ticks = p | TicksUntil(tmp_path / 'stop', start_timestamp=start,
                           stop_timestamp=start + 120, fire_interval=0.25)
    read = ticks | WatchFolders([str(drop)], 1 << 20,
                                {str(drop): [str(drop / 'earlier-run.txt')]})
    delivery.start()
    _ = read[SOURCES] | 'NoteRead' >> beam.Map(note_read)
    names = read[SOURCES] | beam.Map(lambda s: (os.path.basename(s.location),
                                                s.data.split(b'\n')[0]))
    assert_that(names, equal_to([('before.txt', b'Before'), ('during.txt', b'During'),
                                 ('nested.txt', b'Nested')]), label='ReadOnce')
    assert_that(read[DEAD_LETTERS], equal_to([]), label='NoFailures')
  delivery.join()


def test_a_restarted_job_knows_the_files_its_outputs_record(tmp_path):
  drop, output = tmp_path / 'drop', tmp_path / 'out'
  read_before = record('read-before')
  read_before['source']['location'] = str(drop / 'a.txt')
  elsewhere = record('elsewhere')
  elsewhere['source']['location'] = str(tmp_path / 'other' / 'b.txt')
  member = record('member')  # its archive was read
  member['source']['location'] = str(drop / 'bundle.zip') + '!story.xml'
  (output / 'items').mkdir(parents=True)
  (output / 'dead_letters').mkdir()
  with open(output / 'items' / 'run-x.avro', 'wb') as f:
    fastavro.writer(f, schemas.parsed_schema(schemas.WIRE_ITEM), [read_before, elsewhere, member])
  failed = {'stage': 'parse', 'reason': 'no_entries', 'error': 'empty', 'format': None,
            'source': str(drop / 'sub' / 'c.xml'), 'position': None, 'raw': b'',
            'failed_at': NOON}
  with open(output / 'dead_letters' / 'run-x.avro', 'wb') as f:
    fastavro.writer(f, schemas.parsed_schema(schemas.DEAD_LETTER), [failed])
  # A batch run into the same folder saw d.xml's items again, in a compacted generation.
  seen = {'uri': 'u', 'version': None, 'content_hash': 'h', 'duplicate_of': 'u',
          'seen_at': NOON, 'received_at': NOON,
          'source': {'format': 'rss', 'location': str(drop / 'd.xml'), 'position': 0}}
  generation = output / 'resightings' / 'compacted-run-y'
  generation.mkdir(parents=True)
  (generation / 'MANIFEST.json').write_text('{"replaced_runs": []}')
  with open(generation / 'part-00000.avro', 'wb') as f:
    fastavro.writer(f, schemas.parsed_schema(schemas.RESIGHTING), [seen])
  assert paths_already_read(str(output), [str(drop)]) == {
      str(drop): [str(drop / 'a.txt'), str(drop / 'bundle.zip'), str(drop / 'bundle.zip') + '!story.xml',
                  str(drop / 'd.xml'), str(drop / 'sub' / 'c.xml')]}
  assert paths_already_read(str(tmp_path / 'nothing-yet'), [str(drop)]) == {str(drop): []}


def test_a_folder_that_cannot_be_listed_keeps_its_state_until_it_can(monkeypatch):
  listing_fn, state = watch._ListNewFilesFn({}), MemoryState()  # pylint: disable=protected-access
  state.write(FolderState(frozenset({'/d/read.xml'})))

  def unreachable(folder, follow_links=False):
    raise BeamIOError(f'cannot list {folder}', {})

  monkeypatch.setattr(watch, 'list_folder', unreachable)
  assert list(listing_fn.process(('/d', None), state=state)) == []
  assert state.read() == FolderState(frozenset({'/d/read.xml'}))
