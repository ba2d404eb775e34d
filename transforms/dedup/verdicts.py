"""Who duplicates whom: the pure decisions behind the deduplication stage.

The canonical item of a group of duplicates is the one with the earliest
``versioncreated`` (ties broken by uri; items without a date come last), and
items already recorded in the dedup index of earlier runs come before all
new ones, since they were published to consumers already. Every decision
below depends only on these orders, never on arrival order, so that batch
results are the same whatever the runner or the number of workers.
"""
import dataclasses
import datetime
import re
from typing import FrozenSet, Iterable, List, Optional, Tuple

from transforms.dedup.fingerprints import containment, jaccard
from transforms.dedup.headlines import BODY, HEADLINE

RESIGHTING = 'resighting'
NEW_VERSION = 'new_version'
SAME_URL = 'same_url'
SAME_BODY = 'same_body'
NEAR_DUPLICATE = 'near_duplicate'
SAME_HEADLINE = 'same_headline'
# When an item matches the same earlier item in several ways, the stronger
# evidence names the reason.
_REASON_RANK = {RESIGHTING: 0, NEW_VERSION: 1, SAME_URL: 2, SAME_BODY: 3,
                NEAR_DUPLICATE: 4, SAME_HEADLINE: 5}
# Wire flags that make a near-duplicate a new version of the same story.
UPDATE_FLAGS = frozenset({'UPDATE', 'CORRECTED', 'REFILE', 'WRAPUP'})
CANCELED = 'canceled'
# Two texts with the same body but unrelated headlines are different
# stories behind a boilerplate body (a paywall or cookie notice), not copies.
MIN_HEADLINE_JACCARD = 0.2
_UNDATED = 1 << 62
_NUMBER = re.compile(r'(\d+)')

Order = Tuple[int, int, str]


def micros_of(when: Optional[datetime.datetime]) -> Optional[int]:
  return int(when.timestamp() * 1_000_000) if when else None


def order_key(versioncreated: Optional[datetime.datetime], uri: str,
              indexed: bool) -> Order:
  """Sort key of 'earlier': indexed first, then by versioncreated, then uri."""
  micros = micros_of(versioncreated)
  return (0 if indexed else 1, _UNDATED if micros is None else micros, uri)


def version_key(version: Optional[str]) -> tuple:
  """Orders versions numerically where they are numbers ('10' after '9')."""
  return tuple((0, int(part), '') if part.isdigit() else (1, 0, part)
               for part in _NUMBER.split(version or '') if part)


@dataclasses.dataclass(frozen=True)
class Fingerprint:
  """What cross-item matching needs of an item family's canonical member."""
  uri: str
  order: Order
  link: Optional[str]
  content_hash: str
  shingles: FrozenSet[int]
  flags: Tuple[str, ...] = ()
  headline_words: FrozenSet[str] = frozenset()
  # The normalised headline (``headlines.headline_key``), None when too short
  # to identify a story; and whether the item has a body, a summary only or
  # its headline only (``headlines.text_kind``).
  headline_key: Optional[str] = None
  text_kind: str = BODY
  created: Optional[int] = None  # versioncreated in microseconds, as the window counts

  @property
  def indexed(self) -> bool:
    return self.order[0] == 0

  @property
  def short(self) -> bool:
    """A headline-only or summary-only item: too little text for shingles to match."""
    return self.text_kind != BODY


@dataclasses.dataclass(frozen=True, order=True)
class Match:
  """A later item found to duplicate an earlier one; min() picks the best."""
  earlier_order: Order
  rank: int
  earlier_uri: str
  reason: str
  similarity: float


def match(earlier: Fingerprint, reason: str, similarity: float) -> Match:
  return Match(earlier.order, _REASON_RANK[reason], earlier.uri, reason, similarity)


def headlines_agree(later: Fingerprint, earlier: Fingerprint) -> bool:
  """False only for two headlines with next to no words in common.

  A wire update may rewrite its headline, so its flags exempt it.
  """
  if not later.headline_words or not earlier.headline_words:
    return True
  if UPDATE_FLAGS & set(later.flags):
    return True
  return jaccard(later.headline_words, earlier.headline_words) >= MIN_HEADLINE_JACCARD


def near_duplicate_match(later: Fingerprint, earlier: Fingerprint,
                         jaccard_threshold: float,
                         containment_threshold: float) -> Optional[Match]:
  """A verified similarity over the full shingle sets, not the MinHash estimate.

  Jaccard finds re-sends and syndicated copies; containment finds updates
  that add paragraphs to a story (the old text is all in the new one).
  Two headline-only items are left to the same-headline rule, with its
  window and its guard against generic headlines.
  """
  if HEADLINE == later.text_kind == earlier.text_kind or not headlines_agree(later, earlier):
    return None
  similarity = jaccard(later.shingles, earlier.shingles)
  if similarity < jaccard_threshold:
    similarity = containment(later.shingles, earlier.shingles)
    if similarity < containment_threshold:
      return None
  reason = NEW_VERSION if UPDATE_FLAGS & set(later.flags) else NEAR_DUPLICATE
  return match(earlier, reason, similarity)


def first_near_duplicate(later: Fingerprint, candidates: Iterable[Fingerprint],
                         jaccard_threshold: float,
                         containment_threshold: float) -> Optional[Match]:
  """The near-duplicate match with the earliest candidate, the best one.

  Candidates are tried earliest first and the search stops at the first
  verified one: an item's reason does not depend on which earlier item it
  matches, so no later candidate can make a smaller ``Match``.
  """
  for earlier in sorted(candidates, key=lambda candidate: candidate.order):
    found = near_duplicate_match(later, earlier, jaccard_threshold, containment_threshold)
    if found:
      return found
  return None


def same_url_matches(members: Iterable[Fingerprint]):
  """(later uri, Match) for members sharing a canonical URL with the earliest."""
  ordered = sorted(members, key=lambda member: member.order)
  for later in ordered[1:]:
    if not later.indexed:
      yield later.uri, match(ordered[0], SAME_URL, 1.0)


def same_body_matches(members: Iterable[Fingerprint], fan_out: int):
  """(later uri, Match) for members sharing a body with an earlier one.

  Each is matched to the earliest of the first ``fan_out`` members whose
  headline agrees with its own. Two items with their headline for all
  text share a headline, not a body: the same-headline rule judges them.
  """
  ordered = sorted(members, key=lambda member: member.order)
  for position, later in enumerate(ordered):
    if later.indexed or later.text_kind == HEADLINE:
      continue
    for earlier in ordered[:min(position, fan_out)]:
      if earlier.text_kind != HEADLINE and headlines_agree(later, earlier):
        yield later.uri, match(earlier, SAME_BODY, 1.0)
        break


def generic_headline(members: Iterable[Fingerprint], max_bodies: int) -> bool:
  """Whether a headline is seen over more than ``max_bodies`` different texts.

  'Live updates' or 'Photos of the day' head a new text every time: such a
  headline names a column, not a story.
  """
  bodies = {member.content_hash for member in members if member.text_kind != HEADLINE}
  return len(bodies) > max_bodies


def same_headline_matches(members: Iterable[Fingerprint], window_micros: int,
                          fan_out: int, max_bodies: int):
  """(later uri, Match) for members sharing a normalised headline with an earlier one.

  A pair counts when one of the two is short (headline or summary only:
  two full texts are compared by their shingles) and both are dated within
  ``window_micros`` of each other. Each is matched to the earliest such
  member of the first ``fan_out``; none at all under a generic headline.
  """
  ordered = sorted(members, key=lambda member: member.order)
  if generic_headline(ordered, max_bodies):
    return
  for position, later in enumerate(ordered):
    if later.indexed:
      continue
    for earlier in ordered[:min(position, fan_out)]:
      if ((later.short or earlier.short) and None not in (later.created, earlier.created)
          and abs(later.created - earlier.created) <= window_micros):
        yield later.uri, match(earlier, SAME_HEADLINE,
                               jaccard(later.headline_words, earlier.headline_words))
        break


def candidate_pairs(bucket: Iterable[Tuple[Order, str]], fan_out: int):
  """(later uri, earlier uri) pairs to verify within one LSH bucket.

  Each new member is paired with at most ``fan_out`` of the earliest members
  before it, so a bucket of n items costs O(n * fan_out), never O(n^2).
  """
  ordered = sorted(bucket)
  for position, (order, uri) in enumerate(ordered):
    if order[0] == 0:
      continue  # indexed items were settled in their own run
    for _, earlier_uri in ordered[:min(position, fan_out)]:
      yield uri, earlier_uri


@dataclasses.dataclass(frozen=True)
class IndexEntry:
  """An (uri, version) seen in an earlier run, as the dedup index keeps it."""
  uri: str
  version: Optional[str]
  order: Order
  duplicate_of: Optional[str]  # None when it was canonical
  canceled: bool
  content_hash: Optional[str] = None


def resolve_family(records: List[dict], indexed: List[IndexEntry]):
  """Sightings and versions of one uri: (annotated records, new canonical or None).

  The earliest member is the family's own canonical; each later record is a
  re-sighting of a version already seen with the same content, or a new
  version (with a link to the version before it). Other content under a
  version already seen (a feed that gives every story one guid) is a
  content conflict: kept as a canonical item of its own, flagged
  ``content_conflict``, never a re-sighting. A 'canceled' status anywhere
  cancels the family.
  """
  # Ties (the same version seen twice at the same time) are broken by where
  # each sighting was read, never by arrival order.
  members = sorted(
      [(entry.order, version_key(entry.version), ('', -1), entry.version,
        entry.content_hash, None) for entry in indexed] +
      [(order_key(r['versioncreated'], r['uri'], False), version_key(r['version']),
        (r['source']['location'], r['source']['position']), r['version'],
        r['content_hash'], i) for i, r in enumerate(records)])
  first = indexed and min(indexed, key=lambda entry: entry.order)
  family_root = (first.duplicate_of or first.uri) if first else None
  canceled = (any(entry.canceled for entry in indexed)
              or any(r['pubstatus'] == CANCELED for r in records))
  annotated, seen_versions, seen_contents, canonical = [], [], set(), None
  for *_, version, content_hash, position in members:
    if position is None:
      if version not in seen_versions:
        seen_versions.append(version)
      seen_contents.add((version, content_hash))
      continue
    record = dict(records[position])
    if canceled:
      record['pubstatus'] = CANCELED
    if version in seen_versions and not _other_content(version, content_hash, seen_contents):
      record.update(is_canonical=False, duplicate_reason=RESIGHTING,
                    duplicate_similarity=1.0)
    elif version in seen_versions:
      record.update(content_conflict=True)
      seen_contents.add((version, content_hash))
      annotated.append(record)
      continue
    elif seen_versions:
      record.update(is_canonical=False, duplicate_reason=NEW_VERSION,
                    duplicate_similarity=None, previous_version=seen_versions[-1])
    else:
      canonical = record
    if record is not canonical:
      record['duplicate_of'] = family_root or record['uri']
    if version not in seen_versions:  # a re-sighting is no version before the next
      seen_versions.append(version)
    seen_contents.add((version, content_hash))
    annotated.append(record)
  return annotated, canonical


def _other_content(version, content_hash, seen_contents) -> bool:
  """Whether a version seen before had other content; index entries written
  without a content hash (None) are taken to have any."""
  return ((version, content_hash) not in seen_contents
          and (version, None) not in seen_contents)


# The streaming mode decides one arrival at a time, against the members a
# key has kept: the batch decisions above, applied to those members and the
# new one, and read for the new one only. An arrival's ``order`` is when it
# arrived, so members that arrived later than it (a race between workers)
# are never named as the earlier item.


def url_answer(later: Fingerprint, members: Iterable[Fingerprint]) -> Optional[Match]:
  """The SAME_URL match of an arrival at its canonical URL, if any."""
  return dict(same_url_matches([*members, later])).get(later.uri)


def body_answer(later: Fingerprint, members: Iterable[Fingerprint],
                fan_out: int) -> Optional[Match]:
  """The SAME_BODY match of an arrival at its body hash, if any."""
  return dict(same_body_matches([*members, later], fan_out)).get(later.uri)


def headline_answer(later: Fingerprint, members: Iterable[Fingerprint],
                    window_micros: int, fan_out: int, max_bodies: int) -> Optional[Match]:
  """The SAME_HEADLINE match of an arrival at its normalised headline, if any."""
  return dict(same_headline_matches([*members, later], window_micros, fan_out,
                                    max_bodies)).get(later.uri)


def band_answer(later: Order, members: Iterable[Order], fan_out: int) -> List[str]:
  """The uris an arrival in an LSH bucket is to be verified against.

  A bucket keeps only its members' orders (an order ends with the uri).
  """
  pairs = candidate_pairs([(order, order[2]) for order in (*members, later)], fan_out)
  return [earlier_uri for later_uri, earlier_uri in pairs if later_uri == later[2]]


def with_match(record: dict, found: Optional[Match]) -> dict:
  """A family's canonical record with its best cross-item match, if any."""
  if found is None:
    return record
  return dict(record, is_canonical=False, duplicate_of=found.earlier_uri,
              duplicate_reason=found.reason, duplicate_similarity=found.similarity)
