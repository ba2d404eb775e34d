"""Read stage, batch: wire files (paths, folders, globs) and feed URLs into raw bytes.

Files are matched at run time with Beam's file systems, so a pattern may
name a local folder as well as gs:// or s3:// storage on a distributed
runner. Feeds are fetched by us (see ``fetch``), never by feedparser, so that
the scheme, size, timeout and User-Agent rules hold for every request.
"""
import dataclasses
import datetime
import posixpath
from typing import Optional, Sequence

import apache_beam as beam
from apache_beam.io import fileio
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from transforms.dead_letters import METRICS_NAMESPACE, GuardedDoFn, Origin
from transforms.errors import InputError
from transforms.read.fetch import DEFAULT_USER_AGENT, fetch
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


def is_hidden(path: str) -> bool:
  """Dot-files (.DS_Store, editor swap files, partial uploads) are not inputs."""
  return posixpath.basename(path.replace('\\', '/')).startswith('.')


class ReadFileFn(GuardedDoFn):
  stage = 'read'

  def __init__(self, max_input_bytes: int):
    self._max_input_bytes = max_input_bytes

  def origin(self, element):
    return Origin(source=element.path, raw=b'')

  def process_element(self, metadata):
    Metrics.counter(METRICS_NAMESPACE, 'sources.files').inc()
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
    modified = datetime.datetime.fromtimestamp(
        metadata.last_updated_in_seconds or 0, datetime.timezone.utc)
    yield SourceData(metadata.path, data, modified)


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
  """Outputs ``SourceData`` under ``sources`` and dead letters under ``dead_letters``."""
  def __init__(self, file_patterns: Sequence[str], feed_urls: Sequence[str],
               max_input_bytes: int, fetch_timeout: float = 20.0,
               user_agent: str = DEFAULT_USER_AGENT,
               replayed: Sequence[SourceData] = ()):
    super().__init__()
    self._file_patterns = list(file_patterns)
    self._feed_urls = list(feed_urls)
    self._replayed = list(replayed)
    self._max_input_bytes = max_input_bytes
    self._fetch_timeout = fetch_timeout
    self._user_agent = user_agent

  def expand(self, pbegin):
    results = []
    if self._file_patterns:
      results.append(
          pbegin
          | 'FilePatterns' >> beam.Create(self._file_patterns)
          | 'MatchFiles' >> fileio.MatchAll()
          | 'SkipHiddenFiles' >> beam.Filter(lambda m: not is_hidden(m.path))
          | 'SpreadFiles' >> beam.Reshuffle()
          | 'ReadFiles' >> beam.ParDo(ReadFileFn(self._max_input_bytes))
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
