"""Language codes as the record carries them: ISO 639-1, 'und' when undetermined."""
import re
from typing import Optional

UNDETERMINED = 'und'
_LANGUAGE_TAG = re.compile(r'^([a-zA-Z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*$')
# Tags that name no single language.
_NO_LANGUAGE = frozenset({'mul', 'und', 'zxx', 'mis'})


def language_code(tag: Optional[str]) -> Optional[str]:
  """ISO 639-1 (or 639-3 when there is no 639-1) from a BCP 47 tag: 'en-GB' -> 'en'."""
  match = _LANGUAGE_TAG.match((tag or '').strip())
  if not match or match.group(1).lower() in _NO_LANGUAGE:
    return None
  return match.group(1).lower()
