"""Shared fixtures: a real HTTP server on 127.0.0.1 serving what a test sets."""
import http.server
import os
import pathlib
import threading
import time

import apache_beam as beam
import pytest
from apache_beam.io.watermark_estimators import ManualWatermarkEstimator
from apache_beam.transforms.periodicsequence import (
  ImpulseSeqGenDoFn,
  ImpulseSeqGenRestrictionProvider,
)
from apache_beam.utils.timestamp import Timestamp


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


# Ticks that end when a test has seen what it waits for, not after a time.

def wait_for(condition, timeout=120.0, interval=0.05):
  """Waits until ``condition()`` holds; the timeout only bounds a hang."""
  deadline = time.monotonic() + timeout
  while not condition():
    if time.monotonic() > deadline:
      raise TimeoutError(f'still waiting after {timeout:g} s for {condition}')
    time.sleep(interval)


def stop_when(condition, stop_file, timeout=120.0):
  """Creates ``stop_file`` from a thread once ``condition()`` holds, which
  ends ``TicksUntil``'s ticks. Returns the (daemon) thread."""
  def watch():
    try:
      wait_for(condition, timeout)
    except TimeoutError:
      return  # the ticks end at their own deadline; the test's assertions say what was missing
    pathlib.Path(stop_file).touch()
  thread = threading.Thread(target=watch, daemon=True)
  thread.start()
  return thread


_RESTRICTION = beam.DoFn.RestrictionParam(ImpulseSeqGenRestrictionProvider())
_WATERMARK = beam.DoFn.WatermarkEstimatorParam(ManualWatermarkEstimator.default_provider())


class _TicksUntilFn(ImpulseSeqGenDoFn):
  """``PeriodicImpulse``'s ticks, but once ``stop_file`` exists, ``then`` more
  ticks at once and no more."""
  def __init__(self, stop_file, then):
    super().__init__()
    self._stop_file, self._then = str(stop_file), then

  @beam.DoFn.unbounded_per_element()
  def process(self, element, restriction_tracker=_RESTRICTION,
              watermark_estimator=_WATERMARK):
    if not os.path.exists(self._stop_file):
      yield from super().process(element, restriction_tracker, watermark_estimator)
      return
    start, _, interval = element
    start = Timestamp.of(start).micros / 1e6
    first = restriction_tracker.current_restriction().start
    for index in range(first, first + self._then):
      if not restriction_tracker.try_claim(index):
        return
      tick = self._get_output(index, start + interval * index)
      if (watermark_estimator.current_watermark() is None
          or tick.timestamp > watermark_estimator.current_watermark()):
        watermark_estimator.set_watermark(tick.timestamp)
      yield tick
    restriction_tracker.try_claim(restriction_tracker.current_restriction().stop)


class TicksUntil(beam.PTransform):
  """Ticks like ``PeriodicImpulse`` (same arguments) until the file
  ``stop_file`` exists, then ``then`` more at once. A test creates the file
  when it has seen what it waits for (``stop_when``), so that a slow machine
  makes the run longer, not different; ``stop_timestamp`` only bounds a hang.
  """
  def __init__(self, stop_file, start_timestamp, stop_timestamp, fire_interval,
               then=0):
    super().__init__()
    self._element = (start_timestamp, stop_timestamp, fire_interval)
    self._fn = _TicksUntilFn(stop_file, then)

  def expand(self, pbegin):
    return (pbegin | 'Start' >> beam.Create([self._element])
            | 'Ticks' >> beam.ParDo(self._fn))
