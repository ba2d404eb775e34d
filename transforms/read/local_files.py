"""Local input files: listed without following links out of the input, checked before opening.

Beam's local matching follows every symbolic link (``ln -s /etc/passwd
drop/x`` gave an item), drops dangling links without a word (the summary
then said every input was accounted for), and lists named pipes, whose
opening blocks the run forever. Local inputs are therefore listed here;
remote ones (gs://, s3://) stay with Beam, whose objects are regular.

Every path listed is an input, and is read or becomes a dead letter: a
file is read only when it is a regular file and its real path lies in the
input folder it was listed from (``root``), unless ``--follow-links``. It is
opened without blocking and checked again once open, so a file swapped
for a pipe or a link between the check and the read is not read either.
"""
import dataclasses
import datetime
import errno
import os
import posixpath
import re
import stat
from typing import Iterator, Optional, Set, Tuple

from apache_beam.io.filesystem import FileSystem

from transforms.errors import InputError

GLOB_CHARS = frozenset('*?[')
# Opened without following a last link (checked before), without blocking
# on a pipe and without becoming a terminal's controlling process.
_OPEN_FLAGS = (os.O_RDONLY | getattr(os, 'O_NONBLOCK', 0) | getattr(os, 'O_NOFOLLOW', 0)
               | getattr(os, 'O_NOCTTY', 0) | getattr(os, 'O_CLOEXEC', 0))
# Why an OSError stopped a read, by errno; other errnos are named after theirs.
_ERRNO_REASONS = {
    errno.EACCES: 'permission_denied', errno.EPERM: 'permission_denied',
    errno.ENOENT: 'not_found', errno.EISDIR: 'is_a_directory',
    errno.ENOTDIR: 'not_a_directory', errno.ELOOP: 'link_loop',
    errno.ENXIO: 'not_a_regular_file', errno.EIO: 'io_error',
    errno.ENAMETOOLONG: 'name_too_long',
}
_KINDS = ((stat.S_ISDIR, 'a folder'), (stat.S_ISFIFO, 'a named pipe (FIFO)'),
          (stat.S_ISSOCK, 'a socket'), (stat.S_ISCHR, 'a character device'),
          (stat.S_ISBLK, 'a block device'))


@dataclasses.dataclass(frozen=True)
class LocalFile:
  """A local path to read, and the folder its real path must lie in.

  ``root`` is None for a path the user named, which is read wherever its
  links lead. ``error`` is the (reason, message) of a folder that could
  not be listed: it is a dead letter too.
  """
  path: str
  root: Optional[str]
  error: Optional[Tuple[str, str]] = None


def is_remote(path: str) -> bool:
  return '://' in path


def is_hidden(path: str) -> bool:
  """Dot-files (.DS_Store, editor swap files, partial uploads) are not inputs."""
  return posixpath.basename(path.replace('\\', '/')).startswith('.')


def read_error(error: OSError) -> InputError:
  """The dead-letter reason of an OSError met while reading, named after its errno."""
  reason = _ERRNO_REASONS.get(error.errno)
  if reason is None:
    name = errno.errorcode.get(error.errno) if error.errno else None
    reason = f'os_error_{name.lower()}' if name else 'read_failed'
  return InputError(reason, error.strerror or str(error) or type(error).__name__)


def _inside(path: str, folder: str) -> bool:
  return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _kind(mode: int) -> str:
  return next((name for test, name in _KINDS if test(mode)), 'not a regular file')


def check(file: LocalFile, follow_links: bool) -> Tuple[str, os.stat_result]:
  """(real path, its status) of a file that may be read; else an ``InputError``.

  Never opens anything: a named pipe blocks its reader until a writer comes.
  """
  if file.error:
    raise InputError(*file.error)
  own = os.lstat(file.path)
  if stat.S_ISLNK(own.st_mode):
    try:
      os.stat(file.path)
    except FileNotFoundError:
      raise InputError('broken_link', f'a symbolic link to {os.readlink(file.path)!r}, '
                       'which does not exist') from None
  real = os.path.realpath(file.path)
  if file.root is not None and not follow_links:
    root = os.path.realpath(file.root)
    if not _inside(real, root):
      raise InputError('link_outside_input', f'leads to {real}, outside {file.root} '
                       '(--follow-links reads such files)')
  status = os.stat(real)
  if not stat.S_ISREG(status.st_mode):
    raise InputError('not_a_regular_file', f'{_kind(status.st_mode)}, not a regular file')
  return real, status


def read_local(file: LocalFile, max_bytes: int, follow_links: bool
               ) -> Tuple[bytes, datetime.datetime]:
  """The bytes of a local file that passes ``check``, and its modification time.

  OSErrors are left to the caller (``read_error``).
  """
  real, checked = check(file, follow_links)
  if checked.st_size > max_bytes:
    raise InputError('input_too_large', f'{checked.st_size} bytes, over the '
                     f'--max-input-bytes limit of {max_bytes}')
  with os.fdopen(os.open(real, _OPEN_FLAGS), 'rb') as f:
    opened = os.fstat(f.fileno())
    if ((opened.st_dev, opened.st_ino) != (checked.st_dev, checked.st_ino)
        or not stat.S_ISREG(opened.st_mode)):
      raise InputError('changed_while_read', 'the file was replaced between its check '
                       'and its opening')
    data = f.read(max_bytes + 1)
  if len(data) > max_bytes:  # the file grew while we looked
    raise InputError('input_too_large', f'over the --max-input-bytes limit of {max_bytes}')
  return data, datetime.datetime.fromtimestamp(opened.st_mtime, datetime.timezone.utc)


def signature(file: LocalFile) -> Tuple[int, float]:
  """(size, modification time) of what a listed path leads to, for a watcher
  to tell when it settles; its own when it leads nowhere."""
  for status in (os.stat, os.lstat):
    try:
      found = status(file.path)
      return found.st_size, found.st_mtime
    except OSError:
      continue
  return 0, 0.0


def pattern_root(pattern: str) -> str:
  """The folder a local glob lists: the one before its first glob character."""
  return os.path.dirname(re.match(r'[^[*?]*', pattern).group(0))


def list_local(pattern: str, follow_links: bool = False) -> Iterator[LocalFile]:
  """The inputs of a local path, folder (at any depth) or glob, dot-files left out.

  Globs are Beam's: ``*`` within a folder, ``**`` across folders. A path
  named is read as named, links followed; in a folder or a glob's folder,
  every other entry is listed, whatever it is, for ``check`` to judge.
  Linked folders are entered only with ``follow_links`` and when they lead
  out of the input (inside it, their files are listed where they lie);
  each real folder is entered once. Raises OSError when the folder itself
  cannot be listed.
  """
  if not GLOB_CHARS & set(pattern):
    if os.path.isdir(pattern):
      yield from _Walk(pattern, None, follow_links).files()
    elif not is_hidden(pattern):
      yield LocalFile(pattern, None)
    return
  if pattern.endswith('/'):
    pattern += '*'
  yield from _Walk(pattern_root(pattern), re.compile(FileSystem.translate_pattern(pattern)),
                   follow_links, deep='**' in pattern).files()


class _Walk:
  """One listing of a folder tree, links not followed unless asked (``list_local``)."""
  def __init__(self, root: str, matches: Optional[re.Pattern], follow_links: bool,
               deep: bool = True):
    self._root = root
    self._real_root = os.path.realpath(root or os.curdir)
    self._matches = matches
    self._follow_links = follow_links
    self._deep = deep  # whether files at any depth can match: unlistable folders matter
    self._entered: Set[str] = set()

  def files(self) -> Iterator[LocalFile]:
    with os.scandir(self._root or os.curdir) as listing:  # raises: nothing to read at all
      entries = sorted(listing, key=lambda entry: entry.name)
    self._entered.add(self._real_root)
    yield from self._entries(self._root, entries)

  def _wanted(self, path: str) -> bool:
    return not is_hidden(path) and (self._matches is None or bool(self._matches.match(path)))

  def _folder(self, path: str) -> Iterator[LocalFile]:
    real = os.path.realpath(path)
    if real in self._entered:  # a loop of links, or a folder reached twice
      return
    self._entered.add(real)
    try:
      with os.scandir(path) as listing:
        entries = sorted(listing, key=lambda entry: entry.name)
    except OSError as error:
      if self._deep:
        failure = read_error(error)
        yield LocalFile(path, self._root, (failure.reason, f'folder not listed: {failure}'))
      return
    yield from self._entries(path, entries)

  def _entries(self, folder: str, entries) -> Iterator[LocalFile]:
    for entry in entries:
      path = os.path.join(folder, entry.name)  # a relative glob's files stay relative
      if entry.is_dir(follow_symlinks=False):
        yield from self._folder(path)
      elif entry.is_symlink() and os.path.isdir(path):
        if _inside(os.path.realpath(path), self._real_root):
          continue  # its files are listed where they lie
        if self._follow_links:
          yield from self._folder(path)
        elif self._wanted(path):
          yield LocalFile(path, self._root)  # a dead letter: link_outside_input
      elif self._wanted(path):
        yield LocalFile(path, self._root)
