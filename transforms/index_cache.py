"""Indexes that take seconds to build, kept on disk between runs.

The gazetteer's index (every city's names, normalised) takes about 1.8 s to
build and 0.2 s to read back pickled: a run of a handful of items waits for
it. An index is stored under the user's cache folder
(``$XDG_CACHE_HOME/wirebeam``, else ``~/.cache/wirebeam``), named by a hash
of everything it is built from (data files and the code that builds them),
so a changed data file or code version makes a new entry; the stale one is
never read, and is deleted once the new one is in place (one entry per name).
It is written to a temporary file and renamed into place, so
concurrent workers never read a half-written file; one that cannot be read
(corrupt, truncated, not the user's own) is rebuilt and rewritten. When the
folder cannot be written the index is built in memory every time, as before.
"""
import gc
import hashlib
import os
import pathlib
import pickle
import re
import tempfile
from typing import Callable, Iterable, TypeVar

Index = TypeVar('Index')
_KEY_CHARS = 32
_UNREADABLE = (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError,
               IndexError, TypeError, ValueError)


def cache_folder() -> pathlib.Path:
  base = os.environ.get('XDG_CACHE_HOME') or pathlib.Path.home() / '.cache'
  return pathlib.Path(base) / 'wirebeam'


def source_key(sources: Iterable[bytes]) -> str:
  """A hash of what an index is built from (file contents, versions), in order."""
  digest = hashlib.sha256()
  for source in sources:
    digest.update(hashlib.sha256(source).digest())
  return digest.hexdigest()[:_KEY_CHARS]


def cached_index(name: str, key: str, build: Callable[[], Index], kind: type) -> Index:
  """The index ``name`` for ``key``: read from the cache when an entry of type
  ``kind`` is there, else built and stored."""
  path = cache_folder() / f'{name}-{key}.pickle'
  index = _read(path, kind)
  if index is None:
    index = build()
    _write(path, index)
  return index


def _read(path: pathlib.Path, kind: type):
  try:
    with path.open('rb') as stored:
      if os.fstat(stored.fileno()).st_uid != os.getuid():
        return None  # only what this user wrote is unpickled
      index = _unpickle(stored)
  except _UNREADABLE:
    return None
  return index if isinstance(index, kind) else None


def _unpickle(stored):
  """Unpickled with the cyclic garbage collector paused: it would scan the
  young objects again and again while hundreds of thousands are created
  (0.09 s against 0.18 s for the gazetteer's index)."""
  collecting = gc.isenabled()
  gc.disable()
  try:
    return pickle.load(stored)
  finally:
    if collecting:
      gc.enable()


def _write(path: pathlib.Path, index) -> None:
  """Atomic: a temporary file in the same folder, renamed over ``path``."""
  try:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile('wb', dir=path.parent, prefix=path.name,
                                     suffix='.partial', delete=False) as partial:
      try:
        pickle.dump(index, partial, protocol=pickle.HIGHEST_PROTOCOL)
      except BaseException:
        os.unlink(partial.name)
        raise
    os.replace(partial.name, path)
  except OSError:
    return  # a read-only home: the index stays in memory
  _delete_stale(path)


def _delete_stale(path: pathlib.Path) -> None:
  """The other entries of the same name: built from other data or code, never
  read again (a process still reading one keeps its open file)."""
  name = path.name[:-len('-.pickle') - _KEY_CHARS]
  stale = re.compile(re.escape(name) + rf'-[0-9a-f]{{{_KEY_CHARS}}}\.pickle')
  for entry in path.parent.iterdir():
    if entry != path and stale.fullmatch(entry.name):
      try:
        entry.unlink()
      except OSError:
        pass  # gone already, or not ours to delete
