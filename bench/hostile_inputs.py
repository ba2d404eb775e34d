"""Hostile inputs under the size caps: what they cost, with wirebeam's bounds and without.

Usage: python -m bench.hostile_inputs [attributes] [entries]   (default: both)

attributes: an RSS item with 10,000, 20,000 and 50,000 attributes through
  feedparser alone (no bound) and through wirebeam's parser (refused before
  feedparser); the attribute pre-scan alone on 20 MB of hostile shapes;
  20 MB feeds of elements with 100 attributes (the cap) and with 10, parsed.
entries: a JSON Feed of 200,000 tiny items (about 9 MB), parsed alone, then
  through the real command (no NER) with the default --max-entries-per-source;
  and a 20 MB JSON Feed of 6,600,000 empty items, parsed alone.

Each case runs in a process of its own: its seconds and peak RSS (of the
process tree, for the command) are printed as a Markdown table, which
SECURITY.md quotes.
"""
import argparse
import io
import json
import pathlib
import resource
import subprocess
import sys
import tempfile
import time

import feedparser

from bench.throughput import PeakMemory
from transforms.errors import InputError
from transforms.parse.entries import parse_source
from transforms.parse.xml_feed import refuse_many_attributes

REPO = pathlib.Path(__file__).resolve().parents[1]
MB = 1_000_000
PRESCAN_SHAPES = {
    'unclosed quote': lambda size: b'<a b="' + b'x' * size,
    'only "<"': lambda size: b'<' * size,
    'one long tag name': lambda size: b'<' + b'a' * size,
    'tags of 100 attributes, never closed': lambda size: (
        b'<a' + b' b="x"' * 100) * (size // 602),
    'spaces after a tag name': lambda size: b'<a' + b' ' * size,
}


def attributes(count: int) -> str:
  return ''.join(f' a{i}="x"' for i in range(count))


def item_with_attributes(count: int) -> bytes:
  return (f'<rss version="2.0"><channel><title>Wire</title><item{attributes(count)}>'
          '<title>Hello</title></item></channel></rss>').encode()


def elements_feed(per_element: int, size: int) -> bytes:
  element = f'<x{attributes(per_element)}/>'
  return (f'<rss version="2.0"><channel><title>Wire</title><item><title>Hello</title>'
          f'{element * (size // len(element))}</item></channel></rss>').encode()


def tiny_json_feed(count: int) -> bytes:
  return json.dumps({'version': 'https://jsonfeed.org/version/1.1', 'title': 'Tiny', 'items': [
      {'id': str(i), 'content_text': f'item {i}'} for i in range(count)]},
      separators=(',', ':')).encode()


def empty_json_feed(count: int) -> bytes:
  return b'{"version":"https://jsonfeed.org/version/1.1","items":[%s]}' % b','.join(
      [b'{}'] * count)


def prepare_case(name: str, argument: str):
  """The work of one case, as a function of nothing, its input already built."""
  if name == 'baseline':
    return lambda: 'nothing done: the imports alone'
  if name == 'feedparser':
    data = item_with_attributes(int(argument))

    def parse_alone():
      parsed = feedparser.parse(io.BytesIO(data),
                                response_headers={'content-type': 'application/xml'})
      return f'{len(parsed.entries)} entries'
    return parse_alone
  if name == 'prescan':
    data = PRESCAN_SHAPES[argument](20 * MB)
    return lambda: refuse_many_attributes(data) or 'passed'
  data = {'wirebeam': lambda: item_with_attributes(int(argument)),
          'elements': lambda: elements_feed(int(argument), 20 * MB),
          'tiny': lambda: tiny_json_feed(int(argument)),
          'empty': lambda: empty_json_feed(int(argument))}[name]()
  return lambda: f'{len(parse_source(name, data))} entries'


def in_process(name: str, argument) -> tuple:
  """(seconds, peak RSS in MB, outcome) of one case run in a new process."""
  output = subprocess.run(
      [sys.executable, '-m', 'bench.hostile_inputs', '--case', name, str(argument)],
      cwd=REPO, capture_output=True, text=True, check=True).stdout
  values = json.loads(output.strip().splitlines()[-1])
  return values['seconds'], values['peak_mb'], values['outcome']


def row(label: str, size: int, seconds: float, peak_mb: float, outcome: str) -> str:
  return f'| {label} | {size / MB:.2f} MB | {seconds:.2f} s | {peak_mb:.0f} MB | {outcome} |'


def bench_attributes():
  print('| case | input | time | peak RSS | outcome |')
  print('|---|---|---|---|---|')
  print(row('baseline', 0, *in_process('baseline', 0)))
  for count in (10_000, 20_000, 50_000):
    size = len(item_with_attributes(count))
    print(row(f'{count:,} attributes, feedparser alone', size, *in_process('feedparser', count)))
    print(row(f'{count:,} attributes, wirebeam', size, *in_process('wirebeam', count)))
  for shape in PRESCAN_SHAPES:
    print(row(f'pre-scan alone: {shape}', 20 * MB, *in_process('prescan', shape)))
  for per_element in (100, 10):
    print(row(f'elements of {per_element} attributes, wirebeam', 20 * MB,
               *in_process('elements', per_element)))


def bench_entries():
  count = 200_000
  data = tiny_json_feed(count)
  print('| case | input | time | peak RSS | outcome |')
  print('|---|---|---|---|---|')
  print(row(f'{count:,} tiny items, parsed', len(data), *in_process('tiny', count)))
  with tempfile.TemporaryDirectory() as folder:
    path = pathlib.Path(folder) / 'tiny.json'
    path.write_bytes(data)
    start = time.perf_counter()
    command = subprocess.Popen(
        [sys.executable, '-m', 'pipeline', '--input', str(path), '--output',
         str(pathlib.Path(folder) / 'out'), '--no-entities', '--summary-json',
         str(pathlib.Path(folder) / 'summary.json')],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    memory = PeakMemory(command.pid)
    _, errors = command.communicate()
    seconds, peak_mb = time.perf_counter() - start, memory.stop()
    if command.returncode:
      sys.exit(errors)
    summary = json.loads((pathlib.Path(folder) / 'summary.json').read_text())
    outcome = (f"{summary['items']} items, dead letters {summary['dead_letters_by_reason']}, "
               f"inputs {summary['inputs']}, accounted for: {summary['accounted_for']}")
    print(row(f'{count:,} tiny items, the command', len(data), seconds, peak_mb, outcome))
  empty = 6_600_000
  print(row(f'{empty:,} empty items, parsed', len(empty_json_feed(empty)),
            *in_process('empty', empty)))


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
  parser.add_argument('parts', nargs='*', metavar='attributes|entries')
  parser.add_argument('--case', nargs=2, help=argparse.SUPPRESS)
  args = parser.parse_args(argv)
  if args.case:
    work = prepare_case(*args.case)
    start = time.perf_counter()
    try:
      outcome = work()
    except InputError as error:
      outcome = error.reason
    print(json.dumps({'seconds': time.perf_counter() - start, 'outcome': outcome,
                      'peak_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
    return
  benches = {'attributes': bench_attributes, 'entries': bench_entries}
  for part in args.parts or benches:
    if part not in benches:
      parser.error(f'{part!r} is neither attributes nor entries')
    print(f'\n{part}\n')
    benches[part]()


if __name__ == '__main__':
  main()
