"""Ground line, foot heights and camera motion from landmarks alone (pure numpy).

- The ground line is fitted through the lowest foot points of the clip (the feet touch the
  ground once a step), robustly, in image pixels.
- Camera motion: a foot in contact stands still on the ground, so its image velocity during
  contact is minus the camera's horizontal pan velocity. A treadmill belt moves the stance foot
  backward exactly like a camera that follows the athlete, so the same estimate turns treadmill
  clips into ground-frame running. Between contacts (flight) the pan velocity is interpolated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import savgol_filter

from stridecam.model.landmarks import IDX
from stridecam.model.track import hip_mid_x

FOOT_POINTS = {side: (IDX[f"{side}_heel"], IDX[f"{side}_foot_index"]) for side in ("left", "right")}


@dataclass(frozen=True)
class GroundLine:
    """Image ground line ``y_px = slope * x_px + intercept_px`` (y down)."""

    slope: float
    intercept_px: float
    n_points: int

    def y_at(self, x_px: np.ndarray) -> np.ndarray:
        return self.slope * np.asarray(x_px) + self.intercept_px


def lowest_foot_point(xy_px: np.ndarray, side: str) -> np.ndarray:
    """(n, 2) the lower (larger y) of heel and toe of one foot, per frame."""
    heel, toe = (xy_px[:, i] for i in FOOT_POINTS[side])
    pick_toe = np.nan_to_num(toe[:, 1], nan=-np.inf) >= np.nan_to_num(heel[:, 1], nan=-np.inf)
    return np.where(pick_toe[:, None], toe, heel)


def fit_ground_line(xy_px: np.ndarray, time_s: np.ndarray, leg_px: float,
                    window_s: float = 0.25, place_leg: float = 0.3) -> GroundLine:
    """Robust line through the lowest foot points, one candidate per ``window_s`` of time and
    per place (candidates within ``place_leg`` leg lengths in x count once, at their median: a
    long set position or standing still, feet on block pedals above the track, must not
    outweigh the running contacts).

    A sloped line is fitted only when the candidates span more than two leg lengths in x (else
    the slope is not determined and the line is level).
    """
    low = np.concatenate([lowest_foot_point(xy_px, s) for s in ("left", "right")])
    times = np.concatenate([time_s, time_s])
    ok = np.isfinite(low).all(axis=1)
    low, times = low[ok], times[ok]
    if len(low) == 0:
        return GroundLine(0.0, float("nan"), 0)
    bins = np.floor((times - times.min()) / window_s).astype(int)
    pts = np.array([low[sel[np.argmax(low[sel, 1])]]
                    for sel in (np.flatnonzero(bins == b) for b in np.unique(bins))])
    pts = _one_per_place(pts, place_leg * leg_px)
    keep = np.ones(len(pts), dtype=bool)
    slope, intercept = 0.0, float(np.median(pts[:, 1]))
    for _ in range(5):
        x, y = pts[keep, 0], pts[keep, 1]
        if len(x) >= 4 and np.ptp(x) > 2 * leg_px:
            slope, intercept = np.polyfit(x, y, 1)
        else:
            slope, intercept = 0.0, float(np.median(y))
        resid = pts[:, 1] - (slope * pts[:, 0] + intercept)
        mad = np.median(np.abs(resid[keep] - np.median(resid[keep]))) + 1e-9
        new = np.abs(resid) < max(3.0 * 1.4826 * mad, 0.02 * leg_px)
        # candidates far above the line are windows without a contact (flight, occlusion)
        if new.sum() < 3 or np.array_equal(new, keep):
            break
        keep = new
    return GroundLine(float(slope), float(intercept), int(keep.sum()))


def _one_per_place(pts: np.ndarray, tol: float) -> np.ndarray:
    """Candidates (k, 2) in time order, consecutive ones within ``tol`` in x merged into their
    median (a place the feet stayed at for several windows counts once)."""
    if len(pts) < 2 or not tol > 0:
        return pts
    groups = np.split(pts, np.flatnonzero(np.abs(np.diff(pts[:, 0])) > tol) + 1)
    return np.array([np.median(g, axis=0) for g in groups])


def foot_speed_rel_hip(xy: np.ndarray, time_s: np.ndarray, side: str,
                       window_s: float = 0.06) -> np.ndarray:
    """(n,) horizontal velocity of a foot (mean of heel and toe) relative to the hips' mid-point,
    in xy units per second (Savitzky-Golay derivative over ``window_s``, at least 5 samples, so
    landmark jitter does not swamp it; ``time_s`` is a uniform grid). A stance foot moves backward
    relative to the hip at body speed; a swinging foot moves forward. NaN where the foot or hips are
    missing."""
    heel, toe = (xy[:, i, 0] for i in FOOT_POINTS[side])
    rel = (heel + toe) / 2 - hip_mid_x(xy)
    ok = np.isfinite(rel)
    dt = float(np.median(np.diff(time_s))) if len(time_s) > 1 else 1.0
    window = max(5, int(round(window_s / dt)) | 1)
    if ok.sum() < window:
        return np.full(len(time_s), np.nan)
    filled = np.interp(time_s, time_s[ok], rel[ok])
    v = savgol_filter(filled, window, 2, deriv=1, delta=dt)
    v[~ok] = np.nan
    return v


def rough_stance(heights: dict[str, np.ndarray], leg: float | np.ndarray,
                 rel_speed: dict[str, np.ndarray] | None = None, direction: int = 1,
                 threshold_leg: float = 0.08, tolerance: float = 0.25) -> np.ndarray:
    """Per frame: 0 = left foot in stance, 1 = right, -1 = neither (flight or unknown).

    A foot is in stance when its lowest point is within ``threshold_leg`` leg lengths of the
    ground, it is the lower foot, and (when ``rel_speed`` is given) it is not moving forward
    relative to the hip by more than ``tolerance`` times the athlete's median speed (a swing
    foot passing low over the ground moves forward fast; a stance foot moves backward).
    """
    hl, hr = heights["left"], heights["right"]
    thr = threshold_leg * leg
    lower = np.where(np.nan_to_num(hl, nan=np.inf) <= np.nan_to_num(hr, nan=np.inf), 0, 1)
    h_low = np.where(lower == 0, hl, hr)
    stance = np.where(np.nan_to_num(h_low, nan=np.inf) < thr, lower, -1)
    if rel_speed is not None:
        fwd = {k: direction * v for k, v in rel_speed.items()}
        body = np.nanmedian(np.abs(np.concatenate(list(fwd.values())))) \
            if any(np.isfinite(v).any() for v in fwd.values()) else 0.0
        moving_fwd = np.where(stance == 0, fwd["left"], fwd["right"])
        swinging = np.nan_to_num(moving_fwd, nan=0.0) > tolerance * body
        stance = np.where(swinging, -1, stance)
    return stance


def camera_shift_px(time_s: np.ndarray, xy_px: np.ndarray, stance: np.ndarray,
                    min_ratio: float = 0.15, crosses_frame: bool = False,
                    crossing_min_ratio: float = 0.35) -> tuple[np.ndarray, bool, float]:
    """Horizontal camera shift (px) to add to image x to get a ground-fixed x, per frame.

    ``stance`` (from ``rough_stance`` with a tight height threshold) marks the frames where a
    foot is flat on the ground. Each contact gives one estimate of the pan velocity: minus the
    median image velocity of its toe, placed at the contact's middle; between contacts the
    velocity is interpolated linearly, and the shift is its integral.

    Returns ``(shift_px, moving, pan_fraction)``. ``moving`` is False (and the shift zero) when
    the stance foot's median image speed is below ``min_ratio`` of the athlete's speed relative
    to it, i.e. when the camera is still and the estimate would only add noise; contacts where
    the athlete hardly moves (walking in, a set position) do not count. When the athlete
    ``crosses_frame`` (the hips travel across the image), a camera following them is unlikely
    and ``crossing_min_ratio`` applies instead: small, noisy athletes at 30 fps show stance
    toes "moving" at ~0.1-0.3 of the body's speed with a still camera. ``pan_fraction`` is that
    ratio (0 = still camera, ~1 = athlete stationary in the image: treadmill or following camera).
    """
    n = len(time_s)
    hip_x = hip_mid_x(xy_px)
    if n < 5 or not np.isfinite(hip_x).any():
        return np.zeros(n), False, 0.0
    hip_ok = np.isfinite(hip_x)
    v_hip = np.gradient(np.interp(time_s, time_s[hip_ok], hip_x[hip_ok]), time_s)
    mids, v_contacts, v_relative = [], [], []
    for side, key in ((0, "left_foot_index"), (1, "right_foot_index")):
        x = xy_px[:, IDX[key], 0]
        if np.isfinite(x).sum() < 3:
            continue
        v = np.gradient(x, time_s)
        for start, stop in runs(stance == side):
            sel = slice(start, stop)
            if stop - start < 3 or not np.isfinite(v[sel]).any():
                continue
            mids.append(float(np.mean(time_s[sel])))
            v_contacts.append(float(np.nanmedian(v[sel])))
            v_relative.append(float(np.nanmedian(v_hip[sel] - v[sel])))
    if len(mids) < 2:
        return np.zeros(n), False, 0.0
    order = np.argsort(mids)
    at, v_stance = np.array(mids)[order], np.array(v_contacts)[order]
    v_rel = np.abs(np.array(v_relative)[order])
    running = v_rel >= 0.3 * np.percentile(v_rel, 90)
    relative = float(np.median(v_rel[running]))
    ratio = float(np.median(np.abs(v_stance[running])) / relative) if relative > 0 else 0.0
    if ratio < (crossing_min_ratio if crosses_frame else min_ratio):
        return np.zeros(n), False, ratio
    pan_v = np.interp(time_s, at, -v_stance)
    shift = np.concatenate([[0.0], np.cumsum(0.5 * (pan_v[1:] + pan_v[:-1]) * np.diff(time_s))])
    return shift, True, ratio


def _rolling(values: np.ndarray, time_s: np.ndarray, window_s: float, func) -> np.ndarray:
    """``func`` of the finite ``values`` within +/- window_s/2 of each sample (NaN if none)."""
    out = np.full(len(values), np.nan)
    lo = np.searchsorted(time_s, time_s - window_s / 2)
    hi = np.searchsorted(time_s, time_s + window_s / 2, side="right")
    for i, (a, b) in enumerate(zip(lo, hi)):
        v = values[a:b]
        v = v[np.isfinite(v)]
        if v.size:
            out[i] = func(v)
    return out


def _fill(values: np.ndarray, time_s: np.ndarray) -> np.ndarray:
    ok = np.isfinite(values)
    if ok.sum() == 0:
        return values
    return np.interp(time_s, time_s[ok], values[ok])


def rolling_ground_y(xy_px: np.ndarray, time_s: np.ndarray, leg_px: float,
                     half_window_s: float = 0.08, plateau_leg: float = 0.03) -> np.ndarray:
    """(n,) image y of the ground under the athlete over time, for a moving camera.

    The lowest foot point (largest y, y down) stays on the ground through each contact: around
    each local maximum (within +/- ``half_window_s``), the samples within ``plateau_leg`` leg
    lengths of it form the contact's plateau, whose median is the ground there. Plateaus well
    above their neighbours (no contact in that window) are dropped; between plateaus (flight)
    the ground is interpolated linearly.
    """
    low = np.fmax(lowest_foot_point(xy_px, "left")[:, 1], lowest_foot_point(xy_px, "right")[:, 1])
    local_max = _rolling(low, time_s, 2 * half_window_s, np.max)
    peak = np.isfinite(low) & (low >= local_max)
    tol = plateau_leg * leg_px
    plateaus: list[tuple[int, int, float]] = []
    for start, stop in runs(peak):
        top = float(np.max(low[start:stop]))
        while start > 0 and low[start - 1] >= top - tol:
            start -= 1
        while stop < len(low) and low[stop] >= top - tol:
            stop += 1
        if plateaus and start < plateaus[-1][1]:
            continue  # same contact as the previous plateau
        plateaus.append((start, stop, float(np.median(low[start:stop]))))
    if len(plateaus) >= 4:
        # a plateau well above the trend of its neighbours is a foot passing low in the air;
        # the trend is a line through up to two plateaus each side (not a median, which lags
        # where perspective moves the ground fastest: at the ends of a panning clip)
        values = np.array([v for _, _, v in plateaus])
        mids = np.array([time_s[(a + b - 1) // 2] for a, b, _ in plateaus])
        keep = np.ones(len(values), dtype=bool)
        for i in range(len(values)):
            near = [j for j in range(max(0, i - 2), min(len(values), i + 3)) if j != i]
            slope, icpt = np.polyfit(mids[near], values[near], 1)
            keep[i] = values[i] > slope * mids[i] + icpt - 0.05 * leg_px
        plateaus = [p for p, ok in zip(plateaus, keep) if ok]
    if not plateaus:
        return np.full(len(time_s), np.nan)
    idx = np.concatenate([np.arange(a, b) for a, b, _ in plateaus])
    val = np.concatenate([np.full(b - a, v) for a, b, v in plateaus])
    ground = np.interp(time_s, time_s[idx], val)
    if len(plateaus) >= 2:  # beyond the first/last contact, continue the trend linearly
        for (a0, b0, v0), (a1, b1, v1), outside in (
                (plateaus[0], plateaus[1], time_s < time_s[plateaus[0][0]]),
                (plateaus[-2], plateaus[-1], time_s >= time_s[plateaus[-1][1] - 1])):
            t0, t1 = time_s[(a0 + b0 - 1) // 2], time_s[(a1 + b1 - 1) // 2]
            if t1 > t0:
                edge = time_s[b1 - 1] if outside[-1] else time_s[a0]
                base = v1 if outside[-1] else v0
                ground[outside] = base + (v1 - v0) / (t1 - t0) * (time_s[outside] - edge)
    return ground


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) index pairs of the True stretches of a boolean array (stop exclusive)."""
    edges = np.flatnonzero(np.diff(np.r_[0, mask.astype(int), 0]))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def rolling_leg_px(xy_px: np.ndarray, time_s: np.ndarray, window_s: float = 0.6) -> np.ndarray:
    """(n,) leg length (hip-knee + knee-ankle, px) over time: the 75th percentile of both legs'
    per-frame lengths pooled within ``window_s`` (the athlete's image size changes as a panning
    camera turns; the same statistic as ``scale.leg_length_px`` over a whole still clip),
    smoothed by a median pass."""
    per_leg = []
    for side in ("left", "right"):
        hip, knee, ankle = (xy_px[:, IDX[f"{side}_{p}"]] for p in ("hip", "knee", "ankle"))
        per_leg.append(np.linalg.norm(knee - hip, axis=1) + np.linalg.norm(ankle - knee, axis=1))
    pooled = np.concatenate(per_leg)
    order = np.argsort(np.concatenate([time_s, time_s]), kind="stable")
    times, pooled = np.concatenate([time_s, time_s])[order], pooled[order]
    lo = np.searchsorted(times, time_s - window_s / 2)
    hi = np.searchsorted(times, time_s + window_s / 2, side="right")
    rolled = np.full(len(time_s), np.nan)
    for i, (a, b) in enumerate(zip(lo, hi)):
        v = pooled[a:b]
        v = v[np.isfinite(v)]
        if v.size:
            rolled[i] = np.percentile(v, 75)
    return _fill(_rolling(rolled, time_s, window_s, np.median), time_s)


