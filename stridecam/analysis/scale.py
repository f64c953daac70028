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

from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares

from stridecam.analysis.ground import runs
from stridecam.model.landmarks import IDX
from stridecam.model.track import LEG_FRACTION_OF_HEIGHT, Scale, hip_mid_x

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
    w, length = size_m
    h = homography(image_pts, np.array([[0, 0], [w, 0], [w, length], [0, length]], float))
    u, v = at_px
    a, b = apply_homography(h, np.array([[u - 50.0, v], [u + 50.0, v]]))
    per_px = float(np.linalg.norm(b - a) / 100.0)
    return Scale(units_per_px=per_px, units="m", method="ground_rectangle", rel_uncertainty=0.02,
                 leg_length_px=leg_px, detail=f"rectangle {w:g} x {length:g} m")


def in_leg_lengths(leg_px: float, spread: float) -> Scale:
    """No calibration: lengths in leg lengths (hip to ankle = 1)."""
    return Scale(units_per_px=1.0 / leg_px, units="leg", method="leg_length",
                 rel_uncertainty=float(spread / 3.0), leg_length_px=leg_px,
                 detail="no calibration given: lengths are in leg lengths")


# --------------------------------------------------------------------- a camera turning to follow
#: Seconds of clip per window when fitting the athlete's apparent size (about one step).
SIZE_WINDOW_S = 0.25
#: Largest bearing (deg) from the perpendicular the turning-camera model accepts.
MAX_BEARING_DEG = 80.0
#: Most the tracker's toe point may sit above the ground pivot, in leg lengths (roll correction).
MAX_TOE_HEIGHT_LEG = 0.05


@dataclass(frozen=True)
class TurningCamera:
    """A camera standing at distance D from the running line, turning about the vertical to
    follow the athlete (a phone on a tripod head or in the hand), fitted to one clip.

    Geometry: a point of the running line at bearing ``alpha`` from the perpendicular (the line
    from the camera square to the lane) lies at forward position X = D tan(alpha). With the camera
    turned by ``theta`` and focal length f (px), it appears at image x = cx + f tan(alpha - theta).
    A point fixed on the ground (a stance foot) keeps its bearing, so its image motion gives the
    turn rate; the athlete's apparent size is f L cos(alpha) / (D cos(alpha - theta)) for a leg
    of length L, which gives f, the bearing at the first frame and the size ``leg_px_square`` seen
    square on; D = f L / leg_px_square. With f infinite (``inv_focal_px`` 0) this is a camera
    sliding alongside, or a treadmill, with constant size.

    ``angle_px`` (n,) is the camera's turn since the first sample times f (pixels of bearing),
    ``bearing0_px`` the bearing of the image centre at the first sample times f, so a point at
    image x has bearing ``inv_focal_px * (bearing0_px + angle_px + atan((x - cx) / f) * f)``.
    ``toe_height_leg``: height of the tracker's toe point above the ground pivot at its lowest,
    in leg lengths, found with the pan (the foot's roll moves that point forward).
    """

    inv_focal_px: float
    bearing0_px: float
    leg_px_square: float
    cx_px: float
    angle_px: np.ndarray
    toe_height_leg: float
    size_rms: float

    def bearing_px(self, x_px: np.ndarray) -> np.ndarray:
        """(n, ...) bearing times f of image x (n, ...) at each sample."""
        shape = (-1,) + (1,) * (np.ndim(x_px) - 1)
        return self.bearing0_px + self.angle_px.reshape(shape) + to_bearing_px(
            x_px, self.cx_px, self.inv_focal_px)

    def forward_leg(self, x_px: np.ndarray) -> np.ndarray:
        """Forward position on the running line, in leg lengths, of image x (n, ...)."""
        k = self.inv_focal_px
        b = self.bearing_px(x_px)
        x = np.tan(k * b) / k if k > 0 else b
        return x / self.leg_px_square

    def leg_px(self, x_px: np.ndarray) -> np.ndarray:
        """Apparent leg length (px) of an athlete at image x (n,): ``leg_px_square`` times
        cos(bearing) / cos(bearing - turn)."""
        return self.leg_px_square * _size_shape(self.inv_focal_px, self.bearing_px(x_px),
                                                to_bearing_px(x_px, self.cx_px, self.inv_focal_px))


def to_bearing_px(x_px: np.ndarray, cx_px: float, inv_focal_px: float) -> np.ndarray:
    """Angle from the image centre times f: atan((x - cx) / f) * f (x - cx when f is infinite)."""
    d = np.asarray(x_px, float) - cx_px
    return np.arctan(d * inv_focal_px) / inv_focal_px if inv_focal_px > 0 else d


def _size_shape(k: float, bearing_px: np.ndarray, off_axis_px: np.ndarray) -> np.ndarray:
    """cos(bearing) / cos(bearing - turn): apparent size relative to the square-on view, which
    is also the horizontal foreshortening of the lane relative to vertical lengths."""
    return np.cos(k * bearing_px) / np.cos(k * off_axis_px)


def _segment_parts(xy_px: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per leg segment (thigh, shank of both legs) the (n, 2) absolute image extents (dx, dy)."""
    out = []
    for side in ("left", "right"):
        hip, knee, ankle = (xy_px[:, IDX[f"{side}_{p}"]] for p in ("hip", "knee", "ankle"))
        out.append((np.abs(knee - hip), np.abs(ankle - knee)))
    return out


def _square_on_lengths(parts: list, shape: np.ndarray) -> np.ndarray:
    """Per-frame leg lengths of both legs (2n,) as seen square on: horizontal extents stretched
    by 1 / ``shape`` (the lane's foreshortening), the whole divided by ``shape`` (the size)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.concatenate([(np.hypot(th[:, 1], th[:, 0] / shape)
                                + np.hypot(sh[:, 1], sh[:, 0] / shape)) / shape
                               for th, sh in parts])


def _window_percentiles(time_s: np.ndarray, values: np.ndarray, window_s: float,
                        pct: float = 75.0, min_count: int = 5) -> np.ndarray:
    """``pct`` percentile of ``values`` (2n,: both legs over ``time_s`` twice) per window."""
    bins = np.floor((np.concatenate([time_s, time_s]) - time_s[0]) / window_s).astype(int)
    out = []
    for b in np.unique(bins):
        v = values[bins == b]
        v = v[np.isfinite(v)]
        if v.size >= min_count:
            out.append(float(np.percentile(v, pct)))
    return np.array(out)


def pan_from_stance(time_s: np.ndarray, bearing_x: np.ndarray, y_px: np.ndarray,
                    stance: np.ndarray, direction: int, size_px: np.ndarray,
                    shape: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """The camera's turn (n,) since the first sample, in bearing pixels, and the toe point's
    height above the ground pivot (leg lengths), from the stance feet.

    ``bearing_x`` (n, 33): ``to_bearing_px`` of the image x; ``y_px`` (n, 33) image y;
    ``stance`` (n,): 0 / 1 = left / right foot flat on the ground, -1 neither (``rough_stance``);
    ``size_px`` (n,): the leg's apparent length; ``shape`` (n,): the lane's foreshortening
    (None = 1; ``TurningCamera``). A stance foot rolls about a point on the ground (the shoe's
    tip), so every point of it moves forward at (roll rate) x (its height above the ground)
    besides the image motion of the ground under it: the tracker's toe point, above the tip,
    creeps forward as the heel rises (1-2% of the running speed; the pan taken as the toe's
    median velocity read that much low). Per contact, the frames where the toe is not landing
    or lifting (vertical speed at most twice the contact's median) give a least-squares fit of
    the toe's forward image velocity on the foot's roll rate: one pan rate per contact (at its
    middle) and one toe height for the clip (clipped to [0, ``MAX_TOE_HEIGHT_LEG``]). Between
    contacts the pan rate is interpolated linearly; the turn is its integral.
    """
    n = len(time_s)
    r = np.ones(n) if shape is None else shape
    mids, groups = [], []
    for side, name in ((0, "left"), (1, "right")):
        ti, hi = IDX[f"{name}_foot_index"], IDX[f"{name}_heel"]
        tx, ty, hx, hy = bearing_x[:, ti], y_px[:, ti], bearing_x[:, hi], y_px[:, hi]
        if np.isfinite(tx).sum() < 3 or np.isfinite(hx).sum() < 3:
            continue
        with np.errstate(invalid="ignore"):
            roll = np.arctan2(ty - hy, np.abs(tx - hx) / r)  # heel above toe: positive
            vx, vy, omega = (np.gradient(s, time_s) for s in (tx, ty, roll))
        for start, stop in runs(stance == side):
            sel = slice(start, stop)
            ok = np.isfinite(vx[sel]) & np.isfinite(omega[sel]) & np.isfinite(vy[sel])
            if ok.sum() < 3:
                continue
            speed_y = np.abs(vy[sel])
            if ok.sum() >= 5:
                ok &= speed_y <= 2.0 * np.median(speed_y[ok]) + 1e-9
            lift = np.nanmax(ty[sel]) - ty[sel]  # toe above its lowest in this contact, px
            turn = direction * r[sel] * omega[sel]
            mids.append(float(np.mean(time_s[sel])))
            groups.append(((vx[sel] - turn * lift)[ok], (turn * size_px[sel])[ok]))
    if len(mids) < 2:
        return np.zeros(n), 0.0
    c = _pooled_slope(groups)
    pan = np.array([-float(np.median(v - c * g)) for v, g in groups])
    order = np.argsort(mids)
    pan_v = np.interp(time_s, np.array(mids)[order], pan[order])
    turn = np.concatenate([[0.0], np.cumsum(0.5 * (pan_v[1:] + pan_v[:-1]) * np.diff(time_s))])
    return turn, c


def _pooled_slope(groups: list[tuple[np.ndarray, np.ndarray]]) -> float:
    """Least-squares slope of v on g shared by all groups (each with its own intercept), refitted
    once without the points more than 3 robust SDs off (a frame of the other foot after a label
    swap), clipped to [0, ``MAX_TOE_HEIGHT_LEG``]; 0 when g does not vary."""
    keep = [np.ones(len(v), dtype=bool) for v, _ in groups]
    c = 0.0
    for _ in range(2):
        num = den = 0.0
        for (v, g), k in zip(groups, keep):
            if k.sum() >= 2:
                gd, vd = g[k] - g[k].mean(), v[k] - v[k].mean()
                num, den = num + float(np.sum(gd * vd)), den + float(np.sum(gd * gd))
        if not den > 0:
            return 0.0
        c = num / den
        res = [v - c * g - np.median(v - c * g) for v, g in groups]
        scale = 1.4826 * float(np.median(np.abs(np.concatenate(res)))) + 1e-9
        keep = [np.abs(r) <= 3.0 * scale for r in res]
    return float(np.clip(c, 0.0, MAX_TOE_HEIGHT_LEG))


def fit_turning_camera(time_s: np.ndarray, xy_px: np.ndarray, stance: np.ndarray,
                       cx_px: float, width_px: float, direction: int,
                       size_px: np.ndarray) -> TurningCamera | None:
    """Fit a ``TurningCamera`` to a clip whose camera follows the athlete (None when the clip
    gives too little: fewer than two stance feet or four ``SIZE_WINDOW_S`` windows).

    ``stance`` as for ``pan_from_stance``; ``size_px`` (n,): a rough leg length over time (only
    scales the toe-height term). For a focal length f and a bearing at the first frame, the
    stance feet give the turn and so the athlete's bearing over the clip; the athlete's legs,
    stretched back to a square-on view by that model, must then keep one length: the objective
    is the spread of the per-window 75th percentiles of the square-on leg lengths (the same
    statistic as ``leg_length_px``; taking it after the size is divided out avoids the bias of a
    percentile over a window in which the size is changing). A coarse grid over f (including
    infinite) and the first bearing, then least squares.
    """
    n = len(time_s)
    hip = hip_mid_x(xy_px)
    ok = np.isfinite(hip)
    if n < 10 or ok.sum() < 10:
        return None
    hip = np.interp(time_s, time_s[ok], hip[ok])
    parts = _segment_parts(xy_px)
    if len(_window_percentiles(time_s, _square_on_lengths(parts, np.ones(n)),
                               SIZE_WINDOW_S)) < 4:
        return None
    max_bearing = np.radians(MAX_BEARING_DEG)

    def state(k: float, p0: float, roll: bool):
        bx = to_bearing_px(xy_px[:, :, 0], cx_px, k)
        turn, c = pan_from_stance(time_s, bx, xy_px[:, :, 1], stance, direction, size_px)
        hip_b = to_bearing_px(hip, cx_px, k)
        if roll:
            shape = _size_shape(k, p0 + turn + hip_b, hip_b)
            if np.all(np.isfinite(shape)) and shape.min() > 0:
                turn, c = pan_from_stance(time_s, bx, xy_px[:, :, 1], stance, direction,
                                          size_px, shape)
        return turn, c, p0 + turn + hip_b, hip_b

    def residuals(params: np.ndarray, roll: bool = True) -> np.ndarray:
        k, p0 = params[0] / width_px, params[1] * width_px
        _, _, bearing, hip_b = state(k, p0, roll)
        if not np.nanmax(np.abs(k * bearing)) < max_bearing:
            return np.full(n_windows, 1.0)
        q = _window_percentiles(time_s, _square_on_lengths(parts, _size_shape(k, bearing, hip_b)),
                                SIZE_WINDOW_S)
        if len(q) != n_windows or not np.all(q > 0):
            return np.full(n_windows, 1.0)
        logs = np.log(q)
        return logs - logs.mean()

    n_windows = len(_window_percentiles(time_s, _square_on_lengths(parts, np.ones(n)),
                                        SIZE_WINDOW_S))
    if np.count_nonzero(stance >= 0) < 6:
        return None
    starts = [(0.0, 0.0)] + [(kw, t0 / kw) for kw in (0.25, 0.5, 1.0, 2.0)
                             for t0 in np.linspace(-1.2, 1.2, 9)]
    costs = [float(np.sum(residuals(np.array(s), roll=False) ** 2)) for s in starts]
    x0 = np.array(starts[int(np.argmin(costs))])
    sol = least_squares(residuals, x0, bounds=([0.0, -50.0], [5.0, 50.0]), diff_step=1e-3)
    k, p0 = sol.x[0] / width_px, sol.x[1] * width_px
    turn, c, bearing, hip_b = state(k, p0, True)
    shape = _size_shape(k, bearing, hip_b)
    lengths = _square_on_lengths(parts, shape)
    lengths = lengths[np.isfinite(lengths)]
    if lengths.size < 5:
        return None
    return TurningCamera(inv_focal_px=float(k), bearing0_px=float(p0),
                         leg_px_square=float(np.percentile(lengths, 75)), cx_px=float(cx_px),
                         angle_px=turn, toe_height_leg=c,
                         size_rms=float(np.sqrt(np.mean(sol.fun ** 2))))
