"""Fingerprints and verdicts of the dedup stage, without a pipeline."""
import datetime

from transforms.dedup import verdicts
from transforms.dedup.fingerprints import MinHasher, band_keys, containment, jaccard, shingles
from transforms.dedup.item_fingerprint import fingerprint, packed, trusted_link, unpacked
from transforms.dedup.settings import DedupSettings

UTC = datetime.timezone.utc
SETTINGS = DedupSettings()
STORY = ('The central bank left its key interest rate unchanged on Friday, in line '
         'with the expectations of most analysts polled before the meeting. ')


def record(uri, minute=0, version=None, headline='Central bank holds rates', body=STORY,
           link=None, flags=(), pubstatus=None, location='f', position=0):
  return {
      'uri': uri, 'version': version, 'pubstatus': pubstatus, 'headline': headline,
      'headline_flags': list(flags), 'body_text': body, 'description_text': None,
      'link': link, 'content_hash': str(hash(body)),
      'versioncreated': datetime.datetime(2026, 11, 27, 10, minute, tzinfo=UTC),
      'source': {'location': location, 'position': position},
      'is_canonical': True, 'duplicate_of': None, 'duplicate_reason': None,
      'duplicate_similarity': None, 'previous_version': None,
  }


def test_shingles_are_stable_and_case_insensitive():
  assert shingles('One two three four five', 3) == shingles('one TWO three, four five', 3)
  assert len(shingles('one two three four five', 3)) == 3
  assert len(shingles('two words', 3)) == 1
  assert shingles('', 3) == frozenset()


def test_minhash_estimates_jaccard_and_bands_group_similar_texts():
  hasher = MinHasher(128)
  first = shingles(STORY * 2 + 'It said inflation was slowing.', 4)
  second = shingles(STORY * 2 + 'It said inflation was still too high.', 4)
  exact = jaccard(first, second)
  estimate = sum(a == b for a, b in zip(hasher.signature(first),
                                        hasher.signature(second), strict=False)) / 128
  assert abs(exact - estimate) < 0.15
  assert set(band_keys(hasher.signature(first), 32)) & set(
      band_keys(hasher.signature(second), 32))
  assert MinHasher(128).signature(first) == hasher.signature(first)  # deterministic
  # Python ints: band keys hash the signature's repr, which numpy scalars would change.
  assert {type(value) for value in hasher.signature(first)} == {int}


def test_containment_finds_an_update_that_adds_text():
  original = shingles(STORY, 4)
  update = shingles(STORY + 'The bank also said it would keep buying bonds until March.', 4)
  assert containment(update, original) == 1.0
  assert jaccard(update, original) < 0.8


def test_family_resighting_and_new_version_with_previous_link():
  annotated, canonical = verdicts.resolve_family([
      record('urn:a', minute=5, version='2', location='g'),
      record('urn:a', minute=0, version='1'),
      record('urn:a', minute=0, version='1', location='h'),
  ], [])
  assert canonical['version'] == '1' and canonical['source']['location'] == 'f'
  by_location = {r['source']['location']: r for r in annotated}
  assert by_location['h']['duplicate_reason'] == verdicts.RESIGHTING
  assert by_location['g']['duplicate_reason'] == verdicts.NEW_VERSION
  assert by_location['g']['previous_version'] == '1'
  assert {r['duplicate_of'] for r in annotated if not r['is_canonical']} == {'urn:a'}


def test_canceled_version_cancels_the_family():
  annotated, _ = verdicts.resolve_family([
      record('urn:a', minute=0, version='1'),
      record('urn:a', minute=9, version='2', pubstatus='canceled'),
  ], [])
  assert {r['pubstatus'] for r in annotated} == {'canceled'}


def test_family_already_in_the_index_makes_every_record_a_duplicate():
  entry = verdicts.IndexEntry('urn:a', '1', verdicts.order_key(None, 'urn:a', True),
                              'urn:root', False)
  annotated, canonical = verdicts.resolve_family(
      [record('urn:a', version='1'), record('urn:a', version='2')], [entry])
  assert canonical is None
  assert [(r['duplicate_reason'], r['duplicate_of']) for r in annotated] == [
      (verdicts.RESIGHTING, 'urn:root'), (verdicts.NEW_VERSION, 'urn:root')]


def test_a_re_sighting_is_not_the_version_before_the_next():
  """The same whether the re-sighting is in the run or was taken out before."""
  def entry(version, minute):
    when = datetime.datetime(2026, 1, 1, 0, minute, tzinfo=UTC)
    return verdicts.IndexEntry('urn:a', version, verdicts.order_key(when, 'urn:a', True),
                               None, False)

  indexed = [entry('1', 0), entry('2', 5)]
  with_resighting, _ = verdicts.resolve_family(
      [record('urn:a', minute=1, version='1'), record('urn:a', minute=9, version='3')],
      indexed)
  without, _ = verdicts.resolve_family([record('urn:a', minute=9, version='3')], indexed)
  assert with_resighting[-1]['previous_version'] == without[0]['previous_version'] == '2'


def test_order_puts_indexed_first_then_earliest_then_uri_and_undated_last():
  early = datetime.datetime(2026, 1, 1, tzinfo=UTC)
  keys = [verdicts.order_key(early, 'b', False), verdicts.order_key(None, 'a', False),
          verdicts.order_key(early, 'a', False), verdicts.order_key(None, 'z', True)]
  assert [k[2] for k in sorted(keys)] == ['z', 'a', 'b', 'a']


def test_near_duplicate_reasons_and_thresholds():
  original = fingerprint(record('urn:a'), SETTINGS)
  resent = fingerprint(record('urn:b', minute=1, body=STORY + 'Reporting by A.'), SETTINGS)
  update = fingerprint(record('urn:c', minute=2, flags=['UPDATE'],
                              body=STORY + 'It also said it would keep buying bonds.'), SETTINGS)
  other = fingerprint(record('urn:d', headline='Storm hits coast',
                             body='A storm hit the coast overnight, cutting power.'), SETTINGS)
  assert verdicts.near_duplicate_match(resent, original, 0.8, 0.9).reason == verdicts.NEAR_DUPLICATE
  assert verdicts.near_duplicate_match(update, original, 0.8, 0.9).reason == verdicts.NEW_VERSION
  assert verdicts.near_duplicate_match(other, original, 0.8, 0.9) is None
  edited = fingerprint(record('urn:e', minute=3, body=STORY.replace(
      'most analysts polled before', 'economists surveyed ahead of')), SETTINGS)
  similarity = jaccard(edited.shingles, original.shingles)
  assert verdicts.near_duplicate_match(edited, original, similarity + 0.01, 0.99) is None
  assert verdicts.near_duplicate_match(edited, original, similarity, 0.99).similarity == similarity


def test_packed_fingerprints_give_every_near_duplicate_verdict_the_full_ones_give():
  texts = [STORY, STORY + 'Reporting by A.', STORY + 'It also said it would keep buying bonds.',
           STORY.replace('most analysts polled before', 'economists surveyed ahead of'),
           'A storm hit the coast overnight, cutting power to thousands of homes.']
  fingerprints = [
      fingerprint(record(f'urn:{n}', minute=n, body=body, headline=headline, flags=flags,
                         link=f'https://x.example/{n}'), SETTINGS)
      for n, (body, headline, flags) in enumerate(
          (body, headline, flags) for body in texts
          for headline in ('Central bank holds rates', 'Storm hits coast')
          for flags in ((), ('UPDATE',)))]
  fingerprints += [  # headline only, twice (left to the same-headline rule); a summary only
      fingerprint(record(f'urn:h{n}', minute=n, body=''), SETTINGS) for n in range(2)]
  fingerprints.append(fingerprint(
      dict(record('urn:s', body=None), description_text=STORY + 'Reporting by A.'), SETTINGS))
  assert {fp.text_kind for fp in fingerprints} == {'body', 'headline', 'summary'}
  verdicts_given = [verdicts.near_duplicate_match(later, earlier, 0.7, 0.9)
                    for later in fingerprints for earlier in fingerprints]
  round_trip = [unpacked(packed(fp)) for fp in fingerprints]
  assert [verdicts.near_duplicate_match(later, earlier, 0.7, 0.9)
          for later in round_trip for earlier in round_trip] == verdicts_given
  assert sum(map(bool, verdicts_given)) > len(fingerprints)  # matches of both reasons
  assert {v.reason for v in verdicts_given if v} == {verdicts.NEAR_DUPLICATE, verdicts.NEW_VERSION}


def test_same_body_under_unrelated_headlines_is_not_a_duplicate():
  first = fingerprint(record('urn:a', headline='China shields its economy'), SETTINGS)
  boilerplate = fingerprint(record('urn:b', minute=1, headline='Brazil wastes expertise'),
                           SETTINGS)
  copy = fingerprint(record('urn:c', minute=2, headline='China shields its economy - paper'),
                     SETTINGS)
  matches = dict(verdicts.same_body_matches([copy, boilerplate, first], fan_out=20))
  assert set(matches) == {'urn:c'} and matches['urn:c'].earlier_uri == 'urn:a'


def test_same_url_matches_point_to_the_earliest():
  members = [fingerprint(record(u, minute=m, link='https://x.example/a'), SETTINGS)
             for u, m in (('urn:b', 1), ('urn:a', 3), ('urn:c', 0))]
  assert {later: m.earlier_uri for later, m in verdicts.same_url_matches(members)} == {
      'urn:b': 'urn:c', 'urn:a': 'urn:c'}


def test_links_contradicting_a_permalink_guid_are_not_trusted():
  assert trusted_link('https://x.example/story-1', 'https://x.example/story-2') is None
  assert trusted_link('https://x.example/a', 'https://x.example/a') == 'https://x.example/a'
  assert trusted_link('urn:wirebeam:guid:x:1', 'https://x.example/a') == 'https://x.example/a'


def test_candidate_pairs_are_bounded_by_fan_out():
  bucket = [((1, minute, f'u{minute}'), f'u{minute}') for minute in range(100)]
  pairs = list(verdicts.candidate_pairs(bucket, fan_out=5))
  assert len(pairs) == sum(min(i, 5) for i in range(100))
  assert all(later != earlier for later, earlier in pairs)
  indexed = [((0, 0, 'old'), 'old'), ((1, 5, 'new'), 'new')]
  assert list(verdicts.candidate_pairs(indexed, 5)) == [('new', 'old')]


def test_best_match_prefers_the_earliest_item_then_the_strongest_reason():
  early = verdicts.Match((1, 0, 'a'), 4, 'a', verdicts.NEAR_DUPLICATE, 0.9)
  later_exact = verdicts.Match((1, 5, 'b'), 2, 'b', verdicts.SAME_URL, 1.0)
  same_item_exact = verdicts.Match((1, 0, 'a'), 3, 'a', verdicts.SAME_BODY, 1.0)
  assert min(early, later_exact) is early
  assert min(early, same_item_exact) is same_item_exact
