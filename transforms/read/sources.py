"""Read stage, batch: wire files (paths, folders, globs) and feed URLs into raw bytes.

Files are matched at run time: local paths, folders and globs by
``local_files``, which neither follows links out of the input nor opens
pipes, and gs:// or s3:// storage by Beam's file systems on a distributed
runner. Feeds are fetched by us (see ``fetch``), never by feedparser, so that
the scheme, size, timeout and User-Agent rules hold for every request.
"""
import dataclasses
import datetime
import os
from typing import Any, Iterator, Optional, Sequence

import apache_beam as beam
from apache_beam.io import fileio
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from transforms.dead_letters import METRICS_NAMESPACE, GuardedDoFn, Origin, dead_letter_output
from transforms.errors import InputError
from transforms.read import archives
from transforms.read.fetch import DEFAULT_USER_AGENT, fetch
from transforms.read.local_files import (
  LocalFile,
  is_hidden,
  is_remote,
  list_local,
  read_error,
  read_local,
)
from transforms.tags import DEAD_LETTERS, SOURCES


@dataclasses.dataclass
class SourceData:
  """The bytes of one file or one fetched feed, and when they were received."""
  location: str
  data: bytes
  received_at: datetime.datetime
  content_type: Optional[str] = None  # as sent by the server, for its charset
  # A replayed dead letter of one entry: the format and position it had.
  replay_of: Optional['ReplayedEntry'] = None


@dataclasses.dataclass(frozen=True)
class ReplayedEntry:
  """Where a replayed entry came from, which its new record keeps.

  An RSS entry is replayed from a one-item JSON Feed; without this it would
  come back as a ``json_feed`` entry at position 0.
  """
  format: str
  position: int


@beam.typehints.with_output_types(Any)
class ReadFileFn(GuardedDoFn):
  """Reads a ``LocalFile``, or a remote file's Beam ``FileMetadata``.

  Every file counts as a source, read or not. An OSError is a dead letter
  named after its errno (``permission_denied``...), not an internal error:
  a file that cannot be read is the input's fault, not a bug. A gzip or zip
  file is unpacked (``archives``): each member is a source, and each member
  not read a dead letter whose source is the archive, for ``--replay``.
  """
  stage = 'read'

  def __init__(self, max_input_bytes: int, follow_links: bool = False,
               max_archive_members: int = archives.DEFAULT_MAX_MEMBERS):
    self._max_input_bytes = max_input_bytes
    self._follow_links = follow_links
    self._max_archive_members = max_archive_members

  def origin(self, element):
    return Origin(source=element.path, raw=b'')

  def process_element(self, element):
    Metrics.counter(METRICS_NAMESPACE, 'sources.files').inc()
    try:
      if isinstance(element, LocalFile):
        data, modified = read_local(element, self._max_input_bytes, self._follow_links)
      else:
        data, modified = self._read_remote(element)
    except OSError as error:
      raise read_error(error) from error
    if not archives.is_archive(data):
      yield SourceData(element.path, data, modified)
      return
    Metrics.counter(METRICS_NAMESPACE, 'sources.archives').inc()
    for member in archives.unpack(element.path, data, self._max_input_bytes,
                                  self._max_archive_members):
      if member.refusal is not None:
        yield dead_letter_output(self.stage, member.refusal.reason,
                                 f'{member.location}: {member.refusal}',
                                 Origin(source=element.path, raw=b'', received_at=modified))
      else:
        Metrics.counter(METRICS_NAMESPACE, 'sources.archive_members').inc()
        yield SourceData(member.location, member.data, modified)

  def _read_remote(self, metadata):
    if metadata.size_in_bytes > self._max_input_bytes:
      raise InputError(
          'input_too_large', f'{metadata.size_in_bytes} bytes, over the '
          f'--max-input-bytes limit of {self._max_input_bytes}')
    with FileSystems.open(metadata.path,
                          compression_type=CompressionTypes.UNCOMPRESSED) as f:
      data = f.read(self._max_input_bytes + 1)
    if len(data) > self._max_input_bytes:  # the file grew while we looked
      raise InputError('input_too_large',
                       f'over the --max-input-bytes limit of {self._max_input_bytes}')
    return data, datetime.datetime.fromtimestamp(
        metadata.last_updated_in_seconds or 0, datetime.timezone.utc)


def list_input(pattern: str, follow_links: bool) -> Iterator[LocalFile]:
  """``list_local``, with a folder that cannot be listed at all as its dead letter."""
  try:
    yield from list_local(pattern, follow_links)
  except OSError as error:
    failure = read_error(error)
    yield LocalFile(pattern, None, (failure.reason, f'not listed: {failure}'))


class _FetchFeedFn(GuardedDoFn):
  stage = 'read'

  def __init__(self, max_input_bytes: int, timeout: float, user_agent: str):
    self._max_input_bytes = max_input_bytes
    self._timeout = timeout
    self._user_agent = user_agent

  def origin(self, element):
    return Origin(source=element, raw=b'')

  def process_element(self, url):
    Metrics.counter(METRICS_NAMESPACE, 'sources.feeds').inc()
    result = fetch(url, timeout=self._timeout, max_bytes=self._max_input_bytes,
                   user_agent=self._user_agent)
    yield SourceData(url, result.body, result.fetched_at, result.content_type)


def _counted(source: SourceData, counter_name: str) -> SourceData:
  Metrics.counter(METRICS_NAMESPACE, counter_name).inc()
  return source


class ReadSources(beam.PTransform):
  """Outputs ``SourceData`` under ``sources`` and dead letters under ``dead_letters``.

  ``replayed_paths`` are files whose dead letters are replayed: they are
  read again if they are regular files whose links stay in their own
  folder (the input they were found in is not known any more), unless
  ``follow_links``.
  """
  def __init__(self, file_patterns: Sequence[str], feed_urls: Sequence[str],
               max_input_bytes: int, fetch_timeout: float = 20.0,
               user_agent: str = DEFAULT_USER_AGENT,
               replayed: Sequence[SourceData] = (), replayed_paths: Sequence[str] = (),
               follow_links: bool = False,
               max_archive_members: int = archives.DEFAULT_MAX_MEMBERS):
    super().__init__()
    self._file_patterns = list(file_patterns)
    self._feed_urls = list(feed_urls)
    self._replayed = list(replayed)
    self._replayed_paths = list(replayed_paths)
    self._max_input_bytes = max_input_bytes
    self._fetch_timeout = fetch_timeout
    self._user_agent = user_agent
    self._follow_links = follow_links
    self._max_archive_members = max_archive_members

  def _files(self, pbegin):
    """The files to read: ``LocalFile``s, and remote files' ``FileMetadata``."""
    local = [pattern for pattern in self._file_patterns if not is_remote(pattern)]
    remote = [pattern for pattern in self._file_patterns if is_remote(pattern)]
    files = []
    if local:
      files.append(pbegin
                   | 'LocalPatterns' >> beam.Create(local)
                   | 'ListLocalFiles' >> beam.FlatMap(list_input, self._follow_links))
    if self._replayed_paths:
      files.append(pbegin | 'ReplayedPaths' >> beam.Create(
          [LocalFile(path, os.path.dirname(path)) for path in self._replayed_paths]))
    if remote:
      files.append(pbegin
                   | 'FilePatterns' >> beam.Create(remote)
                   | 'MatchFiles' >> fileio.MatchAll()
                   | 'SkipHiddenFiles' >> beam.Filter(lambda m: not is_hidden(m.path)))
    return files

  def expand(self, pbegin):
    results = []
    files = self._files(pbegin)
    if files:
      results.append(
          files
          | 'AllFiles' >> beam.Flatten(pipeline=pbegin.pipeline)
          | 'SpreadFiles' >> beam.Reshuffle()
          | 'ReadFiles' >> beam.ParDo(ReadFileFn(
              self._max_input_bytes, self._follow_links, self._max_archive_members))
          .with_outputs(DEAD_LETTERS, main=SOURCES))
    if self._feed_urls:
      results.append(
          pbegin
          | 'FeedUrls' >> beam.Create(self._feed_urls)
          | 'SpreadFeeds' >> beam.Reshuffle()
          | 'FetchFeeds' >> beam.ParDo(
              _FetchFeedFn(self._max_input_bytes, self._fetch_timeout,
                           self._user_agent)).with_outputs(
                               DEAD_LETTERS, main=SOURCES))
    if self._replayed:
      results.append({
          SOURCES: (pbegin
                    | 'ReplayedSources' >> beam.Create(self._replayed)
                    | 'CountReplayed' >> beam.Map(_counted, 'sources.replayed')),
          DEAD_LETTERS: pbegin | 'NoReplayFailures' >> beam.Create([])})
    return {
        tag: [result[tag] for result in results]
        | f'Flatten_{tag}' >> beam.Flatten(pipeline=pbegin.pipeline)
        for tag in (SOURCES, DEAD_LETTERS)
    }
