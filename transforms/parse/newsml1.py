"""IPTC NewsML 1.x (AFP, ANA, Business Wire): a ``NewsML`` envelope of ``NewsItem``s.

A NewsItem has its identity and management metadata, and one root
``NewsComponent`` that nests others; each component has a role, news lines
(headline, byline, dateline...), descriptive and rights metadata, and
``ContentItem``s whose ``DataContent`` holds NITF, XHTML or plain text,
or whose ``Href`` points at a picture or video. One entry per NewsItem:
its headline and metadata from the outermost component that gives them,
its body from the first text content item that is not a headline, a
contact block or a style sheet, its media as renditions, the items it
refers to as associations.
"""
import re
from typing import Iterator, List, Optional
from xml.etree import ElementTree

from transforms.entry import ParsedEntry
from transforms.errors import InputError
from transforms.parse import metadata
from transforms.parse.json_input import small_int
from transforms.parse.nitf import PUBSTATUSES, nitf_fields, split_dateline, story_container
from transforms.parse.xml_tree import (
  HTML_IN_PLAIN_TEXT,
  XML_LANG,
  attribute,
  child,
  children,
  decoded_text,
  deep_nesting_refused,
  inner_html,
  local,
  parse_document,
  path,
  pruned,
  text,
)

FORMAT = 'newsml1'
# Component roles whose text is not the story (Business Wire's, AFP's).
_NOT_BODY_ROLES = frozenset({
    'headline', 'subheadline', 'contact', 'stylesheet', 'logo', 'caption',
    'byline', 'dateline', 'slugline', 'credit'})
_SUMMARY_ROLES = frozenset({'subheadline', 'summary', 'abstract', 'lead'})
_ITEM_TYPES = {'text': 'text', 'photo': 'picture', 'picture': 'picture',
               'image': 'picture', 'graphic': 'graphic', 'video': 'video',
               'audio': 'audio', 'sound': 'audio'}
_IPTC_SUBJECT_SCHEMES = frozenset({'iptcsubjectcodes', 'iptcsubjectcode'})
_WIDTH_PROPERTIES = frozenset({'width', 'pixelwidth'})
_HEIGHT_PROPERTIES = frozenset({'height', 'pixelheight'})
_RENDITION_NAME_PROPERTIES = frozenset({'imageuse', 'multimediause'})


def _formal_name(element) -> Optional[str]:
  return attribute(element, 'FormalName')


def _role(component) -> str:
  return (_formal_name(child(component, 'Role')) or '').lower()


def _components(element) -> Iterator:
  """NewsComponents under an element, depth first, leaving nested NewsItems out."""
  for node in element:
    if local(node.tag) == 'NewsComponent':
      yield node
      yield from _components(node)


def _first(components, *names: str) -> Optional[str]:
  """The first text found at this path in any component, outermost first."""
  return next(filter(None, (text(path(c, *names)) for c in components)), None)


def _first_name(components, *names: str) -> Optional[str]:
  """The first FormalName found at this path in any component."""
  return next(filter(None, (_formal_name(path(c, *names)) for c in components)), None)


def _data_text(content_item) -> Optional[str]:
  """The text of a ContentItem's DataContent, base64 decoded when its Encoding says so.

  None for an encoding that is not text (a compressed or binary payload).
  """
  data = child(content_item, 'DataContent')
  if data is None:
    return None
  return decoded_text(data.text, _formal_name(child(content_item, 'Encoding')))


def _content_kind(content_item) -> Optional[str]:
  """nitf, html or text for a ContentItem whose DataContent holds a story, else None.

  Markup inside DataContent tells the kind (NITF, XHTML); text alone is
  HTML when the labels say so (escaped markup) or it holds paragraph tags
  whatever the labels say (ANA's), plain text when they say text or
  nothing, and anything else (CSS, other XML) is not a story.
  """
  data = child(content_item, 'DataContent')
  if data is None:
    return None
  labels = ' '.join(filter(None, (_formal_name(child(content_item, name)) for name in
                                  ('Format', 'MimeType', 'MediaType')))).lower()
  if child(data, 'nitf') is not None:
    return 'nitf'
  if child(data, 'html') is not None or child(data, 'body') is not None or (
      len(data) and 'html' in labels):
    return 'html'
  content = _data_text(content_item)
  if len(data) or not (content or '').strip() or 'css' in labels:
    return None
  if 'html' in labels:
    return 'html'
  if not labels or 'text' in labels or 'plain' in labels:
    return 'html' if HTML_IN_PLAIN_TEXT.search(content) else 'text'
  return None


def _story(content_item, kind: str) -> dict:
  """The ParsedEntry fields a text ContentItem gives: its body, or all NITF gives."""
  data = child(content_item, 'DataContent')
  if kind == 'nitf':
    return nitf_fields(child(data, 'nitf'))
  if len(data):
    container = next(filter(lambda c: c is not None, (
        story_container(node) for node in data)), data)
    body = inner_html(container)
  else:
    body = _data_text(content_item)
  return {'body': body, 'body_is_html': kind == 'html'} if body and body.strip() else {}


def _texts(components):
  """(component, role, kind, ContentItem) of every text content item, in document order."""
  for component in components:
    for content_item in children(component, 'ContentItem'):
      kind = _content_kind(content_item)
      if kind:
        yield component, _role(component), kind, content_item


def _story_line(components, holder) -> List:
  """The components from the outermost down to the one holding the body.

  Their news lines are the story's; a picture's component beside it has
  its own headline, byline and dateline (the photographer's), which are not.
  """
  parents = {node: component for component in components for node in component
             if local(node.tag) == 'NewsComponent'}
  line = [holder]
  while line[-1] in parents:
    line.append(parents[line[-1]])
  return line[::-1]


def _characteristics(content_item) -> dict:
  """Property name (lower-case) to value, and SizeInBytes."""
  characteristics = child(content_item, 'Characteristics')
  found = {(attribute(p, 'FormalName') or '').lower(): attribute(p, 'Value')
           for p in children(characteristics, 'Property')}
  found['sizeinbytes'] = text(child(characteristics, 'SizeInBytes'))
  return found


def _renditions(components) -> List[dict]:
  """Every ContentItem that points at media (Href) rather than holding text."""
  renditions = []
  for component in components:
    for content_item in children(component, 'ContentItem'):
      href = attribute(content_item, 'Href')
      if not href or _content_kind(content_item):
        continue
      found = _characteristics(content_item)
      name = next((found[key] for key in _RENDITION_NAME_PROPERTIES if found.get(key)),
                  _formal_name(child(component, 'Role')))
      renditions.append(metadata.rendition(
          href, name, _formal_name(child(content_item, 'MimeType')),
          next((found[k] for k in _WIDTH_PROPERTIES if found.get(k)), None),
          next((found[k] for k in _HEIGHT_PROPERTIES if found.get(k)), None),
          found['sizeinbytes']))
  return renditions


def _media_type(components) -> str:
  """The item's type: text when it has a story, else its first media's type."""
  for component in components:
    for content_item in children(component, 'ContentItem'):
      media = (_formal_name(child(content_item, 'MediaType')) or '').lower()
      mime = (_formal_name(child(content_item, 'MimeType')) or '').lower()
      kind = _ITEM_TYPES.get(media) or _ITEM_TYPES.get(mime.partition('/')[0])
      if kind and kind != 'text':
        return kind
  return 'text'


def _subjects(components) -> List[dict]:
  """Each SubjectCode by its most specific code (SubjectDetail, else Matter, else Subject)."""
  subjects = []
  for component in components:
    for code in children(child(component, 'DescriptiveMetadata'), 'SubjectCode'):
      levels = [node for node in code
                if local(node.tag) in ('Subject', 'SubjectMatter', 'SubjectDetail')]
      if levels:
        scheme = attribute(levels[-1], 'Scheme')
        iptc = scheme is None or scheme.lower() in _IPTC_SUBJECT_SCHEMES
        subjects.append(metadata.subject(
            'subj' if iptc else scheme, _formal_name(levels[-1]), None))
  return subjects


def _associations(item, components) -> List[dict]:
  """Items referred to: AssociatedWith, NewsItemRef, and NewsItems nested in components."""
  associations = [
      metadata.association(attribute(a, 'NewsItem'), _formal_name(a) or 'associated')
      for a in children(child(item, 'NewsManagement'), 'AssociatedWith')
      if attribute(a, 'NewsItem')]
  for component in components:
    role = _formal_name(child(component, 'Role'))
    associations += [metadata.association(attribute(ref, 'NewsItem'), role)
                     for ref in children(component, 'NewsItemRef')
                     if attribute(ref, 'NewsItem')]
    for nested in children(component, 'NewsItem'):
      nested_components = list(_components(nested))
      associations.append(metadata.association(
          _identity(nested)[0], role, _media_type(nested_components),
          _first(nested_components, 'NewsLines', 'HeadLine')))
  return associations


def _identity(item):
  """(guid, version): the PublicIdentifier without its revision, and the RevisionId.

  A PublicIdentifier ends with the revision ("...:20130731006140:1", "...:2N");
  left on, every revision of an item would get its own uri.
  """
  identifier = path(item, 'Identification', 'NewsIdentifier')
  revision = text(child(identifier, 'RevisionId'))
  public = text(child(identifier, 'PublicIdentifier'))
  if public and revision:
    public = re.sub(rf':{re.escape(revision)}[A-Z]?$', '', public)
  if not public:
    parts = [text(child(identifier, name))
             for name in ('ProviderId', 'DateId', 'NewsItemId')]
    public = 'urn:newsml:' + ':'.join(parts) if all(parts) else None
  return public, revision


def _management(item, envelope) -> dict:
  management = child(item, 'NewsManagement')
  status = (_formal_name(child(management, 'Status')) or '').lower()
  will_change = child(management, 'StatusWillChange')
  urgency = (_formal_name(child(management, 'Urgency'))
             or _formal_name(child(envelope, 'Priority')))
  return {
      'firstcreated_raw': text(child(management, 'FirstCreated')),
      'versioncreated_raw': (text(child(management, 'ThisRevisionCreated'))
                             or text(child(envelope, 'DateAndTime'))),
      'pubstatus': status if status in PUBSTATUSES else None,
      'embargoed_raw': (text(child(will_change, 'DateAndTime'))
                        if status == 'embargoed' else None),
      'urgency': small_int(urgency or ''),
  }


def _rights(components) -> dict:
  holder = _first(components, 'RightsMetadata', 'Copyright', 'CopyrightHolder')
  return {
      'copyright_holder': holder or metadata.copyright_holder(
          _first(components, 'NewsLines', 'CopyrightLine')),
      'usage_terms': (_first(components, 'RightsMetadata', 'UsageRights', 'Limitations')
                      or _first(components, 'NewsLines', 'RightsLine')),
  }


def _story_fields(components):
  """(fields, the component holding the body or None): body and summary, by roles."""
  texts = list(_texts(components))
  body_texts = [t for t in texts if t[1] not in _NOT_BODY_ROLES]
  preferred = [t for t in body_texts if t[1] in ('body', 'main')] or body_texts
  fields = _story(preferred[0][3], preferred[0][2]) if preferred else {}
  for _, role, kind, content_item in texts:
    story = _story(content_item, kind)
    if role in _SUMMARY_ROLES and 'summary' not in fields and story.get('body'):
      fields['summary'], fields['summary_is_html'] = story['body'], story['body_is_html']
    if role == 'headline' and 'title' not in fields and story.get('body'):
      fields['title'], fields['title_is_html'] = story['body'], story['body_is_html']
  return fields, (preferred[0][0] if fields.get('body') else None)


def _entry(item, envelope, position: int, raw: bytes, source: str,
           received_at) -> ParsedEntry:
  components = list(_components(item))
  guid, version = _identity(item)
  story, holder = _story_fields(components)
  # A story's news lines are those of its own components; an item without
  # one (a picture) takes them from wherever they are.
  lines = _story_line(components, holder) if holder is not None else components
  located, dateline_agency = split_dateline(_first(lines, 'NewsLines', 'DateLine'))
  given = {
      'guid': guid, 'version': version,
      'title': _first(lines, 'NewsLines', 'HeadLine'),
      'summary': _first(lines, 'NewsLines', 'SubHeadLine'),
      'byline': _first(lines, 'NewsLines', 'ByLine'),
      'located': located,
      'agency': dateline_agency or story.get('agency') or next(filter(None, (
          _first_name(components, 'AdministrativeMetadata', 'Provider', 'Party'),
          _formal_name(path(envelope, 'SentFrom', 'Party')),
          _formal_name(child(envelope, 'NewsService'))
      )), None),
      'language': (_first_name(components, 'DescriptiveMetadata', 'Language')
                   or next(filter(None, (node.get(XML_LANG)
                                         for node in [item, *components])), None)),
      'genre': _first_name(components, 'DescriptiveMetadata', 'Genre'),
      **_management(item, envelope), **_rights(components),
  }
  fields = {**story, **{key: value for key, value in given.items() if value is not None}}
  if given['title']:
    fields['title_is_html'] = False
  if given['summary']:
    fields['summary_is_html'] = False
  keywords = [_first(lines, 'NewsLines', 'SlugLine')] + [
      text(line) for c in components for line in children(child(c, 'NewsLines'),
                                                            'KeywordLine')]
  fields['keywords'] = list(dict.fromkeys(filter(None, keywords + story.get('keywords', []))))
  fields['subjects'] = _subjects(components) + story.get('subjects', [])
  if given['guid']:  # a URN, scoped already; NITF's doc-id scope is not its own
    fields.pop('guid_scope', None)
  nitf_media = fields.pop('renditions', [])
  return ParsedEntry(
      format=FORMAT, source=source, position=position, raw=raw,
      item_type=_media_type(components) if 'body' not in fields else 'text',
      renditions=_renditions(components) + nitf_media,
      associations=_associations(item, components),
      received_at=received_at, **fields)


def parse_newsml1(data: bytes, source: str, received_at=None) -> List[ParsedEntry]:
  """One entry per NewsItem, nested ones included; InputError when there is none."""
  root, decoded = parse_document(data)
  envelope = child(root, 'NewsEnvelope')
  items = [root] if local(root.tag) == 'NewsItem' else [
      node for node in root.iter() if local(node.tag) == 'NewsItem']
  if not items:
    raise InputError('no_news_items', f'a {local(root.tag)} holds no NewsML 1.x NewsItem')
  several = len(items) > 1
  with deep_nesting_refused():
    entries = [
        _entry(item, envelope, position,
               # Its own bytes: nested NewsItems are entries of their own, and
               # serialising each again with every ancestor grows quadratically.
               ElementTree.tostring(pruned(item, {'NewsItem'}), encoding='utf-8')
               if several else data,
               source, received_at)
        for position, item in enumerate(items)]
  for entry in entries:
    entry.charset, entry.charset_reason = decoded.charset, decoded.reason
  return entries
