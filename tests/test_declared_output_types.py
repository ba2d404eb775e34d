"""DoFns that declare their output type declare what Beam would infer.

For a DoFn without one, Beam infers it at every start from the bytecode of
``process`` and of everything it calls (0.3 s for the first twelve, mostly to find
``Any``; BENCHMARKS.md). Declared, it is not inferred; equal to the inference,
the graph's types, and so its coders, stay those it had. A DoFn whose
``process`` changes fails here until its declaration follows."""
import apache_beam as beam
import pytest
from apache_beam.typehints import Any

from transforms.dedup.batch import _ApplyVerdictsFn, _ResolveFamiliesFn, _VerifyFn
from transforms.dedup.index import _IndexRowFn, _MatchingRowsFn, _RunKeysFn
from transforms.dedup.resightings import _SplitResightingsFn
from transforms.entities.enrich import _EnrichEntitiesFn
from transforms.language import _DetectLanguageFn, _FeedLanguageFn
from transforms.normalize.record import _NormalizeFn
from transforms.parse.entries import _ParseFn
from transforms.read.sources import ReadFileFn

DECLARING = [_ApplyVerdictsFn, _ResolveFamiliesFn, _VerifyFn, _IndexRowFn, _MatchingRowsFn,
             _RunKeysFn, _SplitResightingsFn, _EnrichEntitiesFn, _DetectLanguageFn,
             _FeedLanguageFn, _NormalizeFn, _ParseFn, ReadFileFn]


@pytest.mark.parametrize('dofn_class', DECLARING, ids=lambda cls: cls.__name__)
def test_the_declared_output_type_is_the_inferred_one(dofn_class):
  dofn = object.__new__(dofn_class)  # inference reads the class's code, not the instance
  declared = dofn.get_type_hints().simple_output_type(dofn_class.__name__)
  assert declared == beam.DoFn.infer_output_type(dofn, Any)
