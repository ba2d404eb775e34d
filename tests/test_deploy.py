"""The worker container definition is valid and matches what jobs are launched with."""
import os
import pathlib
import re
import shutil
import subprocess
import sys

import apache_beam

REPO = pathlib.Path(__file__).parents[1]
DOCKERFILE = REPO / 'deploy' / 'Dockerfile'


def test_dockerfile_passes_hadolint():
  # Installed beside this interpreter, whether or not its venv is activated.
  hadolint = shutil.which('hadolint', path=os.pathsep.join(
      (os.path.dirname(sys.executable), os.environ.get('PATH', ''))))
  assert hadolint, 'hadolint comes with the test extras (pip install -e ".[test]")'
  result = subprocess.run([hadolint, str(DOCKERFILE)], capture_output=True, text=True,
                          timeout=60, check=False)
  assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_uses_the_beam_version_jobs_are_launched_with():
  text = DOCKERFILE.read_text()
  (image,) = re.findall(r'^FROM (\S+)', text, re.MULTILINE)
  assert image == f'apache/beam_python3.11_sdk:{apache_beam.__version__}'
  for source in re.findall(r'^COPY (.+) \S+$', text, re.MULTILINE):
    for path in source.split():
      assert (REPO / path).exists(), path
