"""The output folder (``--output DIR``): its layout, its file names, and every reader of it.

::

    DIR/items/         wire_item.avsc    every item (canonical ones only with --split-duplicates)
    DIR/duplicates/    wire_item.avsc    the other items, with --split-duplicates
    DIR/dead_letters/  dead_letter.avsc  what could not be ingested, and why
    DIR/dedup_index/   dedup_index.avsc  what batch runs published, for the runs after

A batch run writes one file set per folder, named by the run id (its UTC
start): ``<run id>-SSSSS-of-NNNNN.avro``; a streaming run one file per window,
pane and shard: ``<run id>-<start>-<end>-pane<N>-<shard>.avro``. Both are
written under temporary names and renamed, so only top-level ``*.avro``
files are ever read back, never the ``beam-temp-*`` or ``.temp-*`` folders of
a run that was stopped.

Earlier outputs are read back for three things, all here: the dead letters
that ``--replay`` ingests again, the files a restarted streaming job has
already read, and the rows of the dedup index.
"""
import collections
import datetime
import re
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

import apache_beam as beam
import fastavro
from apache_beam.io import fileio
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.transforms.window import GlobalWindow

import schemas
from transforms.read.sources import ReplayedEntry, SourceData

ITEMS = 'items'
DUPLICATES = 'duplicates'
DEAD_LETTERS = 'dead_letters'
DEDUP_INDEX = 'dedup_index'
SCHEMA_OF = {ITEMS: schemas.WIRE_ITEM, DUPLICATES: schemas.WIRE_ITEM,
             DEAD_LETTERS: schemas.DEAD_LETTER, DEDUP_INDEX: schemas.DEDUP_INDEX}
BATCH_FOLDERS = (ITEMS, DUPLICATES, DEAD_LETTERS, DEDUP_INDEX)
# Streaming keeps its dedup state in Beam, not in an index.
STREAMING_FOLDERS = (ITEMS, DUPLICATES, DEAD_LETTERS)
AVRO_SUFFIX = '.avro'
# Beam's default shard names, as a batch run's files have them.
_SHARD_NAME = re.compile(r'(?P<run>.+)-(?P<shard>\d{5,})-of-(?P<shards>\d{5,})\.avro\Z')
# How a file's rows make index rows: they are index rows; all its item
# records make them; or only its canonical item records do.
INDEX_FILE, ALL_RECORDS, CANONICAL_RECORDS = 'index', 'records', 'canonical'


class OutputFolderError(Exception):
  """Earlier outputs that cannot be read as asked (the launcher reports it)."""


def new_run_id(now: Optional[datetime.datetime] = None) -> str:
  """A run's id: its UTC start to the microsecond, so that runs never collide."""
  now = now or datetime.datetime.now(datetime.timezone.utc)
  return now.strftime('%Y%m%dT%H%M%S.%fZ')


def folder_path(output: str, folder: str) -> str:
  return FileSystems.join(output, folder)


def run_prefixes(output: str, run_id: str) -> Dict[str, str]:
  """Where a batch run writes: one file-name prefix per folder."""
  return {folder: FileSystems.join(output, folder, run_id) for folder in BATCH_FOLDERS}


def files_written(prefixes: Dict[str, str]) -> Dict[str, List[str]]:
  """The files a run wrote, by folder (none for a folder it left alone)."""
  return {folder: sorted(metadata.path
                         for match in FileSystems.match([prefix + '*'])
                         for metadata in match.metadata_list)
          for folder, prefix in prefixes.items()}


def _compact(timestamp) -> str:
  return timestamp.to_utc_datetime().strftime('%Y%m%dT%H%M%SZ')


def window_file_name(run_id: str, window, pane_index: int, shard: int) -> str:
  """``<run id>-<window start>-<window end>-pane<N>-<shard>.avro``.

  Each firing of a window (the on-time pane, then one per late arrival) is
  a file of its own: Beam's ``fileio`` names leave the pane out, so a late
  pane would be written over the window's first file.
  """
  window_part = ('' if window == GlobalWindow() else
                 f'-{_compact(window.start)}-{_compact(window.end)}')
  return f'{run_id}{window_part}-pane{pane_index}-{shard:03d}{AVRO_SUFFIX}'


def shard_name(path: str) -> Optional[Tuple[str, int, int]]:
  """(run id, shard, shard count) of a file of a batch run, else None."""
  found = _SHARD_NAME.match(FileSystems.split(path)[1])
  return (found['run'], int(found['shard']), int(found['shards'])) if found else None


def avro_files(output: str, folder: str) -> List[str]:
  """The folder's published files; none when the folder does not exist."""
  pattern = FileSystems.join(output, folder, '*' + AVRO_SUFFIX)
  return sorted(metadata.path
                for metadata in FileSystems.match([pattern])[0].metadata_list)


def read_records(path: str) -> Iterator[dict]:
  """The records of one published Avro file."""
  with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
    yield from fastavro.reader(f)


def dead_letters_to_replay(folder: str):
  """What ``--replay`` reads again: (raw sources, file paths, feed URLs).

  A dead letter with raw bytes is parsed again from them, and its entries
  keep the format, position and ``received_at`` of the original; one
  without (its source could not be read at all) has its source read again.
  """
  sources, paths, urls = [], [], []
  files = sorted(metadata.path for metadata in FileSystems.match(
      [FileSystems.join(folder, '*' + AVRO_SUFFIX)])[0].metadata_list)
  if not files:
    raise OutputFolderError(f'no dead-letter files (*{AVRO_SUFFIX}) in {folder}')
  for path in files:
    for dead_letter in read_records(path):
      if dead_letter['raw']:
        replay_of = None
        if dead_letter['position'] is not None and dead_letter['format']:
          replay_of = ReplayedEntry(dead_letter['format'], dead_letter['position'])
        sources.append(SourceData(
            dead_letter['source'], dead_letter['raw'],
            dead_letter.get('received_at') or dead_letter['failed_at'],
            replay_of=replay_of))
      elif '://' in dead_letter['source']:
        urls.append(dead_letter['source'])
      else:
        paths.append(dead_letter['source'])
  return sources, sorted(set(paths)), sorted(set(urls))


def paths_already_read(output: str, watched: Sequence[str]) -> Dict[str, List[str]]:
  """Files under each watched folder that earlier runs' outputs record.

  Every file read ends in item records or dead letters, so the outputs are
  the ledger of what was read: a restarted job reads those files again only
  if their records were never written.
  """
  locations = set()
  for folder in STREAMING_FOLDERS:
    for path in avro_files(output, folder):
      for record in read_records(path):
        source = record['source']
        locations.add(source['location'] if isinstance(source, dict) else source)
  return {watched_folder: sorted(path for path in locations
                                 if path.startswith(watched_folder.rstrip('/') + '/'))
          for watched_folder in watched}


def _complete(paths: List[str]) -> bool:
  """Whether all shards of a file set are there (a kill can stop the renames)."""
  shards = [shard_name(path)[1:] for path in paths]
  counts = {count for _, count in shards}
  return len(counts) == 1 and {shard for shard, _ in shards} == set(range(counts.pop()))


def index_files_to_read(files: Iterable[Tuple[str, str]]) -> List[Tuple[str, str]]:
  """What to read of one batch run's (folder, path) files: (path, how) pairs.

  Beam renames each folder's files into place at the end of a run, one
  folder after another, so a run killed in between leaves index files
  whose items were never published, or published items without their
  index files. The index therefore never says more or less than what
  consumers got: the run's index files, when all of them and all of its
  items files are there; else its rows are made again from the items it
  published: from all its item records (duplicates too) when all its items
  files are there, from its canonical ones when some are missing (a
  duplicate must not name a canonical item that never reached consumers).
  A run with no items file published nothing: nothing of it is read.
  """
  paths = collections.defaultdict(list)
  for folder, path in files:
    paths[folder].append(path)
  items = sorted(paths[ITEMS])
  if not items:
    return []
  if not _complete(items):
    return [(path, CANONICAL_RECORDS) for path in items]
  if _complete(paths[DEDUP_INDEX]):
    return [(path, INDEX_FILE) for path in sorted(paths[DEDUP_INDEX])]
  return [(path, ALL_RECORDS) for path in items + sorted(paths[DUPLICATES])]


def _by_run(folder_and_path):
  name = shard_name(folder_and_path[1])
  return [(name[0], folder_and_path)] if name else []


def _rows_of(path_and_how):
  path, how = path_and_how
  for row in read_records(path):
    yield how, row


class ReadIndexSources(beam.PTransform):
  """(how, row) for every row the dedup index is made of (``index_files_to_read``).

  ``how`` is ``INDEX_FILE`` for an index row, else the records it comes
  from (``ALL_RECORDS``, ``CANONICAL_RECORDS``); none before the first run.
  """
  def __init__(self, output: str):
    super().__init__()
    self._output = output

  def expand(self, pbegin):
    listed = [
        pbegin
        | f'Match_{folder}' >> fileio.MatchFiles(
            FileSystems.join(self._output, folder, '*' + AVRO_SUFFIX),
            empty_match_treatment=fileio.EmptyMatchTreatment.ALLOW)
        | f'In_{folder}' >> beam.Map(lambda metadata, folder: (folder, metadata.path),
                                     folder)
        for folder in (ITEMS, DUPLICATES, DEDUP_INDEX)]
    return (listed
            | 'AllFiles' >> beam.Flatten()
            | 'KeyByRun' >> beam.FlatMap(_by_run)
            | 'GroupByRun' >> beam.GroupByKey()
            | 'FilesToRead' >> beam.FlatMap(lambda run: index_files_to_read(run[1]))
            | 'SpreadFiles' >> beam.Reshuffle()
            | 'ReadRows' >> beam.FlatMap(_rows_of))
