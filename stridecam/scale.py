"""Pixels to metres (pure numpy).

Three calibrations, best first when several are given:
- ``ground_rectangle``: four image points of a known ground rectangle (lane marks, cones) give a
  homography of the ground plane; the scale is taken along the athlete's line of travel.
- ``two_points``: two image points a known distance apart, at the athlete's depth.
- ``athlete_height``: the athlete's standing height; the leg (hip to ankle, thigh + shank as seen
  in side view) is ``LEG_FRACTION_OF_HEIGHT`` of it (Winter, Biomechanics and Motor Control of
  Human Movement, segment lengths: thigh 0.245 H, shank 0.246 H).
Without any, lengths are expressed in leg lengths (``units = "leg"``) and say so.
"""

from __future__ import annotations

import numpy as np

from .landmarks import IDX
from .track import Scale

#: Hip-to-ankle length as a fraction of standing height (thigh 0.245 + shank 0.246, Winter).
LEG_FRACTION_OF_HEIGHT = 0.491
#: Relative 1-sigma spread of that fraction between adults (anthropometric tables: ~2.5%).
LEG_FRACTION_REL_SD = 0.025


def leg_length_px(xy_px: np.ndarray) -> tuple[float, float]:
    """Athlete's leg length in pixels, robust over frames, and its relative spread.

    Per frame and leg, thigh (hip-knee) + shank (knee-ankle) lengths; in a side view the sagittal
    segments are seen at full length, so the 75th percentile over frames rejects the frames where
    a tracker shortened them. Returns (length_px, relative interquartile half-range).
    """
    lengths = []
    for side in ("left", "right"):
        hip, knee, ankle = (xy_px[:, IDX[f"{side}_{p}"]] for p in ("hip", "knee", "ankle"))
        thigh = np.linalg.norm(knee - hip, axis=1)
        shank = np.linalg.norm(ankle - knee, axis=1)
        lengths.append(thigh + shank)
    values = np.concatenate(lengths)
    values = values[np.isfinite(values)]
    if values.size < 5:
        return float("nan"), float("nan")
    q25, q75 = np.percentile(values, [25, 75])
    length = float(np.percentile(values, 75))
    return length, float((q75 - q25) / 2 / length)


def from_height(leg_px: float, spread: float, height_m: float) -> Scale:
    """Scale from the athlete's standing height in metres."""
    leg_m = height_m * LEG_FRACTION_OF_HEIGHT
    rel = float(np.hypot(LEG_FRACTION_REL_SD, spread / 3.0))
    return Scale(units_per_px=leg_m / leg_px, units="m", method="athlete_height",
                 rel_uncertainty=rel, leg_length_px=leg_px,
                 detail=f"height {height_m:.2f} m, leg {leg_m:.3f} m = {leg_px:.0f} px")


def from_two_points(leg_px: float, p1: tuple[float, float], p2: tuple[float, float],
                    distance_m: float, click_error_px: float = 2.0) -> Scale:
    """Scale from two image points ``distance_m`` apart (at the athlete's depth)."""
    d_px = float(np.hypot(p2[0] - p1[0], p2[1] - p1[1]))
    if d_px <= 0 or distance_m <= 0:
        raise ValueError("two-point calibration needs two distinct points and a positive distance")
    return Scale(units_per_px=distance_m / d_px, units="m", method="two_points",
                 rel_uncertainty=float(np.sqrt(2) * click_error_px / d_px), leg_length_px=leg_px,
                 detail=f"{distance_m:g} m = {d_px:.0f} px")


def homography(image_pts: np.ndarray, ground_pts_m: np.ndarray) -> np.ndarray:
    """3x3 homography taking image pixels to ground-plane metres (direct linear transform)."""
    rows = []
    for (u, v), (x, y) in zip(np.asarray(image_pts, float), np.asarray(ground_pts_m, float)):
        rows.append([u, v, 1, 0, 0, 0, -x * u, -x * v, -x])
        rows.append([0, 0, 0, u, v, 1, -y * u, -y * v, -y])
    _, _, vt = np.linalg.svd(np.array(rows))
    h = vt[-1].reshape(3, 3)
    return h / h[2, 2]


def apply_homography(h: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Map (k, 2) image points through ``h``."""
    pts = np.asarray(pts, float)
    hom = np.c_[pts, np.ones(len(pts))] @ h.T
    return hom[:, :2] / hom[:, 2:3]


def from_ground_rectangle(leg_px: float, image_pts: np.ndarray, size_m: tuple[float, float],
                          at_px: tuple[float, float]) -> Scale:
    """Scale along image x at ``at_px`` (the athlete's mean foot point) from a ground rectangle.

    ``image_pts``: the rectangle's corners in order (4, 2); ``size_m``: (width along the first
    edge, length along the second edge) in metres.
    """
    w, l = size_m
    h = homography(image_pts, np.array([[0, 0], [w, 0], [w, l], [0, l]], float))
    u, v = at_px
    a, b = apply_homography(h, np.array([[u - 50.0, v], [u + 50.0, v]]))
    per_px = float(np.linalg.norm(b - a) / 100.0)
    return Scale(units_per_px=per_px, units="m", method="ground_rectangle", rel_uncertainty=0.02,
                 leg_length_px=leg_px, detail=f"rectangle {w:g} x {l:g} m")


def in_leg_lengths(leg_px: float, spread: float) -> Scale:
    """No calibration: lengths in leg lengths (hip to ankle = 1)."""
    return Scale(units_per_px=1.0 / leg_px, units="leg", method="leg_length",
                 rel_uncertainty=float(spread / 3.0), leg_length_px=leg_px,
                 detail="no calibration given: lengths are in leg lengths")
