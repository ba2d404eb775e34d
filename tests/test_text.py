import sys
import unicodedata

import pytest

from transforms.errors import InputError
from transforms.text import (
  KEPT_FORMAT_CHARS,
  clean_text,
  decode_bytes,
  html_to_text,
  one_line,
  removed_format_chars,
  scan_format_chars,
)

ENGLAND = '\U0001F3F4\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F'


def test_clean_text_applies_nfc_and_drops_controls_and_invisibles():
  decomposed = 'Cafe\u0301'  # e + combining acute
  assert clean_text(decomposed) == 'Caf\u00e9'
  assert clean_text('a\x00b\x07c\u200bd\u202ee\ufeff') == 'abcde'


def test_clean_text_removes_every_invisible_format_character_but_the_kept_ones():
  # U+061C and the tag characters once survived a hand-made list.
  assert clean_text('Talks\u061c resume\u00ad\u206a\ufff9\U000E0001\U000E0041') == (
      'Talks resume')
  kept = {chr(code) for first, last in KEPT_FORMAT_CHARS for code in range(first, last + 1)}
  survivors = [f'U+{code:04X}' for code in range(sys.maxunicode + 1)
               if unicodedata.category(chr(code)) == 'Cf' and chr(code) not in kept
               and clean_text(f'a{chr(code)}b') != 'ab']
  assert survivors == []


def test_clean_text_keeps_joiners_visible_marks_and_emoji_flag_tag_sequences():
  persian = 'می\u200cخواهم'  # ZWNJ between the prefix and the verb
  family = '\U0001F468\u200d\U0001F469\u200d\U0001F467'
  assert clean_text(persian) == persian and clean_text(family) == family
  assert clean_text('\u0600\u0661\u0662') == '\u0600\u0661\u0662'  # Arabic number sign
  assert clean_text(f'England {ENGLAND} win') == f'England {ENGLAND} win'
  # Tags outside a well-formed sequence go; the flag they hang on stays.
  assert clean_text('\U0001F3F4\U000E0067\U000E0062 win') == '\U0001F3F4 win'
  assert clean_text('a\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007Fb') == 'ab'
  assert clean_text('\U0001F3F4\U000E0047\U000E0042\U000E0045\U000E004E\U000E0047'
                    '\U000E007F') == '\U0001F3F4'  # upper-case tags: not a subdivision


def test_clean_text_collapses_spaces_and_keeps_paragraphs():
  text = '  First   line\t here \r\nsecond line\n\n\n\n  Next\u00a0paragraph  '
  assert clean_text(text) == 'First line here\nsecond line\n\nNext paragraph'


def test_entities_are_decoded_once_in_html_and_never_in_plain_text():
  assert html_to_text('AT&amp;T &quot;quoted&quot; &#8212; done') == 'AT&T "quoted" \u2014 done'
  assert html_to_text('<p>AT&amp;amp;T &amp;lt;b&amp;gt;</p>') == 'AT&amp;T &lt;b&gt;'
  assert clean_text('AT&amp;T') == 'AT&amp;T'


def test_html_to_text_keeps_paragraph_breaks_and_drops_scripts():
  html = ('<div><p>First <b>bold</b>&nbsp;para,\nwrapped.</p><p>Second &amp; last'
          '</p><script>alert(1)</script><style>p{}</style>Tail<br/>line</div>')
  assert html_to_text(html) == 'First bold para, wrapped.\n\nSecond & last\n\nTail\n\nline'


def test_one_line_joins_lines():
  assert one_line(' Head\nline \n\n two ') == 'Head line two'


def test_decode_prefers_valid_utf8_over_a_wrong_declaration():
  assert decode_bytes('Ámbito señal'.encode('utf-8'), 'iso-8859-1') == 'Ámbito señal'


def test_decode_falls_back_to_declared_then_windows_1252():
  latin1 = 'São Paulo – notícias'.encode('windows-1252')
  assert decode_bytes(latin1) == 'São Paulo – notícias'
  assert decode_bytes('Привет'.encode('koi8-r'), 'koi8-r') == 'Привет'


def test_a_stray_byte_in_long_utf8_text_is_replaced_not_fatal():
  story = 'Talks in Zürich resume. ' * 100
  # 0x81 is neither UTF-8 nor Windows-1252: without repair the source is lost.
  broken = story[:1000].encode() + b'\x81' + story[1000:].encode()
  assert decode_bytes(broken, 'utf-8') == story[:1000] + '\ufffd' + story[1000:]
  # Windows-1252 mojibake of the real UTF-8 ("ZÃ¼rich") is not the answer either.
  stray_latin1 = story.encode() + ' Café'.encode('latin-1')
  assert decode_bytes(stray_latin1).endswith('Zürich resume.  Caf\ufffd')
  ascii_text = ('Talks resume. ' * 100).encode()
  assert decode_bytes(ascii_text + b'\x81') == ascii_text.decode() + '\ufffd'
  # Many invalid bytes are not UTF-8 with a stray byte: Windows-1252 as before.
  assert decode_bytes('Café crème brûlée'.encode('latin-1')) == 'Café crème brûlée'
  with pytest.raises(InputError):
    decode_bytes(b'Talks \x81\x8d resume')


def test_decode_honours_byte_order_marks():
  assert decode_bytes('\ufeffhello'.encode('utf-8')) == 'hello'
  assert decode_bytes('héllo'.encode('utf-16')) == 'héllo'


def test_decode_refuses_binary():
  with pytest.raises(InputError) as error:
    decode_bytes(b'\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR')
  assert error.value.reason == 'undecodable'


def test_the_removed_format_characters_are_those_of_the_unicode_database():
  assert removed_format_chars() == scan_format_chars()
  assert removed_format_chars('a version with no constant') == scan_format_chars()
