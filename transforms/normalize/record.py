"""Normalize stage: a ``ParsedEntry`` of any format into a wire-item record."""
import re
from typing import Any, Optional

import apache_beam as beam

from transforms.datelines import parse_dateline
from transforms.dead_letters import GuardedDoFn, Origin
from transforms.entry import ParsedEntry
from transforms.errors import InputError
from transforms.language_codes import UNDETERMINED, language_code
from transforms.normalize.headlines import split_headline
from transforms.normalize.identity import content_hash, item_uri
from transforms.normalize.source_entities import locate_source_entities
from transforms.normalize.urls import canonical_url
from transforms.tags import DEAD_LETTERS, ITEMS
from transforms.text import one_line, render_text
from transforms.timestamps import parse_timestamp

_SURROGATE = re.compile('[\ud800-\udfff]')
_PUBSTATUS_SPELLINGS = {'cancelled': 'canceled'}


def _without_surrogates(value):
  """Lone surrogates (from JSON escapes such as "\\ud800") as U+FFFD, everywhere.

  UTF-8 cannot encode them, so a record holding one could not be written.
  """
  if isinstance(value, str):
    return _SURROGATE.sub('\ufffd', value)
  if isinstance(value, dict):
    return {key: _without_surrogates(item) for key, item in value.items()}
  if isinstance(value, list):
    return [_without_surrogates(item) for item in value]
  return value


def publication_status(value: Optional[str]) -> Optional[str]:
  """ninjs pubstatus from any source's spelling: case, a ``stat:`` qcode, and
  the British ``cancelled`` (dedup cancels items on ``canceled`` alone)."""
  status = one_line(value).lower().removeprefix('stat:')
  return _PUBSTATUS_SPELLINGS.get(status, status) or None


def normalize_entry(entry: ParsedEntry, max_item_bytes: int) -> dict:
  """A record of ``schemas/wire_item.avsc`` with the language left undetermined.

  Raises InputError for an item over the size cap or with no text at all.
  """
  if len(entry.raw) > max_item_bytes:
    raise InputError('item_too_large', f'{len(entry.raw)} bytes, over the '
                     f'--max-item-bytes limit of {max_item_bytes}')
  headline_raw = one_line(render_text(entry.title, entry.title_is_html))
  headline = split_headline(headline_raw)
  description = render_text(entry.summary, entry.summary_is_html)
  body = render_text(entry.body, entry.body_is_html)
  if not (headline_raw or description or body):
    raise InputError('no_text', 'the item has neither headline nor body')
  hashed_text = body or description or headline.text
  uri, uri_source = item_uri(entry.guid, entry.link, entry.feed_link,
                             entry.source, f'{headline.text}\n{hashed_text}',
                             entry.guid_scope)
  firstcreated = parse_timestamp(entry.firstcreated_raw, entry.received_at)
  versioncreated_raw = entry.versioncreated_raw
  versioncreated = parse_timestamp(versioncreated_raw, entry.received_at)
  if not versioncreated and firstcreated:  # a first version's date is both
    versioncreated_raw, versioncreated = entry.firstcreated_raw, firstcreated
  embargoed = parse_timestamp(entry.embargoed_raw, entry.received_at)
  located, agency = entry.located, entry.agency
  if not (located and agency):  # the dateline opening the text fills what is missing
    dateline_place, _, dateline_agency, _ = parse_dateline(body or description)
    located, agency = located or dateline_place, agency or dateline_agency
  return _without_surrogates({
      'uri': uri,
      'uri_source': uri_source,
      'version': entry.version,
      'type': entry.item_type,
      'pubstatus': publication_status(entry.pubstatus),
      'urgency': entry.urgency,
      'headline': headline.text or None,
      'headline_raw': headline_raw or None,
      'headline_flags': list(dict.fromkeys(entry.headline_flags + headline.flags)),
      'update_number': (entry.update_number if entry.update_number is not None
                        else headline.update_number),
      'byline': one_line(entry.byline) or None,
      'located': one_line(located) or None,
      'agency': one_line(agency) or None,
      'description_text': description or None,
      'body_text': body or None,
      'link': canonical_url(entry.link),
      'link_raw': entry.link,
      'keywords': [one_line(k) for k in entry.keywords if one_line(k)],
      'firstcreated': firstcreated.instant if firstcreated else None,
      'firstcreated_raw': entry.firstcreated_raw,
      'versioncreated': versioncreated.instant if versioncreated else None,
      'versioncreated_raw': versioncreated_raw,
      'versioncreated_utc_offset_minutes': (
          versioncreated.utc_offset_minutes if versioncreated else None),
      'versioncreated_inferred': bool(versioncreated and versioncreated.inferred),
      'received_at': entry.received_at,
      'content_hash': content_hash(hashed_text),
      'language': UNDETERMINED,
      'language_detected': None,
      'language_probability': None,
      'language_declared': language_code(entry.language),
      'language_reason': 'none',
      'source': {
          'format': entry.format, 'location': entry.source,
          'position': entry.position, 'feed_title': one_line(entry.feed_title) or None,
          'feed_link': entry.feed_link, 'guid': entry.guid,
          'feed_language': entry.feed_language,
          'charset': entry.charset, 'charset_reason': entry.charset_reason,
      },
      'is_canonical': True,
      'duplicate_of': None,
      'duplicate_reason': None,
      'duplicate_similarity': None,
      'previous_version': None,
      'entities': locate_source_entities(entry.source_entities, body or description),
      'subjects': entry.subjects,
      'genre': one_line(entry.genre) or None,
      'embargoed': embargoed.instant if embargoed else None,
      'embargoed_raw': entry.embargoed_raw,
      'copyright_holder': one_line(entry.copyright_holder) or None,
      'usage_terms': one_line(entry.usage_terms) or None,
      'renditions': entry.renditions,
      'associations': entry.associations,
  })


@beam.typehints.with_output_types(Any)
class _NormalizeFn(GuardedDoFn):
  stage = 'normalize'

  def __init__(self, max_item_bytes: int):
    self._max_item_bytes = max_item_bytes

  def origin(self, element):
    return Origin(element.source, element.raw, element.position, element.format,
                  element.received_at)

  def process_element(self, entry):
    yield normalize_entry(entry, self._max_item_bytes)


class NormalizeEntries(beam.PTransform):
  """``ParsedEntry`` in; records under ``items``, dead letters under ``dead_letters``."""
  def __init__(self, max_item_bytes: int):
    super().__init__()
    self._max_item_bytes = max_item_bytes

  def expand(self, entries):
    return entries | 'NormalizeEntries' >> beam.ParDo(
        _NormalizeFn(self._max_item_bytes)).with_outputs(DEAD_LETTERS, main=ITEMS)
