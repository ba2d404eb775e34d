"""Normalize stage: entries of every format into records of one schema.

``record`` builds the record (``NormalizeEntries``); the pure functions it
relies on live beside it: ``headlines`` (wire flags), ``urls`` and
``identity``; text and timestamps are shared with the parsers
(``transforms.text``, ``transforms.timestamps``).
"""
