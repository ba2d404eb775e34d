"""The batch graph, read to write: read -> normalize -> re-sightings -> enrich -> dedup -> write.

Files, feeds fetched once and replayed dead letters are read; the shared
stages normalise them (``shared_stages``: parse, feed language, normalize);
the items published before and seen again unchanged are taken out (they
need no language nor entities); the rest get their language and entities,
and are deduplicated among themselves and against the rows of the dedup
index that they can meet; items, re-sightings, dead letters and the new
index rows are written as one file set per folder of the output folder.
"""
import dataclasses
import datetime
from typing import Dict, Optional, Sequence

import apache_beam as beam
from apache_beam.transforms.util import WaitOn

from pipeline import progress
from pipeline.options import output_formats
from pipeline.progress import CountProgress
from pipeline.shared_stages import (
  EnrichItems,
  NormalizeSources,
  ProcessSources,
  dedup_settings,
  split_duplicates,
)
from transforms import output_folder
from transforms.dedup.batch import DeduplicateItems
from transforms.dedup.index import IndexRows, ReadDedupIndex
from transforms.dedup.resightings import SplitResightings
from transforms.dedup.settings import DedupSettings
from transforms.output_layout import AVRO, folder_formats, format_folder
from transforms.read.sources import ReadSources, SourceData
from transforms.tags import DEAD_LETTERS, ITEMS, RESIGHTINGS
from transforms.write import WriteRecords


@dataclasses.dataclass(frozen=True)
class BatchInputs:
  """What a batch run reads: file patterns, feed URLs, replayed dead letters
  (their raw bytes, or the paths of the files to read again)."""
  file_patterns: Sequence[str] = ()
  feed_urls: Sequence[str] = ()
  replayed: Sequence[SourceData] = ()
  replayed_paths: Sequence[str] = ()


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
                options.fetch_timeout, replayed=self._replayed,
                follow_links=options.follow_links,
                max_archive_members=options.max_archive_members)
            | 'Process' >> ProcessSources(options))


class WriteRunOutputs(beam.PTransform):
  """Items, duplicates, re-sightings, dead letters and new index rows, a file set each.

  Items and duplicates in each of ``output_formats``, the rest in Avro.
  Duplicates go to the items folder unless ``split``; index rows are
  written only when there is an index to keep (``index_settings``). The
  published folders are written in order, each once the one before is in
  place: items, then duplicates, then the index. So whatever a killed run
  left, its index files mean its items are published, and its duplicates
  that its canonical items are (``output_folder.index_files_to_read``).
  """
  def __init__(self, prefixes: Dict[str, str], codec: str, split: bool,
               index_settings: Optional[DedupSettings], seen_at: datetime.datetime,
               output_formats: Sequence[str] = (AVRO,)):
    super().__init__()
    self._prefixes = prefixes
    self._output_formats = output_formats
    self._codec = codec
    self._split = split
    self._index_settings = index_settings
    self._seen_at = seen_at

  def _write(self, records, folder):
    return records | f'Write_{folder}' >> WriteRecords(
        output_folder.SCHEMA_OF[folder],
        {output_format: self._prefixes[format_folder(folder, output_format)]
         for output_format in folder_formats(folder, self._output_formats)},
        self._codec)

  def expand(self, outputs):
    items = outputs[ITEMS]
    if self._split:
      items, duplicates = split_duplicates(items)
    published = self._write(items, output_folder.ITEMS)
    if self._split:
      published += self._write(
          duplicates | 'AfterItems' >> WaitOn(*published), output_folder.DUPLICATES)
    self._write(outputs[DEAD_LETTERS], output_folder.DEAD_LETTERS)
    if RESIGHTINGS in outputs:
      self._write(outputs[RESIGHTINGS], output_folder.RESIGHTINGS)
    if self._index_settings:
      self._write(outputs[ITEMS]
                  | 'IndexRows' >> IndexRows(self._index_settings, self._seen_at)
                  | 'AfterPublished' >> WaitOn(*published),
                  output_folder.DEDUP_INDEX)
    return beam.pvalue.PDone(items.pipeline)


class IngestBatch(beam.PTransform):
  """The whole batch run: its inputs in, its files under ``options.output`` out.

  With the dedup index, the items published before and seen again
  unchanged leave after normalising, as re-sighting records, unless
  ``--write-resightings`` asks for their full records. With ``progress``,
  each worker prints what it read and wrote every few seconds.
  """
  def __init__(self, inputs: BatchInputs, options, run_id: str, progress: bool = False):
    super().__init__()
    self._inputs = inputs
    self._options = options
    self._run_id = run_id
    self._progress = progress

  def _counted(self, elements, name: str):
    if not self._progress:
      return elements
    return elements | f'Progress_{name.replace(" ", "_")}' >> CountProgress(name)

  def expand(self, pbegin):
    options, inputs = self._options, self._inputs
    settings = dedup_settings(options)
    read = pbegin | 'Read' >> ReadSources(
        inputs.file_patterns, inputs.feed_urls, options.max_input_bytes,
        options.fetch_timeout, replayed=inputs.replayed,
        replayed_paths=inputs.replayed_paths, follow_links=options.follow_links,
        max_archive_members=options.max_archive_members)
    normalized = read | 'Normalize' >> NormalizeSources(options)
    normalized = {ITEMS: self._counted(normalized[ITEMS], progress.ENTRIES),
                  DEAD_LETTERS: normalized[DEAD_LETTERS]}
    index_rows, outputs = None, {}
    # Before the first run there is no index to read: nothing can be a
    # re-sighting nor match an earlier run, and the graph is a fifth smaller.
    # (The folder is this run's until it ends, so the index cannot appear.)
    earlier_runs = options.dedup_index and bool(output_folder.index_file_plan(options.output))
    if earlier_runs and not options.write_resightings:
      rows_by_uri = normalized[ITEMS] | 'ReadIndexByUri' >> ReadDedupIndex(
          options.output, settings, by_uri=True)
      split = ({'records': normalized[ITEMS], 'rows': rows_by_uri}
               | 'SkipResightings' >> SplitResightings(output_folder.run_time(self._run_id)))
      outputs[RESIGHTINGS] = split[RESIGHTINGS]
      normalized = {ITEMS: split[ITEMS], DEAD_LETTERS: normalized[DEAD_LETTERS]}
    if earlier_runs:  # the rows the items left to enrich can meet
      index_rows = normalized[ITEMS] | 'ReadDedupIndex' >> ReadDedupIndex(
          options.output, settings)
    enriched = normalized | 'Enrich' >> EnrichItems(options)
    outputs[ITEMS] = self._counted(
        enriched[ITEMS] | 'Dedup' >> DeduplicateItems(settings, index_rows), progress.ITEMS)
    outputs[DEAD_LETTERS] = self._counted(enriched[DEAD_LETTERS], progress.DEAD_LETTERS)
    formats = output_formats(options)
    return outputs | 'WriteOutputs' >> WriteRunOutputs(
        output_folder.run_prefixes(options.output, self._run_id, formats), options.codec,
        options.split_duplicates, settings if options.dedup_index else None,
        output_folder.run_time(self._run_id), formats)
