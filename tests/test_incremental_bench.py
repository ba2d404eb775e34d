"""The runs-follow-runs benchmark, on a tiny corpus, so that it keeps working."""
import pathlib
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).parents[1]
FEED = (REPO / 'seeds' / 'rss-sample.xml').read_bytes()


@pytest.mark.e2e
def test_the_incremental_benchmark_runs_and_checks_its_output(tmp_path):
  (tmp_path / 'feeds').mkdir()
  (tmp_path / 'feeds' / 'feed.xml').write_bytes(FEED)
  result = subprocess.run(
      [sys.executable, '-m', 'bench.incremental', str(tmp_path), '--history', '0', '300',
       '--new-items', '2', '--runs', '14'],
      cwd=REPO, capture_output=True, text=True, timeout=600, check=False)
  assert result.returncode == 0, result.stdout + result.stderr
  runs, compactions = (
      [line for line in block.splitlines() if line.startswith('| ')]
      for block in result.stdout.split('\n\n') if block.startswith('| history'))
  table = runs
  assert len(table) == 1 + 3 * 2  # the header, three runs per history size
  assert [line.split(' | ')[1] for line in compactions[1:]] == [
      'rewrite every row (once a day)', "add the runs' rows (every 12 runs)",
      'rewrite every row (once a day)']
  assert '| 300 |  | again |' in result.stdout
  assert 'items through language and NER' in table[0]
  # The scheduled run enriched only the new items; the repeat none.
  assert table[2].endswith('| 0 |') and table[3].endswith('| 2 |')
  assert 'Files after 14 runs' in result.stdout and 'dedup_index 5' in result.stdout
  assert 're-sighting records matching its full records' in result.stdout
