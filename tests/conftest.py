"""Shared fixtures: a real HTTP server on 127.0.0.1 serving what a test sets."""
import http.server
import threading
import time

import pytest


class Route:
  """What the server answers on one path."""
  def __init__(self, status=200, body=b'', headers=None, delay=0.0):
    self.status, self.body, self.headers, self.delay = status, body, headers or {}, delay


def etag_route(body, etag):
  """A route answering 304 when If-None-Match names its ETag, else the body."""
  def route(headers):
    if headers.get('If-None-Match') == etag:
      return Route(304, headers={'ETag': etag})
    return Route(200, body, {'ETag': etag})
  return route


class Request(tuple):
  """(path, headers), as tests unpack it, and ``at``: its time.monotonic()."""
  def __new__(cls, path, headers, at):
    request = super().__new__(cls, (path, headers))
    request.at = at
    return request


class FeedServer:
  """Serves ``routes[path]``: a Route; a function of the request headers
  returning one; or a list of either, one per request, the last repeated."""
  def __init__(self):
    self.routes = {}
    self.requests = []  # a Request for every request received
    server = self

    class Handler(http.server.BaseHTTPRequestHandler):
      def do_GET(self):  # noqa: N802 (the stdlib's name)
        headers = dict(self.headers)
        earlier = sum(1 for path, _ in server.requests if path == self.path)
        server.requests.append(Request(self.path, headers, time.monotonic()))
        route = server.routes.get(self.path, Route(404, b'not found'))
        if isinstance(route, list):
          route = route[min(earlier, len(route) - 1)]
        if callable(route):
          route = route(headers)
        time.sleep(route.delay)
        self.send_response(route.status)
        for name, value in route.headers.items():
          self.send_header(name, value)
        self.send_header('Content-Length', str(len(route.body)))
        self.end_headers()
        try:
          self.wfile.write(route.body)
        except (BrokenPipeError, ConnectionResetError):
          pass  # the client gave up, as a timeout test wants

      def log_message(self, *args):
        pass

    self._httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    self._httpd.daemon_threads = True
    self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
    self._thread.start()

  def url(self, path):
    return f'http://127.0.0.1:{self._httpd.server_address[1]}{path}'

  def close(self):
    self._httpd.shutdown()
    self._httpd.server_close()


@pytest.fixture(scope='module')
def shared_server():
  """One server for a module: each shutdown costs half a second of polling."""
  server = FeedServer()
  yield server
  server.close()


@pytest.fixture
def feed_server(shared_server):
  shared_server.routes.clear()
  shared_server.requests.clear()
  return shared_server


class MemoryState:
  """What Beam's ``ReadModifyWriteState`` offers, to run a stateful DoFn without a runner."""
  value = None

  def read(self):
    return self.value

  def write(self, value):
    self.value = value

  def clear(self):
    self.value = None
