"""Hostile feed servers: what ``transforms.read.fetch.fetch`` does with each.

conftest's FeedServer always sends a Content-Length and the whole body at
once, so this module has its own server whose routes write their responses
themselves: chunked, endless, compressed or one byte at a time; and a raw
socket server that sends some bytes and then hangs up, closing or resetting.
"""
import gzip
import http.server
import socket
import struct
import threading
import time
import zlib

import pytest

from transforms.errors import InputError
from transforms.read.fetch import fetch

CAP = 100_000  # max_bytes of every fetch here
TIME_LIMIT = 2.0  # seconds; a correctness bound, not a benchmark
MIB = 1024 * 1024
SMALL_FEED = b'<rss version="2.0"><channel><title>ok</title></channel></rss>'


class StreamServer:
  """An HTTP/1.1 server on 127.0.0.1 whose routes are functions writing raw responses."""
  def __init__(self):
    self.routes = {}
    self.requests = []
    self.stop = threading.Event()  # ends slow responses between tests
    server = self

    class Handler(http.server.BaseHTTPRequestHandler):
      protocol_version = 'HTTP/1.1'

      def do_GET(self):  # noqa: N802 (the stdlib's name)
        server.requests.append(self.path)
        try:
          server.routes[self.path](self)
        except (BrokenPipeError, ConnectionResetError):
          pass  # the client gave up, as a refused fetch should

      def log_message(self, *args):
        pass

    self._httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    self._httpd.daemon_threads = True
    threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

  def url(self, path):
    return f'http://127.0.0.1:{self._httpd.server_address[1]}{path}'

  def close(self):
    self.stop.set()
    self._httpd.shutdown()
    self._httpd.server_close()


def send_head(handler, status=200, headers=()):
  handler.send_response(status)
  for name, value in headers:
    handler.send_header(name, value)
  handler.send_header('Connection', 'close')
  handler.end_headers()


def chunked(chunks, headers=(), status=200):
  """A route answering with chunked transfer encoding and no Content-Length."""
  def route(handler):
    send_head(handler, status, (('Transfer-Encoding', 'chunked'),) + tuple(headers))
    for chunk in chunks():
      handler.wfile.write(b'%x\r\n%s\r\n' % (len(chunk), chunk))
    handler.wfile.write(b'0\r\n\r\n')
  return route


def redirect(location):
  def route(handler):
    send_head(handler, 302, (('Location', location), ('Content-Length', '0')))
  return route


def trickle(server, head: bytes):
  """A route sending ``head`` then one byte every 0.1 s, until the test ends."""
  def route(handler):
    handler.wfile.write(head)
    deadline = time.monotonic() + 10  # a bound, should a test forget to stop it
    while not server.stop.wait(0.1) and time.monotonic() < deadline:
      handler.wfile.write(b'x')
  return route


def stall(server):
  """Headers, then silence until the test ends."""
  def route(handler):
    send_head(handler, 200, (('Content-Length', '100'),))
    server.stop.wait(10)
  return route


def endless():
  """64 KiB chunks, 16 MiB in all: far over the cap, and finite."""
  return (b'<' * 65536 for _ in range(256))


def bomb(compress):
  """10 MB of zeros, some 10 KB on the wire, in 1 KB chunks."""
  data = compress(b'\0' * 10_000_000)
  return lambda: (data[i:i + 1024] for i in range(0, len(data), 1024))


def raw_deflate(data):
  compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
  return compressor.compress(data) + compressor.flush()


@pytest.fixture(scope='module')
def stream_server():
  """One server for the module: closing one takes half a second."""
  server = StreamServer()
  server.routes.update({
      '/small': chunked(lambda: [SMALL_FEED]),
      '/at-cap': chunked(lambda: [b'x' * CAP]),
      '/over-cap': chunked(lambda: [b'x' * CAP, b'x']),
      '/endless': chunked(endless),
      '/gzip-bomb': chunked(bomb(gzip.compress), [('Content-Encoding', 'gzip')]),
      '/deflate-bomb': chunked(bomb(zlib.compress), [('Content-Encoding', 'deflate')]),
      '/raw-deflate-bomb': chunked(bomb(raw_deflate), [('Content-Encoding', 'deflate')]),
      '/hop1': redirect('/hop2'),
      '/hop2': redirect('/endless'),
      '/to-bomb': redirect('/gzip-bomb'),
      '/to-stall': redirect('/stall'),
      '/to-ftp': redirect('ftp://127.0.0.1/feed.xml'),
      '/stall': stall(server),
      '/trickle-body': trickle(server, b'HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n'
                               b'Connection: close\r\n\r\n'),
      '/trickle-body-keep-alive': trickle(
          server, b'HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n'),
      '/trickle-headers': trickle(server, b'HTTP/1.1 200 OK\r\nX-Slow: '),
      '/redirect-with-endless-body': chunked(endless, [('Location', '/small')], 302),
  })
  yield server
  server.close()


@pytest.fixture
def server(stream_server):
  stream_server.requests.clear()
  stream_server.stop.clear()
  yield stream_server
  stream_server.stop.set()


def fetch_within(seconds, url, **kwargs):
  """fetch's result or InputError, or None while it is still running after ``seconds``.

  Runs in a thread so that a fetch that never ends cannot hang the suite.
  """
  outcome = []

  def run():
    try:
      outcome.append(fetch(url, max_bytes=CAP, **kwargs))
    except InputError as error:
      outcome.append(error)

  thread = threading.Thread(target=run, daemon=True)
  thread.start()
  thread.join(seconds)
  return outcome[0] if outcome else None


def reason_of(url, **kwargs):
  outcome = fetch_within(TIME_LIMIT, url, **kwargs)
  assert isinstance(outcome, InputError), f'{url} gave {outcome!r}'
  return outcome.reason


def test_chunked_body_is_accepted_up_to_the_cap(server):
  assert fetch(server.url('/small'), max_bytes=CAP).body == SMALL_FEED
  assert len(fetch(server.url('/at-cap'), max_bytes=CAP).body) == CAP


@pytest.mark.parametrize('path', ['/over-cap', '/endless'])
def test_chunked_body_without_length_over_the_cap_is_refused(server, path):
  assert reason_of(server.url(path)) == 'input_too_large'


# deflate comes zlib-wrapped (RFC 9110) or raw, as some servers send it.
@pytest.mark.parametrize('path', ['/gzip-bomb', '/deflate-bomb', '/raw-deflate-bomb'])
def test_compression_bombs_stop_at_the_cap(server, path):
  """About 10 KB on the wire: only the cap after decompression stops them."""
  assert reason_of(server.url(path)) == 'input_too_large'


@pytest.mark.parametrize('location', [
    'file:///etc/passwd', 'FILE:///etc/passwd', 'ftp://127.0.0.1/feed.xml',
    'gopher://127.0.0.1:70/_GET%20/', 'data:application/rss+xml,<rss/>',
    'data:text/xml;base64,PHJzcy8+'])
def test_redirect_to_another_scheme_is_refused(server, location):
  server.routes['/away'] = redirect(location)
  assert reason_of(server.url('/away')) == 'redirect_refused'
  assert server.requests == ['/away']


@pytest.mark.parametrize('path, reason', [
    ('/hop1', 'input_too_large'),  # two redirects, then an endless body
    ('/to-bomb', 'input_too_large'),
    ('/to-stall', 'fetch_timeout'),
    ('/to-ftp', 'redirect_refused'),
])
def test_limits_apply_after_every_redirect(server, path, reason):
  assert reason_of(server.url(path), timeout=0.5) == reason


def test_a_redirect_body_is_never_read(server):
  """A 302 with an endless body: fetch hangs up and follows the Location."""
  outcome = fetch_within(TIME_LIMIT, server.url('/redirect-with-endless-body'))
  assert outcome.body == SMALL_FEED


def test_server_that_stops_sending_times_out(server):
  assert reason_of(server.url('/stall'), timeout=0.3) == 'fetch_timeout'


@pytest.mark.parametrize('path', [
    '/trickle-headers', '/trickle-body-keep-alive',
    '/trickle-body',
])
def test_server_that_trickles_bytes_times_out(server, path):
  """A byte every 0.1 s never times out a single read; the fetch as a whole must."""
  outcome = fetch_within(2.0, server.url(path), timeout=0.3)
  assert isinstance(outcome, InputError) and outcome.reason == 'fetch_timeout'


@pytest.mark.parametrize('location', ['http://[oops/feed.xml', 'http://[::1/feed.xml'])
def test_redirect_to_a_malformed_url_is_refused(server, location):
  """urllib.parse raises ValueError for an unclosed '[' in the host."""
  server.routes['/malformed'] = redirect(location)
  assert reason_of(server.url('/malformed'), timeout=1) == 'redirect_refused'


def cut_off(response: bytes, reset: bool) -> str:
  """The URL of a one-request server that sends ``response`` and hangs up.

  ``reset`` sends a TCP RST (SO_LINGER 0) instead of a FIN, after a pause
  that lets the client read what came first: a reset in the middle of the
  body, as a crashed server or a middlebox gives.
  """
  listener = socket.create_server(('127.0.0.1', 0))

  def serve():
    with listener:
      connection, _ = listener.accept()
      with connection:
        connection.recv(65536)
        connection.sendall(response)
        if reset:
          time.sleep(0.2)
          connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))

  threading.Thread(target=serve, daemon=True).start()
  return f'http://127.0.0.1:{listener.getsockname()[1]}/feed'


LENGTH_1000 = b'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n'
CHUNKED = b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'
GZIP_FEED = gzip.compress(SMALL_FEED * 20)


@pytest.mark.parametrize('response, reset, cause', [
    (LENGTH_1000 + b'<' * 100, False, 'body ended after 100 of 1000 bytes'),
    (LENGTH_1000 + b'<' * 100, True,
     'body ended after 100 of 1000 bytes: ConnectionResetError'),
    # gzip's own check would also see this one; the length check comes first.
    (b'HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n'
     % len(GZIP_FEED) + GZIP_FEED[:20], False,
     f'body ended after 20 of {len(GZIP_FEED)} bytes'),
    # Cut inside a chunk, and between chunks with no last (zero) chunk.
    (CHUNKED + b'64\r\n' + b'<' * 50, False,
     'chunked body ended after 50 bytes, before its last chunk'),
    (CHUNKED + b'5\r\n<<<<<\r\n', False,
     'chunked body ended after 5 bytes, before its last chunk'),
    (CHUNKED + b'64\r\n' + b'<' * 50, True, 'body ended after 50 bytes: ConnectionResetError'),
    (b'HTTP/1.1 200 OK\r\n\r\n' + b'<' * 100, True,
     'body ended after 100 bytes: ConnectionResetError'),
], ids=['length-closed', 'length-reset', 'gzip-length-closed', 'inside-chunk-closed',
        'between-chunks-closed', 'inside-chunk-reset', 'no-length-reset'])
def test_a_body_cut_short_fails_at_once_with_its_cause(response, reset, cause):
  """Never a feed cut short, and never a wait for the time limit.

  The time limit here is far beyond the thread's bound: a fetch_failed
  outcome came before it, whatever the machine's speed.
  """
  outcome = fetch_within(10, cut_off(response, reset), timeout=60)
  assert isinstance(outcome, InputError), outcome
  assert outcome.reason == 'fetch_failed'
  assert cause in str(outcome)


def test_a_body_as_long_as_its_content_length_is_whole():
  outcome = fetch_within(10, cut_off(b'HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n'
                                     % len(SMALL_FEED) + SMALL_FEED, reset=False), timeout=60)
  assert outcome.body == SMALL_FEED
