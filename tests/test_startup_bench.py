"""bench/startup.py's report: phases as differences of the marks, Beam calls as counted."""
import apache_beam as beam

from bench.startup import Clock, element_types, report


def test_the_report_gives_each_phase_its_own_share_and_the_counts():
  clock = Clock()
  begun = clock.phases[0][1]
  clock.phases[1:] = [('beam imported', begun + 0.5), ('graph built', begun + 1.25)]
  slow = clock.counted('DoFn inspections', lambda value: value * 2)
  assert slow(21) == 42
  clock.transforms_applied = 3
  clock.stages = [(0.25, 'Read+Parse'), (2.0, 'Enrich')]
  clock.composites = [(0.5, 'Batch/Dedup')]
  clock.inferred = [(0.06, '_ParseFn')]
  text = report(clock)
  assert '| beam imported | 0.50 | 0.50 |' in text
  assert '| graph built | 1.25 | 0.75 |' in text
  assert '| DoFn inspections | 1 |' in text
  assert '3 transforms applied.' in text
  assert text.index('2.00 s  Enrich') < text.index('0.25 s  Read+Parse')
  assert '0.500 s  Batch/Dedup' in text and '0.060 s  _ParseFn' in text


def test_element_types_name_each_output_without_addresses():
  pipeline = beam.Pipeline()
  _ = (pipeline | 'Numbers' >> beam.Create([1, 2]) | 'Halve' >> beam.Map(lambda n: n / 2))
  listed = element_types(pipeline)
  assert 'Numbers [None] <class \'int\'>' in listed
  assert not any(' at 0x' in line for line in listed)
