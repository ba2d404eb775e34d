"""The batch graph: read -> parse -> normalize -> language -> entities -> dedup -> write."""
from typing import Optional, Sequence

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems

import schemas
from transforms.dead_letters import DEAD_LETTERS
from transforms.dedup import Deduplicate, DedupSettings
from transforms.dedup.index import DUPLICATES, IndexRows, ReadDedupIndex
from transforms.entities import EnrichEntities, EntitySettings
from transforms.language import DetectLanguage
from transforms.normalize import ITEMS, NormalizeEntries
from transforms.parse import ENTRIES, ParseEntries
from transforms.read import SOURCES, ReadSources, SourceData
from transforms.write import WriteAvroRecords



class ProcessSources(beam.PTransform):
  """Read sources in (``sources`` and ``dead_letters``); items and all dead letters out.

  Parse, normalize, language and entities: the stages that batch and
  streaming runs share. Every input ends in exactly one of the outputs, per
  entry (or per source when the source as a whole could not be read or
  parsed).
  """
  def __init__(self, options):
    super().__init__()
    self._options = options

  def expand(self, read):
    options = self._options
    parsed = read[SOURCES] | 'Parse' >> ParseEntries()
    normalized = parsed[ENTRIES] | 'Normalize' >> NormalizeEntries(
        options.max_item_bytes)
    languages = normalized[ITEMS] | 'Language' >> DetectLanguage()
    dead_letters = [read[DEAD_LETTERS], parsed[DEAD_LETTERS],
                    normalized[DEAD_LETTERS], languages[DEAD_LETTERS]]
    items = languages[ITEMS]
    if options.entities:
      entities = items | 'Entities' >> EnrichEntities(entity_settings(options))
      dead_letters.append(entities[DEAD_LETTERS])
      items = entities[ITEMS]
    return {ITEMS: items,
            DEAD_LETTERS: dead_letters | 'CollectDeadLetters' >> beam.Flatten()}


class IngestWireItems(beam.PTransform):
  """The batch sources (files, feeds fetched once, replayed dead letters), processed.

  Returns a dict with ``items`` and ``dead_letters``.
  """
  def __init__(self, file_patterns: Sequence[str], feed_urls: Sequence[str],
               options, replayed: Sequence[SourceData] = ()):
    super().__init__()
    self._file_patterns = file_patterns
    self._feed_urls = feed_urls
    self._options = options
    self._replayed = replayed

  def expand(self, pbegin):
    options = self._options
    return (pbegin
            | 'Read' >> ReadSources(
                self._file_patterns, self._feed_urls, options.max_input_bytes,
                options.fetch_timeout, replayed=self._replayed)
            | 'Process' >> ProcessSources(options))


OUTPUT_FOLDERS = (ITEMS, DUPLICATES, DEAD_LETTERS, schemas.DEDUP_INDEX)


def split_duplicates(items):
  """(canonical items, duplicates): what --split-duplicates writes apart."""
  return items | 'SplitDuplicates' >> beam.Partition(
      lambda record, _: 0 if record['is_canonical'] else 1, 2)


def output_prefixes(output: str, run_id: str) -> dict:
  """Where a run writes: one file-name prefix per output folder."""
  return {folder: FileSystems.join(output, folder, run_id) for folder in OUTPUT_FOLDERS}


def entity_settings(options) -> EntitySettings:
  return EntitySettings(models=(('en', options.ner_model_en), ('fr', options.ner_model_fr)))


def dedup_settings(options) -> DedupSettings:
  return DedupSettings(jaccard_threshold=options.near_duplicate_threshold,
                       containment_threshold=options.containment_threshold)


class DeduplicateItems(beam.PTransform):
  """Items in, every item out with its dedup verdict, against earlier runs too."""
  def __init__(self, settings: DedupSettings, index_folder: Optional[str]):
    super().__init__()
    self._settings = settings
    self._index_folder = index_folder

  def expand(self, items):
    pbegin = beam.pvalue.PBegin(items.pipeline)
    if self._index_folder:
      indexed = pbegin | 'ReadDedupIndex' >> ReadDedupIndex(
          FileSystems.split(self._index_folder)[0], self._settings.shingle_size)
    else:
      indexed = pbegin | 'NoDedupIndex' >> beam.Create([])
    return {'records': items, 'indexed': indexed} | 'Deduplicate' >> Deduplicate(
        self._settings)


class WriteOutputs(beam.PTransform):
  """Writes items, duplicates, dead letters and the dedup index under ``--output``.

  Duplicates go to the items folder unless ``split_duplicates``; index rows
  only when there is an index folder to keep.
  """
  def __init__(self, prefixes: dict, codec: str, split_duplicates: bool,
               index_shingle_size: Optional[int]):
    super().__init__()
    self._prefixes = prefixes
    self._codec = codec
    self._split_duplicates = split_duplicates
    self._index_shingle_size = index_shingle_size

  def expand(self, outputs):
    items = outputs[ITEMS]
    if self._split_duplicates:
      canonical, duplicates = split_duplicates(items)
      duplicates | 'WriteDuplicates' >> WriteAvroRecords(
          schemas.WIRE_ITEM, self._prefixes[DUPLICATES], self._codec)
      items = canonical
    items | 'WriteItems' >> WriteAvroRecords(
        schemas.WIRE_ITEM, self._prefixes[ITEMS], self._codec)
    outputs[DEAD_LETTERS] | 'WriteDeadLetters' >> WriteAvroRecords(
        schemas.DEAD_LETTER, self._prefixes[DEAD_LETTERS], self._codec)
    if self._index_shingle_size:
      (outputs[ITEMS]
       | 'IndexRows' >> IndexRows(self._index_shingle_size)
       | 'WriteDedupIndex' >> WriteAvroRecords(
           schemas.DEDUP_INDEX, self._prefixes[schemas.DEDUP_INDEX], self._codec))
    return beam.pvalue.PDone(items.pipeline)
