import gzip
import socket
import threading
import time
import zlib

import pytest
from conftest import Route

from transforms.errors import InputError
from transforms.read.fetch import DEFAULT_USER_AGENT, fetch

FEED = b'<rss version="2.0"><channel><title>t</title></channel></rss>'


def reason_of(url, **kwargs):
  with pytest.raises(InputError) as error:
    fetch(url, **kwargs)
  return error.value.reason


def test_fetch_returns_body_validators_and_sends_user_agent(feed_server):
  feed_server.routes['/feed'] = Route(200, FEED, {
      'Content-Type': 'application/rss+xml; charset=ISO-8859-1', 'ETag': '"v1"',
      'Last-Modified': 'Sat, 28 Nov 2026 10:00:00 GMT'})
  result = fetch(feed_server.url('/feed'))
  assert result.body == FEED and result.status == 200
  assert result.content_type == 'application/rss+xml; charset=ISO-8859-1'
  assert (result.etag, result.last_modified) == ('"v1"', 'Sat, 28 Nov 2026 10:00:00 GMT')
  assert result.fetched_at.utcoffset().total_seconds() == 0
  (path, headers), = feed_server.requests
  assert headers['User-Agent'] == DEFAULT_USER_AGENT
  assert DEFAULT_USER_AGENT.startswith('wirebeam/0.')


def test_non_ascii_path_is_percent_encoded(feed_server):
  feed_server.routes['/d%C3%A9p%C3%AAches?q=a%20b'] = Route(200, FEED)
  assert fetch(feed_server.url('/dépêches?q=a b')).body == FEED


def test_redirects_are_followed_within_the_limit(feed_server):
  feed_server.routes['/old'] = Route(301, headers={'Location': '/middle'})
  feed_server.routes['/middle'] = Route(302, headers={'Location': feed_server.url('/feed')})
  feed_server.routes['/feed'] = Route(200, FEED)
  result = fetch(feed_server.url('/old'))
  assert result.url == feed_server.url('/feed') and result.body == FEED
  feed_server.routes['/loop'] = Route(302, headers={'Location': '/loop'})
  assert reason_of(feed_server.url('/loop'), max_redirects=3) == 'too_many_redirects'
  assert len(feed_server.requests) == 3 + 4


def test_redirect_to_another_scheme_is_refused(feed_server):
  feed_server.routes['/evil'] = Route(302, headers={'Location': 'file:///etc/passwd'})
  assert reason_of(feed_server.url('/evil')) == 'redirect_refused'


@pytest.mark.parametrize('url, reason', [
    ('file:///etc/passwd', 'unsupported_url_scheme'),
    ('ftp://example.com/feed', 'unsupported_url_scheme'),
    ('data:text/xml,<rss/>', 'unsupported_url_scheme'),
    ('http:///nohost', 'unsupported_url_scheme'),
    ('/etc/passwd', 'unsupported_url_scheme'),
    ('http://example.com:99999/feed', 'invalid_url'),
    ('http://example.com:port/feed', 'invalid_url'),
    ('http://a..b/feed', 'invalid_url'),  # an empty label: no host to look up
])
def test_unfetchable_urls_are_refused_without_io(url, reason, monkeypatch):
  def no_network(*args, **kwargs):
    raise AssertionError('network used')
  monkeypatch.setattr(socket, 'create_connection', no_network)
  monkeypatch.setattr(socket, 'getaddrinfo', no_network)
  assert reason_of(url) == reason


def test_http_errors(feed_server):
  with pytest.raises(InputError, match=r'^HTTP 404 Not Found for http://') as error:
    fetch(feed_server.url('/missing'))
  assert error.value.reason == 'http_error'
  feed_server.routes['/gone'] = Route(410, b'gone')
  assert reason_of(feed_server.url('/gone')) == 'http_error'
  feed_server.routes['/nowhere'] = Route(302, b'no Location header')
  assert reason_of(feed_server.url('/nowhere')) == 'http_error'


def test_slow_server_times_out(feed_server):
  feed_server.routes['/slow'] = Route(200, FEED, delay=1.0)
  assert reason_of(feed_server.url('/slow'), timeout=0.5) == 'fetch_timeout'


def test_size_cap_applies_on_the_wire_and_after_decompression(feed_server):
  feed_server.routes['/big'] = Route(200, b'x' * 5000)
  assert reason_of(feed_server.url('/big'), max_bytes=1000) == 'input_too_large'
  bomb = gzip.compress(b'\0' * 10_000_000)
  assert len(bomb) < 20_000
  feed_server.routes['/bomb'] = Route(200, bomb, {'Content-Encoding': 'gzip'})
  assert reason_of(feed_server.url('/bomb'), max_bytes=100_000) == 'input_too_large'


def raw_deflate(data):
  compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
  return compressor.compress(data) + compressor.flush()


@pytest.mark.parametrize('encoding, body', [
    ('gzip', gzip.compress(FEED)),
    ('deflate', zlib.compress(FEED)),
    ('deflate', raw_deflate(FEED)),  # what some servers send instead
])
def test_compressed_body_is_decompressed(feed_server, encoding, body):
  feed_server.routes['/z'] = Route(200, body, {'Content-Encoding': encoding})
  assert fetch(feed_server.url('/z')).body == FEED
  assert feed_server.requests[0][1]['Accept-Encoding'] == 'gzip, deflate'


def test_truncated_gzip_body_is_a_fetch_failure(feed_server):
  feed_server.routes['/cut'] = Route(200, gzip.compress(FEED)[:-10],
                                     {'Content-Encoding': 'gzip'})
  assert reason_of(feed_server.url('/cut')) == 'fetch_failed'


def test_a_compressed_body_cut_short_by_the_time_limit_is_a_timeout():
  """Not a corrupt body: a server that stalls half-way through a gzip stream."""
  body = gzip.compress(FEED * 50)
  with socket.socket() as listener:
    listener.bind(('127.0.0.1', 0))
    listener.listen(1)

    def stall():
      connection, _ = listener.accept()
      with connection:
        connection.recv(65536)
        connection.sendall(b'HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n'
                           b'Connection: close\r\n\r\n' + body[:len(body) // 2])
        time.sleep(2)

    server = threading.Thread(target=stall, daemon=True)
    server.start()
    url = f'http://127.0.0.1:{listener.getsockname()[1]}/feed'
    assert reason_of(url, timeout=0.5) == 'fetch_timeout'
    server.join()


def test_connection_refused_is_a_fetch_failure():
  with socket.socket() as sock:
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]  # closed again: nobody listens there
  with pytest.raises(InputError, match='ConnectionRefusedError') as error:
    fetch(f'http://127.0.0.1:{port}/feed', timeout=2)
  assert error.value.reason == 'fetch_failed'
