"""Names of the tagged outputs that stages hand on, in stage order.

Every stage returns its main output under one of these and what it could
not handle under ``DEAD_LETTERS``. They name PCollections, not folders: the
folders of ``--output`` are ``output_folder``'s.
"""
SOURCES = 'sources'  # read: SourceData, the bytes of a file or a feed
PARSED = 'parsed'  # parse: ParsedSource, a source's entries
ENTRIES = 'entries'  # feed language: ParsedEntry, one news item each
ITEMS = 'items'  # normalize and later: records of schemas/wire_item.avsc
DEAD_LETTERS = 'dead_letters'  # every stage: records of schemas/dead_letter.avsc
RESIGHTINGS = 'resightings'  # dedup: records of schemas/resighting.avsc
