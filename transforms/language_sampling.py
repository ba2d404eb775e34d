"""langdetect's sampling, vectorised: its answers, at a bounded cost per text.

langdetect 1.0.9 judges a text in 7 trials. Each draws n-grams of the text
at random and multiplies 55 languages' probabilities by each one's, a draw
at a time in Python, until a language passes 0.99999 (checked every 5
draws) or 1,000 draws are made. A sentence gets there in some 60 draws. A
word or two often never does, its few n-grams being about as likely in
several languages, so it costs all 7,000 draws: up to 25 ms, where a
sentence takes 1 or 2.

``Sampler`` makes the same draws: the stream of 32-bit numbers that
``random.Random(seed)`` draws from (numpy's MT19937 started from Python's
state), turned into choices and each trial's alpha as ``random.choice``
and ``random.gauss`` do. It sums each trial's draws in log space with
numpy, finds the first check where the leader passes the threshold, and
averages the trials' probabilities at their stops, as langdetect does. So
the answers are langdetect's but for rounding (probabilities within
2.5e-13 on the evaluation data, no language changed: eval/language_speed.py),
and ``agrees_with_langdetect`` checks that in every process, since this
relies on how CPython's random draws and on langdetect 1.0.9 (pinned).

The text is prepared and its n-grams found as langdetect does, but without
its per-character objects: ``detector_text``, ``cleaned`` and ``NgramRows``
give the same n-grams (as rows of the table) several times sooner, which
is most of a long text's cost (tests/test_language.py compares them with
langdetect's own on every branch and on random mixed text).
"""
import functools
import math
import random
import re
import threading
from typing import Iterable, List, Mapping, Sequence, Tuple

import numpy as np
from langdetect.detector import Detector
from langdetect.detector_factory import DetectorFactory
from langdetect.lang_detect_exception import ErrorCode, LangDetectException
from langdetect.language import Language
from langdetect.utils.ngram import NGram

_CHECK_EVERY = 5  # draws between convergence checks
_LAST_CHECK = -(-Detector.ITERATION_LIMIT // _CHECK_EVERY)  # checks 0.._LAST_CHECK
# Checks computed at once: most texts converge by the 20th check, so the
# rest is computed only for the texts that do not.
_CHUNKS = (20, _LAST_CHECK + 1)
# Up to this many n-grams (some 300 characters), a text's draws are looked
# up in a table of its own n-grams; a longer one converges in fewer draws
# than it has n-grams.
_FEW_NGRAMS = 1000
# exp() of less underflows to subnormals, which are slow; the probabilities
# so small are zero to langdetect, which renormalises every 5 draws.
_LOWEST_LOG = -700.0
_SPACES = re.compile(' {2,}')
_LATIN = re.compile('[A-z]')
_FROM_U0300 = re.compile('[\u0300-\U0010ffff]')
# A word with the space after it, if any: what langdetect's n-gram buffer sees of it.
_WORD_AND_SPACE = re.compile('[^ ]+ ?')
_ROW = np.int32  # a row of the profiles' table (well under 2**31): half the bytes of int64


class _Stream:
  """The 32-bit numbers ``random.Random(seed)`` draws from, in order.

  langdetect seeds its generator afresh for every text, so every text
  draws from the start of this one stream, computed once and extended
  when a text needs more.
  """
  def __init__(self, seed: int):
    _, state, _ = random.Random(seed).getstate()
    self._generator = np.random.MT19937()
    self._generator.state = {'bit_generator': 'MT19937', 'state': {
        'key': np.array(state[:-1], dtype=np.uint32), 'pos': state[-1]}}
    self._lock = threading.Lock()
    self.numbers = np.empty(0, dtype=np.int64)

  def up_to(self, count: int) -> np.ndarray:
    """The first ``count`` numbers at least."""
    numbers = self.numbers
    if len(numbers) < count:
      with self._lock:
        numbers = self.numbers
        if len(numbers) < count:
          more = self._generator.random_raw(max(count - len(numbers), 1 << 16))
          numbers = self.numbers = np.concatenate([numbers, more.astype(np.int64)])
    return numbers


class _Draws:
  """One text's draws: ``random.Random``'s ``gauss`` and ``choice``, from the stream."""
  def __init__(self, stream: _Stream):
    self._stream = stream
    self.used = 0
    self._gauss_next = None

  def _random(self) -> float:
    """random.random(): 53 bits from two numbers."""
    numbers = self._stream.up_to(self.used + 2)
    high, low = int(numbers[self.used]) >> 5, int(numbers[self.used + 1]) >> 6
    self.used += 2
    return (high * 67108864.0 + low) * (1.0 / 9007199254740992.0)

  def gauss(self) -> float:
    """random.gauss(0.0, 1.0): Box-Muller, keeping the second value for the next call."""
    z, self._gauss_next = self._gauss_next, None
    if z is None:
      x2pi = self._random() * (2 * math.pi)
      g2rad = math.sqrt(-2.0 * math.log(1.0 - self._random()))
      z = math.cos(x2pi) * g2rad
      self._gauss_next = math.sin(x2pi) * g2rad
    return z

  def choices(self, n: int, count: int):
    """What ``count`` calls of random.choice on n things pick, from here on,
    and for each, how many numbers the calls up to it use.

    random.choice takes the top bits of a number, as many as n has, and
    draws again while that is n or more.
    """
    shift = 32 - n.bit_length()
    want = 2 * count + 64
    while True:
      numbers = self._stream.up_to(self.used + want)[self.used:self.used + want] >> shift
      accepted = np.flatnonzero(numbers < n)
      if len(accepted) >= count:
        accepted = accepted[:count]
        return numbers[accepted], accepted + 1
      want *= 2


class Sampler:
  """langdetect's ``get_probabilities``, for the detectors of one factory."""
  def __init__(self, languages: Sequence[str], rows: Mapping[str, int], table: np.ndarray,
               seed: int):
    """``rows``: each word's row in ``table``, whose columns are ``languages``
    (``language_profiles``); ``seed``: the factory's."""
    if not isinstance(seed, int):
      raise ValueError('the factory needs a seed: its answers would not be repeatable')
    self._languages = list(languages)
    self._ngram_rows = NgramRows(rows)
    self._table = table
    self._stream = _Stream(seed)

  @classmethod
  def of_factory(cls, factory: DetectorFactory) -> 'Sampler':
    """The sampler of a factory that langdetect loaded itself."""
    words = factory.word_lang_prob_map
    return cls(factory.langlist, {word: row for row, word in enumerate(words)},
               np.array(list(words.values()), dtype=np.float64), factory.seed)

  def probabilities(self, detector: Detector) -> List[Language]:
    """What ``detector.get_probabilities()`` gives, its text appended
    (``detector_text``), no prior set."""
    rows = self._ngram_rows(cleaned(detector.text))
    if not len(rows):
      raise LangDetectException(ErrorCode.CantDetectError, 'No features in text.')
    if len(rows) <= _FEW_NGRAMS:  # a table of the text's own n-grams, which repeat
      distinct, ids = np.unique(rows, return_inverse=True)
      table = self._table[distinct]
    else:  # the rows drawn are taken from the whole table as they come
      table, ids = self._table, rows
    draws = _Draws(self._stream)
    total = np.zeros(len(self._languages))
    for _ in range(detector.n_trial):
      alpha = detector.alpha + draws.gauss() * Detector.ALPHA_WIDTH
      total += _trial(table, ids, alpha / Detector.BASE_FREQ, draws)
    result = [Language(language, float(probability))
              for language, probability in zip(self._languages, total / detector.n_trial,
                                                 strict=True)
              if probability > Detector.PROB_THRESHOLD]
    result.sort(reverse=True)
    return result

  def agrees_with_langdetect(self, factory: DetectorFactory, langdetects: DetectorFactory,
                             texts: Iterable[str], max_text_length: int) -> bool:
    """Whether langdetect itself gives these texts the same answers: detectors of
    ``factory`` judged here, of ``langdetects`` (whose word map holds the
    probabilities, at least of these texts' n-grams) by langdetect's loop."""
    for text in texts:
      ours, theirs = factory.create(), langdetects.create()
      ours.text = detector_text(text, max_text_length)
      theirs.set_max_text_length(max_text_length)
      theirs.append(text)
      ours, theirs = self.probabilities(ours), theirs.get_probabilities()
      if ([x.lang for x in ours] != [x.lang for x in theirs]
          or any(abs(x.prob - y.prob) > 1e-9 for x, y in zip(ours, theirs, strict=True))):
        return False
    return True


def detector_text(text: str, max_length: int) -> str:
  """What ``Detector.append`` leaves in a new detector: URLs and e-mail addresses
  blanked, Vietnamese marks joined, the first ``max_length`` characters, runs
  of spaces made one (langdetect adds the characters one by one)."""
  text = NGram.normalize_vi(Detector.MAIL_RE.sub(' ', Detector.URL_RE.sub(' ', text)))
  return _SPACES.sub(' ', text[:max_length])


def cleaned(text: str) -> str:
  """What ``Detector.cleaning_text`` leaves of a detector's text: without its Latin
  letters when it has more than twice as many others.

  Latin is langdetect's 'A' to 'z' (brackets and underscore included); the
  others are every character from U+0300 (langdetect means to leave Latin
  Extended Additional out, but compares the block's number with its name).
  """
  if len(_LATIN.findall(text)) * 2 < len(_FROM_U0300.findall(text)):
    return _LATIN.sub('', text)
  return text


class NgramRows:
  """The rows of the n-grams ``Detector._extract_ngrams`` finds in a cleaned text,
  in its order, as an array.

  langdetect's buffer starts again after every space, so a word gives the
  same n-grams wherever it stands (with those of the space after it, if
  any): each word is worked out once, characters normalised by one
  ``str.translate``, and kept as the bytes of its rows, which join into the
  text's array without a Python object per n-gram.
  """
  def __init__(self, rows: Mapping[str, int], cached_words: int = 1 << 16):
    self._rows = rows
    self._word = functools.lru_cache(maxsize=cached_words)(self._word_bytes)

  def __call__(self, text: str) -> np.ndarray:
    words = _WORD_AND_SPACE.findall(text.translate(_NORMAL_FORMS))
    return np.frombuffer(b''.join(map(self._word, words)), dtype=_ROW)

  def _word_bytes(self, word: str) -> bytes:
    return np.array(self._word_rows(word), dtype=_ROW).tobytes()

  def _word_rows(self, word: str) -> Tuple[int, ...]:
    """A word's rows, with the space after it if it has one: langdetect's
    ``NGram.add_char`` and the loop over n, from an empty buffer."""
    rows, found = self._rows, []
    grams, capital, last_upper = ' ', False, False
    for ch in word:
      upper = ch.isupper()
      if grams == ' ':
        grams = ' ' + ch
      else:
        grams = (grams[1:] if len(grams) >= NGram.N_GRAM else grams) + ch
        if not upper:
          capital = False
        elif last_upper:
          capital = True
      last_upper = upper
      if capital:
        continue
      for n in range(1, min(len(grams), NGram.N_GRAM) + 1):
        row = rows.get(grams[-n:])
        if row is not None and grams[-n:] != ' ':
          found.append(row)
    return tuple(found)


class _NormalForms(dict):
  """``str.translate``'s table: each character's ``NGram.normalize``, made when
  first met."""
  def __missing__(self, code: int) -> str:
    normal = self[code] = NGram.normalize(chr(code))
    return normal


_NORMAL_FORMS = _NormalForms()


def _trial(table: np.ndarray, ids: np.ndarray, weight: float, draws: _Draws) -> np.ndarray:
  """One trial's probabilities at its stop; ``draws`` moves past what it used.

  Draw 0 is checked alone, then every 5 draws: the log-probabilities are
  summed per check, then cumulated, so each row is one check's state.
  """
  reached = np.zeros(table.shape[1])
  first = 0
  for last in _CHUNKS:  # the checks first..last-1
    start = 0 if first == 0 else _CHECK_EVERY * (first - 1) + 1
    picks, used = draws.choices(len(ids), _CHECK_EVERY * (last - 1) + 1 - start)
    rows = ids[picks]
    if len(table) < len(rows):  # the log of the table or of the rows drawn, the smaller
      logs = np.log(weight + table)[rows]
    else:
      logs = np.log(weight + table[rows])
    blocks = logs[1:] if first == 0 else logs
    sums = blocks.reshape(-1, _CHECK_EVERY, logs.shape[1]).sum(axis=1)
    if first == 0:
      sums = np.vstack([logs[:1], sums])
    states = np.cumsum(sums, axis=0) + reached
    weights = states - states.max(axis=1, keepdims=True)
    np.maximum(weights, _LOWEST_LOG, out=weights)
    np.exp(weights, out=weights)
    totals = weights.sum(axis=1)  # the leader weighs 1: its probability is 1 / total
    converged = np.flatnonzero(1.0 / totals > Detector.CONV_THRESHOLD)
    if len(converged) or last > _LAST_CHECK:
      stop = converged[0] if len(converged) else len(states) - 1
      draws.used += int(used[_CHECK_EVERY * (first + stop) - start])
      return weights[stop] / totals[stop]
    draws.used += int(used[-1])
    reached = states[-1] - states[-1].max()  # less a constant, which cancels out
    first = last
  raise AssertionError('the last chunk ends at the iteration limit')
