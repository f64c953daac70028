"""When is the foot planted? Corners of the shoe tracked frame by frame (OpenCV, grey crops).

A planted foot stops moving relative to the ground: first the part that lands (heel or ball of
the foot), last the tip of the shoe the foot rolls over in push-off. So:

1. Corners (Shi-Tomasi) are taken on the stance foot at mid-stance, in a box around its heel and
   toe landmarks.
2. Each corner is tracked outward from mid-stance, frame by frame, with pyramidal Lucas-Kanade
   (forward-backward checked), the ground's own motion given as the initial guess. It is
   *planted* in a frame while it stays within ``planted_tol_foot`` of where it was
   ``drift_span_s`` earlier (later) in its run, moved with the ground (``shift``); its planted
   run ends, on each side, at the first frame where it leaves that place or its track is lost.
3. Corners of the ground rather than the foot (the box holds some track surface and shadow)
   never leave their place: their runs reach the window's ends, and their patch at mid-stance
   matches the same ground place at the window's ends; both exclude them.
4. The whole box at mid-stance must match a neighbouring frame (NCC >= ``min_mid_ncc``, moved
   with the ground): otherwise the box is not on a planted foot and the image cannot decide.
5. Touchdown = the first frame of the earliest run (the first part of the shoe to stop),
   toe-off = the last frame of the latest run (the last part to leave).

Why corners and not one patch: the shoe rolls (heel to ball to toe), so a patch of the whole
foot at mid-stance matches well only near mid-stance (at 30 fps often a single frame), and
matches early when the swinging shoe passes close to its landing place; the runs of the corners
that land first and leave last bound the contact.

Everything here works on a list of equally sized grey crops ``frames`` (one per video frame of
the window, in time order) with pixel coordinates inside the crop; ``shift[i]`` is the ground's
displacement (x, y pixels) in frame ``i`` relative to the mid-stance frame (zeros for a still
camera).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from stridecam.model.evidence_settings import EvidenceSettings

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 inside the crop, end exclusive


@dataclass(frozen=True)
class Planted:
    """What the corners of one contact said (indices are positions in the window's frames).

    ``touchdown``/``toe_off``: window position of the first/last planted frame, or -1 when the
    image cannot decide that edge (``reason`` says why). ``*_support``: corners whose run starts
    (ends) exactly there; ``*_next``: the next-earliest start (next-latest end) among the other
    corners, -1 if none (how clear the edge is). ``starts``/``ends``/``on_foot``/``corners``: per
    corner, for figures. ``ncc``: the foot patch at mid-stance against each frame, moved with
    the ground (NaN where it leaves the crop).
    """

    touchdown: int = -1
    toe_off: int = -1
    touchdown_support: int = 0
    toe_off_support: int = 0
    touchdown_next: int = -1
    toe_off_next: int = -1
    reason: str = ""
    corners: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    starts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    ends: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    on_foot: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    ncc: np.ndarray = field(default_factory=lambda: np.zeros(0))
    patch_box: Box = (0, 0, 0, 0)


def ncc(a: np.ndarray, b: np.ndarray) -> float:
    """Zero-mean normalised cross-correlation of two equal-shape patches (-1..1; NaN if flat)."""
    a = a.astype(np.float64) - a.mean()
    b = b.astype(np.float64) - b.mean()
    den = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / den) if den > 1e-9 else float("nan")


def patch_at(image: np.ndarray, box: Box, offset: np.ndarray | tuple[float, float] = (0, 0)
             ) -> np.ndarray | None:
    """The ``box`` patch of ``image`` moved by ``offset`` (pixels, rounded); None if it leaves
    the image."""
    dx, dy = (int(round(float(v))) for v in offset)
    x0, y0, x1, y1 = box[0] + dx, box[1] + dy, box[2] + dx, box[3] + dy
    h, w = image.shape[:2]
    if x0 < 0 or y0 < 0 or x1 > w or y1 > h or x1 <= x0 or y1 <= y0:
        return None
    return image[y0:y1, x0:x1]


def find_corners(image: np.ndarray, box: Box, s: EvidenceSettings) -> np.ndarray:
    """(k, 2) float32 corners (x, y) of ``image`` inside ``box`` (Shi-Tomasi)."""
    mask = np.zeros(image.shape[:2], np.uint8)
    x0, y0, x1, y1 = box
    mask[max(y0, 0):max(y1, 0), max(x0, 0):max(x1, 0)] = 255
    pts = cv2.goodFeaturesToTrack(image, maxCorners=int(s.max_features),
                                  qualityLevel=float(s.feature_quality),
                                  minDistance=float(s.min_feature_distance_px), mask=mask,
                                  blockSize=3)
    return np.zeros((0, 2), np.float32) if pts is None else pts.reshape(-1, 2).astype(np.float32)


def lk_params(foot_px: float, s: EvidenceSettings) -> dict:
    """Lucas-Kanade parameters for a foot ``foot_px`` long."""
    side = int(np.clip(round(s.track_window_foot * foot_px), 5, 31)) | 1
    return dict(winSize=(side, side), maxLevel=2,
                criteria=(cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 30, 0.01))


def max_fb_px(foot_px: float, s: EvidenceSettings) -> float:
    """Largest forward-backward tracking error (pixels) of a kept step."""
    return max(s.max_forward_backward_foot * foot_px, s.max_forward_backward_min_px)


def track_step(a: np.ndarray, b: np.ndarray, pts: np.ndarray, guess: np.ndarray,
               params: dict, max_fb_px: float) -> tuple[np.ndarray, np.ndarray]:
    """Track ``pts`` from image ``a`` to ``b`` starting from ``guess``: (new points, ok), ok
    False where the track is lost (status 0 or forward-backward error > ``max_fb_px``)."""
    if len(pts) == 0:
        return pts, np.zeros(0, dtype=bool)
    p0 = pts.reshape(-1, 1, 2).astype(np.float32)
    g = guess.reshape(-1, 1, 2).astype(np.float32).copy()
    p1, st1, _ = cv2.calcOpticalFlowPyrLK(a, b, p0, g, flags=cv2.OPTFLOW_USE_INITIAL_FLOW,
                                          **params)
    back, st2, _ = cv2.calcOpticalFlowPyrLK(b, a, p1, p0.copy(),
                                            flags=cv2.OPTFLOW_USE_INITIAL_FLOW, **params)
    fb = np.linalg.norm((back - p0).reshape(-1, 2), axis=1)
    ok = (st1.ravel() == 1) & (st2.ravel() == 1) & (fb <= max_fb_px)
    return p1.reshape(-1, 2), ok


def planted_runs(frames: list[np.ndarray], mid: int, corners: np.ndarray, shift: np.ndarray,
                 tol_px: float, params: dict, max_fb_px: float, span: int
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Per corner, the window positions (start, end) of its planted run around ``mid``: the
    first and last frame in which it is where it was ``span`` frames closer to mid-stance
    (or at mid-stance, if nearer), moved with the ground, within ``tol_px``. (Measured over a
    limited span, a small error of the ground's motion or the shoe's slow roll does not add
    up over a long contact; the foot leaving the ground does.)

    ``start`` is -1 (``end`` is ``len(frames)``) when the run reaches the window's first (last)
    frame: unbounded on that side.
    """
    n, k = len(frames), len(corners)
    starts = np.full(k, -1)
    ends = np.full(k, n)
    for way in (-1, 1):
        pts = corners.astype(np.float32).copy()
        trail = [(mid, corners.astype(np.float64))]  # (frame, positions) along the run
        alive = np.ones(k, dtype=bool)
        f = mid
        while 0 <= f + way < n and alive.any():
            step = (shift[f + way] - shift[f]).astype(np.float32)
            idx = np.flatnonzero(alive)
            new, ok = track_step(frames[f], frames[f + way], pts[idx], pts[idx] + step, params,
                                 max_fb_px)
            ref_f, ref = trail[max(0, len(trail) - span)]
            off = np.linalg.norm(new - ref[idx] - (shift[f + way] - shift[ref_f]), axis=1)
            still = ok & (off <= tol_px)
            lost = idx[~still]
            if way < 0:
                starts[lost] = f
            else:
                ends[lost] = f
            alive[lost] = False
            pts[idx[still]] = new[still]
            f += way
            trail.append((f, pts.astype(np.float64).copy()))
    return starts, ends


def on_foot(frames: list[np.ndarray], mid: int, corners: np.ndarray, shift: np.ndarray,
            half_px: int, ground_ncc_max: float, start: bool = True) -> np.ndarray:
    """(k,) bool: the corner's patch at mid-stance does not reappear at the same ground place
    in the window's two first (unless not ``start``: a foot planted since before the window)
    and two last frames (so it is on the foot, not the ground)."""
    n = len(frames)
    ends = sorted(({0, min(1, n - 1)} if start else set()) | {max(n - 2, 0), n - 1} - {mid})
    out = np.ones(len(corners), dtype=bool)
    for i, (x, y) in enumerate(corners):
        xi, yi = int(round(float(x))), int(round(float(y)))
        box = (xi - half_px, yi - half_px, xi + half_px + 1, yi + half_px + 1)
        ref = patch_at(frames[mid], box)
        if ref is None:
            out[i] = False
            continue
        for j in ends:
            other = patch_at(frames[j], box, shift[j])
            if other is not None and ncc(ref, other) > ground_ncc_max:
                out[i] = False
                break
    return out


def ncc_curve(frames: list[np.ndarray], mid: int, box: Box, shift: np.ndarray) -> np.ndarray:
    """NCC of the ``box`` patch at mid-stance with the same ground place in every frame."""
    ref = patch_at(frames[mid], box)
    out = np.full(len(frames), np.nan)
    if ref is None:
        return out
    for i, image in enumerate(frames):
        other = patch_at(image, box, shift[i])
        if other is not None:
            out[i] = ncc(ref, other)
    return out


def _edge(values: np.ndarray, first: bool) -> tuple[int, int, int]:
    """(edge, support, next): the earliest (``first``) or latest value, how many share it, and
    the next one among the rest (-1 if none)."""
    v = np.sort(values) if first else np.sort(values)[::-1]
    edge = int(v[0])
    support = int(np.sum(v == edge))
    rest = v[v != edge]
    return edge, support, int(rest[0]) if rest.size else -1


def find_planted(frames: list[np.ndarray], mid: int, feature_box: Box, shift: np.ndarray,
                 foot_px: float, dt_s: float, s: EvidenceSettings,
                 toe_off_only: bool = False) -> Planted:
    """Touchdown and toe-off positions in ``frames`` (``dt_s`` apart) from the corners of the
    stance foot. ``toe_off_only``: the foot was planted before the window began (a foot in the
    blocks): only when it leaves is looked for."""
    n = len(frames)
    if n < 3 or not 0 < mid < n - 1:
        return Planted(reason="window_too_short")
    corners = find_corners(frames[mid], feature_box, s)
    curve = ncc_curve(frames, mid, feature_box, shift)
    if len(corners) < s.min_features:
        return Planted(reason="few_corners", corners=corners, ncc=curve, patch_box=feature_box)
    tol = max(s.planted_tol_foot * foot_px, s.planted_tol_min_px)
    params = lk_params(foot_px, s)
    span = max(1, int(round(s.drift_span_s / dt_s)))
    starts, ends = planted_runs(frames, mid, corners, shift, tol, params, max_fb_px(foot_px, s),
                                span)
    half = max(2, int(round(s.patch_foot * foot_px / 2)))
    foot = on_foot(frames, mid, corners, shift, half, s.ground_ncc_max, start=not toe_off_only)
    details: dict[str, Any] = dict(corners=corners, starts=starts, ends=ends, on_foot=foot,
                                   ncc=curve, patch_box=feature_box)
    mid_match = np.nanmax(curve[[mid - 1, mid + 1]]) if np.isfinite(
        curve[[mid - 1, mid + 1]]).any() else np.nan
    if not mid_match >= s.min_mid_ncc:
        return Planted(reason="not_planted_at_mid", **details)
    result: dict[str, Any] = {}
    reasons = []
    edges = (("toe_off", ends, False),) if toe_off_only else (
        ("touchdown", starts, True), ("toe_off", ends, False))
    for name, values, first in edges:
        bounded = values[foot & (values >= 0) & (values < n)]
        if bounded.size < s.min_features:
            reasons.append(f"{name}_unbounded")
            continue
        edge, support, nxt = _edge(bounded, first)
        result.update({name: edge, f"{name}_support": support, f"{name}_next": nxt})
    if result.get("touchdown", -1) >= 0 and result.get("toe_off", n) <= result["touchdown"]:
        return Planted(reason="empty_run", **details)
    return Planted(reason=";".join(reasons), **result, **details)
