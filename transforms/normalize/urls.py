"""URL canonicalisation, so that one story under two URLs is seen as one."""
import re
import urllib.parse
from typing import Optional

_DEFAULT_PORTS = {'http': 80, 'https': 443}
_CONTROL = re.compile(r'[\x00-\x1f\x7f]')
# Query parameters that track the reader, not select the document.
_TRACKING_PARAMS = re.compile(
    r'^(utm_\w*|fbclid|gclid|dclid|gclsrc|msclkid|yclid|mc_cid|mc_eid|_ga|_gl'
    r'|ocid|cmpid|icid|cid|ncid|smid|sr_share|at_medium|at_campaign|at_\w+'
    r'|ns_mchannel|ns_source|ns_campaign|ns_linkname|ns_fee|xtor|__twitter_impression'
    r'|igshid|spm|share|ref|ref_src|rss|feed|from)$', re.IGNORECASE)


def canonical_url(url: Optional[str]) -> Optional[str]:
  """Lower-cased scheme and host, no default port, fragment or tracking.

  Remaining query parameters keep their values and are sorted, so that the
  same query written in another order is the same URL. Returns None for
  anything that is not an absolute http(s) URL.
  """
  if not url:
    return None
  try:
    # As browsers do: no control characters anywhere, no spaces at the ends.
    parts = urllib.parse.urlsplit(_CONTROL.sub('', url).strip())
    port = parts.port
  except ValueError:
    return None
  scheme = parts.scheme.lower()
  if scheme not in _DEFAULT_PORTS or not parts.hostname:
    return None
  host = parts.hostname.lower().rstrip('.')
  if not host:  # "http://./"
    return None
  if ':' in host:  # IPv6 literal
    host = f'[{host}]'
  if port and port != _DEFAULT_PORTS[scheme]:
    host = f'{host}:{port}'
  try:
    query = urllib.parse.urlencode(sorted(
        (key, value)
        for key, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        if not _TRACKING_PARAMS.match(key)))
  except UnicodeError:  # a lone surrogate cannot be percent-encoded
    return None
  return urllib.parse.urlunsplit((scheme, host, parts.path.rstrip() or '/', query, ''))


def url_host(url: Optional[str]) -> Optional[str]:
  """The lower-cased host of an http(s) URL, or None."""
  canonical = canonical_url(url)
  return urllib.parse.urlsplit(canonical).hostname if canonical else None
