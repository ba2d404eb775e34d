"""Plain-text wire items: headline on the first line, a dateline opening the body."""
from typing import List

from transforms.datelines import parse_dateline
from transforms.entry import ParsedEntry
from transforms.errors import InputError
from transforms.text import decode_text


def parse_wire_text(data: bytes, source: str, received_at=None) -> List[ParsedEntry]:
  """One item per file: first non-empty line is the headline, the rest the body.

  The dateline is kept in the body (it is part of the text as published) and
  also parsed into place, date and agency.
  """
  decoded = decode_text(data)
  lines = decoded.text.strip().splitlines()
  if not lines:
    raise InputError('empty_item', 'the file holds no text')
  headline = lines[0].strip()
  body = '\n'.join(lines[1:]).strip()
  place, date, agency, _ = parse_dateline(body)
  return [ParsedEntry(
      format='wire_text', source=source, position=0, raw=data,
      title=headline or None, body=body or None, located=place, agency=agency,
      versioncreated_raw=date, received_at=received_at, charset=decoded.charset,
      charset_reason=decoded.reason)]
