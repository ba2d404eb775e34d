import json
import pathlib

import pytest

from transforms.errors import InputError
from transforms.parse.ninjs import parse_ninjs

FIXTURES = pathlib.Path(__file__).parent / 'fixtures' / 'ninjs'
SEEDS = pathlib.Path(__file__).parents[1] / 'seeds'


def parse(name, folder=FIXTURES):
  return parse_ninjs((folder / name).read_bytes(), name)


def item(**fields):
  return json.dumps({'uri': 'urn:test:1', **fields}).encode('utf-8')


def test_ninjs_1_flat_item_prefers_plain_text_body_and_description():
  (entry,) = parse('ninjs-1-text.json')
  assert entry.format == 'ninjs' and entry.item_type == 'text'
  assert entry.guid == 'urn:newsml:wire.example.com:20261127:gdansk-port-strike'
  assert entry.version == '3'
  assert entry.title == 'Dock workers end three-day strike at Gdansk port'
  assert entry.body.startswith('GDANSK, Poland, Nov 27 (Sample Wire) - Dock workers')
  assert not entry.body_is_html
  assert entry.summary == 'Container traffic is expected to return to normal by Monday.'
  assert not entry.summary_is_html
  assert entry.byline == 'Marta Kowalska' and entry.located == 'Gdansk, Poland'
  assert entry.agency == 'Sample Wire'
  assert entry.firstcreated_raw == '2026-11-27T09:40:00+01:00'
  assert entry.versioncreated_raw == '2026-11-27T14:05:00+01:00'
  assert (entry.language, entry.pubstatus, entry.urgency) == ('en', 'usable', 3)
  assert entry.keywords == ['Labour disputes', 'Maritime transport']
  assert entry.raw == (FIXTURES / 'ninjs-1-text.json').read_bytes()


def test_ninjs_2_item_uses_main_headline_html_body_and_skips_credit_line():
  (entry,) = parse('ninjs-2-text.json')
  assert entry.title == 'Lisbon plans to freeze tram fares for 2027'
  assert entry.body_is_html and entry.body.startswith('<p>LISBON, Nov 28')
  assert entry.summary_is_html and entry.summary.startswith('<p>The city wants')
  assert entry.byline == 'Rui Almeida' and entry.located == 'Lisbon'
  assert entry.agency == 'Sample Wire'  # from infosources
  assert entry.urgency == 4  # given as the string "4"
  assert entry.language == 'en-GB'
  assert entry.keywords == ['PORTUGAL-TRANSPORT/FARES', 'transport', 'fares',
                            'Public transport']


def test_ninjs_3_camel_case_properties_are_read():
  (entry,) = parse('ninjs-3-text.json')
  assert entry.title == 'Iceland keeps Keflavik airport open as eruption slows'
  assert entry.firstcreated_raw == '2026-11-29T06:30:00Z'
  assert entry.versioncreated_raw == '2026-11-29T07:10:00Z'
  assert entry.pubstatus == 'withheld'
  assert entry.body.startswith('REYKJAVIK') and not entry.body_is_html
  assert entry.summary == 'Ash is drifting away from the airport, forecasters said.'
  assert entry.agency == 'Sample Wire'  # from infoSources
  assert entry.keywords == ['Volcanic eruption', 'Air transport']


def test_list_of_items_gives_one_entry_each_with_its_own_json_as_raw():
  text, picture = parse('ninjs-collection.json')
  assert [text.position, picture.position] == [0, 1]
  assert json.loads(text.raw)['uri'] == text.guid == (
      'urn:newsml:wire.example.com:20261130:nairobi-rains')
  assert picture.item_type == 'picture'
  assert picture.title == 'Flooded road in Nairobi'
  assert picture.summary.startswith('A matatu drives')  # the caption, not the credit
  assert picture.byline == 'Grace Wanjiru' and picture.body is None


def test_seed_is_a_ninjs_2_text_item_with_html_body():
  (entry,) = parse('ninjs-2-sample.json', SEEDS)
  assert entry.guid == 'urn:newsml:wire.example.com:20261127:istanbul-ferries-night'
  assert entry.body_is_html and entry.body.startswith('<p>ISTANBUL, Nov 27')
  assert entry.versioncreated_raw == '2026-11-27T12:05:00+03:00'
  assert entry.language == 'en' and entry.version == '2'


def test_ap_style_envelope_is_unwrapped():
  data = json.dumps({'data': {'items': [
      {'meta': {'score': 1}, 'item': {'uri': 'urn:a', 'headline': 'First'}},
      {'meta': {'score': 1}, 'item': {'uri': 'urn:b', 'headline': 'Second'}},
  ]}}).encode('utf-8')
  entries = parse_ninjs(data, 'f')
  assert [(e.guid, e.title) for e in entries] == [('urn:a', 'First'), ('urn:b', 'Second')]


def test_nitf_body_keeps_only_body_content():
  nitf = ('<?xml version="1.0" encoding="UTF-8"?><nitf><head><title>T</title></head>'
          '<body><body.head><hedline><hl1>Headline</hl1></hedline></body.head>'
          '<body.content><p>First.</p><p>Second.</p></body.content></body></nitf>')
  (entry,) = parse_ninjs(item(bodies=[{'role': 'nitf', 'contentType': 'text/vnd.IPTC.NITF',
                                        'value': nitf}]), 'f')
  assert entry.body_is_html and entry.body == '<p>First.</p><p>Second.</p>'


def test_extension_properties_and_fallbacks():
  (entry,) = parse_ninjs(item(
      headline_main='Main headline', body_main='Plain body', title='short-name',
      pubstatus='stat:Canceled', urgency=True, version=7,
      contentcreated='2026-01-01T00:00:00Z'), 'f')
  assert entry.title == 'Main headline' and entry.body == 'Plain body'
  assert not entry.body_is_html
  assert entry.pubstatus == 'stat:Canceled' and entry.urgency is None
  assert entry.version == '7'
  assert entry.firstcreated_raw == '2026-01-01T00:00:00Z'
  (untitled,) = parse_ninjs(item(title='Event title', type='event'), 'f')
  assert untitled.title == 'Event title' and untitled.item_type == 'event'


def test_list_element_that_is_not_an_object_is_kept_as_an_empty_entry():
  first, second = parse_ninjs(b'[{"uri": "urn:a", "headline": "A"}, 42]', 'f')
  assert first.title == 'A'
  assert second.raw == b'42' and second.guid is None and second.title is None


def test_utf16_json_is_read():
  (entry,) = parse_ninjs(item(headline='Größe').decode().encode('utf-16'), 'f')
  assert entry.title == 'Größe'


@pytest.mark.parametrize('data, reason', [
    (b'{"uri": "urn:a", "headline": ', 'invalid_json'),
    (b'[' * 100000 + b']' * 100000, 'invalid_json'),
    (b'{"uri": "urn:a", "headline": "caf\xe9"}', 'undecodable'),
    (b'{"version": "1.0", "title": "A blog post"}', 'not_ninjs'),
    (b'[]', 'not_ninjs'),
    (b'"just a string"', 'not_ninjs'),
])
def test_bad_input_raises_input_error(data, reason):
  with pytest.raises(InputError) as error:
    parse_ninjs(data, 'f')
  assert error.value.reason == reason


@pytest.mark.parametrize('obj, expected', [
    ({'uri': 'urn:a'}, True),
    ({'versionCreated': '2026-01-01T00:00:00Z', 'headlines': []}, True),
    ([{'title': 'x'}, {'headline': 'y'}], True),
    ({'items': [{'item': {'uri': 'urn:a'}}]}, True),
    ({'title': 'x', 'type': 'object', 'properties': {}}, False),
    ({'version': 'https://jsonfeed.org/version/1.1', 'items': [{'id': '1'}]}, False),
    ([], False),
    ('uri', False),
])
def test_what_counts_as_ninjs(obj, expected):
  data = json.dumps(obj).encode()
  if expected:
    assert parse_ninjs(data, 'f')
  else:
    with pytest.raises(InputError) as error:
      parse_ninjs(data, 'f')
    assert error.value.reason == 'not_ninjs'



def test_ninjs_2_metadata_subjects_rights_renditions_associations_and_entities():
  item = {
      'uri': 'urn:x:1', 'headline': 'H', 'embargoed': '2026-12-05T12:00:00Z',
      'copyrightholder': 'Sample Wire', 'usageterms': 'Editorial use only',
      'genre': [{'name': 'Analysis', 'uri': 'http://cv.iptc.org/newscodes/genre/Analysis'}],
      'subjects': [{'name': 'transport', 'uri': 'http://cv.iptc.org/newscodes/mediatopic/20000768'},
                   {'name': 'Local', 'literal': 'loc'}],
      'people': [{'name': 'Ana Costa', 'uri': 'http://cv.ap.org/id/abc123'}],
      'organisations': [{'name': 'Carris'}],
      'places': [{'name': 'Lisbon', 'uri': 'http://sws.geonames.org/2267057/'}],
      'renditions': [{'name': 'thumbnail', 'href': 'https://img.example/t.jpg',
                      'contentType': 'image/jpeg', 'width': 200, 'height': '133',
                      'sizeInBytes': 8000}, {'name': 'no-href'}],
      'associations': [{'name': 'featureimage', 'uri': 'urn:x:pic', 'type': 'picture',
                        'headlines': [{'value': 'A tram'}]}],
  }
  (entry,) = parse_ninjs(json.dumps(item).encode(), 'f')
  assert entry.subjects == [{'scheme': 'medtop', 'code': '20000768', 'name': 'transport'},
                            {'scheme': None, 'code': 'loc', 'name': 'Local'}]
  assert entry.genre == 'Analysis' and entry.embargoed_raw == '2026-12-05T12:00:00Z'
  assert (entry.copyright_holder, entry.usage_terms) == ('Sample Wire', 'Editorial use only')
  assert entry.renditions == [{'name': 'thumbnail', 'href': 'https://img.example/t.jpg',
                               'mime_type': 'image/jpeg', 'width': 200, 'height': 133,
                               'size_bytes': 8000}]
  assert entry.associations == [{'name': 'featureimage', 'uri': 'urn:x:pic',
                                 'type': 'picture', 'headline': 'A tram'}]
  assert [(e['type'], e['name'], e['id'], e['id_scheme']) for e in entry.source_entities] == [
      ('PER', 'Ana Costa', 'http://cv.ap.org/id/abc123', 'cv.ap.org'),
      ('ORG', 'Carris', None, None), ('LOC', 'Lisbon', '2267057', 'geonames')]


def test_ninjs_1_named_renditions_and_associations_and_scheme_code_concepts():
  item = {'uri': 'urn:x:1', 'headline': 'H',
          'renditions': {'main': {'href': 'https://img.example/m.jpg', 'mimetype': 'image/jpeg'}},
          'associations': {'mainpic': {'uri': 'urn:x:pic', 'type': 'picture', 'headline': 'P'}},
          'person': [{'name': 'A B', 'scheme': 'http://www.freebase.com/m/', 'code': '0abc'}]}
  (entry,) = parse_ninjs(json.dumps(item).encode(), 'f')
  assert [(r['name'], r['mime_type']) for r in entry.renditions] == [('main', 'image/jpeg')]
  assert entry.associations[0] == {'name': 'mainpic', 'uri': 'urn:x:pic', 'type': 'picture',
                                   'headline': 'P'}
  assert entry.source_entities[0]['id'] == 'http://www.freebase.com/m/0abc'


def test_malformed_uris_of_subjects_and_people_fail_nothing():
  (entry,) = parse_ninjs(b'{"uri": "u", "headline": "H", "subjects": [{"uri": "http://[::1"}],'
                         b' "people": [{"name": "Ana", "uri": "http://[x"}]}', 'f')
  assert entry.title == 'H' and entry.subjects[0]['scheme'] is None
  assert (entry.source_entities[0]['id'], entry.source_entities[0]['id_scheme']) == (
      'http://[x', None)


def test_an_nitf_body_of_media_alone_is_passed_over_and_an_unreadable_one_kept():
  picture = ('<nitf><body><body.head><hedline><hl1>Headline</hl1></hedline></body.head>'
             '<body.content><media><media-caption>Caption.</media-caption></media>'
             '</body.content></body></nitf>')
  (entry,) = parse_ninjs(item(bodies=[
      {'role': 'nitf', 'contentType': 'text/vnd.IPTC.NITF', 'value': picture}]), 'f')
  assert entry.body is None  # not the NITF markup, headline and all
  (entry,) = parse_ninjs(item(bodies=[
      {'role': 'nitf', 'contentType': 'text/vnd.IPTC.NITF', 'value': picture},
      {'role': 'main', 'contentType': 'text/html', 'value': '<p>HTML body.</p>'}]), 'f')
  assert entry.body == '<p>HTML body.</p>'
  (entry,) = parse_ninjs(item(bodies=[
      {'role': 'nitf', 'contentType': 'text/vnd.IPTC.NITF', 'value': '<p>Not NITF<p>'}]), 'f')
  assert (entry.body, entry.body_is_html) == ('<p>Not NITF<p>', True)
