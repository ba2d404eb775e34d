"""The stages batch and streaming runs share: sources read in, items and dead letters out.

parse -> feed language -> normalize (``NormalizeSources``), then language
-> entities (``EnrichItems``): a batch run takes the items it has published
before out between the two. Every input ends in exactly one of the
outputs, per entry (or per source when the source as a whole could not be
read or parsed).
"""
import apache_beam as beam

from transforms.dedup.settings import DedupSettings
from transforms.entities.enrich import EnrichEntities, EntitySettings
from transforms.language import DetectLanguage, InferFeedLanguages
from transforms.normalize.record import NormalizeEntries
from transforms.parse.entries import ParseEntries
from transforms.tags import DEAD_LETTERS, ENTRIES, ITEMS, PARSED, SOURCES


def entity_settings(options) -> EntitySettings:
  return EntitySettings(models=(('en', options.ner_model_en), ('fr', options.ner_model_fr)))


def dedup_settings(options) -> DedupSettings:
  return DedupSettings(jaccard_threshold=options.near_duplicate_threshold,
                       containment_threshold=options.containment_threshold)


class NormalizeSources(beam.PTransform):
  """``{sources, dead_letters}`` of a read stage in; normalised ``{items, dead_letters}`` out."""
  def __init__(self, options):
    super().__init__()
    self._options = options

  def expand(self, read):
    parsed = read[SOURCES] | 'Parse' >> ParseEntries(self._options.max_entries_per_source)
    entries = parsed[PARSED] | 'FeedLanguage' >> InferFeedLanguages()
    normalized = entries[ENTRIES] | 'Normalize' >> NormalizeEntries(
        self._options.max_item_bytes)
    return {ITEMS: normalized[ITEMS],
            DEAD_LETTERS: (read[DEAD_LETTERS], parsed[DEAD_LETTERS], entries[DEAD_LETTERS],
                           normalized[DEAD_LETTERS])
                          | 'CollectDeadLetters' >> beam.Flatten()}


class EnrichItems(beam.PTransform):
  """Normalised ``{items, dead_letters}`` in; with language and entities out."""
  def __init__(self, options):
    super().__init__()
    self._options = options

  def expand(self, normalized):
    languages = normalized[ITEMS] | 'Language' >> DetectLanguage()
    dead_letters = [normalized[DEAD_LETTERS], languages[DEAD_LETTERS]]
    items = languages[ITEMS]
    if self._options.entities:
      entities = items | 'Entities' >> EnrichEntities(entity_settings(self._options))
      dead_letters.append(entities[DEAD_LETTERS])
      items = entities[ITEMS]
    return {ITEMS: items,
            DEAD_LETTERS: dead_letters | 'CollectDeadLetters' >> beam.Flatten()}


class ProcessSources(beam.PTransform):
  """``{sources, dead_letters}`` of a read stage in; ``{items, dead_letters}`` out."""
  def __init__(self, options):
    super().__init__()
    self._options = options

  def expand(self, read):
    return (read
            | 'Normalize' >> NormalizeSources(self._options)
            | 'Enrich' >> EnrichItems(self._options))


def split_duplicates(items):
  """(canonical items, duplicates): what --split-duplicates writes apart."""
  return items | 'SplitDuplicates' >> beam.Partition(
      lambda record, _: 0 if record['is_canonical'] else 1, 2)
