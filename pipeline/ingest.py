"""The batch ingestion graph: read -> parse -> normalize -> language -> write."""
from typing import Sequence

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems

import schemas
from transforms.dead_letters import DEAD_LETTERS
from transforms.language import DetectLanguage
from transforms.normalize import ITEMS, NormalizeEntries
from transforms.parse import ENTRIES, ParseEntries
from transforms.read import SOURCES, ReadSources
from transforms.write import WriteAvroRecords

ITEMS_FOLDER = 'items'
DEAD_LETTERS_FOLDER = 'dead_letters'


class IngestWireItems(beam.PTransform):
  """Sources in, language-tagged item records and dead letters out.

  Returns a dict with ``items`` and ``dead_letters``: every input ends in
  exactly one of them, per entry (or per source when the source as a whole
  could not be read or parsed).
  """
  def __init__(self, file_patterns: Sequence[str], feed_urls: Sequence[str],
               options):
    super().__init__()
    self._file_patterns = file_patterns
    self._feed_urls = feed_urls
    self._options = options

  def expand(self, pbegin):
    options = self._options
    read = pbegin | 'Read' >> ReadSources(
        self._file_patterns, self._feed_urls, options.max_input_bytes,
        options.fetch_timeout)
    parsed = read[SOURCES] | 'Parse' >> ParseEntries()
    normalized = parsed[ENTRIES] | 'Normalize' >> NormalizeEntries(
        options.max_item_bytes)
    languages = normalized[ITEMS] | 'Language' >> DetectLanguage()
    dead_letters = (
        (read[DEAD_LETTERS], parsed[DEAD_LETTERS], normalized[DEAD_LETTERS],
         languages[DEAD_LETTERS])
        | 'CollectDeadLetters' >> beam.Flatten())
    return {ITEMS: languages[ITEMS], DEAD_LETTERS: dead_letters}


def output_prefixes(output: str, run_id: str) -> dict:
  """Where a run writes: one file-name prefix per output folder."""
  return {
      ITEMS: FileSystems.join(output, ITEMS_FOLDER, run_id),
      DEAD_LETTERS: FileSystems.join(output, DEAD_LETTERS_FOLDER, run_id),
  }


class WriteOutputs(beam.PTransform):
  """Writes items and dead letters to their folders under ``--output``."""
  def __init__(self, prefixes: dict, codec: str):
    super().__init__()
    self._prefixes = prefixes
    self._codec = codec

  def expand(self, outputs):
    outputs[ITEMS] | 'WriteItems' >> WriteAvroRecords(
        schemas.WIRE_ITEM, self._prefixes[ITEMS], self._codec)
    outputs[DEAD_LETTERS] | 'WriteDeadLetters' >> WriteAvroRecords(
        schemas.DEAD_LETTER, self._prefixes[DEAD_LETTERS], self._codec)
    return beam.pvalue.PDone(outputs[ITEMS].pipeline)
