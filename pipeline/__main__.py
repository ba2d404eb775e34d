"""``python -m pipeline``: a run, or ``python -m pipeline inspect DIR`` (``pipeline.cli``)."""
import sys

from pipeline.cli import main

sys.exit(main())
