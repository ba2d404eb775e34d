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
  """(fingerprint without shingles, shingles as 4-byte words) for the pair joins.

  A shingle set decoded in a DirectRunner grouping table costs about 60
  bytes a shingle, packed 4; the joins hold every fingerprint at once.
  """
  return (without_shingles(fingerprint_),
          array.array('I', sorted(fingerprint_.shingles)).tobytes())


def unpacked(packed_) -> verdicts.Fingerprint:
  fingerprint_, shingle_bytes = packed_
  shingle_array = array.array('I')
  shingle_array.frombytes(shingle_bytes)
  return dataclasses.replace(fingerprint_, shingles=frozenset(shingle_array))
