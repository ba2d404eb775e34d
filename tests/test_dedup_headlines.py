"""The same story from different doors: normalised headlines, short items, content conflicts."""
import datetime
import pathlib

import apache_beam as beam
import pytest
import test_runs_follow_runs as runs
from apache_beam.testing import test_pipeline
from apache_beam.testing.util import assert_that, equal_to
from test_dedup_logic import STORY, record
from test_dedup_pipeline import read_folder, rss, run_wirebeam
from test_dedup_streaming import STORM, assert_streamed, item, one_by_one, verdict

from eval import dedup_eval
from transforms.dedup import headlines, index, resightings, verdicts
from transforms.dedup.batch import Deduplicate
from transforms.dedup.fingerprints import MinHasher
from transforms.dedup.headlines import matching_headline, source_names, text_kind
from transforms.dedup.item_fingerprint import fingerprint
from transforms.dedup.settings import DedupSettings

SETTINGS = DedupSettings()
DATA = pathlib.Path(__file__).resolve().parents[2] / 'shared' / 'data'
HEADLINE = 'Antonelli says Dutch weekend has been a good wake-up call'
LEAD = ('Mercedes driver Kimi Antonelli said on Sunday that a difficult weekend at the '
        'Dutch Grand Prix had been a useful wake-up call before the next races. ')


def aggregated(uri, minute, headline, summary, feed_title='Top stories - Google News',
               link='https://news.google.com/rss/articles/x'):
  """A headline-only listing as aggregators publish it."""
  built = record(uri, minute=minute, headline=headline, body=None, link=link)
  return dict(built, description_text=summary, content_hash=f'hash of {summary}',
              source={'location': 'aggregator', 'position': minute,
                      'feed_title': feed_title})


# Normalisation, without a pipeline.

@pytest.mark.parametrize('written', [
    f'{HEADLINE} - Reuters',
    f'{HEADLINE} | Reuters',
    f'(Reuters) {HEADLINE}',
    f'UPDATE 2-{HEADLINE}',
    f'Reuters - REFILE-{HEADLINE.upper()}',
    'Antonelli says “Dutch weekend” has been a good wake–up call',
    "Antonelli says 'Dutch weekend' has been a good wake—up call (Reuters)",
    'Ａｎｔｏｎｅｌｌｉ says Dutch weekend has been a good wake-up call',
])
def test_spellings_of_one_headline_share_a_key(written):
  assert matching_headline(written) == matching_headline(HEADLINE)


@pytest.mark.parametrize('written', [f'{HEADLINE} (CNA)', f'{HEADLINE} | Nikkei Asia',
                                     f'{HEADLINE} | Nikkei Asia - Reuters'])
def test_a_short_name_closing_a_headline_is_a_citation_whoever_it_names(written):
  assert matching_headline(written) == matching_headline(HEADLINE)
  assert matching_headline(f'{HEADLINE} (2)') != matching_headline(HEADLINE)


def test_a_segment_that_names_no_source_stays():
  assert matching_headline('Pictures of the Day | August 21, 2026 - Reuters') == (
      'pictures of the day august 21 2026')
  assert matching_headline('Market Talk: Are buybacks just a band-aid?') == (
      'market talk are buybacks just a band aid')


def test_source_names_are_learnt_from_the_item_itself():
  listing = aggregated('urn:x', 0, 'カナダ、米に報復関税へ - 埼玉新聞', 'カナダ、米に報復関税へ    埼玉新聞')
  names = source_names(listing)
  assert '埼玉新聞' in names  # the summary repeats the headline, then the source
  assert {'google news', 'google', 'top stories'} <= names  # feed title and link host
  assert matching_headline(listing['headline'], names) == 'カナダ 米に報復関税へ'
  assert 'mercopress' in source_names(dict(listing, agency='MercoPress'))
  assert 'channelnewsasia' in source_names(
      dict(listing, link='https://www.channelnewsasia.com/world/x'))
  # A link urlsplit cannot read names no one, and fails nothing.
  assert source_names(dict(listing, link='http://[x/a')) == source_names(
      dict(listing, link=None))
  assert matching_headline('Iran condemns sanctions - CNA', source_names(dict(
      listing, source={'feed_title': 'CNA World'}))) == 'iran condemns sanctions'


def test_text_kind_tells_a_listing_from_a_summary_and_a_body():
  listing = aggregated('urn:x', 0, f'{HEADLINE} - Reuters', f'{HEADLINE}    Reuters')
  names = source_names(listing)
  assert text_kind(listing, names) == headlines.HEADLINE
  assert text_kind(dict(listing, description_text=LEAD), names) == headlines.SUMMARY
  assert text_kind(dict(listing, body_text=LEAD), names) == headlines.BODY
  assert text_kind(dict(listing, description_text=None), names) == headlines.HEADLINE


def test_short_headlines_identify_nothing():
  assert headlines.headline_identity(record('urn:a', headline='Live updates'), 5)[0] is None
  assert headlines.headline_identity(record('urn:a', headline='Photos of the day'), 5)[0] is None
  assert headlines.headline_weight('カナダ 米に報復関税へ') == 5  # ideographs count half


# The match rule, without a pipeline.

def fingerprints(*records):
  return [fingerprint(r, SETTINGS) for r in records]


def headline_matches(members):
  return dict(verdicts.same_headline_matches(members, SETTINGS.headline_window_micros,
                                             SETTINGS.fan_out, SETTINGS.generic_headline_bodies))


def test_a_listing_matches_the_story_within_the_window_only():
  story = record('urn:agency', headline=HEADLINE, body=LEAD)
  listing = aggregated('urn:listing', 5, f'{HEADLINE} - Reuters', f'{HEADLINE}    Reuters')
  found = headline_matches(fingerprints(story, listing))
  assert found['urn:listing'].earlier_uri == 'urn:agency'
  assert found['urn:listing'].reason == verdicts.SAME_HEADLINE
  assert 0 < found['urn:listing'].similarity < 1
  days_later = dict(listing, versioncreated=listing['versioncreated'] + datetime.timedelta(days=3))
  assert not headline_matches(fingerprints(story, days_later))
  assert not headline_matches(fingerprints(story, dict(listing, versioncreated=None)))


def test_two_full_texts_are_left_to_their_shingles():
  first = record('urn:a', headline=HEADLINE, body=LEAD)
  other = record('urn:b', minute=5, headline=HEADLINE, body=STORY)
  assert not headline_matches(fingerprints(first, other))


def test_a_headline_over_many_texts_is_no_identity():
  texts = [f'{LEAD} Part {n} of the day.' for n in range(4)]
  columns = [record(f'urn:{n}', minute=n, headline='Motor racing live blog of the day',
                    body=text) for n, text in enumerate(texts)]
  listing = aggregated('urn:listing', 9, 'Motor racing live blog of the day - Reuters',
                       'Motor racing live blog of the day    Reuters')
  assert not headline_matches(fingerprints(*columns, listing))
  assert headline_matches(fingerprints(*columns[:3], listing))


def test_listings_with_nothing_but_a_headline_are_matched_by_headline_only():
  # Each day's 'Markets wrap' listing has the same text, yet is another story.
  monday, tuesday = (
      aggregated(f'urn:{day}', 0, 'What you need to know about the markets today - Reuters',
                 'What you need to know about the markets today    Reuters')
      for day in ('monday', 'tuesday'))
  tuesday['versioncreated'] += datetime.timedelta(days=1)
  first, later = fingerprints(monday, tuesday)
  assert first.text_kind == later.text_kind == headlines.HEADLINE
  assert first.content_hash == later.content_hash and first.shingles == later.shingles
  assert not dict(verdicts.same_body_matches([first, later], 20))
  assert verdicts.near_duplicate_match(later, first, 0.7, 0.9) is None
  assert not headline_matches([first, later])  # a day apart: more than the window


def test_a_same_headline_match_is_the_weakest_reason():
  assert verdicts.match(fingerprints(record('urn:a'))[0], verdicts.SAME_HEADLINE, 1.0) > (
      verdicts.match(fingerprints(record('urn:a'))[0], verdicts.NEAR_DUPLICATE, 0.7))


# Other content under one uri and version.

def test_other_content_under_a_version_seen_is_a_content_conflict():
  annotated, canonical = verdicts.resolve_family([
      record('urn:a', minute=0, version='1'),
      record('urn:a', minute=1, version='1', body=STORY + 'Another story.', position=1),
      record('urn:a', minute=2, version='1', location='g'),
  ], [])
  by_minute = {r['versioncreated'].minute: r for r in annotated}
  assert canonical is by_minute[0]
  assert by_minute[1]['is_canonical'] and by_minute[1]['content_conflict']
  assert by_minute[1]['duplicate_reason'] is None and by_minute[1]['duplicate_of'] is None
  assert by_minute[2]['duplicate_reason'] == verdicts.RESIGHTING


def test_a_content_conflict_with_an_indexed_version_is_kept_and_its_own_content_re_sighted():
  first = record('urn:a', version='1')
  entry = verdicts.IndexEntry('urn:a', '1', verdicts.order_key(None, 'urn:a', True), None,
                              False, first['content_hash'])
  other = record('urn:a', version='1', body='A different story altogether, told at length.')
  (conflict,), canonical = verdicts.resolve_family([other], [entry])
  assert canonical is None and conflict['is_canonical'] and conflict['content_conflict']
  (again,), _ = verdicts.resolve_family([first], [entry])
  assert again['duplicate_reason'] == verdicts.RESIGHTING


def test_only_the_same_content_is_taken_out_as_a_re_sighting_before_the_stages():
  published = dict(record('urn:a', version='1'), received_at=None,
                   source={'format': 'rss', 'location': 'f', 'position': 0})
  rows = [{'uri': 'urn:a', 'version': '1', 'content_hash': published['content_hash'],
           'versioncreated': published['versioncreated'], 'duplicate_of': None}]
  seen_at = datetime.datetime(2026, 11, 28, tzinfo=datetime.timezone.utc)
  assert resightings.resighting_of(published, rows, seen_at)['duplicate_of'] == 'urn:a'
  other = dict(published, body_text='Another story under the same guid.',
               content_hash='another hash')
  assert resightings.resighting_of(other, rows, seen_at) is None


# Through the batch and streaming transforms.

def test_batch_matches_listings_and_keeps_content_conflicts_as_they_are():
  story = record('urn:agency', headline=HEADLINE, body=LEAD)
  listing = aggregated('urn:listing', 5, f'{HEADLINE} - Reuters', f'{HEADLINE}    Reuters')
  flagged = aggregated('urn:other', 7, f'UPDATE 2-{HEADLINE} | Reuters', None)
  # A story of its own that a feed gave the listing's guid: not the listing's match.
  reused = record('urn:listing', minute=6, headline='Storm hits the northern coast overnight',
                  body=STORY, position=1)
  with test_pipeline.TestPipeline() as p:
    out = ({'records': p | beam.Create([story, listing, flagged, reused]),
            'indexed': p | 'NoIndex' >> beam.Create([])}
           | Deduplicate(SETTINGS)
           | beam.Map(lambda r: (r['uri'], r['headline'][:5], r['is_canonical'],
                                 r['duplicate_reason'], r['duplicate_of'],
                                 r.get('content_conflict'))))
    assert_that(out, equal_to([
        ('urn:agency', 'Anton', True, None, None, None),
        ('urn:listing', 'Anton', False, 'same_headline', 'urn:agency', None),
        ('urn:listing', 'Storm', True, None, None, True),
        ('urn:other', 'UPDAT', False, 'same_headline', 'urn:agency', None),
    ]))


def test_a_stream_matches_a_listing_to_the_story_it_saw_first():
  story = item('urn:agency', headline=HEADLINE, body=LEAD)
  listing = dict(item('urn:listing', 5, headline=f'{HEADLINE} - Reuters', body=None),
                 description_text=f'{HEADLINE}    Reuters', content_hash='listing')
  reused = item('urn:agency', 9, headline='Storm hits the northern coast', body=STORM)
  assert_streamed(one_by_one([story, listing, reused]), [
      ('urn:agency', True, None, None, None),
      ('urn:listing', False, verdicts.SAME_HEADLINE, 'urn:agency', None),
      ('urn:agency', True, None, None, True),  # other content under the same uri
  ], map_fn=lambda r: (*verdict(r), r.get('content_conflict')))


# Across runs: the dedup index.

def test_index_rows_keep_the_headline_key_and_runs_find_them_by_it():
  hasher = MinHasher(SETTINGS.num_perm)
  story = dict(record('urn:agency', headline=HEADLINE, body=LEAD), link=None,
               headline_flags=[], pubstatus=None)
  row = index.index_row(story, SETTINGS, hasher, None)
  assert (row['headline_key'], row['text_kind']) == (matching_headline(HEADLINE), 'body')
  listing = dict(aggregated('urn:listing', 5, f'{HEADLINE} - Reuters',
                            f'{HEADLINE}    Reuters'), link=None)
  assert ('headline', row['headline_key']) in set(index.record_keys(listing, SETTINGS, hasher))
  assert index.indexed_item(row, SETTINGS).fingerprint.headline_key == row['headline_key']
  legacy = {k: v for k, v in row.items() if k not in ('headline_key', 'text_kind')}
  assert index.row_headline(legacy, SETTINGS) == (row['headline_key'], 'body')


def test_a_key_summary_from_before_headline_keys_cannot_rule_a_part_out():
  old_summary = index.key_hashes([('uri', 'urn:a')])
  new_summary = index.part_key_hashes([], SETTINGS, MinHasher(SETTINGS.num_perm))
  wanted = index.key_hashes([('headline', 'some story')])
  assert index.may_hold(old_summary, wanted, wants_headlines=True)
  assert not index.may_hold(old_summary, wanted, wants_headlines=False)
  assert not index.may_hold(new_summary, wanted, wants_headlines=True)


@pytest.mark.skipif(not (DATA / dedup_eval.AGGREGATED).is_dir(),
                    reason=f'no aggregated feeds under {DATA}')
def test_cross_source_evaluation_finds_the_listings_and_merges_no_two_stories(tmp_path):
  rows = dedup_eval.cross_source_records(DATA, seed=0)
  verdicts_ = dedup_eval.corpus_run([record for _, _, record in rows], tmp_path, SETTINGS)
  scores = dedup_eval.score_cross_source(rows, verdicts_)
  assert not scores['false_merges']
  shared = sum(counts['shared'] for counts in scores['recall'].values())
  assert sum(counts['found'] for counts in scores['recall'].values()) >= 0.9 * shared


def test_compaction_keeps_every_content_under_one_uri_and_version(tmp_path):
  first = runs.record('same')
  conflict = dict(runs.record('same', body='Another story the feed gave the same guid, '
                                           'told at some length.'), content_conflict=True)
  runs.write_run(tmp_path, runs.run_id(0), [first, conflict])
  result = index.compact(str(tmp_path), SETTINGS, 7 * 86400, runs.run_id(5), 'deflate',
                         min_runs=1)
  assert result.rows_kept == 2
  assert sorted(row['content_hash'] for row in runs.index_rows(tmp_path)) == sorted(
      [first['content_hash'], conflict['content_hash']])


# The real command.

def summary_of(*args):
  return run_wirebeam(*args, '--no-entities')


@pytest.mark.e2e
def test_a_feed_of_a_thousand_stories_under_one_guid_publishes_them_all(tmp_path):
  minute = 'Fri, 27 Nov 2026 {:02d}:{:02d}:00 GMT'.format
  (tmp_path / 'in').mkdir()
  (tmp_path / 'in' / 'one-guid.xml').write_bytes(rss([
      ('same', f'https://f.example/{n}', f'Story number {n} of a feed that reuses guids',
       f'Paragraph {n} tells story number {n}, one the other {n} stories do not tell.',
       minute(n // 60 % 24, n % 60)) for n in range(1000)]))
  output = tmp_path / 'out'
  first = summary_of('--input', str(tmp_path / 'in'), '--output', str(output),
                     '--split-duplicates')
  assert 'items         1000 (1000 canonical)' in first
  items = read_folder(output, 'items')
  assert len({r['headline'] for r in items}) == 1000
  assert sum(bool(r['content_conflict']) for r in items) == 999
  assert not read_folder(output, 'duplicates')
  again = summary_of('--input', str(tmp_path / 'in'), '--output', str(output),
                     '--split-duplicates')
  assert 're-sightings  1000 (published before' in again


@pytest.mark.e2e
def test_a_later_run_matches_a_listing_to_a_story_published_before(tmp_path):
  day = 'Sun, 31 Aug 2026 {:02d}:00:00 GMT'.format
  for name, title, items in (
      ('agency', 'Reuters: Sports News',
       [('r-1', 'https://www.reuters.com/sports/antonelli', HEADLINE, LEAD * 3, day(9))]),
      ('aggregator', 'Top stories - Google News',
       [('g-1', 'https://news.google.com/rss/articles/a1', f'{HEADLINE} - Reuters',
         f'{HEADLINE}    Reuters', day(11)),
        ('g-2', 'https://news.google.com/rss/articles/a2', 'Live updates - Reuters',
         'Live updates    Reuters', day(11))])):
    folder = tmp_path / name
    folder.mkdir()
    (folder / 'feed.xml').write_bytes(rss(items).replace(b'<title>f</title>',
                                                          f'<title>{title}</title>'.encode()))
  output = tmp_path / 'out'
  summary_of('--input', str(tmp_path / 'agency'), '--output', str(output))
  second = summary_of('--input', str(tmp_path / 'aggregator'), '--output', str(output),
                      '--split-duplicates')
  assert 'same_headline 1' in second
  (listing,) = read_folder(output, 'duplicates')
  assert listing['duplicate_of'] == 'urn:wirebeam:guid:f.example:r-1'
  assert listing['duplicate_reason'] == 'same_headline'
