"""Records as Parquet: the Arrow schema derived from the ``.avsc`` files.

The Avro schemas stay the single source of truth: each Avro type has one
Arrow type (records become structs, arrays lists, ``timestamp-micros``
UTC timestamps, a union with null a nullable field), so a field added to
an ``.avsc`` file is a column of the Parquet files too. pyarrow, which Beam
installs, reads and writes them; no Beam here, so that ``wirebeam
inspect`` reads Parquet without starting it.
"""
import functools
import io
from typing import Iterable, Iterator, List

import pyarrow as pa
import pyarrow.parquet as pq

import schemas

_PRIMITIVES = {
    'string': pa.string(), 'int': pa.int32(), 'long': pa.int64(),
    'double': pa.float64(), 'boolean': pa.bool_(),
    'bytes': pa.binary(),
}
_LOGICAL = {'timestamp-micros': pa.timestamp('us', tz='UTC')}
# Parquet's codec for each Avro codec of --codec: the same family of compression.
CODEC_OF_AVRO = {'deflate': 'gzip', 'snappy': 'snappy', 'zstandard': 'zstd', 'null': 'none'}


def _arrow_field(name: str, avro_type) -> pa.Field:
  """One Avro field as an Arrow field: nullable exactly when the Avro union has null."""
  nullable = isinstance(avro_type, list) and 'null' in avro_type
  if isinstance(avro_type, list):
    others = [member for member in avro_type if member != 'null']
    if len(others) != 1:
      raise ValueError(f'{name}: only unions of null and one type have an Arrow type')
    avro_type = others[0]
  return pa.field(name, arrow_type(avro_type), nullable=nullable)


def arrow_type(avro_type) -> pa.DataType:
  """The Arrow type of an Avro type, as the ``.avsc`` files write them."""
  if isinstance(avro_type, str):
    return _PRIMITIVES[avro_type]
  if avro_type.get('logicalType') in _LOGICAL:
    return _LOGICAL[avro_type['logicalType']]
  if avro_type['type'] == 'record':
    return pa.struct([_arrow_field(field['name'], field['type'])
                      for field in avro_type['fields']])
  if avro_type['type'] == 'array':
    return pa.list_(pa.field('element', arrow_type(avro_type['items']), nullable=False))
  return _PRIMITIVES[avro_type['type']]


@functools.lru_cache(maxsize=None)
def arrow_schema(schema_name: str) -> pa.Schema:
  """The Arrow schema of ``schemas/<schema_name>.avsc``, its doc strings kept as field metadata."""
  avro = schemas.load_schema(schema_name)
  return pa.schema([
      _arrow_field(field['name'], field['type']).with_metadata(
          {'doc': field['doc']} if field.get('doc') else None)
      for field in avro['fields']])


def write_parquet(file, records: Iterable[dict], schema_name: str, codec: str) -> None:
  """Writes records of the named schema as one Parquet file to an open binary file."""
  table = pa.Table.from_pylist(list(records), schema=arrow_schema(schema_name))
  pq.write_table(table, file, compression=CODEC_OF_AVRO[codec])


def read_parquet(data: bytes) -> List[dict]:
  """The records of a Parquet file's bytes, as dicts like fastavro's."""
  return pq.read_table(io.BytesIO(data)).to_pylist()


def source_locations(data: bytes) -> Iterator[str]:
  """The ``source.location`` of each item of a Parquet file's bytes (column read alone)."""
  table = pq.read_table(io.BytesIO(data), columns=['source'])
  for source in table.column('source').to_pylist():
    yield source['location']
