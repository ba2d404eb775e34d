"""The Avro schemas: the .avsc files beside this module are the single source of truth."""
import functools
import json
import pathlib

import fastavro

_HERE = pathlib.Path(__file__).parent
WIRE_ITEM = 'wire_item'
DEAD_LETTER = 'dead_letter'
DEDUP_INDEX = 'dedup_index'
RESIGHTING = 'resighting'


@functools.lru_cache(maxsize=None)
def load_schema(name: str) -> dict:
  """The schema as JSON, as read from ``schemas/<name>.avsc``."""
  return json.loads((_HERE / f'{name}.avsc').read_text(encoding='utf-8'))


@functools.lru_cache(maxsize=None)
def parsed_schema(name: str) -> dict:
  """The schema parsed by fastavro (validated, ready for writing)."""
  return fastavro.parse_schema(load_schema(name))
