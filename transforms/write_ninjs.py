"""Items as IPTC ninjs 2.1 documents, one JSON object per line (JSON Lines).

The README's "Mapping to IPTC ninjs" table, as code: a pure function of a
wire_item record, so that tests check it against IPTC's published JSON
Schema (``schemas/ninjs/``) without a pipeline. ninjs 2.1 allows no
property of its own, so what it has no place for (dedup verdicts, language
detection, offsets of mentions, MISC entities) stays in the Avro and
Parquet records.
"""
import datetime
import json
import re
from typing import Iterable, List, Optional
from urllib.parse import quote

NINJS_VERSION = '2.1'
NINJS_SCHEMA_URI = 'http://www.iptc.org/std/ninjs/ninjs-schema_2.1.json'
# ninjs 2.1's item types; a record's type outside them is left out.
NINJS_TYPES = ('text', 'audio', 'video', 'picture', 'graphic', 'composite', 'component')
# ninjs 2.1's pubstatus values and urgency range; a record's value outside them
# (a source's "draft", an NITF urgency of 0) is left out, as ninjs allows no other.
NINJS_PUBSTATUSES = ('usable', 'withheld', 'canceled')
NINJS_URGENCIES = range(1, 10)
# IPTC's own vocabularies, whose codes have a URI of IPTC's.
_SUBJECT_SCHEME_URIS = {
    'medtop': 'http://cv.iptc.org/newscodes/mediatopic/',
    'subj': 'http://cv.iptc.org/newscodes/subjectcode/',
}
GEONAMES_URI = 'https://sws.geonames.org/'
# Entity types and the ninjs array each goes to.
ENTITY_ARRAYS = {'PER': 'people', 'ORG': 'organisations', 'LOC': 'places'}


def _instant(value: Optional[datetime.datetime]) -> Optional[str]:
  """An instant as ninjs writes it: RFC 3339 in UTC, 'Z' for the zone."""
  if value is None:
    return None
  text = value.astimezone(datetime.timezone.utc).isoformat()
  return text.replace('+00:00', 'Z')


# What RFC 3986 allows in a URI as it is; anything else (a space in a guid,
# non-ASCII letters of an IRI) is percent-encoded as UTF-8.
_URI_CHARACTERS = "!#$%&'()*+,/:;=?@[]~-._"


def as_uri(value: Optional[str]) -> Optional[str]:
  """A value as a URI ninjs accepts: ``urn:wirebeam:guid:/in/my file.json:AP 1``
  has its spaces encoded; a URI already valid is unchanged."""
  return quote(value, safe=_URI_CHARACTERS) if value else value


def _without_empty(values: dict) -> dict:
  """ninjs leaves out what is unknown: no nulls, no empty arrays."""
  return {key: value for key, value in values.items() if value not in (None, [], '')}


def ninjs_entity(entity: dict) -> dict:
  """A person, organisation or place: its name, and its linked id as ``literal``
  (``iso3166:RU``, ``geonames:524901``) and, for GeoNames, its URI.

  An id the source gave as a URI (``http://www.wikidata.org/entity/Q7747``)
  is its ``uri``, and one given as a qcode (``nrpers:un``) its ``literal``
  as it is: neither is prefixed with its scheme again.
  """
  entity_id, scheme = entity['id'], entity['id_scheme']
  uri = literal = None
  if entity_id:
    if '://' in entity_id:
      uri = entity_id
    elif scheme and not entity_id.startswith(f'{scheme}:'):
      literal = f'{scheme}:{entity_id}'
    else:
      literal = entity_id  # a qcode, or an id of no known scheme
    if scheme == 'geonames' and entity_id.isdigit():
      uri = f'{GEONAMES_URI}{entity_id}/'
  return _without_empty({'name': entity['name'], 'literal': literal, 'uri': as_uri(uri)})


def ninjs_subject(subject: dict) -> dict:
  """A subject: IPTC's codes as their URIs, other schemes' codes as ``scheme:code``."""
  scheme, code = subject['scheme'], subject['code']
  uri = _SUBJECT_SCHEME_URIS.get(scheme) if code else None
  return _without_empty({
      'name': subject['name'],
      'uri': as_uri(uri + code) if uri else None,
      'literal': None if uri or not code else (f'{scheme}:{code}' if scheme else code),
  })


def _subjects(record: dict) -> List[dict]:
  """The source's subjects, then its keywords (ninjs 2.x has no keywords) not already named."""
  subjects = [subject for subject in map(ninjs_subject, record.get('subjects') or [])
              if subject]
  named = {subject.get('name') for subject in subjects}
  subjects += [{'name': keyword} for keyword in dict.fromkeys(record['keywords'])
               if keyword not in named]
  return subjects


def ninjs_rendition(rendition: dict, number: int) -> dict:
  """A rendition; ninjs requires a name, so an unnamed one is ``rendition<N>``."""
  return _without_empty({
      'name': rendition['name'] or f'rendition{number}',
      'href': as_uri(rendition['href']),
      'contenttype': rendition['mime_type'],
      'width': rendition['width'],
      'height': rendition['height'],
      'sizeinbytes': rendition['size_bytes'],
  })


def ninjs_association(association: dict, number: int) -> Optional[dict]:
  """An associated item: ninjs requires its name and uri (none without a uri)."""
  if not association['uri']:
    return None
  return _without_empty({
      'name': association['name'] or f'association{number}',
      'uri': as_uri(association['uri']),
      'type': association['type'] if association['type'] in NINJS_TYPES else None,
      'headlines': ([{'value': association['headline']}]
                    if association['headline'] else None),
  })


def to_ninjs(record: dict) -> dict:
  """A wire_item record as a ninjs 2.1 document (README, Mapping to IPTC ninjs)."""
  entities = {array: [ninjs_entity(entity) for entity in record['entities']
                      if entity['type'] == entity_type]
              for entity_type, array in ENTITY_ARRAYS.items()}
  associations = [ninjs_association(association, number) for number, association
                  in enumerate(record.get('associations') or [], start=1)]
  return _without_empty({
      'uri': as_uri(record['uri']),
      'standard': {'name': 'ninjs', 'version': NINJS_VERSION, 'schema': NINJS_SCHEMA_URI},
      'type': record['type'] if record['type'] in NINJS_TYPES else None,
      'version': record['version'],
      'pubstatus': record['pubstatus'] if record['pubstatus'] in NINJS_PUBSTATUSES else None,
      'urgency': record['urgency'] if record['urgency'] in NINJS_URGENCIES else None,
      'firstcreated': _instant(record['firstcreated']),
      'versioncreated': _instant(record['versioncreated']),
      'embargoed': _instant(record.get('embargoed')),
      'language': record['language'] if record['language'] != 'und' else None,
      'headlines': [{'role': 'main', 'value': record['headline']}] if record['headline'] else None,
      'by': record['byline'],
      'located': record['located'],
      'descriptions': ([{'role': 'summary', 'value': record['description_text']}]
                       if record['description_text'] else None),
      'bodies': ([{'role': 'main', 'contenttype': 'text/plain', 'value': record['body_text']}]
                 if record['body_text'] else None),
      'copyrightholder': record.get('copyright_holder'),
      'usageterms': record.get('usage_terms'),
      'genres': [{'name': record['genre']}] if record.get('genre') else None,
      'subjects': _subjects(record),
      'infosources': [{'name': record['agency']}] if record['agency'] else None,
      'altids': [{'role': 'url', 'value': record['link']}] if record['link'] else None,
      'renditions': [ninjs_rendition(rendition, number) for number, rendition
                     in enumerate(record.get('renditions') or [], start=1)],
      'associations': [association for association in associations if association],
      **entities,
  })


# Line ends of Unicode that JSON leaves unescaped; str.splitlines and some
# JSON Lines readers end a line there, so they are written escaped.
_UNICODE_LINE_END = re.compile('[\u0085\u2028\u2029]')


def ninjs_line(record: dict) -> str:
  """One line of a ninjs JSON Lines file (UTF-8, no ASCII escapes but for the
  line ends of Unicode, U+0085, U+2028 and U+2029, which JSON allows in a string)."""
  line = json.dumps(to_ninjs(record), ensure_ascii=False, separators=(',', ':'))
  return _UNICODE_LINE_END.sub(lambda found: f'\\u{ord(found[0]):04x}', line)


def write_ninjs(file, records: Iterable[dict]) -> None:
  """Writes records as ninjs JSON Lines to an open binary file."""
  for record in records:
    file.write((ninjs_line(record) + '\n').encode('utf-8'))


def read_ninjs(data: bytes) -> List[dict]:
  """The ninjs documents of a JSON Lines file's bytes: lines end at '\\n' alone
  (str.splitlines would also end one inside a string, at U+2028)."""
  return [json.loads(line) for line in data.decode('utf-8').split('\n') if line.strip()]
