"""Read stage: sources into raw bytes (``SourceData``).

``sources`` reads files and fetches feeds once (batch); ``poll`` and
``watch`` poll feeds and watch folders (streaming); ``fetch`` is the one
HTTP client and ``feed_list`` reads ``--feeds``.
"""
