"""``wirebeam inspect DIR``: what an output folder holds, run by run, without Beam.

Reads a local output folder as every reader of it does (``output_layout``
names its folders and files): the runs' file sets in every format, and the
compacted generations of the bookkeeping folders (their parts, and the
runs whose files they replaced). Items are counted from the first format a
run wrote them in, Avro, then Parquet, then ninjs, or from the next when a
file of it does not read. Beam is never imported,
so the command answers at once.
"""
import argparse
import collections
import dataclasses
import datetime
import io
import json
import os
import sys
from typing import Callable, Dict, List, Optional, Sequence

import fastavro

from transforms.output_layout import (
  AVRO,
  DEAD_LETTERS,
  DEDUP_INDEX,
  DUPLICATES,
  FORMATTED_FOLDERS,
  GENERATION_PREFIX,
  ITEMS,
  LOCK_FILE,
  MANIFEST,
  NINJS,
  OUTPUT_FORMATS,
  PARQUET,
  RESIGHTINGS,
  SUFFIX,
  format_folder,
  run_id_at,
  run_of_file,
  run_time,
)
from transforms.write_ninjs import ENTITY_ARRAYS, ninjs_entity, read_ninjs

EXIT_USAGE = 2
# What every run leaves in its output folder, whatever it wrote: a folder
# with none of these is not one wirebeam wrote.
WIREBEAM_ENTRIES = (ITEMS, DUPLICATES, DEAD_LETTERS, RESIGHTINGS, DEDUP_INDEX, PARQUET, NINJS,
                    LOCK_FILE)
BODY_CHARS = 300
# The fields of each kind of record that inspect shows, in every schema version.
ITEM_FIELDS = ('uri', 'version', 'headline', 'language', 'language_reason', 'versioncreated',
               'body_text', 'description_text', 'source', 'is_canonical', 'duplicate_of',
               'duplicate_reason', 'duplicate_similarity', 'entities')
DEAD_LETTER_FIELDS = ('stage', 'reason', 'error', 'source', 'position', 'format', 'raw',
                      'failed_at')
ERROR_CHARS = 200


def read_avro(data: bytes) -> List[dict]:
  """The records of an Avro file's bytes."""
  return list(fastavro.reader(io.BytesIO(data)))


def read_parquet(data: bytes) -> List[dict]:
  """The records of a Parquet file's bytes; pyarrow loads only for a folder that has one."""
  from transforms.write_parquet import read_parquet as read
  return read(data)


READERS: Dict[str, Callable[[bytes], List[dict]]] = {
    AVRO: read_avro, PARQUET: read_parquet, NINJS: read_ninjs}


def from_ninjs(document: dict) -> dict:
  """A ninjs document as the wire_item fields it maps back to (those inspect shows).

  ninjs has no dedup verdicts: ``is_canonical`` is None.
  """
  def first(array):
    return (document.get(array) or [{}])[0].get('value')
  versioncreated = document.get('versioncreated')
  return {
      'uri': document['uri'], 'version': document.get('version'),
      'type': document.get('type'), 'headline': first('headlines'),
      'language': document.get('language', 'und'), 'language_reason': None,
      'versioncreated': (datetime.datetime.fromisoformat(versioncreated.replace('Z', '+00:00'))
                         if versioncreated else None),
      'body_text': first('bodies'), 'description_text': first('descriptions'),
      'source': None, 'is_canonical': None, 'duplicate_of': None,
      'duplicate_reason': None, 'duplicate_similarity': None,
      'entities': [{'type': entity_type, 'name': entity.get('name'),
                    'id': entity.get('literal') or entity.get('uri'), 'id_scheme': None}
                   for entity_type, array in ENTITY_ARRAYS.items()
                   for entity in document.get(array, [])],
  }


@dataclasses.dataclass
class RunReport:
  """What one run wrote."""
  run: str
  kind: str = 'batch'
  files: Dict[str, int] = dataclasses.field(default_factory=collections.Counter)
  item_formats: List[str] = dataclasses.field(default_factory=list)
  items_read_from: Optional[str] = None  # the first of item_formats that read whole
  items: int = 0
  canonical: Optional[int] = 0
  duplicates: Dict[str, int] = dataclasses.field(default_factory=collections.Counter)
  dead_letters: Dict[str, int] = dataclasses.field(default_factory=collections.Counter)
  languages: Dict[str, int] = dataclasses.field(default_factory=collections.Counter)
  entities: Dict[str, int] = dataclasses.field(default_factory=collections.Counter)
  resightings: int = 0
  index_rows: int = 0
  compacted: List[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Generation:
  """A compacted generation of a bookkeeping folder."""
  folder: str
  name: str
  parts: List[str]
  replaced_runs: List[str]
  rewritten_by: Optional[str]
  rows: int = 0


class Inspection:
  """Everything ``inspect`` reports on one output folder, read once.

  ``only_run`` limits it to one run; ``sample`` items and, with
  ``dead_letters``, every dead letter (its raw bytes as their size) are kept
  to be shown, and nothing else: a folder's records are counted, not held.
  """
  def __init__(self, output: str, only_run: Optional[str] = None, sample: int = 0,
               dead_letters: bool = False):
    self.output = output
    self.only_run = only_run
    self.sample = sample
    self.show_dead_letters = dead_letters
    self.runs: Dict[str, RunReport] = {}
    self.generations: List[Generation] = []
    self.unreadable: List[str] = []
    self.items: List[dict] = []  # the first ``sample`` items, with their run
    self.dead_letter_records: List[dict] = []

  def _wanted(self, run_id: str) -> bool:
    return self.only_run is None or run_id == self.only_run

  def _run(self, run_id: str) -> RunReport:
    return self.runs.setdefault(run_id, RunReport(run_id))

  def _records(self, path: str, output_format: str = AVRO,
               fields: Sequence[str] = ()) -> List[dict]:
    """A file's records (ninjs documents as the wire_item fields they map back to),
    each with ``fields``; else none, and the file is named unreadable."""
    try:
      with open(path, 'rb') as f:
        data = f.read()
      records = READERS[output_format](data)
      if output_format == NINJS:
        records = [from_ninjs(document) for document in records]
    except (OSError, ValueError, EOFError) as error:  # fastavro, pyarrow, json say ValueError
      self.unreadable.append(f'{path}: {error}')
      return []
    except (KeyError, TypeError, AttributeError) as error:  # JSON, but not ninjs
      self.unreadable.append(f'{path}: not a ninjs document ({error!r})')
      return []
    for record in records:
      missing = [field for field in fields if field not in record]
      if missing:
        self.unreadable.append(f'{path}: not the records wirebeam writes there '
                               f'(no {missing[0]})')
        return []
    return records

  def _row_count(self, path: str) -> int:
    """An Avro file's records, counted from its block headers without decoding them."""
    try:
      with open(path, 'rb') as f:
        return sum(block.num_records for block in fastavro.block_reader(f))
    except (OSError, ValueError, EOFError) as error:
      self.unreadable.append(f'{path}: {error}')
      return 0

  def _files(self, folder: str, output_format: str = AVRO) -> Dict[str, List[str]]:
    """A folder's published files of a format, by run (not temporary ones, not generations)."""
    path = os.path.join(self.output, format_folder(folder, output_format))
    by_run = collections.defaultdict(list)
    names = sorted(os.listdir(path)) if os.path.isdir(path) else []
    for name in names:
      run = run_of_file(name)
      if run and self._wanted(run) and name.endswith(SUFFIX[output_format]):
        by_run[run].append(os.path.join(path, name))
        report = self._run(run)
        report.files[format_folder(folder, output_format)] += 1
        if '-pane' in name:
          report.kind = 'streaming'
    return by_run

  def _generation(self, folder: str) -> Optional[Generation]:
    """The latest complete generation of a bookkeeping folder (as readers take it)."""
    path = os.path.join(self.output, folder)
    names = sorted(name for name in (os.listdir(path) if os.path.isdir(path) else [])
                   if name.startswith(GENERATION_PREFIX)
                   and os.path.isdir(os.path.join(path, name)))
    if not names:
      return None
    latest = os.path.join(path, names[-1])
    manifest_path = os.path.join(latest, MANIFEST)
    try:
      with open(manifest_path, encoding='utf-8') as f:
        manifest = json.load(f)
      replaced_runs = sorted(manifest['replaced_runs'])
    except (OSError, ValueError, KeyError, TypeError) as error:  # a generation not ours
      self.unreadable.append(f'{manifest_path}: {error!r}')
      manifest, replaced_runs = {}, []
    parts = sorted(os.path.join(latest, name) for name in os.listdir(latest)
                   if name.endswith(SUFFIX[AVRO]))
    generation = Generation(folder, names[-1], parts, replaced_runs,
                            manifest.get('rewritten_by'))
    self.generations.append(generation)
    return generation

  def read(self) -> 'Inspection':
    self._read_items()
    for run, paths in self._files(DEAD_LETTERS).items():
      for path in paths:
        for record in self._records(path, fields=DEAD_LETTER_FIELDS):
          self._run(run).dead_letters[f"{record['stage']}.{record['reason']}"] += 1
          if self.show_dead_letters:
            self.dead_letter_records.append({'run': run, **record, 'raw': len(record['raw'])})
    self._read_bookkeeping(RESIGHTINGS, 'resightings', lambda row: row['seen_at'])
    # An index row's last_seen moves with every re-sighting: not the run that wrote it.
    self._read_bookkeeping(DEDUP_INDEX, 'index_rows', None)
    self.runs = dict(sorted(self.runs.items()))
    return self

  def _read_items(self) -> None:
    files = {output_format: {folder: self._files(folder, output_format)
                             for folder in FORMATTED_FOLDERS}
             for output_format in OUTPUT_FORMATS}
    for run, report in self._runs_with_items(files).items():
      report.item_formats = [output_format for output_format in OUTPUT_FORMATS
                             if any(run in files[output_format][folder]
                                    for folder in FORMATTED_FOLDERS)]
      # The first format whose files of the run all read; the next if one did not.
      for output_format in report.item_formats:
        counted, sampled, unreadable = RunReport(run), len(self.items), len(self.unreadable)
        if output_format == NINJS:
          counted.canonical = None
        for folder in FORMATTED_FOLDERS:
          for path in files[output_format][folder].get(run, []):
            for record in self._records(path, output_format, ITEM_FIELDS):
              self._count_item(counted, record)
        if len(self.unreadable) == unreadable or output_format == report.item_formats[-1]:
          break
        del self.items[sampled:]
      report.items_read_from = output_format
      for name in ('items', 'canonical', 'duplicates', 'languages', 'entities'):
        setattr(report, name, getattr(counted, name))

  def _runs_with_items(self, files) -> Dict[str, RunReport]:
    runs = {run for by_folder in files.values() for by_run in by_folder.values()
            for run in by_run}
    return {run: self._run(run) for run in sorted(runs)}

  def _count_item(self, report: RunReport, record: dict) -> None:
    report.items += 1
    if record['is_canonical']:
      report.canonical += 1
    elif record['is_canonical'] is False:
      report.duplicates[record['duplicate_reason'] or 'unknown'] += 1
    report.languages[record['language']] += 1
    for entity in record['entities']:
      report.entities[entity['type']] += 1
    if len(self.items) < self.sample:
      self.items.append({'run': report.run, **record})

  def _read_bookkeeping(self, folder: str, count: str,
                        seen_at: Optional[Callable[[dict], datetime.datetime]]) -> None:
    """Counts a bookkeeping folder's rows by run: its runs' files, and with
    ``seen_at`` (a run's start), the latest generation's rows by the run that
    saw them. The runs a generation replaced say so (their files may linger)."""
    generation = self._generation(folder)
    replaced = set(generation.replaced_runs) if generation else set()
    for run, paths in self._files(folder).items():
      if run not in replaced:
        setattr(self._run(run), count, sum(map(self._row_count, paths)))
    if generation is None:
      return
    label = f'{folder}/{generation.name}'
    for run in filter(self._wanted, generation.replaced_runs):
      self._run(run).compacted.append(label)
    for part in generation.parts:
      if seen_at is None:
        generation.rows += self._row_count(part)
        continue
      for row in self._records(part, fields=('seen_at',)):
        generation.rows += 1
        run = run_id_at(seen_at(row))
        if self._wanted(run):
          report = self._run(run)
          setattr(report, count, getattr(report, count) + 1)
          # The manifest names only the runs whose files it replaced last; a
          # run whose rows an earlier generation took in is in this one too.
          if label not in report.compacted:
            report.compacted.append(label)


def _counts(values: Dict[str, int]) -> str:
  """'en 7, fr 2' (largest first), or 'none'."""
  ordered = sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))
  return ', '.join(f'{key} {value:,}' for key, value in ordered) or 'none'


def _line(label: str, text: str) -> str:
  return f'  {label:<14}{text}'


def _field(label: str, text: str) -> str:
  """A line of an item or dead letter shown as text."""
  return f'    {label:<16}{text}'


def _when(value: Optional[datetime.datetime]) -> str:
  return value.strftime('%Y-%m-%d %H:%M:%S UTC') if value else 'unknown'


def format_run(report: RunReport) -> List[str]:
  """A run's section of the text report."""
  canonical = ('' if report.canonical is None or not report.items
               else f' ({report.canonical:,} canonical)')
  formats = f" as {', '.join(report.item_formats)}" if report.item_formats else ''
  if report.item_formats and report.items_read_from != report.item_formats[0]:
    formats += (f' (counted from {report.items_read_from}: the {report.item_formats[0]} '
                'files did not all read)')
  lines = [f'run {report.run} ({report.kind}, started {_when(run_time(report.run))})',
           _line('files', _counts(report.files)),
           _line('items', f'{report.items:,}{canonical}{formats}')]
  if report.canonical is not None:
    lines.append(_line('duplicates', _counts(report.duplicates)))
  lines += [_line('dead letters', f'{sum(report.dead_letters.values()):,}'),
            _line('  by reason', _counts(report.dead_letters)),
            _line('languages', _counts(report.languages)),
            _line('entities', f'{sum(report.entities.values()):,}'
                  + (f' ({_counts(report.entities)})' if report.entities else ''))]
  if report.kind == 'batch':
    lines += [_line('re-sightings', f'{report.resightings:,}'),
              _line('index rows', f'{report.index_rows:,}')]
  if report.compacted:
    lines.append(_line('compacted', 'into ' + ', '.join(report.compacted)))
  return lines


def _entity_id(entity: dict) -> str:
  """' (iso3166:RU)', as ninjs writes the id: a URI or qcode the source gave as it is."""
  if not entity['id']:
    return ''
  if entity['id_scheme'] is None:
    return f" ({entity['id']})"
  written = ninjs_entity({'name': '', **entity})
  return f" ({written.get('literal') or written['uri']})"


def format_item(number: int, item: dict) -> List[str]:
  """One item as readable text."""
  if item['is_canonical'] is None:
    verdict = 'not known (ninjs has no dedup fields)'
  elif item['is_canonical']:
    verdict = 'canonical'
  else:
    similarity = item['duplicate_similarity']
    verdict = (f"duplicate of {item['duplicate_of']} ({item['duplicate_reason']}"
               + (f', {similarity:.2f})' if similarity is not None else ')'))
  entities = '; '.join(f"{entity['type']} {entity['name']}" + _entity_id(entity)
                       for entity in item['entities'])
  text = ' '.join((item['body_text'] or item['description_text'] or '').split())
  reason = f" ({item['language_reason']})" if item['language_reason'] else ''
  lines = [f"[{number}] {item['headline'] or '(no headline)'}",
           _field('uri', item['uri']),
           _field('version', item['version'] or 'none'),
           _field('run', item['run']),
           _field('language', item['language'] + reason),
           _field('versioncreated', _when(item['versioncreated']))]
  source = item['source']
  if source:
    lines.append(_field('source', f"{source['format']} {source['location']} "
                        f"#{source['position']}"))
  return lines + [_field('dedup', verdict),
                  _field('entities', entities or 'none'),
                  _field('text', text[:BODY_CHARS] + ('...' if len(text) > BODY_CHARS else ''))]


def format_dead_letter(number: int, record: dict) -> List[str]:
  """One dead letter as readable text: why, from where, and what it keeps."""
  position = f" #{record['position']}" if record['position'] is not None else ''
  error = (record['error'].strip().splitlines() or [''])[0]
  raw = (f"{record['raw']:,} bytes kept (--replay reads them again)" if record['raw']
         else 'none (--replay reads the source again)')
  return [f"[{number}] {record['stage']}.{record['reason']}  {record['source']}{position}",
          _field('run', record['run']),
          _field('format', record['format'] or 'not recognised'),
          _field('error', error[:ERROR_CHARS]),
          _field('raw', raw),
          _field('failed at', _when(record['failed_at']))]


def format_text(inspection: Inspection) -> str:
  """The report for people."""
  kinds = collections.Counter(report.kind for report in inspection.runs.values())
  lines = [f'wirebeam inspect {inspection.output}',
           _line('runs', f'{len(inspection.runs)}' + (f' ({_counts(kinds)})' if kinds else ''))]
  for generation in inspection.generations:
    lines.append(_line(generation.folder,
                       f'{generation.name}: {len(generation.parts)} parts, '
                       f'{generation.rows:,} rows, replaces {len(generation.replaced_runs)} '
                       f'runs' + (f', last rewritten by {generation.rewritten_by}'
                                  if generation.rewritten_by else '')))
  for path in inspection.unreadable:
    lines.append(_line('unreadable', path))
  for report in inspection.runs.values():
    lines += [''] + format_run(report)
  if inspection.sample:
    total = sum(report.items for report in inspection.runs.values())
    lines += ['', f'sample: {len(inspection.items)} of {total:,} items']
    for number, item in enumerate(inspection.items, start=1):
      lines += format_item(number, item)
  if inspection.show_dead_letters:
    lines += ['', f'dead letters: {len(inspection.dead_letter_records):,}']
    for number, record in enumerate(inspection.dead_letter_records, start=1):
      lines += format_dead_letter(number, record)
  return '\n'.join(lines)


def _jsonable(value):
  if isinstance(value, datetime.datetime):
    return value.isoformat()
  raise TypeError(f'{type(value).__name__} is not JSON')


def as_json(inspection: Inspection) -> dict:
  """The report as data (``--json``); a dead letter's ``raw`` is its size in bytes."""
  report = {'output': inspection.output,
            # vars, not asdict, which would rebuild each Counter from its pairs
            'runs': [{name: dict(value) if isinstance(value, dict) else value
                      for name, value in vars(run).items()}
                     for run in inspection.runs.values()],
            'compacted': [dataclasses.asdict(generation)
                          for generation in inspection.generations],
            'unreadable': inspection.unreadable}
  if inspection.sample:
    report['sample'] = inspection.items
  if inspection.show_dead_letters:
    report['dead_letters'] = inspection.dead_letter_records
  return report


def is_output_folder(path: str) -> bool:
  """Whether a folder holds any of what wirebeam runs write."""
  return any(os.path.exists(os.path.join(path, name)) for name in WIREBEAM_ENTRIES)


def _count_arg(text: str) -> int:
  number = int(text)
  if number < 0:
    raise argparse.ArgumentTypeError(f'{text} is below 0')
  return number


def build_parser() -> argparse.ArgumentParser:
  parser = argparse.ArgumentParser(
      prog='wirebeam inspect', allow_abbrev=False,
      description='What a wirebeam output folder holds, run by run: items, canonical '
      'items, duplicates by reason, dead letters by stage and reason, languages, '
      'entities, re-sightings and index rows; in every output format, and the '
      'compacted generations of the dedup index and the re-sightings.')
  parser.add_argument('output', metavar='DIR',
                      help='A local output folder (the --output of runs).')
  parser.add_argument('--run', metavar='RUN_ID',
                      help='Only this run (its id, as the file names start).')
  parser.add_argument('--sample', type=_count_arg, default=0, metavar='N',
                      help='Also show N items as readable text.')
  parser.add_argument('--dead-letters', action='store_true',
                      help='Also list every dead letter: its stage, reason, source and error.')
  parser.add_argument('--json', action='store_true',
                      help='Print the report as JSON, for scripts.')
  return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
  args = build_parser().parse_args(argv)
  if not os.path.isdir(args.output):
    print(f'wirebeam inspect: error: {args.output}: no such folder', file=sys.stderr)
    return EXIT_USAGE
  if not is_output_folder(args.output):
    print(f'wirebeam inspect: error: {args.output}: not a wirebeam output folder (it has '
          f'no {", ".join(name + "/" for name in WIREBEAM_ENTRIES[:-1])})', file=sys.stderr)
    return EXIT_USAGE
  inspection = Inspection(args.output, args.run, args.sample, args.dead_letters).read()
  if args.run and args.run not in inspection.runs:
    print(f'wirebeam inspect: error: no run {args.run} in {args.output}', file=sys.stderr)
    return EXIT_USAGE
  text = (json.dumps(as_json(inspection), default=_jsonable, ensure_ascii=False, indent=2)
          if args.json else format_text(inspection))
  try:
    print(text, flush=True)
  except BrokenPipeError:  # `wirebeam inspect DIR | head`: the reader has what it wanted
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    # Nothing is left to do, and tearing down the native libraries' threads
    # (pyarrow's) after a closed pipe can abort: leave at once.
    os._exit(0)
  return 0
