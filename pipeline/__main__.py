"""``python -m pipeline``: run wirebeam (see ``pipeline.run``)."""
import sys

from pipeline.run import main

sys.exit(main())
