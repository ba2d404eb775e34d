"""wirebeam's stages, one module or package per stage, and what they share.

The stages, in the order items meet them (``pipeline/batch.py`` and
``pipeline/streaming.py`` wire them):

read (``read/``) -> parse (``parse/``) -> language of a feed
(``language.InferFeedLanguages``) -> normalize (``normalize/``) -> language
(``language.py``) -> entities (``entities/``) -> [streaming: event time,
``window.py``] -> dedup (``dedup/``) -> write (``write.py``).

A stage imports only the stages before it and the shared modules:
``tags`` (names of the outputs between stages), ``entry`` (what parsers
return), ``errors``, ``text`` and ``timestamps`` (pure helpers of parsers and
normalisation), ``language_codes``, ``dead_letters`` (the guard every stage
uses) with ``replayable`` (the bytes a dead letter keeps), and
``output_folder``, which owns ``--output``: its folders, its file names, and
every reader of earlier outputs (``output_layout``: its names, without
Beam); ``write_parquet`` and ``write_ninjs`` turn records into Parquet and
ninjs, without Beam, for the write stage and ``wirebeam inspect``.
"""
