"""The on-disk cache of built indexes: used when fresh, rebuilt when stale or corrupt."""
import multiprocessing
import pickle

import pytest

from transforms import index_cache
from transforms.index_cache import cache_folder, cached_index, source_key


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
  monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path))


class Counting:
  """A build that counts its calls."""
  def __init__(self, value):
    self.value, self.calls = value, 0

  def __call__(self):
    self.calls += 1
    return self.value


def entries():
  return sorted(path.name for path in cache_folder().iterdir())


def test_built_once_then_read_back():
  build = Counting({'paris': [1, 2]})
  key = source_key([b'data', b'code'])
  assert cached_index('places', key, build, dict) == {'paris': [1, 2]}
  assert cached_index('places', key, build, dict) == {'paris': [1, 2]}
  assert build.calls == 1
  assert entries() == [f'places-{key}.pickle']  # no temporary file left


def test_a_changed_source_is_a_new_entry_and_the_stale_one_is_not_read():
  cached_index('places', source_key([b'data v1']), Counting({'old': 1}), dict)
  build = Counting({'new': 1})
  assert cached_index('places', source_key([b'data v2']), build, dict) == {'new': 1}
  assert build.calls == 1
  # The stale entry is gone; another name's entries, even one sharing a prefix, stay.
  cached_index('places-small', source_key([b'x']), Counting({}), dict)
  assert entries() == sorted([f"places-{source_key([b'data v2'])}.pickle",
                              f"places-small-{source_key([b'x'])}.pickle"])


def test_the_key_depends_on_every_source_and_their_order():
  assert source_key([b'a', b'b']) != source_key([b'b', b'a'])
  assert source_key([b'ab']) != source_key([b'a', b'b'])
  assert source_key([b'a', b'b']) == source_key([b'a', b'b'])


@pytest.mark.parametrize('stored', [b'', b'not a pickle', pickle.dumps({'a': 1})[:-3],
                                    pickle.dumps(['a list, not the kind asked for'])])
def test_a_corrupt_or_foreign_entry_is_rebuilt_and_replaced(stored):
  key = source_key([b'data'])
  cache_folder().mkdir(parents=True)
  (cache_folder() / f'places-{key}.pickle').write_bytes(stored)
  build = Counting({'rebuilt': 1})
  assert cached_index('places', key, build, dict) == {'rebuilt': 1}
  assert cached_index('places', key, build, dict) == {'rebuilt': 1}
  assert build.calls == 1


def test_an_unwritable_cache_still_gives_the_index(tmp_path, monkeypatch):
  blocker = tmp_path / 'a file, not a folder'
  blocker.write_text('')
  monkeypatch.setenv('XDG_CACHE_HOME', str(blocker))
  build = Counting({'a': 1})
  assert cached_index('places', 'key', build, dict) == {'a': 1}
  assert cached_index('places', 'key', build, dict) == {'a': 1}
  assert build.calls == 2


def test_an_entry_of_another_user_is_not_unpickled(monkeypatch):
  key = source_key([b'data'])
  cached_index('places', key, Counting({'a': 1}), dict)
  monkeypatch.setattr(index_cache.os, 'getuid', lambda: -1)
  build = Counting({'b': 1})
  assert cached_index('places', key, build, dict) == {'b': 1}


def _build_and_read(key):
  value = {str(number): list(range(number % 7)) for number in range(20_000)}
  return cached_index('places', key, lambda: value, dict) == value


def test_concurrent_writers_leave_one_whole_entry():
  key = source_key([b'shared'])
  with multiprocessing.get_context('spawn').Pool(4) as pool:
    assert all(pool.map(_build_and_read, [key] * 8))
  assert entries() == [f'places-{key}.pickle']
  assert _build_and_read(key)
