"""The whole command against spaCy's NER alone, on the same plain-text Reuters items.

Usage: python -m bench.ner_share [DATA_PATH] [--items 4000] [--runs 1]

The first N Reuters-21578 items with a title and a body are written as
plain-text wire files (``bench.reuters.write_wire_text``). In turn, each
in a fresh process with its start-up included:
  - the command, ``python -m pipeline --input IN --output OUT``, every stage
    on (reading, parsing, language, entities, dedup, Avro);
  - the same command with ``--no-entities``: what all but NER costs;
  - NER alone: spaCy's English model as wirebeam loads it, run on the text
    the command gave each item's NER (read from its output), in batches.
The NER-alone time over the command's says how close the command is to the
one cost it cannot avoid (1.00x: all else is free). Wall and CPU seconds are
medians over ``--runs``; the command's output must hold every item.
"""
import argparse
import json
import pathlib
import statistics
import sys
import tempfile
from typing import List

REPO = pathlib.Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / 'shared' / 'data'
NER_BATCH = 64


def ner_alone(texts_file: str) -> int:
  """The NER-alone side, run in its own process: load the model, run it, exit."""
  # pylint: disable=import-outside-toplevel  (its imports are part of its time)
  from transforms.entities.recognizers import DEFAULT_MODELS, SpacyRecognizer
  recognizer = SpacyRecognizer(DEFAULT_MODELS['en'])
  with open(texts_file, encoding='utf-8') as f:
    texts = json.load(f)
  found = 0
  for start in range(0, len(texts), NER_BATCH):
    found += sum(map(len, recognizer.recognize(texts[start:start + NER_BATCH])))
  print(found)
  return 0


def ner_texts(output: pathlib.Path) -> List[str]:
  """The text the command gave each item's NER, from the items it wrote."""
  # pylint: disable=import-outside-toplevel
  import fastavro

  from transforms.entities.enrich import ner_text
  texts = []
  for path in sorted((output / 'items').glob('*.avro')):
    with open(path, 'rb') as f:
      texts.extend(ner_text(record) for record in fastavro.reader(f))
  return texts


def main(argv=None) -> int:
  parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
  parser.add_argument('data', nargs='?', default=str(DEFAULT_DATA))
  parser.add_argument('--items', type=int, default=4000)
  parser.add_argument('--runs', type=int, default=1)
  parser.add_argument('--ner-only', metavar='TEXTS_JSON', help=argparse.SUPPRESS)
  args = parser.parse_args(argv)
  if args.ner_only:
    return ner_alone(args.ner_only)
  # pylint: disable=import-outside-toplevel
  from bench.reuters import load_reuters, write_wire_text
  from bench.same_records import summary, timed
  try:
    corpus = load_reuters(args.data)
  except FileNotFoundError as error:
    sys.exit(str(error))
  with tempfile.TemporaryDirectory() as tmp:
    tmp = pathlib.Path(tmp)
    written = len(write_wire_text(corpus, tmp / 'in', count=args.items))
    texts_file = tmp / 'texts.json'
    times = {'command': [], 'no_entities': [], 'ner': []}
    for run in range(args.runs):
      output = tmp / f'out-{run}'
      command = [sys.executable, '-m', 'pipeline', '--input', str(tmp / 'in')]
      times['command'].append(timed(command + ['--output', str(output)], REPO))
      times['no_entities'].append(timed(
          command + ['--output', str(tmp / f'out-{run}-no-entities'), '--no-entities'], REPO))
      if not run:
        texts = ner_texts(output)
        if len(texts) != written:
          sys.exit(f'the command wrote {len(texts)} items of {written}')
        texts_file.write_text(json.dumps(texts), encoding='utf-8')
      times['ner'].append(timed([sys.executable, '-m', 'bench.ner_share',
                                 '--ner-only', str(texts_file)], REPO))
  print(f'{written} plain-text Reuters-21578 items, {args.runs} run(s) of each, in turn\n')
  print('| run | wall s: median (min-max) | CPU s |')
  print('|---|---|---|')
  for name, key in (('the command, every stage on', 'command'),
                    ('the command, --no-entities', 'no_entities'),
                    ('spaCy NER alone, start-up included', 'ner')):
    print(f'| {name} | {summary([t[0] for t in times[key]])} | '
          f'{summary([t[1] for t in times[key]])} |')
  ratio = (statistics.median(t[0] for t in times['ner'])
           / statistics.median(t[0] for t in times['command']))
  print(f'\nNER alone / the command (wall): {ratio:.2f}x')
  return 0


if __name__ == '__main__':
  sys.exit(main())
