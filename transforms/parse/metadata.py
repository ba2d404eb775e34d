"""The metadata records every parser fills alike: subjects, renditions, entities.

Each builder returns a dict with the keys of its record in
schemas/wire_item.avsc (Subject, Rendition, Association, Entity), so that
every format describes the same thing the same way.
"""
import re
import urllib.parse
from typing import Optional

from transforms.parse.json_input import small_int

# Vocabularies known by where their uris live: (host, path prefix, scheme).
_URI_VOCABULARIES = (
    ('cv.iptc.org', '/newscodes/mediatopic/', 'medtop'),
    ('cv.iptc.org', '/newscodes/subjectcode/', 'subj'),
    ('cv.iptc.org', '/newscodes/genre/', 'genre'),
    ('cv.iptc.org', '/newscodes/', 'iptc'),
    ('sws.geonames.org', '/', 'geonames'),
    ('geonames.org', '/', 'geonames'),
    ('www.geonames.org', '/', 'geonames'),
    ('www.wikidata.org', '/', 'wikidata'),
)
_GEONAMES_ID = re.compile(r'/(\d+)(?:/|$)')
# A copyright line's words around the holder: "Copyright (c) 2019-26 by",
# and ", 2026. All rights reserved." The trailing words are looked for in
# the line's end only, so that no pattern runs along a long line.
_YEARS = r'\d{4}(?:\s*[-–/]\s*\d{2,4})?'
_COPYRIGHT_LEAD = re.compile(
    rf'(?:(?:copyright|\(c\)|©)\s*)+(?:{_YEARS}\b\s*)?(?:by\s+)?[-–—:,]?\s*', re.IGNORECASE)
_COPYRIGHT_TRAIL = re.compile(
    rf'[\s,.]*(?:{_YEARS})?[\s,.]*(?:all rights reserved)?[\s.]*$', re.IGNORECASE)
_TRAIL_WINDOW = 80
ENTITY_TYPES = frozenset({'PER', 'ORG', 'LOC', 'MISC'})
# A mention the parser did not find in the text (it has only markup then;
# the text is rendered by the normalize stage).
NOT_LOCATED = -1


def uri_host(uri: Optional[str]) -> Optional[str]:
  """The lower-case host of a uri; None without one, or when the uri is malformed.

  urlsplit raises ValueError on a bracketed host that is not an IPv6
  address ("http://[x"), which a source's metadata must not turn into a
  failed item.
  """
  parts = _split(uri)
  try:
    return parts.hostname if parts else None
  except ValueError:
    return None


def _split(uri: Optional[str]):
  try:
    return urllib.parse.urlsplit(uri.strip()) if uri else None
  except ValueError:
    return None


def subject(scheme: Optional[str], code: Optional[str], name: Optional[str]) -> dict:
  return {'scheme': scheme or None, 'code': code or None, 'name': name or None}


def qcode_subject(qcode: Optional[str], uri: Optional[str], name: Optional[str]) -> dict:
  """A subject from a qcode ("medtop:20000538"), else from its uri's vocabulary."""
  if qcode and ':' in qcode:
    scheme, _, code = qcode.partition(':')
    return subject(scheme, code, name)
  if uri:
    return subject(uri_vocabulary(uri), uri.rstrip('/').rpartition('/')[2], name)
  return subject(None, qcode, name)


def uri_vocabulary(uri: str) -> Optional[str]:
  """The vocabulary a concept's uri belongs to (medtop, geonames...), else its host.

  cv.ap.org stays cv.ap.org: AP's vocabulary has no shorter conventional name.
  """
  parts = _split(uri)
  if parts is None:
    return None
  host = uri_host(uri) or ''
  for known_host, prefix, scheme in _URI_VOCABULARIES:
    if host == known_host and parts.path.startswith(prefix):
      return scheme
  if parts.scheme and not host and ':' in uri:
    return parts.scheme  # a qcode such as medtop:20000538
  return host or None


def scheme_name(scheme: str) -> str:
  """A known vocabulary's short name for its uri (a feed category's domain), else as given."""
  known = uri_vocabulary(scheme)
  return known if known in {entry[2] for entry in _URI_VOCABULARIES} else scheme


def source_entity(entity_type: str, name: str, uri: Optional[str] = None) -> dict:
  """An Entity the source itself names, with its uri as id where it gives one.

  A GeoNames uri gives the GeoNames number, as the entity stage's own
  links do; other uris are kept whole. Offsets are NOT_LOCATED here and
  mentions 0: the text they refer to exists only after normalisation.
  """
  entity_id, id_scheme = None, None
  if uri:
    entity_id, id_scheme = uri.strip(), uri_vocabulary(uri)
    if id_scheme == 'geonames':
      number = _GEONAMES_ID.search(_split(entity_id).path)
      entity_id = number.group(1) if number else entity_id
  return {'type': entity_type, 'text': name, 'name': name,
          'start': NOT_LOCATED, 'end': NOT_LOCATED, 'mentions': 0,
          'id': entity_id, 'id_scheme': id_scheme, 'confidence': 1.0,
          'model': 'source', 'spans': []}


def rendition(href: Optional[str], name: Optional[str] = None,
              mime_type: Optional[str] = None, width=None, height=None,
              size_bytes=None) -> Optional[dict]:
  """A Rendition, or None without an href; numbers given as text are read."""
  if not href or not str(href).strip():
    return None
  return {'name': name or None, 'href': str(href).strip(), 'mime_type': mime_type or None,
          'width': _number(width), 'height': _number(height),
          'size_bytes': _number(size_bytes, digits=15)}


def association(uri: Optional[str], name: Optional[str] = None,
                item_type: Optional[str] = None,
                headline: Optional[str] = None) -> dict:
  return {'name': name or None, 'uri': uri or None, 'type': item_type or None,
          'headline': headline or None}


def copyright_holder(line: Optional[str]) -> Optional[str]:
  """The holder named by a copyright line: "Copyright 2013 Business Wire" -> "Business Wire"."""
  if not line:
    return None
  # One space between words first: optional spaces side by side would
  # otherwise try every split of a long run of blanks.
  line = ' '.join(line.split())
  lead = _COPYRIGHT_LEAD.match(line)
  line = line[lead.end():] if lead else line
  head, tail = line[:-_TRAIL_WINDOW], line[-_TRAIL_WINDOW:]
  return (head + _COPYRIGHT_TRAIL.sub('', tail, count=1)).strip(' .,-–—') or None


def _number(value, digits: int = 9) -> Optional[int]:
  if isinstance(value, bool):
    return None
  if isinstance(value, int):
    return value if 0 <= value < 10 ** digits else None
  if isinstance(value, float) and value.is_integer():
    return _number(int(value), digits)
  return small_int(value, digits) if isinstance(value, str) else None


def restored_metadata(extension) -> dict:
  """ParsedEntry metadata from a replayable item's extension (``replayable``).

  Rebuilt with the builders above, so that a dead letter edited by hand
  cannot bring a value of the wrong type into a record.
  """
  if not isinstance(extension, dict):
    return {}

  def objects(name):
    value = extension.get(name)
    return [o for o in value if isinstance(o, dict)] if isinstance(value, list) else []

  def string(value):
    return value if isinstance(value, str) and value.strip() else None

  renditions = (rendition(string(o.get('href')), string(o.get('name')),
                          string(o.get('mime_type')), o.get('width'), o.get('height'),
                          o.get('size_bytes')) for o in objects('renditions'))
  return {
      'subjects': [subject(string(o.get('scheme')), string(o.get('code')),
                           string(o.get('name'))) for o in objects('subjects')],
      'genre': string(extension.get('genre')),
      'embargoed_raw': string(extension.get('embargoed_raw')),
      'copyright_holder': string(extension.get('copyright_holder')),
      'usage_terms': string(extension.get('usage_terms')),
      'renditions': [r for r in renditions if r],
      'associations': [association(string(o.get('uri')), string(o.get('name')),
                                   string(o.get('type')), string(o.get('headline')))
                       for o in objects('associations')],
      'source_entities': [
          dict(source_entity(o['type'], o['name']), id=string(o.get('id')),
               id_scheme=string(o.get('id_scheme')))
          for o in objects('source_entities')
          if o.get('type') in ENTITY_TYPES and string(o.get('name'))],
  }
