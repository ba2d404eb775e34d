"""IPTC ninjs 1.x, 2.x and 3.x news items (JSON).

The generations name the same things differently: 1.x has flat properties
with extensible suffixes (``headline``, ``body_text``, ``body_xhtml``,
``description_caption``), 2.x and 3.x have arrays of ``{role, contenttype,
value}`` objects (``headlines``, ``bodies``, ``descriptions``), and 3.x
writes property names in camelCase (``versionCreated``, ``pubStatus``,
``contentType``). Property names are looked up case-insensitively so one
reader serves all three.
"""
from typing import Any, List, NamedTuple, Optional

from transforms.entry import ParsedEntry
from transforms.errors import InputError
from transforms.parse import metadata
from transforms.parse.json_input import decode_json, parse_json_or_lines, small_int
from transforms.parse.nitf import nitf_body_html
from transforms.replayable import json_bytes

# Property names (lower-cased) that mark a JSON object as a ninjs item; "uri"
# is required by every ninjs version.
_ITEM_PROPERTIES = frozenset({
    'uri', 'headline', 'headlines', 'bodies', 'body_text', 'body_html',
    'body_xhtml', 'versioncreated', 'firstcreated'})
_EXTENSIBLE_PREFIXES = ('headline_', 'body_', 'description_')
# Description roles that credit someone rather than summarise the story.
_CREDIT_ROLES = frozenset({'creditline', 'credit', 'writer', 'byline'})
# The properties naming people, organisations and places (2.x and 3.x plural,
# 1.x singular), by Entity type.
_ENTITY_PROPERTIES = (('people', 'PER'), ('person', 'PER'), ('organisations', 'ORG'),
                      ('organisation', 'ORG'), ('places', 'LOC'), ('place', 'LOC'))


class _Text(NamedTuple):
  """One variant of a headline, body or description."""
  value: str
  role: str  # lower-case; '' when the source gives none
  markup: str  # plain, html or nitf


def _string(value: Any) -> Optional[str]:
  return value if isinstance(value, str) and value.strip() else None


def _markup(label: str) -> str:
  """plain, html or nitf, from a content type, role or property suffix."""
  label = label.lower()
  if 'nitf' in label:
    return 'nitf'
  return 'html' if 'html' in label else 'plain'


def _variants(fields: dict, singular: str, plural: str) -> List[_Text]:
  """Every headline, body or description of an item, in source order.

  1.x spells the variant in the property name (``body_xhtml``); 2.x and 3.x
  list objects whose content type, or else role, tells the markup.
  """
  variants = []
  listed = fields.get(plural) if isinstance(fields.get(plural), list) else []
  for obj in listed:
    if isinstance(obj, dict) and _string(obj.get('value')):
      obj = {key.lower(): value for key, value in obj.items()}
      role = obj.get('role') if isinstance(obj.get('role'), str) else ''
      content_type = obj.get('contenttype')
      label = content_type if isinstance(content_type, str) else role
      variants.append(_Text(obj['value'], role.lower(), _markup(label)))
  for key, value in fields.items():
    if (key == singular or key.startswith(singular + '_')) and _string(value):
      role = key[len(singular) + 1:]
      variants.append(_Text(value, role, _markup(role)))
  return variants


def _preferred(variants: List[_Text], order=('plain', 'html', 'nitf')):
  """(value, is_html) of the first variant in the preferred markup order.

  An NITF variant whose body.content holds no text (a picture's) is passed
  over; one that cannot be read is taken as the HTML it may be.
  """
  for markup in order:
    for variant in variants:
      if variant.markup == 'nitf' == markup:
        story = nitf_body_html(variant.value)
        if story is None or story:
          return story or variant.value, True
      elif variant.markup == markup:
        return variant.value, markup == 'html'
  return None, False


def _body_order(bodies: List[_Text]):
  """Plain text first, unless it lost the paragraphs that the markup keeps."""
  plain = [b for b in bodies if b.markup == 'plain']
  if plain and '\n' not in plain[0].value.strip():
    return ('html', 'nitf', 'plain')
  return ('plain', 'html', 'nitf')


def _headline(fields: dict):
  """The main headline, else the first one, else the item's short title."""
  headlines = _variants(fields, 'headline', 'headlines')
  main = [h for h in headlines if h.role in ('', 'main')] or headlines
  if main:
    return main[0].value, main[0].markup != 'plain'
  return _string(fields.get('title')), False


def _version(value: Any) -> Optional[str]:
  """The version as a string; 1.x schemas require one, but numbers occur."""
  if isinstance(value, int) and not isinstance(value, bool):
    return str(value)
  return _string(value)


def _urgency(value: Any) -> Optional[int]:
  if isinstance(value, bool):
    return None
  if isinstance(value, float) and value.is_integer():
    value = int(value)
  return small_int(str(value)) if isinstance(value, (int, str)) else None


def _names(value: Any) -> List[str]:
  """The names of a list of ninjs objects (subjects, infosources)."""
  objects = value if isinstance(value, list) else [value]
  return [o['name'] for o in objects
          if isinstance(o, dict) and _string(o.get('name'))]


def _keywords(fields: dict) -> List[str]:
  keywords = [_string(fields.get('slugline'))]
  if isinstance(fields.get('keywords'), list):
    keywords += fields['keywords']
  keywords += _names(fields.get('subjects') or fields.get('subject'))
  return list(dict.fromkeys(k for k in keywords if _string(k)))


def _objects(value: Any) -> List[dict]:
  """A ninjs list of objects (or 1.x's object of named objects), keys lower-cased.

  A 1.x name (``renditions: {"main": {...}}``) becomes the object's name.
  """
  if isinstance(value, dict):
    value = [{'name': name, **obj} for name, obj in value.items() if isinstance(obj, dict)]
  if not isinstance(value, list):
    return []
  return [{key.lower(): v for key, v in obj.items()} for obj in value
          if isinstance(obj, dict)]


def _subjects(fields: dict) -> List[dict]:
  """Subjects with their scheme: given (1.x), else the vocabulary of their uri."""
  subjects = []
  for obj in _objects(fields.get('subjects') or fields.get('subject')):
    uri = _string(obj.get('uri'))
    code = _string(obj.get('code')) or _string(obj.get('literal'))
    if uri and not code:
      code = uri.rstrip('/').rpartition('/')[2]
    scheme = _string(obj.get('scheme')) or (metadata.uri_vocabulary(uri) if uri else None)
    if code or _string(obj.get('name')):
      subjects.append(metadata.subject(scheme, code, _string(obj.get('name'))))
  return subjects


def _genre(fields: dict) -> Optional[str]:
  genres = _objects(fields.get('genres') or fields.get('genre'))
  names = [_string(g.get('name')) or _string(g.get('literal')) for g in genres]
  return next(filter(None, names), None) or _string(fields.get('genre'))


def _renditions(fields: dict) -> List[dict]:
  found = [metadata.rendition(
      _string(r.get('href')), _string(r.get('name')),
      _string(r.get('contenttype')) or _string(r.get('mimetype')),
      r.get('width'), r.get('height'), r.get('sizeinbytes'))
      for r in _objects(fields.get('renditions'))]
  return [rendition for rendition in found if rendition]


def _associations(fields: dict) -> List[dict]:
  return [metadata.association(
      _string(a.get('uri')), _string(a.get('name')), _string(a.get('type')),
      _headline(a)[0]) for a in _objects(fields.get('associations'))]


def _concept_uri(obj: dict) -> Optional[str]:
  """The uri, or 1.x's scheme and code ("http://www.freebase.com/m/" + "0hzcydt")."""
  scheme, code = _string(obj.get('scheme')), _string(obj.get('code'))
  return _string(obj.get('uri')) or (scheme + code if scheme and code else None)


def _source_entities(fields: dict) -> List[dict]:
  """People, organisations and places the item names, with their uris."""
  return [metadata.source_entity(entity_type, obj['name'].strip(), _concept_uri(obj))
          for key, entity_type in _ENTITY_PROPERTIES
          for obj in _objects(fields.get(key)) if _string(obj.get('name'))]


def _entry(item: Any, position: int, raw: bytes, source: str,
           received_at) -> ParsedEntry:
  # An element of a list that is not an object still becomes an entry, kept
  # with its own raw JSON, so that it ends as a dead letter, not silently.
  fields = ({key.lower(): value for key, value in item.items()}
            if isinstance(item, dict) else {})
  title, title_is_html = _headline(fields)
  summaries = [d for d in _variants(fields, 'description', 'descriptions')
               if d.role not in _CREDIT_ROLES]
  summary, summary_is_html = _preferred(summaries, order=('plain', 'html'))
  bodies = _variants(fields, 'body', 'bodies')
  body, body_is_html = _preferred(bodies, order=_body_order(bodies))
  pubstatus = _string(fields.get('pubstatus'))
  sources = _names(fields.get('infosources') or fields.get('infosource'))
  agency = _string(fields.get('copyrightholder')) or (sources[0] if sources else None)
  return ParsedEntry(
      format='ninjs', source=source, position=position, raw=raw,
      item_type=_string(fields.get('type')) or 'text',
      # ninjs wants a URI; a bare one is unique within its agency at best,
      # never within the file that happened to hold it.
      guid=_string(fields.get('uri')), guid_scope=agency or 'ninjs',
      version=_version(fields.get('version')),
      title=title, title_is_html=title_is_html,
      summary=summary, summary_is_html=summary_is_html,
      body=body, body_is_html=body_is_html,
      byline=_string(fields.get('byline')) or _string(fields.get('by')),
      located=_string(fields.get('located')),
      agency=agency,
      firstcreated_raw=(_string(fields.get('firstcreated'))
                        or _string(fields.get('contentcreated'))),
      versioncreated_raw=_string(fields.get('versioncreated')),
      language=_string(fields.get('language')),
      pubstatus=pubstatus,
      urgency=_urgency(fields.get('urgency')),
      keywords=_keywords(fields), received_at=received_at,
      subjects=_subjects(fields), genre=_genre(fields),
      embargoed_raw=_string(fields.get('embargoed')),
      copyright_holder=_string(fields.get('copyrightholder')),
      usage_terms=_string(fields.get('usageterms')),
      renditions=_renditions(fields), associations=_associations(fields),
      source_entities=_source_entities(fields))


def _is_item(value: Any) -> bool:
  return isinstance(value, dict) and any(
      key.lower() in _ITEM_PROPERTIES
      or key.lower().startswith(_EXTENSIBLE_PREFIXES) for key in value)


def _items(document: Any) -> Optional[list]:
  """The items a ninjs document holds, or None when it is not ninjs.

  Besides one item or a list of them, accepts an envelope such as AP's
  ``{"data": {"items": [{"item": {...}}]}}``.
  """
  if isinstance(document, list):
    return document if any(_is_item(element) for element in document) else None
  if _is_item(document):
    return [document]
  if not isinstance(document, dict):
    return None
  data = document.get('data')
  listed = (data if isinstance(data, dict) else document).get('items')
  if not isinstance(listed, list):
    return None
  items = [e['item'] if isinstance(e, dict) and _is_item(e.get('item')) else e
           for e in listed]
  return items if any(_is_item(item) for item in items) else None


def parse_ninjs(data: bytes, source: str, received_at=None) -> List[ParsedEntry]:
  """One entry per ninjs item, media items included: a document, a list or
  a JSON Lines file of them."""
  decoded = decode_json(data)
  items = _items(parse_json_or_lines(decoded.text))
  if items is None:
    raise InputError('not_ninjs',
                     'JSON without a ninjs uri, headline, body or date')
  several = len(items) > 1
  entries = [
      _entry(item, position,
             json_bytes(item) if several else data,
             source, received_at)
      for position, item in enumerate(items)]
  for entry in entries:
    entry.charset, entry.charset_reason = decoded.charset, decoded.reason
  return entries
