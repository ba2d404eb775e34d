"""Text clean-up shared by every input format: charset, HTML, Unicode, spaces."""
import codecs
import html.parser
import re
import sys
import unicodedata
from typing import List, Optional

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


def _removed_format_chars() -> str:
  """Every Cf character but the kept ones, as ranges of a regex character class."""
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
    f'{_removed_format_chars()}]')
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
    (codecs.BOM_UTF32_LE, 'utf-32'), (codecs.BOM_UTF32_BE, 'utf-32'),
    (codecs.BOM_UTF8, 'utf-8-sig'), (codecs.BOM_UTF16_LE, 'utf-16'),
    (codecs.BOM_UTF16_BE, 'utf-16'))


def decode_bytes(data: bytes, declared: Optional[str] = None) -> str:
  """Decodes input bytes whatever their declaration says.

  Order of trust: a byte-order mark; then strict UTF-8, because bytes that
  decode as UTF-8 almost never are anything else (this fixes feeds declared
  ISO-8859-1 that are really UTF-8); then the declared charset; then
  Windows-1252, the de facto meaning of undeclared "Latin-1" on the web.
  UTF-8 with a few invalid bytes (a stray byte in a long feed) is read as
  UTF-8 with U+FFFD in their place, rather than lose the whole source.
  Raises InputError('undecodable') for binary data.
  """
  for bom, encoding in _BOMS:
    if data.startswith(bom):
      try:
        return data.decode(encoding)
      except UnicodeDecodeError as error:
        raise InputError('undecodable', f'invalid {encoding} after BOM: {error}') from error
  if b'\x00' in data[:4096]:
    raise InputError('undecodable',
                     'NUL bytes without a UTF-16/32 byte-order mark: binary data')
  try:
    return data.decode('utf-8')
  except UnicodeDecodeError:
    pass
  repaired, invalid, multibyte = _utf8_with_replacements(data)
  rare = invalid <= max(1, len(data) // MAX_INVALID_UTF8_SHARE)
  if rare and multibyte:
    return repaired  # UTF-8 text with a stray byte: not Windows-1252 mojibake
  for encoding in (declared, 'windows-1252'):
    if not encoding:
      continue
    try:
      return data.decode(encoding)
    except (UnicodeError, LookupError):  # 'undefined' fails with UnicodeError
      continue
  if rare:
    return repaired
  raise InputError('undecodable',
                   'bytes are neither UTF-8 nor the declared charset nor Windows-1252')


def _utf8_with_replacements(data: bytes):
  """(text with U+FFFD for invalid bytes, how many, how many valid non-ASCII characters)."""
  text = data.decode('utf-8', 'replace')
  replaced = text.count('\ufffd') - data.count('\ufffd'.encode())
  return text, replaced, sum(1 for char in text if char > '\x7f') - text.count('\ufffd')
