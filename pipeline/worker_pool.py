"""``python -m pipeline.worker_pool --service_port N``: Beam's worker pool, checked first.

With ``--environment_type=EXTERNAL`` a runner asks a worker pool to start
SDK workers, and Beam's pool starts them with the bare ``python`` found on
PATH. When that python lacks wirebeam, every worker dies on import and the
job hangs without a word. This wrapper checks that python first and stops
with a clear message instead.
"""
import shutil
import subprocess
import sys

from apache_beam.runners.worker import worker_pool_main

# What a worker must import: the SDK harness and wirebeam's own packages.
REQUIRED_MODULES = ('apache_beam.runners.worker.sdk_worker_main', 'pipeline',
                    'transforms', 'schemas')


def worker_python_problem() -> str:
  """Why the python workers would be started with cannot run wirebeam, or ''."""
  python = shutil.which('python')
  if python is None:
    return ('there is no "python" on PATH, and Beam starts its workers with it; '
            'put the bin folder of the virtual environment that has wirebeam '
            'first on PATH')
  check = subprocess.run(
      [python, '-c', f'import {", ".join(REQUIRED_MODULES)}'],
      capture_output=True, text=True, timeout=120, check=False)
  if check.returncode:
    error = (check.stderr.strip().splitlines() or ['unknown error'])[-1]
    return (f'workers would run {python}, which cannot import wirebeam ({error}); '
            'activate the virtual environment where wirebeam is installed, or put '
            'its bin folder first on PATH, then start the pool again')
  return ''


def main(argv=None) -> int:
  problem = worker_python_problem()
  if problem:
    print(f'wirebeam worker pool: {problem}', file=sys.stderr)
    return 2
  worker_pool_main.main(sys.argv if argv is None else argv)
  return 0


if __name__ == '__main__':
  sys.exit(main())
