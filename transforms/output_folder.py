"""The output folder (``--output DIR``): its layout, its file names, and every reader of it.

::

    DIR/items/         wire_item.avsc    every item (canonical ones only with --split-duplicates)
    DIR/duplicates/    wire_item.avsc    the other items, with --split-duplicates
    DIR/dead_letters/  dead_letter.avsc  what could not be ingested, and why
    DIR/resightings/   resighting.avsc   items published before, seen again (batch)
    DIR/dedup_index/   dedup_index.avsc  what batch runs published, for the runs after
    DIR/parquet/items/, DIR/ninjs/items/ (and duplicates/): the items in the other
                       output formats (``--output-format``), named as the Avro files

A batch run writes one file set per folder that it has records for, named
by the run id (its UTC start): ``<run id>-SSSSS-of-NNNNN.avro``; a streaming
run one file per window, pane and shard:
``<run id>-<start>-<end>-pane<N>-<shard>.avro``. Both are written under
temporary names and renamed, so only top-level ``*.avro`` files are ever
read back, never the ``beam-temp-*`` or ``.temp-*`` folders of a run that
was stopped.

The bookkeeping folders (``dedup_index``, ``resightings``) are compacted:
many runs' file sets become one generation, a folder
``compacted-<run id>/`` of part files and a ``MANIFEST.json`` naming the
runs it replaces. It is written as ``.compacting-<run id>/`` and renamed
whole, so a reader sees all of it or none; the replaced file sets are
deleted after, and ignored if a kill left them.

What stopped runs leave (``beam-temp-*`` and streaming's ``.temp-*``
folders, ``.compacting-*`` generations) is cleaned at the start of the next
run, batch or streaming, while it holds the folder (``clean_stopped_runs``), without
changing what the dedup index says.

Earlier outputs are read back for three things, all here, from the Avro
files (and, for the files already read, the Parquet items too): the dead
letters that ``--replay`` ingests again, the files a restarted streaming
job has already read, and the files the dedup index is made of.
"""
import collections
import contextlib
import dataclasses
import datetime
import io
import json
import os
import re
import shutil
from typing import Callable, Dict, FrozenSet, Iterable, Iterator, List, Optional, Sequence, Tuple

import apache_beam as beam
import fastavro
import fasteners
import numpy as np
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.transforms.window import GlobalWindow

import schemas
from transforms.output_layout import (
  AVRO,
  AVRO_SUFFIX,
  DEAD_LETTERS,
  DEDUP_INDEX,
  DUPLICATES,
  FORMATTED_FOLDERS,
  GENERATION_PREFIX,
  ITEMS,
  LOCK_FILE,
  MANIFEST,
  OUTPUT_FORMATS,
  PARQUET,
  RESIGHTINGS,
  RUN_ID_FORMAT,
  SUFFIX,
  folder_formats,
  format_folder,
  run_time,  # noqa: F401 (the stages call output_folder.run_time)
)
from transforms.read.archives import ARCHIVE_MEMBER_SEPARATOR
from transforms.read.sources import ReplayedEntry, SourceData
from transforms.write_parquet import source_locations

SCHEMA_OF = {ITEMS: schemas.WIRE_ITEM, DUPLICATES: schemas.WIRE_ITEM,
             DEAD_LETTERS: schemas.DEAD_LETTER, RESIGHTINGS: schemas.RESIGHTING,
             DEDUP_INDEX: schemas.DEDUP_INDEX}
BATCH_FOLDERS = (ITEMS, DUPLICATES, DEAD_LETTERS, RESIGHTINGS, DEDUP_INDEX)
# Streaming keeps its dedup state in Beam, not in an index.
STREAMING_FOLDERS = (ITEMS, DUPLICATES, DEAD_LETTERS)
# Beam's default shard names, as a batch run's files have them.
_SHARD_NAME = re.compile(r'(?P<run>.+)-(?P<shard>\d{5,})-of-(?P<shards>\d{5,})\.avro\Z')
# Where Beam's file sink writes a run's files before renaming them into place.
_BEAM_TEMP_PREFIX = 'beam-temp-'
# Where a streaming run writes its window files before renaming them into
# place: ``.temp-<run id>/`` in each folder, left behind when it stops.
STREAMING_TEMP_PREFIX = '.temp-'
# The folders the dedup index is made of, run by run (``index_files_to_read``).
INDEXED_FOLDERS = (ITEMS, DUPLICATES, DEDUP_INDEX)
_TEMP_GENERATION_PREFIX = '.compacting-'
KEYS_SUFFIX = '.keys.npy'
# Rows per part file of a compacted generation: parts are read in parallel.
ROWS_PER_PART = 25_000
# How a file's rows make index rows: they are index rows; all its item
# records make them; or only its canonical item records do.
INDEX_FILE, ALL_RECORDS, CANONICAL_RECORDS = 'index', 'records', 'canonical'


class OutputFolderError(Exception):
  """Earlier outputs that cannot be read as asked (the launcher reports it)."""


class OutputFolderBusy(OutputFolderError):
  """Another run holds the output folder."""


@contextlib.contextmanager
def exclusive(output: str, wait: bool):
  """Holds the output folder for one run at a time (a lock file in it).

  Two runs on one folder would read the same dedup index and publish the
  same items twice. Without ``wait``, a busy folder raises
  ``OutputFolderBusy`` at once. Remote folders (gs://, s3://) have no lock
  file: a scheduler must not overlap runs there.
  """
  if '://' in output:
    yield
    return
  if os.path.exists(output) and not os.path.isdir(output):
    raise OutputFolderError('it is a file, not a folder')
  lock = fasteners.InterProcessLock(os.path.join(output, LOCK_FILE))
  try:
    os.makedirs(output, exist_ok=True)
    acquired = lock.acquire(blocking=wait)
  except OSError as error:
    raise OutputFolderError(f'cannot write there: {error.strerror}') from error
  if not acquired:
    raise OutputFolderBusy(
        f'another wirebeam run is writing to {output}, so this one did not start '
        '(give --wait-for-lock to wait for the other run to end)')
  try:
    yield
  finally:
    lock.release()


def new_run_id(now: Optional[datetime.datetime] = None) -> str:
  """A run's id: its UTC start to the microsecond, so that runs never collide."""
  now = now or datetime.datetime.now(datetime.timezone.utc)
  return now.strftime(RUN_ID_FORMAT)


def folder_path(output: str, folder: str) -> str:
  return FileSystems.join(output, folder)


def written_folders(folders: Sequence[str], output_formats: Sequence[str]) -> List[str]:
  """The folders a run's records go to: ``folders``, and for the formatted ones,
  one folder per format other than Avro (``parquet/items``...)."""
  return list(folders) + [format_folder(folder, output_format)
                          for output_format in output_formats if output_format != AVRO
                          for folder in folders
                          if output_format in folder_formats(folder, output_formats)]


def run_prefixes(output: str, run_id: str,
                 output_formats: Sequence[str] = (AVRO,)) -> Dict[str, str]:
  """Where a batch run writes: one file-name prefix per folder and format."""
  return {folder: FileSystems.join(output, folder, run_id)
          for folder in written_folders(BATCH_FOLDERS, output_formats)}


def files_written(prefixes: Dict[str, str]) -> Dict[str, List[str]]:
  """The files a run wrote, by folder (none for a folder it left alone)."""
  return {folder: sorted(metadata.path
                         for match in FileSystems.match([prefix + '*'])
                         for metadata in match.metadata_list)
          for folder, prefix in prefixes.items()}


def _compact(timestamp) -> str:
  return timestamp.to_utc_datetime().strftime('%Y%m%dT%H%M%SZ')


def window_file_name(run_id: str, window, pane_index: int, shard: int,
                     suffix: str = AVRO_SUFFIX) -> str:
  """``<run id>-<window start>-<window end>-pane<N>-<shard>.avro`` (or ``suffix``).

  Each firing of a window (the on-time pane, then one per late arrival) is
  a file of its own: Beam's ``fileio`` names leave the pane out, so a late
  pane would be written over the window's first file.
  """
  window_part = ('' if window == GlobalWindow() else
                 f'-{_compact(window.start)}-{_compact(window.end)}')
  return f'{run_id}{window_part}-pane{pane_index}-{shard:03d}{suffix}'


def shard_name(path: str) -> Optional[Tuple[str, int, int]]:
  """(run id, shard, shard count) of a file of a batch run, else None."""
  found = _SHARD_NAME.match(FileSystems.split(path)[1])
  return (found['run'], int(found['shard']), int(found['shards'])) if found else None


def _files_in(path: str, suffix: str = AVRO_SUFFIX) -> List[str]:
  """The top-level ``*.avro`` files of a folder (or another format's, by
  ``suffix``); none when it does not exist."""
  pattern = FileSystems.join(path, '*' + suffix)
  return sorted(metadata.path
                for metadata in FileSystems.match([pattern])[0].metadata_list)


def avro_files(output: str, folder: str) -> List[str]:
  """The files one of the output's folders has published."""
  return _files_in(folder_path(output, folder))


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
  files = _files_in(folder)
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

  Every file read ends in item, re-sighting or dead-letter records (a batch
  run into the same folder writes re-sightings), so the outputs are the
  ledger of what was read: a restarted job reads those files again only if
  their records were never written.
  """
  paths = [path for folder in STREAMING_FOLDERS + (RESIGHTINGS,)
           for path in avro_files(output, folder)]
  paths += latest_generation(folder_path(output, RESIGHTINGS)).parts
  locations = set()
  for path in paths:
    for record in read_records(path):
      source = record['source']
      location = source['location'] if isinstance(source, dict) else source
      locations.add(location)
  for folder in FORMATTED_FOLDERS:  # items written as Parquet only say it too
    for path in _files_in(folder_path(output, format_folder(folder, PARQUET)),
                         SUFFIX[PARQUET]):
      with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
        locations.update(source_locations(f.read()))
  # An archive's member ("bundle.zip!story.xml") says its archive was read.
  locations.update({location.split(ARCHIVE_MEMBER_SEPARATOR, 1)[0]
                    for location in list(locations)})
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

  Beam renames each folder's files into place at the end of a run, and a
  run writes its published folders in order (items, duplicates, then the
  index: ``pipeline.batch.WriteRunOutputs``), so a run killed in between
  leaves items without their index, or some shards of a folder only. The
  index never says more or less than what consumers got: the run's index
  files when all of them are there (its items and duplicates are, then);
  else its rows are made again from the records it published: from all of
  them when all its items shards are there (or it had none), from its
  canonical ones when some are missing (a duplicate must not name a
  canonical item that never reached consumers).
  """
  paths = collections.defaultdict(list)
  for folder, path in files:
    paths[folder].append(path)
  items, duplicates, index = (sorted(paths[folder]) for folder in (ITEMS, DUPLICATES,
                                                                   DEDUP_INDEX))
  if index and _complete(index):
    return [(path, INDEX_FILE) for path in index]
  if items and not _complete(items):
    return [(path, CANONICAL_RECORDS) for path in items]
  return [(path, ALL_RECORDS) for path in items + duplicates]


class ListIndexFiles(beam.PTransform):
  """(path, how) for every file the dedup index is made of (``index_file_plan``).

  Listed when the pipeline runs, on a worker, as Beam's own file matching
  is; none before the first run.
  """
  def __init__(self, output: str):
    super().__init__()
    self._output = output

  def expand(self, pbegin):
    return (pbegin
            | 'Output' >> beam.Create([self._output])
            | 'IndexFilePlan' >> beam.FlatMap(index_file_plan)
            | 'SpreadFiles' >> beam.Reshuffle())


@dataclasses.dataclass(frozen=True)
class Generation:
  """The latest compacted generation of a bookkeeping folder, if any."""
  path: Optional[str]  # compacted-<run id>/ ; None before the first compaction
  replaced: FrozenSet[str]  # ids of the runs whose file sets it holds
  parts: Tuple[str, ...]
  # The run that last rewrote every row (the others only added parts).
  rewritten_by: Optional[str] = None


def _subfolders(folder: str, prefix: str) -> List[str]:
  """Paths of ``folder``'s subfolders whose names start with ``prefix``."""
  if '://' in folder:  # object stores have no folders to list
    names = {FileSystems.split(FileSystems.split(m.path)[0])[1] for m in
             FileSystems.match([FileSystems.join(folder, prefix + '*', '*')])[0].metadata_list}
  else:
    names = {name for name in (os.listdir(folder) if os.path.isdir(folder) else ())
             if os.path.isdir(os.path.join(folder, name))}
  return sorted(FileSystems.join(folder, name) for name in names if name.startswith(prefix))


def latest_generation(folder: str) -> Generation:
  """The newest ``compacted-*`` generation of a folder (a complete one: it was renamed)."""
  generations = _subfolders(folder, GENERATION_PREFIX)
  if not generations:
    return Generation(None, frozenset(), ())
  path = generations[-1]
  with FileSystems.open(FileSystems.join(path, MANIFEST)) as f:
    manifest = json.loads(f.read().decode('utf-8'))
  return Generation(path, frozenset(manifest['replaced_runs']), tuple(_files_in(path)),
                    manifest.get('rewritten_by'))


def run_files(output: str, folder: str, replaced: FrozenSet[str] = frozenset()
              ) -> Dict[str, List[str]]:
  """A folder's top-level file sets by run id, less the runs a generation replaced."""
  by_run = collections.defaultdict(list)
  for path in avro_files(output, folder):
    name = shard_name(path)
    if name and name[0] not in replaced:
      by_run[name[0]].append(path)
  return dict(by_run)


def index_file_plan(output: str) -> List[Tuple[str, str]]:
  """(path, how) of every file the dedup index is made of now.

  The latest generation's parts, and the runs since, each read as
  ``index_files_to_read`` says.
  """
  generation = latest_generation(folder_path(output, DEDUP_INDEX))
  plan = [(path, INDEX_FILE) for path in generation.parts]
  runs = indexed_runs(output, generation.replaced)
  for run in sorted(runs):
    plan.extend(index_files_to_read(runs[run]))
  return plan


def indexed_runs(output: str, replaced: FrozenSet[str]) -> Dict[str, List[Tuple[str, str]]]:
  """(folder, path) of the published files of each run the index reads run by
  run: the runs with top-level files in ``INDEXED_FOLDERS`` that the latest
  generation (which names ``replaced``) does not hold."""
  runs = collections.defaultdict(list)
  for folder in INDEXED_FOLDERS:
    for run, paths in run_files(output, folder, replaced).items():
      runs[run].extend((folder, path) for path in paths)
  return dict(runs)


def in_parts(records: Iterator[dict], size: int = ROWS_PER_PART) -> Iterator[List[dict]]:
  """Consecutive parts of at most ``size`` records; none for no records."""
  while True:
    part = [record for _, record in zip(range(size), records, strict=False)]
    if not part:
      return
    yield part


def keys_path(part: str) -> str:
  """Where a part file's key summary lies: ``part-NNNNN.keys.npy`` beside it."""
  return part[:-len(AVRO_SUFFIX)] + KEYS_SUFFIX


def read_keys(part: str) -> Optional[np.ndarray]:
  """A part's key summary (sorted 64-bit key hashes), or None if it has none."""
  path = keys_path(part)
  if not FileSystems.exists(path):
    return None
  with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
    return np.load(io.BytesIO(f.read()), allow_pickle=False)


def write_generation(folder: str, run_id: str, parts: Iterable[List[dict]],
                     schema_name: str, codec: str, replaced_runs: Iterable[str],
                     part_keys: Optional[Callable[[List[dict]], np.ndarray]] = None,
                     kept_parts: Sequence[str] = (),
                     rewritten_by: Optional[str] = None) -> str:
  """Writes a compacted generation of ``folder`` and puts it in place whole.

  ``kept_parts``, parts of the generation before, are linked in unchanged
  (a local folder: hard links, no copy); ``parts`` are the records of each
  new part file, streamed; ``part_keys``, when given, summarises a part's
  records by keys (``keys_path``), so that a reader can tell without
  reading a part that it holds nothing it wants. The generation is written
  under a dot-name, then renamed: until then readers see the one before.
  Returns its path.
  """
  temp = FileSystems.join(folder, _TEMP_GENERATION_PREFIX + run_id)
  final = FileSystems.join(folder, GENERATION_PREFIX + run_id)
  FileSystems.mkdirs(temp)
  schema = schemas.parsed_schema(schema_name)
  for number, kept in enumerate(kept_parts):
    part = os.path.join(temp, f'part-{number:05d}{AVRO_SUFFIX}')
    os.link(kept, part)
    if os.path.exists(keys_path(kept)):
      os.link(keys_path(kept), keys_path(part))
  for number, records in enumerate(parts, start=len(kept_parts)):
    part = FileSystems.join(temp, f'part-{number:05d}{AVRO_SUFFIX}')
    with FileSystems.create(part) as f:
      fastavro.writer(f, schema, records, codec=codec)
    if part_keys is not None:
      summary = io.BytesIO()
      np.save(summary, part_keys(records), allow_pickle=False)
      with FileSystems.create(keys_path(part)) as f:
        f.write(summary.getvalue())
  with FileSystems.create(FileSystems.join(temp, MANIFEST)) as f:
    f.write(json.dumps({'replaced_runs': sorted(set(replaced_runs)),
                        'rewritten_by': rewritten_by or run_id}).encode('utf-8'))
  FileSystems.rename([temp], [final])
  return final


def delete_replaced(output: str, folder: str) -> int:
  """Deletes what the latest generation replaced: earlier generations, unfinished
  ones, and the runs' file sets. Returns how many paths went."""
  path = folder_path(output, folder)
  generation = latest_generation(path)
  if generation.path is None:
    return 0
  gone = [old for old in _subfolders(path, GENERATION_PREFIX) if old < generation.path]
  gone += _subfolders(path, _TEMP_GENERATION_PREFIX)
  gone += [file for run, files in run_files(output, folder).items()
           if run in generation.replaced for file in files]
  if gone:
    FileSystems.delete(gone)
  return len(gone)


def _remove(path: str) -> None:
  """Deletes a file or a folder tree (one place, where tests stop a cleaning)."""
  if os.path.isdir(path) and not os.path.islink(path):
    shutil.rmtree(path)
  else:
    os.remove(path)


def clean_stopped_runs(output: str) -> int:
  """Deletes what killed or failed runs left; returns how many folders it cleaned.

  Only while holding the output folder (``exclusive``): no run can be
  writing then. Nothing any reader uses goes: Beam's ``beam-temp-*`` folders
  (a run's files before their rename; the dedup index never looks there,
  since a run publishes its folders in order), a streaming run's
  ``.temp-*`` ones (its window files before their rename) and ``.compacting-*``
  generations never renamed into place. A remote folder has no lock:
  nothing is cleaned there.
  """
  if '://' in output or not os.path.isdir(output):
    return 0
  cleaned = 0
  for folder in written_folders(BATCH_FOLDERS, OUTPUT_FORMATS):
    path = folder_path(output, folder)
    for temp in (_subfolders(path, _BEAM_TEMP_PREFIX)
                 + _subfolders(path, STREAMING_TEMP_PREFIX)
                 + _subfolders(path, _TEMP_GENERATION_PREFIX)):
      _remove(temp)
      cleaned += 1
  return cleaned
