"""The ``wirebeam`` command: ``wirebeam inspect DIR`` or a run (``pipeline.run``).

Inspecting a folder needs no Beam, which takes seconds to import: the
command is chosen here, before anything imports it.
"""
import atexit
import gc
import logging
import os
import sys
from typing import List, Optional, Sequence

INSPECT = 'inspect'
COLLECTOR_THRESHOLDS = (10_000, 20, 20)  # Python's: 700, 10, 10


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


def command() -> int:
  """The ``wirebeam`` command and ``python -m pipeline``: ``main``, then a quick exit.

  A run leaves millions of objects behind (NER models, the gazetteer,
  langdetect's profiles), and the interpreter frees them one by one as it
  exits, most of a second after a seeds run's summary. Once ``main`` has
  returned, every output file is closed and in place, so the process ends
  when the exit handlers have run, without that teardown. An exception
  still ends the usual way, traceback and all.
  """
  exit_code: List[int] = []
  # Registered before Beam and the models are imported, so run after their handlers.
  atexit.register(_exit_without_teardown, exit_code)
  # A run keeps millions of objects for good (models, gazetteer, Beam's graph),
  # which the cyclic collector scans again and again at Python's default
  # thresholds (bench/startup.py counts the collections and their time).
  gc.set_threshold(*COLLECTOR_THRESHOLDS)
  exit_code.append(main())
  return exit_code[0]


def _exit_without_teardown(exit_code: List[int]) -> None:
  if not exit_code:
    return
  logging.shutdown()  # its own handler, registered when logging was imported, comes later
  for stream in (sys.stdout, sys.stderr):
    try:
      stream.flush()
    except (OSError, ValueError):  # a closed pipe, or a stream closed already
      pass
  os._exit(exit_code[0])
