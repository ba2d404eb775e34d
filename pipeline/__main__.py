"""``python -m pipeline``: a run, or ``python -m pipeline inspect DIR`` (``pipeline.cli``)."""
import sys

from pipeline.cli import command

sys.exit(command())
