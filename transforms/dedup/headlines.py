"""Headlines as identities: the same story's headline as every door writes it.

An aggregator lists a wire story under the agency's headline plus its own
marks: a source suffix (``- Reuters``, ``| Reuters``, ``(Reuters)``; a short
name in parentheses or after a bar that closes a headline is taken as one,
whoever it names), often with nothing else, or a summary that repeats the
headline and the source name. ``matching_headline`` removes those marks and what only spells a
headline differently (case, width, quotes, dashes, punctuation, wire
flags), so that the agency's item and every listing of it share one key.

Which trailing or leading segments are source names is learnt from the
item itself: its feed's title, its link's host, its agency, and a summary
that is the headline followed by the source name (as Google News writes
them); plus the names of the big wire agencies, which aggregators cite
whatever their own name.
"""
import re
import unicodedata
from typing import FrozenSet, Iterable, Optional, Tuple

from transforms.normalize.headlines import split_headline
from transforms.normalize.urls import url_host

HEADLINE, SUMMARY, BODY = 'headline', 'summary', 'body'
# Agencies that aggregators name in suffixes whatever the feed: English and
# the local spellings the shared aggregated feeds use.
WIRE_AGENCIES = frozenset({
    'reuters', 'ap', 'associated press', 'afp', 'agence france-presse', 'bloomberg',
    'dpa', 'efe', 'ansa', 'kyodo', 'kyodo news', 'jiji', 'jiji press', 'xinhua', 'tass',
    'interfax', 'ria novosti', 'yonhap', 'pti', 'ロイター', '共同', '共同通信', '時事通信',
    'ブルームバーグ', '路透', '路透社', '彭博',
})
# Host labels that name no one.
_HOST_NOISE = frozenset({'www', 'm', 'amp', 'rss', 'feeds', 'feed', 'news', 'com', 'net',
                         'org', 'co', 'go', 'ne', 'or', 'ac', 'gov', 'edu', 'info'})
# " - ", " | ", ": " between segments (dashes unified first).
_SEGMENT = re.compile(r'\s+-\s+|\s*\|\s*|\s*:\s+')
_PARENTHESISED = re.compile(r'\(([^()]*)\)')
# A short name in parentheses or after a bar closing a headline ('(CNA)',
# '| Nikkei Asia') cites where it came from, whoever that is; a number there
# ('(2)', '| August 21, 2026') may say which story it is.
_CLOSING_CITATION = re.compile(r'\s*(?:\((?:[^()|\d\s]+\s?){1,3}\)|\|(?:\s*[^()|\d\s]+){1,3})$')
_DASH = re.compile('[\u2010-\u2015\u2212\u2500\u2501]')  # hyphens, en/em dashes, minus, box bars
_NOT_WORD = re.compile(r'[\W_]+', re.UNICODE)
_IDEOGRAPHIC = re.compile('[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]')


def _folded(text: str) -> str:
  """Width, case and spacing folded; dashes made '-' (full-width 'ＮＹ' is 'ny')."""
  text = _DASH.sub('-', unicodedata.normalize('NFKC', text))
  return ' '.join(text.casefold().split())


def _host_names(link: Optional[str]) -> Iterable[str]:
  host = url_host(link)
  return [label for label in (host or '').split('.')
          if len(label) > 2 and label not in _HOST_NOISE]


def _feed_title_names(feed_title: Optional[str]) -> Iterable[str]:
  """Each segment of the feed's title, and its first word ('CNA World' -> 'cna')."""
  for segment in _SEGMENT.split(_folded(feed_title or '')):
    if segment:
      yield segment
      yield segment.split()[0]


def _summary_name(headline: str, summary: Optional[str]) -> Optional[str]:
  """The source name of a summary that is the headline and then that name.

  'X - Reuters' over the summary 'X    Reuters' names Reuters.
  """
  if not summary:
    return None
  folded_headline, folded_summary = _folded(headline), _folded(summary)
  for separator in reversed(list(_SEGMENT.finditer(folded_headline))):
    head, tail = folded_headline[:separator.start()], folded_headline[separator.end():]
    if folded_summary == f'{head} {tail}':
      return tail
  return None


def source_names(record: dict) -> FrozenSet[str]:
  """The names an item's own source goes by, folded."""
  names = set(WIRE_AGENCIES)
  if record.get('agency'):
    names.add(_folded(record['agency']))
  names.update(_feed_title_names((record.get('source') or {}).get('feed_title')))
  names.update(_host_names(record.get('link')))
  named = _summary_name(record.get('headline') or '', record.get('description_text'))
  if named:
    names.add(named)
  return frozenset(names)


def _without_source_marks(text: str, names: FrozenSet[str]) -> str:
  """The folded headline without leading or trailing source names."""
  text = _PARENTHESISED.sub(lambda m: ' ' if m[1].strip() in names else m[0], text)
  while True:
    text = text.strip()
    segments = _SEGMENT.split(text)
    if _CLOSING_CITATION.search(text):
      text = _CLOSING_CITATION.sub('', text)
    elif len(segments) > 1 and segments[-1].strip() in names:
      text = text[:text.rstrip().rfind(segments[-1])]
      text = re.sub(r'(\s+-|\s*\||\s*:)\s*$', '', text)
    elif len(segments) > 1 and segments[0].strip() in names:
      text = text[len(segments[0]):]
      text = re.sub(r'^\s*(-\s+|\|\s*|:\s+)', '', text)
    else:
      return text


def matching_headline(headline: Optional[str], names: FrozenSet[str] = WIRE_AGENCIES) -> str:
  """The headline as a match key: '' when there is none."""
  if not headline:
    return ''
  text = _without_source_marks(_folded(headline), names).strip()
  # Wire flags, also lower-case or after a source name ('Reuters - UPDATE 2-...').
  text = split_headline(text.upper()).text.casefold() if text else text
  return _NOT_WORD.sub(' ', text).strip()


def headline_weight(key: str) -> float:
  """How much a match key says, in words: an ideograph counts half a word."""
  ideographs = len(_IDEOGRAPHIC.findall(key))
  other_words = sum(1 for word in key.split() if not _IDEOGRAPHIC.search(word))
  return other_words + ideographs / 2


def text_kind(record: dict, names: FrozenSet[str]) -> str:
  """BODY with a body, SUMMARY with a summary that says more than the headline
  and the source's name, HEADLINE otherwise."""
  if record.get('body_text'):
    return BODY
  said = _NOT_WORD.sub(' ', _folded(record.get('description_text') or '')).strip()
  for name in (_NOT_WORD.sub(' ', name).strip() for name in names):
    if said.endswith(' ' + name):
      said = said[:-len(name) - 1]
  return HEADLINE if said in ('', matching_headline(record.get('headline'), names)) else SUMMARY


def headline_identity(record: dict, min_words: float) -> Tuple[Optional[str], str]:
  """(the item's normalised headline, or None when too short to identify a
  story; its ``text_kind``)."""
  names = source_names(record)
  key = matching_headline(record.get('headline'), names)
  return (key if headline_weight(key) >= min_words else None), text_kind(record, names)
