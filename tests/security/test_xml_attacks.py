"""Hostile XML: every entity trick ends as an InputError, unexpanded and unfetched.

RSS and Atom reach feedparser only through our guard
(``transforms.parse.xml_feed.decode_xml``, which refuses ``<!ENTITY``);
NewsML-G2, NewsML 1.x, NITF and OPML are parsed by defusedxml. What feedparser 6.0 (on expat
2.5) does by itself, checked before relying on the guard:

- ``feedparser.sanitizer.replace_doctype`` deletes the DOCTYPE and every
  ENTITY declaration that starts a line, then declares again the "safe"
  ones (a literal value without '&'). A quadratic blowup written one
  declaration per line is therefore expanded by feedparser alone (4 KB in,
  a 1 MB title out); billion laughs nests references, is not "safe", and
  stays literal text. A DOCTYPE that does not start a line is left to expat.
- Its SAX parser has external general entities off: expat calls back for
  SYSTEM entities and for the external DTD subset, and xml.sax answers
  without opening anything, so nothing is read or fetched and the reference
  becomes empty text.
- expat >= 2.4 stops billion laughs once its output passes 8 MiB at more
  than 100 times the input; below that it expands whatever is declared.

So feedparser alone never fetches, but it does expand; the guard is what
stops expansion, and the tests at the end show where the guard looks.
"""
import dataclasses
import time
from typing import Tuple

import pytest
from conftest import FeedServer, Route

from transforms.errors import InputError
from transforms.parse.entries import parse_source
from transforms.read.feed_list import parse_feed_list

TIME_LIMIT = 2.0  # seconds; a correctness bound, not a benchmark
TITLE = b'Talks resume in Geneva'
# What an expansion or a leak would put into the output.
LEAKS = ('lollol', 'root:', 'LEAKED', 'FETCHED', 'INNER', 'Q' * 4000)
BASE = b'{base}'  # replaced by the FeedServer's address


@dataclasses.dataclass(frozen=True)
class Attack:
  declarations: Tuple[bytes, ...]  # the DOCTYPE's internal subset
  system: bytes  # the DOCTYPE's external DTD, or b''
  reference: bytes  # what the document's text says


ATTACKS = {
    'billion_laughs': Attack(
        (b'<!ENTITY lol0 "lol">',) + tuple(
            b'<!ENTITY lol%d "%s">' % (i, b'&lol%d;' % (i - 1) * 10)
            for i in range(1, 10)),
        b'', b'&lol9;'),
    # One 2000-byte entity referenced 500 times: 1 MB from 4 KB.
    'quadratic_blowup': Attack((b'<!ENTITY q "' + b'Q' * 2000 + b'">',), b'',
                               b'&q;' * 500),
    'xxe_file': Attack((b'<!ENTITY xxe SYSTEM "file:///etc/passwd">',), b'', b'&xxe;'),
    'xxe_http': Attack((b'<!ENTITY xxe SYSTEM "' + BASE + b'/x">',), b'', b'&xxe;'),
    'external_dtd': Attack((), BASE + b'/evil.dtd', TITLE),
    # &leak; is declared only in the external DTD, which must stay unread.
    'external_dtd_entity': Attack((), BASE + b'/evil.dtd', b'&leak;'),
    'parameter_entity': Attack(
        (b'<!ENTITY % remote SYSTEM "' + BASE + b'/evil.dtd">', b'%remote;'),
        b'', b'&leak;'),
    'internal_parameter_entity': Attack(
        (b'<!ENTITY % inner "<!ENTITY in \'INNER\'>">', b'%inner;'), b'', b'&in;'),
}

# Root element and document, with REF where the attack's text goes.
FORMATS = {
    'rss': (b'rss', b'<rss version="2.0"><channel><title>Wire</title>'
            b'<link>https://wire.example.com/</link>\n'
            b'<item><title>REF</title><description>REF</description></item>'
            b'</channel></rss>'),
    'atom': (b'feed', b'<feed xmlns="http://www.w3.org/2005/Atom"><title>Wire</title>'
             b'<id>urn:wire</id><updated>2026-11-28T10:00:00Z</updated>\n'
             b'<entry><id>urn:wire:1</id><title>REF</title>'
             b'<updated>2026-11-28T10:00:00Z</updated><summary>REF</summary></entry>'
             b'</feed>'),
    'newsml_g2': (b'newsItem', b'<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" '
                  b'guid="urn:newsml:wire.example.com:1" version="1" standard="NewsML-G2" '
                  b'standardversion="2.29">\n<itemMeta><itemClass qcode="ninat:text"/>'
                  b'<provider qcode="nprov:WIRE"/>'
                  b'<versionCreated>2026-11-28T10:00:00Z</versionCreated></itemMeta>\n'
                  b'<contentMeta><headline>REF</headline></contentMeta>\n'
                  b'<contentSet><inlineXML contenttype="application/xhtml+xml">'
                  b'<html xmlns="http://www.w3.org/1999/xhtml"><body><p>REF</p></body>'
                  b'</html></inlineXML></contentSet></newsItem>'),
    'nitf': (b'nitf', b'<nitf><head><docdata><doc-id id-string="1"/></docdata></head>\n'
             b'<body><body.head><hedline><hl1>REF</hl1></hedline></body.head>'
             b'<body.content><p>REF</p></body.content></body></nitf>'),
    'newsml1': (b'NewsML', b'<NewsML Version="1.2"><NewsItem><NewsComponent>\n'
                b'<NewsLines><HeadLine>REF</HeadLine></NewsLines>'
                b'<ContentItem><DataContent>REF</DataContent></ContentItem>'
                b'</NewsComponent></NewsItem></NewsML>'),
    'opml': (b'opml', b'<opml version="2.0"><head><title>REF</title></head><body>\n'
             b'<outline text="REF" xmlUrl="https://wire.example.com/feed.xml"/>'
             b'</body></opml>'),
}


@dataclasses.dataclass(frozen=True)
class Parsed:
  """The outcome of a document that is read: its first title."""
  title: str


REFUSED = {'rss': 'xml_entities_forbidden', 'atom': 'xml_entities_forbidden',
           'newsml_g2': 'xml_entities_forbidden', 'nitf': 'xml_entities_forbidden',
           'newsml1': 'xml_entities_forbidden', 'opml': 'invalid_feed_list'}
OUTCOMES = {
    **{name: REFUSED for name, attack in ATTACKS.items() if attack.declarations},
    'external_dtd': {fmt: Parsed(TITLE.decode()) for fmt in FORMATS},
    # feedparser drops the line-starting DOCTYPE, expat then finds an
    # undefined entity and feedparser's loose parser keeps it as text;
    # defusedxml reports the undefined entity.
    'external_dtd_entity': {'rss': Parsed('&leak;'), 'atom': Parsed('&leak;'),
                            'newsml_g2': 'unrecoverable_xml', 'nitf': 'unrecoverable_xml',
                            'newsml1': 'unrecoverable_xml', 'opml': 'invalid_feed_list'},
}


def document(fmt: str, attack: str, base: str) -> bytes:
  """The attack as a document of the format, declarations one per line."""
  root, body = FORMATS[fmt]
  declarations, system, reference = dataclasses.astuple(ATTACKS[attack])
  doctype = b'<!DOCTYPE ' + root
  if system:
    doctype += b' SYSTEM "' + system + b'"'
  if declarations:
    doctype += b' [\n' + b'\n'.join(declarations) + b'\n]'
  data = (b'<?xml version="1.0" encoding="utf-8"?>\n' + doctype + b'>\n'
          + body.replace(b'REF', reference))
  return data.replace(BASE, base.encode())


# Ways to hide a DOCTYPE's declarations from a guard that scans the text.
# Nothing starts a line, so that feedparser's replace_doctype leaves the
# whole DOCTYPE to expat.
EVASIONS = {
    # Past 64 KiB of comment and after a first '>', where the guard stopped
    # looking before e0bfd80.
    'after_64_kib': lambda root: (b'<!--' + b'x' * 65536 + b'--><!DOCTYPE ' + root
                                  + b' [<!ELEMENT ' + root + b' ANY>'),
    # After a processing instruction holding ']', which the internal subset
    # may contain and a scan that stops at the first ']' takes for its end.
    'after_pi_with_bracket': lambda root: b'<!--c--><!DOCTYPE ' + root + b' [<?pi ]?>',
}


def evasive_document(evasion: str, fmt: str, attack: str, base: str) -> bytes:
  root, body = FORMATS[fmt]
  attack = ATTACKS[attack]
  data = (EVASIONS[evasion](root) + b''.join(attack.declarations) + b']>'
          + body.replace(b'REF', attack.reference))
  return data.replace(BASE, base.encode())


def titles(fmt: str, data: bytes) -> list:
  if fmt == 'opml':
    return [spec.title for spec in parse_feed_list(data)]
  return [entry.title for entry in parse_source(fmt, data)]


def texts(fmt: str, data: bytes) -> str:
  """Every text the parser gives, to look for leaks in."""
  if fmt == 'opml':
    return repr(parse_feed_list(data))
  return ' '.join(f'{entry.title} {entry.summary} {entry.body}'
                  for entry in parse_source(fmt, data))


@pytest.fixture(scope='module')
def bait_server():
  """One server for the module: closing one takes half a second."""
  server = FeedServer()
  server.routes['/evil.dtd'] = Route(
      200, b'<!ENTITY leak "LEAKED">', {'Content-Type': 'application/xml-dtd'})
  server.routes['/x'] = Route(200, b'FETCHED', {'Content-Type': 'text/plain'})
  yield server
  server.close()


@pytest.fixture
def bait(bait_server):
  """A server with something to fetch, that records whether anyone did."""
  bait_server.requests.clear()
  return bait_server


@pytest.mark.parametrize('fmt', FORMATS)
@pytest.mark.parametrize('attack', ATTACKS)
def test_attack_is_refused_or_read_without_expansion_nor_fetch(bait, attack, fmt):
  data = document(fmt, attack, bait.url(''))
  expected = OUTCOMES[attack][fmt]
  started = time.monotonic()
  if isinstance(expected, Parsed):
    assert titles(fmt, data)[0] == expected.title
    output = texts(fmt, data)
  else:
    with pytest.raises(InputError) as error:
      titles(fmt, data)
    assert error.value.reason == expected
    output = str(error.value)
  assert time.monotonic() - started < TIME_LIMIT
  assert [leak for leak in LEAKS if leak in output] == []
  assert bait.requests == []


DECLARING = [name for name, attack in ATTACKS.items() if attack.declarations]


@pytest.mark.parametrize('fmt', ['rss', 'atom'])
@pytest.mark.parametrize('attack', DECLARING)
@pytest.mark.parametrize('evasion', ['after_64_kib', 'after_pi_with_bracket'])
def test_hidden_entity_declarations_are_refused(bait, evasion, attack, fmt):
  with pytest.raises(InputError) as error:
    parse_source(fmt, evasive_document(evasion, fmt, attack, bait.url('')))
  assert error.value.reason == 'xml_entities_forbidden'


@pytest.mark.parametrize('fmt', ['rss', 'atom'])
@pytest.mark.parametrize('evasion, attack', [
    (evasion, name) for evasion in EVASIONS for name in DECLARING])
def test_hidden_entity_declarations_are_never_expanded_nor_fetched(
    bait, evasion, attack, fmt):
  """Behind the guard: feedparser's SAX settings (no external entities) and
  expat's amplification limit, which lets billion laughs run to 8 MiB first:
  some 860,000 SAX callbacks into feedparser, 0.5 to 1 s of CPU, more on a
  busy machine; hence a looser bound than TIME_LIMIT."""
  started = time.monotonic()
  try:
    output = texts(fmt, evasive_document(evasion, fmt, attack, bait.url('')))
  except InputError as error:  # what the guard should say
    output = str(error)
  assert time.monotonic() - started < 3 * TIME_LIMIT
  assert bait.requests == []
  assert [leak for leak in LEAKS if leak in output] == []
