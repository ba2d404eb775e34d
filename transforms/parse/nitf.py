"""IPTC NITF 3.x (News Industry Text Format): one story per document.

NITF comes alone (AP), inside NewsML 1.x ``DataContent`` (AFP) and inside
NewsML-G2 ``inlineXML`` (``application/nitf+xml``); ``nitf_fields`` reads
what the document says for all three. The story is ``body.content``;
``body.head`` holds the headline (``hl1``), byline, dateline and abstract,
``head/docdata`` the identity, urgency, dates, keywords and copyright, and
``head/tobject`` the IPTC subject codes; ``media`` elements in the body
point at its pictures and videos.
"""
from typing import List, Optional, Tuple

from transforms.entry import ParsedEntry
from transforms.errors import InputError
from transforms.parse import metadata
from transforms.parse.json_input import small_int
from transforms.parse.xml_tree import (
  XML_LANG,
  attribute,
  child,
  children,
  deep_nesting_refused,
  inner_html,
  local,
  parse_document,
  parse_element,
  path,
  pruned,
  spaced_text,
  text,
)

FORMAT = 'nitf'
# What may follow the agency in parentheses ending a dateline: "WASHINGTON (AP) --".
_AFTER_AGENCY = ' \t\r\n-–—:'
_AGENCY_MAX = 40
_WEEKDAYS = frozenset({'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday',
                       'sunday'})
_DATELINE_TRAILER = ' ,-–—:'  # not '.': "KANSAS CITY, Mo."
# docdata's management-status values that are pubstatus values too.
PUBSTATUSES = frozenset({'usable', 'withheld', 'canceled'})
# NITF identified-content elements that name an entity, by Entity type.
_IDENTIFIED_TYPES = {'person': 'PER', 'org': 'ORG', 'location': 'LOC'}
# Elements of a story that are not its text.
_NOT_STORY = frozenset({'media'})


def split_dateline(dateline: Optional[str]) -> Tuple[Optional[str], Optional[str]]:
  """(place, agency) of a dateline such as "PARIS, Dec 3 (AP) --"; agency None if unnamed.

  The date is left out of the place: the comma-separated parts from the
  first one holding a digit or opening with a weekday on ("MOSCOW, Monday";
  "KANSAS CITY, Mo." keeps its state).
  """
  if not dateline:
    return None, None
  start, agency = _agency_in_parentheses(dateline)
  parts = dateline[:start].split(',')
  dated = next((i for i, part in enumerate(parts) if _is_date(part)), len(parts))
  return ','.join(parts[:dated]).strip(_DATELINE_TRAILER) or None, agency


def _is_date(part: str) -> bool:
  words = part.split()
  return any(c.isdigit() for c in part) or bool(
      words and words[0].rstrip('.').lower() in _WEEKDAYS)


def _agency_in_parentheses(dateline: str) -> Tuple[int, Optional[str]]:
  """(where the agency's parentheses start, the agency) ending a dateline; else (len, None).

  Read with string methods, not a pattern: optional blanks around a lazy
  group backtrack quadratically on a dateline padded with blanks.
  """
  end = len(dateline.rstrip(_AFTER_AGENCY))
  if not end or dateline[end - 1] != ')':
    return len(dateline), None
  opening = dateline.rfind('(', 0, end - 1)
  agency = dateline[opening + 1:end - 1].strip()
  if opening < 0 or ')' in agency or not 0 < len(agency) <= _AGENCY_MAX:
    return len(dateline), None
  return opening, agency


def story_container(element):
  """The element whose children are the story: NITF body.content, XHTML body."""
  name = local(element.tag)
  if name == 'nitf':
    return path(element, 'body', 'body.content')
  if name == 'html':
    return child(element, 'body')
  return element if name in ('body', 'body.content') else None


def nitf_body_html(markup: str) -> Optional[str]:
  """The body.content of an NITF document as HTML; '' when it holds no text, None if unreadable.

  ninjs 3 carries NITF as a string body; its body.head repeats the headline
  and byline, which do not belong in the body text. A readable document
  without story text (a picture's, its media left out) gives ''.
  """
  try:
    container = story_container(parse_element(markup))
    return story_html(container) or '' if container is not None else None
  except (InputError, RecursionError, UnicodeError):
    return None


def _dateline(body_head) -> Tuple[Optional[str], Optional[str]]:
  """(located, agency): the dateline's location element, else its text less the date."""
  dateline = child(body_head, 'dateline')
  if dateline is None:
    return None, None
  place, agency = split_dateline(spaced_text(dateline, {'story.date'}))
  location = spaced_text(child(dateline, 'location'))
  return (location.strip(_DATELINE_TRAILER) if location else place), agency


def _date(docdata, name: str) -> Optional[str]:
  element = child(docdata, name)
  return attribute(element, 'norm') or text(element)


def _subjects(head) -> List[dict]:
  """tobject.subject codes in their vocabulary, named by their most specific label."""
  subjects = []
  for tobject in children(head, 'tobject'):
    for element in children(tobject, 'tobject.subject'):
      code = attribute(element, 'tobject.subject.refnum')
      name = next(filter(None, (attribute(element, f'tobject.subject.{level}')
                                for level in ('detail', 'matter', 'type'))), None)
      # tobject.subject.ipr names the vocabulary; IPTC's (the default) is subj.
      ipr = attribute(element, 'tobject.subject.ipr')
      scheme = 'subj' if not ipr or ipr.upper() == 'IPTC' else ipr
      if code or name:
        subjects.append(metadata.subject(scheme, code, name))
  return subjects


def _identified_uri(element) -> Optional[str]:
  """The uri of an identified entity: its value (the identifier) within its idsrc.

  NITF's ``idsrc`` names the source of the identifier and ``value`` is the
  identifier; a value that is a uri, or an idsrc that is one ending where
  the value goes on, gives the uri. An idsrc that is a uri alone stands for it.
  """
  idsrc, value = attribute(element, 'idsrc'), attribute(element, 'value')
  if value and '://' in value:
    return value
  if idsrc and '://' in idsrc:
    return idsrc + value if value and idsrc.endswith(('/', '#', '=')) else (
        None if value else idsrc)
  return None


def _identified_entities(docdata) -> List[dict]:
  """People, organisations and places that docdata's identified-content names."""
  entities = []
  identified = child(docdata, 'identified-content')
  for element in identified if identified is not None else []:
    entity_type = _IDENTIFIED_TYPES.get(local(element.tag))
    name = spaced_text(element) or attribute(element, 'value')
    if entity_type and name:
      entity = metadata.source_entity(entity_type, name, _identified_uri(element))
      idsrc, value = attribute(element, 'idsrc'), attribute(element, 'value')
      if entity['id'] is None and idsrc and value:  # an identifier within a named scheme
        entity.update(id=value, id_scheme=idsrc)
      entities.append(entity)
  return entities


def _byline(body_head) -> Optional[str]:
  """Every byline, each as its names then its title (byttl): "By Jane Doe, AP Writer"."""
  bylines = []
  for byline in children(body_head, 'byline'):
    names = (spaced_text(byline, {'byttl'}) or '').rstrip(' ,')
    title = spaced_text(child(byline, 'byttl'))
    bylines.append(', '.join(filter(None, (names, title))))
  return ', '.join(filter(None, bylines)) or None


def story_html(container) -> Optional[str]:
  """The story in a body.content (or XHTML body) as HTML, its media left out.

  A picture's caption and credit inside the story are not its text; the
  media themselves are renditions.
  """
  return inner_html(pruned(container, _NOT_STORY)) if container is not None else None


def _captions(body_content) -> Optional[str]:
  """The captions of the media in a story, as HTML paragraphs."""
  if body_content is None:
    return None
  captions = [inner_html(caption) for caption in body_content.iter()
              if local(caption.tag) == 'media-caption']
  return ''.join(f'<p>{caption}</p>' for caption in captions if caption) or None


def _media_renditions(body) -> List[dict]:
  """The media-reference of each media element in the body (a picture, a video)."""
  if body is None:
    return []
  found = [metadata.rendition(
      attribute(reference, 'source') or attribute(reference, 'data-location'),
      attribute(media, 'media-type'), attribute(reference, 'mime-type'),
      attribute(reference, 'width'), attribute(reference, 'height'))
      for media in body.iter() if local(media.tag) == 'media'
      for reference in children(media, 'media-reference')]
  return [rendition for rendition in found if rendition]


def nitf_fields(nitf) -> dict:
  """What an NITF document says, as keyword arguments of ``ParsedEntry``.

  Fields the document leaves out are absent, so that a NewsML envelope's
  own metadata can be merged with them.
  """
  head, body = child(nitf, 'head'), child(nitf, 'body')
  docdata, body_head = child(head, 'docdata'), child(body, 'body.head')
  located, dateline_agency = _dateline(body_head)
  copyright_element = child(docdata, 'doc.copyright')
  holder = attribute(copyright_element, 'holder')
  doc_id = child(docdata, 'doc-id')
  status = (attribute(docdata, 'management-status') or '').lower()
  embargo = child(docdata, 'embargo')
  fields = {
      'title': text(path(body_head, 'hedline', 'hl1')) or text(child(head, 'title')),
      'summary': inner_html(child(body_head, 'abstract')),
      'body': story_html(child(body, 'body.content')),
      'byline': _byline(body_head),
      'located': located,
      'agency': (dateline_agency or text(child(body_head, 'distributor')) or holder),
      'guid': attribute(doc_id, 'id-string'),
      'guid_scope': attribute(doc_id, 'regsrc'),
      'urgency': small_int(attribute(child(docdata, 'urgency'), 'ed-urg') or ''),
      'versioncreated_raw': (_date(docdata, 'date.issue')
                             or attribute(path(body_head, 'dateline', 'story.date'), 'norm')),
      'embargoed_raw': ((attribute(embargo, 'norm') or text(embargo))
                        or _date(docdata, 'date.release')),
      'language': (nitf.get(XML_LANG) or attribute(nitf, 'baselang')
                   or (body.get(XML_LANG) if body is not None else None)),
      'pubstatus': status if status in PUBSTATUSES else None,
      'keywords': [k for k in (attribute(keyword, 'key') for keyword in
                               children(child(docdata, 'key-list'), 'keyword')) if k],
      'copyright_holder': holder,
      'usage_terms': attribute(child(docdata, 'doc.rights'), 'limitations'),
      'subjects': _subjects(head),
      'renditions': _media_renditions(body),
      'source_entities': _identified_entities(docdata),
  }
  if fields['summary'] is None and fields['body'] is None:  # a picture's story
    fields['summary'] = _captions(child(body, 'body.content'))
  fields['summary_is_html'] = fields['summary'] is not None
  fields['body_is_html'] = fields['body'] is not None
  return {key: value for key, value in fields.items() if value not in (None, [])}


def parse_nitf(data: bytes, source: str, received_at=None) -> List[ParsedEntry]:
  """The one story of an NITF document; raises InputError when it is not NITF."""
  root, decoded = parse_document(data)
  if local(root.tag) != 'nitf':
    raise InputError('not_nitf', f'the root element is {local(root.tag)}, not nitf')
  with deep_nesting_refused():
    fields = nitf_fields(root)
  return [ParsedEntry(format=FORMAT, source=source, position=0, raw=data,
                      received_at=received_at, charset=decoded.charset,
                      charset_reason=decoded.reason, **fields)]
