"""The raw bytes of a dead letter, in a form that ``--replay`` parses again.

A whole source that failed keeps its own bytes, and so does an entry that
can be cut out of its source (a wire file, a ninjs item, a newsItem). A feed
entry cannot, and a record that failed after normalisation has no bytes of
its own: both are written as a JSON Feed holding that one item, with what
its feed said about it. The dead letter's ``format``, ``position`` and
``received_at`` keep where it came from, which a replay restores.
"""
import json
from typing import Any

from transforms.entry import ParsedEntry
from transforms.text import render_text

JSON_FEED_VERSION_PREFIX = 'https://jsonfeed.org/version/'
JSON_FEED_VERSION = JSON_FEED_VERSION_PREFIX + '1.1'
# A JSON Feed extension (its names start with "_") for the metadata a JSON
# Feed item has no place for, so that a replayed item keeps it.
METADATA_EXTENSION = '_wirebeam'
METADATA_FIELDS = ('subjects', 'genre', 'embargoed_raw', 'copyright_holder',
                   'usage_terms', 'renditions', 'associations', 'source_entities')


def json_bytes(value: Any) -> bytes:
  """JSON of a parsed value as UTF-8, for a dead letter's raw bytes.

  Text from JSON or XML can hold lone surrogates, which UTF-8 cannot encode;
  they are written as the JSON escapes they came from.
  """
  return json.dumps(value, ensure_ascii=False, default=str).encode(
      'utf-8', 'backslashreplace')


def single_item_feed(item, title=None, home_page_url=None, language=None) -> bytes:
  """A JSON Feed holding one item: the replayable raw bytes of a feed entry.

  A feed entry cannot be cut out of its feed as bytes of its own, and a
  dead letter must hold bytes that ``--replay`` can parse again: this is
  that entry, with what its feed said about it.
  """
  feed = {'version': JSON_FEED_VERSION, 'title': title, 'home_page_url': home_page_url,
          'language': language, 'items': [item]}
  return json_bytes({key: value for key, value in feed.items() if value is not None})


def _with_metadata(item: dict, values: dict) -> dict:
  """The item, with the metadata fields that hold something under METADATA_EXTENSION."""
  found = {name: values[name] for name in METADATA_FIELDS if values.get(name)}
  return {**item, METADATA_EXTENSION: found} if found else item


def entry_as_item(entry: ParsedEntry) -> dict:
  """A parsed RSS, RDF or Atom entry as a JSON Feed item."""
  item = {
      'id': entry.guid, 'url': entry.link,
      'title': render_text(entry.title, entry.title_is_html) or None,
      'summary': render_text(entry.summary, entry.summary_is_html) or None,
      'date_published': entry.firstcreated_raw,
      'date_modified': entry.versioncreated_raw, 'language': entry.language,
      'tags': entry.keywords or None,
      'authors': [{'name': entry.byline}] if entry.byline else None,
      ('content_html' if entry.body_is_html else 'content_text'): entry.body,
  }
  return _with_metadata({key: value for key, value in item.items() if value is not None},
                        {name: getattr(entry, name) for name in METADATA_FIELDS})


def record_as_feed(record: dict) -> bytes:
  """An item record as a one-item JSON Feed: raw bytes for a record's dead letter.

  A record dead-lettered after normalisation (arriving too late for its
  window, say) keeps the item as the source gave it, in a form that
  ``--replay`` parses again.
  """
  item = {
      'id': record['uri'], 'url': record['link_raw'] or record['link'],
      'title': record['headline_raw'] or record['headline'],
      'summary': record['description_text'], 'content_text': record['body_text'],
      'date_published': record['firstcreated_raw'],
      'date_modified': record['versioncreated_raw'],
      'language': record['language_declared'], 'tags': record['keywords'] or None,
      'authors': [{'name': record['byline']}] if record['byline'] else None,
  }
  source = record['source']
  given = [e for e in record['entities'] if e['model'] == 'source']
  return single_item_feed(
      _with_metadata({key: value for key, value in item.items() if value is not None},
                     dict(record, source_entities=given)),
      source['feed_title'], source['feed_link'])
