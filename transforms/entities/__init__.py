"""Entity stage: named entities of each item, linked to stable IDs.

``enrich`` is the stage (``EnrichEntities``); ``recognizers`` runs the
models, ``postprocess`` repairs their spans, ``given_names`` finds people
they missed and ``linking`` is the gazetteer.
"""
