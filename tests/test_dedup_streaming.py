"""The streaming dedup stage: keyed state and event-time timers, with TestStream.

The watermark is advanced explicitly after every arrival, and past every
timer before the final jump to infinity: ``assert_that`` misses what a timer
only fires on that last jump.
"""
import collections
import datetime
import json

import apache_beam as beam
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing import test_stream
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.transforms.window import TimestampedValue
from apache_beam.utils.timestamp import Timestamp
from conftest import MemoryState
from test_dedup_logic import STORY, record

from transforms.dead_letters import METRICS_NAMESPACE
from transforms.dedup import streaming, verdicts
from transforms.dedup.batch import Deduplicate
from transforms.dedup.item_fingerprint import fingerprint
from transforms.dedup.settings import DedupSettings
from transforms.dedup.streaming import DeduplicateStream

HOUR = 3600
STORM = ('A storm hit the northern coast overnight, cutting power to thousands of homes '
         'and closing the main port until further notice, the authorities said on Sunday.')
MERGER = ('Two of the largest regional banks agreed to merge in an all-share deal that '
          'creates the third biggest lender in the country, the companies said on Tuesday.')
PAYWALL = ('Subscribe to read the full article. Already a subscriber? Log in to continue '
           'reading, or start your free trial today and cancel at any time.')
ADDED = ('The bank also said it would keep buying government bonds until March, and '
         'that it expected inflation to return to its target by the end of next year.')


def item(uri, minutes=0, **fields):
  """A record of ``test_dedup_logic``, ``minutes`` after 10:00 (any number of them)."""
  built = record(uri, **fields)
  return dict(built, versioncreated=built['versioncreated']
              + datetime.timedelta(minutes=minutes))


def at(record_):
  return Timestamp.from_utc_datetime(record_['versioncreated'])


def row(r):
  """Every field the dedup stage fills, and what tells sightings apart."""
  return (r['uri'], r['version'], r['source']['location'], r['is_canonical'],
          r['duplicate_reason'], r['duplicate_of'],
          None if r['duplicate_similarity'] is None else round(r['duplicate_similarity'], 3),
          r['previous_version'], r['pubstatus'])


def verdict(r):
  return r['uri'], r['is_canonical'], r['duplicate_reason'], r['duplicate_of']


def arrivals(events, horizon):
  """A TestStream of (records, watermark) steps, then past every timer, then infinity."""
  stream = test_stream.TestStream()
  for records, watermark in events:
    if records:
      stream = stream.add_elements([TimestampedValue(r, at(r)) for r in records])
    stream = stream.advance_watermark_to(watermark)
  last = max(watermark for _, watermark in events)
  return stream.advance_watermark_to(last + 2 * horizon).advance_watermark_to_infinity()


def one_by_one(records):
  """One arrival at a time, the watermark following each record's event time."""
  return [([r], at(r)) for r in records]


def assert_streamed(events, expected, map_fn=verdict, horizon=HOUR):
  with beam.Pipeline(options=PipelineOptions(streaming=True)) as p:
    out = p | arrivals(events, horizon) | DeduplicateStream(DedupSettings(), horizon)
    assert_that(out | beam.Map(map_fn), equal_to(expected))


# The pure parts.

def test_per_key_answers_reuse_the_batch_decisions():
  first = fingerprint(item('urn:a', link='https://x.example/a'), DedupSettings())
  second = fingerprint(item('urn:b', 1, link='https://x.example/a'), DedupSettings())
  third = fingerprint(item('urn:c', 2, link='https://x.example/a'), DedupSettings())
  assert verdicts.url_answer(first, []) is None
  assert verdicts.url_answer(third, [first, second]).earlier_uri == 'urn:a'
  assert verdicts.url_answer(first, [second, third]) is None  # arrived after it
  boilerplate = fingerprint(item('urn:d', 3, headline='Brazil wastes expertise'), DedupSettings())
  assert verdicts.body_answer(boilerplate, [first], 20) is None  # headlines disagree
  assert verdicts.body_answer(third, [boilerplate, first], 20).reason == verdicts.SAME_BODY
  bucket = [(1, minute, f'u{minute}') for minute in range(5)]
  assert verdicts.band_answer((1, 9, 'late'), bucket, 3) == ['u0', 'u1', 'u2']
  assert verdicts.band_answer((1, 0, 'early'), bucket[1:], 3) == []


def test_a_match_makes_the_record_a_duplicate():
  found = verdicts.Match((1, 0, 'urn:a'), 3, 'urn:a', verdicts.SAME_BODY, 1.0)
  original = item('urn:b')
  assert verdicts.with_match(original, None) is original
  assert verdict(verdicts.with_match(original, found)) == (
      'urn:b', False, verdicts.SAME_BODY, 'urn:a')


def test_a_family_remembers_versions_not_resightings_and_a_cancellation_once():
  first, = verdicts.resolve_family([item('urn:a', version='1')], [])[0]
  entries = streaming.family_entries((), first)
  again, = verdicts.resolve_family([item('urn:a', 5, version='1')], list(entries))[0]
  assert streaming.family_entries(entries, again) == entries
  canceled, = verdicts.resolve_family(
      [item('urn:a', 6, version='1', pubstatus=verdicts.CANCELED)], list(entries))[0]
  entries = streaming.family_entries(entries, canceled)
  assert [entry.canceled for entry in entries] == [False, True]
  newer, = verdicts.resolve_family([item('urn:a', 7, version='2')], list(entries))[0]
  assert newer['pubstatus'] == verdicts.CANCELED
  assert len(streaming.family_entries(entries, newer)) == 3


def test_a_key_keeps_its_earliest_members():
  members = tuple((0, (1, minute, f'u{minute}')) for minute in (1, 3))
  assert streaming.kept_members(members, (0, (1, 5, 'u5')), 2) == members
  assert streaming.kept_members(members, (9, (1, 2, 'u2')), 2) == (
      members[0], (9, (1, 2, 'u2')))
  slim = fingerprint(item('urn:a'), DedupSettings())
  assert streaming.member_order(slim) == slim.order


def test_a_verdict_waits_for_every_answer_even_one_that_overtakes_its_announcement():
  near = verdicts.Match((1, 5, 'urn:b'), 4, 'urn:b', verdicts.NEAR_DUPLICATE, 0.8)
  state = streaming.tally(streaming.Tally(), streaming.Answer(None), Timestamp(0))
  assert not state.complete  # the record has not come yet
  state = streaming.tally(state, streaming.Awaiting(item('urn:c'), answers=2), Timestamp(7))
  state = streaming.tally(state, streaming.Verified(near), Timestamp(0))
  assert not state.complete  # the band answer announcing it is still on its way
  state = streaming.tally(state, streaming.Answer(None, verifications=1), Timestamp(0))
  assert state.complete and state.best == near and state.timestamp == Timestamp(7)


class MemoryBag(MemoryState):
  """What ``BagState`` offers."""
  def __init__(self):
    self.value = []

  def add(self, value):
    self.value.append(value)

  def clear(self):
    self.value = []


class MemoryTimer(MemoryState):
  """What a timer offers: the time it is set to."""
  def set(self, timestamp):
    self.value = timestamp


# The fingerprint store's DoFn alone: no runner here delivers a request first.

def test_a_request_that_overtakes_its_fingerprint_waits_for_it():
  store = streaming._FingerprintStoreFn(DedupSettings(), horizon=HOUR * 1_000_000)
  first, copy = item('urn:a'), item('urn:b', 1, body=STORY + 'Reporting by A.')
  earlier, later = fingerprint(first, DedupSettings()), fingerprint(copy, DedupSettings())
  request = streaming.Request(later, expires=at(item('urn:a', 60)).micros)
  state = dict(stored=MemoryState(), waiting=MemoryBag(), expiry=MemoryTimer())
  assert list(store.process(('urn:a', request), timestamp=at(copy), **state)) == []
  (order, answer), = store.process(('urn:a', earlier), timestamp=at(first), **state)
  assert order == later.order and answer.match.earlier_uri == 'urn:a'
  assert state['waiting'].read() == []


def test_a_request_for_a_fingerprint_gone_already_is_answered_by_the_timer():
  store = streaming._FingerprintStoreFn(DedupSettings(), horizon=HOUR * 1_000_000)
  copy = item('urn:b', 61)
  later = fingerprint(copy, DedupSettings())
  request = streaming.Request(later, expires=at(item('urn:a', 60)).micros)
  state = dict(stored=MemoryState(), waiting=MemoryBag(), expiry=MemoryTimer())
  assert list(store.process(('urn:a', request), timestamp=at(copy), **state)) == []
  assert state['expiry'].read() == Timestamp(micros=request.expires)  # past: fires next
  assert list(store.expire(stored=state['stored'], waiting=state['waiting'])) == [
      (later.order, streaming.Verified(None))]


# Pipelines.

def test_every_reason_in_a_stream_and_every_record_out_once():
  records = [
      item('urn:a', 0, version='1', link='https://x.example/a'),
      item('urn:a', 1, version='1', link='https://x.example/a', location='g'),
      item('urn:a', 2, version='2', link='https://x.example/a'),
      item('urn:url', 3, body=STORM, headline='Storm', link='https://x.example/a'),
      item('urn:body', 4, headline='Central bank holds rates - paper'),
      item('urn:paywall', 5, headline='Rates unchanged', body=PAYWALL),
      item('urn:other', 6, headline='Brazil wastes expertise', body=PAYWALL),
      item('urn:near', 7, body=STORY + 'Reporting by A.'),
      item('urn:contained', 8, body=STORY + ADDED + ADDED),
      item('urn:update', 9, body=STORY + ADDED, flags=['UPDATE']),
      item('urn:url', 10, body=STORM, headline='Storm', link='https://x.example/a',
           location='h'),
  ]
  expected = [
      ('urn:a', True, None, None),
      ('urn:a', False, verdicts.RESIGHTING, 'urn:a'),
      ('urn:a', False, verdicts.NEW_VERSION, 'urn:a'),
      ('urn:url', False, verdicts.SAME_URL, 'urn:a'),
      ('urn:body', False, verdicts.SAME_BODY, 'urn:a'),
      ('urn:paywall', True, None, None),
      ('urn:other', True, None, None),  # the same body, under an unrelated headline
      ('urn:near', False, verdicts.NEAR_DUPLICATE, 'urn:a'),
      ('urn:contained', False, verdicts.NEAR_DUPLICATE, 'urn:a'),
      ('urn:update', False, verdicts.NEW_VERSION, 'urn:a'),
      # Batch names urn:a, the root; a stream names the family's first sighting.
      ('urn:url', False, verdicts.RESIGHTING, 'urn:url'),
  ]
  assert_streamed(one_by_one(records), expected)


def test_new_versions_link_the_previous_and_a_cancellation_holds_for_what_follows():
  records = [item('urn:m', 0, version='1', body=MERGER),
             item('urn:m', 1, version='2', body=MERGER, pubstatus=verdicts.CANCELED),
             item('urn:m', 2, version='3', body=MERGER),
             item('urn:m', 3, version='1', body=MERGER, location='g')]
  assert_streamed(
      one_by_one(records),
      [('urn:m', '1', True, None, None, None),  # out before the cancellation came
       ('urn:m', '2', False, verdicts.NEW_VERSION, '1', verdicts.CANCELED),
       ('urn:m', '3', False, verdicts.NEW_VERSION, '2', verdicts.CANCELED),
       ('urn:m', '1', False, verdicts.RESIGHTING, None, verdicts.CANCELED)],
      lambda r: (r['uri'], r['version'], r['is_canonical'], r['duplicate_reason'],
                 r['previous_version'], r['pubstatus']))


def test_the_first_arrival_is_canonical_even_when_it_was_created_later():
  later_created = item('urn:b', 30)
  earlier_created = item('urn:a', 0)
  watermark = at(earlier_created)
  assert_streamed([([later_created], watermark), ([earlier_created], watermark + 60)],
                  [('urn:b', True, None, None), ('urn:a', False, verdicts.SAME_BODY, 'urn:b')])


def test_state_lasts_for_the_horizon_and_timers_clear_it():
  storm, merger = dict(body=STORM, headline='Storm'), dict(body=MERGER, headline='Banks')
  first = item('urn:s1', 0, **storm)
  paid = item('urn:p', 0, body=PAYWALL, headline='Subscribe')
  paid_again = item('urn:p', 20, body=PAYWALL, headline='Subscribe')  # late, as below
  # Late: within the horizon of urn:s1 by event time, but its timers have fired.
  after_timers = item('urn:s2', 30, **storm)
  # On time, with the watermark at 12:00: no timer fires between them.
  merged = item('urn:m1', 130, **merger)
  too_late = item('urn:m2', 220, **merger)  # 90 minutes after urn:m1
  in_time = item('urn:m3', 230, **merger)
  family_again = item('urn:s1', 200, **storm)  # its family expired at 11:00
  noon = at(first) + 2 * HOUR
  assert_streamed(
      [([first, paid], at(first)), ([], noon)]
      + [([r], noon + i + 1) for i, r in enumerate(
          (after_timers, paid_again, merged, too_late, in_time, family_again))],
      [('urn:s1', True, None, None), ('urn:p', True, None, None),
       ('urn:s2', True, None, None), ('urn:p', True, None, None),
       ('urn:m1', True, None, None), ('urn:m2', True, None, None),
       ('urn:m3', False, verdicts.SAME_BODY, 'urn:m2'), ('urn:s1', True, None, None)])


def mixed_input():
  """Every batch reason, in the order of versioncreated.

  Without the two cases a stream cannot decide as batch does (tested above):
  a cancellation after the first version is out, and a re-sighting of an
  item that duplicates another.
  """
  return [
      item('urn:a', 0, version='1', link='https://x.example/a'),
      item('urn:a', 1, version='1', link='https://x.example/a', location='g'),
      item('urn:url', 2, body=STORM, headline='Storm', link='https://x.example/a'),
      item('urn:body', 3, headline='Central bank holds rates - paper'),
      item('urn:paywall', 4, headline='Rates unchanged', body=PAYWALL),
      item('urn:other', 5, headline='Brazil wastes expertise', body=PAYWALL),
      item('urn:near', 6, body=STORY + 'Reporting by A.'),
      item('urn:contained', 7, body=STORY + ADDED + ADDED),
      item('urn:update', 8, body=STORY + ADDED, flags=['UPDATE']),
      item('urn:merger', 9, version='1', headline='Banks merge', body=MERGER),
      item('urn:merger', 10, version='2', headline='Banks merge', body=MERGER),
      item('urn:a', 11, version='2', link='https://x.example/a'),
  ]


def test_in_order_the_stream_gives_the_batch_verdicts_on_either_engine(tmp_path):
  records = mixed_input()
  with beam.Pipeline() as p:
    batch = ({'records': p | 'Records' >> beam.Create(records),
              'indexed': p | 'NoIndex' >> beam.Create([])}
             | Deduplicate(DedupSettings()))
    _ = (batch | beam.Map(lambda r: json.dumps(row(r)))
         | beam.io.WriteToText(str(tmp_path / 'batch')))
  expected = [tuple(json.loads(line)) for path in tmp_path.glob('batch*')
              for line in path.read_text(encoding='utf-8').splitlines()]
  assert len(expected) == len(records)
  assert_streamed(one_by_one(records), expected, row)
  p = beam.Pipeline()  # bounded and batch-like, as on a machine without Prism
  out = (p | beam.Create(records) | beam.Map(lambda r: TimestampedValue(r, at(r)))
         | DeduplicateStream(DedupSettings(), HOUR))
  assert_that(out | beam.Map(row), equal_to(expected))
  result = p.run()
  result.wait_until_finish()
  counters = result.metrics().query(MetricsFilter().with_namespace(METRICS_NAMESPACE))
  counted = collections.Counter()
  for counter in counters['counters']:  # one per step that counts
    counted[counter.key.metric.name] += counter.committed
  assert counted == collections.Counter('dedup.canonical' if canonical else f'dedup.{reason}'
                                        for _, _, _, canonical, reason, *_ in expected)
