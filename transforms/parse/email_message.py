"""E-mail (RFC 5322 / MIME): press releases and agency copy sent by mail.

The subject is the headline, the Date header the item's date, the
Message-ID its identifier (as a ``mid:`` URI, RFC 2392, so the same message
has one uri wherever it is read from). The sender's display name (else its
address) is the byline, and the From header as written stands for the
feed (``source.feed_title``). The body is the text/plain part, else the
HTML one; every attachment is an association named 'attachment', typed by
its MIME type, with its file name as headline.
"""
import email
import email.policy
import email.utils
from email.message import EmailMessage
from typing import List, Optional, Tuple

from transforms.entry import ParsedEntry
from transforms.errors import InputError
from transforms.parse import metadata

FORMAT = 'email'


def parse_email(data: bytes, source: str, received_at=None) -> List[ParsedEntry]:
  """The one item of an e-mail (an mbox's "From " line first is allowed)."""
  if data.startswith(b'From '):
    data_without_envelope = data.split(b'\n', 1)[-1]
  else:
    data_without_envelope = data
  message = email.message_from_bytes(data_without_envelope, policy=email.policy.default)
  body, body_is_html = _body(message)
  name, address = email.utils.parseaddr(_header(message, 'from') or '')
  message_id = (_header(message, 'message-id') or '').strip('<> ')
  entry = ParsedEntry(
      format=FORMAT, source=source, position=0, raw=data, received_at=received_at,
      guid=f'mid:{message_id}' if message_id else None,
      title=_header(message, 'subject'), body=body, body_is_html=body_is_html,
      byline=name or address or None, feed_title=_header(message, 'from'),
      versioncreated_raw=_header(message, 'date'),
      language=_header(message, 'content-language'),
      keywords=[word.strip() for word in (_header(message, 'keywords') or '').split(',')
                if word.strip()],
      associations=[_attachment(part) for part in message.iter_attachments()])
  if not (entry.title or entry.body):
    raise InputError('empty_item', 'an e-mail with neither subject nor text')
  return [entry]


def _header(message: EmailMessage, name: str) -> Optional[str]:
  """A header's text on one line, encoded words decoded; None when absent or empty.

  The standard library's header parser fails on some malformed values
  (control characters in an address raise AttributeError): those are
  taken as written.
  """
  try:
    value = message.get(name)
  except (AttributeError, IndexError, TypeError, ValueError):
    value = next((raw for key, raw in message.raw_items() if key.lower() == name), None)
  if value is None:
    return None
  return ' '.join(str(value).split()) or None


def _body(message: EmailMessage) -> Tuple[Optional[str], bool]:
  part = message.get_body(preferencelist=('plain', 'html'))
  if part is None:
    return None, False
  return _text(part), part.get_content_subtype() == 'html'


def _text(part: EmailMessage) -> Optional[str]:
  """A text part's content; an unknown charset is read as UTF-8 with replacements."""
  try:
    return part.get_content()
  except (LookupError, UnicodeError):
    payload = part.get_payload(decode=True) or b''
    return payload.decode('utf-8', errors='replace')


def _attachment(part: EmailMessage) -> dict:
  content_id = str(part.get('content-id', '')).strip().strip('<>')
  return metadata.association(f'cid:{content_id}' if content_id else None, 'attachment',
                              part.get_content_type(), part.get_filename())
