import pytest

from transforms.errors import InputError
from transforms.read.feed_list import FeedSpec, parse_feed_list


def test_plain_list_with_comments_options_and_duplicates():
  data = b'''# wire feeds
https://wire.example.com/world.xml   interval=300
  https://depeches.example.org/feed  # trailing comment
https://wire.example.com/#/sport    # a fragment is no comment

https://wire.example.com/world.xml
'''
  assert parse_feed_list(data) == [
      FeedSpec('https://wire.example.com/world.xml', None, {'interval': '300'}),
      FeedSpec('https://depeches.example.org/feed'),
      FeedSpec('https://wire.example.com/#/sport'),
  ]


def test_opml_with_nested_outlines():
  data = b'''<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>Subscriptions</title></head><body>
  <outline text="News">
    <outline type="rss" text="World" title="World news" xmlUrl="https://wire.example.com/world.xml"/>
    <outline text="Folder"><outline type="rss" text="Markets" xmlUrl="http://m.example/rss"/></outline>
  </outline>
  <outline text="no feed here" htmlUrl="https://example.com/"/>
</body></opml>'''
  assert parse_feed_list(data) == [
      FeedSpec('https://wire.example.com/world.xml', 'World news'),
      FeedSpec('http://m.example/rss', 'Markets'),
  ]


@pytest.mark.parametrize('data, message', [
    (b'https://ok.example/feed\n/etc/passwd\n', 'line 2'),
    (b'file:///etc/passwd', 'line 1'),
    (b'https://ok.example/feed interval', 'line 1'),
    (b'# feeds\n\nhttps://ok.example:99999/feed', 'line 3'),
    (b'<opml><body><outline xmlUrl="file:///etc/passwd"/></body></opml>', 'OPML outline'),
    (b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
     b'<opml><body><outline xmlUrl="https://a.example/&x;"/></body></opml>', 'refused'),
    (b'<opml><body>', 'not well-formed'),
])
def test_invalid_lists_name_the_problem(data, message):
  with pytest.raises(InputError, match=message) as error:
    parse_feed_list(data)
  assert error.value.reason == 'invalid_feed_list'
