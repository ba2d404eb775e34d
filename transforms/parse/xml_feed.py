"""RSS 0.9x/1.0/2.0, RDF and Atom feeds, parsed by feedparser from our own bytes.

We decode the bytes ourselves first (see ``decode_bytes``) because feedparser
trusts the declared charset, which real feeds get wrong both ways: declared
ISO-8859-1 with UTF-8 bytes, and Latin-1 with no declaration at all.
"""
import dataclasses
import io
import re
from typing import List, Optional

import feedparser

from transforms.entry import ParsedEntry
from transforms.errors import InputError
from transforms.parse import metadata
from transforms.replayable import entry_as_item, single_item_feed
from transforms.text import Decoded, decode_text

_XML_DECLARATION = re.compile(r'^\s*<\?xml[^>]*\?>')
_DECLARED_ENCODING = re.compile(
    rb'^\s*<\?xml[^>]*encoding\s*=\s*["\']([A-Za-z0-9._:-]{1,40})["\']')
# The prolog's parts before the DOCTYPE: space, declarations, PIs, comments.
_PROLOG_ITEM = re.compile(r'\s+|<\?.*?\?>|<!--.*?-->', re.DOTALL)
_DOCTYPE = re.compile(r'<!DOCTYPE\b', re.IGNORECASE)
# Rights that are a licence rather than a copyright line.
_LICENCE = re.compile(
    r'creative\s*commons|\bcc[- ](?:by|0|zero)\b|\bcc0\b|public domain|\blicen[cs]',
    re.IGNORECASE)
_LICENCE_LEAD_WORDS = frozenset({'', 'licensed', 'licenced', 'released', 'published',
                                 'available', 'under', 'with', 'a', 'an', 'the', 'is', 'by'})
_COPYRIGHT_MARK = re.compile(r'\s*(?:copyright|\(c\)|©)', re.IGNORECASE)
_UTF8_HEADERS = {'content-type': 'application/xml; charset=utf-8'}
_FORMAT_BY_VERSION_PREFIX = (('atom', 'atom'), ('rss090', 'rdf'),
                             ('rss10', 'rdf'), ('rss', 'rss'))
# feedparser's strict parser looks each attribute of an element up by name
# in a list (xml.sax's AttributesNSImpl.getValueByQName), so an element of
# n attributes costs n squared: 10,000 take a second, 50,000 over a minute.
# Feeds need few: 17 at most in the evaluation feeds, 29 in IPTC's examples.
MAX_ATTRIBUTES = 100
_ATTRIBUTE = rb'\s+[^\s<>=/]+\s*=\s*(?:"[^"<]*"|\'[^\'<]*\')'
# A start tag with more: as attribute values hold no '<', a match never
# crosses one, so every tag is seen whole whatever precedes it (a comment,
# CDATA, broken markup), and the search is linear in the feed's size.
_MANY_ATTRIBUTES = re.compile(
    rb'<([^\s<>/!?][^\s<>/]*)(?:%s){%d}' % (_ATTRIBUTE, MAX_ATTRIBUTES + 1))


def _feed_format(version: str) -> str:
  for prefix, name in _FORMAT_BY_VERSION_PREFIX:
    if version.startswith(prefix):
      return name
  return 'rss'


def _declared_charset(data: bytes, content_type: Optional[str]) -> Optional[str]:
  if content_type:
    match = re.search(r'charset=["\']?([\w.:-]+)', content_type, re.IGNORECASE)
    if match:
      return match.group(1)
  match = _DECLARED_ENCODING.match(data[:200])
  return match.group(1).decode('ascii') if match else None


def decode_xml(data: bytes, content_type: Optional[str] = None) -> Decoded:
  """The document's text without its XML declaration, and how it was decoded.

  Raises InputError when the document declares entities.
  """
  decoded = decode_text(data, _declared_charset(data, content_type))
  if declares_entities(decoded.text):
    raise InputError('xml_entities_forbidden',
                     'the feed declares XML entities; they are never expanded')
  return decoded._replace(text=_XML_DECLARATION.sub('', decoded.text, count=1))


def declares_entities(text: str) -> bool:
  """Whether the DOCTYPE's internal subset declares any entity.

  Entities can only be declared there, so the prolog is walked up to the
  DOCTYPE, and its subset scanned with quoted strings, comments and
  processing instructions skipped (a ']' inside them must not end the scan).
  """
  position = 0
  while True:
    item = _PROLOG_ITEM.match(text, position)
    if not item or item.end() == position:
      break
    position = item.end()
  if not _DOCTYPE.match(text, position):
    return False
  subset = text.find('[', position)
  if subset < 0 or subset > text.find('>', position):
    return False  # no internal subset: an external DTD is never fetched
  def past(token: str, start: int) -> int:
    found = text.find(token, start)
    return len(text) if found < 0 else found + len(token)

  index = subset + 1
  while index < len(text):
    if text.startswith('<!--', index):
      index = past('-->', index + 4)
    elif text.startswith('<?', index):
      index = past('?>', index + 2)
    elif text[index] in '"\'':
      index = past(text[index], index + 1)
    elif text.startswith('<!ENTITY', index) or text.startswith('<!entity', index):
      return True
    elif text[index] == ']':
      return False
    else:
      index += 1
  return False


def refuse_many_attributes(data: bytes):
  """Raises InputError if an element has more than MAX_ATTRIBUTES attributes."""
  match = _MANY_ATTRIBUTES.search(data)
  if match:
    end = data.find(b'<', match.end())
    count = len(re.findall(_ATTRIBUTE, data[match.start():end if end >= 0 else len(data)]))
    name = match.group(1).decode('utf-8', 'replace')
    raise InputError('too_many_attributes',
                     f'<{name}> has {count} attributes; feeds are read with at most '
                     f'{MAX_ATTRIBUTES} to an element')


def _string(value) -> Optional[str]:
  """A text field of an entry; feedparser gives a dict for some broken ones."""
  return value if isinstance(value, str) and value else None


def _detail_text(detail) -> tuple:
  """(value, is_html) of a feedparser text construct, or (None, False)."""
  if not detail or not detail.get('value'):
    return None, False
  return detail['value'], 'html' in (detail.get('type') or '')


def _entry_body(entry) -> tuple:
  """The fullest content of an entry: HTML content first, then plain."""
  contents = entry.get('content') or []
  for wanted in ('html', 'plain'):
    for content in contents:
      if wanted in (content.get('type') or '') and content.get('value'):
        return content['value'], wanted == 'html'
  return None, False


def _subjects(entry) -> List[dict]:
  """Categories as subjects: a domain or scheme makes the term a code within it."""
  subjects = []
  for tag in entry.get('tags') or []:
    term, scheme = _string(tag.get('term')), _string(tag.get('scheme'))
    if term:
      subjects.append(metadata.subject(
          metadata.scheme_name(scheme) if scheme else None, term if scheme else None,
          _string(tag.get('label')) or (None if scheme else term)))
  return subjects


def _rights(rights: Optional[str]) -> dict:
  """copyright_holder and usage_terms of a feed's or an item's rights.

  A licence ("Creative Commons Attribution 4.0", "CC BY-SA") names the
  terms of use, not who holds the copyright; a holder is read from a
  copyright line before it ("© 2026 Sample Wire, licensed under CC BY").
  """
  licence = _LICENCE.search(rights) if rights else None
  if not licence:
    return {'copyright_holder': metadata.copyright_holder(rights), 'usage_terms': None}
  words = rights[:licence.start()].split()
  while words and words[-1].strip(',;:.-–—').lower() in _LICENCE_LEAD_WORDS:
    words.pop()
  before = ' '.join(words)
  holder = (metadata.copyright_holder(before)
            if _COPYRIGHT_MARK.match(before) else None)
  return {'copyright_holder': holder, 'usage_terms': rights}


def _renditions(entry) -> List[dict]:
  """media:content, media:thumbnail and enclosures, each once."""
  found = [metadata.rendition(m.get('url'), m.get('medium') or 'content', m.get('type'),
                              m.get('width'), m.get('height'), m.get('filesize'))
           for m in entry.get('media_content') or []]
  found += [metadata.rendition(m.get('url'), 'thumbnail', None, m.get('width'),
                               m.get('height')) for m in entry.get('media_thumbnail') or []]
  found += [metadata.rendition(e.get('href'), 'enclosure', e.get('type'),
                               size_bytes=e.get('length'))
            for e in entry.get('enclosures') or []]
  seen, renditions = set(), []
  for rendition in filter(None, found):
    if rendition['href'] not in seen:
      seen.add(rendition['href'])
      renditions.append(rendition)
  return renditions


def parse_xml_feed(data: bytes, source: str, received_at=None,
                   content_type: Optional[str] = None) -> List[ParsedEntry]:
  """One entry per feed item, with the feed's title, link and language kept."""
  decoded = decode_xml(data, content_type)
  feed_bytes = decoded.text.encode('utf-8')
  refuse_many_attributes(feed_bytes)
  try:
    parsed = feedparser.parse(
        io.BytesIO(feed_bytes),
        response_headers=_UTF8_HEADERS, sanitize_html=True,
        resolve_relative_uris=True)
  except (IndexError, KeyError, TypeError, ValueError, AttributeError) as error:
    # feedparser's loose parser trips over some broken markup (<link><links/>).
    raise InputError('unrecoverable_xml',
                     f'feedparser failed: {type(error).__name__}: {error}') from error
  if not parsed.entries:
    if parsed.bozo:
      raise InputError('unrecoverable_xml',
                       f'not a readable feed: {parsed.get("bozo_exception")}')
    if not parsed.get('version'):
      raise InputError('not_a_feed', 'XML that is not RSS, RDF or Atom')
    return []
  feed = parsed.feed
  feed_language = feed.get('language')
  entries = []
  for position, entry in enumerate(parsed.entries):
    title, title_is_html = _detail_text(entry.get('title_detail'))
    summary, summary_is_html = _detail_text(entry.get('summary_detail'))
    body, body_is_html = _entry_body(entry)
    if body is not None and body == summary:
      summary, summary_is_html = None, False
    detail = entry.get('title_detail') or entry.get('summary_detail') or {}
    parsed_entry = ParsedEntry(
        format=_feed_format(parsed.get('version') or ''), source=source,
        position=position, raw=b'',
        guid=_string(entry.get('id')), link=_string(entry.get('link')),
        title=title, title_is_html=title_is_html,
        summary=summary, summary_is_html=summary_is_html,
        body=body, body_is_html=body_is_html,
        byline=_string(entry.get('author')),
        firstcreated_raw=_string(entry.get('created')) or _string(entry.get('published')),
        versioncreated_raw=(_string(entry.get('updated'))
                            or _string(entry.get('published'))),
        language=detail.get('language') or feed_language or None,
        keywords=[tag['term'] for tag in entry.get('tags') or [] if tag.get('term')],
        feed_title=_string(feed.get('title')), feed_link=_string(feed.get('link')),
        received_at=received_at, charset=decoded.charset, charset_reason=decoded.reason,
        subjects=_subjects(entry), renditions=_renditions(entry),
        **_rights(_string(entry.get('rights')) or _string(feed.get('rights'))))
    entries.append(dataclasses.replace(parsed_entry, raw=single_item_feed(
        entry_as_item(parsed_entry), parsed_entry.feed_title, parsed_entry.feed_link,
        feed_language)))
  return entries
