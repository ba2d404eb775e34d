"""Language detection before and after its speed-ups: answers and time per text.

Usage: python -m eval.language_speed [DATA_PATH] [--per-language N] [--reuters N]

Every text of langid/sentences and langid/word-pairs (DATA_PATH as for
eval.language_eval), and the headlines and texts of the feeds, is detected
twice, one way after the other: by langdetect's own sampling loop (before)
and by ``transforms.language_sampling`` (after, what wirebeam runs). For
each set it prints how many answers differ (the top language, the language
list, the rule's choice), the largest difference in probability, and the
CPU time per text of each way: mean, median, 99th percentile and slowest.
Every text whose answer differs is listed.

A second table compares the rule as it was, detecting every text, with the
rule detecting only where the detection can change the answer (not a short
text with a declared or feed language in its own alphabet): how many texts
are still detected, how many choices (language and reason) differ, and the
CPU time per text of the whole rule, on the same sets plus the first N
Reuters-21578 items declared 'en', as bench/reuters.py writes them.
"""
import argparse
import functools
import pathlib
import statistics
import sys
import time

from eval.language_eval import DEFAULT_DATA, feed_records
from transforms.language import LanguageDetector, choose_language, text_for_detection


class _Langdetect:
  """The detector as it was: langdetect's own sampling loop."""
  def __init__(self, detector: LanguageDetector):
    self.detect = detector.detect_with_langdetect


def langid_texts(data: pathlib.Path, folder: str, per_language: int):
  """(text, declared language) of a langid folder: none is declared."""
  for path in sorted((data / 'langid' / folder).glob('*.txt')):
    lines = [line.strip() for line in path.read_text(encoding='utf-8').splitlines()]
    for line in [line for line in lines if line][:per_language]:
      yield line, None, None


def feed_texts(data: pathlib.Path, detector: LanguageDetector, which: str):
  """(text, declared, feed language) of every feed entry: its headline, or its text."""
  for _, _, _, record in feed_records(data, detector):
    text = record['headline'] if which == 'headline' else (
        text_for_detection(record) if record['body_text'] or record['description_text']
        else None)
    if text:
      yield text, record['language_declared'], record['source']['feed_language']


def text_sets(data: pathlib.Path, detector: LanguageDetector, per_language: int) -> dict:
  """The sets of texts compared, by name: langid texts, feed headlines, feed texts."""
  return {
      'langid/sentences': langid_texts(data, 'sentences', per_language),
      'langid/word-pairs': langid_texts(data, 'word-pairs', per_language),
      'feeds, headlines': feed_texts(data, detector, 'headline'),
      'feeds, summary or body': feed_texts(data, detector, 'text'),
  }


def cpu_time(function, *args):
  start = time.process_time()
  result = function(*args)
  return result, time.process_time() - start


def compare(texts, detector: LanguageDetector):
  """Counts, largest probability difference, times before and after, texts that differ."""
  before_detector = _Langdetect(detector)
  counts = {'texts': 0, 'top': 0, 'choice': 0}
  largest, times, differing = 0.0, {'before': [], 'after': []}, []
  for text, declared, feed_language in texts:
    before, before_time = cpu_time(detector.detect_with_langdetect, text)
    after, after_time = cpu_time(detector.detect, text)
    times['before'].append(before_time)
    times['after'].append(after_time)
    counts['texts'] += 1
    choices = [choose_language(text, declared, way, feed_language)
               for way in (before_detector, detector)]
    if before[0] != after[0]:
      counts['top'] += 1
    elif before[1] is not None:
      largest = max(largest, abs(before[1] - after[1]))
    same_choice = (choices[0].language, choices[0].reason) == (choices[1].language,
                                                               choices[1].reason)
    counts['choice'] += not same_choice
    if before[0] != after[0] or not same_choice:
      differing.append((text, before, after, choices))
  return counts, largest, times, differing


def compare_skipping(texts, detector: LanguageDetector):
  """Counts (texts, still detected, choice differs), times of the rule detecting
  every text (before) and only where it can change the answer (after), differing texts."""
  counts = {'texts': 0, 'detected': 0, 'choice': 0}
  times, differing = {'before': [], 'after': []}, []
  for text, declared, feed_language in texts:
    before, before_time = cpu_time(functools.partial(choose_language, always_detect=True),
                                   text, declared, detector, feed_language)
    after, after_time = cpu_time(choose_language, text, declared, detector, feed_language)
    times['before'].append(before_time)
    times['after'].append(after_time)
    counts['texts'] += 1
    counts['detected'] += after.detected is not None
    if (before.language, before.reason) != (after.language, after.reason):
      counts['choice'] += 1
      differing.append((text, before, after))
  return counts, times, differing


def reuters_texts(data: pathlib.Path, count: int):
  """(text, 'en', None) for the first ``count`` Reuters-21578 items with text."""
  from bench.reuters import load_reuters  # pylint: disable=import-outside-toplevel
  items = [item for item in load_reuters(str(data)) if item.body or item.title][:count]
  for item in items:
    yield item.body or item.title, 'en', None


def milliseconds(values):
  ordered = sorted(values)
  return (f'{1000 * statistics.fmean(ordered):.2f} / {1000 * statistics.median(ordered):.2f} / '
          f'{1000 * ordered[int(0.99 * (len(ordered) - 1))]:.2f} / {1000 * ordered[-1]:.2f}')


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
  parser.add_argument('data', nargs='?', default=str(DEFAULT_DATA))
  parser.add_argument('--per-language', type=int, default=300, metavar='N',
                      help='langid texts read per language (all 300 by default)')
  parser.add_argument('--reuters', type=int, default=4000, metavar='N',
                      help='Reuters-21578 items in the second table (4,000 by default)')
  args = parser.parse_args(argv)
  data = pathlib.Path(args.data)
  if not (data / 'langid').is_dir():
    sys.exit(f'{data}: no langid/ folder. Point DATA_PATH at the evaluation data.')
  detector = LanguageDetector()
  sets = text_sets(data, detector, args.per_language)
  print('| texts | count | top language differs | choice differs | largest probability '
        'difference | ms per text before: mean / median / p99 / max | after |')
  print('|---|---|---|---|---|---|---|')
  all_differing = []
  for name, texts in sets.items():
    counts, largest, times, differing = compare(texts, detector)
    all_differing.extend(differing)
    print(f'| {name} | {counts["texts"]} | {counts["top"]} | {counts["choice"]} | '
          f'{largest:.1e} | {milliseconds(times["before"])} | {milliseconds(times["after"])} |')
  print(f'\n{len(all_differing)} texts whose answer differs')
  for text, before, after, choices in all_differing:
    print(f'  {text[:80]!r}: before {before} {choices[0]}, after {after} {choices[1]}')
  print('\nDetecting only where it can change the answer:\n')
  print('| texts | count | still detected | choice differs | ms per text, every text '
        'detected: mean / median / p99 / max | only where it can change the answer |')
  print('|---|---|---|---|---|---|')
  sets = {**text_sets(data, detector, args.per_language),
          f'Reuters-21578, first {args.reuters}, declared en': reuters_texts(data, args.reuters)}
  all_differing = []
  for name, texts in sets.items():
    counts, times, differing = compare_skipping(texts, detector)
    all_differing.extend(differing)
    print(f'| {name} | {counts["texts"]} | {counts["detected"]} | {counts["choice"]} | '
          f'{milliseconds(times["before"])} | {milliseconds(times["after"])} |')
  print(f'\n{len(all_differing)} texts whose choice differs')
  for text, before, after in all_differing:
    print(f'  {text[:80]!r}: before {before}, after {after}')


if __name__ == '__main__':
  main()
