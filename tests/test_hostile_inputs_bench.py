"""The hostile-inputs benchmark, on small inputs: its cases run and say what happened."""
from bench.hostile_inputs import in_process
from transforms.parse.xml_feed import MAX_ATTRIBUTES


def test_each_case_runs_in_its_own_process_and_reports():
  seconds, peak_mb, outcome = in_process('wirebeam', MAX_ATTRIBUTES + 1)
  assert outcome == 'too_many_attributes' and seconds >= 0 and peak_mb > 0
  assert in_process('feedparser', MAX_ATTRIBUTES + 1)[2] == '1 entries'
