"""bench/same_records.py end to end on the seeds: the same code both sides, the
before side run by the interpreter that --python-before names."""
import pathlib
import shlex
import sys

import pytest

from bench import same_records

REPO = pathlib.Path(__file__).resolve().parents[1]


def test_the_before_side_runs_with_its_own_interpreter_and_the_records_match(tmp_path, capsys):
  calls = tmp_path / 'calls'
  python = tmp_path / 'python-before'
  python.write_text('#!/bin/sh\n'
                    f'echo "$@" >> {shlex.quote(str(calls))}\n'
                    f'exec {shlex.quote(sys.executable)} "$@"\n')
  python.chmod(0o755)
  assert same_records.main([str(REPO), '--inputs', 'seeds',
                            '--python-before', str(python)]) == 0
  rows = [line for line in capsys.readouterr().out.splitlines()
          if line.startswith('| seeds |')]
  assert len(rows) == 1 and rows[0].endswith('| yes |')
  (call,) = calls.read_text().splitlines()  # the before run only
  assert call.startswith('-m pipeline --output ')
  assert call.endswith(f'--input {REPO / "seeds"}')


def test_an_interpreter_that_is_not_there_is_a_usage_error(tmp_path, capsys):
  with pytest.raises(SystemExit) as stopped:
    same_records.main([str(REPO), '--inputs', 'seeds',
                       '--python-before', str(tmp_path / 'no-python')])
  assert stopped.value.code == 2
  assert 'no-python is not an executable file' in capsys.readouterr().err


def test_a_before_folder_without_the_code_is_a_usage_error(tmp_path, capsys):
  with pytest.raises(SystemExit) as stopped:
    same_records.main([str(tmp_path), '--inputs', 'seeds'])
  assert stopped.value.code == 2
  assert 'is not a checkout of wirebeam' in capsys.readouterr().err
