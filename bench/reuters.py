"""Reuters-21578 as wirebeam input, for benchmarks and evaluations.

The corpus (21,578 Reuters items from 1987, in SGML) is read with regular
expressions: its files are not well-formed XML, and they carry teletype
control characters as entities (``&#2;``, ``&#3;``, ``&#5;``...). The items
are written as JSON lists of ninjs 1.x items, which the pipeline reads as
one entry per element; with ``--wire-text``, each item with a title and a
body is one plain-text wire file instead (headline line, then the dateline
and body), as agencies deliver by FTP. ``replicate`` grows the corpus with
perturbed copies for benchmarks that need more items than the corpus has.

Usage: python -m bench.reuters DATA_PATH OUT_FOLDER [--factor N]
           [--items-per-file K] [--seed S] [--wire-text] [--limit N]
"""
import argparse
import dataclasses
import datetime
import html
import json
import pathlib
import random
import re
import sys
from typing import List, Optional, Sequence, Tuple

CORPUS_FOLDER = pathlib.Path('newswire_corpora') / 'reuters21578'
FILE_PREFIX = 'reuters21578-'

_DOCUMENT = re.compile(r'<REUTERS\b([^>]*)>(.*?)</REUTERS>', re.DOTALL)
_NEWID = re.compile(r'\bNEWID="(\d+)"')
_ELEMENTS = {name: re.compile(rf'<{name}>(.*?)</{name}>', re.DOTALL)
             for name in ('DATE', 'TITLE', 'DATELINE', 'BODY', 'TOPICS', 'PLACES')}
_CODE = re.compile(r'<D>(.*?)</D>', re.DOTALL)
# html.unescape drops the control characters written as entities (&#3;);
# this drops any left as raw bytes.
_CONTROL = re.compile(r'[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]')
# The wire's sign-off on a line of its own: " Reuter", "REUTER...", "reuter\r".
_SIGNATURE = re.compile(r'\n[ \t]*reuter(?:\.\.\.)?\s*$', re.IGNORECASE)
# "26-FEB-1987 15:01:01.79", often followed by junk such as "\t\t\tRM".
_DATE = re.compile(r'(\d{1,2}-[A-Za-z]{3}-\d{4})\s+(\d{1,2}:\d{2}:\d{2}\.\d+)')
_DATE_FORMAT = '%d-%b-%Y %H:%M:%S.%f'
# A paragraph of the wire copy starts on an indented line.
_PARAGRAPH_START = re.compile(r'\n(?=[ \t]+\S)')
_SENTENCE_END = re.compile(r'(?<=[.!?])\s+(?=["A-Z])')
_SPACE = re.compile(r'(\s+)')


@dataclasses.dataclass(frozen=True)
class ReutersItem:
  """One <REUTERS> element, its text decoded, the wire's sign-off dropped."""
  newid: int
  date: str  # the <DATE> text, as given (junk after the time included)
  title: Optional[str] = None  # on one line
  dateline: Optional[str] = None  # "SALVADOR, Feb 26 -"
  body: Optional[str] = None  # line breaks and indents as published
  topics: Tuple[str, ...] = ()
  places: Tuple[str, ...] = ()


def _decode(raw: str) -> str:
  return _CONTROL.sub('', html.unescape(raw))


def _item(attributes: str, content: str) -> ReutersItem:
  def text(name):
    match = _ELEMENTS[name].search(content)
    return _decode(match.group(1)) if match else ''

  def codes(name):
    match = _ELEMENTS[name].search(content)
    return tuple(_decode(code) for code in _CODE.findall(match.group(1))) if match else ()

  # Without the sign-off, the body is what a modern ninjs body would hold,
  # and bodies that differ only in "Reuter" versus "REUTER" are equal.
  body = _SIGNATURE.sub('', text('BODY')).rstrip()
  return ReutersItem(
      newid=int(_NEWID.search(attributes).group(1)),
      date=text('DATE'),
      title=' '.join(text('TITLE').split()) or None,
      dateline=text('DATELINE').strip() or None,
      body=body or None,
      topics=codes('TOPICS'),
      places=codes('PLACES'))


def load_reuters(data_path) -> List[ReutersItem]:
  """Every item of every reut2-*.sgm file, in file order."""
  folder = pathlib.Path(data_path) / CORPUS_FOLDER
  paths = sorted(folder.glob('reut2-*.sgm'))
  if not paths:
    raise FileNotFoundError(
        f'{folder}: no reut2-*.sgm files. Expected the Reuters-21578 SGML files '
        f'(reut2-000.sgm to reut2-021.sgm) in DATA_PATH/{CORPUS_FOLDER}/; they are '
        'the reuters21578/ folder of https://github.com/colibri17/TextCategorization '
        'and the original distribution in the UCI KDD archive, '
        'https://kdd.ics.uci.edu/databases/reuters21578/reuters21578.html')
  # Latin-1 decodes any byte: the files are ASCII but for a stray one (0xFC in
  # reut2-017.sgm, amid teletype junk).
  return [_item(*match.groups())
          for path in paths
          for match in _DOCUMENT.finditer(path.read_bytes().decode('latin-1'))]


def parse_date(date: str) -> Optional[datetime.datetime]:
  """The instant of a <DATE> text, taken as UTC; None when there is none."""
  match = _DATE.search(date)
  if not match:
    return None
  try:
    instant = datetime.datetime.strptime(' '.join(match.groups()), _DATE_FORMAT)
  except ValueError:
    return None
  return instant.replace(tzinfo=datetime.timezone.utc)


def to_ninjs(item: ReutersItem) -> dict:
  """A ninjs 1.x item; the dateline opens the body, as on the wire."""
  ninjs = {'uri': f'urn:reuters21578:{item.newid}', 'type': 'text', 'language': 'en'}
  instant = parse_date(item.date)
  if instant:
    ninjs['versioncreated'] = instant.isoformat(timespec='milliseconds').replace(
        '+00:00', 'Z')
  if item.title:
    ninjs['headline'] = item.title
  body_text = ' '.join(filter(None, (item.dateline, item.body)))
  if body_text:
    ninjs['body_text'] = body_text
  return ninjs


def write_inputs(items: Sequence[ReutersItem], folder,
                 items_per_file: int = 500) -> List[pathlib.Path]:
  """Writes the items that have a body or title as JSON lists of ninjs items.

  Refuses a folder that already holds such files: a pipeline reading the
  folder would read stale items along with the new ones.
  """
  if items_per_file < 1:
    raise ValueError(f'items_per_file must be at least 1, not {items_per_file}')
  folder = pathlib.Path(folder)
  folder.mkdir(parents=True, exist_ok=True)
  if any(folder.glob(f'{FILE_PREFIX}*.json')):
    raise FileExistsError(f'{folder} already holds {FILE_PREFIX}*.json files; '
                          'write to an empty folder')
  ninjs_items = [to_ninjs(item) for item in items if item.body or item.title]
  paths = []
  for start in range(0, len(ninjs_items), items_per_file):
    path = folder / f'{FILE_PREFIX}{start // items_per_file:05d}.json'
    path.write_text(json.dumps(ninjs_items[start:start + items_per_file],
                               ensure_ascii=False), encoding='utf-8')
    paths.append(path)
  return paths


def write_wire_text(items: Sequence[ReutersItem], folder,
                    count: Optional[int] = None) -> List[pathlib.Path]:
  """Writes each item with a title and a body (the first ``count`` of them)
  as one plain-text wire file.

  Refuses a folder that already holds such files, as ``write_inputs`` does.
  """
  folder = pathlib.Path(folder)
  folder.mkdir(parents=True, exist_ok=True)
  if any(folder.glob(f'{FILE_PREFIX}*.txt')):
    raise FileExistsError(f'{folder} already holds {FILE_PREFIX}*.txt files; '
                          'write to an empty folder')
  paths = []
  for item in [item for item in items if item.title and item.body][:count]:
    path = folder / f'{FILE_PREFIX}{item.newid:05d}.txt'
    body = ' '.join(filter(None, (item.dateline, item.body.strip())))
    path.write_text(f'{item.title}\n{body}\n', encoding='utf-8')
    paths.append(path)
  return paths


# Each copy of an item with a body is one of these, chosen uniformly (25%
# each). The verdicts are wirebeam's, at its default settings, on the whole
# corpus with factor 2 and seed 0:
#   retitled  same body, a suffix added to the headline: a duplicate (100%;
#             same_body 98%).
#   edited    a paragraph dropped (other than the lead), or one taken from
#             another item inserted: near_duplicate (96%), distinct when an
#             insertion splits a short body (4%).
#   reworded  10-30% of the words of headline and body replaced by words of
#             another item: distinct (100%; most 4-word shingles change).
#   reordered another item's headline, dateline and body, its sentences
#             shuffled: that item's near_duplicate (60%), same_body when it
#             has one sentence (18%), distinct (22%).
# Copies of items without a body are always retitled: near duplicates (81%),
# distinct (19%: headlines under 8 shingles are matched exactly only).
COPY_KINDS = ('retitled', 'edited', 'reworded', 'reordered')
HEADLINE_SUFFIXES = ('- TRADE SOURCES', '- ANALYSTS', '- OFFICIAL', '- PAPER')


def _retitled(item, rng, donor):
  del donor  # the same story, headlined differently
  suffix = rng.choice(HEADLINE_SUFFIXES)
  return dataclasses.replace(item, title=item.title and f'{item.title} {suffix}')


def _edited(item, rng, donor):
  paragraphs = _PARAGRAPH_START.split(item.body)
  if len(paragraphs) > 1 and rng.random() < 0.5:
    del paragraphs[rng.randrange(1, len(paragraphs))]
  else:
    added = rng.choice(_PARAGRAPH_START.split(donor.body)).strip()
    paragraphs.insert(rng.randrange(1, len(paragraphs) + 1), f'    {added}')
  return dataclasses.replace(item, body='\n'.join(paragraphs))


def _reword(text, rate, vocabulary, rng):
  if not text:
    return text
  parts = _SPACE.split(text)  # words at even positions, spaces between
  positions = [i for i in range(0, len(parts), 2) if parts[i]]
  for i in rng.sample(positions, max(1, round(rate * len(positions)))):
    parts[i] = rng.choice(vocabulary)
  return ''.join(parts)


def _reworded(item, rng, donor):
  rate = rng.uniform(0.1, 0.3)
  vocabulary = donor.body.split()
  return dataclasses.replace(item, title=_reword(item.title, rate, vocabulary, rng),
                             body=_reword(item.body, rate, vocabulary, rng))


def _reordered(item, rng, donor):
  sentences = _SENTENCE_END.split(donor.body)
  rng.shuffle(sentences)
  return dataclasses.replace(item, title=donor.title, dateline=donor.dateline,
                             body=' '.join(sentences), date=donor.date)


PERTURBATIONS = {'retitled': _retitled, 'edited': _edited,
                  'reworded': _reworded, 'reordered': _reordered}


def _minutes_later(date: str, minutes: int) -> str:
  """The <DATE> text moved on, so that the original stays the earliest."""
  instant = parse_date(date)
  if not instant:
    return date
  later = instant + datetime.timedelta(minutes=minutes)
  return f'{later:%d-%b-%Y %H:%M:%S}.{later.microsecond // 10000:02d}'.upper()


def replicate(items: Sequence[ReutersItem], factor: int, seed: int) -> List[ReutersItem]:
  """The items and factor - 1 perturbed copies of each (see COPY_KINDS).

  Copy k of item n has newid n + k * 10^d (d the digits of the largest
  newid: 100001 is the first copy of Reuters item 1) and is dated k minutes
  after the item it copies, so that the original is the canonical one. The
  same items, factor and seed give the same copies.
  """
  if factor < 1:
    raise ValueError(f'factor must be at least 1, not {factor}')
  rng = random.Random(seed)
  with_body = [item for item in items if item.body]
  stride = 10 ** len(str(max((item.newid for item in items), default=0)))
  copies = []
  for k in range(1, factor):
    for item in items:
      kind = rng.choice(COPY_KINDS) if item.body else 'retitled'
      donor = rng.choice(with_body) if with_body else None
      while donor is not None and donor.newid == item.newid and len(with_body) > 1:
        donor = rng.choice(with_body)
      copy = PERTURBATIONS[kind](item, rng, donor)
      copies.append(dataclasses.replace(
          copy, newid=item.newid + k * stride, date=_minutes_later(copy.date, k)))
  return list(items) + copies


def sized(corpus: Sequence[ReutersItem], count: int) -> List[ReutersItem]:
  """The first ``count`` items with a title or body, replicated (seed 0) when the
  corpus has fewer: what the throughput and memory benchmarks run on."""
  with_text = [item for item in corpus if item.title or item.body]
  return replicate(with_text, -(-count // len(with_text)), seed=0)[:count]


def sized_corpus(data_path, count: int) -> List[ReutersItem]:
  """``sized`` of the corpus under ``data_path``."""
  return sized(load_reuters(data_path), count)


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
  parser.add_argument('data', help='the evaluation data folder (../shared/data)')
  parser.add_argument('out', help='folder to write the JSON files to')
  parser.add_argument('--factor', type=int, default=1,
                      help='copies per item, original included (default 1)')
  parser.add_argument('--items-per-file', type=int, default=500)
  parser.add_argument('--seed', type=int, default=0,
                      help="seed of the copies' perturbations (default 0)")
  parser.add_argument('--wire-text', action='store_true',
                      help='write one plain-text wire file per item with a title and body')
  parser.add_argument('--limit', type=int, default=None,
                      help='only the first N items of the corpus (default: all)')
  parser.add_argument('--items', type=int, default=None,
                      help='exactly N items with a title or body, replicated as '
                           'bench/throughput.py does (instead of --factor and --limit)')
  args = parser.parse_args(argv)
  if args.items is not None and (args.factor != 1 or args.limit is not None):
    parser.error('--items replaces --factor and --limit')
  if args.factor < 1 or args.items_per_file < 1 or (args.items is not None and args.items < 1):
    parser.error('--factor, --items and --items-per-file must be at least 1')
  try:
    items = (sized_corpus(args.data, args.items) if args.items is not None
             else load_reuters(args.data)[:args.limit])
    print(f'read {len(items)} items, {sum(1 for i in items if i.body)} with a body')
    if args.wire_text:
      paths = write_wire_text(items, args.out)
      print(f'wrote {len(paths)} plain-text wire files under {args.out}')
      return
    if args.factor > 1:
      items = replicate(items, args.factor, args.seed)
      print(f'replicated to {len(items)} items (factor {args.factor}, seed {args.seed})')
    paths = write_inputs(items, args.out, args.items_per_file)
  except (FileNotFoundError, FileExistsError) as error:
    sys.exit(str(error))
  written = sum(1 for item in items if item.body or item.title)
  print(f'wrote {written} items with a body or title in {len(paths)} files '
        f'under {args.out}')


if __name__ == '__main__':
  main()
