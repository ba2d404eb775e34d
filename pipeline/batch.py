"""The batch graph, read to write: read -> shared stages -> dedup -> write.

Files, feeds fetched once and replayed dead letters are read; the shared
stages (``shared_stages``: parse, feed language, normalize, language,
entities) make items; the items are deduplicated among themselves and
against the dedup index of earlier runs; items, dead letters and the new
index rows are written as one file set per folder of the output folder.
"""
import dataclasses
from typing import Dict, Optional, Sequence

import apache_beam as beam

from pipeline.shared_stages import ProcessSources, dedup_settings, split_duplicates
from transforms import output_folder
from transforms.dedup.batch import DeduplicateItems
from transforms.dedup.index import IndexRows
from transforms.read.sources import ReadSources, SourceData
from transforms.tags import DEAD_LETTERS, ITEMS
from transforms.write import WriteAvroRecords


@dataclasses.dataclass(frozen=True)
class BatchInputs:
  """What a batch run reads: file patterns, feed URLs, replayed dead letters."""
  file_patterns: Sequence[str] = ()
  feed_urls: Sequence[str] = ()
  replayed: Sequence[SourceData] = ()


class IngestWireItems(beam.PTransform):
  """Batch inputs read and processed: ``{items, dead_letters}``, not yet deduplicated."""
  def __init__(self, file_patterns: Sequence[str], feed_urls: Sequence[str],
               options, replayed: Sequence[SourceData] = ()):
    super().__init__()
    self._file_patterns = file_patterns
    self._feed_urls = feed_urls
    self._options = options
    self._replayed = replayed

  def expand(self, pbegin):
    options = self._options
    return (pbegin
            | 'Read' >> ReadSources(
                self._file_patterns, self._feed_urls, options.max_input_bytes,
                options.fetch_timeout, replayed=self._replayed)
            | 'Process' >> ProcessSources(options))


class WriteRunOutputs(beam.PTransform):
  """Items, duplicates, dead letters and the dedup index, one file set per folder.

  Duplicates go to the items folder unless ``split_duplicates``; index rows
  only when there is an index to keep (``index_shingle_size``).
  """
  def __init__(self, prefixes: Dict[str, str], codec: str, split: bool,
               index_shingle_size: Optional[int]):
    super().__init__()
    self._prefixes = prefixes
    self._codec = codec
    self._split = split
    self._index_shingle_size = index_shingle_size

  def _write(self, records, folder):
    return records | f'Write_{folder}' >> WriteAvroRecords(
        output_folder.SCHEMA_OF[folder], self._prefixes[folder], self._codec)

  def expand(self, outputs):
    items = outputs[ITEMS]
    if self._split:
      items, duplicates = split_duplicates(items)
      self._write(duplicates, output_folder.DUPLICATES)
    self._write(items, output_folder.ITEMS)
    self._write(outputs[DEAD_LETTERS], output_folder.DEAD_LETTERS)
    if self._index_shingle_size:
      self._write(outputs[ITEMS] | 'IndexRows' >> IndexRows(self._index_shingle_size),
                  output_folder.DEDUP_INDEX)
    return beam.pvalue.PDone(items.pipeline)


class IngestBatch(beam.PTransform):
  """The whole batch run: its inputs in, its files under ``options.output`` out."""
  def __init__(self, inputs: BatchInputs, options, run_id: str):
    super().__init__()
    self._inputs = inputs
    self._options = options
    self._run_id = run_id

  def expand(self, pbegin):
    options = self._options
    settings = dedup_settings(options)
    index_output = options.output if options.dedup_index else None
    inputs = self._inputs
    processed = pbegin | 'Ingest' >> IngestWireItems(
        inputs.file_patterns, inputs.feed_urls, options, inputs.replayed)
    items = processed[ITEMS] | 'Dedup' >> DeduplicateItems(settings, index_output)
    return ({ITEMS: items, DEAD_LETTERS: processed[DEAD_LETTERS]}
            | 'WriteOutputs' >> WriteRunOutputs(
                output_folder.run_prefixes(options.output, self._run_id), options.codec,
                options.split_duplicates, settings.shingle_size if index_output else None))
