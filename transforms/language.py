"""Language stage: langdetect (seeded) weighed against what the source says.

langdetect is reliable on paragraphs and weak on headlines, while feeds'
declarations are usually right but sometimes generic ('mul') or wrong. So
the record takes the detection when the text is long, mostly words (not a
table of figures and abbreviations) and the detection sure, or when the
text is written in a script the declared language does not use (Cyrillic
text declared 'en'); otherwise it takes the declaration. A feed
that declares nothing gets the language detected on all its entries
together (``InferFeedLanguages``, which runs on each source's entries before
they are normalised), which serves as a weaker declaration for its short
headlines. ``language_reason`` says which rule decided.
"""
import dataclasses
import functools
import logging
import os
import re
import unicodedata
from typing import Any, Iterable, List, Optional

import apache_beam as beam
from apache_beam.metrics import Metrics
from langdetect.detector_factory import PROFILES_DIRECTORY
from langdetect.lang_detect_exception import LangDetectException

from transforms.dead_letters import METRICS_NAMESPACE, GuardedDoFn, Origin, record_origin
from transforms.entry import ParsedEntry
from transforms.language_codes import UNDETERMINED
from transforms.language_profiles import cached_profiles, factory_for, row_factory
from transforms.language_sampling import Sampler, detector_text
from transforms.tags import DEAD_LETTERS, ENTRIES, ITEMS
from transforms.text import render_text

# Same seed everywhere: langdetect samples n-grams at random, so without a
# seed the same text can get different answers in different runs.
SEED = 0
# Enough letters for langdetect to be trusted over a declaration.
MIN_LETTERS_TO_OVERRIDE = 200
MIN_PROBABILITY_TO_OVERRIDE = 0.99
# Below these, a detection without any declaration is flagged unsure.
MIN_LETTERS_CONFIDENT = 40
MIN_PROBABILITY_CONFIDENT = 0.90
# langdetect reads at most this much; more text costs time and adds nothing.
MAX_TEXT_CHARS = 3000
# Under this share of words among its tokens, a Latin-script text is mostly
# numbers and codes: langdetect is sure of it and wrong (an English earnings
# table, 'Shr 17.15p vs 12.37p ... mln stg', comes out Swedish at 1.0),
# where prose is about half words.
MIN_WORD_SHARE = 0.3
# A table: this many lines or more, most of them short and holding a figure.
MIN_TABLE_LINES = 3
MAX_TABLE_ROW_TOKENS = 12
MIN_TABLE_ROW_SHARE = 2 / 3
# A feed's language is inferred from its entries only when this clear.
MIN_FEED_ENTRIES = 3
MIN_FEED_LETTERS = 100
MIN_FEED_PROBABILITY = 0.99
# Languages never written in the Latin alphabet (Serbian, written in both,
# is left out): Latin text cannot be in them, nor non-Latin text in others.
NON_LATIN_LANGUAGES = frozenset({
    'am', 'ar', 'be', 'bg', 'bn', 'el', 'fa', 'gu', 'he', 'hi', 'hy', 'ja',
    'ka', 'kk', 'km', 'kn', 'ko', 'ky', 'lo', 'mk', 'ml', 'mn', 'mr', 'my',
    'ne', 'pa', 'ps', 'ru', 'si', 'ta', 'te', 'tg', 'th', 'uk', 'ur', 'zh'})
# Feed formats whose entries may share a language their feed does not declare.
FEED_FORMATS = frozenset({'rss', 'rdf', 'atom', 'json_feed'})
# Enough of each entry to tell its feed's language, without reading whole bodies.
_FEED_SAMPLE_CHARS = 300
_NOT_LETTERS = re.compile(r'[\W\d_]+')
# Letters from IPA Extensions on: Latin only when their name says so.
_PAST_IPA = re.compile('[\u0250-\U0010ffff]')
_DIGIT = re.compile(r'\d')
_TOKEN_PUNCTUATION = re.escape('.,;:!?()[]{}<>"\'«»“”‘’')
# A token (as str.split() finds them) that is a word of four letters or more,
# punctuation around it aside.
_WORD_TOKEN = re.compile(
    rf'(?<!\S)[{_TOKEN_PUNCTUATION}]*([^\W\d_]{{4,}})[{_TOKEN_PUNCTUATION}]*(?!\S)')
_SCRIPT_SAMPLE = 400
# What each process checks the vectorised sampling on against langdetect's
# own: a text that never converges, one that converges late, a sentence.
_SAMPLER_CHECKS = ('e', 'Bank holds rates', 'Moscow will not agree to the deployment '
                   'of US troops on Russian bases in Tajikistan and Kyrgyzstan.')


@dataclasses.dataclass(frozen=True)
class LanguageChoice:
  language: str
  detected: Optional[str]
  probability: Optional[float]
  reason: str


class LanguageDetector:
  """A langdetect profile set, loaded once, giving deterministic answers.

  Its sampling is vectorised (``language_sampling``): langdetect's answers,
  without its cost on short texts, which reach its iteration limit.
  """
  def __init__(self):
    self._profiles = cached_profiles()
    self._factory = row_factory(self._profiles, SEED)
    self._sampler = Sampler(self._profiles.languages, self._factory.word_lang_prob_map,
                            self._profiles.table, SEED)
    checked = {word for text in _SAMPLER_CHECKS for word in self._ngrams(text)}
    if not self._sampler.agrees_with_langdetect(
        self._factory, factory_for(self._profiles, SEED, checked), _SAMPLER_CHECKS,
        MAX_TEXT_CHARS):
      logging.warning('vectorised language detection disagrees with langdetect on this '
                      'Python; using langdetect itself, slower on short texts')
      self._sampler = None

  @functools.cached_property
  def _langdetects_factory(self):
    """The factory for langdetect's own loop, built when first needed (0.13 s)."""
    return factory_for(self._profiles, SEED)

  def _ngrams(self, text: str) -> List[str]:
    """langdetect's own n-grams of a text: the words the check looks up."""
    detector = self._detector(self._factory, text)
    detector.cleaning_text()
    return detector._extract_ngrams()  # pylint: disable=protected-access

  @staticmethod
  def supported_languages():
    """ISO 639-1 codes of the languages langdetect has profiles for."""
    return sorted({name.split('-')[0] for name in os.listdir(PROFILES_DIRECTORY)})

  @staticmethod
  @functools.lru_cache(maxsize=None)
  def shared() -> 'LanguageDetector':
    """One profile set per process, for every DoFn that detects (they only read it)."""
    return LanguageDetector()

  def detect(self, text: str):
    """(ISO 639-1 code, probability), or (None, None) when nothing to judge."""
    return self._detect(text, self._sampler is not None)

  def detect_with_langdetect(self, text: str):
    """``detect`` by langdetect's own sampling loop, as measured against in eval/."""
    return self._detect(text, False)

  def _detect(self, text: str, vectorised: bool):
    if vectorised:
      detector = self._factory.create()
      detector.text = detector_text(text, MAX_TEXT_CHARS)
    else:
      detector = self._detector(self._langdetects_factory, text)
    try:
      best = (self._sampler.probabilities(detector) if vectorised
              else detector.get_probabilities())[0]
    except (LangDetectException, IndexError):
      return None, None
    return best.lang.split('-')[0], best.prob  # zh-cn, zh-tw -> zh

  @staticmethod
  def _detector(factory, text: str):
    detector = factory.create()
    detector.set_max_text_length(MAX_TEXT_CHARS)
    detector.append(text)
    return detector


class SharedDetector:
  """The process's ``LanguageDetector``, loaded when a text first needs detecting:
  a run whose texts all keep their declared language loads no profiles (0.6 s)."""
  @staticmethod
  def detect(text: str):
    return LanguageDetector.shared().detect(text)


def letters_of(text: str) -> str:
  """The letters of the part of a text that detection reads."""
  return _NOT_LETTERS.sub('', text[:MAX_TEXT_CHARS])


def latin_share(text: str) -> float:
  """Share of Latin letters among the first letters of the text."""
  letters = letters_of(text)[:_SCRIPT_SAMPLE]
  if not letters:
    return 0.0
  other = sum(1 for ch in _PAST_IPA.findall(letters)
              if not unicodedata.name(ch, '').startswith('LATIN'))
  return (len(letters) - other) / len(letters)


def script_contradicts(language: str, text: str) -> bool:
  """True when the text is (nearly) all in an alphabet the language does not use.

  Mixed text, such as a Chinese headline naming an English product, does
  not count: only a share of 90% or more of the other alphabet does.
  """
  share = latin_share(text)
  return share >= 0.9 if language in NON_LATIN_LANGUAGES else share <= 0.1


def mostly_numbers_and_codes(text: str) -> bool:
  """Whether a Latin-script text is mostly figures, abbreviations and names.

  Either few of its tokens are words (four letters or more, not all in
  capitals), as in earnings figures and all-capitals copy, or it is a
  table: most of its lines are short and hold a figure, as results are
  ('Tomas Berg (Denmark) bt Kai Lund (Sweden) 15-9 15-11'). Other scripts
  are left out: Korean words, say, are often shorter.
  """
  text = text[:MAX_TEXT_CHARS]
  tokens = len(text.split())
  if not tokens or latin_share(text) < 0.5:
    return False
  words = _WORD_TOKEN.findall(text)
  if len(words) - sum(map(str.isupper, words)) < MIN_WORD_SHARE * tokens:  # capitals aside
    return True
  lines = [line for line in text.splitlines() if line.strip()]
  rows = sum(1 for line in lines
             if len(line.split()) <= MAX_TABLE_ROW_TOKENS and _DIGIT.search(line))
  return len(lines) >= MIN_TABLE_LINES and rows >= MIN_TABLE_ROW_SHARE * len(lines)


def infer_feed_language(texts: Iterable[str],
                        detector: 'LanguageDetector') -> Optional[str]:
  """The language of a feed's entries taken together, when it is clear."""
  texts = [t for t in texts if t]
  joined = '\n'.join(texts)[:MAX_TEXT_CHARS]
  if len(texts) < MIN_FEED_ENTRIES or len(letters_of(joined)) < MIN_FEED_LETTERS:
    return None
  language, probability = detector.detect(joined)
  return language if probability and probability >= MIN_FEED_PROBABILITY else None


def add_feed_language(entries: List[ParsedEntry], detector: LanguageDetector):
  """Gives the entries of a feed that declares no language the one they share.

  A feed declaring 'mul' (several languages) says it has no one language.
  """
  if entries[0].format not in FEED_FORMATS or any(
      entry.language for entry in entries):
    return
  samples = (' '.join((render_text(entry.title, entry.title_is_html),
                       render_text(entry.summary, entry.summary_is_html)))[:_FEED_SAMPLE_CHARS]
             for entry in entries)
  feed_language = infer_feed_language(samples, detector)
  for entry in entries:
    entry.feed_language = feed_language


def text_for_detection(record: dict) -> str:
  """The body when there is one; else the headline with the summary."""
  if record.get('body_text'):
    return record['body_text']
  return '\n'.join(filter(None, (record.get('headline'),
                                 record.get('description_text'))))


def detection_can_override(hint: str, text: str, letters: int) -> bool:
  """Whether any detection could take a hinted text from its hint: only one
  in another alphabet, or a long text of words, never a short one."""
  return bool(letters) and (script_contradicts(hint, text) or (
      letters >= MIN_LETTERS_TO_OVERRIDE and not mostly_numbers_and_codes(text)))


def choose_language(text: str, declared: Optional[str],
                    detector: LanguageDetector,
                    feed_language: Optional[str] = None,
                    always_detect: bool = False) -> LanguageChoice:
  """Applies the rules of the module docstring, in that order.

  A hinted text that no detection could take from its hint is not detected
  (``language_detected`` is null): langdetect would cost up to 4 ms and
  change nothing. ``always_detect`` detects it all the same, as wirebeam
  did before, for eval/language_speed.py to compare the answers.
  """
  hint, hint_reason = ((declared, 'declared') if declared
                       else (feed_language, 'feed_language'))
  letters = len(letters_of(text))
  if hint and not always_detect and not detection_can_override(hint, text, letters):
    return LanguageChoice(hint, None, None, hint_reason)
  detected, probability = detector.detect(text) if letters else (None, None)
  if detected is None:
    return LanguageChoice(hint or UNDETERMINED, None, None,
                          hint_reason if hint else 'none')
  if hint is None:
    sure = (letters >= MIN_LETTERS_CONFIDENT
            and probability >= MIN_PROBABILITY_CONFIDENT
            and not mostly_numbers_and_codes(text))
    return LanguageChoice(detected, detected, probability,
                          'detected' if sure else 'detected_unsure')
  if detected != hint and (script_contradicts(hint, text) or (
      probability >= MIN_PROBABILITY_TO_OVERRIDE
      and detection_can_override(hint, text, letters))):
    return LanguageChoice(detected, detected, probability, f'detected_over_{hint_reason}')
  return LanguageChoice(hint, detected, probability, hint_reason)


@beam.typehints.with_output_types(Any)
class _FeedLanguageFn(GuardedDoFn):
  stage = 'language'

  def setup(self):
    self._detector = SharedDetector()  # profiles load once per process, if needed

  def origin(self, element):
    source = element.source
    return Origin(source.location, source.data, received_at=source.received_at)

  def process_element(self, parsed):
    add_feed_language(parsed.entries, self._detector)
    yield from parsed.entries


class InferFeedLanguages(beam.PTransform):
  """``ParsedSource`` in; its entries under ``entries``, with the feed's language."""
  def expand(self, parsed):
    return parsed | 'InferFeedLanguage' >> beam.ParDo(
        _FeedLanguageFn()).with_outputs(DEAD_LETTERS, main=ENTRIES)


@beam.typehints.with_output_types(Any)
class _DetectLanguageFn(GuardedDoFn):
  stage = 'language'

  def setup(self):
    self._detector = SharedDetector()  # profiles load once per process, if needed

  def origin(self, element):
    return record_origin(element)

  def process_element(self, record):
    choice = choose_language(text_for_detection(record),
                             record['language_declared'], self._detector,
                             record['source']['feed_language'])
    Metrics.counter(METRICS_NAMESPACE, f'language.{choice.language}').inc()
    yield dict(record, language=choice.language,
               language_detected=choice.detected,
               language_probability=choice.probability,
               language_reason=choice.reason)


class DetectLanguage(beam.PTransform):
  """Records in; records with their language under ``items``, dead letters apart."""
  def expand(self, records):
    return records | 'DetectLanguage' >> beam.ParDo(
        _DetectLanguageFn()).with_outputs(DEAD_LETTERS, main=ITEMS)
