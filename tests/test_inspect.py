"""``wirebeam inspect``: a folder written by hand, every format and a compacted
generation in it, reported run by run; and the command never imports Beam."""
import datetime
import json
import pathlib
import subprocess
import sys

import fastavro
import pytest

import schemas
from pipeline.inspect_output import Inspection, _field, format_item, format_text, from_ninjs, main
from transforms.entry import ParsedEntry
from transforms.normalize.record import normalize_entry
from transforms.output_layout import run_time
from transforms.write_ninjs import write_ninjs
from transforms.write_parquet import write_parquet

REPO = pathlib.Path(__file__).parents[1]
BATCH, PARQUET_ONLY, WINDOWED, RESIGHTED, COMPACTING = (
    '20261201T100000.000000Z', '20261201T110000.000000Z', '20261201T120000.000000Z',
    '20261201T130000.000000Z', '20261201T140000.000000Z')
WINDOW = '20261201T115900Z-20261201T120000Z'
NOW = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=datetime.timezone.utc)


def item(uri, language='en', duplicate_reason=None, entities=()):
  entry = ParsedEntry(format='rss', source='/in/feed.xml', position=0, raw=b'<item/>',
                      guid=uri, title=f'Headline of {uri}', body=f'The story {uri} tells.',
                      language=language, received_at=NOW,
                      source_entities=[{'type': entity_type, 'text': name, 'name': name,
                                        'start': 0, 'end': len(name), 'mentions': 1,
                                        'id': entity_id, 'id_scheme': 'iso3166' if entity_id
                                        else None, 'confidence': None, 'model': 'source',
                                        'spans': []}
                                       for entity_type, name, entity_id in entities])
  record = normalize_entry(entry, 1 << 20)
  record['language'] = language  # the language stage's answer
  if duplicate_reason:
    record.update(is_canonical=False, duplicate_of='urn:a', duplicate_reason=duplicate_reason,
                  duplicate_similarity=0.8)
  return record


def write_avro(path: pathlib.Path, schema_name: str, records) -> None:
  path.parent.mkdir(parents=True, exist_ok=True)
  with open(path, 'wb') as f:
    fastavro.writer(f, schemas.parsed_schema(schema_name), records)


def dead_letter(stage, reason, source, raw=b''):
  return {'stage': stage, 'reason': reason, 'error': f'{reason}: it went wrong\nat line 2',
          'source': source, 'position': None, 'format': None, 'raw': raw, 'failed_at': NOW,
          'received_at': None}


def resighting(uri, run):
  return {'uri': uri, 'version': None, 'content_hash': 'h', 'duplicate_of': uri,
          'seen_at': run_time(run), 'received_at': None,
          'source': {'format': 'rss', 'location': '/in/feed.xml', 'position': 0}}


def index_row(uri):
  return {'uri': uri, 'content_hash': 'h', 'canceled': False}


def generation(folder: pathlib.Path, run: str, replaced, schema_name, rows):
  path = folder / f'compacted-{run}'
  write_avro(path / 'part-00000.avro', schema_name, rows)
  (path / 'MANIFEST.json').write_text(json.dumps({'replaced_runs': replaced,
                                                  'rewritten_by': run}))


@pytest.fixture
def output(tmp_path):
  """Five runs: batch in Avro and Parquet, Parquet alone, streaming in ninjs alone,
  and re-sightings and index rows compacted into a generation."""
  out = tmp_path / 'out'
  batch_items = [item('urn:a', entities=[('LOC', 'Russia', 'RU'), ('PER', 'Anna Berg', None)]),
                 item('urn:b', language='fr'),
                 item('urn:c', duplicate_reason='near_duplicate')]
  write_avro(out / 'items' / f'{BATCH}-00000-of-00001.avro', schemas.WIRE_ITEM, batch_items)
  (out / 'parquet' / 'items').mkdir(parents=True)
  with open(out / 'parquet' / 'items' / f'{BATCH}-00000-of-00001.parquet', 'wb') as f:
    write_parquet(f, batch_items, schemas.WIRE_ITEM, 'snappy')
  write_avro(out / 'dead_letters' / f'{BATCH}-00000-of-00001.avro', schemas.DEAD_LETTER,
             [dead_letter('parse', 'undecodable', '/in/bad.bin', b'\x00\x01'),
              dead_letter('read', 'not_found', '/in/gone.xml')])
  write_avro(out / 'dedup_index' / f'{BATCH}-00000-of-00001.avro', schemas.DEDUP_INDEX,
             [index_row('urn:a'), index_row('urn:b'), index_row('urn:c')])
  with open(out / 'parquet' / 'items' / f'{PARQUET_ONLY}-00000-of-00001.parquet', 'wb') as f:
    write_parquet(f, [item('urn:d', language='de')], schemas.WIRE_ITEM, 'deflate')
  (out / 'ninjs' / 'items').mkdir(parents=True)
  with open(out / 'ninjs' / 'items' / f'{WINDOWED}-{WINDOW}-pane0-000.jsonl', 'wb') as f:
    write_ninjs(f, [item('urn:e', entities=[('LOC', 'Russia', 'RU'), ('ORG', 'Interfax', None)]),
                    item('urn:f', language='ru')])
  # Re-sightings of RESIGHTED, compacted; its own file lingers (a kill before deletion).
  write_avro(out / 'resightings' / f'{RESIGHTED}-00000-of-00001.avro', schemas.RESIGHTING,
             [resighting(uri, RESIGHTED) for uri in ('urn:a', 'urn:b', 'urn:c')])
  generation(out / 'resightings', COMPACTING, [RESIGHTED], schemas.RESIGHTING,
             [resighting('urn:a', RESIGHTED), resighting('urn:b', RESIGHTED)])
  generation(out / 'dedup_index', COMPACTING, [BATCH], schemas.DEDUP_INDEX,
             [index_row(uri) for uri in ('urn:a', 'urn:b', 'urn:c', 'urn:d')])
  (out / 'dead_letters' / '.temp-x').mkdir()  # a stopped streaming run's temporary folder
  return out


def test_each_run_is_reported_from_the_format_it_was_written_in(output):
  runs = Inspection(str(output)).read().runs
  assert list(runs) == [BATCH, PARQUET_ONLY, WINDOWED, RESIGHTED]
  batch = runs[BATCH]
  assert (batch.kind, batch.item_formats, batch.items, batch.canonical) == (
      'batch', ['avro', 'parquet'], 3, 2)
  assert batch.duplicates == {'near_duplicate': 1}
  assert batch.dead_letters == {'parse.undecodable': 1, 'read.not_found': 1}
  assert batch.languages == {'en': 2, 'fr': 1}
  assert batch.entities == {'LOC': 1, 'PER': 1}
  assert batch.files == {'items': 1, 'parquet/items': 1, 'dead_letters': 1, 'dedup_index': 1}
  # Its index rows are in the generation now, which counts them as a whole.
  assert (batch.index_rows, batch.compacted) == (0, [f'dedup_index/compacted-{COMPACTING}'])
  assert (runs[PARQUET_ONLY].item_formats, runs[PARQUET_ONLY].items,
          runs[PARQUET_ONLY].languages) == (['parquet'], 1, {'de': 1})
  windowed = runs[WINDOWED]
  assert (windowed.kind, windowed.item_formats, windowed.items, windowed.canonical) == (
      'streaming', ['ninjs'], 2, None)  # ninjs has no dedup fields
  assert windowed.entities == {'LOC': 1, 'ORG': 1}
  assert windowed.languages == {'en': 1, 'ru': 1}
  # The generation's rows, not the file it replaced.
  assert (runs[RESIGHTED].resightings, runs[RESIGHTED].compacted) == (
      2, [f'resightings/compacted-{COMPACTING}'])


def test_a_run_whose_re_sightings_an_earlier_generation_took_in_is_compacted(tmp_path):
  """A generation's manifest names the runs whose files it replaced last; the rows of
  runs an earlier generation took in are carried over, and so are those runs."""
  out = tmp_path / 'out'
  write_avro(out / 'items' / f'{BATCH}-00000-of-00001.avro', schemas.WIRE_ITEM, [item('urn:a')])
  generation(out / 'resightings', COMPACTING, [RESIGHTED], schemas.RESIGHTING,
             [resighting('urn:a', BATCH), resighting('urn:b', RESIGHTED)])
  runs = Inspection(str(out)).read().runs
  label = f'resightings/compacted-{COMPACTING}'
  assert (runs[BATCH].resightings, runs[BATCH].compacted) == (1, [label])
  assert (runs[RESIGHTED].resightings, runs[RESIGHTED].compacted) == (1, [label])


def test_the_text_report(output):
  text = format_text(Inspection(str(output), sample=1, dead_letters=True).read())
  assert f'run {BATCH} (batch, started 2026-12-01 10:00:00 UTC)' in text
  assert '  items         3 (2 canonical) as avro, parquet' in text
  assert '  duplicates    near_duplicate 1' in text
  assert '    by reason   parse.undecodable 1, read.not_found 1' in text
  assert '  entities      2 (LOC 1, PER 1)' in text
  assert f'  dedup_index   compacted-{COMPACTING}: 1 parts, 4 rows, replaces 1 runs' in text
  assert f'run {WINDOWED} (streaming' in text
  assert '  items         2 as ninjs' in text
  assert 'sample: 1 of 6 items\n[1] Headline of urn:a' in text
  assert '    entities        LOC Russia (iso3166:RU); PER Anna Berg' in text
  assert '[1] parse.undecodable  /in/bad.bin' in text
  assert '    error           undecodable: it went wrong\n' in text
  assert '    raw             2 bytes kept (--replay reads them again)' in text
  assert '    raw             none (--replay reads the source again)' in text


def test_entity_ids_are_shown_as_ninjs_writes_them():
  item = {'run': BATCH, 'uri': 'urn:a', 'version': None, 'headline': 'H', 'language': 'en',
          'language_reason': None, 'versioncreated': None, 'source': None, 'body_text': None,
          'description_text': None, 'is_canonical': True,
          'entities': [{'type': 'PER', 'name': 'Ada', 'id_scheme': 'wikidata',
                        'id': 'http://www.wikidata.org/entity/Q7259'},
                       {'type': 'ORG', 'name': 'UN', 'id_scheme': 'nrorg', 'id': 'nrorg:un'},
                       {'type': 'LOC', 'name': 'Russia', 'id_scheme': 'iso3166', 'id': 'RU'},
                       {'type': 'PER', 'name': 'Bo', 'id_scheme': None, 'id': 'B-17'},
                       {'type': 'MISC', 'name': 'Swiss', 'id_scheme': None, 'id': None}]}
  assert _field('entities', 'PER Ada (http://www.wikidata.org/entity/Q7259); ORG UN (nrorg:un); '
                'LOC Russia (iso3166:RU); PER Bo (B-17); MISC Swiss') in format_item(1, item)
  document = {'uri': 'urn:a', 'people': [{'name': 'Ada', 'uri': 'http://example.org/ada'}]}
  assert from_ninjs(document)['entities'][0]['id'] == 'http://example.org/ada'


def test_one_run_as_json(output, capsys):
  assert main([str(output), '--json', '--run', BATCH, '--sample', '5', '--dead-letters']) == 0
  report = json.loads(capsys.readouterr().out)
  (run,) = report['runs']
  assert (run['run'], run['items'], run['duplicates']) == (BATCH, 3, {'near_duplicate': 1})
  assert [item['uri'] for item in report['sample']] == ['urn:a', 'urn:b', 'urn:c']
  assert [(d['reason'], d['raw']) for d in report['dead_letters']] == [
      ('undecodable', 2), ('not_found', 0)]
  assert [g['name'] for g in report['compacted']] == [f'compacted-{COMPACTING}'] * 2


def test_an_unreadable_file_is_named_not_fatal(output, capsys):
  (output / 'items' / f'{PARQUET_ONLY}-00000-of-00001.avro').write_bytes(b'not avro')
  assert main([str(output)]) == 0
  assert f'unreadable    {output}/items/{PARQUET_ONLY}-00000-of-00001.avro' in (
      capsys.readouterr().out)


def test_a_generation_without_a_readable_manifest_is_named_not_fatal(output, capsys):
  (output / 'resightings' / f'compacted-{COMPACTING}' / 'MANIFEST.json').unlink()
  (output / 'dedup_index' / f'compacted-{COMPACTING}' / 'MANIFEST.json').write_text('{"repl')
  (output / 'dedup_index' / 'compacted-notes.txt').write_text('a file, not a generation')
  assert main([str(output)]) == 0
  out = capsys.readouterr().out
  assert f'unreadable    {output}/resightings/compacted-{COMPACTING}/MANIFEST.json' in out
  assert f'unreadable    {output}/dedup_index/compacted-{COMPACTING}/MANIFEST.json' in out
  assert f'  dedup_index   compacted-{COMPACTING}: 1 parts, 4 rows, replaces 0 runs' in out


def test_files_of_other_records_are_named_not_fatal(output, capsys):
  """JSON that is no ninjs, a Parquet or Avro file of other records where items or
  dead letters go: each is named, the rest is reported."""
  ninjs = output / 'ninjs' / 'items'
  (ninjs / f'{PARQUET_ONLY}-00000-of-00001.jsonl').write_text('[1, 2]\n')
  (ninjs / '20261201T150000.000000Z-00000-of-00001.jsonl').write_text('[1, 2]\n')
  (ninjs / f'{RESIGHTED}-00000-of-00001.jsonl').write_text('{"headline": "no uri"}\n')
  with open(output / 'parquet' / 'items' / f'{WINDOWED}-00000-of-00001.parquet', 'wb') as f:
    write_parquet(f, [dead_letter('read', 'not_found', '/in/gone.xml')], schemas.DEAD_LETTER,
                  'snappy')
  write_avro(output / 'dead_letters' / f'{WINDOWED}-00000-of-00001.avro', schemas.WIRE_ITEM,
             [item('urn:x')])
  assert main([str(output)]) == 0
  out = capsys.readouterr().out
  assert f'{ninjs}/{RESIGHTED}-00000-of-00001.jsonl: not a ninjs document' in out
  assert f'{ninjs}/20261201T150000.000000Z-00000-of-00001.jsonl: not a ninjs document' in out
  assert f'{ninjs}/{PARQUET_ONLY}-00000-of-00001.jsonl' not in out  # Parquet is read first
  assert (f'{output}/parquet/items/{WINDOWED}-00000-of-00001.parquet: not the records '
          f'wirebeam writes there (no uri)') in out
  assert (f'{output}/dead_letters/{WINDOWED}-00000-of-00001.avro: not the records '
          f'wirebeam writes there (no stage)') in out
  assert '  items         3 (2 canonical) as avro, parquet' in out  # the batch run as before


def test_items_are_counted_from_the_next_format_when_a_file_does_not_read(output, capsys):
  avro = output / 'items' / f'{BATCH}-00000-of-00001.avro'
  avro.write_bytes(avro.read_bytes()[:-40])  # a copy cut short
  assert main([str(output), '--run', BATCH, '--sample', '5']) == 0
  out = capsys.readouterr().out
  assert f'unreadable    {avro}' in out
  assert ('  items         3 (2 canonical) as avro, parquet (counted from parquet: the avro '
          'files did not all read)') in out
  assert '  duplicates    near_duplicate 1' in out
  assert 'sample: 3 of 3 items' in out


def test_a_missing_folder_or_run_is_a_usage_error(output, tmp_path, capsys):
  assert main([str(tmp_path / 'nowhere')]) == 2
  assert main([str(output), '--run', '20990101T000000.000000Z']) == 2
  assert 'no run 20990101T000000.000000Z' in capsys.readouterr().err


def test_a_folder_wirebeam_did_not_write_is_a_usage_error(tmp_path, capsys):
  (tmp_path / 'empty').mkdir()
  (tmp_path / 'other' / 'photos').mkdir(parents=True)
  (tmp_path / 'other' / 'notes.txt').write_text('not an output folder')
  for folder in ('empty', 'other'):
    assert main([str(tmp_path / folder)]) == 2
    assert f'{tmp_path / folder}: not a wirebeam output folder (it has no items/' in (
        capsys.readouterr().err)
  (tmp_path / 'other' / 'dead_letters').mkdir()  # a run that wrote nothing yet
  assert main([str(tmp_path / 'other')]) == 0
  assert '  runs          0' in capsys.readouterr().out


def test_a_negative_sample_is_a_usage_error(output, capsys):
  with pytest.raises(SystemExit) as stopped:
    main([str(output), '--sample', '-1'])
  assert stopped.value.code == 2
  assert '-1 is below 0' in capsys.readouterr().err


def test_the_command_never_imports_beam(output):
  script = ('import sys; from pipeline.cli import main; code = main(["inspect", sys.argv[1], '
            '"--json"]); print("beam imported" if "apache_beam" in sys.modules else "no beam"); '
            'sys.exit(code)')
  result = subprocess.run([sys.executable, '-c', script, str(output)], cwd=REPO,
                          capture_output=True, text=True, timeout=60, check=False)
  assert result.returncode == 0, result.stderr
  assert result.stdout.rstrip().endswith('no beam')
  module = subprocess.run([sys.executable, '-m', 'pipeline', 'inspect', str(output)], cwd=REPO,
                          capture_output=True, text=True, timeout=60, check=False)
  assert module.returncode == 0, module.stderr
  assert module.stdout.startswith(f'wirebeam inspect {output}')


def test_a_reader_that_stops_early_gets_no_traceback(output):
  """``wirebeam inspect DIR --json | head -1``: the pipe closes before the report is out."""
  head = subprocess.Popen([sys.executable, '-c', 'pass'], stdin=subprocess.PIPE)
  head.wait(timeout=60)  # gone before a line is written: every write meets a closed pipe
  result = subprocess.run([sys.executable, '-m', 'pipeline', 'inspect', str(output), '--json',
                           '--sample', '6', '--dead-letters'],
                          cwd=REPO, stdout=head.stdin, stderr=subprocess.PIPE, text=True,
                          timeout=60, check=False)
  head.stdin.close()
  assert result.returncode == 0
  assert 'Traceback' not in result.stderr
