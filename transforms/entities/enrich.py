"""Entity stage: people, organisations and places of each item, linked to IDs.

The model is chosen by the item's language (``recognizers``): spaCy for
English and French, natasha for Russian; other languages get no statistical
NER but the places and people the gazetteer and the given names surely find
(``lexicon``). Spans are repaired and aggregated (``postprocess``; people the model
missed are found by their given names, ``given_names``), then places and
nationality adjectives are linked to ISO 3166 codes and GeoNames IDs by the
gazetteer (``linking``), using the countries the item mentions as context
for ambiguous names. Models load once per worker and run on batches.
"""
import collections
import dataclasses
from typing import Callable, Dict, List, Optional, Tuple, Union

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.transforms.window import TimestampedValue

from transforms.dead_letters import METRICS_NAMESPACE, GuardedDoFn, record_origin
from transforms.entities.given_names import given_name_test
from transforms.entities.lexicon import LEXICON, LexiconRecognizer
from transforms.entities.linking import MIN_LINK_CONFIDENCE, Gazetteer
from transforms.entities.postprocess import Mention, repair
from transforms.entities.recognizers import DEFAULT_MODELS, RecognizedOnce, Span, recognizer_for
from transforms.errors import InputError
from transforms.tags import DEAD_LETTERS, ITEMS

# NER reads at most this much of an item: wire copy is far shorter, and the
# cost of a model grows with the text.
MAX_NER_CHARS = 100_000


@dataclasses.dataclass(frozen=True)
class EntitySettings:
  models: Tuple[Tuple[str, str], ...] = tuple(sorted(DEFAULT_MODELS.items()))
  min_batch_size: int = 8
  max_batch_size: int = 64


def ner_text(record: dict) -> str:
  """Entity offsets index into this: the body, else the description."""
  return (record.get('body_text') or record.get('description_text') or '')[:MAX_NER_CHARS]


def entity_records(mentions: List[Mention], gazetteer: Gazetteer, model: str) -> List[dict]:
  """Records of the schema's ``entities``, places and nationalities linked; a place
  that is a person's name or part of one in the item is not linked ('Robert' of
  Robert F Kennedy Jr is not Le Robert, Martinique)."""
  countries_of = {m.name: gazetteer.countries_in([m.name]) for m in mentions if m.type == 'LOC'}
  person_words = {word for m in mentions if m.type == 'PER' for word in m.name.split()}
  entities = []
  for mention in mentions:
    link = None
    if mention.type == 'LOC' and mention.name not in person_words:
      # The context is the item's other places: a name cannot vote for its own reading.
      context = set().union(*(countries for name, countries in countries_of.items()
                              if name != mention.name))
      link = gazetteer.link_place(mention.name, context)
    elif mention.type == 'MISC':
      link = gazetteer.link_demonym(mention.name)
    if link and link.confidence < MIN_LINK_CONFIDENCE:
      link = None
    entities.append({
        'type': mention.type, 'text': mention.text, 'name': mention.name,
        'start': mention.start, 'end': mention.end, 'mentions': mention.mentions,
        'id': link.id if link else None, 'id_scheme': link.id_scheme if link else None,
        'confidence': link.confidence if link else None, 'model': model,
        'spans': [{'start': start, 'end': end} for start, end in mention.spans],
    })
  return entities


def merge_source_entities(source: List[dict], found: List[dict]) -> List[dict]:
  """The entities the item's own metadata named (model 'source') are kept, type and
  id; the model's mentions of the same name add their offsets and count to them,
  and the model's other entities follow."""
  by_name = {entity['name'].casefold(): entity for entity in found}
  merged = []
  for entity in source:
    same = by_name.pop((entity.get('name') or entity.get('text') or '').casefold(), None)
    if same:
      entity = dict(entity, text=same['text'], start=same['start'], end=same['end'],
                    mentions=same['mentions'], spans=same['spans'])
    merged.append(entity)
  return merged + list(by_name.values())


def with_entities(record: dict, spans: List[Span], model: str, gazetteer: Gazetteer,
                  is_given_name: Callable[[str], bool]) -> dict:
  """The record with its entities: the model's spans repaired in the context of its
  text, dateline and agency, aggregated, linked and merged into those its source
  named."""
  mentions = repair(spans, lambda word: gazetteer.link_place(word) is not None,
                    is_given_name, ner_text(record), record.get('located'), record.get('agency'))
  return dict(record, entities=merge_source_entities(
      record.get('entities') or [], entity_records(mentions, gazetteer, model)))


def lexicon_recognizer(gazetteer: Gazetteer,
                       is_given_name: Callable[[str], bool]) -> LexiconRecognizer:
  """The recogniser of the languages without a model."""
  return LexiconRecognizer(gazetteer.prominent_place, is_given_name, gazetteer.is_country,
                           gazetteer.names_without_spaces())


# What Beam infers from ``process`` (tests/test_declared_output_types.py), declared
# so that it is not inferred again at every start.
@beam.typehints.with_output_types(Union[beam.pvalue.TaggedOutput, TimestampedValue])
class _EnrichEntitiesFn(GuardedDoFn):
  """Batches of records in; each record out with its entities, or a dead letter.

  The model runs on a batch; each record is then guarded on its own.
  """
  stage = 'entities'

  def __init__(self, settings: EntitySettings):
    self._models = dict(settings.models)

  def setup(self):
    # The models and the gazetteer load on first use: a run that sees only
    # items published before (re-sightings) sends none here.
    self._gazetteer = None
    self._lexicon_recognizer = None
    self._recognizers: Dict[str, Optional[object]] = {}

  def _linking(self) -> Gazetteer:
    if self._gazetteer is None:
      self._gazetteer = Gazetteer()
      self._is_given_name = given_name_test(self._gazetteer)
    return self._gazetteer

  def _recognizer(self, language: str):
    """The language's model, run once per text; else the lexicon recogniser,
    shared by all the others."""
    if language not in self._recognizers:
      model = recognizer_for(language, self._models)
      self._recognizers[language] = model and RecognizedOnce(model)
    return self._recognizers[language] or self._lexicon()

  def _lexicon(self) -> LexiconRecognizer:
    if self._lexicon_recognizer is None:
      self._lexicon_recognizer = lexicon_recognizer(self._linking(), self._is_given_name)
    return self._lexicon_recognizer

  def origin(self, element):
    return record_origin(element)

  def process(self, batch):
    """A batch of (record, timestamp): each output goes out at its record's."""
    by_language = collections.defaultdict(list)
    for record, timestamp in batch:
      by_language[record['language']].append((record, timestamp))
    for language in sorted(by_language):
      records = [record for record, _ in by_language[language]]
      recognizer = self._recognizer(language)
      if recognizer.name == LEXICON:
        Metrics.counter(METRICS_NAMESPACE, f'entities.no_model.{language}').inc(len(records))
      outputs = self._enrich(recognizer, records)  # one output per record, in order
      for (_, timestamp), output in zip(by_language[language], outputs, strict=True):
        yield _at(output, timestamp)

  def _enrich(self, recognizer, records):
    try:
      results = recognizer.recognize([ner_text(r) for r in records])
    except Exception:  # pylint: disable=broad-except
      # A text broke the batch: run them one by one, so that only it fails.
      for record in records:
        yield from self.guard(record, lambda r: self._enrich_one(recognizer, r))
      return
    for record, spans in zip(records, results, strict=True):
      yield from self.guard(
          record, lambda r, spans=spans: [self._with_entities(r, spans, recognizer.name)])

  def _enrich_one(self, recognizer, record):
    try:
      (spans,) = recognizer.recognize([ner_text(record)])
    except Exception as error:  # pylint: disable=broad-except
      raise InputError('ner_failed', f'{type(error).__name__}: {error}') from error
    yield self._with_entities(record, spans, recognizer.name)

  def _with_entities(self, record, spans, model):
    enriched = with_entities(record, spans, model, self._linking(), self._is_given_name)
    Metrics.counter(METRICS_NAMESPACE, 'entities.found').inc(len(enriched['entities']))
    return enriched


def _at(output, timestamp):
  """An output at its input's timestamp, which batching would otherwise lose.

  The streaming mode measures lateness from it.
  """
  if isinstance(output, beam.pvalue.TaggedOutput):
    return beam.pvalue.TaggedOutput(output.tag, TimestampedValue(output.value, timestamp))
  return TimestampedValue(output, timestamp)


class EnrichEntities(beam.PTransform):
  """Records in; records with ``entities`` under ``items``, dead letters under ``dead_letters``."""
  def __init__(self, settings: EntitySettings = EntitySettings()):
    super().__init__()
    self._settings = settings

  def expand(self, records):
    return (records
            | 'WithTimestamps' >> beam.Map(
                lambda record, timestamp=beam.DoFn.TimestampParam: (record, timestamp))
            | 'BatchForNer' >> beam.BatchElements(
                min_batch_size=self._settings.min_batch_size,
                max_batch_size=self._settings.max_batch_size)
            | 'RecognizeEntities' >> beam.ParDo(
                _EnrichEntitiesFn(self._settings)).with_outputs(DEAD_LETTERS, main=ITEMS))
