"""Deduplication in the streaming mode: the batch decisions, in keyed state.

The verdicts are those of ``Deduplicate`` (the same ``verdicts`` functions
decide them), with one difference: "earlier" means *arrived earlier*, not
an earlier ``versioncreated``. Consumers have received the first arrival
already and a verdict cannot be revised, so:

* the first arrival is canonical;
* a canceled status cancels the versions that come after it, not those out;
* ``duplicate_of`` names the earlier item matched, not the root of a chain:
  a re-sighting or new version names its family's first sighting, a
  cross-item duplicate the item it matched, which may itself be a duplicate
  (its own record says so). The earlier item's verdict is decided after the
  steps that would need it, and a pipeline cannot loop back.

The arrival order is the clock when a family's first record reaches the
family step. When two copies reach a match key in the other order (workers
racing, moments apart), that key matches neither to the other.

No step puts all items under one key or compares all pairs:

1. families, keyed by uri: the versions seen (``IndexEntry`` values, as the
   dedup index of batch runs holds them), so that ``resolve_family``
   decides re-sightings, new versions and cancellations; re-sightings and
   new versions go out, a family's first record goes on;
2. match keys, one per canonical URL, body hash, normalised headline and
   LSH band: each keeps its earliest ``fan_out`` members and answers each
   arrival (same URL, same body, same headline, or the bucket members to
   verify); whether a headline is generic is judged on the members kept;
3. candidates, keyed by the arriving item: the distinct bucket members of
   all its bands, sent as requests to the fingerprint store, keyed by the
   earlier item's uri, which keeps each item's full shingle set and verifies
   the pair (a request that overtakes the fingerprint it needs waits);
4. verdicts, keyed by the arriving item: the record and every answer about
   it; when all have come, the record goes out with the best match.

A family is remembered for the dedup horizon (``--dedup-window``) after its
last sighting, an item's fingerprints for the horizon after its event time;
event-time timers clear them. State per canonical item, pickled: its family
(about 200 bytes per version), its fingerprint without shingles at its URL
and body keys (about 400 bytes each), its arrival order at each of its 32
bands (about 110 bytes each) and its full fingerprint once, in the store
(about 7 bytes a word: 3.5 KB for 500 words), so about 8 KB. Steps 3 and 4
hold an item only until its answers are in.
"""
import dataclasses
import datetime
from typing import Any, Optional, Tuple

import apache_beam as beam
from apache_beam.coders import PickleCoder
from apache_beam.metrics import Metrics
from apache_beam.transforms.timeutil import TimeDomain
from apache_beam.transforms.userstate import (
  BagStateSpec,
  ReadModifyWriteStateSpec,
  TimerSpec,
  on_timer,
)
from apache_beam.utils.timestamp import Timestamp

from transforms.dead_letters import METRICS_NAMESPACE
from transforms.dedup import verdicts
from transforms.dedup.fingerprints import MinHasher, band_keys
from transforms.dedup.item_fingerprint import fingerprint
from transforms.dedup.settings import DedupSettings

URL, BODY, HEADLINE, BAND = 'url', 'body', 'headline', 'band'
_CANONICAL = 'canonical'
_CANDIDATES = 'candidates'
_BANDS = 'bands'
_REQUESTS = 'requests'
_STORE = 'store'
_MATCH_KEYS = 'match_keys'
# Keys with deterministic coders, as keyed state needs.
_BY_ORDER = Tuple[verdicts.Order, Any]
_BY_STR = Tuple[str, Any]


@dataclasses.dataclass(frozen=True)
class Awaiting:
  """A family's first record, and how many answers about it will come."""
  record: dict
  answers: int


@dataclasses.dataclass(frozen=True)
class Answer:
  """A match key's answer; a band answer announces the verifications to come."""
  match: Optional[verdicts.Match]
  verifications: int = 0


@dataclasses.dataclass(frozen=True)
class Verified:
  """The fingerprint store's verdict on one candidate pair."""
  match: Optional[verdicts.Match]


@dataclasses.dataclass(frozen=True)
class Request:
  """Verify ``later`` against the store's item, which leaves at ``expires``."""
  later: verdicts.Fingerprint
  expires: int


@dataclasses.dataclass(frozen=True)
class Tally:
  """What the verdict step knows of one arriving item so far."""
  record: Optional[dict] = None
  timestamp: Optional[Timestamp] = None
  answers: int = 0
  answered: int = 0
  verifications: int = 0
  verified: int = 0
  best: Optional[verdicts.Match] = None

  @property
  def complete(self) -> bool:
    return (self.record is not None and self.answered == self.answers
            and self.verified == self.verifications)


def family_entries(entries: Tuple[verdicts.IndexEntry, ...],
                   annotated: dict) -> Tuple[verdicts.IndexEntry, ...]:
  """The versions of a family after one more sighting (``annotated``).

  A re-sighting adds nothing (a feed repeats its items on every change),
  unless it is the first to say that the item is canceled.
  """
  canceled = annotated['pubstatus'] == verdicts.CANCELED
  if (annotated['duplicate_reason'] == verdicts.RESIGHTING
      and canceled == any(entry.canceled for entry in entries)):
    return entries
  uri = annotated['uri']
  return entries + (verdicts.IndexEntry(
      uri, annotated['version'], verdicts.order_key(annotated['versioncreated'], uri, True),
      None, canceled, annotated['content_hash']),)


def key_answer(kind: str, later, members, settings: DedupSettings):
  """A match key's answer to an arrival, given its members still alive.

  Under a headline, whether it is generic is judged on the members kept.
  """
  if kind == URL:
    return verdicts.url_answer(later, members)
  if kind == BODY:
    return verdicts.body_answer(later, members, settings.fan_out)
  if kind == HEADLINE:
    return verdicts.headline_answer(later, members, settings.headline_window_micros,
                                    settings.fan_out, settings.generic_headline_bodies)
  return verdicts.band_answer(later, members, settings.fan_out)


def member_order(member) -> verdicts.Order:
  """A match key's member is a slim Fingerprint (URL, body) or its order (bands)."""
  return member.order if isinstance(member, verdicts.Fingerprint) else member


def kept_members(members: Tuple[Tuple[int, Any], ...], arrival: Tuple[int, Any],
                 fan_out: int) -> Tuple[Tuple[int, Any], ...]:
  """The earliest ``fan_out`` of the (expires, member) pairs and the arrival."""
  return tuple(sorted((*members, arrival), key=lambda pair: member_order(pair[1]))[:fan_out])


def tally(state: Tally, message, timestamp: Timestamp) -> Tally:
  """The verdict step's state after one more message about its item."""
  if isinstance(message, Awaiting):
    return dataclasses.replace(state, record=message.record, timestamp=timestamp,
                               answers=message.answers)
  best = min(filter(None, (state.best, message.match)), default=None)
  if isinstance(message, Verified):
    return dataclasses.replace(state, verified=state.verified + 1, best=best)
  return dataclasses.replace(state, answered=state.answered + 1, best=best,
                             verifications=state.verifications + message.verifications)


def _micros(seconds: float) -> int:
  return round(seconds * 1_000_000)


def _count(record: dict):
  name = ('dedup.canonical' if record['is_canonical']
          else f'dedup.{record["duplicate_reason"]}')
  Metrics.counter(METRICS_NAMESPACE, name).inc()


class _FamiliesFn(beam.DoFn):
  """(uri, record) in; re-sightings and new versions out, first records on.

  A family's first record goes to ``canonical`` with its arrival order.
  """
  FAMILY = ReadModifyWriteStateSpec('family', PickleCoder())
  EXPIRY = TimerSpec('expiry', TimeDomain.WATERMARK)

  def __init__(self, horizon: int):
    self._horizon = horizon

  def process(self, element, timestamp=beam.DoFn.TimestampParam,
              family=beam.DoFn.StateParam(FAMILY), expiry=beam.DoFn.TimerParam(EXPIRY)):
    uri, record = element
    entries, expires = family.read() or ((), 0)
    if timestamp.micros >= expires:
      entries = ()  # the horizon has passed, though the timer has not fired yet
    (annotated,), canonical = verdicts.resolve_family([record], list(entries))
    expires = max(expires, timestamp.micros + self._horizon)
    family.write((family_entries(entries, annotated), expires))
    expiry.set(Timestamp(micros=expires))
    if canonical is None:
      _count(annotated)
      yield annotated
    else:
      arrived = verdicts.order_key(datetime.datetime.now(datetime.timezone.utc), uri, False)
      yield beam.pvalue.TaggedOutput(_CANONICAL, (canonical, arrived))

  @on_timer(EXPIRY)
  def expire(self, family=beam.DoFn.StateParam(FAMILY)):
    family.clear()


class _FingerprintFn(beam.DoFn):
  """A first record in; its fingerprint to the match keys and the store.

  The record itself goes to the verdict step, with the number of answers
  to wait for: one per exact key, and one from its bands, if it has them.
  """
  def __init__(self, settings: DedupSettings):
    self._settings = settings

  def setup(self):
    self._hasher = MinHasher(self._settings.num_perm)  # permutations, once

  def process(self, element):
    record, arrived = element
    settings = self._settings
    full = dataclasses.replace(fingerprint(record, settings), order=arrived)
    slim = dataclasses.replace(full, shingles=frozenset())
    exact = ([(BODY, full.content_hash)] + ([(URL, full.link)] if full.link else [])
             + ([(HEADLINE, full.headline_key)] if full.headline_key else []))
    for kind, value in exact:
      yield beam.pvalue.TaggedOutput(_MATCH_KEYS, (f'{kind} {value}', (kind, slim)))
    banded = len(full.shingles) >= settings.min_shingles
    if banded:
      for value in band_keys(self._hasher.signature(full.shingles), settings.bands):
        yield beam.pvalue.TaggedOutput(_MATCH_KEYS, (f'{BAND} {value}', (BAND, arrived)))
      yield beam.pvalue.TaggedOutput(_CANDIDATES, (arrived, full))
    yield beam.pvalue.TaggedOutput(_STORE, (full.uri, full))
    yield arrived, Awaiting(record, answers=len(exact) + (1 if banded else 0))


class _MatchKeysFn(beam.DoFn):
  """('kind value', (kind, member)) in; the answer to each arrival out.

  Exact answers go to the verdict step; a band's candidates (uri and when
  each leaves) go to ``bands``. A key keeps its earliest ``fan_out``
  members, each until the horizon has passed since it arrived.
  """
  MEMBERS = ReadModifyWriteStateSpec('members', PickleCoder())
  EXPIRY = TimerSpec('expiry', TimeDomain.WATERMARK)

  def __init__(self, settings: DedupSettings, horizon: int):
    self._settings = settings
    self._horizon = horizon

  def process(self, element, timestamp=beam.DoFn.TimestampParam,
              members=beam.DoFn.StateParam(MEMBERS), expiry=beam.DoFn.TimerParam(EXPIRY)):
    _, (kind, later) = element
    order = member_order(later)
    alive = tuple((expires, member) for expires, member in members.read() or ()
                  if expires > timestamp.micros
                  and member_order(member)[2] != order[2])  # an earlier life of the uri
    answer = key_answer(kind, later, [member for _, member in alive], self._settings)
    kept = kept_members(alive, (timestamp.micros + self._horizon, later),
                        self._settings.fan_out)
    members.write(kept)
    expiry.set(Timestamp(micros=min(expires for expires, _ in kept)))
    if kind != BAND:
      yield order, Answer(answer)
      return
    leaves = {member[2]: expires for expires, member in alive}
    yield beam.pvalue.TaggedOutput(
        _BANDS, (order, tuple((uri, leaves[uri]) for uri in answer)))

  @on_timer(EXPIRY)
  def expire(self, fired=beam.DoFn.TimestampParam, members=beam.DoFn.StateParam(MEMBERS),
             expiry=beam.DoFn.TimerParam(EXPIRY)):
    alive = tuple(pair for pair in members.read() or () if pair[0] > fired.micros)
    if alive:
      members.write(alive)
      expiry.set(Timestamp(micros=min(expires for expires, _ in alive)))
    else:
      members.clear()


class _CandidatesFn(beam.DoFn):
  """(order, fingerprint or a band's candidates) in, keyed by the arriving item.

  Once every band has answered, each distinct candidate becomes one request
  to the fingerprint store, and the verdict step learns how many to expect.
  """
  BANDING = ReadModifyWriteStateSpec('banding', PickleCoder())

  def __init__(self, settings: DedupSettings):
    self._bands = settings.bands

  def process(self, element, banding=beam.DoFn.StateParam(BANDING)):
    order, message = element
    later, answered, candidates = banding.read() or (None, 0, {})
    if isinstance(message, verdicts.Fingerprint):
      later = message
    else:
      answered += 1
      candidates.update(message)
    if later is None or answered < self._bands:
      banding.write((later, answered, candidates))
      return
    banding.clear()
    for uri, expires in candidates.items():
      yield beam.pvalue.TaggedOutput(_REQUESTS, (uri, Request(later, expires)))
    yield order, Answer(None, verifications=len(candidates))


class _FingerprintStoreFn(beam.DoFn):
  """(uri, its fingerprint or a request about it) in; verified pairs out.

  Each item's full fingerprint is kept for the horizon. A request may
  overtake the fingerprint it needs (they travel apart): it waits for it,
  or, if the fingerprint has left already, is answered "no match" when the
  timer that would have removed it fires.
  """
  FINGERPRINT = ReadModifyWriteStateSpec('fingerprint', PickleCoder())
  WAITING = BagStateSpec('waiting', PickleCoder())
  EXPIRY = TimerSpec('expiry', TimeDomain.WATERMARK)

  def __init__(self, settings: DedupSettings, horizon: int):
    self._settings = settings
    self._horizon = horizon

  def _verify(self, later: verdicts.Fingerprint, earlier: verdicts.Fingerprint):
    return later.order, Verified(verdicts.near_duplicate_match(
        later, earlier, self._settings.jaccard_threshold,
        self._settings.containment_threshold))

  def process(self, element, timestamp=beam.DoFn.TimestampParam,
              stored=beam.DoFn.StateParam(FINGERPRINT),
              waiting=beam.DoFn.StateParam(WAITING), expiry=beam.DoFn.TimerParam(EXPIRY)):
    _, message = element
    if isinstance(message, verdicts.Fingerprint):
      stored.write(message)
      expiry.set(Timestamp(micros=timestamp.micros + self._horizon))
      for request in waiting.read():
        yield self._verify(request.later, message)
      waiting.clear()
      return
    earlier = stored.read()
    if earlier is not None:
      yield self._verify(message.later, earlier)
      return
    waiting.add(message)
    expiry.set(Timestamp(micros=message.expires))

  @on_timer(EXPIRY)
  def expire(self, stored=beam.DoFn.StateParam(FINGERPRINT),
             waiting=beam.DoFn.StateParam(WAITING)):
    for request in waiting.read():
      yield request.later.order, Verified(None)
    waiting.clear()
    stored.clear()


class _VerdictsFn(beam.DoFn):
  """(order, the record or an answer about it) in; the record with its verdict out."""
  TALLY = ReadModifyWriteStateSpec('tally', PickleCoder())

  def process(self, element, timestamp=beam.DoFn.TimestampParam,
              state=beam.DoFn.StateParam(TALLY)):
    _, message = element
    current = tally(state.read() or Tally(), message, timestamp)
    if not current.complete:
      state.write(current)
      return
    state.clear()
    record = verdicts.with_match(current.record, current.best)
    _count(record)
    yield beam.window.TimestampedValue(record, current.timestamp)


class DeduplicateStream(beam.PTransform):
  """Records at their event time in (GlobalWindow); every record out once, with its verdict.

  Each record keeps its element timestamp. ``horizon_seconds`` is how long,
  in event time, an item is remembered after it was last seen.
  """
  def __init__(self, settings: DedupSettings, horizon_seconds: float):
    super().__init__()
    self._settings = settings
    self._horizon = _micros(horizon_seconds)

  def expand(self, records):
    settings, horizon = self._settings, self._horizon
    families = (records
                | 'KeyByUri' >> beam.Map(lambda record: (record['uri'], record))
                .with_output_types(_BY_STR)
                | 'Families' >> beam.ParDo(_FamiliesFn(horizon)).with_outputs(
                    _CANONICAL, main='members'))
    fingerprinted = families[_CANONICAL] | 'Fingerprint' >> beam.ParDo(
        _FingerprintFn(settings)).with_output_types(
            _BY_ORDER, **{_MATCH_KEYS: _BY_STR, _CANDIDATES: _BY_ORDER, _STORE: _BY_STR}
        ).with_outputs(_MATCH_KEYS, _CANDIDATES, _STORE, main='awaiting')
    answers = fingerprinted[_MATCH_KEYS] | 'MatchKeys' >> beam.ParDo(
        _MatchKeysFn(settings, horizon)).with_output_types(
            _BY_ORDER, **{_BANDS: _BY_ORDER}).with_outputs(_BANDS, main='answers')
    candidates = (
        (fingerprinted[_CANDIDATES], answers[_BANDS])
        | 'FlattenBandAnswers' >> beam.Flatten()
        | 'Candidates' >> beam.ParDo(_CandidatesFn(settings)).with_output_types(
            _BY_ORDER, **{_REQUESTS: _BY_STR}).with_outputs(_REQUESTS, main='answers'))
    verified = (
        (fingerprinted[_STORE], candidates[_REQUESTS])
        | 'FlattenRequests' >> beam.Flatten()
        | 'FingerprintStore' >> beam.ParDo(_FingerprintStoreFn(settings, horizon))
        .with_output_types(_BY_ORDER))
    decided = (
        (fingerprinted['awaiting'], answers['answers'], candidates['answers'], verified)
        | 'FlattenAnswers' >> beam.Flatten()
        | 'Verdicts' >> beam.ParDo(_VerdictsFn()))
    return (families['members'], decided) | 'AllRecords' >> beam.Flatten()
