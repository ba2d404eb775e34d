"""Command line: options in, the ingestion pipeline run, a summary printed.

Every mistake the command line can show is a usage error (exit status 2)
before any work starts; see EXIT_* for the others.
"""
import argparse
import difflib
import json
import logging
import os
import pathlib
import sys
import time
from typing import List, Optional, Sequence

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

from pipeline.batch import BatchInputs, IngestBatch
from pipeline.local_runner import batch_runner, merge_bundle_metrics_eagerly
from pipeline.options import (
  BATCH_ONLY,
  STREAMING_ONLY,
  WirebeamOptions,
  add_wirebeam_arguments,
  output_formats,
  spellings,
)
from pipeline.shared_stages import dedup_settings, entity_settings
from pipeline.streaming import IngestStream, poll_settings
from pipeline.summary import collect_counters, format_summary, summary
from transforms import output_folder, output_layout
from transforms.dedup.index import compact
from transforms.entities.recognizers import missing_models
from transforms.errors import InputError
from transforms.read.feed_list import FeedSpec, parse_feed_list
from transforms.read.local_files import GLOB_CHARS, list_local
from transforms.read.poll import check_feed_specs, feed_interval

SEEDS = pathlib.Path(__file__).resolve().parents[1] / 'seeds'
EXIT_USAGE = 2
# A batch run that could read no source at all: none matched, or all failed.
EXIT_NOTHING_READ = 3
# Some inputs became neither items, re-sightings nor dead letters: a bug.
EXIT_UNACCOUNTED = 4
# sysexits' EX_TEMPFAIL: another run holds the output folder; try again later.
EXIT_BUSY = 75
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
elements), or a distributed runner's options. Any other option is an error.

wirebeam inspect DIR says what an output folder holds, run by run
(wirebeam inspect --help).

Exit status: 0 when every input became an item, a re-sighting or a dead
letter; 2 for a mistake in the command line; 3 when a batch run could read
no source at all; 4 when some input was accounted for nowhere (a bug); 75
when another run holds the --output folder.
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


def _has_input(pattern: str) -> bool:
  """Whether a local pattern lists anything to read or to dead-letter."""
  try:
    return any(True for _ in list_local(pattern))
  except OSError:
    return False


def resolve_file_patterns(inputs: Sequence[str]) -> List[str]:
  """File patterns for --input values: a folder means all files under it.

  A local path, folder or glob that gives no file to read is an error now
  rather than an empty run; remote paths (gs://, s3://) are matched by Beam
  at run time (the run then ends with EXIT_NOTHING_READ if none matched).
  """
  patterns = []
  for value in inputs:
    if '://' in value:
      patterns.append(value)
    elif os.path.isdir(value):
      if not _has_input(value):
        raise UsageError(f'--input {value}: the folder has no file to read')
      patterns.append(FileSystems.join(os.path.abspath(value), '**'))
    elif GLOB_CHARS & set(value):
      if not _has_input(value):
        raise UsageError(f'--input {value}: no file matches')
      patterns.append(value)
    elif os.path.isfile(value):
      patterns.append(os.path.abspath(value))
    elif os.path.exists(value):
      raise UsageError(f'--input {value}: not a regular file (a pipe, socket or device)')
    else:
      raise UsageError(f'--input {value}: no such file or folder')
  return patterns


def read_feed_specs(feed_list: Optional[str]) -> List[FeedSpec]:
  if not feed_list:
    return []
  try:
    with open(feed_list, 'rb') as f:
      specs = parse_feed_list(f.read())
  except OSError as error:
    raise UsageError(f'--feeds {feed_list}: {error.strerror}') from error
  except InputError as error:
    raise UsageError(f'--feeds {feed_list}: {error}') from error
  if not specs:
    raise UsageError(f'--feeds {feed_list}: no feed URL in it')
  return specs


def build_parser() -> argparse.ArgumentParser:
  # No abbreviations: Beam reads the options again without them.
  parser = argparse.ArgumentParser(
      prog='wirebeam', description=DESCRIPTION, epilog=EPILOG, allow_abbrev=False,
      formatter_class=argparse.RawDescriptionHelpFormatter)
  add_wirebeam_arguments(parser, streaming_flag=True)
  return parser


def _given(argv: Sequence[str], names: Sequence[str]) -> List[str]:
  """Which of the named options appear in argv, as written."""
  found = []
  for word in argv:
    option = word.split('=', 1)[0]
    if any(option in spellings(name) for name in names) and option not in found:
      found.append(option)
  return found


def check_arguments(argv: Sequence[str], streaming: bool) -> None:
  """Unknown options, stray words and options of the other mode are usage errors.

  Beam warns about options it does not know and goes on; wirebeam would then
  read the seeds into the user's folder. Beam's own options are known: every
  PipelineOptions class's, as Beam itself gathers them.
  """
  parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
  for options_class in PipelineOptions.__subclasses__():
    options_class._add_argparse_args(parser)  # pylint: disable=protected-access
  _, unknown = parser.parse_known_args(argv)
  if unknown:
    word = unknown[0]
    if not word.startswith('-'):
      raise UsageError(f'unexpected {word!r}: give inputs with --input PATH')
    option = word.split('=', 1)[0]
    known_options = [o for action in parser._actions  # pylint: disable=protected-access
                     for o in action.option_strings]
    close = difflib.get_close_matches(option, known_options, n=1)
    raise UsageError(f'unknown option {option}'
                     + (f'; did you mean {close[0]}?' if close else ''))
  other_mode = _given(argv, BATCH_ONLY if streaming else STREAMING_ONLY)
  if other_mode and streaming:
    raise UsageError(f'{", ".join(other_mode)}: for batch runs only; with --streaming, '
                     'watch a folder with --watch DIR and poll feeds with --feeds FILE')
  if other_mode:
    raise UsageError(f'{", ".join(other_mode)}: for streaming runs only (add --streaming)')


def beam_log_level(level: str) -> str:
  """Beam's own chatter shows only when asked for, from info on."""
  return level.upper() if level in ('debug', 'info') else 'ERROR'


def configure_logging(level: str, argv: Sequence[str]) -> List[str]:
  """wirebeam's messages at ``level``, Beam's at ``beam_log_level``, in this
  process and in worker processes; returns the Beam options that say so."""
  logging.basicConfig(level=level.upper(), format='%(levelname)s %(name)s: %(message)s')
  logging.getLogger('apache_beam').setLevel(beam_log_level(level))
  if _given(argv, ['default_sdk_harness_log_level']):
    return []
  return [f'--default_sdk_harness_log_level={beam_log_level(level)}']


def check_models(known) -> None:
  if known.entities:
    missing = missing_models(dict(entity_settings(known).models))
    if missing:
      raise UsageError('; '.join(missing) + ' (or run with --no-entities)')


def batch_inputs(known) -> BatchInputs:
  """What a batch run reads: files, feeds, and the dead letters it replays.

  The seeds only when no input option at all was given.
  """
  feed_urls = [spec.url for spec in read_feed_specs(known.feeds)]
  replayed, replayed_paths = [], []
  if known.replay:
    try:
      replayed, replayed_paths, replayed_urls = output_folder.dead_letters_to_replay(
          known.replay)
    except output_folder.OutputFolderError as error:
      raise UsageError(f'--replay {known.replay}: {error}') from error
    feed_urls += replayed_urls
  inputs = known.input or ([] if known.feeds or known.replay else [str(SEEDS)])
  if inputs == [str(SEEDS)] and not SEEDS.is_dir():
    raise UsageError(f'no --input, --feeds or --replay given and no seeds folder at {SEEDS}')
  return BatchInputs(resolve_file_patterns(inputs), feed_urls, replayed, replayed_paths)


def streaming_inputs(known):
  """(feed specs, poll settings, watched folders) of a streaming run."""
  specs = read_feed_specs(known.feeds)
  try:
    settings = poll_settings(known)
  except InputError as error:
    raise UsageError(f'--poll-interval: {error}') from error
  try:
    check_feed_specs(specs, settings)
  except InputError as error:
    raise UsageError(f'--feeds {known.feeds}: {error}') from error
  folders = []
  for folder in known.watch or []:
    if '://' not in folder and not os.path.isdir(folder):
      raise UsageError(f'--watch {folder}: no such folder')
    folders.append(folder if '://' in folder else os.path.abspath(folder))
  if folders and not {output_layout.AVRO, output_layout.PARQUET} & set(output_formats(known)):
    raise UsageError('--watch: a restarted job tells the files it has read from its Avro '
                     'or Parquet items, and ninjs does not say where an item came from: '
                     'add --output-format avro (or parquet)')
  if not specs and not folders:
    raise UsageError('--streaming needs feeds to poll (--feeds FILE) or a '
                     'folder to watch (--watch DIR)')
  return specs, settings, folders


def build_batch(pipeline, inputs: BatchInputs, options, run_id: str) -> None:
  """Builds the batch graph, after compacting the index (the caller holds the
  output folder)."""
  if options.dedup_index:
    compact(options.output, dedup_settings(options), options.dedup_window, run_id,
            options.codec)
  progress = options.progress or sys.stderr.isatty()
  _ = pipeline | 'Batch' >> IngestBatch(inputs, options, run_id, progress)


def build_streaming(pipeline, streaming_plan, options, run_id: str) -> None:
  specs, settings, folders = streaming_plan
  # The clock ticks at least every few seconds, so that a retry or a file
  # that settled waits one tick at most, and as often as the busiest feed.
  tick = min([TICK_SECONDS] + [feed_interval(spec, settings) for spec in specs]
             + [options.watch_interval] * bool(folders))
  already_read = output_folder.paths_already_read(options.output, folders)
  _ = pipeline | 'Streaming' >> IngestStream(specs, settings, folders, already_read,
                                             tick, options, run_id)


def run(pipeline, options, run_id: str, streaming: bool, cleaned: int = 0) -> int:
  started = time.monotonic()
  result = pipeline.run()
  result.wait_until_finish()
  files = output_folder.files_written(
      output_folder.run_prefixes(options.output, run_id, output_formats(options)))
  values = summary(collect_counters(result), files, time.monotonic() - started, cleaned)
  print(format_summary(values))
  if options.summary_json:
    with open(options.summary_json, 'w', encoding='utf-8') as f:
      json.dump(values, f, indent=2)
  if not values['accounted_for']:
    print('wirebeam: some inputs are neither items, re-sightings nor dead letters; '
          'this is a bug: please report it with the summary', file=sys.stderr)
    return EXIT_UNACCOUNTED
  if values['nothing_read'] and not streaming:
    print('wirebeam: no source could be read: '
          + ('every one failed (see the dead letters)' if values['sources']
             else 'no input was found'), file=sys.stderr)
    return EXIT_NOTHING_READ
  return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
  argv = list(sys.argv[1:] if argv is None else argv)
  known, _ = build_parser().parse_known_args(argv)  # --help exits here
  options = PipelineOptions(argv + configure_logging(known.log_level, argv))
  wirebeam_options = options.view_as(WirebeamOptions)
  streaming = options.view_as(StandardOptions).streaming
  # A local batch run goes to the FnApiRunner at once (``batch_runner``).
  runner = batch_runner(options) if is_local(options) and not streaming else None
  pipeline = beam.Pipeline(runner=runner, options=options)
  try:
    check_arguments(argv, streaming)
    check_models(known)
    plan = streaming_inputs(known) if streaming else batch_inputs(known)
    with output_folder.exclusive(wirebeam_options.output, wirebeam_options.wait_for_lock):
      # Taken once the folder is ours: run ids order the runs that wrote it.
      run_id = output_folder.new_run_id()
      # What stopped runs left, batch or streaming, goes before either starts.
      cleaned = output_folder.clean_stopped_runs(wirebeam_options.output)
      if streaming:
        merge_bundle_metrics_eagerly()
        build_streaming(pipeline, plan, wirebeam_options, run_id)
        if not wirebeam_options.stop_after and is_local(options):
          print(LOCAL_STREAMING_WARNING, file=sys.stderr)
      else:
        build_batch(pipeline, plan, wirebeam_options, run_id)
      return run(pipeline, wirebeam_options, run_id, streaming, cleaned)
  except UsageError as error:
    print(f'wirebeam: error: {error}', file=sys.stderr)
    return EXIT_USAGE
  except output_folder.OutputFolderBusy as error:
    print(f'wirebeam: {error}', file=sys.stderr)
    return EXIT_BUSY
  except output_folder.OutputFolderError as error:
    print(f'wirebeam: error: --output {wirebeam_options.output}: {error}', file=sys.stderr)
    return EXIT_USAGE
