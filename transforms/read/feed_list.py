"""The --feeds file: one URL per line, or OPML as feed readers export it.

A file that starts with '<' is read as OPML, anything else as lines. URLs are
checked with fetch's own rule, so a list that loads is one fetch will accept.
"""
import dataclasses
from typing import Dict, List, Optional

import defusedxml
from defusedxml import ElementTree as SafeElementTree

from transforms.errors import InputError
from transforms.read.fetch import check_url


@dataclasses.dataclass(frozen=True)
class FeedSpec:
  url: str
  title: Optional[str] = None
  # Per-feed settings written after the URL as key=value (interval=300).
  options: Dict[str, str] = dataclasses.field(default_factory=dict)


def _checked_url(url: str, where: str) -> str:
  try:
    check_url(url)
  except InputError as error:
    raise InputError('invalid_feed_list', f'{where}: {error}') from error
  return url


def _words_before_comment(line: str) -> List[str]:
  """A comment starts with a word beginning with '#', so URL fragments stay."""
  words = []
  for word in line.split():
    if word.startswith('#'):
      break
    words.append(word)
  return words


def _parse_lines(text: str) -> List[FeedSpec]:
  specs = []
  for number, line in enumerate(text.splitlines(), start=1):
    words = _words_before_comment(line)
    if not words:
      continue
    url = _checked_url(words[0], f'line {number}')
    options = {}
    for word in words[1:]:
      key, sep, value = word.partition('=')
      if not sep or not key:
        raise InputError('invalid_feed_list',
                         f'line {number}: {word!r} is not a key=value option')
      options[key] = value
    specs.append(FeedSpec(url, None, options))
  return specs


def _parse_opml(data: bytes) -> List[FeedSpec]:
  try:
    root = SafeElementTree.fromstring(data)
  except defusedxml.DefusedXmlException as error:
    raise InputError('invalid_feed_list', f'OPML refused: {error}') from error
  except SafeElementTree.ParseError as error:
    raise InputError('invalid_feed_list', f'OPML is not well-formed XML: {error}') from error
  if root.tag != 'opml':
    raise InputError('invalid_feed_list', f'XML whose root is <{root.tag}>, not <opml>')
  return [FeedSpec(_checked_url(outline.get('xmlUrl').strip(), 'OPML outline'),
                   outline.get('title') or outline.get('text'))
          for outline in root.iter('outline') if outline.get('xmlUrl')]


def parse_feed_list(data: bytes) -> List[FeedSpec]:
  """Feed specs in file order, each URL once (its first occurrence kept)."""
  if data.lstrip(b'\xef\xbb\xbf \t\r\n').startswith(b'<'):
    specs = _parse_opml(data)
  else:
    try:
      specs = _parse_lines(data.decode('utf-8-sig'))
    except UnicodeDecodeError as error:
      raise InputError('invalid_feed_list', f'not UTF-8 text: {error}') from error
  unique = {}
  for spec in specs:
    unique.setdefault(spec.url, spec)
  return list(unique.values())
