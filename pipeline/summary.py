"""The run summary: what a run read and wrote, from its Beam counters, for people and as JSON."""
from typing import Dict, List

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


def _group(counters: dict, prefix: str) -> Dict[str, int]:
  return {name[len(prefix):]: value for name, value in sorted(counters.items())
          if name.startswith(prefix)}


def _by_count(values: Dict[str, int]) -> Dict[str, int]:
  return dict(sorted(values.items(), key=lambda kv: (-kv[1], kv[0])))


def nothing_read(counters: dict) -> bool:
  """Whether a batch run read no source at all: none found, or every one failed."""
  sources = sum(_group(counters, 'sources.').values())
  return sources == sum(_group(counters, 'dead_letter.read.').values())


def summary(counters: dict, files: Dict[str, List[str]], seconds: float,
            cleaned: int = 0) -> dict:
  """The run summary as data (what ``--summary-json`` writes).

  ``cleaned``: the folders left by earlier stopped runs that this run
  deleted or emptied before it started (``output_folder.clean_stopped_runs``).
  """
  items = counters.get('written.wire_item', 0)
  resightings = counters.get('written.resighting', 0)
  dead_letters = counters.get('written.dead_letter', 0)
  dead_letter_reasons = _group(counters, 'dead_letter.')
  # Inputs: every entry found, plus every source that failed as a whole.
  inputs = sum(_group(counters, 'entries.').values()) + sum(
      count for reason, count in dead_letter_reasons.items()
      if reason.startswith(('read.', 'parse.')))
  return {
      'seconds': round(seconds, 3),
      'entries_per_second': round(inputs / seconds, 1) if seconds else None,
      'sources': _group(counters, 'sources.'),
      'entries': _group(counters, 'entries.'),
      'inputs': inputs,
      'accounted_for': inputs == items + resightings + dead_letters,
      'nothing_read': nothing_read(counters),
      'items': items, 'canonical': counters.get('dedup.canonical', 0),
      'resightings': resightings, 'dead_letters': dead_letters,
      'dead_letters_by_reason': _by_count(dead_letter_reasons),
      'dedup': {'canonical': counters.get('dedup.canonical', 0),
                **_by_count({k: v for k, v in _group(counters, 'dedup.').items()
                             if k != 'canonical'})},
      'languages': _by_count(_group(counters, 'language.')),
      'entities': {'found': counters.get('entities.found', 0),
                   'no_model': _by_count(_group(counters, 'entities.no_model.'))},
      'polls': {**_group(counters, 'poll.'),
                **{f'watch {k}': v for k, v in _group(counters, 'watch.').items()}},
      'files': files,
      'cleaned': cleaned,
  }


def format_summary(values: dict) -> str:
  """The run summary people read at the end of a run."""
  def line(label, counts):
    return f'  {label:<14}' + (', '.join(f'{k} {v}' for k, v in counts.items()) or 'none')

  accounted = ('every input accounted for' if values['accounted_for']
               else 'MISMATCH: some inputs are neither items, re-sightings nor dead letters')
  rate = values['entries_per_second']
  lines = [
      'wirebeam run summary',
      f'  {"time":<14}{values["seconds"]:.1f} s'
      + (f', {rate:,.1f} entries/s' if rate is not None else ''),
      line('sources', values['sources']),
      line('entries', values['entries']),
      f'  {"inputs":<14}{values["inputs"]} = items + re-sightings + dead letters: {accounted}',
      f'  {"items":<14}{values["items"]} ({values["canonical"]} canonical)',
      f'  {"re-sightings":<14}{values["resightings"]} (published before, seen again unchanged)',
      f'  {"dead letters":<14}{values["dead_letters"]}',
      line('  by reason', values['dead_letters_by_reason']),
      line('dedup', values['dedup']),
      line('languages', values['languages']),
      line('entities', {'found': values['entities']['found'],
                        **{f'no model for {k}': v
                           for k, v in values['entities']['no_model'].items()}}),
      '  files' + ('' if any(values['files'].values()) else '         none'),
  ]
  if values['polls']:  # polls and folder listings of a streaming run
    lines.insert(3, line('polls', values['polls']))
  elif values['nothing_read']:
    lines.insert(3, f'  {"warning":<14}no source could be read'
                 + (': every one failed' if values['sources'] else ': none was found'))
  if values.get('cleaned'):
    lines.insert(-1, f'  {"cleaned":<14}{values["cleaned"]} folders left by earlier '
                 'stopped runs')
  # Folders of other formats have longer names (parquet/duplicates).
  width = max([14] + [len(folder) + 2 for folder, paths in values['files'].items() if paths])
  for folder, paths in values['files'].items():
    if len(paths) > 3:  # a streaming run's windows
      lines.append(f'    {folder + ":":<{width}}{len(paths)} files in '
                   f'{paths[0].rsplit("/", 1)[0]}')
    else:
      lines.extend(f'    {folder + ":":<{width}}{path}' for path in paths)
  return '\n'.join(lines)
