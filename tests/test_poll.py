"""The streaming feed poller: its pure rules, fetch's conditional GET, a live pipeline."""
import email.utils
import random
import time

import apache_beam as beam
import pytest
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.testing.util import assert_that, equal_to
from conftest import MemoryState, Route, TicksUntil, etag_route, stop_when

from transforms.dead_letters import METRICS_NAMESPACE
from transforms.errors import InputError
from transforms.read import poll
from transforms.read.feed_list import FeedSpec, parse_feed_list
from transforms.read.fetch import BodyRefused, FetchResult, HttpError, fetch, retry_after_seconds
from transforms.read.poll import (
  PollFeeds,
  PollSettings,
  after_failure,
  after_response,
  check_feed_specs,
  declared_interval,
  initial_state,
  is_due,
  request_headers,
)
from transforms.tags import DEAD_LETTERS, SOURCES

URL = 'https://wire.example/feed.xml'
SPEC = FeedSpec(URL)
SETTINGS = PollSettings()
NOW = 1_800_000_000.0


def rss(*titles, channel=b''):
  items = b''.join(b'<item><title>%s</title></item>' % t.encode() for t in titles)
  return b'<rss version="2.0"><channel><title>t</title>%s%s</channel></rss>' % (
      channel, items)


def response(status=200, body=b'', etag=None, last_modified=None):
  return FetchResult(URL, status, body, 'application/rss+xml', etag, last_modified,
                     None)


def polled(*responses, settings=SETTINGS, spec=SPEC):
  """The state after these responses, each received when the feed was due."""
  state, rng = initial_state(spec, settings, NOW), random.Random(1)
  for result in responses:
    state = after_response(state, result, settings, state.next_poll, rng)
  return state


# The pure rules.

def test_a_new_feed_is_due_at_once_and_asked_for_in_full():
  state = initial_state(SPEC, SETTINGS, NOW)
  assert is_due(state, NOW) and not is_due(state, NOW - 1)
  assert request_headers(state, SETTINGS) == {}


def test_validators_of_a_200_are_sent_next_time():
  state = polled(response(200, rss('a'), '"v1"', 'Sat, 28 Nov 2026 10:00:00 GMT'))
  assert request_headers(state, SETTINGS) == {
      'If-None-Match': '"v1"', 'If-Modified-Since': 'Sat, 28 Nov 2026 10:00:00 GMT'}
  fresh = polled(response(200, rss('a'), '"v1"'), response(200, rss('b')))
  assert request_headers(fresh, SETTINGS) == {}  # the new body came with none


def test_unchanged_polls_slow_down_to_the_max_and_a_change_resets():
  first = polled(response(200, rss('a'), '"v1"'))
  assert first.interval == SETTINGS.interval
  assert NOW + 300 <= first.next_poll <= NOW + 300 * 1.1
  not_modified = polled(response(200, rss('a'), '"v1"'), response(304))
  assert not_modified.interval == 450 and not_modified.body_hash == first.body_hash
  assert not_modified.etag == '"v1"'  # a 304 without an ETag keeps ours
  same_body = polled(response(200, rss('a')), response(200, rss('a')))
  assert same_body.interval == 450  # no validators: the hash tells
  quiet = polled(response(200, rss('a')), *[response(304)] * 20)
  assert quiet.interval == SETTINGS.max_interval
  news = polled(response(200, rss('a')), *[response(304)] * 20, response(200, rss('b', 'a')))
  assert news.interval == SETTINGS.interval and news.body_hash != quiet.body_hash


def test_per_feed_interval_option():
  (spec,) = parse_feed_list(URL.encode() + b' interval=120\n')
  state = polled(response(200, rss('a')), spec=spec)
  assert state.configured_interval == state.interval == 120
  check_feed_specs([spec, FeedSpec('https://b.example/')], SETTINGS)


@pytest.mark.parametrize('value', ['abc', '0', '-5', '0.5', 'nan', 'inf', ''])
def test_bad_interval_option_is_refused_before_polling(value):
  specs = [FeedSpec('https://ok.example/'), FeedSpec(URL, options={'interval': value})]
  with pytest.raises(InputError, match=URL) as error:
    check_feed_specs(specs, SETTINGS)
  assert error.value.reason == 'invalid_feed_list'
  with pytest.raises(InputError):
    PollFeeds(specs, SETTINGS)


def test_settings_refuse_an_interval_under_the_minimum():
  with pytest.raises(InputError) as error:
    PollSettings(interval=0.5)
  assert error.value.reason == 'invalid_poll_interval'


SY = b'xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"'


@pytest.mark.parametrize('channel, seconds', [
    (b'<ttl>15</ttl>', 900),
    (b'<ttl> 60 </ttl>', 3600),
    (b'<sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>2</sy:updateFrequency>', 1800),
    (b'<sy:updatePeriod>daily</sy:updatePeriod>', 86400),
    (b'<syn:updatePeriod>\n weekly\n</syn:updatePeriod>', 7 * 86400),
    (b'<ttl>5</ttl><sy:updatePeriod>hourly</sy:updatePeriod>', 3600),  # both honoured
    (b'<ttl>0</ttl>', None),
    (b'<ttl>soon</ttl><sy:updatePeriod>fortnightly</sy:updatePeriod>', None),
    (b'<sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>0</sy:updateFrequency>', 3600),
    (b'', None),
])
def test_declared_interval(channel, seconds):
  assert declared_interval(rss('a', channel=channel)) == seconds


def test_declared_interval_reads_only_the_head_and_expands_nothing():
  assert declared_interval(b' ' * 70_000 + rss(channel=b'<ttl>15</ttl>')) is None
  bomb = (b'<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
          + rss('&b;', channel=b'<ttl>&b;</ttl>'))
  assert declared_interval(bomb) is None


def test_a_feed_is_never_polled_faster_than_it_asks_nor_slower_than_the_max():
  every_20_min = polled(response(200, rss('a', channel=b'<ttl>20</ttl>')))
  assert every_20_min.interval == 1200 and every_20_min.next_poll >= NOW + 1200
  assert polled(response(200, rss('a', channel=b'<ttl>20</ttl>')),
                response(200, rss('b'))).interval == SETTINGS.interval  # no longer asks
  weekly = polled(response(200, rss('a', channel=b'<sy:updatePeriod>weekly</sy:updatePeriod>')))
  assert weekly.interval == SETTINGS.max_interval
  (slow,) = parse_feed_list(URL.encode() + b' interval=7200')
  assert polled(response(200, rss('a')), response(304), spec=slow).interval == 7200


def test_a_server_answering_only_304_is_asked_in_full_every_hour():
  state = polled(response(200, rss('a'), '"v1"'))
  conditional = 0
  while request_headers(state, SETTINGS):
    conditional += 1
    state = after_response(state, response(304), SETTINGS, state.next_poll, random.Random(2))
  assert 4 <= conditional <= 6  # 300 s, then 1.5 times longer each time
  assert 3600 <= state.next_poll - NOW < 3600 + state.interval * 1.1
  refreshed = after_response(state, response(200, rss('a'), '"v1"'), SETTINGS,
                             state.next_poll, random.Random(3))
  assert request_headers(refreshed, SETTINGS)  # conditional again


def test_backoff_grows_exponentially_with_bounded_jitter():
  state, rng, waits = polled(response(200, rss('a'))), random.Random(4), []
  for _ in range(12):
    now = state.next_poll
    state = after_failure(state, InputError('fetch_timeout', 'slow'), SETTINGS, now, rng)
    waits.append(state.next_poll - now)
  for failures, wait in enumerate(waits, start=1):
    backoff = min(SETTINGS.backoff_max, SETTINGS.backoff_base * 2 ** (failures - 1))
    assert backoff <= wait <= backoff * (1 + SETTINGS.jitter)
  assert len({round(wait / min(wait, SETTINGS.backoff_max), 6) for wait in waits[-4:]}) > 1
  assert state.failures == 12 and state.disabled is None and state.body_hash
  recovered = after_response(state, response(200, rss('a')), SETTINGS, state.next_poll, rng)
  assert recovered.failures == 0 and recovered.interval == 450  # unchanged body


def test_retry_after_is_honoured_within_a_cap():
  state, rng = polled(), random.Random(5)
  throttled = after_failure(state, HttpError(429, 120.0, 'HTTP 429'), SETTINGS, NOW, rng)
  assert throttled.next_poll == NOW + 120
  shorter = after_failure(state, HttpError(503, 1.0, 'HTTP 503'), SETTINGS, NOW, rng)
  assert NOW + SETTINGS.backoff_base <= shorter.next_poll  # the backoff is longer
  absurd = after_failure(state, HttpError(503, 1e9, 'HTTP 503'), SETTINGS, NOW, rng)
  assert absurd.next_poll == NOW + SETTINGS.max_retry_after


def test_retry_after_header_forms():
  now = time.time()
  assert retry_after_seconds('120', now) == 120
  in_90_s = email.utils.formatdate(now + 90, usegmt=True)
  assert 89 <= retry_after_seconds(in_90_s, now) <= 90
  assert retry_after_seconds('Sun, 06 Nov 1994 08:49:37 GMT', now) == 0
  assert retry_after_seconds('Sun, 06 Nov 1994 08:49:37 -0000', now) == 0
  for unreadable in (None, '', 'soon', '-5', '1.5', '٣'):
    assert retry_after_seconds(unreadable, now) is None


def test_410_disables_the_feed_at_once():
  state = after_failure(polled(), HttpError(410, None, 'HTTP 410 Gone for x'),
                        SETTINGS, NOW, random.Random(6))
  assert state.disabled == 'gone: HTTP 410 Gone for x'
  assert not is_due(state, NOW + 1e9)


def test_repeated_failures_disable_the_feed():
  settings = PollSettings(max_failures=3)
  state, rng = polled(settings=settings), random.Random(7)
  for _ in range(3):
    assert state.disabled is None
    state = after_failure(state, HttpError(500, None, 'HTTP 500'), settings,
                          state.next_poll, rng)
  assert state.disabled == '3 failed polls in a row, the last: HTTP 500'
  assert not is_due(state, NOW + 1e9)


def test_default_failure_limit_is_reached_after_about_a_day():
  state, rng = polled(), random.Random(8)
  while not state.disabled:
    state = after_failure(state, InputError('fetch_failed', 'refused'), SETTINGS,
                          state.next_poll, rng)
  assert 20 * 3600 < state.next_poll - NOW < 28 * 3600


def test_an_unforeseen_error_is_an_internal_error_dead_letter_and_a_failure(monkeypatch):
  def broken_fetch(url, **kwargs):
    raise UnicodeError('label empty or too long')
  monkeypatch.setattr(poll, 'fetch', broken_fetch)
  poll_fn, stored = poll._PollFeedFn(SETTINGS), MemoryState()
  poll_fn.setup()
  (dead_letter,) = poll_fn.process((URL, SPEC), stored=stored)
  assert dead_letter.tag == DEAD_LETTERS
  assert (dead_letter.value['reason'], dead_letter.value['error']) == (
      'internal_error', 'UnicodeError: label empty or too long')
  assert stored.value.failures == 1
  assert list(poll_fn.process((URL, SPEC), stored=stored)) == []  # backed off


# fetch, extended for polling, against a real server.

def test_fetch_sends_conditional_headers_and_returns_a_304(feed_server):
  feed_server.routes['/feed'] = etag_route(rss('a'), '"v1"')
  first = fetch(feed_server.url('/feed'))
  assert (first.status, first.body, first.etag) == (200, rss('a'), '"v1"')
  again = fetch(feed_server.url('/feed'), headers={'If-None-Match': '"v1"'})
  assert (again.status, again.body, again.etag) == (304, b'', '"v1"')
  assert [headers.get('If-None-Match') for _, headers in feed_server.requests] == [None, '"v1"']
  assert feed_server.requests[1][1]['User-Agent'].startswith('wirebeam/')


def test_a_304_to_an_unconditional_request_is_an_error(feed_server):
  feed_server.routes['/odd'] = Route(304)
  with pytest.raises(HttpError) as error:
    fetch(feed_server.url('/odd'))
  assert (error.value.status, error.value.reason) == (304, 'http_error')


def test_http_errors_carry_status_and_retry_after(feed_server):
  sent = time.time()
  in_an_hour = email.utils.formatdate(sent + 3600, usegmt=True)  # whole seconds
  feed_server.routes['/busy'] = [Route(429, headers={'Retry-After': '7'}),
                            Route(503, headers={'Retry-After': in_an_hour}),
                            Route(404)]
  errors = []
  for _ in range(3):
    with pytest.raises(HttpError) as error:
      fetch(feed_server.url('/busy'))
    errors.append(error.value)
  assert [(e.status, e.reason) for e in errors] == [
      (429, 'http_error'), (503, 'http_error'), (404, 'http_error')]
  waited = time.time() - sent  # however slow the machine
  assert errors[0].retry_after == 7 and 3599 - waited <= errors[1].retry_after <= 3600
  assert errors[2].retry_after is None and str(errors[2]).startswith('HTTP 404 Not Found')


def test_refused_bodies_are_told_apart_from_failed_requests(feed_server):
  feed_server.routes['/big'] = Route(200, b'x' * 5000)
  with pytest.raises(BodyRefused) as error:
    fetch(feed_server.url('/big'), max_bytes=1000)
  assert error.value.reason == 'input_too_large'
  feed_server.routes['/slow'] = Route(200, rss('a'), delay=0.5)
  with pytest.raises(InputError) as error:
    fetch(feed_server.url('/slow'), timeout=0.2)
  assert error.value.reason == 'fetch_timeout'
  assert not isinstance(error.value, (BodyRefused, HttpError))


# The Beam transform, live: ticks every 0.5 s until the server has seen every
# request the test waits for; DEADLINE only bounds a hang.

TICK = 0.5
DEADLINE = 120
FAST = PollSettings(interval=0.2, min_interval=0.1, max_interval=0.4,
                    backoff_base=0.3, backoff_max=0.4, max_failures=2,
                    fetch_timeout=DEADLINE, max_bytes=10_000)


def run_poller(feed_server, paths, stop_file, settings=FAST):
  specs = [FeedSpec(feed_server.url(path)) for path in paths]
  pipeline = beam.Pipeline()
  start = time.time()
  ticks = pipeline | TicksUntil(stop_file, start_timestamp=start,
                                stop_timestamp=start + DEADLINE, fire_interval=TICK)
  outputs = ticks | PollFeeds(specs, settings)
  prefix = len(feed_server.url(''))
  sources = outputs[SOURCES] | 'SourceKeys' >> beam.Map(
      lambda s: (s.location[prefix:], s.data, s.content_type, s.received_at.tzname()))
  dead_letters = outputs[DEAD_LETTERS] | 'DeadLetterKeys' >> beam.Map(
      lambda d: (d['source'][prefix:], d['stage'], d['reason']))
  return pipeline, sources, dead_letters


def counter(result, name):
  metrics = result.metrics().query(
      MetricsFilter().with_namespace(METRICS_NAMESPACE).with_name(name))['counters']
  return sum(metric.committed for metric in metrics)


def test_poll_feeds_outputs_each_change_once_and_dead_letters_what_is_lost(
    feed_server, tmp_path):
  feed_server.routes.update({
      '/growing': [Route(200, rss('a')), Route(200, rss('a')), Route(200, rss('b', 'a'))],
      '/etag': etag_route(rss('e'), '"e1"'),
      '/flaky': [Route(500), Route(200, rss('f'))],
      '/throttled': [Route(429, headers={'Retry-After': '1'}), Route(200, rss('t'))],
      '/gone': Route(410),
      '/moved': Route(301, headers={'Location': '/target'}),
      '/target': Route(200, rss('m'), {'Content-Type': 'application/rss+xml'}),
      '/huge': Route(200, rss('h') * 1000),
  })
  paths = ['/growing', '/etag', '/flaky', '/throttled', '/gone', '/moved', '/huge']
  pipeline, sources, dead_letters = run_poller(feed_server, paths, tmp_path / 'stop')
  assert_that(sources, equal_to([
      ('/growing', rss('a'), None, 'UTC'), ('/growing', rss('b', 'a'), None, 'UTC'),
      ('/etag', rss('e'), None, 'UTC'), ('/flaky', rss('f'), None, 'UTC'),
      ('/throttled', rss('t'), None, 'UTC'),
      ('/moved', rss('m'), 'application/rss+xml', 'UTC'),
  ]), label='sources')
  assert_that(dead_letters, equal_to([
      ('/gone', 'read', 'feed_disabled'),
      ('/huge', 'read', 'input_too_large'), ('/huge', 'read', 'input_too_large'),
      ('/huge', 'read', 'feed_disabled'),
  ]), label='dead letters')

  def requests(path):
    return [request for request in feed_server.requests if request[0] == path]
  # Ticking stops once every feed was asked as often as the outputs need,
  # however slowly the ticks came.
  needed = {'/growing': 3, '/etag': 4, '/flaky': 2, '/throttled': 2, '/gone': 1,
            '/moved': 1, '/huge': 2}
  stop_when(lambda: all(len(requests(path)) >= n for path, n in needed.items()),
            tmp_path / 'stop', timeout=DEADLINE)
  result = pipeline.run()
  result.wait_until_finish()
  assert len(requests('/growing')) >= 3
  etag_polls = [headers.get('If-None-Match') for _, headers in requests('/etag')]
  assert len(etag_polls) >= 4 and etag_polls[0] is None
  assert set(etag_polls[1:]) == {'"e1"'}
  throttled = requests('/throttled')
  assert throttled[1].at - throttled[0].at >= 0.99
  assert len(requests('/gone')) == 1 and len(requests('/huge')) == 2
  assert counter(result, 'poll.changed') == 6
  assert counter(result, 'poll.not_modified') == len(etag_polls) - 1
  assert counter(result, 'poll.retry_after') == 1
  assert counter(result, 'poll.disabled') == 2
  assert counter(result, 'poll.failed') == 1 + 1 + 1 + 2  # flaky, throttled, gone, huge
