"""``python -m pipeline``: run wirebeam (see ``pipeline.run``)."""
import logging
import sys

# Beam warns at import about optional Google Cloud clients that a local run
# does not use; the warning reads like a fault, so it is filtered out.
logging.getLogger().addFilter(
    lambda record: 'apitools not found' not in record.getMessage())

from pipeline.run import main  # noqa: E402 (after the filter above)

sys.exit(main())
