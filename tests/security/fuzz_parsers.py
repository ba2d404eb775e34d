"""Coverage-guided fuzzing (atheris) of what wirebeam runs on untrusted bytes.

Run by hand; pytest does not collect it (no test_ prefix). From the checkout:

  pip install atheris
  python tests/security/fuzz_parsers.py -atheris_runs=200000
  python tests/security/fuzz_parsers.py --keep-going -max_total_time=300

Targets, chosen by the input's first byte: parse_source followed by
normalize_entry on every entry, parse_feed_list, normalize_entry on a
generated entry, canonical_url (also idempotent) and parse_timestamp. The
input goes in raw or spliced into a skeleton of the kind of input (RSS, RDF,
Atom, NewsML-G2, ninjs, JSON Feed, wire text, OPML, URL, date), so that the
fuzzer starts from structure. Each target must return or raise InputError; a
record must encode as UTF-8 (as Beam's coders and Avro need) and have NFC
texts without control characters. Anything else is a finding.

By default the first finding stops the run and libFuzzer writes its input to
./crash-<sha1> (-artifact_prefix=DIR/ puts it elsewhere). With --keep-going
each new kind of finding (exception type and the wirebeam line it came from)
is printed once and its input written to finding-<n> there, and the run goes
on. Replay one with: python tests/security/fuzz_parsers.py DIR/finding-3
"""
import datetime
import os
import sys
import traceback
import unicodedata

try:
  import atheris
except ImportError:
  sys.exit('fuzz_parsers.py needs atheris: pip install atheris')

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)

with atheris.instrument_imports(include=['transforms', 'feedparser', 'defusedxml']):
  from transforms.entry import ParsedEntry
  from transforms.errors import InputError
  from transforms.normalize.record import normalize_entry
  from transforms.normalize.urls import canonical_url
  from transforms.parse.entries import parse_source
  from transforms.read.feed_list import parse_feed_list
  from transforms.timestamps import parse_timestamp

MAX_ITEM_BYTES = 1 << 20
# Where the fuzzed bytes go: each REF is replaced by them.
SKELETONS = (
    b'REF',
    b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>W</title>'
    b'<item><title>REF</title><description>REF</description><pubDate>REF</pubDate>'
    b'<link>REF</link><guid>REF</guid></item></channel></rss>',
    b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    b'xmlns="http://purl.org/rss/1.0/"><item><title>REF</title><link>REF</link></item>'
    b'</rdf:RDF>',
    b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>REF</id><title type="html">'
    b'REF</title><updated>REF</updated><content type="html">REF</content></entry></feed>',
    b'<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="REF"><itemMeta>'
    b'<versionCreated>REF</versionCreated></itemMeta><contentMeta><urgency>REF</urgency>'
    b'<headline>REF</headline></contentMeta><contentSet><inlineXML><html '
    b'xmlns="http://www.w3.org/1999/xhtml"><body>REF</body></html></inlineXML>'
    b'</contentSet></newsItem>',
    b'{"uri": "REF", "headline": "REF", "body_html": "REF", "versioncreated": "REF", '
    b'"urgency": "REF", "body_nitf": "REF"}',
    b'{"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "REF", '
    b'"title": "REF", "content_html": "REF", "url": "REF", "date_published": "REF", '
    b'"tags": ["REF"]}]}',
    b'REF\nGENEVA, Nov 28 (Reuters) - REF',
)
OPML = (b'REF', b'<opml version="2.0"><body><outline text="REF" xmlUrl="REF"/></body></opml>')
URLS = ('REF', 'http://REF', 'https://wire.example.com/REF?REF#REF', 'http://[REF]:REF/',
        'https://REF.example.com:REF/a?utm_source=REF&q=REF')
TIMESTAMPS = ('REF', 'REF-12-31T23:59:59REF', '0001-01-01TREF', 'Fri, 31 Dec REF 23:59:59 REF',
              'September REF', 'REF Sept. 28, REF')


def _check_record(record: dict):
  """Every string encodes as UTF-8 (or Beam fails the whole run); texts are
  NFC, without control characters but the body's newlines."""
  for value in record.values():
    values = value.values() if isinstance(value, dict) else (
        value if isinstance(value, list) else [value])
    for text in values:
      if isinstance(text, str):
        text.encode('utf-8')
  for field in ('headline', 'description_text', 'body_text'):
    text = record[field] or ''
    assert unicodedata.is_normalized('NFC', text), f'{field} not NFC: {text!r:.200}'
    assert not [c for c in text if unicodedata.category(c) == 'Cc' and c != '\n'], (
        f'{field} has control characters: {text!r:.200}')


def _spliced(fdp, skeletons):
  """A skeleton with a piece of the input in place of each REF, the last
  taking the rest."""
  skeleton = skeletons[fdp.ConsumeIntInRange(0, len(skeletons) - 1)]
  if isinstance(skeleton, bytes):
    consume, parts = fdp.ConsumeBytes, skeleton.split(b'REF')
  else:
    consume, parts = fdp.ConsumeUnicode, skeleton.split('REF')
  pieces = [consume(fdp.ConsumeIntInRange(0, 256)) for _ in parts[2:]]
  pieces.append(consume(fdp.remaining_bytes()))
  spliced = parts[0]
  for piece, part in zip(pieces, parts[1:], strict=False):
    spliced += piece + part
  return spliced


def fuzz_parse_source(fdp):
  for entry in parse_source('https://wire.example.com/feed', _spliced(fdp, SKELETONS)):
    try:
      _check_record(normalize_entry(entry, MAX_ITEM_BYTES))
    except InputError:
      pass


def fuzz_feed_list(fdp):
  parse_feed_list(_spliced(fdp, OPML))


def _text(fdp):
  return fdp.ConsumeUnicode(fdp.ConsumeIntInRange(0, 200)) if fdp.ConsumeBool() else None


def fuzz_normalize_entry(fdp):
  entry = ParsedEntry(
      format='rss', source='https://wire.example.com/feed', position=0,
      raw=fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 64)), guid=_text(fdp),
      version=_text(fdp), link=_text(fdp), title=_text(fdp),
      title_is_html=fdp.ConsumeBool(), summary=_text(fdp),
      summary_is_html=fdp.ConsumeBool(), body=_text(fdp), body_is_html=fdp.ConsumeBool(),
      byline=_text(fdp), firstcreated_raw=_text(fdp), versioncreated_raw=_text(fdp),
      language=_text(fdp), feed_link=_text(fdp),
      received_at=datetime.datetime(2026, 11, 28, tzinfo=datetime.timezone.utc))
  _check_record(normalize_entry(entry, fdp.ConsumeIntInRange(0, 4096)))


def fuzz_canonical_url(fdp):
  canonical = canonical_url(_spliced(fdp, URLS))
  if canonical is not None:
    again = canonical_url(canonical)
    assert again == canonical, f'not idempotent: {canonical!r} -> {again!r}'


def fuzz_parse_timestamp(fdp):
  reference = datetime.datetime.fromtimestamp(
      fdp.ConsumeIntInRange(-62135596800, 253402300799), datetime.timezone.utc)
  parse_timestamp(_spliced(fdp, TIMESTAMPS), reference if fdp.ConsumeBool() else None)


TARGETS = (fuzz_parse_source, fuzz_feed_list, fuzz_normalize_entry, fuzz_canonical_url,
           fuzz_parse_timestamp)
_seen = set()


def _signature(error: BaseException) -> tuple:
  """The exception type, the innermost wirebeam line and the innermost line."""
  frames = traceback.extract_tb(error.__traceback__)
  ours = [f for f in frames if f'{os.sep}transforms{os.sep}' in f.filename]
  where = ours[-1] if ours else frames[-1]
  inner = frames[-1]
  return (type(error).__name__, f'{os.path.relpath(where.filename, ROOT)}:{where.lineno}',
          f'{os.path.basename(inner.filename)}:{inner.name}')


def one_input(data: bytes, keep_going: bool = False, prefix: str = ''):
  fdp = atheris.FuzzedDataProvider(data)
  target = TARGETS[fdp.ConsumeIntInRange(0, len(TARGETS) - 1)]
  try:
    target(fdp)
  except InputError:
    pass
  except Exception as error:  # pylint: disable=broad-except
    if not keep_going:
      raise
    signature = _signature(error)
    if signature not in _seen:
      _seen.add(signature)
      path = f'{prefix}finding-{len(_seen)}'
      with open(path, 'wb') as f:
        f.write(data)
      print(f'\nFINDING {len(_seen)}: {target.__name__}: {" ".join(signature)}: '
            f'{error!s:.200}\n  input {data[:200]!r}... in {path}', file=sys.stderr,
            flush=True)


def main():
  keep_going = '--keep-going' in sys.argv
  argv = [arg for arg in sys.argv if arg != '--keep-going']
  prefix = next((arg.partition('=')[2] for arg in argv
                 if arg.startswith('-artifact_prefix=')), '')
  atheris.Setup(argv, lambda data: one_input(data, keep_going, prefix))
  atheris.Fuzz()


if __name__ == '__main__':
  main()
