"""The same records from every runner: direct, multi-process and portable (Fn API)."""
import glob
import json
import os
import pathlib
import socket
import subprocess
import sys
import time

import fastavro
import pytest
from test_dedup_pipeline import write_dedup_inputs

REPO = pathlib.Path(__file__).parents[1]
SEEDS = REPO / 'seeds'


def free_port() -> int:
  with socket.socket() as sock:
    sock.bind(('127.0.0.1', 0))
    return sock.getsockname()[1]


def worker_env() -> dict:
  """PATH with this interpreter's folder first: Beam's pool starts 'python'."""
  env = dict(os.environ)
  env['PATH'] = os.path.dirname(sys.executable) + os.pathsep + env.get('PATH', '')
  return env


@pytest.fixture(scope='module')
def worker_pool():
  port = free_port()
  pool = subprocess.Popen([sys.executable, '-m', 'pipeline.worker_pool',
                           f'--service_port={port}'], env=worker_env(),
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
  deadline = time.monotonic() + 60
  while time.monotonic() < deadline:
    assert pool.poll() is None, 'the worker pool exited'
    try:
      socket.create_connection(('127.0.0.1', port), timeout=1).close()
      break
    except OSError:
      time.sleep(0.2)
  yield f'localhost:{port}'
  pool.terminate()
  pool.wait(timeout=30)


@pytest.fixture(scope='module')
def inputs(tmp_path_factory):
  folder = tmp_path_factory.mktemp('runner-inputs')
  write_dedup_inputs(folder)
  (folder / 'broken.json').write_bytes(b'{"uri": ')
  return folder


def run_and_read(inputs, output, runner_args):
  result = subprocess.run(
      [sys.executable, '-m', 'pipeline', '--input', str(inputs), '--input', str(SEEDS),
       '--output', str(output), *runner_args],
      cwd=REPO, env=worker_env(), capture_output=True, text=True, timeout=600,
      check=False)
  assert result.returncode == 0, result.stderr[-3000:]
  assert 'every input accounted for' in result.stdout
  # Beam's chatter, from this process and its workers, is hidden by default.
  assert 'Discarding unparseable args' not in result.stderr
  assert len(result.stderr.splitlines()) < 10, result.stderr
  records = {}
  for folder in ('items', 'dead_letters', 'dedup_index'):
    rows = []
    for path in glob.glob(os.path.join(output, folder, '*.avro')):
      with open(path, 'rb') as f:
        rows.extend(fastavro.reader(f))
    for row in rows:
      row.pop('failed_at', None)  # when a dead letter was made: differs per run
      row.pop('last_seen', None)  # an index row's run start: differs per run
    records[folder] = sorted(json.dumps(r, sort_keys=True, default=str) for r in rows)
  return records


@pytest.fixture(scope='module')
def direct_records(inputs, tmp_path_factory):
  return run_and_read(inputs, tmp_path_factory.mktemp('direct'), [])


@pytest.mark.e2e
@pytest.mark.parametrize('runner_args', [
    ['--direct_num_workers=2', '--direct_running_mode=multi_processing'],
    ['--runner=PortableRunner', '--job_endpoint=embed', '--environment_type=LOOPBACK'],
], ids=['multi_processing', 'portable_loopback'])
def test_runner_gives_the_same_records_as_the_direct_runner(
    inputs, direct_records, tmp_path, runner_args):
  assert len(direct_records['items']) == 20 and len(direct_records['dead_letters']) == 1
  assert len(direct_records['dedup_index']) == 19  # the one re-sighting is not kept
  assert run_and_read(inputs, tmp_path, runner_args) == direct_records


@pytest.mark.e2e
def test_portable_runner_with_an_external_worker_pool(inputs, direct_records, tmp_path,
                                                      worker_pool):
  assert run_and_read(inputs, tmp_path, [
      '--runner=PortableRunner', '--job_endpoint=embed', '--environment_type=EXTERNAL',
      f'--environment_config={worker_pool}']) == direct_records


def test_worker_pool_refuses_a_python_without_wirebeam(tmp_path):
  fake_bin = tmp_path / 'bin'
  fake_bin.mkdir()
  (fake_bin / 'python').symlink_to('/usr/bin/python3' if os.path.exists('/usr/bin/python3')
                                   else sys.base_prefix + '/bin/python3')
  env = dict(os.environ, PATH=str(fake_bin))
  result = subprocess.run([sys.executable, '-m', 'pipeline.worker_pool',
                           '--service_port=0'], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120, check=False)
  assert result.returncode == 2
  assert 'cannot import wirebeam' in result.stderr
