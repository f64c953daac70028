"""The athlete's box over a clip, and a zoom window that follows it (pure numpy).

``athlete_boxes``: per pose row, the box of the athlete's landmarks in image pixels, grown to
hold the top of the head (landmarks stop at the eyes and ears) and the shoes, gaps filled from
the nearest rows and smoothed over ``smooth_s`` so that what is placed by it does not jitter.

``follow_windows``: per pose row, the part of the frame an overlay zoomed by ``zoom`` shows: a
window of the frame's aspect, 1 / ``zoom`` of its size, centred on the smoothed athlete and
kept inside the frame. ``auto_zoom`` picks the zoom that makes the athlete about
``fill`` of the output's height.
"""

from __future__ import annotations

import numpy as np

from stridecam.model.track import LEG_FRACTION_OF_HEIGHT
from stridecam.report.labels import Box

#: Head top above the highest face landmark, and margins, in multiples of the athlete's
#: landmark height (nose to lowest foot point, about 0.93 of standing height).
HEAD_ROOM, SIDE_ROOM, FOOT_ROOM = 0.10, 0.06, 0.04


def landmark_box(points: np.ndarray, size_px: float | None = None) -> Box | None:
    """The box of the finite ``points`` (33, 2) grown by the head room and margins, or None
    with fewer than 5 points. ``size_px``: the athlete's height to scale the margins by
    (default: the height of these points, at least their width)."""
    p = points[np.isfinite(points).all(axis=1)]
    if len(p) < 5:
        return None
    x0, y0 = p.min(axis=0)
    x1, y1 = p.max(axis=0)
    size = size_px or max(y1 - y0, 0.6 * (x1 - x0), 1.0)
    return Box(x0 - SIDE_ROOM * size, y0 - HEAD_ROOM * size, x1 + SIDE_ROOM * size,
               y1 + FOOT_ROOM * size)


def athlete_height_px(xy_px: np.ndarray) -> float:
    """Typical height (px) of the athlete's landmarks over the clip: the 75th percentile of the
    per-frame extent (upright frames dominate a sprint; a crouch is not the athlete's size)."""
    ok = np.isfinite(xy_px).all(axis=2)
    heights = [float(np.ptp(xy_px[k, ok[k], 1])) for k in range(len(xy_px)) if ok[k].sum() >= 5]
    return float(np.percentile(heights, 75)) if heights else float("nan")


def standing_height_px(leg_length_px: float, xy_px: np.ndarray) -> float:
    """The athlete's standing height (px): from the scale's leg length (hip to ankle = 0.491 of
    height) when known, else the typical extent of the landmarks (``athlete_height_px``; less
    than standing height for a crouched start)."""
    if np.isfinite(leg_length_px) and leg_length_px > 0:
        return float(leg_length_px / LEG_FRACTION_OF_HEIGHT)
    return athlete_height_px(xy_px)


def _fill(values: np.ndarray) -> np.ndarray:
    """NaN rows filled by linear interpolation (and the nearest value at the ends)."""
    out = np.array(values, float)
    idx = np.arange(len(out))
    for c in range(out.shape[1]):
        ok = np.isfinite(out[:, c])
        if ok.any() and not ok.all():
            out[:, c] = np.interp(idx, idx[ok], out[ok, c])
    return out


def _smooth(values: np.ndarray, time_s: np.ndarray, smooth_s: float) -> np.ndarray:
    """Centred moving average over ``smooth_s`` of each column (time-aware window)."""
    if smooth_s <= 0 or len(values) < 3:
        return values
    out = np.empty_like(values)
    lo = np.searchsorted(time_s, time_s - smooth_s / 2, side="left")
    hi = np.searchsorted(time_s, time_s + smooth_s / 2, side="right")
    csum = np.vstack([np.zeros((1, values.shape[1])), np.cumsum(values, axis=0)])
    out[:] = (csum[hi] - csum[lo]) / (hi - lo)[:, None]
    return out


def athlete_boxes(xy_px: np.ndarray, time_s: np.ndarray, smooth_s: float = 0.25,
                  size_px: float | None = None) -> np.ndarray:
    """(n, 4) x0, y0, x1, y1 of the athlete per pose row (module docstring), margins scaled by
    ``size_px`` (default ``athlete_height_px``); NaN everywhere when no row has the athlete."""
    size = size_px if size_px is not None else athlete_height_px(xy_px)
    raw = np.full((len(xy_px), 4), np.nan)
    for k in range(len(xy_px)):
        b = landmark_box(xy_px[k], size if np.isfinite(size) else None)
        if b is not None:
            raw[k] = (b.x0, b.y0, b.x1, b.y1)
    if not np.isfinite(raw).any():
        return raw
    return _smooth(_fill(raw), np.asarray(time_s, float), smooth_s)


def auto_zoom(athlete_px: float, frame_h: int, fill: float = 0.6, most: float = 4.0) -> float:
    """The zoom (>= 1) that makes an athlete ``athlete_px`` tall fill ``fill`` of the height."""
    if not np.isfinite(athlete_px) or athlete_px <= 0:
        return 1.0
    return float(np.clip(fill * frame_h / athlete_px, 1.0, most))


def follow_windows(boxes: np.ndarray, time_s: np.ndarray, frame_size: tuple[int, int],
                   zoom: float, smooth_s: float = 0.6) -> np.ndarray:
    """(n, 3) x0, y0, scale per pose row: output pixel = (image pixel - (x0, y0)) * scale; the
    window (w / zoom by h / zoom) stays inside the frame. ``boxes`` from ``athlete_boxes``."""
    w, h = frame_size
    n = len(boxes)
    if zoom <= 1.0 or n == 0 or not np.isfinite(boxes).any():
        return np.column_stack([np.zeros(n), np.zeros(n), np.ones(n)])
    ww, wh = w / zoom, h / zoom
    centre = np.column_stack([(boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2])
    centre = _smooth(_fill(centre), np.asarray(time_s, float), smooth_s)
    x0 = np.clip(centre[:, 0] - ww / 2, 0, w - ww)
    y0 = np.clip(centre[:, 1] - wh / 2, 0, h - wh)
    return np.column_stack([x0, y0, np.full(n, zoom)])
