"""Command line: options in, the ingestion pipeline run, a summary printed."""
import argparse
import datetime
import os
import pathlib
import sys
from typing import List, Optional, Sequence

import apache_beam as beam
import fastavro
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

from pipeline.ingest import (DeduplicateItems, IngestWireItems, WriteOutputs,
                             dedup_settings, entity_settings, output_prefixes)
from pipeline.local_runner import merge_bundle_metrics_eagerly
from pipeline.options import WirebeamOptions
from pipeline.streaming import (StreamSources, StreamWireItems,
                                WriteWindowedOutputs, paths_already_read,
                                poll_settings)
import schemas
from transforms.dead_letters import METRICS_NAMESPACE
from transforms.entities.recognizers import missing_models
from transforms.errors import InputError
from transforms.normalize import ITEMS
from transforms.read import SourceData
from transforms.read.feed_list import FeedSpec, parse_feed_list
from transforms.read.poll import check_feed_specs, feed_interval

SEEDS = pathlib.Path(__file__).resolve().parents[1] / 'seeds'
_GLOB_CHARS = frozenset('*?[')
TICK_SECONDS = 5.0

DESCRIPTION = """\
Ingest wire items from files and feeds into Avro records: parse RSS, Atom,
RDF, JSON Feed, IPTC ninjs, NewsML-G2 and plain-text wire copy; normalise
text, dates, URLs and identities; detect the language; find people,
organisations and places; mark re-sightings, versions and duplicates (also
against earlier runs); write the items and, for whatever could not be
ingested, dead-letter records saying why.
"""
EPILOG = """\
Apache Beam's own options pass through, for example --runner,
--direct_num_workers=2 --direct_running_mode=multi_processing (use
multi_processing rather than multi_threading, which was seen losing
elements), or a distributed runner's options.
"""


LOCAL_STREAMING_WARNING = """\
wirebeam: warning: the DirectRunner runs a streaming job live on Prism,
which it downloads on first use; where it cannot (offline), it falls back to
a batch engine that polls live but writes nothing until reading stops. Give
--stop-after, or use a live runner (Flink, Dataflow: see deploy/README.md)."""


def is_local(options: PipelineOptions) -> bool:
  runner = options.view_as(StandardOptions).runner
  return runner is None or runner in ('DirectRunner', 'SwitchingDirectRunner')


class UsageError(Exception):
  """A mistake in the command line, reported before any work starts."""


def resolve_file_patterns(inputs: Sequence[str]) -> List[str]:
  """Beam file patterns for --input values: a folder means all files under it.

  A local path that does not exist is an error now rather than an empty run;
  globs and remote paths (gs://, s3://) are matched by Beam at run time.
  """
  patterns = []
  for value in inputs:
    is_remote = '://' in value
    if os.path.isdir(value):
      patterns.append(FileSystems.join(os.path.abspath(value), '**'))
    elif is_remote or _GLOB_CHARS & set(value):
      patterns.append(value)
    elif os.path.isfile(value):
      patterns.append(os.path.abspath(value))
    else:
      raise UsageError(f'--input {value}: no such file or folder')
  return patterns


def read_feed_specs(feed_list: Optional[str]) -> List[FeedSpec]:
  if not feed_list:
    return []
  try:
    with open(feed_list, 'rb') as f:
      return parse_feed_list(f.read())
  except OSError as error:
    raise UsageError(f'--feeds {feed_list}: {error.strerror}')
  except InputError as error:
    raise UsageError(f'--feeds {feed_list}: {error}')


def read_dead_letters(folder: str):
  """What --replay reads again: (raw sources, file paths, feed URLs).

  A dead letter with raw bytes is parsed again from them; one without
  (its source could not be read at all) has its source read again.
  """
  sources, paths, urls = [], [], []
  matches = FileSystems.match([FileSystems.join(folder, '*.avro')])[0].metadata_list
  if not matches:
    raise UsageError(f'--replay {folder}: no dead-letter files (*.avro) there')
  for match in matches:
    with FileSystems.open(match.path) as f:
      for dead_letter in fastavro.reader(f):
        if dead_letter['raw']:
          sources.append(SourceData(dead_letter['source'], dead_letter['raw'],
                                    dead_letter['failed_at']))
        elif '://' in dead_letter['source']:
          urls.append(dead_letter['source'])
        else:
          paths.append(dead_letter['source'])
  return sources, sorted(set(paths)), sorted(set(urls))


def build_parser() -> argparse.ArgumentParser:
  parser = argparse.ArgumentParser(
      prog='wirebeam', description=DESCRIPTION, epilog=EPILOG,
      formatter_class=argparse.RawDescriptionHelpFormatter)
  WirebeamOptions._add_argparse_args(parser)  # pylint: disable=protected-access
  return parser


def collect_counters(result) -> dict:
  """Our Beam counters by name, as committed by the runner."""
  query = result.metrics().query(MetricsFilter().with_namespace(METRICS_NAMESPACE))
  counters = {}
  for counter in query['counters']:
    name = counter.key.metric.name
    value = counter.committed if counter.committed is not None else counter.attempted
    counters[name] = counters.get(name, 0) + (value or 0)
  return counters


def _listing(paths: List[str]) -> str:
  """The files a run wrote, or how many and where when they are many (windows)."""
  if len(paths) > 3:
    return f'{len(paths)} files in {FileSystems.split(paths[0])[0]}'
  return ' '.join(paths) or 'none'


def format_summary(counters: dict, files: dict) -> str:
  """The run summary people read at the end of a run."""
  def group(prefix):
    return {name[len(prefix):]: value for name, value in sorted(counters.items())
            if name.startswith(prefix)}

  def line(label, values):
    return f'  {label:<14}' + (', '.join(f'{k} {v}' for k, v in values.items())
                              or 'none')

  by_count = lambda values: dict(sorted(values.items(), key=lambda kv: (-kv[1], kv[0])))
  items = counters.get('written.wire_item', 0)
  dead_letters = counters.get('written.dead_letter', 0)
  # Inputs: every entry found, plus every source that failed as a whole.
  inputs = sum(group('entries.').values()) + sum(
      count for reason, count in group('dead_letter.').items()
      if reason.startswith(('read.', 'parse.')))
  accounted = ('every input accounted for' if inputs == items + dead_letters
               else 'MISMATCH: some inputs are neither items nor dead letters')
  lines = [
      'wirebeam run summary',
      line('sources', group('sources.')),
      line('entries', group('entries.')),
      f'  {"inputs":<14}{inputs} = items + dead letters: {accounted}',
      f'  {"items":<14}{items} ({counters.get("dedup.canonical", 0)} canonical)',
      f'  {"dead letters":<14}{dead_letters}',
      line('  by reason', by_count(group('dead_letter.'))),
      line('dedup', {'canonical': counters.get('dedup.canonical', 0),
                     **by_count({k: v for k, v in group('dedup.').items()
                                 if k != 'canonical'})}),
      line('languages', by_count(group('language.'))),
      line('entities', {'found': counters.get('entities.found', 0),
                        **{f'no model for {k}': v
                           for k, v in by_count(group('entities.no_model.')).items()}}),
      line('files', {name: _listing(paths) for name, paths in files.items()}),
  ]
  streaming = {**group('poll.'), **{f'watch {k}': v for k, v in group('watch.').items()}}
  if streaming:  # polls and folder listings of a streaming run
    lines.insert(2, line('polls', streaming))
  return '\n'.join(lines)


def check_models(known) -> None:
  if known.entities:
    missing = missing_models(dict(entity_settings(known).models))
    if missing:
      raise UsageError('; '.join(missing) + ' (or run with --no-entities)')


def batch_inputs(known):
  """(file patterns, feed URLs, replayed sources) of a batch run."""
  feed_urls = [spec.url for spec in read_feed_specs(known.feeds)]
  replayed, replayed_paths = [], []
  if known.replay:
    replayed, replayed_paths, replayed_urls = read_dead_letters(known.replay)
    feed_urls += replayed_urls
  inputs = known.input or ([] if feed_urls or known.replay else [str(SEEDS)])
  if inputs == [str(SEEDS)] and not SEEDS.is_dir():
    raise UsageError(f'no --input or --feeds given and no seeds folder at {SEEDS}')
  return resolve_file_patterns(inputs) + replayed_paths, feed_urls, replayed


def streaming_inputs(known):
  """(feed specs, poll settings, watched folders) of a streaming run."""
  if known.input or known.replay:
    raise UsageError('--input and --replay are for batch runs; with --streaming, '
                     'watch a folder with --watch DIR and poll feeds with --feeds FILE')
  specs = read_feed_specs(known.feeds)
  try:
    settings = poll_settings(known)
  except InputError as error:
    raise UsageError(f'--poll-interval: {error}')
  try:
    check_feed_specs(specs, settings)
  except InputError as error:
    raise UsageError(f'--feeds {known.feeds}: {error}')
  folders = []
  for folder in known.watch or []:
    if '://' not in folder and not os.path.isdir(folder):
      raise UsageError(f'--watch {folder}: no such folder')
    folders.append(folder if '://' in folder else os.path.abspath(folder))
  if not specs and not folders:
    raise UsageError('--streaming needs feeds to poll (--feeds FILE) or a '
                     'folder to watch (--watch DIR)')
  return specs, settings, folders


def build_batch(pipeline, known, options, prefixes) -> None:
  file_patterns, feed_urls, replayed = batch_inputs(known)
  settings = dedup_settings(options)
  index_folder = (FileSystems.join(options.output, schemas.DEDUP_INDEX)
                  if options.dedup_index else None)
  outputs = pipeline | 'Ingest' >> IngestWireItems(file_patterns, feed_urls,
                                                   options, replayed)
  outputs[ITEMS] = outputs[ITEMS] | 'Dedup' >> DeduplicateItems(settings, index_folder)
  _ = outputs | 'WriteOutputs' >> WriteOutputs(
      prefixes, options.codec, options.split_duplicates,
      settings.shingle_size if index_folder else None)


def build_streaming(pipeline, known, options, run_id: str) -> None:
  specs, settings, folders = streaming_inputs(known)
  # The clock ticks at least every few seconds, so that a retry or a file
  # that settled waits one tick at most, and as often as the busiest feed.
  tick = min([TICK_SECONDS] + [feed_interval(spec, settings) for spec in specs]
             + [options.watch_interval] * bool(folders))
  sources = pipeline | 'Stream' >> StreamSources(
      specs, settings, folders,
      paths_already_read(options.output, folders), options.max_input_bytes,
      tick, options.stop_after)
  _ = (sources
       | 'Ingest' >> StreamWireItems(options)
       | 'WriteOutputs' >> WriteWindowedOutputs(
           options.output, run_id, options.codec, options.split_duplicates))


def main(argv: Optional[Sequence[str]] = None) -> int:
  argv = list(sys.argv[1:] if argv is None else argv)
  known, _ = build_parser().parse_known_args(argv)  # --help exits here
  options = PipelineOptions(argv)
  wirebeam_options = options.view_as(WirebeamOptions)
  streaming = options.view_as(StandardOptions).streaming
  run_id = datetime.datetime.now(datetime.timezone.utc).strftime(
      '%Y%m%dT%H%M%S.%fZ')
  prefixes = output_prefixes(wirebeam_options.output, run_id)
  pipeline = beam.Pipeline(options=options)
  try:
    check_models(known)
    if streaming:
      merge_bundle_metrics_eagerly()
      build_streaming(pipeline, known, wirebeam_options, run_id)
      if not wirebeam_options.stop_after and is_local(options):
        print(LOCAL_STREAMING_WARNING, file=sys.stderr)
    else:
      build_batch(pipeline, known, wirebeam_options, prefixes)
  except UsageError as error:
    print(f'wirebeam: error: {error}', file=sys.stderr)
    return 2
  result = pipeline.run()
  result.wait_until_finish()
  files = {
      name: sorted(m.path for match in FileSystems.match([prefix + '*'])
                   for m in match.metadata_list)
      for name, prefix in prefixes.items()
  }
  print(format_summary(collect_counters(result), files))
  return 0
