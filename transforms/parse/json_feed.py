"""JSON Feed 1.0 and 1.1 (jsonfeed.org), which feedparser 6 does not read."""
from typing import List

from transforms.entry import ParsedEntry
from transforms.errors import InputError
from transforms.parse.json_input import decode_json, parse_json
from transforms.parse.metadata import restored_metadata
from transforms.replayable import (
  JSON_FEED_VERSION_PREFIX,
  METADATA_EXTENSION,
  single_item_feed,
)


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
  decoded = decode_json(data)
  feed = parse_json(decoded.text)
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
        feed_link=_text(feed.get('home_page_url')), received_at=received_at,
        charset=decoded.charset, charset_reason=decoded.reason,
        **restored_metadata(item.get(METADATA_EXTENSION))))
  return entries
