"""langdetect's language profiles, kept in the user's cache between runs.

langdetect parses its 55 JSON profiles at every start (0.26 s) and the
vectorised sampler turns them into a table (0.10 s): a run of a handful of
items waits for both. The parsed profiles (the words in langdetect's order
and one row of probabilities per word) are pickled in the same cache as the
gazetteer's index (``transforms/entities/index_cache.py``), named by a hash
of the profile files, langdetect's version, this module and the Python
build; read back, they give the factory the very same floats (0.17 s).
Detection itself needs only each word's row in the table (``row_factory``,
0.01 s); the factory of floats is built for langdetect's own loop, on the
few words of the texts it is checked on, or whole when first asked for.
"""
import dataclasses
import gc
import importlib.metadata
import os
import pathlib
import sys
from typing import Dict, Iterable, List, Optional, Tuple

import numpy as np
from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

from transforms.index_cache import cached_index, source_key


@dataclasses.dataclass(frozen=True)
class Profiles:
  """langdetect's profiles as loaded: languages, words and their probabilities."""
  languages: Tuple[str, ...]
  words: Tuple[str, ...]
  table: np.ndarray  # one row per word, one column per language


def load_profiles(directory: str = PROFILES_DIRECTORY) -> Profiles:
  """The profiles as langdetect's own loader reads them."""
  factory = DetectorFactory()
  factory.load_profile(directory)
  words = factory.word_lang_prob_map
  return Profiles(tuple(factory.langlist), tuple(words),
                  np.array(list(words.values()), dtype=np.float64))


def _profile_sources(directory: str) -> List[bytes]:
  """What the profiles are read from and by: files, langdetect, this module, Python."""
  files = sorted(pathlib.Path(directory).iterdir())
  header = ' '.join([importlib.metadata.version('langdetect'), sys.version]
                    + [path.name for path in files])
  return ([header.encode(), pathlib.Path(__file__).read_bytes()]
          + [path.read_bytes() for path in files])


def cached_profiles(directory: str = PROFILES_DIRECTORY) -> Profiles:
  """The profiles, read from the user's cache when fresh, else loaded and stored."""
  key = source_key(_profile_sources(os.fspath(directory)))
  return cached_index('langdetect-profiles', key, lambda: load_profiles(directory), Profiles)


def factory_for(profiles: Profiles, seed: int,
                words: Optional[Iterable[str]] = None) -> DetectorFactory:
  """A seeded factory holding ``profiles``, as if ``load_profile`` had read them;
  with ``words``, holding only those (for langdetect's own loop on texts made
  of them, which looks up no other word).

  The word map is rebuilt with the garbage collector paused: 87,000 lists
  created at once would otherwise be scanned again and again.
  """
  if words is None:
    kept, table = profiles.words, profiles.table
  else:
    rows = row_map(profiles)
    kept = sorted(set(words) & rows.keys(), key=rows.__getitem__)
    table = profiles.table[[rows[word] for word in kept]]
  factory = _seeded_factory(profiles, seed)
  collecting = gc.isenabled()
  gc.disable()
  try:
    factory.word_lang_prob_map = dict(zip(kept, table.tolist(), strict=True))
  finally:
    if collecting:
      gc.enable()
  return factory


def row_factory(profiles: Profiles, seed: int) -> DetectorFactory:
  """A seeded factory whose word map gives each word's row in ``profiles.table``.

  Its detectors find a text's n-grams (they only ask whether a word is in
  the map) for ``language_sampling.Sampler`` to judge; langdetect's own loop,
  which multiplies the map's values, needs ``factory_for``'s. Building this
  one costs a tenth (0.01 s, not 0.13 s at every start).
  """
  factory = _seeded_factory(profiles, seed)
  factory.word_lang_prob_map = row_map(profiles)
  return factory


def row_map(profiles: Profiles) -> Dict[str, int]:
  return dict(zip(profiles.words, range(len(profiles.words)), strict=True))


def _seeded_factory(profiles: Profiles, seed: int) -> DetectorFactory:
  factory = DetectorFactory()
  factory.langlist = list(profiles.languages)
  factory.seed = seed
  return factory
