"""IPTC NewsML-G2: a ``newsItem``, or a ``newsMessage`` carrying several.

Parsed with defusedxml, which refuses entity declarations and external
references before anything is expanded or fetched. Package, concept,
knowledge and planning items carry no story text and give no entries.
"""
import html
import urllib.parse
from typing import List, Optional
from xml.etree import ElementTree

import defusedxml
from defusedxml import ElementTree as SafeElementTree

from transforms.entry import ParsedEntry
from transforms.errors import InputError
from transforms.parse.json_input import small_int
from transforms.parse.xml_feed import decode_xml

NAR = '{http://iptc.org/std/nar/2006-10-01/}'
_XML_LANG = '{http://www.w3.org/XML/1998/namespace}lang'
# Elements that make an inlineXML without an html or nitf wrapper readable
# as a bare XHTML fragment (rather than SportsML, events or other data).
_HTML_FRAGMENT_TAGS = frozenset({
    'p', 'div', 'section', 'article', 'blockquote', 'pre', 'ul', 'ol', 'dl',
    'table', 'figure', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'br'})


def _local(tag: str) -> str:
  return tag.rpartition('}')[2]


def _child(element, name: str):
  """The first child with this local name, whatever its namespace."""
  if element is None:
    return None
  return next((c for c in element if _local(c.tag) == name), None)


def _text(element) -> Optional[str]:
  if element is None:
    return None
  return ''.join(element.itertext()).strip() or None


def _code(element) -> Optional[str]:
  """The code of a qcode ("stat:usable" -> "usable"), else its uri's last part."""
  if element is None:
    return None
  qcode = element.get('qcode')
  if qcode:
    return qcode.partition(':')[2] or qcode
  uri = (element.get('uri') or '').rstrip('/')
  return uri.rpartition('/')[2] or None


def _name(element) -> Optional[str]:
  return _text(element.find(NAR + 'name')) if element is not None else None


def _without_namespaces(element):
  """A copy whose tags and attribute names are local, as HTML expects."""
  copy = ElementTree.Element(
      _local(element.tag), {_local(k): v for k, v in element.attrib.items()})
  copy.text, copy.tail = element.text, element.tail
  copy.extend([_without_namespaces(child) for child in element])
  return copy


def _inner_html(element) -> Optional[str]:
  markup = html.escape(element.text or '', quote=False) + ''.join(
      ElementTree.tostring(_without_namespaces(child), encoding='unicode',
                           method='html')
      for child in element)
  return markup if markup.strip() else None


def _story_container(element):
  """The element whose children are the story: XHTML body, NITF body.content."""
  name = _local(element.tag)
  if name == 'html':
    return _child(element, 'body')
  if name == 'nitf':
    return _child(_child(element, 'body'), 'body.content')
  return element if name in ('body', 'body.content') else None


def _inline_xml_html(inline) -> Optional[str]:
  """The story of an inlineXML as HTML, keeping its paragraph structure."""
  for child in inline:
    container = _story_container(child)
    if container is not None:
      return _inner_html(container)
  if len(inline) and all(_local(c.tag) in _HTML_FRAGMENT_TAGS for c in inline):
    return _inner_html(inline)
  return None


def nitf_body_html(markup: str) -> Optional[str]:
  """The body.content of an NITF document as HTML, or None if unreadable.

  ninjs 3 carries NITF as a string body; its body.head repeats the headline
  and byline, which do not belong in the body text.
  """
  try:
    root = SafeElementTree.fromstring(markup)
    container = _story_container(root)
    return _inner_html(container) if container is not None else None
  except (SafeElementTree.ParseError, defusedxml.DefusedXmlException,
          RecursionError, UnicodeError):
    return None


def _body(content_set):
  """(body, is_html) from the first inlineXML or inlineData with a story."""
  for content in content_set if content_set is not None else []:
    name = _local(content.tag)
    if name == 'inlineXML':
      body = _inline_xml_html(content)
      if body:
        return body, True
    elif name == 'inlineData' and (content.text or '').strip():
      return content.text, 'html' in (content.get('contenttype') or '')
  return None, False


def _headline(content_meta) -> Optional[str]:
  headlines = content_meta.findall(NAR + 'headline')
  main = [h for h in headlines if (h.get('role') or 'main').endswith('main')]
  return _text((main or headlines or [None])[0])


def _byline(content_meta) -> Optional[str]:
  creators = [_name(c) for c in content_meta.findall(NAR + 'creator')]
  return (_text(content_meta.find(NAR + 'by'))
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
    names.append(urllib.parse.urlsplit(provider.get('uri') or '').hostname)
    names.append(_code(provider))
  return next((name for name in names if name), None)


def _urgency(content_meta) -> Optional[int]:
  return small_int(_text(content_meta.find(NAR + 'urgency')) or '')


def _part(item, name: str):
  """A child of the newsItem, or an empty one so that lookups find nothing."""
  part = item.find(NAR + name)
  return part if part is not None else ElementTree.Element(name)


def _entry(item, position: int, raw: bytes, source: str, received_at,
           inherited_language: Optional[str]) -> ParsedEntry:
  item_meta, content_meta = _part(item, 'itemMeta'), _part(item, 'contentMeta')
  body, body_is_html = _body(item.find(NAR + 'contentSet'))
  language = content_meta.find(NAR + 'language')
  pubstatus = _code(item_meta.find(NAR + 'pubStatus'))
  keywords = [_text(k) for k in content_meta.findall(NAR + 'slugline')
              + content_meta.findall(NAR + 'keyword')]
  return ParsedEntry(
      format='newsml_g2', source=source, position=position, raw=raw,
      item_type=_code(item_meta.find(NAR + 'itemClass')) or 'text',
      guid=item.get('guid') or None, version=item.get('version') or None,
      title=_headline(content_meta),
      summary=_text(content_meta.find(NAR + 'description')),
      body=body, body_is_html=body_is_html,
      byline=_byline(content_meta), located=_located(content_meta),
      agency=_agency(item_meta, content_meta),
      firstcreated_raw=(_text(item_meta.find(NAR + 'firstCreated'))
                        or _text(content_meta.find(NAR + 'contentCreated'))),
      versioncreated_raw=(_text(item_meta.find(NAR + 'versionCreated'))
                          or _text(content_meta.find(NAR + 'contentModified'))),
      language=((language.get('tag') if language is not None else None)
                or item.get(_XML_LANG) or inherited_language),
      pubstatus=pubstatus.lower() if pubstatus else None,
      urgency=_urgency(content_meta),
      keywords=list(dict.fromkeys(k for k in keywords if k)),
      received_at=received_at)


def _parse_xml(data: bytes):
  try:
    return SafeElementTree.fromstring(data)
  except defusedxml.DefusedXmlException as error:
    raise InputError('xml_entities_forbidden',
                     f'entities and external references are refused: {error}') from error
  except SafeElementTree.ParseError as error:
    raise InputError('unrecoverable_xml', f'not well-formed XML: {error}') from error


def parse_newsml_g2(data: bytes, source: str,
                    received_at=None) -> List[ParsedEntry]:
  """One entry per newsItem; raises InputError when the document holds none.

  Decoded as feeds are (``decode_xml``), so that every format reads charsets
  alike: expat trusted the declaration, and knew no UTF-32.
  """
  decoded = decode_xml(data)
  root = _parse_xml(decoded.text.encode('utf-8'))
  if root.tag == NAR + 'newsItem':
    items = [root]
  elif root.tag == NAR + 'newsMessage':
    items = root.findall(f'{NAR}itemSet/{NAR}newsItem')
  else:
    items = []
  if not items:
    raise InputError('no_news_items',
                     f'a {_local(root.tag)} holds no NewsML-G2 newsItem')
  several = len(items) > 1
  try:
    entries = [
        _entry(item, position,
               ElementTree.tostring(item, encoding='utf-8') if several else data,
               source, received_at, root.get(_XML_LANG))
        for position, item in enumerate(items)]
  except RecursionError:
    raise InputError('unrecoverable_xml', 'XML nested too deeply to read') from None
  for entry in entries:
    entry.charset, entry.charset_reason = decoded.charset, decoded.reason
  return entries
