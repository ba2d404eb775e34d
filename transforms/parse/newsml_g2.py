"""IPTC NewsML-G2: a ``newsItem``, or a ``newsMessage`` carrying several.

Parsed with defusedxml, which refuses entity declarations and external
references before anything is expanded or fetched. A packageItem gives an
entry whose associations are its items; concept, knowledge and planning
items carry no news and give no entries.
"""
import re
from typing import List, Optional
from xml.etree import ElementTree

from transforms.entry import ParsedEntry
from transforms.errors import InputError
from transforms.parse import metadata
from transforms.parse.json_input import small_int
from transforms.parse.nitf import nitf_fields, split_dateline, story_container, story_html
from transforms.parse.xml_tree import (
  HTML_IN_PLAIN_TEXT,
  XML_LANG,
  attribute,
  decoded_text,
  deep_nesting_refused,
  inner_html,
  local,
  parse_document,
  text,
)

NAR = '{http://iptc.org/std/nar/2006-10-01/}'
FORMAT = 'newsml_g2'
# Elements that make an inlineXML without an html or nitf wrapper readable
# as a bare XHTML fragment (rather than SportsML, events or other data).
_HTML_FRAGMENT_TAGS = frozenset({
    'p', 'div', 'section', 'article', 'blockquote', 'pre', 'ul', 'ol', 'dl',
    'table', 'figure', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'br'})
# Concept types (cpnat) that name an entity, by Entity type.
_ENTITY_TYPES = {'person': 'PER', 'organisation': 'ORG', 'organization': 'ORG',
                 'geoArea': 'LOC', 'poi': 'LOC'}
# What separates the names of a subject line opening a body (dpa's).
_SUBJECT_LINE_SEPARATORS = re.compile(r'\s*[/,;|]\s*')
_TAG = re.compile(r'<[^<>]*>')
_FIRST_PARAGRAPH = re.compile(r'^\s*<p\b[^>]*>(.*?)</p>', re.IGNORECASE | re.DOTALL)


def _code_of(qcode: Optional[str]) -> Optional[str]:
  """The code of a qcode: "stat:usable" -> "usable"."""
  return qcode.partition(':')[2] or qcode if qcode else None


def _code(element) -> Optional[str]:
  """The code of an element's qcode, else its uri's last part."""
  if element is None:
    return None
  uri = (element.get('uri') or '').rstrip('/')
  return _code_of(element.get('qcode')) or uri.rpartition('/')[2] or None


def _name(element) -> Optional[str]:
  return text(element.find(NAR + 'name')) if element is not None else None


def _inline_xml(inline):
  """(body HTML, NITF fields) of an inlineXML, keeping its paragraph structure."""
  for node in inline:
    if local(node.tag) == 'nitf':  # its fields hold its body, rendered once
      fields = nitf_fields(node)
      return fields.get('body'), fields
    container = story_container(node)
    if container is not None:
      return story_html(container), {}
  if len(inline) and all(local(c.tag) in _HTML_FRAGMENT_TAGS for c in inline):
    return inner_html(inline), {}
  return None, {}


def _body(content_set):
  """(body, is_html, NITF fields) from the first inlineXML or inlineData with a story.

  text/plain inline data that holds paragraph tags anyway (ANSA's) is read
  as HTML, so that no literal ``<p>`` reaches the text. Inline data is
  decoded as its ``encoding`` says (base64); data that is not text (an
  inline picture, JSON) is no story.
  """
  nitf: dict = {}  # what an NITF without story text (a picture's) says all the same
  for content in content_set if content_set is not None else []:
    name = local(content.tag)
    if name == 'inlineXML':
      body, fields = _inline_xml(content)
      if body:
        return body, True, fields
      nitf = nitf or fields
    elif name == 'inlineData':
      content_type = (content.get('contenttype') or '').lower()
      data = decoded_text(content.text, content.get('encoding'))
      if not (data or '').strip() or (
          content_type and not content_type.startswith('text/') and 'html' not in content_type):
        continue
      is_html = 'html' in content_type or bool(HTML_IN_PLAIN_TEXT.search(data))
      return data, is_html, nitf
  return None, False, nitf


def _renditions(content_set) -> List[dict]:
  """remoteContent: the picture, video or file renditions of the item."""
  found = [metadata.rendition(
      remote.get('href') or remote.get('residref'), _code_of(remote.get('rendition')),
      remote.get('contenttype'), remote.get('width'), remote.get('height'),
      remote.get('size'))
      for remote in (content_set.findall(NAR + 'remoteContent')
                     if content_set is not None else [])]
  return [rendition for rendition in found if rendition]


def _subjects_and_entities(content_meta):
  """(subjects, source entities): people, organisations and places among the subjects."""
  subjects, entities = [], []
  for element in content_meta.findall(NAR + 'subject'):
    qcode, uri, name = element.get('qcode'), element.get('uri'), _name(element)
    entity_type = _ENTITY_TYPES.get(_code_of(element.get('type')) or '')
    if entity_type and name:
      entities.append(metadata.source_entity(entity_type, name, uri or qcode))
    elif qcode or uri or name:
      found = metadata.qcode_subject(qcode, uri, name)
      if any(found.values()):  # a qcode of ":" names nothing
        subjects.append(found)
  return subjects, entities


def _rights(item) -> dict:
  rights = item.find(NAR + 'rightsInfo')
  if rights is None:
    return {}
  holder = rights.find(NAR + 'copyrightHolder')
  return {
      'copyright_holder': (_name(holder) or attribute(holder, 'literal')
                           or metadata.copyright_holder(
                               text(rights.find(NAR + 'copyrightNotice')))),
      'usage_terms': text(rights.find(NAR + 'usageTerms')),
  }


def _links(item_meta) -> List[dict]:
  """itemMeta links to other items (a picture of the story, a previous version)."""
  return [metadata.association(
      attribute(link, 'residref') or attribute(link, 'href'), _code_of(link.get('rel')),
      # The linked item's class (ninat:picture) is its type; else its media type.
      _code(link.find(NAR + 'itemClass')) or link.get('contenttype'), link.get('title'))
      for link in item_meta.findall(NAR + 'link')
      if attribute(link, 'residref') or attribute(link, 'href')]


def _group_items(item) -> List[dict]:
  """A package's itemRefs, each named by its group's role."""
  associations = []
  for group in item.iter(NAR + 'group'):
    for ref in group.findall(NAR + 'itemRef'):
      uri = attribute(ref, 'residref') or attribute(ref, 'href')
      if uri:
        associations.append(metadata.association(
            uri, _code_of(group.get('role')) or group.get('id'),
            _code(ref.find(NAR + 'itemClass')),
            text(ref.find(NAR + 'title')) or text(ref.find(NAR + 'headline'))))
  return associations


def _without_subject_line(body: Optional[str], is_html: bool, names) -> Optional[str]:
  """The body less a first paragraph that only lists the item's subjects (dpa's).

  "Fußball/Bundesliga/Dortmund" before the story repeats the metadata and
  would become the start of the text, and of its dateline.
  """
  if not body or not names:
    return body
  # Read with patterns that cannot backtrack over a long run of blanks or
  # of "<": the first line is found with str methods, tags are "<" to the
  # next "<" or ">", and blanks are collapsed before splitting on separators.
  if is_html:
    match = _FIRST_PARAGRAPH.match(body)
    first = _TAG.sub('', match.group(1)) if match else ''
    end = match.end() if match else None
  else:
    start = len(body) - len(body.lstrip())
    newline = body.find('\n', start)
    first, end = (body[start:newline], newline + 1) if newline >= 0 else ('', None)
  parts = [p.casefold() for p in _SUBJECT_LINE_SEPARATORS.split(' '.join(first.split()))
           if p]
  known = {n.casefold() for n in names}
  if end is not None and len(parts) > 1 and all(part in known for part in parts):
    return body[end:]
  return body


def _headline(content_meta) -> Optional[str]:
  headlines = content_meta.findall(NAR + 'headline')
  main = [h for h in headlines if (h.get('role') or 'main').endswith('main')]
  return text((main or headlines or [None])[0])


def _byline(content_meta) -> Optional[str]:
  creators = [_name(c) for c in content_meta.findall(NAR + 'creator')]
  return (text(content_meta.find(NAR + 'by'))
          or ', '.join(name for name in creators if name) or None)


def _located(content_meta) -> Optional[str]:
  names = (_name(place) for place in content_meta.findall(NAR + 'located'))
  return next((name for name in names if name), None)


def _agency(item_meta, content_meta) -> Optional[str]:
  """The info source's or provider's name, else the provider's host or code."""
  names = [_name(s) for s in content_meta.findall(NAR + 'infoSource')]
  provider = item_meta.find(NAR + 'provider')
  if provider is not None:
    names.append(_name(provider))
    names.append(metadata.uri_host(provider.get('uri')))
    names.append(_code(provider))
  return next((name for name in names if name), None)


def _guid_scope(item_meta) -> str:
  """Who a guid without a scheme is unique within: its provider, never the file.

  The same item read from two folders must keep one uri.
  """
  provider = item_meta.find(NAR + 'provider')
  return (attribute(provider, 'qcode') or attribute(provider, 'uri')
          or attribute(provider, 'literal') or FORMAT)


def _urgency(content_meta) -> Optional[int]:
  return small_int(text(content_meta.find(NAR + 'urgency')) or '')


def _part(item, name: str):
  """A child of the item, or an empty one so that lookups find nothing."""
  part = item.find(NAR + name)
  return part if part is not None else ElementTree.Element(name)


def _entry(item, position: int, raw: bytes, source: str, received_at,
           inherited_language: Optional[str]) -> ParsedEntry:
  item_meta, content_meta = _part(item, 'itemMeta'), _part(item, 'contentMeta')
  content_set = item.find(NAR + 'contentSet')
  body, body_is_html, nitf = _body(content_set)
  language = content_meta.find(NAR + 'language')
  pubstatus = _code(item_meta.find(NAR + 'pubStatus'))
  keywords = [text(k) for k in content_meta.findall(NAR + 'slugline')
              + content_meta.findall(NAR + 'keyword')] + nitf.get('keywords', [])
  subjects, entities = _subjects_and_entities(content_meta)
  genre = content_meta.find(NAR + 'genre')
  members = _group_items(item) if local(item.tag) == 'packageItem' else []
  rights = _rights(item)
  description = text(content_meta.find(NAR + 'description'))
  dateline_place, dateline_agency = split_dateline(text(content_meta.find(NAR + 'dateline')))
  body = _without_subject_line(body, body_is_html, [
      s['name'] for s in subjects if s['name']] + [e['name'] for e in entities]
      + [k for k in keywords if k])
  return ParsedEntry(
      format=FORMAT, source=source, position=position, raw=raw,
      item_type=_code(item_meta.find(NAR + 'itemClass')) or 'text',
      guid=item.get('guid') or None, guid_scope=_guid_scope(item_meta),
      version=item.get('version') or None,
      title=(_headline(content_meta) or nitf.get('title')
             or text(item_meta.find(NAR + 'title'))
             # A package with no title of its own is named by its first item.
             or next((a['headline'] for a in members if a['headline']), None)),
      summary=description or nitf.get('summary'),
      summary_is_html=not description and nitf.get('summary_is_html', False),
      body=body, body_is_html=body_is_html,
      byline=_byline(content_meta) or nitf.get('byline'),
      located=_located(content_meta) or dateline_place or nitf.get('located'),
      agency=_agency(item_meta, content_meta) or dateline_agency or nitf.get('agency'),
      firstcreated_raw=(text(item_meta.find(NAR + 'firstCreated'))
                        or text(content_meta.find(NAR + 'contentCreated'))),
      versioncreated_raw=(text(item_meta.find(NAR + 'versionCreated'))
                          or text(content_meta.find(NAR + 'contentModified'))
                          or nitf.get('versioncreated_raw')),
      language=((language.get('tag') if language is not None else None)
                or item.get(XML_LANG) or inherited_language or nitf.get('language')),
      pubstatus=pubstatus.lower() if pubstatus else nitf.get('pubstatus'),
      urgency=_urgency(content_meta) or nitf.get('urgency'),
      keywords=list(dict.fromkeys(k for k in keywords if k)),
      subjects=subjects + nitf.get('subjects', []),
      genre=_name(genre) or _code(genre),
      embargoed_raw=text(item_meta.find(NAR + 'embargoed')) or nitf.get('embargoed_raw'),
      copyright_holder=rights.get('copyright_holder') or nitf.get('copyright_holder'),
      usage_terms=rights.get('usage_terms') or nitf.get('usage_terms'),
      renditions=_renditions(content_set) + nitf.get('renditions', []),
      associations=_links(item_meta) + members,
      source_entities=entities + nitf.get('source_entities', []),
      received_at=received_at)


# Items that carry news: a story or media (newsItem), or a bundle of them (packageItem).
_NEWS_ITEMS = (NAR + 'newsItem', NAR + 'packageItem')


def parse_newsml_g2(data: bytes, source: str,
                    received_at=None) -> List[ParsedEntry]:
  """One entry per newsItem or packageItem; InputError when the document holds none.

  A package's entry lists its items as associations, each named by its
  group's role. Concept, knowledge and planning items carry no news.
  """
  root, decoded = parse_document(data)
  if root.tag in _NEWS_ITEMS:
    items = [root]
  elif root.tag == NAR + 'newsMessage':
    items = [item for item in root.findall(f'{NAR}itemSet/*') if item.tag in _NEWS_ITEMS]
  else:
    items = []
  if not items:
    raise InputError('no_news_items',
                     f'a {local(root.tag)} holds no NewsML-G2 newsItem or packageItem')
  several = len(items) > 1
  with deep_nesting_refused():
    entries = [
        _entry(item, position,
               ElementTree.tostring(item, encoding='utf-8') if several else data,
               source, received_at, root.get(XML_LANG))
        for position, item in enumerate(items)]
  for entry in entries:
    entry.charset, entry.charset_reason = decoded.charset, decoded.reason
  return entries
