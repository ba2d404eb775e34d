"""Recognises an input's format from its content, never from its name."""
import json
import re

from transforms.errors import InputError
from transforms.text import unicode_encoding

WIRE_TEXT = 'wire_text'
XML_FEED = 'xml_feed'
JSON_FEED = 'json_feed'
NINJS = 'ninjs'
NEWSML_G2 = 'newsml_g2'
NEWSML1 = 'newsml1'
NITF = 'nitf'

_NEWSML_G2_ROOTS = frozenset({
    'newsItem', 'newsMessage', 'packageItem', 'conceptItem', 'conceptSet',
    'knowledgeItem', 'planningItem', 'catalogItem'})
# NewsML 1.x's root is NewsML; some deliver a bare NewsItem (G2's is newsItem).
_NEWSML1_ROOTS = frozenset({'NewsML', 'NewsItem'})
_JSON_FEED_VERSION = re.compile(r'"version"\s*:\s*"https://jsonfeed\.org/version/')
# The first element after the prolog (declaration, comments, DOCTYPE, PIs).
_ROOT_ELEMENT = re.compile(
    r'^(?:\s|<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]|\[.*?\])*>)*<(?:[\w.-]+:)?([\w.-]+)',
    re.DOTALL)


def _head_text(data: bytes) -> str:
  """The first few kilobytes as text, good enough to see the root element.

  UTF-16 and UTF-32 are told by a byte-order mark, else by where the NULs of
  the first characters fall (XML's '<?', JSON's RFC 8259 rule); anything
  else is read as UTF-8, enough for the ASCII of markup and JSON.
  """
  head = data[:8192]
  found = unicode_encoding(head)
  if found:
    codec, _, start = found
    return head[start:].decode(codec, errors='ignore')
  codec = json.detect_encoding(head)
  if codec != 'utf-8':
    text = head.decode(codec, errors='ignore')
    if text.lstrip()[:1] in ('<', '{', '['):
      return text
  return head.decode('utf-8', errors='ignore')


def detect_format(data: bytes) -> str:
  """One of the format names above; raises InputError for empty input."""
  text = _head_text(data).lstrip('\ufeff \t\r\n')
  if not text:
    raise InputError('empty_input', 'the input is empty')
  if text[0] in '{[':
    return JSON_FEED if _JSON_FEED_VERSION.search(text) else NINJS
  if text[0] == '<':
    match = _ROOT_ELEMENT.match(text)
    root = match.group(1) if match else ''
    if root in _NEWSML_G2_ROOTS:
      return NEWSML_G2
    if root in _NEWSML1_ROOTS:
      return NEWSML1
    if root == 'nitf':
      return NITF
    if root.lower() == 'html':
      raise InputError('not_a_feed', 'an HTML page, not a feed or news item')
    return XML_FEED
  return WIRE_TEXT
