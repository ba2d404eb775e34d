"""Precision of the entities found without a model (``transforms/entities/lexicon.py``),
on a hand-labelled sample of the shared feeds' German, Ukrainian, Portuguese,
Spanish, Italian and Chinese items.

Usage: python -m eval.lexicon_eval ITEMS_FOLDER [--labels eval/labels/lexicon_entities.jsonl]

ITEMS_FOLDER is the ``items`` folder of a run on the shared feeds (see
eval/links_eval.py). Each label names an item (uri), an entity name as the run
gave it and its right type, or null when it is no entity or only part of
one (no text of the feeds: the item is found by its uri in the run).
Precision is the share of the labelled entities the run found whose type
is the label's; labelled entities the run no longer finds are counted apart.
"""
import argparse
import collections
import pathlib

from eval.links_eval import read_labels, run_entities

DEFAULT_LABELS = pathlib.Path(__file__).resolve().parent / 'labels' / 'lexicon_entities.jsonl'


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
  parser.add_argument('items', type=pathlib.Path)
  parser.add_argument('--labels', type=pathlib.Path, default=DEFAULT_LABELS)
  args = parser.parse_args(argv)
  labels = read_labels(args.labels)
  entities = run_entities(args.items)
  counts = collections.defaultdict(collections.Counter)
  for label in labels:
    found = entities.get((label['uri'], label['name']))
    if found is None:
      counts[label['language']]['not found'] += 1
      continue
    right = found['type'] == label['type']
    counts[label['language']].update(found=1, right=int(right))
    if not right:
      print(f'wrong: {label["name"]!r} {found["type"]} (right: {label["type"]}): '
            f'{label["uri"]}')
  print('| language | found | right | precision | labelled, not found |')
  print('|---|---|---|---|---|')
  for language in sorted(counts) + ['all']:
    c = (sum(counts.values(), collections.Counter()) if language == 'all'
         else counts[language])
    precision = 100 * c['right'] / c['found'] if c['found'] else 0.0
    print(f'| {language} | {c["found"]} | {c["right"]} | {precision:.1f} | {c["not found"]} |')


if __name__ == '__main__':
  main()
