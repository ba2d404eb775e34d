"""langdetect's profiles read back from the user's cache are the ones it loads."""
import shutil

import pytest
from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

from transforms import language_profiles
from transforms.index_cache import cache_folder
from transforms.language import MAX_TEXT_CHARS, SEED, LanguageDetector
from transforms.language_profiles import (
  cached_profiles,
  factory_for,
  load_profiles,
  row_factory,
  row_map,
)
from transforms.language_sampling import Sampler


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
  monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path / 'cache'))


@pytest.fixture(scope='module')
def langdetects_own():
  factory = DetectorFactory()
  factory.load_profile(PROFILES_DIRECTORY)
  factory.seed = SEED
  return factory


def test_read_back_the_factory_holds_the_same_words_and_floats(langdetects_own, monkeypatch):
  cached_profiles()  # stores
  monkeypatch.setattr(language_profiles, 'load_profiles', pytest.fail)
  factory = factory_for(cached_profiles(), SEED)  # read back, not loaded
  assert factory.langlist == langdetects_own.langlist
  assert list(factory.word_lang_prob_map) == list(langdetects_own.word_lang_prob_map)
  assert factory.word_lang_prob_map == langdetects_own.word_lang_prob_map
  assert factory.seed == SEED


def test_the_sampler_given_the_table_answers_as_one_that_makes_it(langdetects_own):
  profiles = load_profiles()
  given = Sampler(profiles.languages, row_map(profiles), profiles.table, SEED)
  made = Sampler.of_factory(langdetects_own)
  for text in ('e', 'Bank holds rates', 'La banque centrale maintient ses taux directeurs.'):
    answers = []
    for sampler in (given, made):
      detector = langdetects_own.create()
      detector.set_max_text_length(MAX_TEXT_CHARS)
      detector.append(text)
      answers.append([(x.lang, x.prob) for x in sampler.probabilities(detector)])
    assert answers[0] == answers[1]


def test_changed_profile_files_make_a_new_entry(tmp_path):
  copy = tmp_path / 'profiles'
  shutil.copytree(PROFILES_DIRECTORY, copy)
  def stored():
    return [entry.name for entry in cache_folder().iterdir()
            if entry.name.startswith('langdetect-profiles-')]

  cached_profiles(str(copy))
  first = stored()
  (copy / 'en').write_bytes((copy / 'en').read_bytes().replace(b'"n_words"', b'"n_words" '))
  cached_profiles(str(copy))
  second = stored()
  assert len(first) == len(second) == 1 and first != second  # the stale one deleted


def test_the_detector_uses_the_cached_profiles_and_still_agrees_with_langdetect():
  detector = LanguageDetector()
  assert detector._sampler is not None  # the per-process check passed
  assert detector.detect('Moscow will not agree to the deployment of US troops.')[0] == 'en'


@pytest.mark.parametrize('text', ['e', 'Bank holds rates', 'Le président a parlé hier soir.'])
def test_factories_built_for_speed_give_langdetects_own_ngrams_and_answers(langdetects_own,
                                                                           text):
  """The row map's detectors find the n-grams langdetect's own find; a factory
  holding only those n-grams answers as langdetect's own does."""
  profiles = cached_profiles()
  def detector(factory):
    made = factory.create()
    made.set_max_text_length(MAX_TEXT_CHARS)
    made.append(text)
    return made
  ours, theirs = detector(row_factory(profiles, SEED)), detector(langdetects_own)
  for made in (ours, theirs):
    made.cleaning_text()
  ngrams = theirs._extract_ngrams()
  assert ours._extract_ngrams() == ngrams
  restricted = factory_for(profiles, SEED, ngrams)
  assert len(restricted.word_lang_prob_map) < 100
  answers = [[(x.lang, x.prob) for x in detector(factory).get_probabilities()]
             for factory in (restricted, langdetects_own)]
  assert answers[0] == answers[1]
