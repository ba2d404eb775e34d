"""What remote workers get: the wheel and the --setup_file sdist carry everything."""
import glob
import os
import pathlib
import subprocess
import sys
import tarfile
import venv

import fastavro
import pytest

REPO = pathlib.Path(__file__).parents[1]


def run(command, **kwargs):
  result = subprocess.run(command, capture_output=True, text=True, timeout=900,
                          check=False, **kwargs)
  assert result.returncode == 0, (command, result.stdout[-2000:], result.stderr[-3000:])
  return result


def test_setup_file_sdist_carries_the_schemas(tmp_path):
  """Beam's --setup_file runs 'setup.py sdist' and installs that on workers."""
  run([sys.executable, 'setup.py', '-q', 'sdist', '--dist-dir', str(tmp_path)], cwd=REPO)
  (sdist,) = glob.glob(str(tmp_path / 'wirebeam-*.tar.gz'))
  with tarfile.open(sdist) as archive:
    names = {name.split('/', 1)[1] for name in archive.getnames() if '/' in name}
  for needed in ('schemas/wire_item.avsc', 'schemas/dead_letter.avsc',
                 'schemas/dedup_index.avsc', 'pipeline/run.py', 'transforms/dedup/index.py'):
    assert needed in names


@pytest.mark.e2e
def test_wheel_installs_in_a_clean_venv_and_runs_outside_the_checkout(tmp_path):
  wheels = tmp_path / 'wheels'
  run([sys.executable, '-m', 'pip', 'wheel', '--no-deps', '-q', '-w', str(wheels), str(REPO)])
  (wheel,) = glob.glob(str(wheels / 'wirebeam-*.whl'))
  env_dir = tmp_path / 'venv'
  venv.create(env_dir, with_pip=True)
  python = str(env_dir / 'bin' / 'python')
  run([python, '-m', 'pip', 'install', '-q', wheel])
  elsewhere = tmp_path / 'elsewhere'
  elsewhere.mkdir()
  (elsewhere / 'item.txt').write_text(
      'Ministers agree on budget\nBRUSSELS (Reuters) - Ministers agreed on the budget.')
  result = run([str(env_dir / 'bin' / 'wirebeam'), '--input', 'item.txt', '--output', 'out'],
               cwd=elsewhere, env=dict(os.environ, PYTHONPATH=''))
  assert 'every input accounted for' in result.stdout
  (path,) = glob.glob(str(elsewhere / 'out' / 'items' / '*.avro'))
  with open(path, 'rb') as f:
    (record,) = list(fastavro.reader(f))
  assert record['headline'] == 'Ministers agree on budget' and record['agency'] == 'Reuters'
  # Installed from a wheel there are no bundled seeds: say so instead of failing.
  no_input = subprocess.run([str(env_dir / 'bin' / 'wirebeam')], cwd=elsewhere,
                            capture_output=True, text=True, timeout=300, check=False)
  assert no_input.returncode == 2 and 'no seeds folder' in no_input.stderr
