"""Items as Parquet and as ninjs: the schema derived from the .avsc files, the
ninjs mapping checked against IPTC's JSON Schema, the windowed writer, and
the real command's three formats read back by pyarrow, polars and DuckDB."""
import datetime
import glob
import json
import os
import pathlib
import re
import subprocess
import sys

import apache_beam as beam
import duckdb
import fastavro
import jsonschema
import polars
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from apache_beam.transforms.window import FixedWindows, TimestampedValue

import schemas
from transforms.entry import ParsedEntry
from transforms.normalize.record import normalize_entry
from transforms.output_folder import clean_stopped_runs, paths_already_read, written_folders
from transforms.output_layout import format_folder
from transforms.parse.entries import parse_source
from transforms.write import WriteWindowedRecords
from transforms.write_ninjs import read_ninjs, to_ninjs, write_ninjs
from transforms.write_parquet import arrow_schema, read_parquet, write_parquet

REPO = pathlib.Path(__file__).parents[1]
NINJS_SCHEMA = json.loads(
    (REPO / 'schemas' / 'ninjs' / 'ninjs-schema_2.1.json').read_text(encoding='utf-8'))
UTC = datetime.timezone.utc
NOON = datetime.datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
BODY = 'Officials in Geneva said on Friday that the talks would go on. Anna Berg spoke.'


# jsonschema checks the formats "uri" and "date-time" only with optional packages
# (rfc3987, rfc3339-validator), and passes them silently without: checked here.
RFC3339 = re.compile(r'\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)\Z')
ABSOLUTE_URI = re.compile(  # RFC 3986: a scheme, then only URI characters
    r"[A-Za-z][A-Za-z0-9+.-]*:(?:[A-Za-z0-9._~:/?#\[\]@!$&'()*+,;=-]|%[0-9A-Fa-f]{2})*\Z")
FORMATS = jsonschema.FormatChecker()
FORMATS.checks('date-time')(lambda value: not isinstance(value, str) or bool(RFC3339.match(value)))
FORMATS.checks('uri')(lambda value: not isinstance(value, str) or bool(ABSOLUTE_URI.match(value)))


def ninjs_errors(document):
  validator = jsonschema.Draft202012Validator(NINJS_SCHEMA, format_checker=FORMATS)
  return [f'{list(error.path)}: {error.message}' for error in validator.iter_errors(document)]


def test_the_ninjs_check_checks_uris_and_instants():
  assert ninjs_errors({'uri': 'urn:example:1', 'versioncreated': '2026-11-28T12:00:00.5Z'}) == []
  assert len(ninjs_errors({'uri': 'not a uri', 'versioncreated': '2026-11-28 12:00'})) == 2


def record(uri='urn:example:1', **fields):
  """A wire_item record as the normalize stage makes it, from an entry's fields, with
  the defaults of the fields later stages fill only at times (content_conflict), as
  every reader finds them."""
  entry = ParsedEntry(format='ninjs', source='/in/item.json', position=0, raw=b'{}',
                      guid=uri, title='Talks go on', body=BODY,
                      versioncreated_raw=NOON.isoformat(), received_at=NOON, **fields)
  defaults = {field['name']: field['default']
              for field in schemas.load_schema(schemas.WIRE_ITEM)['fields'] if 'default' in field}
  return {**defaults, **normalize_entry(entry, 1 << 20)}


def entity(entity_type, name, start, entity_id=None, scheme=None):
  return {'type': entity_type, 'text': name, 'name': name, 'start': start,
          'end': start + len(name), 'mentions': 1, 'id': entity_id, 'id_scheme': scheme,
          'confidence': 1.0 if entity_id else None, 'model': 'test',
          'spans': [{'start': start, 'end': start + len(name)}]}


RICH = dict(
    version='3', link='https://wire.example/talks?utm_source=x', byline='Jo Smith',
    located='Geneva', agency='Sample Wire', summary='The talks go on.', pubstatus='usable',
    urgency=3, language='en', keywords=['Diplomacy', 'Talks'],
    subjects=[{'scheme': 'medtop', 'code': '20000565', 'name': 'Diplomacy'},
              {'scheme': 'sw', 'code': 'POL', 'name': 'Politics'},
              {'scheme': None, 'code': None, 'name': 'World'}],
    genre='Current', embargoed_raw='2026-11-28T14:00:00Z', copyright_holder='Sample Wire',
    usage_terms='No archiving.',
    renditions=[{'name': 'original', 'href': 'https://wire.example/p.jpg',
                 'mime_type': 'image/jpeg', 'width': 1200, 'height': 800,
                 'size_bytes': 123456},
                {'name': None, 'href': 'https://wire.example/p-small.jpg',
                 'mime_type': None, 'width': None, 'height': None, 'size_bytes': None}],
    associations=[{'name': 'featureimage', 'uri': 'urn:example:pic', 'type': 'picture',
                   'headline': 'The table'},
                  {'name': 'attachment', 'uri': 'urn:example:doc',
                   'type': 'application/pdf', 'headline': None},
                  {'name': 'lost', 'uri': None, 'type': None, 'headline': 'No uri'}],
    source_entities=[entity('LOC', 'Geneva', 13, '2660646', 'geonames'),
                     entity('PER', 'Anna Berg', 64),
                     entity('ORG', 'Sample Wire', 0),
                     entity('LOC', 'Switzerland', 0, 'CH', 'iso3166'),
                     entity('MISC', 'Swiss', 0)])


def test_the_parquet_schema_is_the_avro_schema():
  for name in (schemas.WIRE_ITEM, schemas.DEAD_LETTER, schemas.RESIGHTING,
               schemas.DEDUP_INDEX):
    avro_fields = schemas.load_schema(name)['fields']
    arrow = arrow_schema(name)
    assert arrow.names == [field['name'] for field in avro_fields]
    for field in avro_fields:
      nullable = isinstance(field['type'], list) and 'null' in field['type']
      assert arrow.field(field['name']).nullable == nullable, (name, field['name'])
      assert arrow.field(field['name']).metadata[b'doc'] == field['doc'].encode()
  items = arrow_schema(schemas.WIRE_ITEM)
  assert items.field('versioncreated').type == pa.timestamp('us', tz='UTC')
  entities = items.field('entities').type.value_type
  assert entities.field('spans').type.value_type == pa.struct(
      [pa.field('start', pa.int32(), nullable=False), pa.field('end', pa.int32(), nullable=False)])
  assert items.field('renditions').type.value_type.field('size_bytes').type == pa.int64()
  assert arrow_schema(schemas.DEAD_LETTER).field('raw').type == pa.binary()


def test_a_record_round_trips_through_parquet(tmp_path):
  rich = record(**RICH)
  path = tmp_path / 'items.parquet'
  pq.write_table(pa.Table.from_pylist([rich, record('urn:example:2')],
                                      schema=arrow_schema(schemas.WIRE_ITEM)), path)
  assert read_parquet(path.read_bytes()) == [rich, record('urn:example:2')]


def test_ninjs_documents_follow_the_mapping_and_iptc_schema():
  document = to_ninjs(record(**RICH))
  assert ninjs_errors(document) == []
  assert document['standard'] == {
      'name': 'ninjs', 'version': '2.1',
      'schema': 'http://www.iptc.org/std/ninjs/ninjs-schema_2.1.json'}
  assert document['headlines'] == [{'role': 'main', 'value': 'Talks go on'}]
  assert document['bodies'] == [{'role': 'main', 'contenttype': 'text/plain', 'value': BODY}]
  assert document['descriptions'] == [{'role': 'summary', 'value': 'The talks go on.'}]
  assert (document['versioncreated'], document['embargoed']) == (
      '2026-11-28T12:00:00Z', '2026-11-28T14:00:00Z')
  assert (document['by'], document['located'], document['urgency']) == ('Jo Smith', 'Geneva', 3)
  assert document['copyrightholder'] == 'Sample Wire'
  assert document['usageterms'] == 'No archiving.'
  assert document['genres'] == [{'name': 'Current'}]
  assert document['infosources'] == [{'name': 'Sample Wire'}]
  assert document['altids'] == [{'role': 'url', 'value': 'https://wire.example/talks'}]
  assert document['subjects'] == [
      {'name': 'Diplomacy', 'uri': 'http://cv.iptc.org/newscodes/mediatopic/20000565'},
      {'name': 'Politics', 'literal': 'sw:POL'},
      {'name': 'World'},
      {'name': 'Talks'}]  # the keyword Diplomacy is a subject already
  assert document['places'] == [
      {'name': 'Geneva', 'literal': 'geonames:2660646',
       'uri': 'https://sws.geonames.org/2660646/'},
      {'name': 'Switzerland', 'literal': 'iso3166:CH'}]
  assert document['people'] == [{'name': 'Anna Berg'}]
  assert document['organisations'] == [{'name': 'Sample Wire'}]
  assert document['renditions'] == [
      {'name': 'original', 'href': 'https://wire.example/p.jpg', 'contenttype': 'image/jpeg',
       'width': 1200, 'height': 800, 'sizeinbytes': 123456},
      {'name': 'rendition2', 'href': 'https://wire.example/p-small.jpg'}]
  assert document['associations'] == [
      {'name': 'featureimage', 'uri': 'urn:example:pic', 'type': 'picture',
       'headlines': [{'value': 'The table'}]},
      {'name': 'attachment', 'uri': 'urn:example:doc'}]


def test_a_bare_item_is_a_valid_ninjs_document_without_empty_fields():
  bare = record('urn:example:bare')
  bare.update(language='und', headline=None, body_text='Text.')
  document = to_ninjs(bare)
  assert ninjs_errors(document) == []
  assert set(document) == {'uri', 'standard', 'type', 'versioncreated', 'bodies'}


def test_a_uri_with_spaces_or_letters_outside_ascii_is_written_percent_encoded():
  document = to_ninjs(dict(
      record(renditions=[{'name': None, 'href': 'https://img.example/Zürich 1.jpg',
                          'mime_type': None, 'width': None, 'height': None,
                          'size_bytes': None}]),
      uri='urn:wirebeam:guid:/in/my file.json:AP 12345'))
  assert document['uri'] == 'urn:wirebeam:guid:/in/my%20file.json:AP%2012345'
  assert document['renditions'][0]['href'] == 'https://img.example/Z%C3%BCrich%201.jpg'
  assert ninjs_errors(document) == []
  assert to_ninjs(dict(record(), uri='https://wire.example/a?b=1&c=%20#d'))['uri'] == (
      'https://wire.example/a?b=1&c=%20#d')  # a valid URI as it is


def test_ninjs_lines_written_are_read_back_as_the_same_items(tmp_path):
  written = [record(uri='https://wire.example/1', subjects=[
                 {'scheme': 'medtop', 'code': '20000364', 'name': 'Labour'}]),
             record(uri='https://wire.example/2')]
  lines = ''.join(json.dumps(to_ninjs(r)) + '\n' for r in written).encode()
  entries = parse_source(str(tmp_path / 'items.jsonl'), lines)
  assert [entry.guid for entry in entries] == ['https://wire.example/1', 'https://wire.example/2']
  assert [entry.title for entry in entries] == ['Talks go on'] * 2
  assert entries[0].subjects == written[0]['subjects']


def test_a_pubstatus_or_urgency_ninjs_does_not_allow_is_left_out():
  """The parsers keep what a source says (an NITF ed-urg of 0, a status "draft"); ninjs
  allows usable, withheld and canceled, and urgencies 1 to 9."""
  for pubstatus, urgency in (('draft', 0), ('cancelled', 10), (None, 999)):
    document = to_ninjs(dict(record(), pubstatus=pubstatus, urgency=urgency))
    assert ninjs_errors(document) == []
    assert 'pubstatus' not in document and 'urgency' not in document
  document = to_ninjs(dict(record(), pubstatus='canceled', urgency=9))
  assert (document['pubstatus'], document['urgency']) == ('canceled', 9)


def test_entity_ids_of_every_scheme_are_written_once_each():
  """The entity stage's links, and ids a source gave: a URI is the uri, a qcode the
  literal, neither prefixed with its scheme again; no id is lost."""
  people = [
      entity('LOC', 'Geneva', 13, '2660646', 'geonames'),
      entity('LOC', 'Russia', 0, 'RU', 'iso3166'),
      entity('LOC', 'Central Asia', 0, 'central-asia', 'region'),
      entity('PER', 'Ada', -1, 'http://www.wikidata.org/entity/Q7259', 'wikidata'),
      entity('ORG', 'UN', -1, 'nrorg:un', 'nrorg'),
      entity('ORG', 'Acme', -1, 'https://acme.example/org/1', 'acme.example'),
      entity('LOC', 'Paris', -1, 'https://www.geonames.org/search?q=paris', 'geonames'),
      entity('PER', 'Bo', -1, 'B-17', None)]
  document = to_ninjs(record(source_entities=people))
  assert ninjs_errors(document) == []
  assert document['places'] == [
      {'name': 'Geneva', 'literal': 'geonames:2660646', 'uri': 'https://sws.geonames.org/2660646/'},
      {'name': 'Russia', 'literal': 'iso3166:RU'},
      {'name': 'Central Asia', 'literal': 'region:central-asia'},
      {'name': 'Paris', 'uri': 'https://www.geonames.org/search?q=paris'}]
  assert document['people'] == [{'name': 'Ada', 'uri': 'http://www.wikidata.org/entity/Q7259'},
                                {'name': 'Bo', 'literal': 'B-17'}]
  assert document['organisations'] == [{'name': 'UN', 'literal': 'nrorg:un'},
                                        {'name': 'Acme', 'uri': 'https://acme.example/org/1'}]


def test_unicode_line_ends_in_values_stay_inside_their_line(tmp_path):
  """JSON leaves U+2028, U+2029 and U+0085 unescaped, and str.splitlines ends a line
  there: a subject, association or uri holding one split its document in two."""
  odd = record('urn:example:a\u2028b', subjects=[
      {'scheme': 'sw', 'code': 'x', 'name': 'Line\u2028separated \u2029 and \x85 next'}],
      associations=[{'name': 'a\u2028b', 'uri': 'urn:example:c', 'type': 'text',
                     'headline': 'Привет — «мир» 😀\u2028'}])
  path = tmp_path / 'items.jsonl'
  with open(path, 'wb') as f:
    write_ninjs(f, [odd, record('urn:example:2')])
  data = path.read_bytes()
  assert data.count(b'\n') == 2 and len(data.decode('utf-8').splitlines()) == 2
  assert '😀'.encode() in data  # no ASCII escapes otherwise
  assert read_ninjs(data) == [to_ninjs(odd), to_ninjs(record('urn:example:2'))]
  assert read_ninjs(data)[0]['subjects'][0]['name'] == 'Line\u2028separated \u2029 and \x85 next'


def test_each_window_shard_is_one_file_per_format_with_the_same_records(tmp_path):
  records = [record(f'urn:example:{n}', **RICH) for n in range(3)]
  folders = {output_format: str(tmp_path / output_format)
             for output_format in ('avro', 'parquet', 'ninjs')}
  with beam.Pipeline() as p:
    _ = (p | beam.Create(records)
         | beam.Map(lambda r: TimestampedValue(r, NOON.timestamp()))
         | beam.WindowInto(FixedWindows(60))
         | WriteWindowedRecords(schemas.WIRE_ITEM, folders, 'run1', 'deflate',
                                shard_key=lambda r: r['uri'], shards=1))
  stem = 'run1-20261128T120000Z-20261128T120100Z-pane0-000'
  names = {output_format: [name for name in os.listdir(folder) if not name.startswith('.')]
           for output_format, folder in folders.items()}
  assert names == {'avro': [f'{stem}.avro'], 'parquet': [f'{stem}.parquet'],
                   'ninjs': [f'{stem}.jsonl']}
  with open(tmp_path / 'avro' / f'{stem}.avro', 'rb') as f:
    avro = sorted(fastavro.reader(f), key=lambda r: r['uri'])
  parquet = read_parquet((tmp_path / 'parquet' / f'{stem}.parquet').read_bytes())
  ninjs = read_ninjs((tmp_path / 'ninjs' / f'{stem}.jsonl').read_bytes())
  assert avro == sorted(records, key=lambda r: r['uri'])
  assert sorted(parquet, key=lambda r: r['uri']) == avro
  assert sorted(ninjs, key=lambda d: d['uri']) == [to_ninjs(r) for r in avro]


def test_a_stopped_streaming_runs_temporary_files_are_cleaned_by_the_next_run(tmp_path):
  """A streaming run writes each window file under ``.temp-<run id>/`` and renames
  it; a kill leaves the half-written file, and any stop the folder."""
  run = '20261128T120000.000000Z'
  for folder in ('items', 'dead_letters', 'parquet/items', 'ninjs/duplicates'):
    (tmp_path / folder / f'.temp-{run}').mkdir(parents=True)
  name = f'{run}-20261128T120000Z-20261128T120100Z-pane0-000'
  (tmp_path / 'items' / f'.temp-{run}' / f'{"a" * 32}-{name}.avro').write_bytes(b'Obj\x01 half')
  published = tmp_path / 'items' / f'{name}.avro'
  published.write_bytes(b'Obj\x01 whole')
  assert clean_stopped_runs(str(tmp_path)) == 4
  assert glob.glob(str(tmp_path / '**' / '.temp-*'), recursive=True) == []
  assert published.read_bytes() == b'Obj\x01 whole'


def test_formats_other_than_avro_have_a_folder_each():
  assert format_folder('items') == 'items'
  assert format_folder('duplicates', 'parquet') == 'parquet/duplicates'
  assert written_folders(['items', 'dead_letters'], ['avro', 'ninjs']) == [
      'items', 'dead_letters', 'ninjs/items']


RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Sample Wire</title><link>https://wire.example/</link>
<language>en</language>
<item><guid>https://wire.example/1</guid><title>Dock workers strike in Rotterdam</title>
<link>https://wire.example/1</link><pubDate>Fri, 27 Nov 2026 10:00:00 +0100</pubDate>
<category>Labour</category>
<description>Dock workers at the port of Rotterdam stopped work on Friday over pay, the union
FNV said, as Mark Rutte urged both sides to talk. Container traffic to Germany was held up.</description>
</item>
<item><guid>https://wire.example/2</guid><title>UPDATE 1-Dock workers strike in Rotterdam</title>
<link>https://wire.example/2</link><pubDate>Fri, 27 Nov 2026 11:00:00 +0100</pubDate>
<description>Dock workers at the port of Rotterdam stopped work on Friday over pay, the union
FNV said, as Mark Rutte urged both sides to talk. Container traffic to Germany was held up.</description>
</item>
</channel></rss>
"""


@pytest.fixture(scope='module')
def three_formats(tmp_path_factory):
  """The real command on the seeds (every input format) and a two-item feed, writing
  every format, duplicates split."""
  folder = tmp_path_factory.mktemp('formats')
  (folder / 'in').mkdir()
  (folder / 'in' / 'feed.xml').write_text(RSS, encoding='utf-8')
  (folder / 'in' / 'broken.json').write_text('{"uri": ', encoding='utf-8')
  output = folder / 'out'
  result = subprocess.run(
      [sys.executable, '-m', 'pipeline', '--input', str(folder / 'in'), '--input',
       str(REPO / 'seeds'), '--output',
       str(output), '--split-duplicates', '--output-format', 'parquet',
       '--output-format', 'ninjs', '--output-format', 'avro'],
      cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
  assert result.returncode == 0, result.stderr
  return output, result.stdout


def files(output, folder, suffix):
  return sorted(glob.glob(os.path.join(output, folder, '*' + suffix)))


def read_avro(paths):
  records = []
  for path in paths:
    with open(path, 'rb') as f:
      records.extend(fastavro.reader(f))
  return sorted(records, key=lambda r: r['uri'])


def by_source(output):
  """The canonical items of the run, by the name of the file they were read from."""
  found = {}
  for record in read_avro(files(output, 'items', '.avro')):
    found.setdefault(os.path.basename(record['source']['location']), []).append(record)
  return found


@pytest.mark.e2e
def test_every_format_gets_the_same_file_names_and_the_rest_stays_avro(three_formats):
  output, summary = three_formats
  for folder in ('items', 'duplicates'):
    avro = [os.path.basename(p)[:-len('.avro')] for p in files(output, folder, '.avro')]
    assert len(avro) == 1
    assert [os.path.basename(p)[:-len('.parquet')]
            for p in files(output, f'parquet/{folder}', '.parquet')] == avro
    assert [os.path.basename(p)[:-len('.jsonl')]
            for p in files(output, f'ninjs/{folder}', '.jsonl')] == avro
  assert len(files(output, 'dead_letters', '.avro')) == 1
  assert len(files(output, 'dedup_index', '.avro')) == 1
  assert not glob.glob(os.path.join(output, '*', '*', 'dead_letters'))
  assert not os.path.exists(os.path.join(output, 'parquet', 'dead_letters'))
  assert 'parquet/duplicates: ' in summary


@pytest.mark.e2e
def test_parquet_reads_back_as_the_avro_records_in_pyarrow_polars_and_duckdb(three_formats):
  output, _ = three_formats
  for folder in ('items', 'duplicates'):
    avro = read_avro(files(output, folder, '.avro'))
    (parquet,) = files(output, f'parquet/{folder}', '.parquet')
    assert sorted(pq.read_table(parquet).to_pylist(), key=lambda r: r['uri']) == avro
    frame = polars.read_parquet(parquet).sort('uri')
    assert frame['uri'].to_list() == [r['uri'] for r in avro]
    assert frame['entities'].to_list() == [r['entities'] for r in avro]
    assert frame['versioncreated'].to_list() == [r['versioncreated'] for r in avro]
    rows = duckdb.sql(
        f"SELECT uri, is_canonical, duplicate_reason, source.location, len(entities), "
        f"[e.name FOR e IN entities] FROM read_parquet('{parquet}') ORDER BY uri").fetchall()
    assert rows == [(r['uri'], r['is_canonical'], r['duplicate_reason'],
                     r['source']['location'], len(r['entities']),
                     [e['name'] for e in r['entities']]) for r in avro]
  duplicates = read_avro(files(output, 'duplicates', '.avro'))
  assert [r['duplicate_reason'] for r in duplicates] == ['new_version']


@pytest.mark.e2e
def test_ninjs_lines_are_valid_ninjs_of_the_avro_records(three_formats):
  output, _ = three_formats
  for folder in ('items', 'duplicates'):
    avro = read_avro(files(output, folder, '.avro'))
    (jsonl,) = files(output, f'ninjs/{folder}', '.jsonl')
    documents = read_ninjs(pathlib.Path(jsonl).read_bytes())
    assert sorted(documents, key=lambda d: d['uri']) == [to_ninjs(r) for r in avro]
    for document in documents:
      assert ninjs_errors(document) == []
  items = {document['uri']: document for document in read_ninjs(
      pathlib.Path(files(output, 'ninjs/items', '.jsonl')[0]).read_bytes())}
  assert {source: len(records) for source, records in by_source(output).items()} == {
      'feed.xml': 1, 'interfax-2021-09-28-us-bases-central-asia.txt': 1,
      'tass-style-wire.txt': 1, 'rss-sample.xml': 3, 'atom-sample.xml': 2,
      'json-feed-sample.json': 2, 'ninjs-2-sample.json': 1, 'newsml-g2-sample.xml': 1}
  strike = items['https://wire.example/1']
  assert strike['subjects'] == [{'name': 'Labour'}]
  assert {'name': 'Mark Rutte'} in strike['people']
  assert {'name': 'Germany', 'literal': 'iso3166:DE'} in strike['places']
  places = [place for document in items.values() for place in document.get('places', [])]
  assert {'name': 'Moscow', 'literal': 'geonames:524901',
          'uri': 'https://sws.geonames.org/524901/'} in places


def test_a_restarted_streaming_job_knows_files_read_from_parquet_items(tmp_path):
  (tmp_path / 'parquet' / 'items').mkdir(parents=True)
  read = record('urn:example:read')
  read['source']['location'] = '/drop/read.xml'
  with open(tmp_path / 'parquet' / 'items' / 'run1-pane0-000.parquet', 'wb') as f:
    write_parquet(f, [read], schemas.WIRE_ITEM, 'deflate')
  assert paths_already_read(str(tmp_path), ['/drop']) == {'/drop': ['/drop/read.xml']}


def test_watching_folders_with_ninjs_alone_is_a_usage_error(tmp_path):
  """ninjs keeps no source location, so a restarted job would read every file again."""
  result = subprocess.run(
      [sys.executable, '-m', 'pipeline', '--streaming', '--watch', str(tmp_path),
       '--output-format', 'ninjs', '--output', str(tmp_path / 'out')],
      cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
  assert result.returncode == 2
  assert 'add --output-format avro (or parquet)' in result.stderr
  assert not (tmp_path / 'out').exists()


def readme_one_liners():
  """(format, library, code) of the README's table of one-line reads."""
  readme = (REPO / 'README.md').read_text(encoding='utf-8')
  table = readme.split('| format | pandas | polars | DuckDB |', 1)[1].split('\n\n', 1)[0]
  for row in table.splitlines()[2:]:
    output_format, *cells = [cell.strip() for cell in row.strip('|').split(' | ')]
    for library, cell in zip(('pandas', 'polars', 'duckdb'), cells, strict=True):
      yield output_format, library, cell.split('`')[1]


@pytest.mark.e2e
def test_the_readme_one_line_reads_read_every_item(three_formats, monkeypatch):
  import pandas
  output, _ = three_formats
  monkeypatch.chdir(output.parent)
  expected = len(read_avro(files(output, 'items', '.avro')))
  lines = list(readme_one_liners())
  assert {(f, library) for f, library, _ in lines} == {
      (f, library) for f in ('Avro', 'Parquet', 'ninjs')
      for library in ('pandas', 'polars', 'duckdb')}
  for output_format, library, code in lines:
    if 'read_avro(' in code and library == 'duckdb':
      continue  # DuckDB downloads its avro extension at first use: not offline
    result = eval(code, {'glob': glob, 'fastavro': fastavro, 'pd': pandas, 'pl': polars,
                         'duckdb': duckdb})
    rows = len(result.fetchall()) if library == 'duckdb' else len(result)
    assert rows == expected, (output_format, library, code)


def test_the_readme_one_line_reads_keep_ninjs_strings_that_look_like_numbers(tmp_path, monkeypatch):
  """A ninjs uri or version of digits stays the string it is ("03", not 3)."""
  import pandas
  (tmp_path / 'out' / 'ninjs' / 'items').mkdir(parents=True)
  written = [record(version='03'), record('urn:example:2', version='1')]
  written[0]['uri'] = '0012'
  with open(tmp_path / 'out' / 'ninjs' / 'items' / 'run1-00000-of-00001.jsonl', 'wb') as f:
    write_ninjs(f, written)
  monkeypatch.chdir(tmp_path)
  for output_format, library, code in readme_one_liners():
    if output_format != 'ninjs':
      continue
    result = eval(code, {'glob': glob, 'fastavro': fastavro, 'pd': pandas, 'pl': polars,
                         'duckdb': duckdb})
    if library == 'duckdb':
      rows = result.select('uri', 'version').fetchall()
    elif library == 'pandas':
      rows = list(result[['uri', 'version']].itertuples(index=False, name=None))
    else:
      rows = result.select('uri', 'version').rows()
    assert sorted(rows) == [('0012', '03'), ('urn:example:2', '1')], library


def test_the_readme_one_line_reads_of_ninjs_keep_keys_only_later_files_have(
    tmp_path, monkeypatch):
  """ninjs leaves out what an item does not have, and a streaming run writes a file per
  window, pane and shard: a key first met in the 40th file is a column still."""
  import pandas
  folder = tmp_path / 'out' / 'ninjs' / 'items'
  folder.mkdir(parents=True)
  for number in range(40):
    written = record(f'urn:example:{number}')
    if number == 39:
      written.update(genre='Current', urgency=3)
    with open(folder / f'20261201T1200{number:02d}.000000Z-00000-of-00001.jsonl', 'wb') as f:
      write_ninjs(f, [written])
  monkeypatch.chdir(tmp_path)
  for output_format, library, code in readme_one_liners():
    if output_format != 'ninjs':
      continue
    result = eval(code, {'glob': glob, 'fastavro': fastavro, 'pd': pandas, 'pl': polars,
                         'duckdb': duckdb})
    columns = set(result.columns)
    assert {'genres', 'urgency'} <= columns, library
    assert len(result.fetchall() if library == 'duckdb' else result) == 40, library


def test_the_readme_one_line_reads_read_runs_from_before_a_field_was_added(
    tmp_path, monkeypatch):
  """The schema grows (every new field nullable, with a default): a folder holds files
  of runs before and after, which a read of the folder combines."""
  import pandas
  (tmp_path / 'out' / 'items').mkdir(parents=True)
  current = schemas.load_schema(schemas.WIRE_ITEM)
  earlier = dict(current, fields=[field for field in current['fields']
                                  if field['name'] not in ('genre', 'embargoed', 'renditions')])
  for run, schema in (('20261101T000000.000000Z', earlier), ('20261201T000000.000000Z', current)):
    with open(tmp_path / 'out' / 'items' / f'{run}-00000-of-00001.avro', 'wb') as f:
      fastavro.writer(f, fastavro.parse_schema(schema), [record(f'urn:example:{run}')])
    (tmp_path / 'out' / 'parquet' / 'items').mkdir(parents=True, exist_ok=True)
    names = {field['name'] for field in schema['fields']}
    arrow = pa.schema([field for field in arrow_schema(schemas.WIRE_ITEM) if field.name in names])
    pq.write_table(pa.Table.from_pylist([record(f'urn:example:{run}')], schema=arrow),
                   tmp_path / 'out' / 'parquet' / 'items' / f'{run}-00000-of-00001.parquet')
  monkeypatch.chdir(tmp_path)
  for output_format, library, code in readme_one_liners():
    if output_format == 'ninjs' or (output_format, library) == ('Avro', 'duckdb'):
      continue  # DuckDB downloads its avro extension at first use: not offline
    result = eval(code, {'glob': glob, 'fastavro': fastavro, 'pd': pandas, 'pl': polars,
                         'duckdb': duckdb})
    assert len(result.fetchall() if library == 'duckdb' else result) == 2, library
    assert 'genre' in result.columns, (output_format, library)
