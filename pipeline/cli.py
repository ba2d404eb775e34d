"""The ``wirebeam`` command: ``wirebeam inspect DIR`` or a run (``pipeline.run``).

Inspecting a folder needs no Beam, which takes seconds to import: the
command is chosen here, before anything imports it.
"""
import logging
import sys
from typing import Optional, Sequence

INSPECT = 'inspect'


def main(argv: Optional[Sequence[str]] = None) -> int:
  argv = list(sys.argv[1:] if argv is None else argv)
  if argv[:1] == [INSPECT]:
    from pipeline.inspect_output import main as inspect_main
    return inspect_main(argv[1:])
  # Beam warns at import about optional Google Cloud clients that a local run
  # does not use; the warning reads like a fault, so it is filtered out.
  logging.getLogger().addFilter(
      lambda record: 'apitools not found' not in record.getMessage())
  from pipeline.run import main as run_main
  return run_main(argv)
