"""The command on NITF, NewsML 1.x and NewsML-G2 files: what their records carry."""
import os
import pathlib
import shutil

import pytest

from tests.test_end_to_end import avro_files, read_fastavro, run_wirebeam

FIXTURES = pathlib.Path(__file__).parent / 'fixtures'


@pytest.fixture(scope='module')
def agency_run(tmp_path_factory):
  inputs = tmp_path_factory.mktemp('in')
  shutil.copy(FIXTURES / 'nitf' / 'story.xml', inputs / 'story.nitf')
  shutil.copy(FIXTURES / 'newsml1' / 'nitf-story.xml', inputs / 'afp-style.xml')
  shutil.copy(FIXTURES / 'newsml1' / 'two-items.xml', inputs / 'two-items.xml')
  for folder in ('a', 'b'):  # the same NewsML-G2 item, delivered twice
    (inputs / folder).mkdir()
    shutil.copy(FIXTURES / 'newsml_g2' / 'newsitem-metadata.xml', inputs / folder / 'item.xml')
  output = tmp_path_factory.mktemp('out')
  result = run_wirebeam('--input', str(inputs), '--output', str(output))
  assert result.returncode == 0, result.stderr
  items = read_fastavro(avro_files(output, 'items'))
  assert read_fastavro(avro_files(output, 'dead_letters')) == []
  return items, result.stdout


def by_file(items, name):
  return [i for i in items if os.path.basename(i['source']['location']) == name]


@pytest.mark.e2e
def test_every_agency_item_becomes_a_record(agency_run):
  items, summary = agency_run
  assert len(items) == 7
  assert 'newsml1 4' in summary and 'nitf 1' in summary and 'newsml_g2 2' in summary


@pytest.mark.e2e
def test_nitf_record(agency_run):
  (item,) = by_file(agency_run[0], 'story.nitf')
  assert item['source']['format'] == 'nitf'
  assert item['uri'] == 'urn:wirebeam:guid:SWIRE:20261203-harbour-strike'
  assert item['headline'] == 'Harbour cranes idle as dock workers strike for higher pay'
  assert (item['located'], item['agency'], item['urgency']) == ('ROTTERDAM', 'SWIRE', 3)
  assert item['body_text'].startswith('ROTTERDAM (SWIRE) -- Cranes stood idle')
  assert item['embargoed_raw'] == '20261203T120000+0100'
  assert item['embargoed'].isoformat() == '2026-12-03T11:00:00+00:00'
  assert item['subjects'][0] == {'scheme': 'subj', 'code': '09003000', 'name': 'strike'}
  assert (item['copyright_holder'], item['usage_terms']) == ('Sample Wire', 'No archiving')
  # The people, organisations and places the item names stay as it gave them,
  # through the entity stage; the model's mentions of them add to them.
  given = [e for e in item['entities'] if e['model'] == 'source']
  assert {(e['type'], e['name']) for e in given} == {
      ('ORG', 'Dock Workers Union'), ('LOC', 'Rotterdam'), ('PER', 'Anna de Vries')}
  for entity in given:
    assert entity['spans'] and entity['mentions'] == len(entity['spans'])
    assert all(item['body_text'][s['start']:s['end']].casefold() == entity['name'].casefold()
               for s in entity['spans'])
  names = [e['name'].casefold() for e in item['entities']]
  assert len(names) == len(set(names))  # the model found none of them a second time


@pytest.mark.e2e
def test_newsml_1_records(agency_run):
  (story,) = by_file(agency_run[0], 'afp-style.xml')
  assert story['source']['format'] == 'newsml1'
  assert (story['uri'], story['version']) == (
      'urn:newsml:wire.example.com:20261203:TX-PAR-ABC12', '2')
  assert story['language'] == 'fr' and story['genre'] == 'Current'
  assert story['body_text'].startswith('PARIS, 3 déc 2026 (Sample Wire) - Le gouvernement')
  assert [r['width'] for r in story['renditions']] == [2048, 200]
  assert len(story['associations']) == 2
  types = sorted(i['type'] for i in by_file(agency_run[0], 'two-items.xml'))
  assert types == ['picture', 'text', 'text']


@pytest.mark.e2e
def test_a_newsml_g2_item_read_from_two_folders_has_one_uri(agency_run):
  copies = by_file(agency_run[0], 'item.xml')
  assert len(copies) == 2
  assert {c['uri'] for c in copies} == {
      'urn:wirebeam:guid:nprov:SAMPLEWIRE:20261205-lisbon-tram'}
  item = copies[0]
  assert item['body_text'].startswith('LISBOA, 5 dez')  # no subject line first
  assert item['genre'] == 'Atualidade' and item['renditions'][0]['name'] == 'thumbnail'
  assert [e['id_scheme'] for e in item['entities']] == ['wikidata', 'org', 'geonames']
