"""Write stage: records to Avro files, with the schema from ``schemas/``.

Batch runs write through Beam's Avro sink; streaming runs write one set of
files per window and pane, named by ``output_folder``. Both write to
temporary names and rename when done, so a reader never sees a partial file.
"""
import logging
import uuid
import zlib
from typing import Callable

import apache_beam as beam
import fastavro
from apache_beam.io.avroio import WriteToAvro
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

import schemas
from transforms.dead_letters import METRICS_NAMESPACE
from transforms.output_folder import AVRO_SUFFIX, window_file_name


def _count(record, counter):
  counter.inc()
  return record


def _not_about_skipped_shards(record: logging.LogRecord) -> bool:
  return 'No shards found to finalize' not in record.getMessage()


# With no records there is no shard to finalize, which Beam warns about.
logging.getLogger('apache_beam.io.filebasedsink').addFilter(_not_about_skipped_shards)


class _WriteToAvroUnlessEmpty(WriteToAvro):
  """Beam's Avro sink, which writes no file at all when there are no records.

  Beam writes one empty shard by default: a clean run would leave an empty
  dead-letters file, which some readers refuse (polars: OutOfSpec), and
  every run a file set in every folder.
  """
  def __init__(self, *args, **kwargs):
    super().__init__(*args, **kwargs)
    make_sink = self._sink_provider

    def sink_that_skips_if_empty(avro_schema):
      sink = make_sink(avro_schema)
      sink.skip_if_empty = True
      return sink

    self._sink_provider = sink_that_skips_if_empty


class WriteAvroRecords(beam.PTransform):
  """Writes records of the named schema to ``<path_prefix>-SSSSS-of-NNNNN.avro``.

  Beam's file sink writes to temporary files and renames them when the
  bundle is done, so a failed run leaves no partial file under the prefix;
  no records, no file.
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
            | 'WriteAvro' >> _WriteToAvroUnlessEmpty(
                self._path_prefix, schema=schemas.parsed_schema(self._schema_name),
                codec=self._codec, file_name_suffix=AVRO_SUFFIX))


class _WriteWindowFileFn(beam.DoFn):
  """Writes one shard of one pane under a temporary name, then renames it.

  A retried bundle writes the same records under the same name again, so
  a retry replaces its own file rather than adding one.
  """
  def __init__(self, schema_name: str, folder: str, run_id: str, codec: str):
    self._schema_name = schema_name
    self._folder = folder
    self._run_id = run_id
    self._codec = codec

  def setup(self):
    self._schema = schemas.parsed_schema(self._schema_name)
    self._temp_folder = FileSystems.join(self._folder, f'.temp-{self._run_id}')
    for folder in (self._folder, self._temp_folder):
      if not FileSystems.exists(folder):
        FileSystems.mkdirs(folder)

  def process(self, element, window=beam.DoFn.WindowParam,
              pane=beam.DoFn.PaneInfoParam):
    shard, records = element
    name = window_file_name(self._run_id, window, pane.index, shard)
    temp_path = FileSystems.join(self._temp_folder, f'{uuid.uuid4().hex}-{name}')
    with FileSystems.create(temp_path) as f:
      fastavro.writer(f, self._schema, records, codec=self._codec)
    final_path = FileSystems.join(self._folder, name)
    FileSystems.rename([temp_path], [final_path])  # replaces a retry's file
    yield final_path


class WriteWindowedAvroRecords(beam.PTransform):
  """Writes each pane of each window as Avro files in ``folder``, as it fires.

  Records are spread over ``shards`` files per pane by ``shard_key``, a
  stable function of the record, so that no key holds a whole window.
  Returns the paths written.
  """
  def __init__(self, schema_name: str, folder: str, run_id: str, codec: str,
               shard_key: Callable[[dict], str], shards: int = 4):
    super().__init__()
    self._schema_name = schema_name
    self._folder = folder
    self._run_id = run_id
    self._codec = codec
    self._shard_key = shard_key
    self._shards = shards

  def expand(self, records):
    counter = Metrics.counter(METRICS_NAMESPACE, f'written.{self._schema_name}')
    shard_key, shards = self._shard_key, self._shards
    return (records
            | 'Count' >> beam.Map(_count, counter)
            | 'KeyByShard' >> beam.WithKeys(
                lambda record: zlib.crc32(shard_key(record).encode()) % shards)
            | 'GroupPaneShards' >> beam.GroupByKey()
            | 'WriteAvroFiles' >> beam.ParDo(_WriteWindowFileFn(
                self._schema_name, self._folder, self._run_id, self._codec)))
