"""Stable identities: the item's uri and the hash of its normalised content."""
import hashlib
import re
from typing import Optional, Tuple

from transforms.normalize.urls import canonical_url, url_host

# A guid that is already a URI (urn:, tag:, http:...) is used as it is.
_URI_SCHEME = re.compile(r'^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$')


def content_hash(text: str) -> str:
  return hashlib.sha256(text.encode('utf-8')).hexdigest()


def item_uri(guid: Optional[str], link: Optional[str], feed_link: Optional[str],
             source: str, content: str,
             guid_scope: Optional[str] = None) -> Tuple[str, str]:
  """(uri, where it came from): the guid, else the canonical URL, else content.

  A guid that is not a URI ("12345") is only unique within its scope: the
  one the source names (``guid_scope``: a NewsML-G2 provider, so that the
  same item read from two folders keeps one uri), else the feed's host,
  else the source's location.
  """
  if guid and guid.strip():
    guid = guid.strip()
    if _URI_SCHEME.match(guid):
      return canonical_url(guid) or guid, 'guid'
    scope = ((guid_scope or '').strip() or url_host(feed_link) or url_host(link)
             or source)
    return f'urn:wirebeam:guid:{scope}:{guid}', 'guid'
  url = canonical_url(link)
  if url:
    return url, 'url'
  return f'urn:wirebeam:content:{content_hash(content)}', 'content'
