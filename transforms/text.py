"""Text clean-up shared by every input format: charset, HTML, Unicode, spaces."""
import codecs
import html.parser
import re
import sys
import unicodedata
from typing import List, NamedTuple, Optional, Tuple

import charset_normalizer

from transforms.errors import InputError

# Elements whose end starts a new paragraph in the plain-text rendering.
_BLOCK_TAGS = frozenset({
    'address', 'article', 'aside', 'blockquote', 'br', 'dd', 'div', 'dl', 'dt',
    'figcaption', 'figure', 'footer', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6',
    'header', 'hl1', 'hl2', 'hr', 'li', 'ol', 'p', 'pre', 'section', 'table',
    'td', 'th', 'tr', 'ul', 'body.content', 'block'
})
# Elements whose content is never text a reader sees.
_SKIPPED_TAGS = frozenset({'script', 'style', 'head', 'noscript', 'template'})

# Format characters (Unicode category Cf) are invisible, and some hide or
# reorder what a reader sees: bidi overrides and marks (the Arabic letter
# mark too), zero-width spaces, the BOM, soft hyphens, tag characters. All
# of them are removed, taken from the Unicode database so that none is
# missed, except these ranges, which a script needs to be written:
KEPT_FORMAT_CHARS = (
    (0x200C, 0x200D),  # ZWNJ and ZWJ: Persian, Indic scripts, emoji sequences
    # Prepended concatenation marks, visible signs over the digits that
    # follow (Arabic number sign, end of ayah, Syriac abbreviation mark).
    (0x0600, 0x0605), (0x06DD, 0x06DD), (0x070F, 0x070F), (0x0890, 0x0891),
    (0x08E2, 0x08E2), (0x110BD, 0x110BD), (0x110CD, 0x110CD),
    (0x180E, 0x180E),  # Mongolian vowel separator: shapes the vowel after it
    (0x13430, 0x1345F),  # Egyptian hieroglyph format controls: build quadrats
    (0x1BCA0, 0x1BCA3),  # Duployan shorthand format controls
    (0x1D173, 0x1D17A),  # musical notation: beams, ties, slurs, phrases
)
# Tag characters are kept only in an emoji tag sequence, which is how the
# flags of England, Scotland and Wales are written: a black flag, a
# subdivision code (region and suffix) in tag letters and digits, a cancel tag.
_TAG_ALNUM = '[\U000E0030-\U000E0039\U000E0061-\U000E007A]'
EMOJI_TAG_SEQUENCE = (
    f'\U0001F3F4(?:[\U000E0061-\U000E007A]{{2}}|[\U000E0030-\U000E0039]{{3}})'
    f'{_TAG_ALNUM}{{1,4}}\U000E007F')


# The removed format characters of the Unicode database this constant was
# taken from, as a regex character class's ranges (scanning the database,
# 1.1 million code points, costs 0.4 s at every start); another database
# version is scanned instead (``removed_format_chars``).
_REMOVED_FORMAT_CHARS = {
    '14.0.0': ('\xad\u061c\u200b\u200e-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f'
               '\ufeff\ufff9-\ufffb\U000e0001\U000e0020-\U000e007f'),
}


def removed_format_chars(unidata_version: str = unicodedata.unidata_version) -> str:
  """Every Cf character but the kept ones, as ranges of a regex character class."""
  return _REMOVED_FORMAT_CHARS.get(unidata_version) or scan_format_chars()


def scan_format_chars() -> str:
  """``removed_format_chars`` from the Unicode database itself."""
  kept = {code for first, last in KEPT_FORMAT_CHARS for code in range(first, last + 1)}
  ranges: List[List[int]] = []
  for code in range(sys.maxunicode + 1):
    if code in kept or unicodedata.category(chr(code)) != 'Cf':
      continue
    if ranges and ranges[-1][1] == code - 1:
      ranges[-1][1] = code
    else:
      ranges.append([code, code])
  return ''.join(chr(first) if first == last else f'{chr(first)}-{chr(last)}'
                 for first, last in ranges)


# C0/C1 controls, lone surrogates, noncharacters and format characters,
# which carry no meaning in plain text; an emoji tag sequence is matched as
# a whole first, to be put back. Newlines and tabs are whitespace and are
# handled by the whitespace rules instead.
_UNWANTED_CHARS = re.compile(
    f'({EMOJI_TAG_SEQUENCE})|'
    f'[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff'
    f'{removed_format_chars()}]')
_HORIZONTAL_SPACE = re.compile(r'[^\S\n]+')
_TAG = re.compile(r'<[^>]*>?')
_PARAGRAPH_BREAK = re.compile(r'\n\s*\n')
_LINE_BREAK = re.compile(r'\s*\n\s*')


class _TextExtractor(html.parser.HTMLParser):
  """Collects the visible text of an HTML fragment, one paragraph per block."""
  def __init__(self):
    super().__init__(convert_charrefs=True)
    self.parts: List[str] = []
    self._skip_depth = 0

  def handle_starttag(self, tag, attrs):
    if tag in _SKIPPED_TAGS:
      self._skip_depth += 1
    elif tag in _BLOCK_TAGS:
      self.parts.append('\n\n')

  def handle_startendtag(self, tag, attrs):
    if tag in _BLOCK_TAGS:
      self.parts.append('\n\n')

  def handle_endtag(self, tag):
    if tag in _SKIPPED_TAGS:
      self._skip_depth = max(0, self._skip_depth - 1)
    elif tag in _BLOCK_TAGS:
      self.parts.append('\n\n')

  def handle_data(self, data):
    if not self._skip_depth:
      # Newlines inside HTML source are layout, not paragraph breaks.
      self.parts.append(data.replace('\n', ' '))


def html_to_text(markup: str) -> str:
  """Renders HTML as clean text, keeping paragraph breaks and decoding entities."""
  extractor = _TextExtractor()
  try:
    extractor.feed(markup)
    extractor.close()
  except AssertionError:
    # html.parser asserts on malformed marked sections ("<![foo]>"): keep
    # the text read so far, and the rest with its tags stripped.
    return clean_text(''.join(extractor.parts) + ' ' + _TAG.sub(' ', extractor.rawdata))
  return clean_text(''.join(extractor.parts))


def clean_text(text: Optional[str]) -> str:
  """NFC, no control or invisible format characters, collapsed whitespace.

  Plain text is taken as it is written: entities are decoded once, by
  ``html_to_text``, for fields that are HTML ("AT&amp;amp;T" is "AT&amp;T").

  Paragraphs are separated by one blank line; single newlines inside a
  paragraph are kept as line breaks (wire copy uses them between paragraphs).
  """
  if not text:
    return ''
  text = text.replace('\r\n', '\n').replace('\r', '\n').replace('\t', ' ')
  text = text.replace('\u2028', '\n').replace('\u2029', '\n\n').replace('\xa0', ' ')
  # Unwanted characters go before NFC, which must see "e" and its accent side by side.
  text = unicodedata.normalize('NFC', _UNWANTED_CHARS.sub(r'\1', text))
  text = _HORIZONTAL_SPACE.sub(' ', text)
  paragraphs = (_LINE_BREAK.sub('\n', p).strip()
                for p in _PARAGRAPH_BREAK.split(text))
  return '\n\n'.join(p for p in paragraphs if p)


def render_text(text: Optional[str], is_html: bool) -> str:
  """Clean text from a source field that may hold HTML."""
  return html_to_text(text) if is_html and text else clean_text(text)


def one_line(text: Optional[str]) -> str:
  """Clean text on a single line, as headlines and bylines should be."""
  return ' '.join(clean_text(text).split())


# At most one invalid byte in this many for UTF-8 to be repaired, not refused.
MAX_INVALID_UTF8_SHARE = 1000
_BOMS = (
    (codecs.BOM_UTF32_LE, 'utf-32-le'), (codecs.BOM_UTF32_BE, 'utf-32-be'),
    (codecs.BOM_UTF8, 'utf-8'), (codecs.BOM_UTF16_LE, 'utf-16-le'),
    (codecs.BOM_UTF16_BE, 'utf-16-be'))
# XML 1.0, Appendix F: without a byte-order mark, the first characters of an
# XML document ('<', '<?') show UTF-32 or UTF-16 and their byte order.
_XML_PATTERNS = (
    (b'\x00\x00\x00<', 'utf-32-be'), (b'<\x00\x00\x00', 'utf-32-le'),
    (b'\x00<\x00?', 'utf-16-be'), (b'<\x00?\x00', 'utf-16-le'))
# Detection is tried from this many non-ASCII bytes (about a sentence; less
# is too easily read in another script), and only when Windows-1252 does not
# read them as plausible text (Latin text, which many single-byte charsets
# share, stays with the fallback). Its answer is trusted at most at this
# "chaos" (charset-normalizer's share of implausible characters), and when
# the nearest candidate that reads the bytes differently is clearly worse:
# more chaos, or less coherence (how much the letters look like a language).
MIN_DETECTION_BYTES = 64
MAX_WINDOWS_1252_CHAOS = 0.2
MAX_DETECTION_CHAOS = 0.1
MIN_CHAOS_MARGIN = 0.01
MIN_COHERENCE_MARGIN = 0.02
# Codecs whose ASCII is not ASCII (EBCDIC) or that read escapes in it
# ("+ADw-" is "<" in UTF-7; "~{" shifts HZ, ESC $ B ISO-2022-JP) are never
# a detection's answer.
_ASCII_PROBE = (bytes(range(0x20, 0x7f)) + b'\t\n\r ~{ ~} +- +ADw- \x1b$B').decode('ascii')
_ASCII_BYTES = bytes(range(0x80))


class Decoded(NamedTuple):
  """Text, with the evidence of how its bytes were read."""
  text: str
  charset: str  # the Python codec that decoded it: utf-8, utf-16-le, cp1252, koi8-r...
  # bom, pattern (UTF-16/32 by the NULs of the first characters), utf8,
  # utf8_repaired (a stray invalid byte replaced), declared, detected, fallback.
  reason: str


def byte_order_mark(data: bytes) -> Optional[Tuple[str, int]]:
  """(codec, length) of the byte-order mark the bytes start with, if any."""
  for bom, codec in _BOMS:
    if data.startswith(bom):
      return codec, len(bom)
  return None


def unicode_encoding(data: bytes) -> Optional[Tuple[str, str, int]]:
  """(codec, reason, bytes before the text) of a byte-order mark or of an XML
  document in UTF-16/32 without one; None for anything else."""
  bom = byte_order_mark(data)
  if bom:
    return bom[0], 'bom', bom[1]
  for pattern, codec in _XML_PATTERNS:
    if data.startswith(pattern):
      return codec, 'pattern', 0
  return None


def decode_bytes(data: bytes, declared: Optional[str] = None) -> str:
  """The text of ``decode_text``."""
  return decode_text(data, declared).text


def decode_text(data: bytes, declared: Optional[str] = None) -> Decoded:
  """Decodes input bytes whatever their declaration says.

  Order of trust: a byte-order mark, or XML's UTF-16/32 pattern; then strict
  UTF-8, because bytes that decode as UTF-8 almost never are anything else
  (this fixes feeds declared ISO-8859-1 that are really UTF-8); then the
  declared charset; then charset-normalizer's detection, when it is sure
  and does better than Windows-1252 (KOI8-R, EUC-KR, GB2312 or Hebrew
  without a declaration); then Windows-1252, the de facto meaning of
  undeclared "Latin-1" on the web. UTF-8 with a few invalid bytes (a stray
  byte in a long feed) is read as UTF-8 with U+FFFD in their place, rather
  than lose the whole source. Raises InputError('undecodable') for binary data.
  """
  found = unicode_encoding(data)
  if found:
    codec, reason, start = found
    try:
      return Decoded(data[start:].decode(codec), codec, reason)
    except UnicodeDecodeError as error:
      after = 'a byte-order mark' if reason == 'bom' else 'an XML declaration'
      raise InputError('undecodable', f'invalid {codec} after {after}: {error}') from error
  if b'\x00' in data[:4096]:
    raise InputError('undecodable', 'NUL bytes without a UTF-16/32 byte-order mark '
                     'or XML declaration: binary data')
  try:
    return Decoded(data.decode('utf-8'), 'utf-8', 'utf8')
  except UnicodeDecodeError:
    pass
  repaired, invalid, multibyte = _utf8_with_replacements(data)
  rare = invalid <= max(1, len(data) // MAX_INVALID_UTF8_SHARE)
  if rare and multibyte:
    return Decoded(repaired, 'utf-8', 'utf8_repaired')  # not Windows-1252 mojibake
  codec = _declared_codec(declared)
  if codec:
    try:
      return Decoded(data.decode(codec), codec, 'declared')
    except (UnicodeError, LookupError):  # 'undefined'; 'rot13' is no text encoding
      pass
  detected = _detected(data)
  if detected:
    return detected
  try:
    return Decoded(data.decode('cp1252'), 'cp1252', 'fallback')
  except UnicodeError:
    pass
  if rare:
    return Decoded(repaired, 'utf-8', 'utf8_repaired')
  raise InputError('undecodable',
                   'bytes are neither UTF-8 nor the declared charset nor Windows-1252')


def _declared_codec(declared: Optional[str]) -> Optional[str]:
  """The codec of a declaration, or None: unknown, or UTF-16/32, which bytes
  without a byte-order mark or NULs cannot be."""
  try:
    name = codecs.lookup(declared).name if declared else None
  except LookupError:
    return None
  return None if name and name.startswith(('utf-16', 'utf-32')) else name


def _ascii_compatible(codec: str) -> bool:
  try:
    return _ASCII_PROBE.encode('ascii').decode(codec) == _ASCII_PROBE
  except (UnicodeError, LookupError):
    return False


def _detected(data: bytes) -> Optional[Decoded]:
  """charset-normalizer's answer, for bytes that Windows-1252 reads as nonsense."""
  if len(data.translate(None, _ASCII_BYTES)) < MIN_DETECTION_BYTES:
    return None
  as_windows_1252 = charset_normalizer.from_bytes(
      data, cp_isolation=['cp1252'], threshold=MAX_WINDOWS_1252_CHAOS).best()
  if as_windows_1252 is not None and as_windows_1252.encoding == 'cp1252':
    return None  # plausible Latin text: the fallback decides
  matches = charset_normalizer.from_bytes(data)
  best = matches.best()
  if best is None or best.chaos > MAX_DETECTION_CHAOS or not _ascii_compatible(best.encoding):
    return None
  text = str(best)
  for match in matches:
    if str(match) != text and not (match.chaos - best.chaos >= MIN_CHAOS_MARGIN
                                   or best.coherence - match.coherence >= MIN_COHERENCE_MARGIN):
      return None  # another reading is as likely: not sure
  return Decoded(text, codecs.lookup(best.encoding).name, 'detected')


def _utf8_with_replacements(data: bytes):
  """(text with U+FFFD for invalid bytes, how many, how many valid non-ASCII characters)."""
  text = data.decode('utf-8', 'replace')
  replaced = text.count('\ufffd') - data.count('\ufffd'.encode())
  return text, replaced, sum(1 for char in text if char > '\x7f') - text.count('\ufffd')
