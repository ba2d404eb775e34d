"""Repairs and aggregation of raw NER spans: pure functions, tested without models.

Small statistical models make a few systematic mistakes on wire copy that
a list of given names or context in the same item can repair: a person
left out of every entity ("on Tuesday Alexey Malashenko of"), a dateline
place glued to a person ("Kazakhstan William Moser"), an agency glued to
the dateline across its dash ("INTERFAX - Moscow"), a surname alone typed
as an organisation ("Ivashov" after "Leonid Ivashov"), a bracket left open
("...Relations (IMEMO"), spans that are numbers ("201st"), and one name in
two cases ("INTERFAX", "Interfax"). With the item's text as context more can
be: the dateline's place and agency, typed over the model; clubs in sports
results; names in brackets; lists; common nouns and sentence openers taken
for people; and page chrome, addresses and line breaks inside spans. Each
repair that needs context was kept only if it raised F1 on CoNLL-2003 testa
without lowering it on factRuEval dev (README, "Evaluation > Entities").
Aggregation gives each name one type per item and keeps every mention's span.
"""
import collections
import dataclasses
import re
from typing import Callable, Dict, List, Optional, Tuple

from transforms.entities.recognizers import PROPER_NOUNS, Span

_TOKEN = re.compile(r'\S+')
_SPACED_DASH = re.compile(r'\s+[-–—]+\s+')
_POSSESSIVE = re.compile(r"(?:'s|’s|')$")
# What a span's edges may carry that is no part of the name.
_LEADING = re.compile(r"(?:the|The|THE|le|la|les)\s+|l['’](?=\w)|[\s,;:(\[•·–—-]+")
_TRAILING = re.compile(r"\s*['’]s?$|[\s,;:\]–—-]+$")
_ADDRESS = re.compile(r'\S@\S+\.\w|https?://|www\.', re.IGNORECASE)
PAGE_CHROME = frozenset({
    'bookmark', 'share', 'print', 'email', 'e-mail', 'comments', 'comment', 'advertisement',
    'read more', 'subscribe', 'sign in', 'log in', 'sign up', 'menu', 'skip to content',
    'related', 'save', 'copy link', 'close'})
# A dateline: a place in capitals, maybe a region, then a date or the agency
# ('ROTTERDAM, Dec 1 (Test) -', 'TOFTIR , Faroe Islands 1996-08-31',
# 'МОСКВА, 28 сентября. /ТАСС/.'). It is among an item's first lines.
_DATELINE_REACH = 400
_LINE = re.compile(r'[^\n]+')
_CAPITALS = r"[A-ZА-ЯЁ][A-ZА-ЯЁ.'’ -]*[A-ZА-ЯЁ]"
_DATE = (r'\d{4}-\d\d-\d\d|[A-Z][a-z]{2,8}\.?\s+\d{1,2}'
         r'|\d{1,2}\s+[A-Za-zА-Яа-яё]{3,9}')
_DATELINE = re.compile(
    rf"\s*(?P<place>{_CAPITALS})(?:\s*,\s*(?P<region>[A-Z][\w.'’ -]*?[a-z]))?\s*[,.]?\s*"
    rf"(?=(?:{_DATE})\b|[(/])(?:(?P<date>{_DATE})\b\.?\s*)?"
    rf"(?:[(/](?P<agency>[^\W\d_][\w&.' -]{{0,30}}?)[)/])?")
_NUMBER = re.compile(r'[-+(]?[\d.,:/]*\d[\d.,:/%)-]*')
_NUMBER_STARTS = frozenset('0123456789.+-(')
_SCORE_AFTER = re.compile(r'\s+\.?\d')
_TRAILING_SCORE = re.compile(r'(?:\s+[-+]?\.?\d[\d.,:/-]*)+$')
_BRACKETED_TAIL = re.compile(r'\s*\(\s*([^()]+?)\s*\)?$')
_CYRILLIC = re.compile('[а-яё]', re.IGNORECASE)
_SENTENCE_START = re.compile(r'(?:^|\n|[.!?]\s)\s*$')
_AFTER_ARTICLE = re.compile(r'\bthe\s+(?:[A-Z][a-z]+\s+)?$')
_LIST_SEPARATOR = re.compile(r'\s?,\s|\s?,?\s(?:and|or|et|и)\s')
_OPENS = re.compile(r'\(\s*$')
_CLOSES = re.compile(r'\s*\)')
_BEFORE_BRACKET = re.compile(r'\s*\(\s*')
_FIXTURE = re.compile(r"[A-Z][A-Z.' ]+ AT [A-Z][A-Z.' ]+")


@dataclasses.dataclass(frozen=True)
class Mention:
  """An entity of an item, its repeated mentions aggregated."""
  type: str
  text: str  # the first mention as written
  name: str
  start: int
  end: int
  mentions: int
  spans: Tuple[Tuple[int, int], ...] = ()  # every mention's (start, end), in text order


def clean_name(text: str) -> str:
  """The name without a sentence's article, a possessive or an unclosed bracket."""
  name = text.strip()
  if name.count('(') > name.count(')'):
    name = name[:name.rfind('(')]
  if name.startswith('the '):
    name = name[4:]
  name = _POSSESSIVE.sub('', name.strip(' \t\n,;:-–—"«»“”'))
  return ' '.join(name.split())


def _is_capitalised(word: str) -> bool:
  """'Malashenko', 'McDonald', an initial 'W.'; not a headline's 'MALASHENKO'."""
  return word[0].isupper() and (not word.isupper() or (len(word) == 2 and word[1] == '.'))


def _is_given_name(word: str, is_given_name: Callable[[str], bool]) -> bool:
  """'Jean-Pierre' as listed, or 'Joe-Max' as two given names."""
  return is_given_name(word) or ('-' in word and all(map(is_given_name, word.split('-'))))


def name_people(spans: List[Span], is_given_name: Callable[[str], bool],
                is_place: Callable[[str], bool]) -> List[Span]:
  """A run of proper nouns outside every entity is a person when it is two or more
  capitalised words, the first a given name, and not a place ('San Diego'); the
  other runs are dropped. Wrongly typed entities are left alone: retyping those
  that start with a given name also turns 'Johnson Controls Inc' into a person."""
  named = []
  for span in spans:
    words = span.text.split()
    if span.type != PROPER_NOUNS:
      named.append(span)
    elif (len(words) >= 2 and all(map(_is_capitalised, words))
          and _is_given_name(words[0], is_given_name) and not is_place(span.text)):
      named.append(dataclasses.replace(span, type='PER'))
  return named


def drop_junk(spans: List[Span]) -> List[Span]:
  """Spans that cannot be names: starting with a digit, without letters, or common
  nouns, in lower case ('metro', 'heifers'; an agency such as 'dpa' is no noun)."""
  return [span for span in spans
          if clean_name(span.name) and not span.text[0].isdigit()
          and any(ch.isalpha() for ch in span.text)
          and (span.fixed or not _is_lower_case(span.text))]


def _is_lower_case(text: str) -> bool:
  """Lower-case letters and no capital; False in scripts without case."""
  return any(ch.islower() for ch in text) and not any(ch.isupper() for ch in text)


def split_at_dashes(spans: List[Span], is_place: Callable[[str], bool]) -> List[Span]:
  """'INTERFAX - Moscow' (ORG) -> 'INTERFAX' (ORG) + 'Moscow' (LOC, if a place)."""
  repaired = []
  for span in spans:
    pieces = list(_SPACED_DASH.finditer(span.text))
    if not pieces or span.name != span.text:
      repaired.append(span)
      continue
    bounds = [0] + [b for dash in pieces for b in (dash.start(), dash.end())] + [len(span.text)]
    for index, (start, end) in enumerate(zip(bounds[::2], bounds[1::2], strict=True)):
      text = span.text[start:end]
      type_ = span.type if index == 0 else ('LOC' if is_place(text) else None)
      if type_ and text:
        repaired.append(Span(type_, span.start + start, span.start + end, text, text))
  return repaired


def split_place_from_person(spans: List[Span], is_place: Callable[[str], bool],
                            is_given_name: Callable[[str], bool]) -> List[Span]:
  """'Kazakhstan William Moser' (PER) -> 'Kazakhstan' (LOC) + 'William Moser' (PER);
  not 'Juan Fernández Krohn', whose first name some town also bears."""
  repaired = []
  for span in spans:
    tokens = list(_TOKEN.finditer(span.text))
    if (span.type == 'PER' and len(tokens) >= 3 and is_place(tokens[0].group())
        and not is_given_name(tokens[0].group())):
      first, rest = tokens[0], tokens[1]
      repaired.append(Span('LOC', span.start, span.start + first.end(), first.group(),
                           first.group()))
      rest_text = span.text[rest.start():]
      repaired.append(Span('PER', span.start + rest.start(), span.end, rest_text,
                           rest_text if span.name == span.text else
                           ' '.join(span.name.split()[1:])))
    else:
      repaired.append(span)
  return repaired


def merge_surnames(spans: List[Span]) -> List[Span]:
  """A lone surname takes the full name (and PER type) of a person in the item."""
  full_names: Dict[str, str] = {}
  for span in spans:
    words = clean_name(span.name).split()
    if span.type == 'PER' and len(words) >= 2:
      full_names.setdefault(words[-1], clean_name(span.name))
  merged = []
  for span in spans:
    alone = clean_name(span.name)
    if ' ' not in alone and alone in full_names:
      span = dataclasses.replace(span, type='PER', name=full_names[alone])
    merged.append(span)
  return merged


def _preferred_spelling(names: List[str]) -> str:
  """'Interfax' over 'INTERFAX': the first spelling that is not all capitals."""
  return next((name for name in names if not name.isupper()), names[0])


def _item_type(group: List[Span]) -> str:
  """One type per name in an item, from all its mentions: the dateline's or the
  agency's, else the most frequent, else the first mention's."""
  fixed = [span.type for span in group if span.fixed]
  if fixed or len(group) == 1:
    return (fixed or [group[0].type])[0]
  counts = collections.Counter(span.type for span in group)
  return max(counts, key=lambda type_: (counts[type_], -[s.type for s in group].index(type_)))


def aggregate(spans: List[Span]) -> List[Mention]:
  """One Mention per name whatever its case, at its first mention, with one type
  and every mention's offsets."""
  groups: Dict[str, List[Tuple[str, Span]]] = collections.OrderedDict()
  for span in sorted(spans, key=lambda s: (s.start, s.end)):
    name = clean_name(span.name)
    groups.setdefault(name.casefold(), []).append((name, span))
  return [Mention(_item_type(group), group[0].text,
                  _preferred_spelling([name for name, _ in named]),
                  group[0].start, group[0].end, len(offsets), offsets)
          for named in groups.values()
          for group in [[span for _, span in named]]
          for offsets in [tuple(sorted({(s.start, s.end) for s in group}))]]


def trim(span: Span) -> Optional[Span]:
  """The span without a leading article, a trailing possessive or edge punctuation
  ('the IMF', "Magna 's", "l'Assemblée"); None when nothing is left."""
  words = span.text
  start, end = 0, len(words)
  while True:
    head = _LEADING.match(words, start, end)
    tail = _TRAILING.search(words, start, end)
    if head and head.end() < end:
      start = head.end()
    elif tail and tail.start() > start:
      end = tail.start()
    else:
      break
  if start >= end:
    return None
  if (start, end) == (0, len(words)):
    return span
  piece = words[start:end]
  return Span(span.type, span.start + start, span.start + end, piece,
              span.name if span.name != span.text else piece)


def split_lines(spans: List[Span]) -> List[Span]:
  """A span across a line break ('Bookmark\n\nShare') becomes one per line."""
  pieces = []
  for span in spans:
    if '\n' not in span.text:
      pieces.append(span)
      continue
    for line in re.finditer(r'[^\n]+', span.text):
      piece = line.group()
      pieces.append(Span(span.type, span.start + line.start(), span.start + line.end(),
                         piece, piece))
  return pieces


def is_junk(text: str) -> bool:
  """An address, a URL or a web page's chrome ('Bookmark', 'Share'): never a name."""
  return bool(_ADDRESS.search(text)) or text.casefold() in PAGE_CHROME


def split_brackets(spans: List[Span]) -> List[Span]:
  """'Юрген Клинсман (Jürgen Klinsmann)', 'ООН (ФАО)': a name and, in brackets, its
  original spelling or abbreviation are two mentions of the same type."""
  pieces = []
  for span in spans:
    inner = _BRACKETED_TAIL.search(span.text)
    if not inner or span.type == PROPER_NOUNS or inner.start() == 0:
      pieces.append(span)
      continue
    outer = span.text[:inner.start()]
    pieces.append(Span(span.type, span.start, span.start + len(outer), outer,
                       span.name if span.name != span.text else outer))
    pieces.append(Span(span.type, span.start + inner.start(1), span.start + inner.end(1),
                       inner.group(1), inner.group(1)))
  return pieces


def join_genitives(spans: List[Span], text: str) -> List[Span]:
  """'Конгресса США', 'Министерство внутренних дел Пакистана': an organisation
  followed by the place it belongs to, only a space between, is one organisation."""
  joined: List[Span] = []
  for span in spans:
    previous = joined[-1] if joined else None
    if (previous and previous.type == 'ORG' and span.type == 'LOC'
        and text[previous.end:span.start] == ' ' and _CYRILLIC.search(span.text)):
      whole = text[previous.start:span.end]
      joined[-1] = Span('ORG', previous.start, span.end, whole, whole)
    else:
      joined.append(span)
  return joined


def unperson_after_article(spans: List[Span], text: str,
                           is_given_name: Callable[[str], bool],
                           is_place: Callable[[str], bool]) -> List[Span]:
  """'across the Bosphorus', 'the Russian General Staff': a person does not follow
  'the' (and maybe one capitalised word) unless a given name leads;
  such a span is a place if the gazetteer knows it, else an organisation."""
  typed = []
  for span in spans:
    if (span.type == 'PER' and _AFTER_ARTICLE.search(text, max(0, span.start - 24), span.start)
        and not is_given_name(span.text.split()[0])):
      span = dataclasses.replace(span, type='LOC' if is_place(span.text) else 'ORG')
    typed.append(span)
  return typed


def drop_lone_capitalised_words(spans: List[Span], text: str,
                                is_place: Callable[[str], bool]) -> List[Span]:
  """'Fares will be the same', 'Attendance 12,000': one word opening a sentence and
  never seen again in the item is rarely a person (on CoNLL testa 4 in 31 are);
  it is kept as a place if the gazetteer knows it, else dropped. Not in Russian,
  whose other mentions of a name are other cases of it."""
  kept = []
  for span in spans:
    if (span.type == 'PER' and ' ' not in span.text and not _CYRILLIC.search(span.text)
        and _SENTENCE_START.search(text, max(0, span.start - 4), span.start)
        and text.count(span.text) == 1):
      if not is_place(span.text):
        continue
      span = dataclasses.replace(span, type='LOC')
    kept.append(span)
  return kept


def type_lists(spans: List[Span], text: str, is_place: Callable[[str], bool]) -> List[Span]:
  """'link Kadikoy (MISC), Besiktas (LOC) and Uskudar (LOC)': the names of a list of
  three or more take the type most of them have, when two or more have it; a
  place the gazetteer knows stays one ('struck Puerto Rico, Alexiz and Roberto')."""
  spans = sorted(spans, key=lambda s: (s.start, s.end))
  chains, chain = [], []
  for span in spans:
    if chain and _LIST_SEPARATOR.fullmatch(text[chain[-1].end:span.start]):
      chain.append(span)
    else:
      chains.append(chain)
      chain = [span]
  chains.append(chain)
  typed = []
  for chain in chains:
    if len(chain) < 3:
      typed.extend(chain)
      continue
    counts = collections.Counter(span.type for span in chain if span.type != PROPER_NOUNS)
    majority, count = (counts.most_common(1) or [(None, 0)])[0]
    if count >= 2 and count * 2 > len(chain):
      chain = [span if span.fixed or span.type == PROPER_NOUNS
               or (span.type == 'LOC' and is_place(span.text))
               else dataclasses.replace(span, type=majority) for span in chain]
    typed.extend(chain)
  return typed


def join_given_names(spans: List[Span], text: str,
                     is_given_name: Callable[[str], bool]) -> List[Span]:
  """'Syed' (LOC) 'Mohsin Naqvi' (PER): a given name typed as something else just
  before a person is the start of the person's name."""
  joined: List[Span] = []
  for span in reversed(spans):
    following = joined[-1] if joined else None
    if (following and following.type == 'PER' and span.type != 'PER' and not span.fixed
        and ' ' not in span.text and is_given_name(span.text)
        and text[span.end:following.start] == ' '):
      whole = text[span.start:following.end]
      joined[-1] = Span('PER', span.start, following.end, whole, whole)
    else:
      joined.append(span)
  return joined[::-1]


def tidy(spans: List[Span]) -> List[Span]:
  """Spans split at line breaks and brackets, and trimmed; addresses, URLs and chrome
  dropped."""
  tidied = []
  for span in split_brackets(split_lines(spans)):
    trimmed = trim(span)
    if trimmed and not is_junk(trimmed.text):
      tidied.append(trimmed)
  return tidied


def dateline_spans(text: str, located: Optional[str] = None,
                   agency: Optional[str] = None) -> List[Span]:
  """The places and the agency of the item's dateline, typed by what they are:
  the record's ``located`` and ``agency`` where the text has them, else a line
  that opens with a place in capitals and a date ('ROTTERDAM, Dec 1 (Test) -',
  'TOFTIR , Faroe Islands 1996-08-31'). Every mention of the agency is ORG."""
  spans = []
  head = text[:_DATELINE_REACH]
  if located:
    found = re.search(re.escape(located), head, re.IGNORECASE)
    if found:
      spans.append(_fixed('LOC', found.start(), found.end(), text))
  for line in _LINE.finditer(head):
    dateline = _DATELINE.match(line.group())
    if not dateline or not (dateline.group('date') or dateline.group('agency')):
      continue
    for group in ('place', 'region'):
      if dateline.group(group):
        start = line.start() + dateline.start(group)
        spans.append(_fixed('LOC', start, start + len(dateline.group(group)), text))
    if dateline.group('agency') and not agency:
      start = line.start() + dateline.start('agency')
      spans.append(_fixed('ORG', start, start + len(dateline.group('agency')), text))
    break
  if agency and len(agency) > 1:
    for found in re.finditer(r'(?<!\w)' + re.escape(agency) + r'(?!\w)', text, re.IGNORECASE):
      spans.append(_fixed('ORG', found.start(), found.end(), text))
  return sorted(set(spans), key=lambda s: (s.start, s.end))


def _fixed(type_: str, start: int, end: int, text: str) -> Span:
  """A span of the dateline; a place in capitals is named as in running text."""
  written = text[start:end]
  name = written.title() if type_ == 'LOC' and written.isupper() else written
  return Span(type_, start, end, written, name, fixed=True)


def over_model(fixed: List[Span], spans: List[Span]) -> List[Span]:
  """The fixed spans, and the model's spans that do not overlap one."""
  def overlaps(span):
    return any(f.start < span.end and span.start < f.end for f in fixed)
  return fixed + [span for span in spans if not overlaps(span)]


def _line_of(text: str, span: Span) -> Tuple[int, str]:
  start = text.rfind('\n', 0, span.start) + 1
  end = text.find('\n', span.end)
  return start, text[start:end if end >= 0 else len(text)]


def _is_results_line(line: str) -> bool:
  """A line of a results table or a standings: a third or more of its words numbers."""
  words = line.split()
  numbers = sum(1 for w in words if w[0] in _NUMBER_STARTS and _NUMBER.fullmatch(w))
  return len(words) >= 2 and numbers * 3 >= len(words)


def type_teams(spans: List[Span], text: str,
               is_given_name: Callable[[str], bool]) -> List[Span]:
  """Sports copy names clubs after their towns ('Partick 1 St Mirren 1', 'BOSTON 69
  66 .511', 'ATLANTA AT CHICAGO'): a name followed by a score in a results line,
  or either side of a fixture line, is an organisation (the score, if the model
  took it in, is cut off). Persons are left alone: golf and cricket tables list
  people by their scores ('J. Pooley 111')."""
  typed = []
  results_lines: Dict[int, bool] = {}
  for span in spans:
    line_start, line = _line_of(text, span)
    if line_start not in results_lines:
      results_lines[line_start] = _is_results_line(line)
    if results_lines[line_start]:
      score = _TRAILING_SCORE.search(span.text)
      if score:
        span = _cut(span, score.start())
      words = span.text.split()
      is_team = (_SCORE_AFTER.match(text, span.end) and not _is_initial(words[0])
                 and not is_given_name(words[0]))
    else:
      is_team = _FIXTURE.fullmatch(line)
    if is_team and not span.fixed and (span.type in ('LOC', 'ORG', 'MISC', PROPER_NOUNS)
                    or (span.type == 'PER' and ' ' not in span.text)):
      span = dataclasses.replace(span, type='ORG')
    typed.append(span)
  return typed


def type_by_brackets(spans: List[Span], text: str,
                     is_place: Callable[[str], bool]) -> List[Span]:
  """Results and line-ups put a person's country in brackets ('Falilat Ogunkoya
  ( Nigeria ) 50.31'): a run of proper nouns alone in brackets that is a place
  is a place, and a run of two or more words just before such a place a person."""
  bracketed = {}
  for span in spans:
    if (span.type in (PROPER_NOUNS, 'LOC')
        and _OPENS.search(text, max(0, span.start - 8), span.start)
        and _CLOSES.match(text, span.end) and is_place(span.text)):
      bracketed[span.start] = dataclasses.replace(span, type='LOC')
  typed = []
  for span in spans:
    if span.start in bracketed:
      span = bracketed[span.start]
    elif span.type == PROPER_NOUNS and len(span.text.split()) >= 2:
      after = _BEFORE_BRACKET.match(text, span.end)
      if after and after.end() in bracketed:
        span = dataclasses.replace(span, type='PER')
    typed.append(span)
  return typed


def _cut(span: Span, length: int) -> Span:
  piece = span.text[:length]
  return dataclasses.replace(span, end=span.start + length, text=piece, name=piece)


def _is_initial(word: str) -> bool:
  return len(word) == 2 and word.endswith('.')


def repair_spans(spans: List[Span], is_place: Callable[[str], bool],
                 is_given_name: Callable[[str], bool], text: str = '',
                 located: Optional[str] = None, agency: Optional[str] = None) -> List[Span]:
  """All repairs, in order, mention by mention. Without the text only those that
  need no context run."""
  spans = sorted(tidy(spans), key=lambda s: (s.start, s.end))
  if text:
    spans = join_genitives(spans, text)
    spans = over_model(dateline_spans(text, located, agency), spans)
    spans = type_teams(type_by_brackets(spans, text, is_place), text, is_given_name)
    spans = join_given_names(sorted(spans, key=lambda s: (s.start, s.end)), text, is_given_name)
    spans = type_lists(spans, text, is_place)
    spans = unperson_after_article(spans, text, is_given_name, is_place)
    spans = drop_lone_capitalised_words(spans, text, is_place)
  spans = drop_junk(name_people(spans, is_given_name, is_place))
  spans = split_at_dashes(spans, is_place)
  return merge_surnames(split_place_from_person(spans, is_place, is_given_name))


def repair(spans: List[Span], is_place: Callable[[str], bool],
           is_given_name: Callable[[str], bool], text: str = '',
           located: Optional[str] = None, agency: Optional[str] = None) -> List[Mention]:
  """All repairs, then one Mention per entity."""
  return aggregate(repair_spans(spans, is_place, is_given_name, text, located, agency))
