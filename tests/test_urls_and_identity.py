from transforms.normalize.identity import content_hash, item_uri
from transforms.normalize.urls import canonical_url


def test_canonical_url_normalises_case_ports_fragments_and_tracking():
  assert canonical_url(
      'HTTPS://News.Example.COM:443/World/Story?utm_source=rss&b=2&a=1&fbclid=x#comments'
  ) == 'https://news.example.com/World/Story?a=1&b=2'
  assert canonical_url('http://example.com:8080') == 'http://example.com:8080/'
  assert canonical_url('http://example.com:80/a') == 'http://example.com/a'


def test_canonical_url_refuses_non_web_urls():
  for url in (None, '', 'ftp://example.com/x', 'javascript:alert(1)', '/relative/path',
              'http://[bad'):
    assert canonical_url(url) is None


def test_uri_prefers_guid_then_url_then_content():
  assert item_uri('urn:newsml:dpa.com:1', 'https://x.example/a', None, 'f', 'text') == (
      'urn:newsml:dpa.com:1', 'guid')
  assert item_uri(None, 'https://X.example/a?utm_medium=rss', None, 'f', 'text') == (
      'https://x.example/a', 'url')
  uri, origin = item_uri(None, None, None, 'f', 'headline\nbody')
  assert origin == 'content' and uri == f'urn:wirebeam:content:{content_hash("headline" + chr(10) + "body")}'


def test_bare_guid_is_scoped_by_its_feed():
  first = item_uri('12345', 'https://a.example/1', 'https://a.example/', 'f', 't')
  second = item_uri('12345', 'https://b.example/1', 'https://b.example/', 'f', 't')
  assert first == ('urn:wirebeam:guid:a.example:12345', 'guid')
  assert first != second


def test_url_guid_is_canonicalised():
  assert item_uri('HTTPS://Example.com/a?utm_source=x', None, None, 'f', 't') == (
      'https://example.com/a', 'guid')


def test_bare_guid_scoped_by_the_source_is_the_same_from_any_folder():
  first = item_uri('RTR123', None, None, '/in/a/item.xml', 't', 'nprov:REUTERS')
  second = item_uri('RTR123', None, None, '/in/b/item.xml', 't', 'nprov:REUTERS')
  assert first == second == ('urn:wirebeam:guid:nprov:REUTERS:RTR123', 'guid')


def test_bare_ninjs_uri_is_scoped_by_its_agency_not_its_folder(tmp_path):
  from transforms.parse.ninjs import parse_ninjs
  item = (b'{"uri": "AP-4711", "headline": "Storm hits coast",'
          b' "infosources": [{"name": "AP"}], "body_text": "Rain."}')
  anonymous = b'{"uri": "AP-4711", "headline": "Storm hits coast", "body_text": "Rain."}'

  def uri_of(data, location):
    entry = parse_ninjs(data, location, None)[0]
    return item_uri(entry.guid, entry.link, entry.feed_link, entry.source, 't',
                    entry.guid_scope)[0]

  assert uri_of(item, '/in/a/x.json') == uri_of(item, '/in/b/x.json') == (
      'urn:wirebeam:guid:AP:AP-4711')
  assert uri_of(anonymous, '/in/a/x.json') == uri_of(anonymous, '/in/b/y.json')


def test_publication_status_is_one_spelling_whatever_the_source_wrote():
  from transforms.normalize.record import publication_status
  assert publication_status('stat:Canceled') == 'canceled'
  assert publication_status(' Cancelled ') == 'canceled'
  assert publication_status('USABLE') == 'usable'
  assert publication_status('withheld') == 'withheld'
  assert publication_status(None) is None and publication_status('  ') is None
