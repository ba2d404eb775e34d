"""Recognises an input's format from its content, never from its name.

What is recognised but cannot become news items (a PDF, an image, an
Office document, a CSV table, a README) is refused with an
``unsupported_format`` reason naming it, never read as wire copy.
"""
import csv
import io
import itertools
import json
import re
from typing import Optional

from transforms.errors import InputError
from transforms.text import decode_text, unicode_encoding

WIRE_TEXT = 'wire_text'
XML_FEED = 'xml_feed'
JSON_FEED = 'json_feed'
NINJS = 'ninjs'
NEWSML_G2 = 'newsml_g2'
NEWSML1 = 'newsml1'
NITF = 'nitf'
IPTC_7901 = 'iptc7901'
ANPA_1312 = 'anpa1312'
EMAIL = 'email'
UNSUPPORTED_FORMAT = 'unsupported_format'

# Binary formats by their first bytes: (signature, offset, what it is).
_MAGIC_NUMBERS = (
    (b'%PDF-', 0, 'a PDF document'),
    (b'\x89PNG\r\n\x1a\n', 0, 'a PNG image'),
    (b'\xff\xd8\xff', 0, 'a JPEG image'),
    (b'GIF87a', 0, 'a GIF image'), (b'GIF89a', 0, 'a GIF image'),
    (b'II*\x00', 0, 'a TIFF image'), (b'MM\x00*', 0, 'a TIFF image'),
    (b'WEBPVP8', 8, 'a WebP image'),
    (b'\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1', 0, 'an old Microsoft Office document (OLE2)'),
    (b'{\\rtf', 0, 'an RTF document'),
    (b'PK\x03\x04', 0, 'a zip-based document (Office, OpenDocument or EPUB), or a zip '
     'not read from a file (only files are unpacked)'),
    (b'\x1f\x8b', 0, 'a gzip file not read from a file (only files are unpacked)'),
    (b'1AY&SY', 4, 'a bzip2 file'), (b'\xfd7zXZ\x00', 0, 'an xz file'),
    (b"7z\xbc\xaf'\x1c", 0, 'a 7-Zip archive'), (b'Rar!\x1a\x07', 0, 'a RAR archive'),
    (b'ustar', 257, 'a tar archive'),
    (b'ID3\x03', 0, 'an MP3 audio file'), (b'ID3\x04', 0, 'an MP3 audio file'),
    (b'ftyp', 4, 'an MP4 or QuickTime media file'),
    (b'\x7fELF', 0, 'an executable (ELF)'),
)
# ANPA-1312: SYN SYN SOH, then a service level letter, a story number, US;
# with the control characters stripped, "W2870asian" then "r i BC-slug".
_ANPA_HEADER = re.compile(
    r'^(?:\x16*\x01[A-Za-z]\d{4}\x1f|[A-Za-z]\d{4} ?[\w-]*\r?\n[A-Za-z] [A-Za-z] *[\x11-\x14]* \S)')
# IPTC 7901: (SOH) source letters and message number, priority, category and
# word count, as in "eca062 4 i 211 ccccb dpa 061".
_IPTC_7901_HEADER = re.compile(
    r'^(?:\x16*\x01\s*)?[A-Za-z]{1,6}\d{1,5} [0-9] [A-Za-z]{1,3} \d{1,5}\b')
# E-mail: RFC 5322 header fields (no space in the name), or an mbox "From " line.
_HEADER_FIELD = re.compile(r'^([!-9;-~]+):')
_MAIL_FIELDS = frozenset({
    'from', 'to', 'cc', 'subject', 'date', 'message-id', 'mime-version', 'received',
    'return-path', 'delivered-to', 'reply-to', 'sender', 'content-type', 'x-mailer',
    'in-reply-to', 'references', 'dkim-signature', 'authentication-results'})
_MAIL_SENDER_FIELDS = frozenset({'from', 'sender', 'received', 'return-path', 'delivered-to'})
# A start tag as XML writes it: attributes have values, in quotes.
_START_TAG = re.compile(
    r'<(?P<name>[A-Za-z_][\w.-]*(?::[\w.-]+)?)'
    r'(?P<attributes>(?:\s+[\w.:-]+\s*=\s*(?:"[^"<]*"|\'[^\'<]*\'))*)\s*(?P<end>/?>)')
# A wire headline is one line, shorter than a paragraph of prose.
MAX_HEADLINE_CHARS = 300
# Markdown or reStructuredText: a heading first ("# Title", or a title
# underlined), or a code fence or directive near the top.
_MARKUP_HEADING = re.compile(r'^#{1,6} \S')
_MARKUP_UNDERLINE = re.compile(r'^(?:={3,}|-{3,})\s*$')
_MARKUP_BLOCK = re.compile(r'^(?:```|~~~|\.\. [\w-]+::)')
# A project's documents, told by their title line (one of the first three):
# "README file (v 1.3)", "LICENSE", "MIT License", "GNU GENERAL PUBLIC LICENSE".
_DOCUMENT_TITLE = re.compile(
    r'^(?:(?:README|LICEN[CS]E|COPYING|CHANGELOG|NOTICE|AUTHORS)(?:\.\w+)?(?:\s+file\b.*)?'
    r'|(?:MIT|BSD|ISC|Apache|Mozilla|GNU)[\w .-]{0,40}Licen[cs]e(?:,? Version [\d.]+)?)$',
    re.IGNORECASE)
_TABLE_DELIMITERS = (',', ';', '\t', '|')
_TABLE_SAMPLE_CHARS = 65536
_TABLE_ROWS = 5
# A column name: a word or a few, as spreadsheets and dumps name columns.
_FIELD_NAME = re.compile(r'^[^\W\d][\w .()/-]{0,39}$')

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
  """One of the format names above; raises InputError for empty input and
  for inputs recognised as something that holds no news items."""
  binary = next((name for magic, offset, name in _MAGIC_NUMBERS
                 if data[offset:offset + len(magic)] == magic), None)
  if binary:
    raise InputError(UNSUPPORTED_FORMAT, f'{binary}, not a news format')
  text = _head_text(data).lstrip('\ufeff \t\r\n')
  if not text:
    raise InputError('empty_input', 'the input is empty')
  if _ANPA_HEADER.match(text):
    return ANPA_1312
  if _IPTC_7901_HEADER.match(text):
    return IPTC_7901
  if text[0] in '{[':
    return JSON_FEED if _JSON_FEED_VERSION.search(text) else NINJS
  if text[0] == '<' and is_xml(text):
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
  if is_email(text):
    return EMAIL
  # Judged on the whole text in its own charset: UTF-8 would drop a KOI8-R headline.
  decoded = decode_text(data).text
  if not decoded.strip():
    raise InputError('empty_input', 'the input holds only spaces and control characters')
  refusal = not_wire_copy(decoded)
  if refusal:
    raise InputError(UNSUPPORTED_FORMAT, refusal)
  return WIRE_TEXT


def is_xml(text: str) -> bool:
  """Whether text starting with '<' is XML, not wire copy that starts with a bracket.

  Reuters marks company names in brackets: ``<VICEROY RESOURCE CORP> DETAILS
  GOLD ASSAYS`` is no start tag (attributes have values), and ``<IBM> UPS
  DIVIDEND`` is one, but followed by text and never closed.
  """
  if text.startswith(('<?', '<!')):
    return True
  tag = _START_TAG.match(text)
  if not tag:
    return False
  if tag['attributes'] or tag['end'] == '/>':
    return True
  return text[tag.end():].lstrip()[:1] in ('<', '') or f'</{tag["name"]}' in text


def is_email(text: str) -> bool:
  """Whether the text opens with the header of an e-mail (RFC 5322).

  Every line up to the first blank one is a header field or its folded
  continuation, with at least two fields of e-mail and one naming a sender
  or a relay; an mbox file's "From " line may come first.
  """
  lines = text.split('\n', 200)[:200]
  if lines and lines[0].startswith('From '):
    lines = lines[1:]
  names = []
  for line in lines:
    if not line.strip():
      break
    if line[:1] in ' \t':
      if not names:
        return False
      continue
    field = _HEADER_FIELD.match(line)
    if not field:
      return False
    names.append(field.group(1).lower())
  known = {name for name in names if name in _MAIL_FIELDS}
  return len(known) >= 2 and bool(known & _MAIL_SENDER_FIELDS)


def not_wire_copy(text: str) -> Optional[str]:
  """Why text is not plain-text wire copy (a headline line, then a body); None if it is."""
  lines = [line.strip() for line in text.splitlines() if line.strip()]
  if _is_table(text.lstrip()):
    return 'a CSV or other delimited table, not a news format'
  if (_MARKUP_HEADING.match(lines[0]) or (len(lines) > 1 and _MARKUP_UNDERLINE.match(lines[1]))
      or any(_MARKUP_BLOCK.match(line) for line in lines[:40])):
    return 'a Markdown or reStructuredText document, not wire copy'
  title = next((line for line in lines[:3] if _DOCUMENT_TITLE.match(line)), None)
  if title:
    return f'a project document ({title!r}: a README or a licence), not wire copy'
  if len(lines[0]) > MAX_HEADLINE_CHARS:
    return (f'plain text whose first line has {len(lines[0])} characters: prose, not '
            f'wire copy (a headline of at most {MAX_HEADLINE_CHARS}, then a body)')
  if len(lines) < 2:
    return 'one line of plain text with no body: not wire copy (a headline, then a body)'
  return None


def _is_table(text: str) -> bool:
  """A header row of three names or more, then rows with as many fields.

  Read as CSV, so that a quoted field may hold delimiters and line breaks
  (a news dump's text column); the last row read may be cut short. Wire
  copy has no such header: a headline with commas is phrases, mostly of
  several words ("Oil falls, stocks rise, dollar steady"), not names.
  """
  for delimiter in _TABLE_DELIMITERS:
    sample = io.StringIO(text[:_TABLE_SAMPLE_CHARS], newline='')
    try:
      rows = list(itertools.islice(csv.reader(sample, delimiter=delimiter), _TABLE_ROWS + 1))
    except csv.Error:  # a NUL or a lone quote mid-field: not a table we can read
      continue
    header, records = rows[0] if rows else [], rows[1:_TABLE_ROWS + 1]
    names = [name.strip() for name in header]
    if (len(names) >= 3 and all(_FIELD_NAME.match(name) for name in names)
        and sum(' ' in name for name in names) <= len(names) // 2
        and records and len(records[0]) == len(header)
        and all(len(record) == len(header) for record in records[:-1])):
      return True
  return False
