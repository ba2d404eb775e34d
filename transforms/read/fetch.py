"""Fetching one feed over HTTP(S) with the limits an ingestion service needs.

We fetch ourselves rather than let feedparser do it, so that every request
obeys the same rules: http and https only (on every redirect hop too), a
timeout, a size cap applied while streaming and again after decompression
(a gzip bomb is small on the wire), and a User-Agent that names us.
"""
import dataclasses
import datetime
import http.client
import urllib.parse
import zlib
from typing import Optional

from transforms.errors import InputError

VERSION = '0.1.0'
DEFAULT_USER_AGENT = f'wirebeam/{VERSION} (+https://github.com/wirebeam/wirebeam)'
_SCHEMES = {'http': http.client.HTTPConnection, 'https': http.client.HTTPSConnection}
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024


@dataclasses.dataclass(frozen=True)
class FetchResult:
  url: str  # after redirects
  status: int
  body: bytes  # decompressed
  content_type: Optional[str]  # with its charset parameter, if any
  etag: Optional[str]
  last_modified: Optional[str]
  fetched_at: datetime.datetime


def _split(url: str):
  parts = urllib.parse.urlsplit(url)
  if parts.scheme.lower() not in _SCHEMES or not parts.hostname:
    raise InputError('unsupported_url_scheme',
                     f'only http and https URLs are fetched, not {url!r}')
  return parts


def _read_body(response, max_bytes: int) -> bytes:
  """The body, decompressed, refusing more than max_bytes before or after."""
  encoding = (response.getheader('Content-Encoding') or 'identity').lower().strip()
  if encoding in ('gzip', 'x-gzip'):
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
  elif encoding == 'deflate':
    decompressor = zlib.decompressobj()
  elif encoding == 'identity':
    decompressor = None
  else:
    raise InputError('fetch_failed', f'unsupported Content-Encoding {encoding!r}')
  received, body = 0, bytearray()
  while True:
    chunk = response.read(_CHUNK)
    if not chunk:
      break
    received += len(chunk)
    if received > max_bytes:
      raise InputError('input_too_large', f'more than {max_bytes} bytes received')
    if decompressor:
      try:
        # max_length bounds what one call may expand to: a bomb stops here.
        chunk = decompressor.decompress(chunk, max_bytes + 1 - len(body))
      except zlib.error as error:
        raise InputError('fetch_failed', f'corrupt {encoding} body: {error}')
    body += chunk
    if len(body) > max_bytes or (decompressor and decompressor.unconsumed_tail):
      raise InputError('input_too_large',
                       f'more than {max_bytes} bytes after decompression')
  return bytes(body)


def fetch(url: str, *, timeout: float = 20.0, max_bytes: int = 20 * 1024 * 1024,
          user_agent: str = DEFAULT_USER_AGENT, max_redirects: int = 5) -> FetchResult:
  """GETs a feed, following redirects; every failure is an InputError."""
  for _ in range(max_redirects + 1):
    parts = _split(url)
    connection = _SCHEMES[parts.scheme.lower()](parts.hostname, parts.port,
                                                timeout=timeout)
    path = urllib.parse.urlunsplit(('', '', parts.path or '/', parts.query, ''))
    try:
      connection.request('GET', path, headers={
          'User-Agent': user_agent, 'Accept-Encoding': 'gzip, deflate',
          'Accept': 'application/rss+xml, application/atom+xml, application/xml, '
                    'application/feed+json, application/json, text/*;q=0.8, */*;q=0.5'})
      response = connection.getresponse()
      if response.status in _REDIRECTS and response.getheader('Location'):
        target = urllib.parse.urljoin(url, response.getheader('Location'))
        if urllib.parse.urlsplit(target).scheme.lower() not in _SCHEMES:
          raise InputError('redirect_refused',
                           f'{url} redirects to {target!r}, not http(s)')
        url = target
        continue
      if response.status >= 400:
        raise InputError('http_error',
                         f'HTTP {response.status} {response.reason} for {url}')
      body = _read_body(response, max_bytes)
      return FetchResult(
          url, response.status, body, response.getheader('Content-Type'),
          response.getheader('ETag'), response.getheader('Last-Modified'),
          datetime.datetime.now(datetime.timezone.utc))
    except TimeoutError:
      raise InputError('fetch_timeout', f'no answer from {url} within {timeout} s')
    except (OSError, http.client.HTTPException) as error:
      raise InputError('fetch_failed', f'{url}: {type(error).__name__}: {error}')
    finally:
      connection.close()
  raise InputError('too_many_redirects', f'more than {max_redirects} redirects')
