"""The output folder's names, without Beam: folders, formats, file and run names.

``output_folder`` writes and reads the folder through Beam's file systems;
``wirebeam inspect`` looks at a local one without starting Beam. Both take
the names from here, so that they cannot disagree.
"""
import datetime
import os
import re
from typing import Optional, Sequence

ITEMS = 'items'
DUPLICATES = 'duplicates'
DEAD_LETTERS = 'dead_letters'
RESIGHTINGS = 'resightings'
DEDUP_INDEX = 'dedup_index'

# The formats items can be written in (--output-format). Avro is the one
# every reader of earlier outputs uses (--replay, the dedup index, the
# files a streaming job has read); dead letters, re-sightings and the
# index are only ever Avro.
AVRO, PARQUET, NINJS = 'avro', 'parquet', 'ninjs'
OUTPUT_FORMATS = (AVRO, PARQUET, NINJS)
SUFFIX = {AVRO: '.avro', PARQUET: '.parquet', NINJS: '.jsonl'}
AVRO_SUFFIX = SUFFIX[AVRO]
# The folders whose records can be written in every format.
FORMATTED_FOLDERS = (ITEMS, DUPLICATES)

GENERATION_PREFIX = 'compacted-'
# The file a run holds locked while it writes the folder (``output_folder.exclusive``).
LOCK_FILE = '.wirebeam.lock'
MANIFEST = 'MANIFEST.json'
RUN_ID_FORMAT = '%Y%m%dT%H%M%S.%fZ'
# A run's files start with its id: '<run id>-SSSSS-of-NNNNN.avro' (batch),
# '<run id>-<window start>-<window end>-pane<N>-<shard>.avro' (streaming).
_RUN_FILE = re.compile(r'(?P<run>\d{8}T\d{6}\.\d{6}Z)-.+\Z')


def format_folder(folder: str, output_format: str = AVRO) -> str:
  """Where a folder's records of a format go, relative to the output folder.

  Avro keeps the folder's own name, as before there were formats; the
  others are a folder each: ``parquet/items``, ``ninjs/items``.
  """
  return folder if output_format == AVRO else f'{output_format}/{folder}'


def folder_formats(folder: str, output_formats: Sequence[str]) -> Sequence[str]:
  """The formats a folder's records are written in: those asked for items and
  duplicates, Avro for the rest."""
  return output_formats if folder in FORMATTED_FOLDERS else (AVRO,)


def run_of_file(path: str) -> Optional[str]:
  """The id of the run that wrote a file (batch or streaming), else None."""
  found = _RUN_FILE.match(os.path.basename(path))
  return found['run'] if found else None


def run_time(run_id: str) -> datetime.datetime:
  """When the run of ``run_id`` started (UTC)."""
  return datetime.datetime.strptime(run_id, RUN_ID_FORMAT).replace(
      tzinfo=datetime.timezone.utc)


def run_id_at(instant: datetime.datetime) -> str:
  """The id of a run that started at ``instant`` (the inverse of ``run_time``)."""
  return instant.astimezone(datetime.timezone.utc).strftime(RUN_ID_FORMAT)
