"""JSON input, decoded as RFC 8259 says: UTF-8, UTF-16 or UTF-32."""
import json
from typing import Any

from transforms.errors import InputError


def load_json(data: bytes) -> Any:
  """Parsed JSON; every failure, deep-nesting bombs included, as InputError."""
  try:
    text = data.decode(json.detect_encoding(data))
  except UnicodeDecodeError as error:
    raise InputError('undecodable', f'not UTF-8, UTF-16 or UTF-32 JSON: {error}')
  try:
    return json.loads(text)
  except (ValueError, RecursionError) as error:
    raise InputError('invalid_json', f'not valid JSON: {error}')
