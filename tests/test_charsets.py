"""Charsets of every format: UTF-16/32 with and without a byte-order mark,
legacy charsets without a declaration, and the evidence each record keeps.

The feeds are generated here, in the charsets real publishers use, with
invented stories a few sentences long, as real feeds are.
"""
import codecs
import json
import pathlib
import re
import subprocess
import sys

import fastavro
import pytest

from transforms.entry import ParsedEntry
from transforms.errors import InputError
from transforms.normalize.record import normalize_entry
from transforms.parse import sniff
from transforms.parse.entries import parse_source
from transforms.parse.json_input import decode_json
from transforms.text import decode_bytes, decode_text

REPO = pathlib.Path(__file__).parents[1]
FIXTURES = REPO / 'tests' / 'fixtures' / 'feeds'

# Invented news in languages whose legacy charsets are not Windows-1252.
STORIES = {
    'koi8-r': ('Правительство утвердило план поддержки экономики. Министр финансов заявил, '
               'что дефицит бюджета в следующем году сократится. Центральный банк сохранил '
               'ключевую ставку без изменений. Эксперты ожидают замедления инфляции к концу года.'),
    'euc-kr': ('정부는 오늘 내년도 예산안을 국회에 제출했다. 예산안은 경제 회복과 일자리 창출에 '
               '중점을 두고 있다. 기획재정부 장관은 기자회견에서 세부 내용을 설명했다. 야당은 '
               '재정 건전성에 대한 우려를 제기했다.'),
    'gb2312': ('国务院今天召开常务会议，研究部署进一步稳定经济增长的措施。会议指出，要加大对中小企业'
               '的支持力度，保障就业和民生。财政部长介绍了明年预算的主要内容。专家预计，今年第四季度'
               '经济将继续回升。'),
    'euc-jp': ('政府は今日、来年度の予算案を国会に提出した。予算案は経済の回復と雇用の創出に重点を'
               '置いている。財務大臣は記者会見で詳細を説明した。野党は財政の健全性について懸念を'
               '示した。'),
    'tis-620': ('รัฐบาลประกาศมาตรการใหม่เพื่อกระตุ้นเศรษฐกิจในวันนี้ นายกรัฐมนตรีกล่าวว่ามาตรการ'
                'ดังกล่าวจะช่วยเหลือผู้ประกอบการรายย่อยและเกษตรกร รัฐมนตรีว่าการกระทรวงการคลัง'
                'จะชี้แจงรายละเอียดในสัปดาห์หน้า'),
    'windows-1255': ('ראש הממשלה הודיע היום על צעדים חדשים לעידוד הכלכלה. השרים דנו בתקציב '
                     'לשנה הבאה ובתמיכה באזורי הפריפריה. שר האוצר יציג את הפרטים בשבוע הבא. '
                     'האופוזיציה מתחה ביקורת על התוכנית.'),
}


def headline_of(story: str) -> str:
  return re.split('[.。 ]', story)[0]


def rss(headline: str, story: str, declaration: str = '') -> str:
  """An RSS feed with one item, and no charset anywhere unless declared."""
  return (f'{declaration}<rss version="2.0"><channel><title>Wire</title>'
          '<link>https://wire.example.com/</link><item><title>'
          f'{headline}</title><link>https://wire.example.com/1</link>'
          f'<description>{story}</description></item></channel></rss>')


GERMAN = 'Grüße aus Köln: der Haushalt für 2027 ist beschlossen'
DECLARED = '<?xml version="1.0" encoding="{}"?>\n'
NEWSML_G2 = ('<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="urn:x:1" '
             'version="1"><contentMeta><headline>{}</headline></contentMeta></newsItem>')


@pytest.mark.parametrize('charset', sorted(STORIES))
def test_undeclared_legacy_charset_is_detected(charset):
  story = STORIES[charset]
  data = rss(headline_of(story), story).encode(charset)
  decoded = decode_text(data)
  assert (decoded.text, decoded.reason) == (rss(headline_of(story), story), 'detected')
  assert data.decode(decoded.charset) == data.decode(charset)  # EUC-KR may be read as cp949
  (entry,) = parse_source('https://wire.example.com/feed', data)
  assert (entry.title, entry.summary) == (headline_of(story), story)
  wire = parse_source('story.txt', f'{headline_of(story)}\n{story}'.encode(charset))[0]
  assert (wire.format, wire.title, wire.body) == ('wire_text', headline_of(story), story)


@pytest.mark.parametrize('text', [
    'São Paulo – notícias', 'Café crème brûlée', 'Zürich: Gespräche über den Haushalt',
    # Long Latin text too: many single-byte charsets read it, Windows-1252 decides.
    'Le président a annoncé des mesures pour l\'économie française. Les députés '
    'débattront du budget à l\'Assemblée la semaine prochaine, a précisé le ministre. ' * 3])
def test_latin1_without_declaration_stays_windows_1252(text):
  assert decode_text(text.encode('windows-1252')) == (text, 'cp1252', 'fallback')


def test_latin1_feed_fixture_stays_windows_1252():
  data = (FIXTURES / 'latin1_no_declaration.rss').read_bytes()
  assert decode_text(data)[1:] == ('cp1252', 'fallback')
  assert 'Eleição' in parse_source('f', data)[0].title


def test_short_text_in_another_script_is_not_guessed():
  """A headline's worth of KOI8-R is too little to be sure: the fallback, as before."""
  assert decode_text('Переговоры возобновились'.encode('koi8-r')).reason == 'fallback'


CODECS = ['utf-32-le', 'utf-32-be', 'utf-16-le', 'utf-16-be']


def with_bom(text: str, codec: str) -> bytes:
  return codecs.lookup(codec).encode('\ufeff')[0] + text.encode(codec)


@pytest.mark.parametrize('codec', CODECS)
def test_utf16_and_utf32_with_a_byte_order_mark(codec):
  data = with_bom(rss(GERMAN, GERMAN, DECLARED.format(codec[:6].upper())), codec)
  assert decode_text(data)[1:] == (codec, 'bom')
  assert sniff.detect_format(data) == sniff.XML_FEED  # UTF-32 was once plain text
  assert parse_source('f', data)[0].title == GERMAN


@pytest.mark.parametrize('codec', CODECS)
def test_utf16_and_utf32_without_a_byte_order_mark_by_the_xml_declaration(codec):
  """XML 1.0 Appendix F: '<?' is 3C 00 3F 00 in UTF-16LE, 00 00 00 3C... in UTF-32BE."""
  for declared in (codec[:6].upper(), codec.upper()):
    data = rss(GERMAN, GERMAN, DECLARED.format(declared)).encode(codec)
    assert decode_text(data)[1:] == (codec, 'pattern')
    assert sniff.detect_format(data) == sniff.XML_FEED
    assert parse_source('f', data)[0].title == GERMAN
  newsml = (DECLARED.format(codec[:6].upper()) + NEWSML_G2.format(GERMAN)).encode(codec)
  assert sniff.detect_format(newsml) == sniff.NEWSML_G2


@pytest.mark.parametrize('codec', CODECS)
def test_json_in_utf16_and_utf32_is_recognised_and_read(codec):
  feed = json.dumps({'version': 'https://jsonfeed.org/version/1.1', 'title': 'Wire',
                     'items': [{'id': '1', 'title': GERMAN}]}, ensure_ascii=False)
  ninjs = json.dumps({'uri': 'urn:x:1', 'headline': GERMAN}, ensure_ascii=False)
  for text, expected in ((feed, sniff.JSON_FEED), (ninjs, sniff.NINJS)):
    for data in (text.encode(codec), with_bom(text, codec)):
      assert sniff.detect_format(data) == expected
      assert parse_source('f', data)[0].title == GERMAN


def test_a_declared_utf16_that_the_bytes_cannot_be_is_ignored():
  """Without a BOM or NULs the bytes are not UTF-16: reading them so gave CJK garbage."""
  data = rss(GERMAN, GERMAN, DECLARED.format('UTF-16')).encode('windows-1252')
  data += b'\n' * (len(data) % 2)  # even, as UTF-16 must be
  assert decode_text(data, 'UTF-16') == (data.decode('windows-1252'), 'cp1252', 'fallback')


def test_the_evidence_of_each_rule():
  assert decode_text('Ámbito'.encode(), 'iso-8859-1')[1:] == ('utf-8', 'utf8')
  assert decode_text('Привет'.encode('koi8-r'), 'KOI8-R')[1:] == ('koi8-r', 'declared')
  assert decode_text('Talks in Zürich. '.encode() * 100 + b'\x81')[1:] == (
      'utf-8', 'utf8_repaired')
  assert decode_text('\ufeffhi'.encode())[1:] == ('utf-8', 'bom')
  assert decode_bytes('\ufeffhi'.encode()) == 'hi'


@pytest.mark.parametrize('data', [
    codecs.BOM_UTF32_LE + b'<\x00\x00',  # cut in a code unit
    '<?xml version="1.0"?><rss/>'.encode('utf-16-le') + b'\x00\xd8'])  # lone surrogate
def test_invalid_utf16_or_utf32_is_a_dead_letter_not_garbage(data):
  with pytest.raises(InputError) as error:
    decode_text(data)
  assert error.value.reason == 'undecodable'


@pytest.mark.parametrize('codec', CODECS)
def test_newsml_g2_is_decoded_as_feeds_are(codec):
  """expat trusted the declaration (an IPTC example declared ISO-8859-1 with
  UTF-8 bytes: 'BÃ¼low') and could not read UTF-32 at all."""
  data = (DECLARED.format('ISO-8859-1') + NEWSML_G2.format('Vicco von Bülow')).encode()
  assert parse_source('f', data)[0].title == 'Vicco von Bülow'
  for declared in (codec[:6].upper(), codec.upper()):
    newsml = (DECLARED.format(declared) + NEWSML_G2.format(GERMAN)).encode(codec)
    for data in (newsml, with_bom(DECLARED.format(declared) + NEWSML_G2.format(GERMAN), codec)):
      (entry,) = parse_source('f', data)
      assert (entry.format, entry.title) == ('newsml_g2', GERMAN)


def test_json_is_never_read_in_a_legacy_charset():
  with pytest.raises(InputError) as error:
    decode_json(json.dumps({'headline': STORIES['koi8-r']}, ensure_ascii=False).encode('koi8-r'))
  assert error.value.reason == 'undecodable'
  assert decode_json(b'{"a": 1}') == ('{"a": 1}', 'utf-8', 'utf8')


ATOM = ('<?xml version="1.0" encoding="UTF-16"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f'<title>W</title><entry><id>urn:x:1</id><title>{GERMAN}</title>'
        '<updated>2026-11-27T10:00:00Z</updated></entry></feed>')
JSON_FEED = json.dumps({'version': 'https://jsonfeed.org/version/1.1', 'title': 'Wire',
                        'items': [{'id': '1', 'title': GERMAN}]}, ensure_ascii=False)
NINJS = json.dumps({'uri': 'urn:x:1', 'headline': GERMAN}, ensure_ascii=False)
KOI8 = STORIES['koi8-r']
# (input, format, charset, reason): every format, every rule.
EVIDENCE = {
    'rss-koi8-r': (rss(headline_of(KOI8), KOI8).encode('koi8-r'), 'rss', 'koi8-r', 'detected'),
    'rss-utf32-bom': (with_bom(rss(GERMAN, GERMAN, DECLARED.format('UTF-32')), 'utf-32-le'),
                      'rss', 'utf-32-le', 'bom'),
    'rss-declared-latin1': (rss(GERMAN, GERMAN, DECLARED.format('ISO-8859-1')).encode('latin-1'),
                            'rss', 'iso8859-1', 'declared'),
    'rss-latin1-undeclared': ((FIXTURES / 'latin1_no_declaration.rss').read_bytes(),
                              'rss', 'cp1252', 'fallback'),
    'rss-stray-byte': (rss('Talks', 'Talks in Zürich resume. ' * 60).encode().replace(
        b'resume', b'resum\xe9', 1), 'rss', 'utf-8', 'utf8_repaired'),
    'atom-utf16-pattern': (ATOM.encode('utf-16-be'), 'atom', 'utf-16-be', 'pattern'),
    'json-feed-utf16-pattern': (JSON_FEED.encode('utf-16-le'), 'json_feed', 'utf-16-le',
                                'pattern'),
    'ninjs-utf32-bom': (with_bom(NINJS, 'utf-32-be'), 'ninjs', 'utf-32-be', 'bom'),
    'ninjs-utf8': (NINJS.encode(), 'ninjs', 'utf-8', 'utf8'),
    'newsml-g2-utf32-pattern': ((DECLARED.format('UTF-32') + NEWSML_G2.format(GERMAN)).encode(
        'utf-32-be'), 'newsml_g2', 'utf-32-be', 'pattern'),
    'wire-text-koi8-r': (f'{headline_of(KOI8)}\n{KOI8}'.encode('koi8-r'), 'wire_text', 'koi8-r',
                         'detected'),
}


@pytest.mark.parametrize('name', sorted(EVIDENCE))
def test_every_format_records_the_charset_of_its_source_and_why(name):
  data, input_format, charset, reason = EVIDENCE[name]
  for entry in parse_source('f', data):
    assert (entry.format, entry.charset, entry.charset_reason) == (input_format, charset, reason)
    source = normalize_entry(entry, 10 ** 6)['source']
    assert (source['charset'], source['charset_reason']) == (charset, reason)


def test_the_new_fields_are_nullable_with_a_null_default():
  """Evolution-safe: records written before them read as null."""
  schema = json.loads((REPO / 'schemas' / 'wire_item.avsc').read_text())
  (provenance,) = [f for f in schema['fields'] if f['name'] == 'source']
  added = [f for f in provenance['type']['fields'] if f['name'] in ('charset', 'charset_reason')]
  assert len(added) == 2 and all(
      f['type'] == ['null', 'string'] and f['default'] is None and f['doc'] for f in added)
  assert normalize_entry(ParsedEntry('rss', 'f', 0, b'', title='t'), 100)['source'][
      'charset'] is None


@pytest.mark.e2e
def test_the_command_reads_every_charset_and_records_how(tmp_path):
  inputs = tmp_path / 'in'
  inputs.mkdir()
  expected = {}
  for charset, story in STORIES.items():
    (inputs / f'{charset}.xml').write_bytes(rss(headline_of(story), story).encode(charset))
    expected[f'{charset}.xml'] = (headline_of(story), 'detected')
  for name, (data, _, _, reason) in EVIDENCE.items():
    if name.startswith(('rss-utf32', 'atom', 'newsml', 'wire')):
      (inputs / name).write_bytes(data)
      expected[name] = (parse_source(name, data)[0].title, reason)
  output = tmp_path / 'out'
  result = subprocess.run(
      [sys.executable, '-m', 'pipeline', '--input', str(inputs), '--output', str(output),
       '--no-entities'], cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
  assert result.returncode == 0, result.stderr
  found = {}
  for path in sorted((output / 'items').glob('*.avro')):
    with open(path, 'rb') as f:
      for record in fastavro.reader(f):
        name = pathlib.Path(record['source']['location']).name
        found[name] = (record['headline'], record['source']['charset_reason'])
  assert found == expected
  assert not list((output / 'dead_letters').glob('*.avro'))
