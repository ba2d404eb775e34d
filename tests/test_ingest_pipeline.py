"""The wiring: every input ends as an item or a dead letter, through TestPipeline."""
import os
import pathlib

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing import test_pipeline
from apache_beam.testing.util import assert_that, equal_to
from conftest import Route

from pipeline.batch import IngestWireItems
from pipeline.options import WirebeamOptions
from pipeline.run import resolve_file_patterns
from transforms.tags import DEAD_LETTERS, ITEMS

SEED = (pathlib.Path(__file__).parents[1] / 'seeds' /
        'interfax-2021-09-28-us-bases-central-asia.txt')
FEED = b'''<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Test feed</title><link>https://t.example/</link>
<language>en</language>
<item><title>Ministers agree on budget</title><link>https://t.example/1</link>
<description>Ministers agreed on the budget on Monday after long talks.</description></item>
<item><link>https://t.example/2</link></item>
</channel></rss>'''
EMPTY_FEED = b'<rss version="2.0"><channel><title>Quiet</title></channel></rss>'
ENTITIES = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><rss><channel><item><title>&a;</title></item></channel></rss>'


def write_inputs(folder: pathlib.Path):
  (folder / 'seed.txt').write_bytes(SEED.read_bytes())
  (folder / 'feed.xml').write_bytes(FEED)
  (folder / 'sub').mkdir()
  (folder / 'sub' / 'binary.dat').write_bytes(b'\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR')
  (folder / 'sub' / 'empty-feed.xml').write_bytes(EMPTY_FEED)
  (folder / 'sub' / 'entities.xml').write_bytes(ENTITIES)
  (folder / 'huge-item.txt').write_bytes(b'Huge headline\n' + b'word ' * 3000)
  (folder / '.partial-upload').write_bytes(b'skipped: dot-files are not inputs')


def test_every_input_ends_as_an_item_or_a_dead_letter(tmp_path):
  write_inputs(tmp_path)
  options = PipelineOptions(['--max-item-bytes=10000'])
  with test_pipeline.TestPipeline(options=options) as p:
    outputs = p | IngestWireItems(resolve_file_patterns([str(tmp_path)]), [],
                                  options.view_as(WirebeamOptions))
    items = outputs[ITEMS] | 'ItemKeys' >> beam.Map(
        lambda r: (os.path.basename(r['source']['location']), r['headline'], r['language']))
    dead_letters = outputs[DEAD_LETTERS] | 'DeadLetterKeys' >> beam.Map(
        lambda d: (os.path.basename(d['source']), d['position'], d['stage'], d['reason'],
                   len(d['raw']) > 0))
    assert_that(items, equal_to([
        ('seed.txt', 'Another expert believes that such cooperation is possible', 'en'),
        ('feed.xml', 'Ministers agree on budget', 'en'),
    ]), label='items')
    assert_that(dead_letters, equal_to([
        ('feed.xml', 1, 'normalize', 'no_text', True),
        ('binary.dat', None, 'parse', 'unsupported_format', True),
        ('empty-feed.xml', None, 'parse', 'no_entries', True),
        ('entities.xml', None, 'parse', 'xml_entities_forbidden', True),
        ('huge-item.txt', 0, 'normalize', 'item_too_large', True),
    ]), label='dead letters')


def test_oversized_file_is_a_read_dead_letter(tmp_path):
  (tmp_path / 'big.txt').write_bytes(b'Headline\n' + b'x' * 5000)
  options = PipelineOptions(['--max-input-bytes=1000'])
  with test_pipeline.TestPipeline(options=options) as p:
    outputs = p | IngestWireItems([str(tmp_path / 'big.txt')], [],
                                  options.view_as(WirebeamOptions))
    assert_that(outputs[ITEMS], equal_to([]), label='no items')
    assert_that(outputs[DEAD_LETTERS] | beam.Map(lambda d: (d['stage'], d['reason'])),
                equal_to([('read', 'input_too_large')]), label='dead letter')


def test_feeds_are_fetched_and_failures_become_read_dead_letters(feed_server):
  feed_server.routes['/feed.xml'] = Route(200, FEED, {'Content-Type': 'application/rss+xml'})
  feed_server.routes['/latin1.xml'] = Route(
      200, '<rss><channel><item><title>Promoção de verão</title></item></channel></rss>'
      .encode('latin-1'), {'Content-Type': 'text/xml; charset=ISO-8859-1'})
  urls = [feed_server.url(path) for path in ('/feed.xml', '/latin1.xml', '/missing.xml')]
  options = PipelineOptions([])
  with test_pipeline.TestPipeline(options=options) as p:
    outputs = p | IngestWireItems([], urls, options.view_as(WirebeamOptions))
    assert_that(outputs[ITEMS] | beam.Map(lambda r: (r['headline'], r['source']['location'])),
                equal_to([('Ministers agree on budget', urls[0]),
                          ('Promoção de verão', urls[1])]), label='items')
    assert_that(outputs[DEAD_LETTERS] | beam.Map(lambda d: (d['stage'], d['reason'], d['source'], d['position'])),
                equal_to([('normalize', 'no_text', urls[0], 1),
                          ('read', 'http_error', urls[2], None)]), label='dead letters')
  user_agents = {headers['User-Agent'] for _, headers in feed_server.requests}
  assert len(user_agents) == 1 and user_agents.pop().startswith('wirebeam/')
