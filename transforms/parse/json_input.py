"""JSON input, decoded as RFC 8259 says: UTF-8, UTF-16 or UTF-32."""
import json
from typing import Any, Optional

from transforms.errors import InputError


def small_int(text: str, digits: int = 3) -> Optional[int]:
  """A short run of digits as an int; None for anything else (5,000 digits...)."""
  text = text.strip()
  return int(text) if text.isdecimal() and len(text) <= digits else None


def load_json(data: bytes) -> Any:
  """Parsed JSON; every failure, deep-nesting bombs included, as InputError."""
  try:
    text = data.decode(json.detect_encoding(data))
  except UnicodeDecodeError as error:
    raise InputError('undecodable', f'not UTF-8, UTF-16 or UTF-32 JSON: {error}') from error
  try:
    return json.loads(text)
  except (ValueError, RecursionError) as error:
    raise InputError('invalid_json', f'not valid JSON: {error}') from error
