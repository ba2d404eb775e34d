"""Folder watching for the streaming mode: each wire file dropped is read once.

Agencies deliver by FTP into a folder, so a file may be seen while it is
still being written: a file is read once it has been listed twice with the
same size and modification time. Each file is read once, even when it is
rewritten in place; one that is deleted is forgotten, so that a new file of
the same name is read. What was read lives in Beam keyed state, keyed by
folder. A restarted job starts from the paths that earlier runs' outputs
already record (``already_read``), so it does not read those files again.
Local folders are listed as batch inputs are (``local_files``): a pipe, a
dangling link or a link out of the watched folder is read once too, as
a dead letter saying why.
"""
import dataclasses
import logging
import os
from typing import Dict, FrozenSet, Iterable, List, Sequence, Tuple

import apache_beam as beam
from apache_beam.coders import PickleCoder
from apache_beam.io.filesystem import BeamIOError
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics
from apache_beam.transforms.userstate import ReadModifyWriteStateSpec

from transforms.dead_letters import METRICS_NAMESPACE
from transforms.read.archives import DEFAULT_MAX_MEMBERS
from transforms.read.local_files import is_hidden, is_remote, list_local, signature
from transforms.read.sources import ReadFileFn
from transforms.tags import DEAD_LETTERS, SOURCES


@dataclasses.dataclass(frozen=True)
class FolderState:
  """Paths read, and files seen once but not yet settled."""
  read: FrozenSet[str] = frozenset()
  pending: Tuple[Tuple[str, int, float], ...] = ()  # (path, size, mtime)


def settle(state: FolderState, listing: Iterable[Tuple[str, int, float]]
           ) -> Tuple[List[str], FolderState]:
  """(paths to read now, next state) after one listing of the folder.

  A path is read when this listing shows it with the size and
  modification time of the previous one, and it was never read before.
  """
  listing = {path: (path, size, mtime) for path, size, mtime in listing
             if not is_hidden(path)}
  pending = {entry[0]: entry for entry in state.pending}
  unread = {path: entry for path, entry in listing.items() if path not in state.read}
  to_read = sorted(path for path, entry in unread.items() if pending.get(path) == entry)
  still_pending = tuple(sorted(entry for path, entry in unread.items()
                               if path not in to_read))
  read = frozenset(path for path in state.read if path in listing) | frozenset(to_read)
  return to_read, FolderState(read, still_pending)


def list_folder(folder: str, follow_links: bool = False) -> dict:
  """Path -> (what ``ReadFileFn`` reads, size, modification time) of every
  input under the folder, at any depth; none while the folder is missing."""
  if is_remote(folder):
    pattern = FileSystems.join(folder, '**')
    return {metadata.path: (metadata, metadata.size_in_bytes,
                            metadata.last_updated_in_seconds)
            for metadata in FileSystems.match([pattern])[0].metadata_list}
  if not os.path.isdir(folder):
    return {}
  return {file.path: (file, *signature(file)) for file in list_local(folder, follow_links)}


class _ListNewFilesFn(beam.DoFn):
  """On each tick, lists its folder and emits the metadata of files to read."""
  STATE = ReadModifyWriteStateSpec('folder', PickleCoder())

  def __init__(self, already_read: Dict[str, Sequence[str]], follow_links: bool = False):
    self._already_read = already_read
    self._follow_links = follow_links

  def process(self, element, state=beam.DoFn.StateParam(STATE)):
    folder, _ = element
    current = state.read() or FolderState(frozenset(self._already_read.get(folder, ())))
    try:
      listing = list_folder(folder, self._follow_links)
    except (BeamIOError, OSError) as error:
      # A listing can fail for a while (a network file system, a bucket's
      # permissions): the state is kept and the next tick tries again.
      Metrics.counter(METRICS_NAMESPACE, 'watch.list_failed').inc()
      logging.warning('could not list watched folder %s: %s', folder, error)
      return
    to_read, current = settle(current, (
        (path, size, mtime) for path, (_, size, mtime) in listing.items()))
    state.write(current)
    for path in to_read:
      Metrics.counter(METRICS_NAMESPACE, 'watch.new_files').inc()
      yield listing[path][0]


class WatchFolders(beam.PTransform):
  """Ticks in; the ``SourceData`` of each new file and read failures out.

  Files are read where they were listed, when they settle; spreading the
  work over workers is for the stages after. ``already_read`` maps a folder
  to the paths earlier runs read from it; ``follow_links`` reads files
  whose links lead out of their watched folder.
  """
  def __init__(self, folders: Sequence[str], max_input_bytes: int,
               already_read: Dict[str, Sequence[str]] = None, follow_links: bool = False,
               max_archive_members: int = DEFAULT_MAX_MEMBERS):
    super().__init__()
    self._folders = list(folders)
    self._max_input_bytes = max_input_bytes
    self._already_read = dict(already_read or {})
    self._follow_links = follow_links
    self._max_archive_members = max_archive_members

  def expand(self, ticks):
    folders = self._folders
    return (ticks
            | 'EachFolder' >> beam.FlatMap(lambda _: [(folder, None) for folder in folders])
            .with_output_types(Tuple[str, None])  # str keys: a deterministic coder
            | 'ListNewFiles' >> beam.ParDo(
                _ListNewFilesFn(self._already_read, self._follow_links))
            | 'ReadFiles' >> beam.ParDo(ReadFileFn(
                self._max_input_bytes, self._follow_links, self._max_archive_members))
            .with_outputs(DEAD_LETTERS, main=SOURCES))
