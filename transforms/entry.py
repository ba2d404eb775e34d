"""The shape every input-format parser returns, before normalisation.

Parsers only extract what the source says; cleaning text, parsing dates and
deriving identities is the job of the normalize stage, so that every format
gets the same treatment.
"""
import dataclasses
import datetime
from typing import List, Optional


@dataclasses.dataclass
class ParsedEntry:
  """One news item as found in a source, with its text not yet cleaned."""
  format: str  # rss, atom, rdf, json_feed, wire_text, ninjs, newsml_g2, newsml1, nitf,
  # iptc7901, anpa1312, email
  source: str  # the file path or URL the entry came from
  position: int  # 0-based index of the entry within its source
  raw: bytes  # the entry's own bytes when separable, else the source's
  item_type: str = 'text'  # ninjs type: text, picture, video, audio, graphic
  guid: Optional[str] = None  # identifier given by the source (guid, id, uri)
  # Who a guid that is not a URI is unique within, when the source says so
  # (a NewsML-G2 provider, an NITF doc-id's registering source); else the
  # feed's host or the source's location stands in.
  guid_scope: Optional[str] = None
  version: Optional[str] = None
  link: Optional[str] = None
  title: Optional[str] = None
  title_is_html: bool = False
  summary: Optional[str] = None
  summary_is_html: bool = False
  body: Optional[str] = None
  body_is_html: bool = False
  byline: Optional[str] = None
  located: Optional[str] = None  # place of the dateline or located element
  agency: Optional[str] = None  # agency named by a dateline or the metadata
  firstcreated_raw: Optional[str] = None
  versioncreated_raw: Optional[str] = None
  language: Optional[str] = None  # language declared by the source
  pubstatus: Optional[str] = None  # usable, withheld, canceled
  urgency: Optional[int] = None
  feed_title: Optional[str] = None
  feed_link: Optional[str] = None
  # For feeds that declare no language: the one detected on all entries.
  feed_language: Optional[str] = None
  keywords: List[str] = dataclasses.field(default_factory=list)
  # Version indicators a wire format gives apart from its headline (IPTC
  # 7901's "1ST LEAD" line): joined to the flags written in the headline.
  headline_flags: List[str] = dataclasses.field(default_factory=list)
  update_number: Optional[int] = None
  # When the source was delivered (file mtime, fetch time): the reference
  # for dates that lack a year, such as "September 28" in a dateline.
  received_at: Optional[datetime.datetime] = None
  # The codec the source's bytes were decoded with, and why (``text.Decoded``).
  charset: Optional[str] = None
  charset_reason: Optional[str] = None
  # Metadata, as the source gives it; each dict has the keys of its record
  # in schemas/wire_item.avsc (Subject, Rendition, Association, Entity).
  subjects: List[dict] = dataclasses.field(default_factory=list)
  genre: Optional[str] = None
  embargoed_raw: Optional[str] = None
  copyright_holder: Optional[str] = None
  usage_terms: Optional[str] = None
  renditions: List[dict] = dataclasses.field(default_factory=list)
  associations: List[dict] = dataclasses.field(default_factory=list)
  # People, organisations and places the source names with their ids
  # (ninjs, NewsML-G2): entities with model 'source'.
  source_entities: List[dict] = dataclasses.field(default_factory=list)
