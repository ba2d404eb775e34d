"""Deduplication stage: re-sightings, new versions, same URL, same body, near-duplicates,
same headline; content conflicts kept.

``batch`` is the stage of a batch run (``DeduplicateItems``), against the
``index`` of earlier runs; ``streaming`` makes the same decisions in keyed
state. Both rest on the pure functions of ``verdicts`` (who duplicates
whom), ``fingerprints`` (shingles, MinHash, LSH), ``headlines`` (headlines
normalised for matching) and ``item_fingerprint``.
"""
