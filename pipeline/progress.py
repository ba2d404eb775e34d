"""Progress of a long run: a line on stderr at most every few seconds, from each worker.

The launcher cannot ask the local runner for live metrics (``run`` returns
when the job is done), so the workers say it themselves: every process
counts what passes through it and prints a line when ``INTERVAL`` seconds
have gone by since its last one. With several worker processes, each
prints its own share.
"""
import collections
import os
import sys
import threading
import time

import apache_beam as beam

INTERVAL = 5.0
ENTRIES, ITEMS, DEAD_LETTERS = 'entries read', 'items written', 'dead letters written'


class _Tally:
  """This process's counts, and when it last printed them."""
  def __init__(self):
    self._lock = threading.Lock()
    self._counts = collections.Counter()
    self._started = self._printed = time.monotonic()

  def add(self, name: str) -> None:
    with self._lock:
      self._counts[name] += 1
      now = time.monotonic()
      if now - self._printed < INTERVAL:
        return
      self._printed = now
      line = progress_line(self._counts, now - self._started)
    print(f'wirebeam [{os.getpid()}]: {line}', file=sys.stderr, flush=True)


def progress_line(counts, seconds: float) -> str:
  rate = counts[ENTRIES] / seconds if seconds else 0.0
  return (', '.join(f'{counts[name]:,} {name}' for name in (ENTRIES, ITEMS, DEAD_LETTERS))
          + f' ({rate:,.0f} entries/s over {seconds:,.0f} s)')


_TALLY = _Tally()


def _counted(element, name):
  _TALLY.add(name)
  return element


class CountProgress(beam.PTransform):
  """Elements pass through unchanged, each counted as ``name`` in its process's tally."""
  def __init__(self, name: str):
    super().__init__()
    self._name = name

  def expand(self, elements):
    return elements | 'Count' >> beam.Map(_counted, self._name)
