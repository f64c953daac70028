"""``Track``: cleaned landmarks in a ground-fixed frame, the input of events and metrics.

Coordinates: ``xy`` has x forward (the running direction) and y up, origin on the ground line, in
``units`` of either metres (``"m"``, when a scale calibration exists) or leg lengths (``"leg"``,
hip-to-ankle length = 1) when there is none. Camera panning (and a treadmill belt, which looks
the same to the camera) has been removed from x, so a stance foot stands still in x.

Time is a uniform grid (``time_s``, step ``1 / fps``) of capture time.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from stridecam.model.landmarks import IDX, N_LANDMARKS
from stridecam.model.poses import Flag

#: Hip-to-ankle length as a fraction of standing height (thigh 0.245 + shank 0.246 of height:
#: Winter, Biomechanics and Motor Control of Human Movement, segment lengths).
LEG_FRACTION_OF_HEIGHT = 0.491


@dataclass(frozen=True)
class Scale:
    """Pixels-to-units conversion and where it came from.

    ``units_per_px``: metres (or leg lengths) per pixel; ``units``: "m" or "leg"; ``method``:
    "athlete_height", "two_points", "ground_rectangle" or "leg_length"; ``rel_uncertainty``:
    1-sigma relative uncertainty of the scale (0.03 = 3%); ``leg_length_px``: hip-to-ankle
    length of the athlete in pixels (median over frames).
    """

    units_per_px: float
    units: str
    method: str
    rel_uncertainty: float
    leg_length_px: float
    detail: str = ""

    @property
    def leg_length(self) -> float:
        """Leg length (hip to ankle) in ``units``."""
        return self.leg_length_px * self.units_per_px


@dataclass(frozen=True)
class CameraModel:
    """A fitted turning (panning) camera: focal length (px), the bearings of the athlete at the
    clip's first and last frame (deg), the distance to the running line (leg lengths), the
    athlete's leg seen square-on (px), the toe height used (leg lengths) and the rms misfit of
    the athlete's apparent size (relative)."""

    focal_px: float | None
    bearing_first_deg: float
    bearing_last_deg: float
    distance_leg: float | None
    leg_px_square_on: float
    toe_height_leg: float
    size_fit_rms: float


@dataclass(frozen=True)
class Cleaning:
    """What cleaning did and found: outliers removed, how sure the running direction is (0-1),
    the ground line's slope (image y per x) and the stance points it was fitted to, whether the
    camera (or a treadmill belt) moved and the ratio of pan to athlete speed, the uniform grid's
    rate (Hz) and the fitted turning camera (None for a still camera)."""

    n_outliers_removed: int = 0
    direction_agreement: float = float("nan")
    ground_slope: float = float("nan")
    ground_points: int = 0
    camera_moving: bool = False
    pan_ratio: float = 0.0
    grid_fps: float = float("nan")
    camera_model: CameraModel | None = None


@dataclass(frozen=True)
class Track:
    """Cleaned, resampled landmarks of one athlete (see module docstring)."""

    time_s: np.ndarray  # (n,) uniform grid, seconds
    xy: np.ndarray  # (n, 33, 2) x forward, y up above ground, in scale.units; NaN = gap
    visibility: np.ndarray  # (n, 33)
    scale: Scale
    direction: int  # +1 athlete runs to the image's right, -1 to the left
    camera_shift_px: np.ndarray  # (n,) horizontal image shift removed (pan / treadmill belt)
    frame_of_sample: np.ndarray  # (n,) index into the source Poses of the nearest kept frame
    flags: tuple[Flag, ...] = ()
    cleaning: Cleaning = field(default_factory=Cleaning)

    def __post_init__(self) -> None:
        n = len(self.time_s)
        if self.xy.shape != (n, N_LANDMARKS, 2) or self.visibility.shape != (n, N_LANDMARKS):
            raise ValueError(f"Track arrays must have n={n} rows of 33 landmarks")
        if self.direction not in (-1, 1):
            raise ValueError("Track.direction must be +1 or -1")

    @property
    def fps(self) -> float:
        """Samples per second of the uniform grid."""
        if len(self.time_s) < 2:
            return float("nan")
        return float(1.0 / np.median(np.diff(self.time_s)))

    @property
    def n(self) -> int:
        return int(len(self.time_s))

    def point(self, index: int) -> np.ndarray:
        """(n, 2) trajectory of landmark ``index``."""
        return self.xy[:, index, :]

    def replace(self, **changes: Any) -> Track:
        return dataclasses.replace(self, **changes)


def hip_mid_x(xy: np.ndarray) -> np.ndarray:
    """(n,) x of the hips' mid-point from (n, 33, 2) points: one hip where the other is missing,
    NaN where both are."""
    both = xy[:, [IDX["left_hip"], IDX["right_hip"]], 0]
    count = np.isfinite(both).sum(axis=1)
    return np.where(count > 0, np.nansum(both, axis=1) / np.maximum(count, 1), np.nan)
