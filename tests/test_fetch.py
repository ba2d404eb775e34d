import gzip
import socket

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
  (path, headers), = feed_server.requests
  assert headers['User-Agent'] == DEFAULT_USER_AGENT


def test_redirects_are_followed_within_the_limit(feed_server):
  feed_server.routes['/old'] = Route(301, headers={'Location': '/middle'})
  feed_server.routes['/middle'] = Route(302, headers={'Location': feed_server.url('/feed')})
  feed_server.routes['/feed'] = Route(200, FEED)
  result = fetch(feed_server.url('/old'))
  assert result.url == feed_server.url('/feed') and result.body == FEED
  feed_server.routes['/loop'] = Route(302, headers={'Location': '/loop'})
  assert reason_of(feed_server.url('/loop'), max_redirects=3) == 'too_many_redirects'


def test_redirect_to_another_scheme_is_refused(feed_server):
  feed_server.routes['/evil'] = Route(302, headers={'Location': 'file:///etc/passwd'})
  assert reason_of(feed_server.url('/evil')) == 'redirect_refused'


@pytest.mark.parametrize('url', ['file:///etc/passwd', 'ftp://example.com/feed',
                                 'data:text/xml,<rss/>', 'http:///nohost', '/etc/passwd'])
def test_only_http_urls_are_fetched(url):
  assert reason_of(url) == 'unsupported_url_scheme'


def test_http_errors(feed_server):
  feed_server.routes['/gone'] = Route(410, b'gone')
  assert reason_of(feed_server.url('/gone')) == 'http_error'
  assert reason_of(feed_server.url('/missing')) == 'http_error'


def test_slow_server_times_out(feed_server):
  feed_server.routes['/slow'] = Route(200, FEED, delay=1.0)
  assert reason_of(feed_server.url('/slow'), timeout=0.3) == 'fetch_timeout'


def test_size_cap_applies_on_the_wire_and_after_decompression(feed_server):
  feed_server.routes['/big'] = Route(200, b'x' * 5000)
  assert reason_of(feed_server.url('/big'), max_bytes=1000) == 'input_too_large'
  bomb = gzip.compress(b'\0' * 10_000_000)
  assert len(bomb) < 20_000
  feed_server.routes['/bomb'] = Route(200, bomb, {'Content-Encoding': 'gzip'})
  assert reason_of(feed_server.url('/bomb'), max_bytes=100_000) == 'input_too_large'


def test_gzip_body_is_decompressed(feed_server):
  feed_server.routes['/gz'] = Route(200, gzip.compress(FEED), {'Content-Encoding': 'gzip'})
  assert fetch(feed_server.url('/gz')).body == FEED


def test_connection_refused_is_a_fetch_failure():
  with socket.socket() as sock:
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]  # closed again: nobody listens there
  assert reason_of(f'http://127.0.0.1:{port}/feed', timeout=2) == 'fetch_failed'
