"""gzip and zip inputs, unpacked in the read stage: each member its own source.

A member's location is the archive's, ``!``, and the member's name:
``bundle.zip!2026/story.xml``, ``wire.xml.gz!wire.xml`` (a gzip file's
member takes the name stored in it, else the file's without ``.gz``), and
``outer.zip!inner.zip!story.xml`` for an archive in an archive, unpacked one
level deep only. Every limit holds after decompression, which runs as a
stream with a cap and never holds more than the cap: a member over
``--max-input-bytes`` (a zip bomb) is a dead letter, and the members past
``--max-archive-members`` or past ``MAX_TOTAL_FACTOR`` times
``--max-input-bytes`` unpacked in all are one. Such dead letters name the
archive as their source, so ``--replay`` with higher limits reads it
again. Zip files that are documents (Office Open XML, OpenDocument, EPUB)
are not unpacked: the parse stage names them.
"""
import dataclasses
import gzip
import io
import lzma
import os
import zipfile
import zlib
from typing import Iterator, Optional

from transforms.errors import InputError
from transforms.read.local_files import is_hidden

ARCHIVE_MEMBER_SEPARATOR = '!'  # between an archive's location and a member's name
DEFAULT_MAX_MEMBERS = 1000
# At most this many times --max-input-bytes unpacked from one archive.
MAX_TOTAL_FACTOR = 10
_GZIP_MAGIC = b'\x1f\x8b'
_ZIP_MAGIC = b'PK\x03\x04'
# A zip holding one of these is a document, not a bundle of news files.
_DOCUMENT_MEMBERS = frozenset({'[Content_Types].xml', 'mimetype', 'META-INF/manifest.xml'})
_GZIP_SUFFIXES = ('.gz', '.gzip', '.tgz')


@dataclasses.dataclass(frozen=True)
class Member:
  """One member of an archive: its bytes, or why they were not read (then
  ``location`` is the member's or, for the members past a limit, the archive's)."""
  location: str
  data: Optional[bytes] = None
  refusal: Optional[InputError] = None


def is_archive(data: bytes) -> bool:
  """gzip, or a zip that is not a document."""
  if data.startswith(_GZIP_MAGIC):
    return True
  if not data.startswith(_ZIP_MAGIC):
    return False
  try:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
      return not _DOCUMENT_MEMBERS & set(archive.namelist())
  except (zipfile.BadZipFile, ValueError):
    return True  # unpacking says what is wrong with it


class _Budget:
  """What one archive may still unpack: members and bytes."""
  def __init__(self, max_member_bytes: int, max_members: int):
    self.max_member_bytes = max_member_bytes
    self.max_members = max_members
    self.members = max_members
    self.bytes = MAX_TOTAL_FACTOR * max_member_bytes

  def spend(self, size: int):
    self.members -= 1
    self.bytes -= size


def unpack(location: str, data: bytes, max_member_bytes: int,
           max_members: int = DEFAULT_MAX_MEMBERS) -> Iterator[Member]:
  """The members of an archive, in order; raises InputError when it cannot be opened."""
  yield from _unpack(location, data, _Budget(max_member_bytes, max_members), nested=False)


def _unpack(location: str, data: bytes, budget: _Budget, nested: bool) -> Iterator[Member]:
  if data.startswith(_GZIP_MAGIC):
    members = _gzip_member(location, data, budget.max_member_bytes)
  else:
    members = _zip_members(location, data, budget)
  for member in members:
    if member.refusal is None and is_archive(member.data):
      if nested:
        yield Member(member.location, refusal=InputError(
            'nested_archive', 'an archive in an archive in an archive: one level of '
            'nesting is unpacked'))
        continue
      try:
        yield from _unpack(member.location, member.data, budget, nested=True)
      except InputError as error:
        yield Member(member.location, refusal=error)
      continue
    if member.refusal is None:
      budget.spend(len(member.data))
    yield member


def _gzip_member(location: str, data: bytes, max_bytes: int) -> Iterator[Member]:
  file_name = os.path.basename(location.split(ARCHIVE_MEMBER_SEPARATOR)[-1])
  name = _gzip_name(data) or _without_gzip_suffix(file_name)
  member_location = f'{location}{ARCHIVE_MEMBER_SEPARATOR}{name}'
  try:
    with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
      unpacked = stream.read(max_bytes + 1)
  except (OSError, EOFError, zlib.error) as error:
    raise InputError('bad_archive', f'gzip that cannot be unpacked: {error}') from error
  if len(unpacked) > max_bytes:
    yield Member(member_location, refusal=_too_large(max_bytes))
  else:
    yield Member(member_location, unpacked)


def _gzip_name(data: bytes) -> Optional[str]:
  """The original file name a gzip header stores (FNAME), if any."""
  flags = data[3] if len(data) > 3 else 0
  if not flags & 0x08:
    return None
  start = 10
  if flags & 0x04:  # FEXTRA comes first: two bytes of length, then the field
    start += 2 + int.from_bytes(data[10:12], 'little')
  end = data.find(b'\x00', start)
  name = data[start:end].decode('latin-1') if end > start else ''
  return os.path.basename(name.replace('\\', '/')) or None


def _without_gzip_suffix(name: str) -> str:
  for suffix in _GZIP_SUFFIXES:
    if name.lower().endswith(suffix):
      return name[:-len(suffix)] + ('.tar' if suffix == '.tgz' else '')
  return name or 'content'


def _zip_members(location: str, data: bytes, budget: _Budget) -> Iterator[Member]:
  try:
    archive = zipfile.ZipFile(io.BytesIO(data))
  except (zipfile.BadZipFile, ValueError) as error:
    raise InputError('bad_archive', f'zip that cannot be opened: {error}') from error
  with archive:
    infos = [info for info in archive.infolist()
             if not info.is_dir() and not is_hidden(info.filename)
             and not info.filename.startswith('__MACOSX/')]
    for index, info in enumerate(infos):
      member_location = f'{location}{ARCHIVE_MEMBER_SEPARATOR}{info.filename}'
      if budget.members <= 0 or budget.bytes <= 0:
        left = len(infos) - index
        yield Member(location, refusal=InputError(
            'archive_members_not_read',
            f'{left} of its {len(infos)} members not read, from '
            f'{info.filename!r} on: at most {budget.max_members} members '
            f'(--max-archive-members) and {MAX_TOTAL_FACTOR} x --max-input-bytes are '
            'unpacked from one archive; --replay with higher limits reads it again'))
        return
      yield _zip_member(archive, info, member_location, budget.max_member_bytes)


def _zip_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, location: str,
                max_bytes: int) -> Member:
  try:
    with archive.open(info) as stream:
      unpacked = stream.read(max_bytes + 1)
  except RuntimeError as error:  # encrypted
    return Member(location, refusal=InputError('encrypted_member', str(error)))
  except NotImplementedError as error:  # a compression method zipfile lacks
    return Member(location, refusal=InputError('unsupported_compression', str(error)))
  except (zipfile.BadZipFile, OSError, EOFError, zlib.error, lzma.LZMAError) as error:
    return Member(location, refusal=InputError('bad_archive', str(error)))
  if len(unpacked) > max_bytes:
    return Member(location, refusal=_too_large(max_bytes))
  return Member(location, unpacked)


def _too_large(max_bytes: int) -> InputError:
  return InputError('input_too_large', f'over the --max-input-bytes limit of {max_bytes} '
                    'once unpacked (an archive bomb is refused this way)')
