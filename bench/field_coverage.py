"""How many of an output folder's items carry each field: what a change to the parsers gained.

    python -m bench.field_coverage OUT [OUT ...] [--field NAME ...]

For each output folder, the items (``items/*.avro``) with each field set
(not null, not empty), and the dead letters by reason. Two folders side by
side compare a run before a change with one after, on the same inputs.
"""
import argparse
import collections
import glob
import os
import sys

import fastavro

DEFAULT_FIELDS = ('headline', 'located', 'agency', 'versioncreated', 'byline', 'urgency',
                  'headline_flags', 'keywords', 'subjects', 'associations')


def _records(output: str, folder: str):
  for path in sorted(glob.glob(os.path.join(output, folder, '*.avro'))):
    with open(path, 'rb') as f:
      yield from fastavro.reader(f)


def coverage(output: str, fields) -> dict:
  """{'items': n, field: items with it set..., 'dead letters': {reason: n}}."""
  counts = collections.Counter()
  items = 0
  for record in _records(output, 'items'):
    items += 1
    counts.update(field for field in fields if record.get(field) not in (None, '', []))
  reasons = collections.Counter(f"{letter['stage']}.{letter['reason']}"
                                for letter in _records(output, 'dead_letters'))
  return {'items': items, **{field: counts[field] for field in fields},
          'dead letters': dict(sorted(reasons.items()))}


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
  parser.add_argument('outputs', nargs='+', help='output folders of wirebeam runs')
  parser.add_argument('--field', action='append', dest='fields',
                      help=f'a wire_item field to count (default: {", ".join(DEFAULT_FIELDS)})')
  args = parser.parse_args(argv)
  missing = [output for output in args.outputs if not os.path.isdir(output)]
  if missing:
    sys.exit(f'not an output folder: {", ".join(missing)}')
  fields = args.fields or DEFAULT_FIELDS
  for output in args.outputs:
    found = coverage(output, fields)
    print(output)
    for name, value in found.items():
      print(f'  {name:16} {value}')


if __name__ == '__main__':
  main()
