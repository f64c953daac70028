"""``Poses``: the seam between video and everything else.

A ``Poses`` value holds one tracked athlete's 33 MediaPipe landmarks per kept video frame, in image
pixels, with a real timestamp per frame. The video and pose stages produce it; the simulator
produces it too (projected ground truth), so the analysis stages never need to know which.

Conventions
-----------
- ``time_s``: seconds of real (capture) time since the first decoded frame, one per kept frame,
  strictly increasing. For slow-motion clips it is already scaled by playback/capture rate.
  Repeated (duplicate) frames are dropped before they reach a ``Poses``.
- ``xy_px``: image pixels, x to the right, y **down**, origin at the top-left of the upright
  (display-orientation) frame. NaN where no athlete was found in that frame.
- ``z_rel``: MediaPipe's relative depth of each landmark (same scale as x in pixels, smaller is
  nearer the camera, hips' midpoint ~0). NaN where not found.
- ``visibility``: MediaPipe's visibility score in [0, 1]; NaN where not found.
- ``world_m``: MediaPipe world landmarks in metres (origin between the hips, y down). NaN where
  not found. Kept for reference; stridecam's metric scale does not rely on them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from stridecam.model.errors import StridecamError
from stridecam.model.landmarks import N_LANDMARKS

#: Flag levels, least to most severe.
LEVELS = ("info", "warning", "error")


@dataclass(frozen=True)
class Flag:
    """A data-quality finding: poor-but-legal data is reported, not raised.

    ``code`` is a stable machine name (e.g. ``"repeated_frames"``), ``level`` one of ``LEVELS``,
    ``message`` one plain sentence for a coach.
    """

    code: str
    level: str
    message: str

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"flag level must be one of {LEVELS}, not {self.level!r}")

    def to_dict(self) -> dict[str, str]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Poses:
    """One athlete's landmarks over time (see the module docstring for units and axes).

    Construct it directly: ``__post_init__`` validates shapes, dtypes and timing, and raises
    ``StridecamError`` when the contract is broken.
    """

    time_s: np.ndarray  # (n,) float64, strictly increasing, seconds of capture time
    frame_index: np.ndarray  # (n,) int64, index of the frame in the container's decode order
    xy_px: np.ndarray  # (n, 33, 2) float64, pixels, y down; NaN = not found
    z_rel: np.ndarray  # (n, 33) float64, MediaPipe relative depth (pixel scale)
    visibility: np.ndarray  # (n, 33) float64 in [0, 1]
    world_m: np.ndarray  # (n, 33, 3) float64, metres, MediaPipe world frame
    frame_size_px: tuple[int, int]  # (width, height) of the upright frame
    source: str  # file path, or "simulated:<preset>"
    model: str  # pose model name, e.g. "pose_landmarker_full", or "ground_truth"
    nominal_fps: float  # container's average frame rate (playback)
    capture_fps: float  # real capture rate used for time_s (== nominal_fps unless slow motion)
    flags: tuple[Flag, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)  # JSON-serialisable extras

    def __post_init__(self) -> None:
        t = np.asarray(self.time_s, dtype=np.float64)
        n = t.shape[0] if t.ndim == 1 else -1
        if n < 0:
            raise StridecamError(f"Poses.time_s must be 1-D, got shape {np.shape(self.time_s)}")
        coerce = {
            "time_s": (t, (n,)),
            "frame_index": (np.asarray(self.frame_index, dtype=np.int64), (n,)),
            "xy_px": (np.asarray(self.xy_px, dtype=np.float64), (n, N_LANDMARKS, 2)),
            "z_rel": (np.asarray(self.z_rel, dtype=np.float64), (n, N_LANDMARKS)),
            "visibility": (np.asarray(self.visibility, dtype=np.float64), (n, N_LANDMARKS)),
            "world_m": (np.asarray(self.world_m, dtype=np.float64), (n, N_LANDMARKS, 3)),
        }
        for name, (arr, shape) in coerce.items():
            if arr.shape != shape:
                raise StridecamError(f"Poses.{name} must have shape {shape}, got {arr.shape}")
            object.__setattr__(self, name, arr)
        if n > 1 and not np.all(np.diff(t) > 0):
            raise StridecamError("Poses.time_s must be strictly increasing")
        if not np.all(np.isfinite(t)):
            raise StridecamError("Poses.time_s must be finite")
        w, h = (int(v) for v in self.frame_size_px)
        if w <= 0 or h <= 0:
            raise StridecamError(f"Poses.frame_size_px must be positive, got {self.frame_size_px}")
        object.__setattr__(self, "frame_size_px", (w, h))
        for name in ("nominal_fps", "capture_fps"):
            v = float(getattr(self, name))
            if not np.isfinite(v) or v <= 0:
                raise StridecamError(f"Poses.{name} must be a positive number, got {v}")
            object.__setattr__(self, name, v)
        object.__setattr__(self, "flags", tuple(self.flags))

    # ---------------------------------------------------------------- derived, read-only
    @property
    def n_frames(self) -> int:
        return int(self.time_s.shape[0])

    @property
    def detected(self) -> np.ndarray:
        """(n,) bool: True where an athlete was found in the frame."""
        return np.isfinite(self.xy_px).all(axis=2).any(axis=1)

    @property
    def detection_rate(self) -> float:
        """Fraction of kept frames with an athlete found (0..1); NaN for an empty ``Poses``."""
        return float(self.detected.mean()) if self.n_frames else float("nan")

    @property
    def effective_fps(self) -> float:
        """Distinct frames per second of capture time (median frame interval), NaN if < 2 frames."""
        if self.n_frames < 2:
            return float("nan")
        return float(1.0 / np.median(np.diff(self.time_s)))

    def replace(self, **changes: Any) -> Poses:
        """A new ``Poses`` with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def with_flags(self, *flags: Flag) -> Poses:
        return self.replace(flags=self.flags + tuple(flags))
