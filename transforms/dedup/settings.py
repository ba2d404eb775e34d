"""The dedup stage's settings, shared by batch, streaming and the options."""
import dataclasses


@dataclasses.dataclass(frozen=True)
class DedupSettings:
  """Tuned on Reuters-21578 (see eval/dedup_eval.py and the README)."""
  shingle_size: int = 4
  num_perm: int = 128
  bands: int = 32
  jaccard_threshold: float = 0.7
  containment_threshold: float = 0.9
  # Items with fewer shingles (a bare headline) are matched exactly only.
  min_shingles: int = 8
  # Earlier bucket members each item is verified against, at most.
  fan_out: int = 20
  # Same headline: a short item matches within this time of the other item,
  # under a headline of at least this many words (an ideograph counts half),
  # seen over at most this many different texts.
  headline_window_seconds: float = 12 * 3600.0
  min_headline_words: float = 5
  generic_headline_bodies: int = 3
  # Pointer-jumping rounds: chains of up to 2**rounds items are resolved.
  root_rounds: int = 4

  @property
  def headline_window_micros(self) -> int:
    return round(self.headline_window_seconds * 1_000_000)
