"""How the ground under the stance foot moves in the image (OpenCV, grey crops).

A planted foot moves with the ground. On a still camera the ground does not move; a panning
camera moves the whole track; a treadmill belt moves under a still camera. Three estimates:

- the athlete's *travel*: how fast the hips move in the image compared with the stance foot
  (landmarks, medians over the contacts; the caller's ``hip_ratio``). An athlete crossing the
  image is filmed by a still camera; one who stays put is followed by the camera or runs on a
  treadmill. (The landmarks' stance-foot speed alone cannot tell: its noise on a still camera,
  0.1-0.4 foot lengths per frame on the block-start clips, is as large as a treadmill belt.)
- the *foot's own* motion through mid-stance: its corners chained frame by frame over
  ``steady_span_s`` back and forward from mid-stance (Lucas-Kanade, median over corners), in
  pixels per frame; steady (the same before and after) when it rides the ground;
- the *ground strip*: a band just below the foot, frame-to-frame shift by phase correlation
  (``cv2.phaseCorrelate``, Hanning window), with its peak response.

``ground_shift`` decides, per contact, which motion the planted foot should follow:

- ``still``: the athlete travels across the image: zero (the strip is not asked: a long shadow
  or a passing leg makes it move on a still camera);
- ``strip``: otherwise, when the ground strip moves like the foot (panning camera): the strip's
  frame-to-frame shifts, summed;
- ``belt``: otherwise, the foot moving steadily while the strip does not follow it (a treadmill
  filmed from belt level, where the belt itself cannot be seen): the foot's own mid-stance
  motion, constant over the window;
- ``unknown``: the foot does not move steadily near mid-stance (e.g. the landmarks' contact is
  a foot swinging low): the image cannot decide and the landmark events are kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from stridecam.io.evidence.planted import (
    Box,
    find_corners,
    lk_params,
    max_fb_px,
    patch_at,
    track_step,
)
from stridecam.model.evidence_settings import EvidenceSettings


@dataclass(frozen=True)
class GroundMotion:
    """``shift``: (n, 2) ground displacement (x, y pixels) of each window frame relative to the
    mid-stance frame ``mid`` (window position; on moving ground the frame near the landmark
    mid-contact where the foot moves most steadily), whose foot box is ``box``; ``mode``:
    still / strip / belt / unknown; ``velocity_px``: the foot's (x, y) motion through
    mid-stance, pixels per frame (NaN if not measured)."""

    shift: np.ndarray
    mode: str
    velocity_px: tuple[float, float]
    mid: int
    box: Box


def foot_velocity(frames: list[np.ndarray], mid: int, box: Box, guess_px: np.ndarray,
                  foot_px: float, s: EvidenceSettings, reach: int = 1) -> np.ndarray:
    """The stance foot's steady motion through mid-stance, (2, 2): row 0 from ``mid - reach``
    to ``mid``, row 1 from ``mid`` to ``mid + reach`` (x, y pixels per frame; NaN where it
    cannot be tracked). Its corners are chained frame to frame, each step starting from the
    motion found so far (first ``guess_px``, from the landmarks); the median over corners."""
    out = np.full((2, 2), np.nan)
    corners = find_corners(frames[mid], box, s)
    if len(corners) < s.min_features:
        return out
    params = dict(lk_params(foot_px, s), maxLevel=3)
    for row, way in enumerate((-1, 1)):
        pts, alive, v = corners.copy(), np.ones(len(corners), bool), guess_px.astype(np.float32)
        f = mid
        for _ in range(reach):
            if not 0 <= f + way < len(frames):
                break
            new, ok = track_step(frames[f], frames[f + way], pts, pts + way * v, params,
                                 4 * max_fb_px(foot_px, s))
            alive &= ok
            pts = np.where(ok[:, None], new, pts)
            f += way
            if alive.sum() < s.min_features:
                break
            v = (way * np.median(pts[alive] - corners[alive], axis=0) / abs(f - mid)).astype(
                np.float32)
        if alive.sum() >= s.min_features and f != mid:
            out[row] = v
    return out


def strip_shifts(frames: list[np.ndarray], strip: Box) -> tuple[np.ndarray, np.ndarray]:
    """(n-1, 2) frame-to-frame shift (x, y pixels) of the ``strip`` region and (n-1,) phase
    correlation responses (0..1; 0 where the strip is flat or missing)."""
    n = len(frames)
    shifts = np.zeros((max(n - 1, 0), 2))
    resp = np.zeros(max(n - 1, 0))
    first = patch_at(frames[0], strip) if n else None
    if first is None or min(first.shape) < 8:
        return shifts, resp
    window = cv2.createHanningWindow(first.shape[::-1], cv2.CV_64F)
    prev = first.astype(np.float64)
    for i in range(1, n):
        cur = patch_at(frames[i], strip)
        if cur is None:
            break
        cur = cur.astype(np.float64)
        if prev.std() > 1.0 and cur.std() > 1.0:
            (dx, dy), r = cv2.phaseCorrelate(prev, cur, window)
            shifts[i - 1] = (dx, dy)
            resp[i - 1] = r
        prev = cur
    return shifts, resp


def ground_shift(frames: list[np.ndarray], mid: int, feature_box: Box, strip: Box,
                 guess_px: np.ndarray, hip_ratio: float, foot_px: float, dt_s: float,
                 s: EvidenceSettings) -> GroundMotion:
    """The ground's displacement in each window frame relative to mid-stance (module doc);
    ``dt_s`` is the frame interval, ``guess_px`` the stance foot's typical landmark motion
    (pixels per frame).

    The athlete's travel decides first: hips crossing the image faster than ``still_hip_ratio``
    times the stance foot moves -> a still camera (``still``; the ground strip is not asked: a
    long shadow or a passing leg moves it). Otherwise the camera follows the athlete or the
    belt moves: the foot's own motion is measured over ``steady_span_s`` before and after each
    frame within that span of the landmark mid-contact, and the steadiest is taken as
    mid-stance (landmark contacts can be a few frames late; push-off is not steady). The ground
    strip moving the same way -> ``strip`` (its frame-to-frame shifts, summed); else, the foot
    moving steadily -> ``belt`` (that motion, constant); else ``unknown``.
    """
    n = len(frames)
    zero = np.zeros((n, 2))
    if hip_ratio >= s.still_hip_ratio:
        return GroundMotion(zero, "still", (0.0, 0.0), mid, feature_box)
    reach = max(1, min(mid, n - 1 - mid, int(round(s.steady_span_s / dt_s))))
    best = None
    guess_speed = float(np.hypot(*guess_px))
    for cand in range(max(mid - reach, reach), min(mid + reach, n - 1 - reach) + 1):
        d = np.rint(guess_px * (cand - mid)).astype(int)
        box = (feature_box[0] + d[0], feature_box[1] + d[1], feature_box[2] + d[0],
               feature_box[3] + d[1])
        motion = foot_velocity(frames, cand, box, guess_px, foot_px, s, reach)
        # the stance foot moves with the ground at about the clip's typical stance speed;
        # a steady motion far from it is the background or a swinging foot
        if np.isfinite(motion).all() and np.hypot(*(motion.mean(axis=0) - guess_px)) < (
                s.max_speed_change * guess_speed):
            err = float(np.hypot(*(motion[0] - motion[1])))
            if best is None or err < best[0]:
                best = (err, cand, box, motion)
    if best is None:
        return GroundMotion(zero, "unknown", (float("nan"), float("nan")), mid, feature_box)
    err, mid, box, motion = best
    v = motion.mean(axis=0)
    vel = (float(v[0]), float(v[1]))
    tol = s.steady_tol_foot * foot_px
    if err >= tol:
        return GroundMotion(zero, "unknown", vel, mid, box)  # not steady: not on the ground
    steps, resp = strip_shifts(frames, strip)
    near = slice(max(mid - reach, 0), min(mid + reach, len(resp)))
    if len(resp) and float(np.median(resp[near])) >= s.min_strip_response:
        g = np.median(steps[near], axis=0)
        if np.hypot(*(v - g)) < tol:
            ok = resp >= s.min_strip_response
            steps = np.where(ok[:, None], steps, g)  # weak pairs: the mid-stance motion
            cum = np.vstack([np.zeros(2), np.cumsum(steps, axis=0)])
            return GroundMotion(cum - cum[mid], "strip", vel, mid, box)
    return GroundMotion(np.outer(np.arange(n) - mid, v), "belt", vel, mid, box)
