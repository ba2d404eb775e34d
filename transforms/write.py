"""Write stage: records to files, in each output format asked, with the schema from ``schemas/``.

Avro (fastavro), Parquet (pyarrow, its schema derived from the ``.avsc``
files: ``write_parquet``) and ninjs JSON Lines (``write_ninjs``). Batch runs
write through Beam's file sinks; streaming runs write one set of files per
window and pane, named by ``output_folder``. Both write to temporary names
and rename when done, so a reader never sees a partial file.
"""
import logging
import uuid
import zlib
from typing import Callable, Dict, List

import apache_beam as beam
import fastavro
from apache_beam.io.avroio import WriteToAvro
from apache_beam.io.filesystems import FileSystems
from apache_beam.io.parquetio import WriteToParquet
from apache_beam.io.textio import WriteToText
from apache_beam.metrics import Metrics

import schemas
from transforms.dead_letters import METRICS_NAMESPACE
from transforms.output_folder import STREAMING_TEMP_PREFIX, window_file_name
from transforms.output_layout import AVRO, PARQUET, SUFFIX
from transforms.write_ninjs import ninjs_line, write_ninjs
from transforms.write_parquet import CODEC_OF_AVRO, arrow_schema, write_parquet


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


class _WriteToParquetUnlessEmpty(WriteToParquet):
  """Beam's Parquet sink, which writes no file at all when there are no records."""
  def __init__(self, *args, **kwargs):
    super().__init__(*args, **kwargs)
    self._sink.skip_if_empty = True


def _batch_sink(output_format: str, schema_name: str, path_prefix: str,
                codec: str) -> beam.PTransform:
  """Beam's file sink of a format, writing ``<path_prefix>-SSSSS-of-NNNNN<suffix>``."""
  suffix = SUFFIX[output_format]
  if output_format == AVRO:
    return _WriteToAvroUnlessEmpty(path_prefix, schema=schemas.parsed_schema(schema_name),
                                   codec=codec, file_name_suffix=suffix)
  if output_format == PARQUET:
    return _WriteToParquetUnlessEmpty(path_prefix, schema=arrow_schema(schema_name),
                                      codec=CODEC_OF_AVRO[codec], file_name_suffix=suffix)
  return ('ToNinjsLines' >> beam.Map(ninjs_line)
          | 'WriteJsonLines' >> WriteToText(path_prefix, file_name_suffix=suffix,
                                            skip_if_empty=True))


class WriteRecords(beam.PTransform):
  """Writes records of the named schema in each format of ``path_prefixes``
  ({format: prefix}), one file set per format, and counts them once.

  Beam's file sinks write to temporary files and rename them when the
  bundle is done, so a failed run leaves no partial file under a prefix;
  no records, no file. Returns what each sink returns, to wait on.
  """
  def __init__(self, schema_name: str, path_prefixes: Dict[str, str], codec: str):
    super().__init__()
    self._schema_name = schema_name
    self._path_prefixes = path_prefixes
    self._codec = codec

  def expand(self, records):
    counter = Metrics.counter(METRICS_NAMESPACE, f'written.{self._schema_name}')
    counted = records | 'Count' >> beam.Map(_count, counter)
    return [counted | f'Write_{output_format}' >> _batch_sink(
                output_format, self._schema_name, prefix, self._codec)
            for output_format, prefix in self._path_prefixes.items()]


def write_file(output_format: str, file, records: List[dict], schema_name: str,
               codec: str) -> None:
  """Writes records as one file of a format to an open binary file."""
  if output_format == AVRO:
    fastavro.writer(file, schemas.parsed_schema(schema_name), records, codec=codec)
  elif output_format == PARQUET:
    write_parquet(file, records, schema_name, codec)
  else:
    write_ninjs(file, records)


class _WriteWindowFileFn(beam.DoFn):
  """Writes one shard of one pane, a file per format, under a temporary name, then
  renames it.

  A retried bundle writes the same records under the same name again, so
  a retry replaces its own file rather than adding one.
  """
  def __init__(self, schema_name: str, folders: Dict[str, str], run_id: str, codec: str):
    self._schema_name = schema_name
    self._folders = folders
    self._run_id = run_id
    self._codec = codec

  def setup(self):
    temp_name = STREAMING_TEMP_PREFIX + self._run_id
    self._temp_folders = {output_format: FileSystems.join(folder, temp_name)
                          for output_format, folder in self._folders.items()}
    for folder in list(self._folders.values()) + list(self._temp_folders.values()):
      if not FileSystems.exists(folder):
        FileSystems.mkdirs(folder)

  def process(self, element, window=beam.DoFn.WindowParam,
              pane=beam.DoFn.PaneInfoParam):
    shard, records = element
    records = list(records)
    for output_format, folder in self._folders.items():
      name = window_file_name(self._run_id, window, pane.index, shard, SUFFIX[output_format])
      temp_path = FileSystems.join(self._temp_folders[output_format],
                                   f'{uuid.uuid4().hex}-{name}')
      with FileSystems.create(temp_path) as f:
        write_file(output_format, f, records, self._schema_name, self._codec)
      final_path = FileSystems.join(folder, name)
      FileSystems.rename([temp_path], [final_path])  # replaces a retry's file
      yield final_path


class WriteWindowedRecords(beam.PTransform):
  """Writes each pane of each window as files in ``folders`` ({format: folder}), as
  it fires.

  Records are spread over ``shards`` files per pane by ``shard_key``, a
  stable function of the record, so that no key holds a whole window; each
  shard is one file per format. Returns the paths written.
  """
  def __init__(self, schema_name: str, folders: Dict[str, str], run_id: str, codec: str,
               shard_key: Callable[[dict], str], shards: int = 4):
    super().__init__()
    self._schema_name = schema_name
    self._folders = folders
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
            | 'WriteFiles' >> beam.ParDo(_WriteWindowFileFn(
                self._schema_name, self._folders, self._run_id, self._codec)))
