"""Write stage: records to Avro files, with the schema from ``schemas/``."""
import apache_beam as beam
from apache_beam.io.avroio import WriteToAvro
from apache_beam.metrics import Metrics

import schemas
from transforms.dead_letters import METRICS_NAMESPACE

AVRO_SUFFIX = '.avro'


def _count(record, counter):
  counter.inc()
  return record


class WriteAvroRecords(beam.PTransform):
  """Writes records of the named schema to ``<path_prefix>-SSSSS-of-NNNNN.avro``.

  Beam's file sink writes to temporary files and renames them when the
  bundle is done, so a failed run leaves no partial file under the prefix.
  """
  def __init__(self, schema_name: str, path_prefix: str, codec: str):
    super().__init__()
    self._schema_name = schema_name
    self._path_prefix = path_prefix
    self._codec = codec

  def expand(self, records):
    counter = Metrics.counter(METRICS_NAMESPACE, f'written.{self._schema_name}')
    return (records
            | 'Count' >> beam.Map(_count, counter)
            | 'WriteAvro' >> WriteToAvro(
                self._path_prefix, schema=schemas.parsed_schema(self._schema_name),
                codec=self._codec, file_name_suffix=AVRO_SUFFIX))
