"""Settings and statistics of the athlete tracker (``tracker.AthleteTracker``)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TrackSettings:
    """Knobs of the athlete tracker (see the module docstring for what each one does).

    Lengths relative to the body are in "extents" (larger side of the landmarks' box).
    """

    crop_margin: float = 1.6  # crop side / body extent
    min_crop_px: int = 96  # smallest crop side, pixels
    max_input_px: int = 512  # crops are shrunk to at most this before inference
    min_quality: float = 0.6  # mean landmark presence to accept a pose
    max_jump: float = 0.5  # allowed hip offset from the prediction, extents (+ 2 per second)
    max_size_change: float = 1.6  # allowed extent ratio to the last accepted pose
    min_size_px: float = 24.0  # smaller poses are ignored
    tile_frac: float = 0.6  # search tile side / shorter frame side
    search_interval_s: float = 0.2  # while lost, search at most this often (capture time)
    slow_search_after_s: float = 1.0  # ... and 2.5x less often once lost (or absent) this long
    pending_max_mb: float = 200.0  # frames kept while lost, to track back from a new find
    relock_s: float = 0.5  # lost for less than this: look only near the prediction
    choose_s: float = 0.5  # several people at acquisition: follow each this long, then choose
    people_interval_s: float = 1.0  # count the people in frame this often (3 calls + checks)
    video_retry_s: float = 0.5  # VIDEO mode: after 3 misses, retry the VIDEO call this often


@dataclass
class TrackStats:
    """What the tracker did: landmarker calls by purpose, frames by source, people counts."""

    calls: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("video", "crop", "search", "verify", "people"), 0))
    frames_by_source: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("video", "crop", "search", "backfill"), 0))
    people_counts: list[int] = field(default_factory=list)  # one per people scan
    acquisitions: int = 0  # first acquisition + re-acquisitions after losing the athlete
    choices: int = 0  # acquisitions that had to choose between several people
    video_resets: int = 0
