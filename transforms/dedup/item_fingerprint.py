"""An item record's fingerprint: what every dedup match reads of it."""
import array
import dataclasses

from transforms.dedup import verdicts
from transforms.dedup.fingerprints import shingles, words
from transforms.dedup.headlines import headline_identity
from transforms.dedup.settings import DedupSettings
from transforms.normalize.urls import canonical_url


def dedup_text(record: dict) -> str:
  """The text whose shingles identify an item: headline and body."""
  return '\n'.join(filter(None, (record.get('headline'),
                                 record.get('body_text') or record.get('description_text'))))


def trusted_link(uri: str, link: str):
  """The link, unless the item's own URL identity says otherwise.

  Some feeds give every item a permalink guid but a wrong <link> (one
  shared by unrelated stories); their links must not make them duplicates.
  """
  uri_url = canonical_url(uri)
  return link if uri_url is None or uri_url == link else None


def fingerprint(record: dict, settings: DedupSettings) -> verdicts.Fingerprint:
  key, kind = headline_identity(record, settings.min_headline_words)
  return verdicts.Fingerprint(
      uri=record['uri'],
      order=verdicts.order_key(record['versioncreated'], record['uri'], False),
      link=trusted_link(record['uri'], record['link']),
      content_hash=record['content_hash'],
      shingles=shingles(dedup_text(record), settings.shingle_size),
      flags=tuple(record['headline_flags']),
      headline_words=frozenset(words(record['headline'] or '')),
      headline_key=key, text_kind=kind, created=verdicts.micros_of(record['versioncreated']))


def without_shingles(fingerprint_: verdicts.Fingerprint) -> verdicts.Fingerprint:
  """What the same-URL and same-body matches read: a shuffle need not carry more."""
  return dataclasses.replace(fingerprint_, shingles=frozenset())


def packed(fingerprint_: verdicts.Fingerprint):
  """What a near-duplicate check reads of an item, either side
  (``verdicts.near_duplicate_match``), compact for the pair joins.

  They hold an item once for every candidate pair it is in, so they carry
  its shingles as 4-byte words (a set of integers encodes to about 6 bytes
  one) and none of what only the other matches read (link, body hash,
  normalised headline, date): 731 bytes for a Reuters item, against 1,025
  in the form the joins carried before.
  """
  return (fingerprint_.uri, fingerprint_.order, fingerprint_.flags, fingerprint_.text_kind,
          tuple(fingerprint_.headline_words),
          array.array('I', sorted(fingerprint_.shingles)).tobytes())


def unpacked(packed_) -> verdicts.Fingerprint:
  """The packed fingerprint, for the near-duplicate check only: the fields
  it does not read (link, body hash, normalised headline, date) are empty."""
  uri, order, flags, text_kind, headline_words, shingle_bytes = packed_
  shingle_array = array.array('I')
  shingle_array.frombytes(shingle_bytes)
  return verdicts.Fingerprint(uri=uri, order=order, link=None, content_hash='',
                              shingles=frozenset(shingle_array), flags=flags,
                              headline_words=frozenset(headline_words), text_kind=text_kind)
