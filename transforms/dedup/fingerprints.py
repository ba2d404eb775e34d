"""Content fingerprints for deduplication: word shingles, MinHash, LSH bands.

Everything here is deterministic across processes and machines (no use of
Python's randomised ``hash``), because batch results must not depend on
which worker computed them.
"""
import re
import zlib
from typing import FrozenSet, Iterable, List, Tuple

import numpy as np

_WORD = re.compile(r'\w+', re.UNICODE)
_MERSENNE_PRIME = np.uint64((1 << 61) - 1)
_MAX_HASH = np.uint64((1 << 32) - 1)
_PERMUTATION_SEED = 1  # fixed: signatures must be comparable across runs


def words(text: str) -> List[str]:
  return _WORD.findall(text.lower())


def shingles(text: str, size: int) -> FrozenSet[int]:
  """32-bit hashes of the text's overlapping runs of ``size`` words.

  A text shorter than ``size`` words gives one shingle of all its words.
  """
  tokens = words(text)
  runs = (tokens[i:i + size] for i in range(max(1, len(tokens) - size + 1)))
  return frozenset(zlib.crc32(' '.join(run).encode('utf-8')) for run in runs if run)


def _permutations(num_perm: int):
  generator = np.random.RandomState(_PERMUTATION_SEED)
  a = generator.randint(1, (1 << 61) - 1, size=num_perm, dtype=np.uint64)
  b = generator.randint(0, (1 << 61) - 1, size=num_perm, dtype=np.uint64)
  return a, b


class MinHasher:
  """MinHash signatures of shingle sets, with ``num_perm`` hash functions."""
  def __init__(self, num_perm: int):
    self.num_perm = num_perm
    self._a, self._b = _permutations(num_perm)

  def signature(self, shingle_set: Iterable[int]) -> Tuple[int, ...]:
    values = np.fromiter(shingle_set, dtype=np.uint64)
    if not values.size:
      return (int(_MAX_HASH),) * self.num_perm
    # (a * x + b) mod p, truncated to 32 bits, as in the classic scheme;
    # uint64 overflow in a * x is deterministic, which is all we need.
    hashed = (np.outer(values, self._a) + self._b) % _MERSENNE_PRIME & _MAX_HASH
    return tuple(hashed.min(axis=0).tolist())  # Python ints, as the index stores them


def band_keys(signature: Tuple[int, ...], bands: int) -> List[Tuple[int, int]]:
  """(band index, hash of the band's rows): items sharing one are candidates."""
  rows = len(signature) // bands
  return [(band, zlib.crc32(repr(signature[band * rows:(band + 1) * rows]).encode()))
          for band in range(bands)]


def jaccard(first: FrozenSet[int], second: FrozenSet[int]) -> float:
  union = len(first | second)
  return len(first & second) / union if union else 0.0


def containment(first: FrozenSet[int], second: FrozenSet[int]) -> float:
  """How much of the smaller set the larger holds: 1.0 when an update only adds."""
  smaller = min(len(first), len(second))
  return len(first & second) / smaller if smaller else 0.0
