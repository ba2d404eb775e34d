"""Polling feeds in the streaming mode: when each feed is fetched again.

Ticks (from ``PeriodicImpulse``) drive the polling and per-feed state, keyed
by URL, decides whether a feed is due, so feeds spread over the workers of a
distributed runner and no processing-time timer is needed. The rules:

* Requests are conditional (If-None-Match, If-Modified-Since) and a 304
  outputs nothing. Some servers answer 304 wrongly, so a feed that has sent
  no body for ``full_fetch_after`` seconds (an hour) is fetched without
  validators: a lying server costs at most about an hour of news.
* A change is judged by a hash of the body, since many servers send no
  validators. A changed body brings the interval back to the feed's
  shortest (news comes in bursts); each unchanged poll lengthens it by
  ``slowdown``, up to ``max_interval``.
* The shortest interval is the feed's ``interval=`` option or
  ``PollSettings.interval``, never less than the feed's ``<ttl>`` or
  sy:updatePeriod/sy:updateFrequency (capped at ``max_interval``).
* Failures back off exponentially from ``backoff_base`` to ``backoff_max``,
  with jitter, and no sooner than a Retry-After says; after
  ``max_failures`` in a row (about a day with the defaults), or at once on
  410 Gone, the feed is disabled, which is a ``feed_disabled`` dead letter.
* Transient failures (timeouts, refused connections, error statuses) are
  counted and logged, not dead letters; a response whose body was refused
  (too large, corrupt) is one, as that body is lost.
"""
import dataclasses
import datetime
import hashlib
import logging
import math
import random
import re
import time
from typing import Dict, List, Optional, Sequence, Tuple

import apache_beam as beam
from apache_beam.coders import PickleCoder
from apache_beam.metrics import Metrics
from apache_beam.transforms import window
from apache_beam.transforms.userstate import ReadModifyWriteStateSpec

from transforms.dead_letters import INTERNAL_ERROR, METRICS_NAMESPACE, Origin, dead_letter_output
from transforms.errors import InputError
from transforms.read.feed_list import FeedSpec
from transforms.read.fetch import DEFAULT_USER_AGENT, BodyRefused, FetchResult, HttpError, fetch
from transforms.read.sources import SourceData
from transforms.tags import DEAD_LETTERS, SOURCES

FEED_DISABLED = 'feed_disabled'
_HEAD = 64 * 1024  # where a feed states its <ttl> or sy:updatePeriod
_TTL = re.compile(rb'<ttl>\s*([0-9]{1,9})\s*</ttl>')
_UPDATE_PERIOD = re.compile(rb'<(?:[\w.-]+:)?updatePeriod>\s*([a-z]+)\s*<')
_UPDATE_FREQUENCY = re.compile(rb'<(?:[\w.-]+:)?updateFrequency>\s*([0-9]{1,9})\s*<')
_PERIOD_SECONDS = {b'hourly': 3600.0, b'daily': 86400.0, b'weekly': 7 * 86400.0,
                   b'monthly': 30 * 86400.0, b'yearly': 365 * 86400.0}


@dataclasses.dataclass(frozen=True)
class PollSettings:
  interval: float = 300.0  # seconds between polls, unless a feed says otherwise
  min_interval: float = 1.0  # a typo (interval=0) must not poll at tick speed
  max_interval: float = 3600.0  # the slowest an unchanged feed is polled
  slowdown: float = 1.5  # interval factor after each unchanged poll
  backoff_base: float = 30.0  # wait after a first failure, doubled after each
  backoff_max: float = 3600.0
  max_retry_after: float = 86400.0  # a Retry-After further off is cut to this
  max_failures: int = 30  # in a row, about a day with the backoff above
  full_fetch_after: float = 3600.0  # seconds of 304s before asking for the body
  jitter: float = 0.1  # waits are lengthened by up to this fraction
  fetch_timeout: float = 20.0
  max_bytes: int = 20 * 1024 * 1024
  user_agent: str = DEFAULT_USER_AGENT

  def __post_init__(self):
    if not 0 < self.min_interval <= self.interval:
      raise InputError(
          'invalid_poll_interval', f'a poll interval of {self.interval:g} s; '
          f'the minimum is {self.min_interval:g} s')


@dataclasses.dataclass(frozen=True)
class FeedState:
  """What is remembered of one feed between polls. Times are epoch seconds."""
  url: str
  configured_interval: float  # from the feed list or the settings
  interval: float  # as adapted to how often the feed changes
  next_poll: float
  declared_interval: Optional[float] = None  # the feed's own <ttl> or sy:
  etag: Optional[str] = None
  last_modified: Optional[str] = None
  body_hash: Optional[str] = None
  body_received_at: Optional[float] = None  # the last 200, to re-check 304s
  failures: int = 0  # in a row
  disabled: Optional[str] = None  # why the feed is no longer polled


def feed_interval(spec: FeedSpec, settings: PollSettings) -> float:
  """The feed's interval= option in seconds, else the settings' interval."""
  value = spec.options.get('interval')
  if value is None:
    return settings.interval
  try:
    seconds = float(value)
  except ValueError:
    seconds = math.nan
  if not (math.isfinite(seconds) and seconds >= settings.min_interval):
    raise InputError('invalid_feed_list',
                     f'{spec.url}: interval={value!r} is not a number of seconds '
                     f'from {settings.min_interval:g}')
  return seconds


def check_feed_specs(specs: Sequence[FeedSpec],
                     settings: PollSettings = PollSettings()) -> None:
  """Raises the InputError of the first bad per-feed option, before any poll."""
  for spec in specs:
    feed_interval(spec, settings)


def initial_state(spec: FeedSpec, settings: PollSettings, now: float) -> FeedState:
  interval = feed_interval(spec, settings)
  return FeedState(spec.url, configured_interval=interval, interval=interval,
                   next_poll=now)


def is_due(state: FeedState, now: float) -> bool:
  return state.disabled is None and now >= state.next_poll


def request_headers(state: FeedState, settings: PollSettings) -> Dict[str, str]:
  """Conditional headers, but none once the server has sent no body for long.

  The poll happens at ``next_poll`` or at the first tick after, so that is
  the time that decides.
  """
  if (state.body_received_at is None or
      state.next_poll - state.body_received_at >= settings.full_fetch_after):
    return {}
  headers = {}
  if state.etag:
    headers['If-None-Match'] = state.etag
  if state.last_modified:
    headers['If-Modified-Since'] = state.last_modified
  return headers


def declared_interval(body: bytes) -> Optional[float]:
  """Seconds between polls the feed asks for: its <ttl> or sy:updatePeriod.

  A regex on the head of the body, not an XML parser: this runs on every
  changed body and must never expand an entity. When both are stated, both
  are honoured, so the longer wins.
  """
  head = body[:_HEAD]
  asked = []
  ttl = _TTL.search(head)
  if ttl and int(ttl.group(1)):
    asked.append(int(ttl.group(1)) * 60.0)
  period = _UPDATE_PERIOD.search(head)
  if period and period.group(1) in _PERIOD_SECONDS:
    frequency = _UPDATE_FREQUENCY.search(head)
    per_period = int(frequency.group(1)) if frequency else 1
    asked.append(_PERIOD_SECONDS[period.group(1)] / max(per_period, 1))
  return max(asked, default=None)


def _shortest_interval(state: FeedState, settings: PollSettings) -> float:
  declared = min(state.declared_interval or 0.0, settings.max_interval)
  return max(state.configured_interval, declared)


def _jittered(seconds: float, settings: PollSettings, rng: random.Random) -> float:
  """Lengthened only: never sooner than a feed or a server asked."""
  return seconds * (1 + rng.uniform(0, settings.jitter))


def after_response(state: FeedState, result: FetchResult, settings: PollSettings,
                   now: float, rng: random.Random) -> FeedState:
  """The state after a 200 or a 304; the body changed if ``body_hash`` did."""
  if result.status == 304:  # validators may be renewed, else kept
    polled = dataclasses.replace(
        state, etag=result.etag or state.etag,
        last_modified=result.last_modified or state.last_modified)
  else:
    polled = dataclasses.replace(
        state, etag=result.etag, last_modified=result.last_modified,
        body_hash=hashlib.sha256(result.body).hexdigest(), body_received_at=now,
        declared_interval=declared_interval(result.body))
  shortest = _shortest_interval(polled, settings)
  if polled.body_hash != state.body_hash:
    interval = shortest
  else:
    interval = min(max(settings.max_interval, shortest),
                   max(shortest, state.interval * settings.slowdown))
  return dataclasses.replace(polled, interval=interval, failures=0,
                             next_poll=now + _jittered(interval, settings, rng))


def after_failure(state: FeedState, error: InputError, settings: PollSettings,
                  now: float, rng: random.Random) -> FeedState:
  """The state after a failed poll: backed off, or disabled with why."""
  failures = state.failures + 1
  disabled = None
  if isinstance(error, HttpError) and error.status == 410:
    disabled = f'gone: {error}'
  elif failures >= settings.max_failures:
    disabled = f'{failures} failed polls in a row, the last: {error}'
  # The exponent is bounded as 2.0 ** 1024 overflows; the cap is reached long before.
  backoff = min(settings.backoff_max,
                settings.backoff_base * 2.0 ** min(failures - 1, 1000))
  wait = _jittered(backoff, settings, rng)
  if isinstance(error, HttpError) and error.retry_after is not None:
    wait = max(wait, min(error.retry_after, settings.max_retry_after))
  return dataclasses.replace(state, failures=failures, disabled=disabled,
                             next_poll=now + wait)


def _count(name: str):
  Metrics.counter(METRICS_NAMESPACE, f'poll.{name}').inc()


def _iso(epoch_seconds: float) -> str:
  return datetime.datetime.fromtimestamp(
      epoch_seconds, datetime.timezone.utc).isoformat(timespec='seconds')


class _PollFeedFn(beam.DoFn):
  """Polls one feed per element when its state says it is due."""
  FEED_STATE = ReadModifyWriteStateSpec('feed', PickleCoder())

  def __init__(self, settings: PollSettings):
    self._settings = settings
    self._rng = None

  def setup(self):
    self._rng = random.Random()  # seeded here, so that workers differ

  def process(self, element: Tuple[str, FeedSpec],
              stored=beam.DoFn.StateParam(FEED_STATE)):
    _, spec = element
    now = time.time()
    state = stored.read() or initial_state(spec, self._settings, now)
    if not is_due(state, now):
      return
    polled, outputs = self._poll(state)
    stored.write(polled)
    yield from outputs

  def _poll(self, state: FeedState) -> Tuple[FeedState, List]:
    settings = self._settings
    try:
      result = fetch(state.url, headers=request_headers(state, settings),
                     timeout=settings.fetch_timeout, max_bytes=settings.max_bytes,
                     user_agent=settings.user_agent)
    except InputError as error:
      return self._failed(state, error)
    except Exception as error:  # pylint: disable=broad-except
      logging.exception('polling %s failed unexpectedly', state.url)
      return self._failed(state, InputError(
          INTERNAL_ERROR, f'{type(error).__name__}: {error}'))
    polled = after_response(state, result, settings, time.time(), self._rng)
    if polled.body_hash == state.body_hash:
      _count('not_modified' if result.status == 304 else 'unchanged')
      return polled, []
    _count('changed')
    logging.info('feed %s changed; next poll at %s', state.url, _iso(polled.next_poll))
    return polled, [SourceData(state.url, result.body, result.fetched_at,
                               result.content_type)]

  def _failed(self, state: FeedState, error: InputError) -> Tuple[FeedState, List]:
    polled = after_failure(state, error, self._settings, time.time(), self._rng)
    origin = Origin(source=state.url, raw=b'')
    _count('failed')
    outputs = []
    if isinstance(error, HttpError) and error.retry_after is not None:
      _count('retry_after')
    if isinstance(error, BodyRefused) or error.reason == INTERNAL_ERROR:
      outputs.append(dead_letter_output('read', error.reason, str(error), origin))
    if polled.disabled:
      _count('disabled')
      logging.error('feed %s disabled: %s', state.url, polled.disabled)
      outputs.append(dead_letter_output('read', FEED_DISABLED, polled.disabled, origin))
    else:
      logging.warning('feed %s failed (%s, %d in a row); next poll at %s',
                      state.url, error, polled.failures, _iso(polled.next_poll))
    return polled, outputs


class PollFeeds(beam.PTransform):
  """Ticks in; ``SourceData`` of changed feeds and dead letters out.

  The ticks are put in the global window, where the feeds' state lives for
  the whole run. Returns a dict like ``ReadSources``.
  """
  def __init__(self, specs: Sequence[FeedSpec], settings: PollSettings):
    super().__init__()
    check_feed_specs(specs, settings)
    self._specs = list(specs)
    self._settings = settings

  def expand(self, ticks):
    specs = self._specs
    polled = (
        ticks
        | 'GlobalWindow' >> beam.WindowInto(window.GlobalWindows())
        | 'EveryFeed' >> beam.FlatMap(
            lambda _tick: [(spec.url, spec) for spec in specs])
        .with_output_types(Tuple[str, FeedSpec])  # str keys: a deterministic coder
        | 'PollDueFeeds' >> beam.ParDo(_PollFeedFn(self._settings))
        .with_outputs(DEAD_LETTERS, main=SOURCES))
    return {SOURCES: polled[SOURCES], DEAD_LETTERS: polled[DEAD_LETTERS]}
