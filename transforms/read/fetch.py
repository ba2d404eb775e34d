"""Fetching one feed over HTTP(S) with the limits an ingestion service needs.

We fetch ourselves rather than let feedparser do it, so that every request
obeys the same rules: http and https only (on every redirect hop too), a
timeout, a size cap applied while streaming and again after decompression
(a gzip bomb is small on the wire), and a User-Agent that names us.
A body that ends before its Content-Length (or its last chunk) says, or
whose connection is reset, is a failure at once, never a feed cut short.
A poller adds conditional headers and learns from ``HttpError`` when to
retry and from ``BodyRefused`` that a response was lost.
"""
import contextlib
import dataclasses
import datetime
import email.utils
import http.client
import re
import socket
import threading
import time
import urllib.parse
import zlib
from typing import Mapping, Optional

from transforms.errors import InputError
from transforms.version import __version__

DEFAULT_USER_AGENT = f'wirebeam/{__version__} (+https://github.com/wirebeam/wirebeam)'
_CONNECTIONS = {'http': (http.client.HTTPConnection, 80),
                'https': (http.client.HTTPSConnection, 443)}
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_DECODINGS = frozenset({'identity', 'gzip', 'x-gzip', 'deflate'})
_CHUNK = 64 * 1024
# Characters a request target may carry as they are; the rest (non-ASCII,
# spaces, control characters) is percent-encoded as browsers do.
_URL_SAFE = "!#$%&'()*+,/:;=?@[]~"
_ACCEPT = ('application/rss+xml, application/atom+xml, application/xml, '
           'application/feed+json, application/json, text/*;q=0.8, */*;q=0.5')
_CONDITIONAL = frozenset({'if-none-match', 'if-modified-since'})
_DELTA_SECONDS = re.compile(r'[0-9]{1,10}')


class HttpError(InputError):
  """An HTTP error status, with what a poller needs to decide when to retry."""
  def __init__(self, status: int, retry_after: Optional[float], message: str):
    super().__init__('http_error', message)
    self.status = status
    self.retry_after = retry_after  # seconds, from the Retry-After header


class BodyRefused(InputError):
  """A response received but not kept (too large, corrupt): data was lost."""


class BodyCutShort(http.client.HTTPException):
  """The connection ended, closed or reset, before the whole body came.

  http.client returns a body shorter than its Content-Length as if it were
  whole; a feed cut there would parse as a smaller feed.
  """


@dataclasses.dataclass(frozen=True)
class FetchResult:
  url: str  # after redirects
  status: int
  body: bytes  # decompressed
  content_type: Optional[str]  # with its charset parameter, if any
  etag: Optional[str]
  last_modified: Optional[str]
  fetched_at: datetime.datetime


def check_url(url: str) -> urllib.parse.SplitResult:
  """The URL's parts if we would fetch it: http(s), a host, a valid port."""
  try:
    parts = urllib.parse.urlsplit(url)
  except ValueError as error:  # "http://[oops/": an unclosed IPv6 bracket
    raise InputError('invalid_url', f'{url!r}: {error}') from error
  if parts.scheme.lower() not in _CONNECTIONS or not parts.hostname:
    raise InputError('unsupported_url_scheme',
                     f'only http and https URLs are fetched, not {url!r}')
  try:
    _ = parts.port  # reading it parses it: a port that is not 0-65535 raises
    parts.hostname.encode('idna')  # as the socket will: 'a..b' is no host
  except (ValueError, UnicodeError) as error:
    raise InputError('invalid_url', f'{url!r}: {error}') from error
  return parts


def retry_after_seconds(value: Optional[str], now: float) -> Optional[float]:
  """Seconds to wait from a Retry-After header: delta-seconds or an HTTP-date."""
  value = (value or '').strip()
  if _DELTA_SECONDS.fullmatch(value):
    return float(value)
  try:
    when = email.utils.parsedate_to_datetime(value)
  except (TypeError, ValueError):  # absent or unreadable: no advice
    return None
  if when.tzinfo is None:  # "-0000": UTC, as HTTP-dates always are
    when = when.replace(tzinfo=datetime.timezone.utc)
  return max(0.0, when.timestamp() - now)


def _connect(parts: urllib.parse.SplitResult, timeout: float):
  connection_class, default_port = _CONNECTIONS[parts.scheme.lower()]
  # An explicit port, else http.client reads an IPv6 host's last group as one.
  return connection_class(parts.hostname, parts.port or default_port,
                          timeout=timeout)


def _request_target(parts: urllib.parse.SplitResult) -> str:
  path = urllib.parse.urlunsplit(('', '', parts.path or '/', parts.query, ''))
  return urllib.parse.quote(path, safe=_URL_SAFE)


def _decompressor(encoding: str, head: bytes):
  if encoding == 'deflate':
    # HTTP's deflate is zlib-wrapped, but some servers send it raw and
    # browsers accept both, so the first two bytes decide.
    zlib_wrapped = (len(head) >= 2 and head[0] & 0x0F == 8 and
                    int.from_bytes(head[:2], 'big') % 31 == 0)
    return zlib.decompressobj(zlib.MAX_WBITS if zlib_wrapped else -zlib.MAX_WBITS)
  return zlib.decompressobj(16 + zlib.MAX_WBITS)


def _of(expected: Optional[int]) -> str:
  return f' of {expected}' if expected is not None else ''


def _read_body(response, max_bytes: int) -> bytes:
  """The body, decompressed, refusing more than max_bytes before or after."""
  encoding = (response.getheader('Content-Encoding') or 'identity').lower().strip()
  if encoding not in _DECODINGS:
    raise BodyRefused('fetch_failed', f'unsupported Content-Encoding {encoding!r}')
  expected = response.length  # Content-Length; None when chunked or absent
  received, decompressor, body = 0, None, bytearray()
  try:
    # read1: whatever one read of the socket gives, so that ``received`` is
    # what came before a reset too.
    for chunk in iter(lambda: response.read1(_CHUNK), b''):
      received += len(chunk)
      if received > max_bytes:
        raise BodyRefused('input_too_large', f'more than {max_bytes} bytes received')
      if encoding != 'identity':
        decompressor = decompressor or _decompressor(encoding, chunk)
        try:
          # max_length bounds what one call may expand to: a bomb stops here.
          chunk = decompressor.decompress(chunk, max_bytes + 1 - len(body))
        except zlib.error as error:
          raise BodyRefused('fetch_failed', f'corrupt {encoding} body: {error}') from error
      body += chunk
      if len(body) > max_bytes:
        raise BodyRefused('input_too_large',
                          f'more than {max_bytes} bytes after decompression')
  except http.client.IncompleteRead as error:  # closed before the last chunk
    raise BodyCutShort(f'chunked body ended after {received} bytes, '
                       'before its last chunk') from error
  except ConnectionError as error:  # reset
    raise BodyCutShort(f'body ended after {received}{_of(expected)} bytes: '
                       f'{type(error).__name__}: {error}') from error
  if expected is not None and received < expected:
    raise BodyCutShort(f'body ended after {received}{_of(expected)} bytes')
  if decompressor and not decompressor.eof:
    raise BodyRefused('fetch_failed', f'truncated {encoding} body')
  return bytes(body)


@contextlib.contextmanager
def _watchdog(deadline: float):
  """Shuts the sockets registered in the list it yields when the time is up.

  The socket is registered once connected: http.client forgets it on the
  connection when the response will close it, but the response reads on.
  """
  sockets = []
  timer = threading.Timer(max(0.0, deadline - time.monotonic()), _abort, [sockets])
  timer.daemon = True
  timer.start()
  try:
    yield sockets
  finally:
    timer.cancel()


def _abort(sockets):
  """Unblocks whatever read is under way: the watchdog's way to stop a fetch."""
  for sock in sockets:
    with contextlib.suppress(OSError):
      sock.shutdown(socket.SHUT_RDWR)


def fetch(url: str, *, timeout: float = 20.0, max_bytes: int = 20 * 1024 * 1024,
          user_agent: str = DEFAULT_USER_AGENT, max_redirects: int = 5,
          headers: Optional[Mapping[str, str]] = None) -> FetchResult:
  """GETs a feed, following redirects; every failure is an InputError.

  ``timeout`` bounds the whole fetch, redirects included: a server that
  trickles a byte at a time never times out a single read, so a watchdog
  closes the connection when the time is up. ``headers`` are added to the
  request; when they make it conditional, a 304 is a result with no body.
  """
  conditional = any(name.lower() in _CONDITIONAL for name in headers or {})
  request_headers = {'User-Agent': user_agent, 'Accept-Encoding': 'gzip, deflate',
                     'Accept': _ACCEPT, **(headers or {})}
  deadline = time.monotonic() + timeout
  for _ in range(max_redirects + 1):
    parts = check_url(url)
    try:
      with contextlib.closing(_connect(parts, timeout)) as connection, \
           _watchdog(deadline) as sockets:
        connection.request('GET', _request_target(parts), headers=request_headers)
        sockets.append(connection.sock)
        response = connection.getresponse()
        location = response.getheader('Location')
        if response.status in _REDIRECTS and location:
          try:
            target = urllib.parse.urljoin(url, location)
          except ValueError as error:
            raise InputError('redirect_refused',
                             f'{url} redirects to {location!r}: {error}') from error
          if urllib.parse.urlsplit(target).scheme.lower() not in _CONNECTIONS:
            raise InputError('redirect_refused',
                             f'{url} redirects to {target!r}, not http(s)')
          url = target
          continue
        if response.status == 304 and conditional:
          body = b''
        elif response.status >= 300:  # an error, or a redirect with no Location
          raise HttpError(
              response.status,
              retry_after_seconds(response.getheader('Retry-After'), time.time()),
              f'HTTP {response.status} {response.reason} for {url}')
        else:
          try:
            body = _read_body(response, max_bytes)
          except BodyRefused:
            if time.monotonic() >= deadline:  # cut short by the watchdog, not corrupt
              raise TimeoutError from None
            raise
        if time.monotonic() >= deadline:  # the watchdog cut the body short
          raise TimeoutError
        return FetchResult(
            url, response.status, body, response.getheader('Content-Type'),
            response.getheader('ETag'), response.getheader('Last-Modified'),
            datetime.datetime.now(datetime.timezone.utc))
    except (OSError, http.client.HTTPException) as error:
      if isinstance(error, TimeoutError) or time.monotonic() >= deadline:
        raise InputError('fetch_timeout', f'{url} not fetched within {timeout} s') from error
      cause = error if isinstance(error, BodyCutShort) else f'{type(error).__name__}: {error}'
      raise InputError('fetch_failed', f'{url}: {cause}') from error
  raise InputError('too_many_redirects', f'more than {max_redirects} redirects')
