"""Language identification accuracy on real feeds and on the langid sentences.

Usage: python -m eval.language_eval [DATA_PATH] [--reuters]   (default: ../shared/data)

DATA_PATH is the evaluation data folder described in the project README
(feeds/real/<lang>/, feeds/aggregated_reserialized/<lang>/,
langid/sentences/<lang>.txt). The gold language of a feed entry is the name
of its folder. Every entry goes through the pipeline's own code: format
detection, parsing, normalisation and the language rule. With --reuters,
the Reuters-21578 items (all in English, many of them earnings tables and
results) are judged too, declared 'en' as bench/reuters.py writes them and
with no declaration: how many come out in another language.
"""
import argparse
import collections
import pathlib
import sys

from transforms.errors import InputError
from transforms.language import (
  LanguageDetector,
  add_feed_language,
  choose_language,
  text_for_detection,
)
from transforms.normalize.record import normalize_entry
from transforms.parse.entries import parse_source

DEFAULT_DATA = pathlib.Path(__file__).resolve().parents[2] / 'shared' / 'data'
FEED_FOLDERS = ('feeds/real', 'feeds/aggregated_reserialized')


def feed_records(data: pathlib.Path, detector):
  """(folder, gold language, feed file name, record) for every entry with text."""
  for folder in FEED_FOLDERS:
    for path in sorted((data / folder).glob('*/*')):
      try:
        entries = parse_source(str(path), path.read_bytes())
        add_feed_language(entries, detector)
      except InputError as error:
        print(f'  {path.name}: not parsed ({error.reason})', file=sys.stderr)
        continue
      for entry in entries:
        try:
          yield folder, path.parent.name, path.name, normalize_entry(entry, 1 << 24)
        except InputError:
          continue  # no text: nothing to judge


def evaluate_feeds(data, detector, disagreements):
  """Counts per feed and per folder: with summaries, titles alone, langdetect alone.

  Every disagreement with the folder name is appended to ``disagreements``.
  """
  per_feed = collections.defaultdict(collections.Counter)
  per_folder = collections.defaultdict(collections.Counter)
  for folder, gold, feed, record in feed_records(data, detector):
    counts = (per_feed[feed], per_folder[folder], per_folder['all'])
    declared, feed_language = record['language_declared'], record['source']['feed_language']
    if record['body_text'] or record['description_text']:
      text = text_for_detection(record)
      language = choose_language(text, declared, detector, feed_language).language
      for c in counts:
        c['summary'] += 1
        c['summary_ok'] += language == gold
      if language != gold:
        disagreements.append((feed, 'summary', gold, language, text[:100]))
    if record['headline']:
      title = record['headline']
      language = choose_language(title, declared, detector, feed_language).language
      detected, _ = detector.detect(title)
      for c in counts:
        c['title'] += 1
        c['title_ok'] += language == gold
        c['title_langdetect_ok'] += detected == gold
      if language != gold:
        disagreements.append((feed, 'title', gold, language, title[:100]))
  return per_feed, per_folder


def evaluate_sentences(data, detector):
  """Accuracy per language on one-sentence texts, without any declaration."""
  results = {}
  for path in sorted((data / 'langid' / 'sentences').glob('*.txt')):
    sentences = [line.strip() for line in path.read_text(encoding='utf-8').splitlines()
                 if line.strip()]
    correct = sum(choose_language(s, None, detector).language == path.stem
                  for s in sentences)
    results[path.stem] = (correct, len(sentences))
  return results


def evaluate_reuters(data, detector):
  """Per declaration ('en', none): items judged, and the languages other than English given."""
  from bench.reuters import load_reuters  # pylint: disable=import-outside-toplevel
  texts = [item.body or item.title for item in load_reuters(str(data))
           if item.body or item.title]
  results = {}
  for declared in ('en', None):
    languages = collections.Counter(
        choose_language(text, declared, detector).language for text in texts)
    results[declared] = (len(texts), {k: v for k, v in languages.items() if k != 'en'})
  return results


def percent(ok, total):
  return f'{100 * ok / total:.2f}%' if total else 'n/a'


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
  parser.add_argument('data', nargs='?', default=str(DEFAULT_DATA))
  parser.add_argument('--show-disagreements', action='store_true',
                      help='list every entry whose language differs from its folder')
  parser.add_argument('--reuters', action='store_true',
                      help='also judge the Reuters-21578 items (English), declared en and not')
  args = parser.parse_args(argv)
  data = pathlib.Path(args.data)
  if not (data / 'feeds').is_dir():
    sys.exit(f'{data}: no feeds/ folder. Point DATA_PATH at the evaluation data '
             '(see "Evaluation data" in README.md).')
  detector = LanguageDetector()
  disagreements = []
  per_feed, per_folder = evaluate_feeds(data, detector, disagreements)
  print('| feed | entries with summary | agree | titles | agree |')
  print('|---|---|---|---|---|')
  for feed, c in sorted(per_feed.items()):
    print(f'| {feed} | {c["summary"]} | {percent(c["summary_ok"], c["summary"])} '
          f'| {c["title"]} | {percent(c["title_ok"], c["title"])} |')
  print()
  print('| folder | with summary or body | titles alone | titles, langdetect alone |')
  print('|---|---|---|---|')
  for folder, c in per_folder.items():
    print(f'| {folder} | {c["summary_ok"]}/{c["summary"]} = '
          f'{percent(c["summary_ok"], c["summary"])} | {c["title_ok"]}/{c["title"]} = '
          f'{percent(c["title_ok"], c["title"])} | '
          f'{percent(c["title_langdetect_ok"], c["title"])} |')
  print(f'\n{len(disagreements)} disagreements with the folder name'
        + ('' if args.show_disagreements else ' (--show-disagreements lists them)'))
  if args.show_disagreements:
    for feed, kind, gold, language, text in disagreements:
      print(f'  {feed} [{kind}] folder {gold}, wirebeam {language}: {text!r}')
  if (data / 'langid' / 'sentences').is_dir():
    supported = set(LanguageDetector.supported_languages())
    results = evaluate_sentences(data, detector)
    in_scope = [v for k, v in results.items() if k in supported]
    all_ok, all_n = sum(v[0] for v in results.values()), sum(v[1] for v in results.values())
    ok, n = sum(v[0] for v in in_scope), sum(v[1] for v in in_scope)
    print(f'langid sentences, {len(in_scope)} languages langdetect knows: {ok}/{n} = '
          f'{percent(ok, n)}; all {len(results)} languages: {percent(all_ok, all_n)}')
    worst = sorted((v[0] / v[1], k) for k, v in results.items() if k in supported)[:5]
    print('  weakest: ' + ', '.join(f'{k} {100 * r:.1f}%' for r, k in worst))
  if args.reuters:
    for declared, (total, others) in evaluate_reuters(data, detector).items():
      wrong = sum(others.values())
      top = ', '.join(f'{k} {v}' for k, v in sorted(others.items(), key=lambda kv: -kv[1])[:6])
      print(f'Reuters-21578, declared {declared or "nothing"}: {wrong}/{total} = '
            f'{percent(wrong, total)} not English ({top})')


if __name__ == '__main__':
  main()
