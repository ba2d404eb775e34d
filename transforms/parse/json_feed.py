"""JSON Feed 1.0 and 1.1 (jsonfeed.org), which feedparser 6 does not read."""
from typing import List

from transforms.errors import InputError
from transforms.entry import ParsedEntry
from transforms.normalize.text import render_text
from transforms.parse.json_input import json_bytes, load_json

JSON_FEED_VERSION_PREFIX = 'https://jsonfeed.org/version/'
JSON_FEED_VERSION = JSON_FEED_VERSION_PREFIX + '1.1'


def single_item_feed(item, title=None, home_page_url=None, language=None) -> bytes:
  """A JSON Feed holding one item: the replayable raw bytes of a feed entry.

  A feed entry cannot be cut out of its feed as bytes of its own, and a
  dead letter must hold bytes that ``--replay`` can parse again: this is
  that entry, with what its feed said about it.
  """
  feed = {'version': JSON_FEED_VERSION, 'title': title, 'home_page_url': home_page_url,
          'language': language, 'items': [item]}
  return json_bytes({key: value for key, value in feed.items() if value is not None})


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
  return {key: value for key, value in item.items() if value is not None}


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
  return single_item_feed({key: value for key, value in item.items() if value is not None},
                          source['feed_title'], source['feed_link'])


def _list(value) -> list:
  """A JSON array as a list; anything else (a feed's mistake) as empty."""
  return value if isinstance(value, list) else []


def _authors(item: dict, feed: dict) -> str:
  authors = _list(item.get('authors')) or [item.get('author')]
  authors = [a for a in authors if a] or _list(feed.get('authors')) or [feed.get('author')]
  return ', '.join(a['name'] for a in authors
                   if isinstance(a, dict) and isinstance(a.get('name'), str))


def _text(value):
  return value if isinstance(value, str) and value else None


def parse_json_feed(data: bytes, source: str, received_at=None) -> List[ParsedEntry]:
  feed = load_json(data)
  if not (isinstance(feed, dict) and str(feed.get('version', '')).startswith(
      JSON_FEED_VERSION_PREFIX) and isinstance(feed.get('items'), list)):
    raise InputError('not_a_feed', 'JSON without a JSON Feed version and items')
  entries = []
  for position, original in enumerate(feed['items']):
    # A non-object item is still an entry: it ends as a dead letter for lack
    # of text, with its own JSON kept as the raw bytes.
    item = original if isinstance(original, dict) else {}
    html_body = _text(item.get('content_html'))
    entries.append(ParsedEntry(
        format='json_feed', source=source, position=position,
        raw=single_item_feed(original, feed.get('title'), feed.get('home_page_url'),
                             feed.get('language')),
        guid=_text(str(item['id']) if item.get('id') is not None else None),
        link=_text(item.get('url')), title=_text(item.get('title')),
        summary=_text(item.get('summary')),
        body=html_body or _text(item.get('content_text')),
        body_is_html=bool(html_body), byline=_authors(item, feed) or None,
        firstcreated_raw=_text(item.get('date_published')),
        versioncreated_raw=_text(item.get('date_modified')
                                 or item.get('date_published')),
        language=_text(item.get('language') or feed.get('language')),
        keywords=[tag for tag in _list(item.get('tags')) if isinstance(tag, str)],
        feed_title=_text(feed.get('title')),
        feed_link=_text(feed.get('home_page_url')), received_at=received_at))
  return entries
