"""The run summary printed at the end of a run, from the run's Beam counters."""
from typing import List

from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics.metric import MetricsFilter

from transforms.dead_letters import METRICS_NAMESPACE


def collect_counters(result) -> dict:
  """Our Beam counters by name, as committed by the runner."""
  query = result.metrics().query(MetricsFilter().with_namespace(METRICS_NAMESPACE))
  counters = {}
  for counter in query['counters']:
    name = counter.key.metric.name
    value = counter.committed if counter.committed is not None else counter.attempted
    counters[name] = counters.get(name, 0) + (value or 0)
  return counters


def _listing(paths: List[str]) -> str:
  """The files a run wrote, or how many and where when they are many (windows)."""
  if len(paths) > 3:
    return f'{len(paths)} files in {FileSystems.split(paths[0])[0]}'
  return ' '.join(paths) or 'none'


def format_summary(counters: dict, files: dict) -> str:
  """The run summary people read at the end of a run."""
  def group(prefix):
    return {name[len(prefix):]: value for name, value in sorted(counters.items())
            if name.startswith(prefix)}

  def line(label, values):
    return f'  {label:<14}' + (', '.join(f'{k} {v}' for k, v in values.items())
                              or 'none')

  def by_count(values):
    return dict(sorted(values.items(), key=lambda kv: (-kv[1], kv[0])))

  items = counters.get('written.wire_item', 0)
  resightings = counters.get('written.resighting', 0)
  dead_letters = counters.get('written.dead_letter', 0)
  # Inputs: every entry found, plus every source that failed as a whole.
  inputs = sum(group('entries.').values()) + sum(
      count for reason, count in group('dead_letter.').items()
      if reason.startswith(('read.', 'parse.')))
  accounted = ('every input accounted for'
               if inputs == items + resightings + dead_letters
               else 'MISMATCH: some inputs are neither items, re-sightings nor dead letters')
  lines = [
      'wirebeam run summary',
      line('sources', group('sources.')),
      line('entries', group('entries.')),
      f'  {"inputs":<14}{inputs} = items + re-sightings + dead letters: {accounted}',
      f'  {"items":<14}{items} ({counters.get("dedup.canonical", 0)} canonical)',
      f'  {"re-sightings":<14}{resightings} (published before, seen again unchanged)',
      f'  {"dead letters":<14}{dead_letters}',
      line('  by reason', by_count(group('dead_letter.'))),
      line('dedup', {'canonical': counters.get('dedup.canonical', 0),
                     **by_count({k: v for k, v in group('dedup.').items()
                                 if k != 'canonical'})}),
      line('languages', by_count(group('language.'))),
      line('entities', {'found': counters.get('entities.found', 0),
                        **{f'no model for {k}': v
                           for k, v in by_count(group('entities.no_model.')).items()}}),
      line('files', {name: _listing(paths) for name, paths in files.items()}),
  ]
  streaming = {**group('poll.'), **{f'watch {k}': v for k, v in group('watch.').items()}}
  if streaming:  # polls and folder listings of a streaming run
    lines.insert(2, line('polls', streaming))
  return '\n'.join(lines)
