"""Per-sample joint and segment angles of the cleaned track (pure numpy), in degrees.

Sagittal-plane angles in the ground frame of ``model.track`` (x forward in the running
direction, y up), so "forward" is the athlete's forward whichever way they ran in the image:

- ``trunk_angle_deg``: hip mid-point to shoulder mid-point from vertical, forward positive (the
  ``trunk_lean_deg`` of the steps table, sample by sample).
- ``<side>_thigh_angle_deg``: hip to knee from vertical (pointing down), forward positive.
- ``<side>_shank_angle_deg``: knee to ankle from vertical (pointing down), positive when the
  ankle is ahead of the knee.
- ``<side>_foot_angle_deg``: heel to toe (``foot_index``) from horizontal, toe up positive.
- ``<side>_hip_flexion_deg`` = thigh + trunk angle: 0 standing, positive flexion (thigh
  forward of the trunk's line), negative extension.
- ``<side>_knee_flexion_deg`` = thigh - shank angle: 0 straight, positive flexion.
- ``<side>_ankle_flexion_deg`` = foot - shank angle: 0 with the foot at right angles to the
  shank (standing), positive dorsiflexion, negative plantarflexion.

Joint angles are wrapped into [-180, 180) deg.

``<side>`` is the tracker's left/right label (the steps table names feet by alternation
instead, as the labels can swap); NaN where a landmark is missing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stridecam.model.landmarks import IDX
from stridecam.model.track import Track

SIDES = ("left", "right")
#: Per-side angle names, in column order (``<side>_<name>_deg``).
SIDE_ANGLES = ("hip_flexion", "knee_flexion", "ankle_flexion", "thigh_angle", "shank_angle",
               "foot_angle")


def from_vertical_deg(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    """(n,) angle (deg) of the segment ``top`` -> ``bottom`` ((n, 2) points, y up) from the
    downward vertical, positive when ``bottom`` is ahead (+x) of ``top``."""
    d = bottom - top
    return np.degrees(np.arctan2(d[:, 0], -d[:, 1]))


def from_horizontal_deg(back: np.ndarray, front: np.ndarray) -> np.ndarray:
    """(n,) angle (deg) of the segment ``back`` -> ``front`` ((n, 2) points, y up) from the
    forward horizontal, positive when ``front`` is higher."""
    d = front - back
    return np.degrees(np.arctan2(d[:, 1], d[:, 0]))


def wrap_deg(angle: np.ndarray) -> np.ndarray:
    """Angles (deg) wrapped into [-180, 180)."""
    return (angle + 180.0) % 360.0 - 180.0


def _mid(xy: np.ndarray, a: str, b: str) -> np.ndarray:
    return (xy[:, IDX[a]] + xy[:, IDX[b]]) / 2.0


def joint_angles(track: Track) -> pd.DataFrame:
    """One row per track sample: ``time_s``, ``trunk_angle_deg`` and, per side, the angles of
    ``SIDE_ANGLES`` (deg; definitions in the module docstring)."""
    xy = track.xy
    hips = _mid(xy, "left_hip", "right_hip")
    shoulders = _mid(xy, "left_shoulder", "right_shoulder")
    up = shoulders - hips
    trunk = np.degrees(np.arctan2(up[:, 0], up[:, 1]))  # from the upward vertical, forward +
    cols: dict[str, np.ndarray] = {"time_s": track.time_s, "trunk_angle_deg": trunk}
    for side in SIDES:
        p = {name: xy[:, IDX[f"{side}_{name}"]] for name in ("hip", "knee", "ankle", "heel",
                                                             "foot_index")}
        thigh = from_vertical_deg(p["hip"], p["knee"])
        shank = from_vertical_deg(p["knee"], p["ankle"])
        foot = from_horizontal_deg(p["heel"], p["foot_index"])
        values = {"hip_flexion": wrap_deg(thigh + trunk), "knee_flexion": wrap_deg(thigh - shank),
                  "ankle_flexion": wrap_deg(foot - shank), "thigh_angle": thigh,
                  "shank_angle": shank, "foot_angle": foot}
        for name in SIDE_ANGLES:
            cols[f"{side}_{name}_deg"] = values[name]
    return pd.DataFrame(cols)
