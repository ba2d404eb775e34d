"""Entity recognition quality on CoNLL-2003 (English) and factRuEval-2016 (Russian).

Usage: python -m eval.entities_eval [DATA_PATH] [--limit N]   (default ../shared/data)

Mention-level exact match (type and character span) per type and for
PER/ORG/LOC together, for the raw model, after wirebeam's repairs
(transforms/entities/postprocess.py, with each document's text as context)
and for the stage's entities (one type per name in a document, every span);
entity level, the distinct (type, name) of each document; and
throughput in documents per second. Both are development splits: repairs
are tuned on them, so the figures are optimistic for unseen text.
"""
import argparse
import collections
import pathlib
import sys
import time

from transforms.entities.given_names import given_name_test
from transforms.entities.linking import Gazetteer
from transforms.entities.postprocess import repair, repair_spans
from transforms.entities.recognizers import DEFAULT_MODELS, NatashaRecognizer, SpacyRecognizer

DEFAULT_DATA = pathlib.Path(__file__).resolve().parents[2] / 'shared' / 'data'
TYPES = ('PER', 'ORG', 'LOC', 'MISC')
# factRuEval's object types; LocOrg (a place acting as an organisation,
# "Moscow said") is scored as LOC, as natasha's own evaluation does.
FACTRUEVAL_TYPES = {'Person': 'PER', 'Org': 'ORG', 'Location': 'LOC', 'LocOrg': 'LOC'}


def conll_documents(path: pathlib.Path):
  """(text, gold spans) per document of an IOB1 CoNLL-2003 file."""
  documents, tokens = [], []

  def flush():
    if tokens:
      documents.append(_iob_document(tokens))
      tokens.clear()

  for line in path.read_text(encoding='utf-8').splitlines():
    if line.startswith('-DOCSTART-'):
      flush()
    elif not line.strip():
      if tokens and tokens[-1] is not None:
        tokens.append(None)  # sentence break
    else:
      word, *_, tag = line.split()
      tokens.append((word, tag))
  flush()
  return documents


def _iob_document(tokens):
  """The document's text (tokens joined by spaces, sentences by newlines) and
  its entities as (type, start, end); in IOB1 a B- tag only separates two
  adjacent entities of the same type."""
  text, gold, current = '', set(), None
  for token in tokens:
    if token is None:
      text += '\n'
      current = None
      continue
    word, tag = token
    if text and not text.endswith('\n'):
      text += ' '
    start = len(text)
    text += word
    type_ = tag[2:] if tag != 'O' else None
    if type_ and current and current[0] == type_ and not tag.startswith('B-'):
      gold.discard(current)
      current = (type_, current[1], len(text))
    else:
      current = (type_, start, len(text)) if type_ else None
    if current:
      gold.add(current)
  return text, gold


def factrueval_documents(folder: pathlib.Path):
  """(text, gold spans) per factRuEval document: each object's name extent."""
  documents = []
  for txt in sorted(folder.glob('*.txt')):
    text = txt.read_text(encoding='utf-8')
    spans = {}
    for line in txt.with_suffix('.spans').read_text(encoding='utf-8').splitlines():
      fields = line.split()
      # Names only: descriptors ("мэрии" in "мэрии Москвы") are not named entities.
      if len(fields) >= 4 and not fields[1].endswith('_descr'):
        spans[fields[0]] = (int(fields[2]), int(fields[2]) + int(fields[3]))
    gold = set()
    for line in txt.with_suffix('.objects').read_text(encoding='utf-8').splitlines():
      fields = line.split('#')[0].split()
      if len(fields) >= 3 and fields[1] in FACTRUEVAL_TYPES:
        extents = [spans[i] for i in fields[2:] if i in spans]
        if extents:
          gold.add((FACTRUEVAL_TYPES[fields[1]], min(e[0] for e in extents),
                    max(e[1] for e in extents)))
    documents.append((text, gold))
  return documents


def score(documents, recognizer, gazetteer, types):
  """Counts per level and type for the raw model, the repaired spans and the stage's
  entities (one type per name in a document), the model's elapsed time and that
  of the repairs with the aggregation (what the stage adds to the model)."""
  counts = collections.defaultdict(lambda: collections.defaultdict(collections.Counter))
  started = time.perf_counter()
  predictions = recognizer.recognize([text for text, _ in documents])
  elapsed = time.perf_counter() - started

  def is_place(word):
    return gazetteer.link_place(word) is not None

  is_given_name = given_name_test(gazetteer)
  started = time.perf_counter()
  entities = [repair(spans, is_place, is_given_name, text)
              for (text, _), spans in zip(documents, predictions, strict=True)]
  repairs_elapsed = time.perf_counter() - started
  for (text, gold), spans, mentions in zip(documents, predictions, entities, strict=True):
    stage = {(m.type, start, end) for m in mentions for start, end in m.spans}
    for label, found in (('raw', {(s.type, s.start, s.end) for s in spans}),
                         ('repaired', {(s.type, s.start, s.end) for s in
                                       repair_spans(spans, is_place, is_given_name, text)}),
                         ('stage', stage)):
      _count(counts['mention', label], gold, found, types)
      _count(counts['entity', label], _names(gold, text), _names(found, text), types)
  return counts, elapsed, repairs_elapsed / len(entities)


def _names(spans, text):
  """Entity level: the distinct (type, name) of a document, names as written."""
  return {(type_, text[start:end].casefold()) for type_, start, end in spans}


def _count(counter, gold, found, types):
  for type_ in types:
    g = {x for x in gold if x[0] == type_}
    p = {x for x in found if x[0] == type_}
    counter[type_].update(tp=len(g & p), fp=len(p - g), fn=len(g - p))


def _scores(counter, summed):
  c = sum((counter[type_] for type_ in summed), collections.Counter())
  precision = c['tp'] / (c['tp'] + c['fp']) if c['tp'] + c['fp'] else 0.0
  recall = c['tp'] / (c['tp'] + c['fn']) if c['tp'] + c['fn'] else 0.0
  f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
  return c['tp'] + c['fn'], [f'{100 * x:.1f}' for x in (precision, recall, f1)]


def report(name, counts, types, documents, elapsed, repairs_per_document):
  model_per_document = elapsed / len(documents)
  print(f'\n{name}: {len(documents)} documents, {len(documents) / elapsed:.1f} documents/s '
        f'({sum(len(t) for t, _ in documents) / elapsed / 1000:.0f}k chars/s) for the model; '
        f'repairs and aggregation {1000 * repairs_per_document:.2f} ms per document '
        f'({100 * repairs_per_document / model_per_document:.1f}% of the model\'s time)')
  rows = {type_: (type_,) for type_ in types}
  rows.update({'PER/ORG/LOC': ('PER', 'ORG', 'LOC'), 'all': types})
  for level, labels in (('mention', ('raw', 'repaired', 'stage')), ('entity', ('raw', 'stage'))):
    print(f'\n{level} level (P / R / F1): raw model; ' + (
        'repaired spans; ' if level == 'mention' else '') + 'stage (one type per name)')
    print('| type | gold | ' + ' | '.join(labels) + ' |')
    print('|---|---|' + '---|' * len(labels))
    for row_name, summed in rows.items():
      gold = _scores(counts[level, labels[0]], summed)[0]
      print(f'| {row_name} | {gold} | ' + ' | '.join(
          ' / '.join(_scores(counts[level, label], summed)[1]) for label in labels) + ' |')


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
  parser.add_argument('data', nargs='?', default=str(DEFAULT_DATA))
  parser.add_argument('--limit', type=int, help='documents per corpus (for a quick run)')
  args = parser.parse_args(argv)
  data = pathlib.Path(args.data)
  conll = data / 'ner' / 'conll2003_en' / 'eng.testa'
  factrueval = data / 'ner' / 'factRuEval-2016_ru' / 'devset'
  if not conll.exists() and not factrueval.exists():
    sys.exit(f'{data}: no ner/ folder. Point DATA_PATH at the evaluation data '
             '(see "Evaluation" in README.md).')
  gazetteer = Gazetteer()
  if conll.exists():
    documents = conll_documents(conll)[:args.limit]
    results = score(documents, SpacyRecognizer(DEFAULT_MODELS['en']), gazetteer, TYPES)
    report(f'CoNLL-2003 eng.testa, {DEFAULT_MODELS["en"]}', results[0], TYPES, documents,
           *results[1:])
  if factrueval.exists():
    documents = factrueval_documents(factrueval)[:args.limit]
    results = score(documents, NatashaRecognizer(), gazetteer, TYPES[:3])
    report('factRuEval-2016 devset, natasha', results[0], TYPES[:3], documents, *results[1:])


if __name__ == '__main__':
  main()
