"""Hostile text through the whole ingestion: each file ends as one item or one dead letter.

Charset tricks, NUL bytes, invisible and bidi characters, a huge single
line and blank items, each written to its own file and run through
IngestWireItems on a TestPipeline, as a real run reads them.
"""
import hashlib
import os
import unicodedata

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing import test_pipeline
from apache_beam.testing.util import assert_that, equal_to

from pipeline.batch import IngestWireItems
from pipeline.options import WirebeamOptions
from pipeline.run import resolve_file_patterns
from transforms.tags import DEAD_LETTERS, ITEMS

MIB = 1024 * 1024
BODY = b'Ministers met on Monday to agree the budget for next year.'
DATELINE = 'GENEVA, Nov 28 (Reuters) - '


def rss(title: bytes, description: bytes = BODY,
        declaration: bytes = b'<?xml version="1.0" encoding="utf-8"?>\n') -> bytes:
  return (declaration + b'<rss version="2.0"><channel><title>Wire</title>'
          b'<language>en</language><item><title>' + title + b'</title><description>'
          + description + b'</description></item></channel></rss>')


def utf16_rss(title: str, codec: str, bom: bytes = b'', declared: str = 'UTF-16') -> bytes:
  return bom + (f'<?xml version="1.0" encoding="{declared}"?>\n<rss version="2.0"><channel>'
                f'<title>Wire</title><item><title>{title}</title><description>Ein '
                'Bericht aus Köln über den Haushalt.</description></item></channel>'
                '</rss>').encode(codec)


# Every bidi control and zero-width character that carries no meaning in a
# Latin headline: ZWSP, word joiner, BOM, LRM/RLM, the Arabic letter mark,
# embeddings, overrides (RLO reverses what a reader sees), isolates; soft
# hyphens, and tag characters that spell hidden text ("HI").
INVISIBLE = ('Minister\u200b resigns \u202eafter\u202c vote\u2060 on \u200e\u200f'
             '\u2066budget\u2069\ufeff\u202a\u202b\u202d\u2067\u2068 ta\u00adlks'
             '\u061c\U000E0001\U000E0048\U000E0049\U000E007F')
# England's flag: a black flag, "gbeng" in tag characters, a cancel tag.
ENGLAND = '\U0001F3F4\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F'

# file name -> (content, expected outcome). An item is ('item', headline); a
# dead letter is (stage, reason, raw) where raw says what its raw bytes are:
# the whole file's, or the entry's own.
CASES = {
    # Not UTF-8 (a stray Latin-1 byte, a broken sequence): read as Windows-1252.
    'invalid-utf8.xml': (rss(b'Caf\xe9 \xc3( cr\xe8me talks'),
                         ('item', 'Caf\u00e9 \u00c3( cr\u00e8me talks')),
    # 0x81 and 0x8D are neither UTF-8 nor Windows-1252: the whole feed is kept.
    'undecodable.xml': (rss(b'Talks \x81\x8d resume'), ('parse', 'undecodable', 'file')),
    'declared-latin1-is-utf8.xml': (
        rss('Переговоры возобновились'.encode(),
            declaration=b'<?xml version="1.0" encoding="ISO-8859-1"?>\n'),
        ('item', 'Переговоры возобновились')),
    'declared-utf8-is-cp1252.xml': (rss('Café crème talks'.encode('cp1252')),
                                    ('item', 'Café crème talks')),
    # Neither a byte-order mark nor NULs: the bytes cannot be the UTF-16 declared
    # (an even number of them once decoded as UTF-16, into CJK-looking garbage).
    'declared-utf16-is-cp1252.xml': (
        rss('Café crème talks!'.encode('cp1252'),
            declaration=b'<?xml version="1.0" encoding="UTF-16"?>\n'),
        ('item', 'Café crème talks!')),
    'declared-utf16-is-utf8.xml': (
        rss(b'Talks resume', declaration=b'<?xml version="1.0" encoding="UTF-16"?>\n'),
        ('item', 'Talks resume')),
    'utf16le-bom.xml': (utf16_rss('Grüße aus Köln', 'utf-16-le', b'\xff\xfe'),
                        ('item', 'Grüße aus Köln')),
    'utf16be-bom.xml': (utf16_rss('Grüße aus Köln', 'utf-16-be', b'\xfe\xff'),
                        ('item', 'Grüße aus Köln')),
    'utf32le-bom.xml': (utf16_rss('Grüße aus Köln', 'utf-32-le', b'\xff\xfe\x00\x00', 'UTF-32'),
                        ('item', 'Grüße aus Köln')),
    'utf32be-bom.xml': (utf16_rss('Grüße aus Köln', 'utf-32-be', b'\x00\x00\xfe\xff', 'UTF-32'),
                        ('item', 'Grüße aus Köln')),
    # No byte-order mark: the declaration's '<?' in UTF-16/32 tells (XML 1.0, Appendix F).
    'utf16le-declared.xml': (utf16_rss('Grüße aus Köln', 'utf-16-le'),
                             ('item', 'Grüße aus Köln')),
    'utf32be-declared.xml': (utf16_rss('Grüße aus Köln', 'utf-32-be', declared='UTF-32'),
                             ('item', 'Grüße aus Köln')),
    # Russian in KOI8-R, declared nowhere: detected, not Windows-1252 mojibake.
    'koi8r-undeclared.xml': (rss('Переговоры возобновились'.encode('koi8-r'), (
        'Министры встретились в понедельник, чтобы согласовать бюджет на следующий год. '
        'Переговоры продлятся до конца недели, сообщили в правительстве.').encode('koi8-r'),
        declaration=b''), ('item', 'Переговоры возобновились')),
    'utf16-bom.txt': (f'Grüße aus Köln\n{DATELINE}Ein Bericht.'.encode('utf-16'),
                      ('item', 'Grüße aus Köln')),
    # A NUL in the first 4 KiB marks binary data; later, it is removed.
    'nul-early.txt': (f'Talks resume\n{DATELINE}Talks \x00resumed.'.encode(),
                      ('parse', 'undecodable', 'file')),
    'nul-late.txt': (f'Talks resume\n{DATELINE}'.encode() + b'Talks resumed. ' * 300
                     + b'\x00\x00 The end.', ('item', 'Talks resume')),
    'invisible.xml': (rss(INVISIBLE.encode()),
                      ('item', 'Minister resigns after vote on budget talks')),
    'invisible.txt': (f'{INVISIBLE}\n{DATELINE}Text.'.encode(),
                      ('item', 'Minister resigns after vote on budget talks')),
    'emoji-flag.xml': (rss(f'England {ENGLAND} win'.encode()),
                       ('item', f'England {ENGLAND} win')),
    'huge-single-line.txt': (b'Headline\n' + b'word ' * MIB, ('normalize', 'item_too_large', 'file')),
    'blank-item.xml': (rss(b'  \t ', b' \n\t \r\n '), ('normalize', 'no_text', 'entry')),
    # Nothing visible: zero-width, ideographic and no-break spaces.
    'invisible-item.xml': (rss('\u200b\u3000\xa0\u2060'.encode(), b'&#160;&#x200B;'),
                           ('normalize', 'no_text', 'entry')),
    'blank.txt': (b' \n\t\r\n  ', ('parse', 'empty_input', 'file')),
}


def clean(text):
  """Neither control characters (but newlines) nor lone surrogates."""
  return not any(unicodedata.category(c) in ('Cc', 'Cs') and c != '\n'
                 for c in text or '')


def test_each_hostile_file_ends_as_one_item_or_one_dead_letter(tmp_path):
  for name, (data, _) in CASES.items():
    (tmp_path / name).write_bytes(data)
  digests = {name: hashlib.sha256(data).digest() for name, (data, _) in CASES.items()}

  def item_key(record):
    return (os.path.basename(record['source']['location']), 'item', record['headline'],
            clean(record['headline']) and clean(record['body_text']))

  def dead_letter_key(dead_letter):
    name = os.path.basename(dead_letter['source'])
    raw = dead_letter['raw']
    kind = 'file' if hashlib.sha256(raw).digest() == digests[name] else (
        'entry' if raw else 'empty')
    return (name, dead_letter['stage'], dead_letter['reason'], kind)

  options = PipelineOptions([f'--max-item-bytes={MIB}', '--no-entities'])
  with test_pipeline.TestPipeline(options=options) as p:
    outputs = p | IngestWireItems(resolve_file_patterns([str(tmp_path)]), [],
                                  options.view_as(WirebeamOptions))
    assert_that(outputs[ITEMS] | 'ItemKeys' >> beam.Map(item_key), equal_to([
        (name, 'item', outcome[1], True)
        for name, (_, outcome) in CASES.items() if outcome[0] == 'item']),
                label='items')
    assert_that(outputs[DEAD_LETTERS] | 'DeadLetterKeys' >> beam.Map(dead_letter_key),
                equal_to([(name,) + outcome for name, (_, outcome) in CASES.items()
                          if outcome[0] != 'item']), label='dead letters')


def test_lone_surrogate_escape_in_json_ends_as_one_item_or_dead_letter(tmp_path):
  """A JSON "\\ud800" escape is a lone surrogate, which UTF-8 cannot encode.
  Before e0bfd80 it stayed in the uri; Beam could not encode the record that
  _NormalizeFn put out (outside GuardedDoFn's try) and the whole run failed."""
  (tmp_path / 'surrogate.json').write_bytes(
      b'{"uri": "urn:wire:\\ud800", "headline": "Talks resume", '
      b'"body_text": "Ministers met on Monday."}')
  options = PipelineOptions(['--no-entities'])
  with test_pipeline.TestPipeline(options=options) as p:
    outputs = p | IngestWireItems(resolve_file_patterns([str(tmp_path)]), [],
                                  options.view_as(WirebeamOptions))
    assert_that((outputs[ITEMS], outputs[DEAD_LETTERS]) | beam.Flatten()
                | beam.combiners.Count.Globally(), equal_to([1]))
