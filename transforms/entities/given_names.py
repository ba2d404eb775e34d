"""Given names, by which a run of proper nouns that NER missed is a person.

The list is the one gender-guesser ships: Jörg Michael's dictionary of some
48,000 first names as used in 54 countries, Russian, Arabic and Chinese
transliterations among them ("Alexey", "Aleksei", "Sergei"). It is read as
data, 4 MB, once per worker; the package's code is not used. The file is
under the GNU FDL 1.2 (the package under the GPL 3). Names are matched as
written, so a headline's "ALEXEY" is not one.
"""
import importlib.resources
from typing import Callable, FrozenSet

from transforms.entities.linking import Gazetteer


def load_given_names() -> FrozenSet[str]:
  """The dictionary's names; its '+' ('Jun+Wei') stands for '-', ' ' or nothing,
  and one word is 'Jun-Wei' or 'Junwei'."""
  path = importlib.resources.files('gender_guesser') / 'data' / 'nam_dict.txt'
  names = set()
  for line in path.read_text(encoding='utf-8').splitlines():
    if line[:1] not in ('#', '='):  # comments, and pairs of equivalent names
      name = line.split()[1]
      names.update({name.replace('+', '-'), name.replace('+', '')})
  return frozenset(names)


def given_name_test(gazetteer: Gazetteer) -> Callable[[str], bool]:
  """Whether a word is a given name and no country's name: 'Jordan' and 'Georgia'
  are countries far more often in wire copy."""
  names = load_given_names()

  def is_given_name(word: str) -> bool:
    if word not in names:
      return False
    link = gazetteer.link_place(word)
    return link is None or link.id_scheme != 'iso3166'
  return is_given_name
