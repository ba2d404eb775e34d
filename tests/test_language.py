import random

import pytest
from langdetect.detector import Detector

from transforms import language
from transforms.language import LanguageDetector, choose_language, text_for_detection
from transforms.language_profiles import cached_profiles, row_factory
from transforms.language_sampling import (
  NgramRows,
  Sampler,
  _Draws,
  _Stream,
  cleaned,
  detector_text,
)

ENGLISH = ('Moscow will not agree to the deployment of US troops on Russian bases in '
           'Tajikistan and Kyrgyzstan, says a retired general, former head of the main '
           'directorate for international military cooperation of the defence ministry.')
SPANISH = ('El gobierno anunció el martes un nuevo plan para reducir la inflación, que '
           'incluye recortes en el gasto público y un aumento de los impuestos a las '
           'grandes empresas, según informó el ministerio de economía en un comunicado. '
           'La oposición criticó las medidas y pidió un debate en el congreso.')


@pytest.fixture(scope='module')
def detector():
  return LanguageDetector()


def test_detection_is_deterministic_across_detector_instances(detector):
  short = 'Bank holds rates'
  answers = {LanguageDetector().detect(short) for _ in range(3)}
  answers.add(detector.detect(short))
  assert len(answers) == 1


def test_confident_detection_without_declaration(detector):
  choice = choose_language(ENGLISH, None, detector)
  assert (choice.language, choice.detected, choice.reason) == ('en', 'en', 'detected')
  assert choice.probability > 0.99


def test_declared_language_wins_when_detection_is_unsure(detector):
  choice = choose_language('Bolsonaro perde de Haddad', 'pt', detector)
  assert (choice.language, choice.reason) == ('pt', 'declared')


def test_long_confident_text_overrides_a_wrong_declaration(detector):
  choice = choose_language(SPANISH, 'en', detector)
  assert (choice.language, choice.reason) == ('es', 'detected_over_declared')


def test_short_text_without_declaration_is_flagged_unsure(detector):
  choice = choose_language('Oil up', None, detector)
  assert choice.reason == 'detected_unsure'


def test_no_text_gives_und_or_the_declaration(detector):
  assert choose_language('', None, detector).language == 'und'
  assert choose_language('2021 - 1234', None, detector).reason == 'none'
  assert choose_language('', 'fr', detector) == language.LanguageChoice('fr', None, None, 'declared')


def test_chinese_variants_map_to_iso_639_1(detector):
  assert detector.detect('中国国家主席习近平周二在北京会见了来访的外国领导人，双方就双边关系交换了意见。')[0] == 'zh'


def test_text_for_detection_prefers_body():
  assert text_for_detection({'body_text': 'b', 'headline': 'h'}) == 'b'
  assert text_for_detection({'body_text': None, 'headline': 'h',
                             'description_text': 'd'}) == 'h\nd'


# Short texts that reach langdetect's iteration limit, texts that converge
# late or at once, scripts it reads in other ways (CJK, Cyrillic with Latin
# removed), and a body over MAX_TEXT_CHARS.
LANGDETECT_CASES = [
    'e', 's', 'Oil up', 'hello', 'sofaen sammen', 'Bank holds rates', 'x1', 'a b c',
    ENGLISH, SPANISH, 'Москва не согласится на размещение войск США (Reuters)',
    '中国国家主席习近平周二在北京会见了来访的外国领导人。', 'Ölpreis steigt',
    ENGLISH * 30,
]


@pytest.mark.parametrize('text', LANGDETECT_CASES)
def test_vectorised_sampling_gives_langdetect_answers(detector, text):
  language, probability = detector.detect(text)
  reference_language, reference_probability = detector.detect_with_langdetect(text)
  assert language == reference_language
  assert probability == pytest.approx(reference_probability, abs=1e-9)


def test_detection_never_runs_langdetects_loop_of_draws(detector, monkeypatch):
  """Its cost per text: numpy on a few arrays, not 7,000 Python multiplications."""
  def per_draw(*args):
    raise AssertionError("langdetect's loop of draws")
  monkeypatch.setattr(Detector, '_update_lang_prob', per_draw)
  assert detector.detect('e')[0] == 'es'


def test_a_python_whose_random_differs_falls_back_to_langdetect(monkeypatch, caplog):
  monkeypatch.setattr(Sampler, 'agrees_with_langdetect', lambda *args: False)
  fallback = LanguageDetector()
  assert 'using langdetect itself' in caplog.text
  assert fallback.detect('Bank holds rates') == fallback.detect_with_langdetect(
      'Bank holds rates')


@pytest.mark.parametrize('n', [1, 2, 3, 5, 36, 64, 65, 1000, 7365])
def test_draws_are_those_of_pythons_random(n):
  """random.Random(seed): gauss, then choices, then gauss again, as langdetect draws."""
  python = random.Random(language.SEED)
  ours = _Draws(_Stream(language.SEED))
  for count in (1, 96, 905):
    assert ours.gauss() == python.gauss(0.0, 1.0)
    picks, used = ours.choices(n, count)
    ours.used += int(used[-1])
    assert picks.tolist() == [python.choice(range(n)) for _ in range(count)]
  assert ours.gauss() == python.gauss(0.0, 1.0)


# Written for these tests in the shape of wire earnings tables and results.
EARNINGS_TABLE = '\n'.join([
    'Shr 31.20p vs 27.45p', 'Final div 6.1p, making 8.4p vs 7.2p',
    'Pre-tax profit 61.3 mln stg vs 52.8 mln', 'Turnover 811.4 mln stg vs 760.9 mln',
    'Operating profit 70.2 mln stg vs 63.1 mln', 'Net interest 5.4 mln vs 6.0 mln',
    'Tax 20.1 mln vs 17.7 mln', 'Profit after tax 41.2 mln vs 35.1 mln',
    'Minorities 1.1 mln vs 0.9 mln', 'Extraordinary debit 2.3 mln vs nil'])
RESULTS_TABLE = '\n'.join([
    "Men's singles, quarter-finals:", 'Tomas Berg (Denmark) bt Kai Lund (Sweden) 15-9 15-11',
    'Wang Li (China) bt Ivan Petrov (Russia) 17-14 15-8',
    'Rafael Ortiz (Spain) bt Jan de Vries (Netherlands) 15-12 9-15 15-10',
    'Sanjay Rao (India) bt Lim Wei (Malaysia) 15-4 15-7'])


def test_earnings_and_results_tables_are_mostly_numbers_and_codes():
  assert language.mostly_numbers_and_codes(EARNINGS_TABLE)
  assert language.mostly_numbers_and_codes(RESULTS_TABLE)
  assert language.mostly_numbers_and_codes('U.S. SELLS 3-MO BILLS AT 5.55 PCT, STOP 5.56 PCT')
  assert not language.mostly_numbers_and_codes(ENGLISH)
  assert not language.mostly_numbers_and_codes(SPANISH)
  assert not language.mostly_numbers_and_codes('대한민국 정부는 오늘 새 정책을 발표했다')


def test_words_are_counted_by_whitespace_tokens_punctuation_aside():
  # 3 of 10 tokens are words: quoted, bracketed, and after a no-break space.
  words = '«Wort» (Denmark) 1\u00a0Sweden'
  not_words = 'mid-way ABCD x12y 15-9 U.S. «ÉTÉ»'
  assert not language.mostly_numbers_and_codes(f'{words} {not_words}')
  # One word fewer (the bracket closed by a letter is no longer punctuation
  # around a word) and they are under 30%.
  assert language.mostly_numbers_and_codes(f'«Wort» (Denmark)x 1\u00a0Sweden {not_words}')
  # Whatever str.split() splits on separates tokens (ideographic space, line
  # separator, information separator): 4 words of 13 tokens, then of 14.
  assert not language.mostly_numbers_and_codes(
      'Wort\u3000Denmark\u2028Sweden\x1cNorway x1 x2 x3 x4 x5 x6 x7 x8 x9')
  assert language.mostly_numbers_and_codes(
      'Wort\u3000Denmark\u2028Sweden\x1cNorway x1 x2 x3 x4 x5 x6 x7 x8 x9 y1')


def test_latin_share_counts_letters_from_ipa_on_as_latin_by_their_name():
  assert language.latin_share('\u1e00\u1e01 ab') == 1.0  # Latin Extended Additional
  assert language.latin_share('ab \u0416\u0436 12') == 0.5  # Cyrillic is not Latin
  assert language.latin_share('abc \u0416') == 0.75
  assert language.latin_share('12 -- !') == 0.0


def test_a_table_keeps_its_declared_language(detector):
  detected, probability = detector.detect(EARNINGS_TABLE)
  assert detected != 'en' and probability >= language.MIN_PROBABILITY_TO_OVERRIDE
  choice = choose_language(EARNINGS_TABLE, 'en', detector)
  assert (choice.language, choice.reason) == ('en', 'declared')
  assert choose_language(EARNINGS_TABLE, None, detector, 'en').language == 'en'


def test_a_table_without_any_declaration_is_flagged_unsure(detector):
  assert choose_language(EARNINGS_TABLE, None, detector).reason == 'detected_unsure'


def test_a_short_text_keeps_its_declaration_without_being_detected(detector):
  for declared, feed in (('pt', None), (None, 'pt')):
    choice = choose_language('Bolsonaro perde de Haddad', declared, detector, feed)
    assert (choice.language, choice.detected, choice.probability) == ('pt', None, None)
    full = choose_language('Bolsonaro perde de Haddad', declared, detector, feed,
                           always_detect=True)
    assert (full.language, full.reason) == (choice.language, choice.reason)
    assert full.detected is not None


def test_detection_still_runs_where_it_can_change_the_answer(detector):
  cyrillic = choose_language('Путин провел переговоры', 'en', detector)
  assert (cyrillic.language, cyrillic.reason) == ('ru', 'detected_over_declared')
  assert choose_language(SPANISH, 'en', detector).detected == 'es'
  assert choose_language(ENGLISH + ' ' + ENGLISH, 'en', detector).detected == 'en'  # long
  assert choose_language('Oil up', None, detector).detected is not None  # no hint


def test_no_profiles_are_loaded_until_a_text_needs_detecting(monkeypatch):
  loaded = []
  monkeypatch.setattr(LanguageDetector, 'shared', staticmethod(lambda: loaded.append(1)))
  choose_language('Bank holds rates', 'en', language.SharedDetector())
  assert not loaded


# Every branch of langdetect's text preparation and n-gram buffer: capitals
# (runs, a single one, after a space), each normalised Unicode block, Latin
# text outnumbered by another script, URLs and e-mail addresses, Vietnamese
# combining marks, runs of spaces, and text past the length limit.
NGRAM_CASES = [
    '', ' ', '   ', 'a', 'A', 'AB', 'ABc de', 'NATO said', 'McDonald O\'Neill',
    'The  Bank of   England, said.', 'Ünïcödé façade naïve ß Æsir',
    'Președintele Țării: ș ț', 'Путин и НАТО заявили', 'Путин said OK in Moscow',
    '中文新闻 日本語 ひらがな カタカナ ㄅㄆ 한국어', 'کی یک فارسی', 'Tiếng Việt Nam',
    'Tie\u0302\u0301ng Vie\u0323\u0302t', 'see http://example.com/a?b=c or mail me@x.org now',
    '\u2019quoted\u201d \u2014 dash', 'the cat and the hat, the end', 'the the', 'x' * 50 + ' ' + 'word ' * 700,
]


@pytest.fixture(scope='module')
def row_factory_and_rows():
  factory = row_factory(cached_profiles(), language.SEED)
  return factory, factory.word_lang_prob_map


def _langdetects_rows(factory, text):
  made = factory.create()
  made.set_max_text_length(language.MAX_TEXT_CHARS)
  made.append(text)
  made.cleaning_text()
  return [factory.word_lang_prob_map[word] for word in made._extract_ngrams()]


def _our_rows(rows, text):
  return NgramRows(rows, cached_words=8)(
      cleaned(detector_text(text, language.MAX_TEXT_CHARS))).tolist()


@pytest.mark.parametrize('text', NGRAM_CASES)
def test_ngrams_are_found_as_langdetect_finds_them(row_factory_and_rows, text):
  factory, rows = row_factory_and_rows
  assert _our_rows(rows, text) == _langdetects_rows(factory, text)


def test_ngrams_of_random_mixed_text_are_found_as_langdetect_finds_them(row_factory_and_rows):
  factory, rows = row_factory_and_rows
  alphabet = ('aAbBzZ  \t\n.,-\u2013\u2019\u00e9\u00c9\u00df\u00d7\u0219\u021b'
              '\u0416\u0436\u041c\u4e2d\u6587\u3072\u30ab\u3105\ud55c\u06cc\u0627'
              '\u1ea0\u1ec3\u0301\u0300\u0323 http://x.y/z a@b.com 09')
  draw = random.Random(7)
  for _ in range(2000):
    text = ''.join(draw.choice(alphabet) for _ in range(draw.randint(0, 80)))
    assert _our_rows(rows, text) == _langdetects_rows(factory, text), repr(text)
