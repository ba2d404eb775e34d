"""Whether two output folders hold the same records: a refactoring's or a speed-up's proof.

    python -m bench.compare_outputs OUT_BEFORE OUT_AFTER [--ignore FOLDER.FIELD]

Reads every Avro file of each folder (items, duplicates, dead letters, dedup
index), sorts the records, leaves out what differs from run to run by design
(a dead letter's ``failed_at``, an index row's ``last_seen``) and any field
named by ``--ignore`` (one a change added on purpose), and prints the first
differences. Exits 1 when the folders differ.
"""
import argparse
import glob
import json
import os
import sys

import fastavro

FOLDERS = ('items', 'duplicates', 'dead_letters', 'dedup_index')
RUN_DEPENDENT = {'dead_letters': ('failed_at',), 'dedup_index': ('last_seen',)}


def records(output: str, folder: str, ignored=()) -> list:
  """The folder's records as sorted JSON strings, run-dependent fields left out."""
  left_out = set(RUN_DEPENDENT.get(folder, ())) | {
      name.split('.', 1)[1] for name in ignored if name.startswith(folder + '.')}
  rows = []
  for path in sorted(glob.glob(os.path.join(output, folder, '*.avro'))):
    with open(path, 'rb') as f:
      for record in fastavro.reader(f):
        for field in left_out:
          record.pop(field, None)
        rows.append(json.dumps(record, sort_keys=True, default=repr))
  return sorted(rows)


def differences(before: str, after: str, ignored=(), limit: int = 5) -> list:
  found = []
  for folder in FOLDERS:
    old, new = records(before, folder, ignored), records(after, folder, ignored)
    if old == new:
      continue
    only_old, only_new = sorted(set(old) - set(new)), sorted(set(new) - set(old))
    found.append(f'{folder}: {len(old)} records before, {len(new)} after; '
                 f'{len(only_old)} only before, {len(only_new)} only after')
    found += [f'  - {row[:400]}' for row in only_old[:limit]]
    found += [f'  + {row[:400]}' for row in only_new[:limit]]
  return found


def main(argv=None) -> int:
  parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
  parser.add_argument('before')
  parser.add_argument('after')
  parser.add_argument('--ignore', action='append', default=[], metavar='FOLDER.FIELD',
                      help='a field to leave out, such as dead_letters.received_at')
  args = parser.parse_args(argv)
  found = differences(args.before, args.after, args.ignore)
  if found:
    print('\n'.join(found))
    return 1
  counts = {folder: len(records(args.after, folder)) for folder in FOLDERS}
  print('same records: ' + ', '.join(f'{folder} {n}' for folder, n in counts.items()))
  return 0


if __name__ == '__main__':
  sys.exit(main())
