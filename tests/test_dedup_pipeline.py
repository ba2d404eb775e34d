"""The dedup stage in pipelines: every reason, determinism, runs that follow runs."""
import glob
import json
import os
import pathlib
import random
import shutil
import subprocess
import sys

import apache_beam as beam
import fastavro
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing import test_pipeline
from apache_beam.testing.util import assert_that, equal_to

from pipeline.batch import IngestWireItems
from pipeline.options import WirebeamOptions
from pipeline.run import resolve_file_patterns
from transforms.dedup.batch import DeduplicateItems
from transforms.dedup.settings import DedupSettings
from transforms.tags import ITEMS

REPO = pathlib.Path(__file__).parents[1]
STORY = ('Ministers of the twenty member states agreed on Monday on a common budget '
         'for next year after two days of talks in Brussels, officials said. The '
         'agreement raises spending on transport and research and cuts farm subsidies, '
         'which several countries had defended until the last night of the talks. '
         'The deal still needs the approval of the parliament, which is expected to '
         'vote on it before the end of the month. ')
OTHER_STORY = ('A storm hit the northern coast overnight, cutting power to thousands of '
               'homes and closing the main port until further notice, the authorities said.')


def rss(items):
  """An RSS 2.0 feed of (guid, link, title, description, pubDate) items."""
  body = ''.join(
      f'<item><guid isPermaLink="false">{g}</guid><link>{link}</link><title>{t}</title>'
      f'<description>{d}</description><pubDate>{p}</pubDate></item>'
      for g, link, t, d, p in items)
  return (f'<rss version="2.0"><channel><title>f</title><link>https://f.example/</link>'
          f'<language>en</language>{body}</channel></rss>').encode()


def ninjs(uri, version, minute, headline, body):
  return {'uri': uri, 'version': version, 'type': 'text', 'language': 'en',
          'versioncreated': f'2026-11-27T10:{minute:02d}:00Z', 'headline': headline,
          'body_text': body}


def write_dedup_inputs(folder: pathlib.Path):
  """One item per dedup reason, spread over files as it happens in practice."""
  day = 'Fri, 27 Nov 2026 10:{:02d}:00 GMT'.format
  (folder / 'feed-a.xml').write_bytes(rss([
      ('a-1', 'https://f.example/budget', 'Ministers agree on budget', STORY, day(0)),
      ('a-2', 'https://f.example/storm', 'Storm hits coast', OTHER_STORY, day(1)),
  ]))
  (folder / 'feed-b.xml').write_bytes(rss([
      ('a-1', 'https://f.example/budget', 'Ministers agree on budget', STORY, day(0)),
      ('b-7', 'https://f.example/budget?utm_source=b', 'Budget deal reached', STORY + ' More.',
       day(3)),
      ('b-8', 'https://b.example/x', 'Ministers agree on budget - paper', STORY, day(4)),
      ('b-9', 'https://b.example/y', 'Ministers agree on budget',
       STORY.replace('officials said', 'diplomats said'), day(5)),
      ('b-10', 'https://b.example/z', 'UPDATE 1-Ministers agree on budget',
       STORY + 'Finance ministers will meet again in March to review the deal, they said.',
       day(6)),
  ]))
  (folder / 'versions.json').write_text(json.dumps([
      ninjs('urn:n:1', '2', 30, 'Port reopens after storm', 'The port reopened on Saturday.'),
      ninjs('urn:n:1', '1', 20, 'Port stays closed after storm', 'The port stayed closed.'),
  ]))


EXPECTED = {
    # (feed, guid) of the item: (is_canonical, reason, duplicate_of)
    'urn:wirebeam:guid:f.example:a-1': [(True, None, None), (False, 'resighting',
                                                               'urn:wirebeam:guid:f.example:a-1')],
    'urn:wirebeam:guid:f.example:a-2': [(True, None, None)],
    'urn:wirebeam:guid:f.example:b-7': [(False, 'same_url', 'urn:wirebeam:guid:f.example:a-1')],
    'urn:wirebeam:guid:f.example:b-8': [(False, 'same_body', 'urn:wirebeam:guid:f.example:a-1')],
    'urn:wirebeam:guid:f.example:b-9': [(False, 'near_duplicate', 'urn:wirebeam:guid:f.example:a-1')],
    'urn:wirebeam:guid:f.example:b-10': [(False, 'new_version', 'urn:wirebeam:guid:f.example:a-1')],
    'urn:n:1': [(True, None, None), (False, 'new_version', 'urn:n:1')],
}


def verdict_rows(records):
  return sorted((r['uri'], r['is_canonical'], r['duplicate_reason'], r['duplicate_of'])
                for r in records)


def expected_rows():
  return sorted((uri, *verdict) for uri, verdicts_ in EXPECTED.items() for verdict in verdicts_)


def test_every_reason_is_found_through_the_pipeline(tmp_path):
  write_dedup_inputs(tmp_path)
  options = PipelineOptions([])
  with test_pipeline.TestPipeline(options=options) as p:
    items = p | IngestWireItems(resolve_file_patterns([str(tmp_path)]), [],
                                options.view_as(WirebeamOptions))
    deduped = items[ITEMS] | DeduplicateItems(DedupSettings())
    assert_that(deduped | beam.Map(
        lambda r: (r['uri'], r['is_canonical'], r['duplicate_reason'], r['duplicate_of'])),
                equal_to(expected_rows()))


def records_of(folder):
  """Records as the pipeline makes them, read back from a run's Avro output."""
  records = []
  for path in sorted(glob.glob(os.path.join(folder, 'items', '*.avro'))):
    with open(path, 'rb') as f:
      records.extend(fastavro.reader(f))
  return records


def run_wirebeam(*args):
  result = subprocess.run([sys.executable, '-m', 'pipeline', *args], cwd=REPO,
                          capture_output=True, text=True, timeout=300, check=False)
  assert result.returncode == 0, result.stderr
  return result.stdout


@pytest.fixture(scope='module')
def dedup_inputs(tmp_path_factory):
  folder = tmp_path_factory.mktemp('dedup-in')
  write_dedup_inputs(folder)
  return folder


@pytest.fixture(scope='module')
def one_worker_records(dedup_inputs, tmp_path_factory):
  output = tmp_path_factory.mktemp('one-worker')
  run_wirebeam('--input', str(dedup_inputs), '--output', str(output), '--no-dedup-index')
  return records_of(output)


@pytest.mark.parametrize('seed', [1, 2, 3])
def test_verdicts_do_not_depend_on_input_order(one_worker_records, seed):
  records = [dict(r) for r in one_worker_records]
  random.Random(seed).shuffle(records)
  for record in records:
    record.update(is_canonical=True, duplicate_of=None, duplicate_reason=None,
                  duplicate_similarity=None, previous_version=None)
  with test_pipeline.TestPipeline() as p:
    deduped = (p | beam.Create(records, reshuffle=True)
               | DeduplicateItems(DedupSettings()))
    assert_that(deduped | beam.Map(
        lambda r: (r['uri'], r['is_canonical'], r['duplicate_reason'], r['duplicate_of'])),
                equal_to(expected_rows()))


def comparable(records):
  return sorted(json.dumps(r, sort_keys=True, default=str) for r in records)


@pytest.mark.e2e
def test_two_worker_processes_give_the_same_records_as_one(dedup_inputs, one_worker_records,
                                                          tmp_path):
  one = one_worker_records
  two_folder = tmp_path / 'two'
  run_wirebeam('--input', str(dedup_inputs), '--output', str(two_folder),
               '--no-dedup-index', '--direct_num_workers=2',
               '--direct_running_mode=multi_processing')
  assert verdict_rows(one) == expected_rows()
  assert comparable(records_of(two_folder)) == comparable(one)


def read_folder(output, folder):
  records = []
  for path in sorted(glob.glob(str(output / folder / '*.avro'))):
    with open(path, 'rb') as f:
      records.extend(fastavro.reader(f))
  return records


@pytest.mark.e2e
def test_a_second_run_records_what_it_saw_again_without_enriching_it(dedup_inputs, tmp_path):
  output, full = tmp_path / 'out', tmp_path / 'full'
  first = run_wirebeam('--input', str(dedup_inputs), '--output', str(output),
                       '--split-duplicates')
  assert 'items         9 (3 canonical)' in first
  shutil.copytree(output, full)
  second = run_wirebeam('--input', str(dedup_inputs), '--output', str(output),
                        '--split-duplicates')
  assert 'items         0 (0 canonical)' in second
  assert 're-sightings  9 (published before' in second
  assert 'resighting 9' in second and 'every input accounted for' in second
  assert 'languages     none' in second and 'entities      found 0' in second
  # Nothing new was published: no new items, duplicates or index rows.
  for folder in ('items', 'duplicates', 'dedup_index'):
    assert len(glob.glob(str(output / folder / '*.avro'))) == 1, folder
  sightings = read_folder(output, 'resightings')
  # The same verdicts as the full records that --write-resightings writes.
  as_before = run_wirebeam('--input', str(dedup_inputs), '--output', str(full),
                           '--split-duplicates', '--write-resightings')
  assert 'items         9 (0 canonical)' in as_before and 'resighting 9' in as_before
  (_, latest) = sorted(glob.glob(str(full / 'duplicates' / '*.avro')))
  with open(latest, 'rb') as f:
    full_records = list(fastavro.reader(f))
  assert [r['duplicate_reason'] for r in full_records] == ['resighting'] * 9

  def key(record):
    source = record['source']
    return (record['uri'], record['version'], record['content_hash'], record['duplicate_of'],
            record['received_at'], source['format'], source['location'], source['position'])

  assert sorted(map(key, sightings)) == sorted(map(key, full_records))
  assert {s['seen_at'] for s in sightings} == {min(s['seen_at'] for s in sightings)}


@pytest.mark.e2e
def test_opting_out_of_the_index_forgets_earlier_runs(dedup_inputs, tmp_path):
  output = tmp_path / 'out'
  for _ in range(2):
    summary = run_wirebeam('--input', str(dedup_inputs), '--output', str(output),
                           '--no-dedup-index')
    assert 'items         9 (3 canonical)' in summary
  assert not (output / 'dedup_index').exists()


def test_families_left_as_they_came_pass_their_records_on_without_packing_them_again():
  from transforms.dedup import batch  # pylint: disable=import-outside-toplevel
  record = {'uri': 'u', 'version': '1', 'versioncreated': None, 'content_hash': 'h',
            'pubstatus': 'usable', 'source': {'location': 'f', 'position': 0}}
  _, packed = batch._compressed_by_uri(record)  # pylint: disable=protected-access
  resolve = batch._ResolveFamiliesFn()  # pylint: disable=protected-access
  alone = list(resolve.process(('u', {'records': [packed], 'indexed': []})))
  assert alone[0] == ('u', packed) and alone[0][1] is packed
  # Seen twice: the second sighting is annotated, so both are packed anew.
  again = dict(record, source={'location': 'g', 'position': 0})
  twice = list(resolve.process(('u', {'records': [packed, batch._compressed_by_uri(again)[1]],  # pylint: disable=protected-access
                                      'indexed': []})))
  sightings = [batch._decompressed(value) for key, value in twice[:2]]  # pylint: disable=protected-access
  assert [s.get('duplicate_reason') for s in sightings] == [None, 'resighting']
