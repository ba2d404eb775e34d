"""bench.field_coverage counts what items carry, on Avro files it reads back."""
import fastavro

import schemas
from bench import field_coverage
from transforms.dead_letters import Origin, dead_letter_record
from transforms.entry import ParsedEntry
from transforms.normalize.record import normalize_entry


def _item(body):
  entry = ParsedEntry(format='wire_text', source='s.txt', position=0, raw=b'x',
                      title='Headline', body=body)
  return normalize_entry(entry, 1 << 20)


def test_items_with_each_field_and_dead_letters_by_reason(tmp_path, capsys):
  (tmp_path / 'items').mkdir()
  (tmp_path / 'dead_letters').mkdir()
  with open(tmp_path / 'items' / 'run.avro', 'wb') as f:
    fastavro.writer(f, schemas.parsed_schema(schemas.WIRE_ITEM), [
        _item('FRANKFURT, Nov 27 (Reuters) - The ECB said.'), _item('No dateline here.')])
  with open(tmp_path / 'dead_letters' / 'run.avro', 'wb') as f:
    fastavro.writer(f, schemas.parsed_schema(schemas.DEAD_LETTER), [dead_letter_record(
        'parse', 'unsupported_format', 'a PDF document', Origin('r.pdf', b'%PDF'))])
  assert field_coverage.coverage(str(tmp_path), ('located', 'agency', 'keywords')) == {
      'items': 2, 'located': 1, 'agency': 1, 'keywords': 0,
      'dead letters': {'parse.unsupported_format': 1}}
  field_coverage.main([str(tmp_path), '--field', 'located'])
  assert '  located          1' in capsys.readouterr().out
