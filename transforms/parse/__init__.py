"""Parse stage: each source's bytes into its entries.

``entries`` is the stage (``ParseEntries``, ``parse_source``); ``sniff``
tells the format from the content, and each format has its own pure parser
beside it: ``xml_feed`` (RSS, RDF, Atom), ``json_feed``, ``ninjs``,
``newsml_g2``, ``newsml1``, ``nitf`` and ``wire_text``; ``xml_tree`` and
``metadata`` are what they share.
"""
