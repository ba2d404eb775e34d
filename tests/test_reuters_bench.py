"""Reuters-21578 to pipeline input (SGML, ninjs, files, replication), and the
benchmarks built on it, run on a tiny corpus so that they keep working."""
import collections
import gc
import json
import pathlib

import pytest

from bench import dedup_growth, ner_share, stage_memory, throughput
from bench.reuters import (
  CORPUS_FOLDER,
  ReutersItem,
  load_reuters,
  main,
  replicate,
  sized_corpus,
  to_ninjs,
  write_inputs,
  write_wire_text,
)
from transforms.dedup.fingerprints import MinHasher
from transforms.dedup.settings import DedupSettings
from transforms.normalize.record import normalize_entry
from transforms.parse.entries import parse_source
from transforms.parse.ninjs import parse_ninjs

DATA = pathlib.Path(__file__).resolve().parents[2] / 'shared' / 'data'

# Three items in the corpus's own shape, written for this test: control
# characters as entities, "<" as &lt;, junk after a date, a brief without a
# body, and one Latin-1 byte.
SGML = '''<!DOCTYPE lewis SYSTEM "lewis.dtd">
<REUTERS TOPICS="YES" LEWISSPLIT="TRAIN" CGISPLIT="TRAINING-SET" OLDID="5544" NEWID="1">
<DATE>26-FEB-1987 15:01:01.79</DATE>
<TOPICS><D>cocoa</D></TOPICS>
<PLACES><D>el-salvador</D><D>usa</D></PLACES>
<PEOPLE></PEOPLE>
<ORGS></ORGS>
<EXCHANGES></EXCHANGES>
<COMPANIES></COMPANIES>
<UNKNOWN> 
&#5;&#5;&#5;C T
&#22;&#22;&#1;f0704&#31;reute
u f BC-TEST-COCOA-REVIEW   02-26 0105</UNKNOWN>
<TEXT>&#2;
<TITLE>TEST COCOA REVIEW</TITLE>
<DATELINE>    SALVADOR, Feb 26 - </DATELINE><BODY>Rain fell on the test cocoa zone
this week, the test cooperative said in its weekly review.
    Arrivals were 1,000 bags. Prices rose.
 Reuter
&#3;</BODY></TEXT>
</REUTERS>
<REUTERS TOPICS="NO" LEWISSPLIT="TRAIN" CGISPLIT="TRAINING-SET" OLDID="5545" NEWID="2">
<DATE>27-MAR-1987 00:02:59.13&#5;&#5;&#5;RM</DATE>
<TOPICS></TOPICS>
<PLACES><D>switzerland</D></PLACES>
<PEOPLE></PEOPLE>
<ORGS></ORGS>
<EXCHANGES></EXCHANGES>
<COMPANIES></COMPANIES>
<UNKNOWN> 
&#5;&#5;&#5;F
&#22;&#22;&#1;f0705&#31;reute
r f BC-TEST-BANK   03-27 0050</UNKNOWN>
<TEXT>&#2;
<TITLE>TEST BANK &lt;TBK> RAISES
DIVIDEND</TITLE>
<DATELINE>    Z\xfcRICH, March 27 - </DATELINE><BODY>Test Bank &lt;TBK> said it
raised its dividend.
 REUTER
&#3;</BODY></TEXT>
</REUTERS>
<REUTERS TOPICS="NO" LEWISSPLIT="TEST" CGISPLIT="TRAINING-SET" OLDID="5546" NEWID="3">
<DATE> 3-MAR-1987 09:15:05.40</DATE>
<TOPICS></TOPICS>
<PLACES></PLACES>
<PEOPLE></PEOPLE>
<ORGS></ORGS>
<EXCHANGES></EXCHANGES>
<COMPANIES></COMPANIES>
<UNKNOWN> 
&#5;&#5;&#5;F
&#22;&#22;&#1;f0706&#31;reute
b f BC-TEST-BRIEF   03-03 0010</UNKNOWN>
<TEXT TYPE="BRIEF">&#2;
******<TITLE>TEST COMPANY SEES HIGHER PROFIT
</TITLE>&#3;

</TEXT>
</REUTERS>
'''


@pytest.fixture
def data_path(tmp_path):
  folder = tmp_path / CORPUS_FOLDER
  folder.mkdir(parents=True)
  (folder / 'reut2-000.sgm').write_bytes(SGML.encode('latin-1'))
  return tmp_path


@pytest.fixture
def items(data_path):
  return load_reuters(data_path)


def test_load_reuters_decodes_the_sgml(items):
  cocoa, bank, brief = items
  assert [item.newid for item in items] == [1, 2, 3]
  assert cocoa.title == 'TEST COCOA REVIEW'
  assert cocoa.dateline == 'SALVADOR, Feb 26 -'
  assert cocoa.body == ('Rain fell on the test cocoa zone\nthis week, the test '
                        'cooperative said in its weekly review.\n'
                        '    Arrivals were 1,000 bags. Prices rose.')
  assert cocoa.date == '26-FEB-1987 15:01:01.79'
  assert (cocoa.topics, cocoa.places) == (('cocoa',), ('el-salvador', 'usa'))
  assert bank.title == 'TEST BANK <TBK> RAISES DIVIDEND'
  assert bank.dateline == 'ZüRICH, March 27 -'
  assert bank.body == 'Test Bank <TBK> said it\nraised its dividend.'
  assert bank.date == '27-MAR-1987 00:02:59.13RM'
  assert brief.title == 'TEST COMPANY SEES HIGHER PROFIT'
  assert brief.body is None and brief.dateline is None


def test_load_reuters_says_where_to_get_the_data(tmp_path):
  with pytest.raises(FileNotFoundError, match='colibri17/TextCategorization'):
    load_reuters(tmp_path)


def test_to_ninjs(items):
  cocoa, bank, brief = items
  assert to_ninjs(cocoa) == {
      'uri': 'urn:reuters21578:1', 'type': 'text', 'language': 'en',
      'versioncreated': '1987-02-26T15:01:01.790Z',
      'headline': 'TEST COCOA REVIEW',
      'body_text': 'SALVADOR, Feb 26 - ' + cocoa.body}
  assert to_ninjs(bank)['versioncreated'] == '1987-03-27T00:02:59.130Z'
  assert 'body_text' not in to_ninjs(brief)
  assert 'versioncreated' not in to_ninjs(ReutersItem(newid=4, date='MAR-1987'))


def test_written_files_parse_as_one_entry_per_item(items, tmp_path):
  untitled = ReutersItem(newid=4, date='')
  paths = write_inputs(items + [untitled], tmp_path / 'out', items_per_file=2)
  assert [path.name for path in paths] == ['reuters21578-00000.json',
                                           'reuters21578-00001.json']
  entries = [entry for path in paths
             for entry in parse_source(str(path), path.read_bytes())]
  assert [(e.format, e.guid, e.title) for e in entries] == [
      ('ninjs', 'urn:reuters21578:1', 'TEST COCOA REVIEW'),
      ('ninjs', 'urn:reuters21578:2', 'TEST BANK <TBK> RAISES DIVIDEND'),
      ('ninjs', 'urn:reuters21578:3', 'TEST COMPANY SEES HIGHER PROFIT')]
  with pytest.raises(FileExistsError):
    write_inputs(items, tmp_path / 'out')


def test_replicate_is_deterministic_with_unique_uris(items):
  copies = replicate(items, 4, seed=7)
  assert copies == replicate(items, 4, seed=7)
  assert copies != replicate(items, 4, seed=8)
  assert copies[:3] == items
  uris = [to_ninjs(item)['uri'] for item in copies]
  assert len(uris) == 12 and len(set(uris)) == 12
  assert {item.newid for item in copies[3:6]} == {11, 12, 13}
  assert replicate(items, 1, seed=7) == items


def test_command_line_writes_the_files(data_path, tmp_path, capsys):
  main([str(data_path), str(tmp_path / 'out'), '--factor', '2', '--items-per-file', '4'])
  assert capsys.readouterr().out.splitlines() == [
      'read 3 items, 2 with a body',
      'replicated to 6 items (factor 2, seed 0)',
      f'wrote 6 items with a body or title in 2 files under {tmp_path / "out"}']
  written = json.loads((tmp_path / 'out' / 'reuters21578-00001.json').read_text())
  assert len(written) == 2


def test_wire_text_files_are_the_first_items_with_a_title_and_a_body(items, tmp_path):
  both = [item for item in items if item.title and item.body]
  assert len(both) == 2 < len(items)
  assert [p.name for p in write_wire_text(items, tmp_path / 'all')] == [
      f'reuters21578-{item.newid:05d}.txt' for item in both]
  (first,) = write_wire_text(items, tmp_path / 'one', count=1)
  assert first.read_text(encoding='utf-8').startswith(f'{both[0].title}\n')


def test_command_line_writes_exactly_n_items_as_the_throughput_benchmark_runs(
    data_path, tmp_path, capsys):
  main([str(data_path), str(tmp_path / 'out'), '--items', '7'])
  printed = capsys.readouterr().out.splitlines()
  assert printed[0] == 'read 7 items, 5 with a body' and printed[-1].startswith('wrote 7 items')
  written = json.loads((tmp_path / 'out' / 'reuters21578-00000.json').read_text())
  assert [item['uri'] for item in written] == [
      to_ninjs(item)['uri'] for item in sized_corpus(data_path, 7)]
  assert len({item['uri'] for item in written}) == 7  # the corpus's 3 and perturbed copies
  for refused, said in ((['--items', '7', '--factor', '2'], '--items replaces --factor'),
                        (['--items', '0'], 'must be at least 1')):
    with pytest.raises(SystemExit):
      main([str(data_path), str(tmp_path / 'again')] + refused)
    assert said in capsys.readouterr().err


@pytest.mark.skipif(not (DATA / CORPUS_FOLDER).is_dir(),
                    reason=f'no Reuters-21578 under {DATA}')
def test_real_corpus_counts():
  items = load_reuters(DATA)
  assert len(items) == 21578
  assert len({item.newid for item in items}) == 21578
  assert sum(1 for item in items if item.body) == 19043
  assert sum(1 for item in items if item.title) == 20841
  # The data README counts 279 groups (560 items) of bodies equal up to
  # whitespace, sign-off kept; bodies that differ only in "Reuter" versus
  # "REUTER" make 60 more groups (122 items) once it is dropped.
  bodies = collections.Counter(' '.join(item.body.split()) for item in items if item.body)
  repeated = [count for count in bodies.values() if count > 1]
  assert (len(repeated), sum(repeated)) == (339, 682)


def test_throughput_benchmark_runs_on_a_tiny_corpus(data_path, capsys):
  """Both sides on six items (three and their perturbed copies), with NER:
  every run in the table, and the same items and verdicts on each side."""
  throughput.main([str(data_path), '--items', '6'])
  out = capsys.readouterr().out
  rows = [line.split(' | ') for line in out.splitlines() if line.startswith('| plain')
          or line.startswith('| wirebeam')]
  assert [(row[0], row[1]) for row in rows] == [
      ('| plain loop, 1 process', '6'), ('| wirebeam, DirectRunner, 1 worker', '6'),
      ('| wirebeam, DirectRunner, 2 processes', '6')]
  assert 'entities' in out and 'same 6 items with the same dedup verdicts' in out


def test_throughput_benchmark_runs_one_configuration_alone(data_path, capsys):
  """A long memory measure need not wait for the other runs: no ratio then."""
  throughput.main([str(data_path), '--items', '6', '--runs', 'one'])
  rows = [line.split(' | ') for line in capsys.readouterr().out.splitlines()
          if line.startswith('| wirebeam') or line.startswith('| plain')]
  assert [(row[0], row[1], row[4]) for row in rows] == [
      ('| wirebeam, DirectRunner, 1 worker', '6', '-')]


def test_throughput_benchmark_refuses_runs_that_did_different_work():
  baseline = {'a': (True, None, 2), 'b': (False, 'a', 0)}
  assert throughput.different_work(baseline, dict(baseline), 'same') is None
  assert throughput.different_work(baseline, {'a': (True, None, 2), 'b': (True, None, 0)},
                                   'verdict') == (
      "verdict: 1 items differ from the plain loop (missing, dedup verdict or "
      "number of entities), first ['b']")
  assert 'first [\'b\']' in throughput.different_work(baseline, {'a': baseline['a']}, 'lost')


def test_ner_share_benchmark_runs_on_a_tiny_corpus(data_path, capsys):
  """The command (with and without NER) and NER alone, each in its own process,
  on the items with a title and a body (two of the three), and their ratio."""
  assert ner_share.main([str(data_path), '--items', '5']) == 0
  out = capsys.readouterr().out
  assert out.startswith('2 plain-text Reuters-21578 items')
  rows = [line.split(' | ')[0] for line in out.splitlines() if line.startswith('| ')]
  assert rows == ['| run', '| the command, every stage on', '| the command, --no-entities',
                  '| spaCy NER alone, start-up included']
  assert 'NER alone / the command (wall): ' in out


def test_dedup_growth_benchmark_runs_on_a_tiny_corpus(data_path, capsys):
  dedup_growth.main([str(data_path), '--sizes', '3', '6'])
  rows = [line.split(' | ') for line in capsys.readouterr().out.splitlines()[2:]]
  assert [row[0] for row in rows] == ['| 3', '| 6']
  assert rows[1][4].endswith('for 2x items')


def test_plain_loop_names_the_root_of_a_chain_as_the_stage_does():
  """The third story is three edits from the second (Jaccard 0.78) and six
  from the first (0.60, no match): it is a duplicate of the first, through
  the second, as the dedup stage says."""
  first = [f'word{i}' for i in range(100)]
  second = [f'edit{i}' if i in (20, 50, 80) else word for i, word in enumerate(first)]
  third = [f'again{i}' if i in (35, 65, 95) else word for i, word in enumerate(second)]
  items = [{'uri': f'urn:test:{n}', 'type': 'text', 'language': 'en',
            'versioncreated': f'2026-11-29T10:0{n}:00Z', 'headline': 'Same story',
            'body_text': ' '.join(body)}
           for n, body in enumerate((first, second, third))]
  records = [normalize_entry(entry, 1 << 20)
             for entry in parse_ninjs(json.dumps(items).encode(), 'test')]
  throughput.plain_dedup(records, MinHasher(128), DedupSettings())
  assert [(r['uri'], r['duplicate_of'], r['duplicate_reason']) for r in records] == [
      ('urn:test:0', None, None),
      ('urn:test:1', 'urn:test:0', 'near_duplicate'),
      ('urn:test:2', 'urn:test:0', 'near_duplicate')]


def test_stage_memory_charges_a_real_run_to_its_stages(tmp_path, capsys):
  seeds = pathlib.Path(__file__).resolve().parents[1] / 'seeds'
  thresholds = gc.get_threshold()
  try:
    code = stage_memory.main(['--top', '3', '--by', 'seconds', '--input', str(seeds),
                              '--output', str(tmp_path / 'out'), '--no-entities'])
  finally:
    gc.set_threshold(*thresholds)
  assert code == 0
  printed = capsys.readouterr().out
  rows = [line.split(' | ') for line in printed.splitlines()
          if line.startswith('| ') and 'MB' not in line]
  assert len(rows) == 3 and any('Dedup' in row[2] or 'Read' in row[2] for row in rows)
  seconds = [float(row[1]) for row in rows]
  assert seconds == sorted(seconds, reverse=True) and seconds[0] > 0
  assert 'MB peak resident; its' in printed and ' stages ' in printed
  assert list((tmp_path / 'out' / 'items').glob('*.avro'))
  assert stage_memory.first_step('((A/Read)+(B))+(C)') == 'A/Read'
  assert stage_memory.first_step('((Map(f))+(B))') == 'Map(f)'
