"""Link precision on a hand-labelled sample of the shared feeds' entities.

Usage: python -m eval.links_eval ITEMS_FOLDER [--labels eval/labels/links.jsonl]

ITEMS_FOLDER is the ``items`` folder of a run on the shared feeds, e.g.
``python -m pipeline --input ../shared/data/feeds/real --output /tmp/feeds
--no-dedup-index`` then ``python -m eval.links_eval /tmp/feeds/items``.
Each label names an item (uri), an entity name and the right id, or null
when the name should not be linked (the labels keep no text of the feeds:
the item is found by its uri in the run).
Precision is the share of the labelled entities the run linked whose id is
the label's; entities the labels expect linked but the run left unlinked are
counted apart, and precision is shown per confidence bound (how the
threshold ``MIN_LINK_CONFIDENCE`` was set).
"""
import argparse
import json
import pathlib

import fastavro

DEFAULT_LABELS = pathlib.Path(__file__).resolve().parent / 'labels' / 'links.jsonl'
BOUNDS = (0.0, 0.25, 0.5, 0.75, 1.0)


def run_entities(folder: pathlib.Path) -> dict:
  """(uri, entity name) -> the entity, of every item of a run."""
  entities = {}
  for path in sorted(folder.glob('*.avro')):
    with path.open('rb') as avro:
      for record in fastavro.reader(avro):
        for entity in record['entities']:
          entities[(record['uri'], entity['name'])] = entity
  return entities


def read_labels(path: pathlib.Path) -> list:
  return [json.loads(line) for line in path.read_text(encoding='utf-8').splitlines()]


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
  parser.add_argument('items', type=pathlib.Path)
  parser.add_argument('--labels', type=pathlib.Path, default=DEFAULT_LABELS)
  args = parser.parse_args(argv)
  labels = read_labels(args.labels)
  links = {key: (entity['id'], entity['confidence'])
           for key, entity in run_entities(args.items).items()}
  judged = []  # (confidence, right) of every labelled entity the run linked
  unlinked = missing = 0
  for label in labels:
    found = links.get((label['uri'], label['name']))
    if found is None:
      missing += 1
    elif found[0] is None:
      unlinked += label['id'] is not None
    else:
      judged.append((found[1], found[0] == label['id']))
  print(f'{len(labels)} labels; {len(judged)} linked, {unlinked} left unlinked that have an '
        f'id, {missing} not found in the run')
  print('| confidence at least | links | right | precision |')
  print('|---|---|---|---|')
  for bound in BOUNDS:
    kept = [right for confidence, right in judged if confidence >= bound]
    precision = 100 * sum(kept) / len(kept) if kept else 0.0
    print(f'| {bound:.2f} | {len(kept)} | {sum(kept)} | {precision:.1f} |')
  for label in labels:
    found = links.get((label['uri'], label['name']))
    if found and found[0] is not None and found[0] != label['id']:
      print(f'wrong: {label["name"]!r} -> {found[0]} (right: {label["id"]}): {label["uri"]}')


if __name__ == '__main__':
  main()
