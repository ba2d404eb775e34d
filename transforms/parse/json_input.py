"""JSON input, decoded as RFC 8259 says: UTF-8, UTF-16 or UTF-32."""
import json
from typing import Any, Optional

from transforms.errors import InputError
from transforms.text import Decoded, byte_order_mark


def small_int(text: str, digits: int = 3) -> Optional[int]:
  """A short run of digits as an int; None for anything else (5,000 digits...)."""
  text = text.strip()
  return int(text) if text.isdecimal() and len(text) <= digits else None


def decode_json(data: bytes) -> Decoded:
  """JSON's text: a byte-order mark, else UTF-16 or UTF-32 by where the NULs
  of its first (ASCII) characters fall, else UTF-8; never any other charset."""
  bom = byte_order_mark(data)
  if bom:
    codec, start, reason = bom[0], bom[1], 'bom'
  else:
    codec, start = json.detect_encoding(data), 0
    reason = 'utf8' if codec == 'utf-8' else 'pattern'
  try:
    return Decoded(data[start:].decode(codec), codec, reason)
  except UnicodeDecodeError as error:
    raise InputError('undecodable', f'not UTF-8, UTF-16 or UTF-32 JSON: {error}') from error


def load_json(data: bytes) -> Any:
  """Parsed JSON; every failure, deep-nesting bombs included, as InputError."""
  return parse_json(decode_json(data).text)


def parse_json(text: str) -> Any:
  """``load_json`` of decoded text."""
  try:
    return json.loads(text)
  except (ValueError, RecursionError) as error:
    raise InputError('invalid_json', f'not valid JSON: {error}') from error


def parse_json_or_lines(text: str) -> Any:
  """``parse_json``, or the list of a JSON Lines text's values (one per line,
  as ``--output-format ninjs`` writes them); the JSON error when neither."""
  try:
    return parse_json(text)
  except InputError as error:
    lines = [line for line in text.split('\n') if line.strip()]
    if len(lines) < 2:
      raise
    try:
      return [json.loads(line) for line in lines]
    except (ValueError, RecursionError):
      raise error from None
