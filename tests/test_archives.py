"""gzip and zip inputs: members as sources, limits after decompression."""
import gzip
import io
import zipfile

import apache_beam as beam
import pytest
from apache_beam.testing import test_pipeline
from apache_beam.testing.util import assert_that, equal_to

from transforms.errors import InputError
from transforms.read import archives
from transforms.read.sources import ReadSources
from transforms.tags import DEAD_LETTERS, SOURCES

STORY = b'Oil falls\nLONDON, Oct 6 (Reuters) - Oil fell.\n'


def zipped(*members, compression=zipfile.ZIP_DEFLATED) -> bytes:
  buffer = io.BytesIO()
  with zipfile.ZipFile(buffer, 'w', compression) as archive:
    for name, data in members:
      archive.writestr(name, data)
  return buffer.getvalue()


def unpacked(location, data, max_bytes=1000):
  return [(member.location, member.data, member.refusal and member.refusal.reason)
          for member in archives.unpack(location, data, max_bytes)]


def test_gzip_member_takes_its_stored_name_else_the_file_name():
  with_name = io.BytesIO()
  with gzip.GzipFile('wire.xml', 'wb', fileobj=with_name, mtime=0) as f:
    f.write(STORY)
  assert unpacked('in/feed.gz', with_name.getvalue()) == [('in/feed.gz!wire.xml', STORY, None)]
  assert unpacked('in/story.txt.gz', gzip.compress(STORY, mtime=0)) == [
      ('in/story.txt.gz!story.txt', STORY, None)]


def test_zip_members_in_order_without_folders_and_hidden_files():
  data = zipped(('a/one.txt', STORY), ('a/.DS_Store', b'x'), ('__MACOSX/a/._one.txt', b'x'),
                ('two.txt', STORY))
  assert unpacked('bundle.zip', data) == [
      ('bundle.zip!a/one.txt', STORY, None), ('bundle.zip!two.txt', STORY, None)]


def test_a_bomb_is_refused_after_at_most_the_cap_is_unpacked():
  bomb = zipped(('bomb.txt', b'\0' * (50 << 20)), ('fine.txt', STORY))
  assert len(bomb) < 100_000
  assert unpacked('bomb.zip', bomb) == [
      ('bomb.zip!bomb.txt', None, 'input_too_large'), ('bomb.zip!fine.txt', STORY, None)]
  assert unpacked('bomb.gz', gzip.compress(b'\0' * (50 << 20))) == [
      ('bomb.gz!bomb', None, 'input_too_large')]


def test_members_past_the_count_cap_are_one_dead_letter():
  members = [(member.location, member.refusal and member.refusal.reason) for member in
             archives.unpack('many.zip', zipped(*[(f'{n}.txt', STORY) for n in range(5)]),
                             1000, max_members=2)]
  assert [reason for _, reason in members] == [None, None, 'archive_members_not_read']
  assert members[-1][0] == 'many.zip'  # the archive, which --replay reads again


def test_bytes_past_the_total_cap_are_one_dead_letter(monkeypatch):
  monkeypatch.setattr(archives, 'MAX_TOTAL_FACTOR', 1)
  members = unpacked('big.zip', zipped(*[(f'{n}.txt', b'x' * 600) for n in range(3)]))
  assert [reason for _, _, reason in members] == [None, None, 'archive_members_not_read']


def test_one_level_of_nesting_is_unpacked_a_second_refused():
  inner = zipped(('deep.txt', STORY))
  assert unpacked('outer.zip', zipped(('inner.zip', inner), ('s.gz', gzip.compress(STORY))),
                  max_bytes=10_000) == [
      ('outer.zip!inner.zip!deep.txt', STORY, None), ('outer.zip!s.gz!s', STORY, None)]
  deeper = zipped(('middle.zip', zipped(('inner.zip', inner))))
  assert unpacked('outer.zip', deeper, max_bytes=10_000) == [
      ('outer.zip!middle.zip!inner.zip', None, 'nested_archive')]


def test_documents_are_not_archives_and_broken_archives_are_refused():
  docx = zipped(('[Content_Types].xml', b'<Types/>'), ('word/document.xml', b'<w/>'))
  assert not archives.is_archive(docx)
  assert archives.is_archive(zipped(('a.txt', STORY)))
  for name, data in (('broken.zip', b'PK\x03\x04' + b'\0' * 40),
                     ('broken.gz', gzip.compress(STORY)[:-12])):
    with pytest.raises(InputError) as refused:
      unpacked(name, data)
    assert refused.value.reason == 'bad_archive'


@pytest.mark.parametrize('compression', [zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2,
                                         zipfile.ZIP_LZMA])
def test_a_corrupt_member_is_refused_and_the_others_are_read(compression):
  story = STORY * 40
  data = bytearray(zipped(('broken.txt', story), compression=compression))
  start = data.index(b'broken.txt') + len('broken.txt') + 20  # into its compressed bytes
  data[start:start + 8] = bytes(b ^ 0xFF for b in data[start:start + 8])
  whole = zipped(('broken.txt', bytes(data)), ('good.txt', STORY), compression=zipfile.ZIP_STORED)
  members = unpacked('outer.zip', whole, max_bytes=10_000)
  assert ('outer.zip!good.txt', STORY, None) in members
  ((location, _, reason),) = [m for m in members if m[0].endswith('broken.txt!broken.txt')]
  assert reason == 'bad_archive'


def test_read_stage_yields_members_as_sources_and_refusals_as_dead_letters(tmp_path):
  (tmp_path / 'bundle.zip').write_bytes(zipped(('one.txt', STORY), ('bomb.txt', b'0' * 5000)))
  (tmp_path / 'plain.txt').write_bytes(STORY)
  with test_pipeline.TestPipeline() as p:
    outputs = p | ReadSources([str(tmp_path)], [], max_input_bytes=1000)
    assert_that(outputs[SOURCES] | beam.Map(lambda s: (s.location[len(str(tmp_path)):], s.data)),
                equal_to([('/bundle.zip!one.txt', STORY), ('/plain.txt', STORY)]),
                label='sources')
    assert_that(outputs[DEAD_LETTERS] | beam.Map(
        lambda d: (d['source'][len(str(tmp_path)):], d['stage'], d['reason'],
                   d['error'].split(': ')[0][len(str(tmp_path)):])),
                equal_to([('/bundle.zip', 'read', 'input_too_large', '/bundle.zip!bomb.txt')]),
                label='dead letters')
