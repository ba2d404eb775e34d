"""The metadata builders every parser shares."""
import pytest

from transforms.parse import metadata


@pytest.mark.parametrize('uri, vocabulary', [
    ('http://cv.iptc.org/newscodes/mediatopic/20000538', 'medtop'),
    ('http://cv.iptc.org/newscodes/subjectcode/04015000', 'subj'),
    ('https://sws.geonames.org/2267057/', 'geonames'),
    ('http://cv.ap.org/id/86aad5207dac100488ecba7fa5283c3e', 'cv.ap.org'),
    ('medtop:20000538', 'medtop'),
    ('gycon:89109', 'gycon'),
    ('not a uri', None),
])
def test_uri_vocabulary(uri, vocabulary):
  assert metadata.uri_vocabulary(uri) == vocabulary


@pytest.mark.parametrize('line, holder', [
    ('Copyright Business Wire 2013', 'Business Wire'),
    ('© 2026 Sample Wire', 'Sample Wire'),
    ('(c) 2019-2026 Sample Wire. All rights reserved.', 'Sample Wire'),
    ('Sample Wire', 'Sample Wire'),
    ('Copyright 2017-18 - Sample Newswire', 'Sample Newswire'),
    ('© Sample Wire 2026. All Rights Reserved.', 'Sample Wire'),
    ('Copyright © 2026 by Sample Wire', 'Sample Wire'),
    ('Copyright (C) 2026, Sample Wire Ltd.', 'Sample Wire Ltd'),
    ('All rights reserved', None),
    ('', None),
    (None, None),
])
def test_copyright_holder_of_a_copyright_line(line, holder):
  assert metadata.copyright_holder(line) == holder


def test_rendition_reads_numbers_given_as_text_and_refuses_what_is_not_one():
  assert metadata.rendition(' https://a/b ', width='640', height=480.0,
                            size_bytes='12345678901') == {
      'name': None, 'href': 'https://a/b', 'mime_type': None, 'width': 640,
      'height': 480, 'size_bytes': 12345678901}
  wrong = metadata.rendition('https://a/b', width='wide', height=True, size_bytes=-1)
  assert (wrong['width'], wrong['height'], wrong['size_bytes']) == (None, None, None)
  assert metadata.rendition('  ') is None


def test_qcode_subject_and_scheme_name():
  assert metadata.qcode_subject('medtop:20000538', None, 'n') == {
      'scheme': 'medtop', 'code': '20000538', 'name': 'n'}
  assert metadata.qcode_subject(None, 'http://cv.iptc.org/newscodes/subjectcode/04015000/',
                                None)['code'] == '04015000'
  assert metadata.scheme_name('http://cv.iptc.org/newscodes/mediatopic/') == 'medtop'
  assert metadata.scheme_name('https://wire.example.com/sections') == (
      'https://wire.example.com/sections')


def test_copyright_holder_of_a_line_padded_with_thousands_of_blanks():
  # Each run of blanks is read once: the holder comes back with one space.
  padded = 'Copyright' + ' ' * 5000 + 'Sample\t\n Wire' + ' ' * 5000 + '2026' + ' ' * 5000
  assert metadata.copyright_holder(padded) == 'Sample Wire'
  assert metadata.copyright_holder('x' + ' ' * 20000 + 'y') == 'x y'
  assert metadata.copyright_holder('Sample' + ',' * 50000 + ' 2026') == 'Sample'
  assert metadata.copyright_holder('Copyright ' + '©' * 50000 + ' Wire') == 'Wire'


@pytest.mark.parametrize('uri', ['http://[::1', 'http://[x/y', 'https://[oops]/a'])
def test_a_malformed_uri_names_no_vocabulary_and_fails_nothing(uri):
  assert metadata.uri_vocabulary(uri) is None and metadata.uri_host(uri) is None
  entity = metadata.source_entity('PER', 'Ana', uri)
  assert (entity['id'], entity['id_scheme']) == (uri, None)
  assert metadata.scheme_name(uri) == uri
