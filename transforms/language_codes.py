"""Language codes as the record carries them: ISO 639-1, 'und' when undetermined.

Sources declare languages every way the standards allow: ISO 639-1 ('es'),
ISO 639-2 terminology and bibliographic codes ('spa'; 'ger' beside 'deu'),
ISO 639-3 ('cmn'), BCP 47 and locale forms ('en-US', 'pt_BR', 'zh-Hant-TW'),
any case, sometimes a language's English name ('English'). A record carries
the ISO 639-1 code when the language has one, as langdetect answers, so that
a declaration and a detection can be compared and consumers filter on one
code; else the ISO 639-3 code, lower-case.
"""
import functools
import re
from typing import Dict, Optional

UNDETERMINED = 'und'
_LANGUAGE_TAG = re.compile(r'^([a-zA-Z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*$')
_LANGUAGE_NAME = re.compile(r'^[A-Za-z][A-Za-z ()-]{3,40}$')
# Tags that name no single language.
_NO_LANGUAGE = frozenset({'mul', 'und', 'zxx', 'mis'})
# Codes ISO 639 has withdrawn that feeds still send, and the individual
# languages that news in a macrolanguage is written in (ISO 639-3 gives the
# macrolanguage a code of its own; langdetect answers with that one).
_OTHER_NAMES = {
    'iw': 'he', 'in': 'id', 'ji': 'yi', 'jw': 'jv', 'mo': 'ro',
    'cmn': 'zh', 'arb': 'ar', 'pes': 'fa', 'zsm': 'ms', 'nob': 'nb', 'nno': 'nn',
    'ekk': 'et', 'lvs': 'lv', 'swh': 'sw', 'azj': 'az', 'uzn': 'uz', 'khk': 'mn',
}


@functools.lru_cache(maxsize=None)
def _iso_639_table() -> Dict[str, str]:
  """Every ISO 639-2/-3 code and English name (lower-case) -> the code a record carries."""
  import pycountry  # pylint: disable=import-outside-toplevel  (0.1 s; only when a code needs it)
  table = {}
  for language in pycountry.languages:
    code = getattr(language, 'alpha_2', None) or language.alpha_3
    for key in (language.alpha_3, getattr(language, 'bibliographic', None),
                  language.name):
      if key:
        table.setdefault(key.lower(), code)
  return table


@functools.lru_cache(maxsize=4096)
def language_code(tag: Optional[str]) -> Optional[str]:
  """ISO 639-1 (or 639-3 when there is none) from a declaration: 'en-GB', 'spa', 'English'.

  None for a tag that names no single language ('mul', 'und') or none at all.
  """
  tag = (tag or '').strip()
  match = _LANGUAGE_TAG.match(tag)
  if match:
    primary = match.group(1).lower()
  elif _LANGUAGE_NAME.match(tag):
    primary = tag.lower()
  else:
    return None
  if primary in _NO_LANGUAGE:
    return None
  if primary in _OTHER_NAMES:
    return _OTHER_NAMES[primary]
  if len(primary) == 2:
    return primary
  return _iso_639_table().get(primary, primary if match else None)
