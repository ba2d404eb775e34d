"""The streaming graph: feeds polled and folders watched, items written per window.

ticks -> poll feeds / watch folders -> the shared stages (parse, feed
language, normalize, language, entities) -> event time -> dedup in keyed state -> fixed windows
-> files per window and pane, in each output format. On the DirectRunner the graph runs
batch-like (windows are written when the run ends, see the README); on
Flink or Dataflow every window's files appear as its pane fires.
"""
import time
from typing import Dict, List, Optional, Sequence

import apache_beam as beam
from apache_beam.transforms.periodicsequence import PeriodicImpulse
from apache_beam.utils.timestamp import MAX_TIMESTAMP

from pipeline.options import output_formats
from pipeline.shared_stages import ProcessSources, dedup_settings, split_duplicates
from transforms import output_folder
from transforms.dedup.streaming import DeduplicateStream
from transforms.output_layout import AVRO, folder_formats, format_folder
from transforms.read.archives import DEFAULT_MAX_MEMBERS
from transforms.read.feed_list import FeedSpec
from transforms.read.poll import PollFeeds, PollSettings
from transforms.read.watch import WatchFolders
from transforms.tags import DEAD_LETTERS, ITEMS, SOURCES
from transforms.window import FixedEventWindows, StampEventTime
from transforms.write import WriteWindowedRecords


def poll_settings(options) -> PollSettings:
  return PollSettings(interval=options.poll_interval,
                      fetch_timeout=options.fetch_timeout,
                      max_bytes=options.max_input_bytes)


class StreamSources(beam.PTransform):
  """Unbounded sources: feeds polled, folders watched, on a clock's ticks.

  Returns ``sources`` and ``dead_letters`` like ``ReadSources``.
  """
  def __init__(self, feed_specs: Sequence[FeedSpec], settings: PollSettings,
               folders: Sequence[str], already_read: Dict[str, List[str]],
               max_input_bytes: int, tick: float, stop_after: Optional[float],
               follow_links: bool = False,
               max_archive_members: int = DEFAULT_MAX_MEMBERS):
    super().__init__()
    self._follow_links = follow_links
    self._max_archive_members = max_archive_members
    self._feed_specs = list(feed_specs)
    self._settings = settings
    self._folders = list(folders)
    self._already_read = already_read
    self._max_input_bytes = max_input_bytes
    self._tick = tick
    self._stop_after = stop_after

  def expand(self, pbegin):
    start = time.time()
    stop = start + self._stop_after if self._stop_after else MAX_TIMESTAMP
    ticks = pbegin | 'Ticks' >> PeriodicImpulse(
        start_timestamp=start, stop_timestamp=stop, fire_interval=self._tick)
    results = []
    if self._feed_specs:
      results.append(ticks | 'PollFeeds' >> PollFeeds(self._feed_specs, self._settings))
    if self._folders:
      results.append(ticks | 'WatchFolders' >> WatchFolders(
          self._folders, self._max_input_bytes, self._already_read, self._follow_links,
          self._max_archive_members))
    sources = ([result[SOURCES] for result in results]
               | 'FlattenSources' >> beam.Flatten()
               | 'SpreadSources' >> beam.Reshuffle())
    return {SOURCES: sources,
            DEAD_LETTERS: [result[DEAD_LETTERS] for result in results]
                          | 'FlattenReadFailures' >> beam.Flatten()}


class StreamWireItems(beam.PTransform):
  """Sources in; deduplicated items and dead letters, in fixed event-time windows."""
  def __init__(self, options):
    super().__init__()
    self._options = options

  def expand(self, read):
    options = self._options
    processed = read | 'Process' >> ProcessSources(options)
    stamped = processed[ITEMS] | 'EventTime' >> StampEventTime(options.allowed_lateness)
    items = (stamped[ITEMS]
             | 'Dedup' >> DeduplicateStream(dedup_settings(options), options.dedup_window)
             | 'WindowItems' >> FixedEventWindows(options.window, options.allowed_lateness))
    dead_letters = (
        (processed[DEAD_LETTERS], stamped[DEAD_LETTERS])
        | 'CollectDeadLetters' >> beam.Flatten()
        | 'WindowDeadLetters' >> FixedEventWindows(options.window, options.allowed_lateness))
    return {ITEMS: items, DEAD_LETTERS: dead_letters}


class WriteWindowedOutputs(beam.PTransform):
  """Items (and duplicates, when split) in each of ``output_formats``, and dead
  letters in Avro, one set of files per pane."""
  def __init__(self, output: str, run_id: str, codec: str, split_duplicates: bool,
               output_formats: Sequence[str] = (AVRO,)):
    super().__init__()
    self._output = output
    self._run_id = run_id
    self._codec = codec
    self._split_duplicates = split_duplicates
    self._output_formats = output_formats

  def _write(self, records, folder, shard_key):
    return records | f'Write_{folder}' >> WriteWindowedRecords(
        output_folder.SCHEMA_OF[folder],
        {output_format: output_folder.folder_path(self._output,
                                                  format_folder(folder, output_format))
         for output_format in folder_formats(folder, self._output_formats)},
        self._run_id, self._codec, shard_key)

  def expand(self, outputs):
    items = outputs[ITEMS]
    if self._split_duplicates:
      items, duplicates = split_duplicates(items)
      self._write(duplicates, output_folder.DUPLICATES, lambda r: r['uri'])
    self._write(items, output_folder.ITEMS, lambda r: r['uri'])
    self._write(outputs[DEAD_LETTERS], output_folder.DEAD_LETTERS,
                lambda d: f'{d["source"]}#{d["position"]}#{d["reason"]}')
    return beam.pvalue.PDone(items.pipeline)


class IngestStream(beam.PTransform):
  """The whole streaming run: feeds and folders in, files per window out.

  ``already_read`` maps each watched folder to the files that earlier runs'
  outputs record (``output_folder.paths_already_read``).
  """
  def __init__(self, feed_specs: Sequence[FeedSpec], settings: PollSettings,
               folders: Sequence[str], already_read: Dict[str, List[str]],
               tick: float, options, run_id: str):
    super().__init__()
    self._sources = StreamSources(feed_specs, settings, folders, already_read,
                                  options.max_input_bytes, tick, options.stop_after,
                                  options.follow_links, options.max_archive_members)
    self._options = options
    self._run_id = run_id

  def expand(self, pbegin):
    options = self._options
    return (pbegin
            | 'Stream' >> self._sources
            | 'Ingest' >> StreamWireItems(options)
            | 'WriteOutputs' >> WriteWindowedOutputs(
                options.output, self._run_id, options.codec, options.split_duplicates,
                output_formats(options)))
