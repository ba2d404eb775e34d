"""Element-tree helpers shared by the XML news formats (NewsML-G2, NewsML 1.x, NITF).

The formats come with and without namespaces (NITF has had three), so
children are looked up by local name. Documents are parsed with
defusedxml, which refuses entity declarations and external references
before anything is expanded or fetched.
"""
import base64
import binascii
import contextlib
import html
import re
from typing import List, Optional
from xml.etree import ElementTree

import defusedxml
from defusedxml import ElementTree as SafeElementTree

from transforms.errors import InputError
from transforms.parse.xml_feed import decode_xml
from transforms.text import Decoded

XML_LANG = '{http://www.w3.org/XML/1998/namespace}lang'
# Markup that text labelled plain carries all the same (ANSA's, ANA's <p>).
HTML_IN_PLAIN_TEXT = re.compile(r'</?(?:p|br|div)\b[^<>]*>', re.IGNORECASE)


def local(tag) -> str:
  """A tag without its namespace; '' for comments and processing instructions."""
  return tag.rpartition('}')[2] if isinstance(tag, str) else ''


def child(element, name: str):
  """The first child with this local name, whatever its namespace."""
  if element is None:
    return None
  return next((c for c in element if local(c.tag) == name), None)


def children(element, name: str) -> List:
  """Every child with this local name, in document order."""
  return [] if element is None else [c for c in element if local(c.tag) == name]


def path(element, *names: str):
  """The element reached by following children of these local names, or None."""
  for name in names:
    element = child(element, name)
  return element


def text(element) -> Optional[str]:
  """All the text inside an element, stripped; None when there is none."""
  if element is None:
    return None
  return ''.join(element.itertext()).strip() or None


# Inline elements that may sit inside a word.
_INLINE = frozenset({'em', 'a', 'q', 'lang', 'pronounce', 'b', 'i', 'strong', 'span',
                     'sup', 'sub', 'u'})


def spaced_text(element, skipped=frozenset()) -> Optional[str]:
  """The text inside an element, blanks collapsed, leaving out children of the skipped names.

  Words that only markup separates are kept apart: NITF writes
  ``<city>WASHINGTON</city><country>USA</country>`` and
  ``By JANE DOE<byttl>AP Writer</byttl>`` with nothing between them.
  Inline emphasis (``em``, ``a``...) is no separation: it may split a word.
  """
  if element is None:
    return None
  pieces: List[str] = []
  separate = False  # an element boundary since the last text

  def add(piece: str):
    nonlocal separate
    if not piece:
      return
    if separate and pieces and pieces[-1][-1:].isalnum() and piece[:1].isalnum():
      pieces.append(' ')
    pieces.append(piece)
    separate = False

  def walk(node):
    nonlocal separate
    add(node.text or '')
    for item in node:
      name = local(item.tag)
      if name and name not in skipped:
        separate = separate or name not in _INLINE
        walk(item)
        separate = separate or name not in _INLINE
      add(item.tail or '')

  walk(element)
  return ' '.join(''.join(pieces).split()) or None


def decoded_text(content: Optional[str], encoding: Optional[str]) -> Optional[str]:
  """Text as an element carries it: as is, base64 decoded, or None when not readable.

  A payload base64 decoding cannot read, that is not UTF-8 text once
  decoded, or in another encoding (compressed, binary) is no text.
  """
  encoding = (encoding or '').strip().lower()
  if not encoding or encoding in ('none', 'xml', 'text', '8bit', '7bit', 'binary'):
    return content
  if encoding != 'base64':
    return None
  try:
    return base64.b64decode(''.join((content or '').split()), validate=True).decode('utf-8')
  except (binascii.Error, ValueError):
    return None


def pruned(element, names):
  """A copy of an element less its descendants of these local names."""
  copy = ElementTree.Element(element.tag, element.attrib)
  copy.text, copy.tail = element.text, element.tail
  # A list, not a generator: Element.extend would turn a RecursionError
  # raised inside a generator into a TypeError.
  copy.extend([pruned(node, names) for node in element if local(node.tag) not in names])
  return copy


def attribute(element, name: str) -> Optional[str]:
  """A non-blank attribute value, stripped."""
  if element is None:
    return None
  return (element.get(name) or '').strip() or None


def _without_namespaces(element):
  """A copy whose tags and attribute names are local, as HTML expects."""
  copy = ElementTree.Element(
      local(element.tag), {local(k): v for k, v in element.attrib.items()})
  copy.text, copy.tail = element.text, element.tail
  copy.extend([_without_namespaces(c) for c in element if local(c.tag)])
  return copy


def inner_html(element) -> Optional[str]:
  """The content of an element as HTML, its own tag left out; None when blank."""
  if element is None:
    return None
  markup = html.escape(element.text or '', quote=False) + ''.join(
      ElementTree.tostring(_without_namespaces(c), encoding='unicode', method='html')
      for c in element if local(c.tag))
  return markup if markup.strip() else None


def parse_element(text_or_bytes):
  """The root element of a document; InputError when unsafe or not well-formed."""
  try:
    return SafeElementTree.fromstring(text_or_bytes)
  except defusedxml.DefusedXmlException as error:
    raise InputError('xml_entities_forbidden',
                     f'entities and external references are refused: {error}') from error
  except SafeElementTree.ParseError as error:
    raise InputError('unrecoverable_xml', f'not well-formed XML: {error}') from error


def parse_document(data: bytes):
  """(root, Decoded) of XML bytes, decoded as feeds are (``decode_xml``).

  Every format thus reads charsets alike: expat trusted the declaration,
  and knew no UTF-32.
  """
  decoded: Decoded = decode_xml(data)
  return parse_element(decoded.text.encode('utf-8')), decoded


@contextlib.contextmanager
def deep_nesting_refused():
  """Reading a tree is recursive: one nested too deeply for Python's stack is
  an ``unrecoverable_xml`` dead letter, not an internal error."""
  try:
    yield
  except RecursionError:
    raise InputError('unrecoverable_xml', 'XML nested too deeply to read') from None
