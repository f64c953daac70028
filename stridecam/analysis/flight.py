"""Flight phases, rhythm and free fall from raw landmarks, whatever the clip's time scale.

Used by ``stridecam.analysis.timescale`` to tell slow motion from real time, before anything
else reads the clock. Every window here is measured in samples or in the clip's own step period
(found from the feet), never in seconds, so the same motion slowed k times gives the same
flights and an apparent fall acceleration exactly k^2 smaller.

- ``step_period``: the strongest repeat of the lowest foot's image height (one contact per
  step; halved when it is a stride: the near and far foot land at different image heights),
  by autocorrelation.
- ``flight_windows``: flights are samples where the lowest foot point of either foot (heel or
  toe) is more than a threshold (leg lengths) above the ground, the ground being a high
  percentile of the lowest foot over one step each side; the fall is read in a window around
  each peak of the upper body's height (mid-flight), half the median flight wide each side, so
  late stance (heel rising, toe still down: upward ground force) stays out.
- ``free_fall``: a parabola per window (own height and vertical speed, one shared
  acceleration) through the mean image height of the upper body (face, shoulders, hips: the
  trunk falls with the centre of mass in flight), in metres at the athlete's local leg length.
- ``contact_and_cadence``: the step period and the contact (period less the median flight).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stridecam.analysis.ground import lowest_foot_point, runs
from stridecam.model.landmarks import IDX

#: Landmarks whose mean height follows the trunk: face (0-10), shoulders, hips.
UPPER_BODY = tuple(range(11)) + tuple(IDX[f"{s}_{p}"] for p in ("shoulder", "hip")
                                      for s in ("left", "right"))
#: Fewest landmarks (of ``UPPER_BODY``) seen through a whole flight to use it.
MIN_UPPER_POINTS = 3
#: Percentile of the lowest foot's image y (down) over a step each side taken as the ground.
GROUND_PERCENTILE = 90.0


@dataclass(frozen=True)
class Flights:
    """Where the athlete is in the air: ``flights`` (stretches with both feet up) and ``tops``
    (windows centred on each peak of the upper body's height, as wide as half the median
    flight: the middle of each flight), sample index pairs (stop exclusive); the step period
    and the median flight in samples; the athlete's leg length per sample (px, rolling)."""

    flights: tuple[tuple[int, int], ...]
    tops: tuple[tuple[int, int], ...]
    period_samples: float
    flight_samples: float
    leg_px: np.ndarray


@dataclass(frozen=True)
class FreeFall:
    """Apparent vertical acceleration (m/s^2 of the clip's time, positive down) shared by the
    flights, its 1-sigma uncertainty (the larger of the fit's and the flights' scatter), and
    how many flights were used."""

    accel_m_s2: float
    unc_m_s2: float
    n_flights: int


def lowest_foot_y(xy_px: np.ndarray) -> np.ndarray:
    """(n,) image y (px, down) of the lowest foot point (heel or toe of either foot)."""
    return np.fmax(lowest_foot_point(xy_px, "left")[:, 1], lowest_foot_point(xy_px, "right")[:, 1])


def step_period_samples(x: np.ndarray, min_lag: int = 3) -> float:
    """Period (samples, sub-sample) of the strongest repeat of a series: the first local maximum
    of its autocorrelation (after a cubic trend is removed) that reaches 60% of the highest
    one, so a step is preferred to a stride. NaN when the series does not repeat."""
    ok = np.isfinite(x)
    n = len(x)
    if ok.sum() < 4 * min_lag or n < 4 * min_lag:
        return float("nan")
    idx = np.arange(n)
    y = np.interp(idx, idx[ok], x[ok])
    y = y - np.polyval(np.polyfit(idx / n, y, 3), idx / n)
    y = y - y.mean()
    if not np.any(y):
        return float("nan")
    ac = np.correlate(y, y, "full")[n - 1:] / np.arange(n, 0, -1)
    ac = ac / ac[0]
    a = ac[min_lag - 1:n // 2 + 1]
    peaks = [i for i in range(1, len(a) - 1) if a[i] >= a[i - 1] and a[i] >= a[i + 1] and a[i] > 0]
    if not peaks:
        return float("nan")
    top = max(a[i] for i in peaks)
    i = next(i for i in peaks if a[i] >= 0.6 * top)
    curve = a[i - 1] - 2 * a[i] + a[i + 1]
    offset = 0.5 * (a[i - 1] - a[i + 1]) / curve if curve < 0 else 0.0
    return float(min_lag - 1 + i + offset)


def upper_body_height(xy_px: np.ndarray) -> np.ndarray:
    """(n,) mean image height (px, up) of the upper-body landmarks seen in each frame (NaN in
    a frame with none)."""
    y = xy_px[:, UPPER_BODY, 1]
    seen = np.isfinite(y)
    count = seen.sum(axis=1)
    total = np.where(seen, y, 0.0).sum(axis=1)
    return np.where(count > 0, -total / np.maximum(count, 1), np.nan)


def step_period(xy_px: np.ndarray) -> float:
    """Step period (samples) from the lowest foot, or half of it when that is a stride: the
    near and far foot touch down at different image heights, so the feet can repeat once a
    stride; the upper body's height repeats once a step, and when the feet's period is about
    twice the body's (1.7-2.3), the feet's half is taken."""
    feet = step_period_samples(lowest_foot_y(xy_px))
    body = step_period_samples(upper_body_height(xy_px))
    if np.isfinite(feet) and np.isfinite(body) and 1.7 <= feet / body <= 2.3:
        return feet / 2.0
    return feet


def rolling_percentile(x: np.ndarray, half: int, q: float) -> np.ndarray:
    """(n,) ``q``-th percentile of the finite values within ``half`` samples each side."""
    n = len(x)
    if n == 0:
        return x.copy()
    padded = np.pad(x.astype(float), half, constant_values=np.nan)
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)
    out = np.full(n, np.nan)
    some = np.isfinite(windows).any(axis=1)
    out[some] = np.nanpercentile(windows[some], q, axis=1)
    return out


def rolling_median(x: np.ndarray, half: int) -> np.ndarray:
    """(n,) median of the finite values within ``half`` samples each side (x where half < 1)."""
    return x.copy() if half < 1 else np.where(np.isfinite(x), rolling_percentile(x, half, 50.0),
                                              np.nan)


def leg_px_per_sample(xy_px: np.ndarray, half: int) -> np.ndarray:
    """(n,) athlete's leg (hip-knee + knee-ankle, px, the longer leg of the frame): the 75th
    percentile within ``half`` samples each side (a camera turning to follow the athlete changes
    the athlete's image size)."""
    legs = []
    for side in ("left", "right"):
        hip, knee, ankle = (xy_px[:, IDX[f"{side}_{p}"]] for p in ("hip", "knee", "ankle"))
        legs.append(np.linalg.norm(knee - hip, axis=1) + np.linalg.norm(ankle - knee, axis=1))
    return rolling_percentile(np.fmax(legs[0], legs[1]), half, 75.0)


def flight_windows(xy_px: np.ndarray, clearance_leg: float, *, top_share: float = 0.5,
                   max_top_period: float = 0.25) -> Flights:
    """Flights and flight tops (see ``Flights`` and the module docstring); none when the feet
    do not repeat. A top window spans ``top_share`` of the median flight each side of the
    peak, at most ``max_top_period`` of a step (so it stays inside the flight)."""
    low = lowest_foot_y(xy_px)
    period = step_period(xy_px)
    n = len(low)
    if not np.isfinite(period):
        return Flights((), (), period, float("nan"), np.full(n, np.nan))
    smooth = rolling_median(low, int(round(period / 20)))
    half = max(2, int(round(period)))
    ground = rolling_percentile(smooth, half, GROUND_PERCENTILE)
    leg = leg_px_per_sample(xy_px, half)
    with np.errstate(invalid="ignore"):
        up = (ground - smooth) / leg > clearance_leg
    flights = tuple((a, b) for a, b in runs(up) if a > 0 and b < n)
    flight = float(np.median([b - a for a, b in flights])) if flights else float("nan")
    reach = int(np.clip(round(top_share * flight), 2, max_top_period * period)) \
        if np.isfinite(flight) else 0
    tops = tuple((i - reach, i + reach + 1) for i in height_peaks(xy_px, period)
                 if reach >= 2 and i - reach > 0 and i + reach + 1 < n)
    return Flights(flights, tops, period, flight, leg)


def height_peaks(xy_px: np.ndarray, period: float) -> list[int]:
    """Samples where the upper body's height (median-smoothed over a tenth of a step) is
    highest within 0.3 of a step each side, at least half a step apart: mid-flight."""
    smooth = rolling_median(upper_body_height(xy_px), int(round(period / 10)))
    half = max(1, int(round(0.3 * period)))
    top = rolling_percentile(smooth, half, 100.0)
    peaks: list[int] = []
    for i in np.flatnonzero(np.isfinite(smooth) & (smooth >= top)):
        if half <= i < len(smooth) - half and (not peaks or i - peaks[-1] >= 0.5 * period):
            peaks.append(int(i))
    return peaks


def free_fall(time_s: np.ndarray, xy_px: np.ndarray, flights: Flights, leg_m: float, *,
              min_samples: int = 5) -> FreeFall | None:
    """Apparent fall acceleration of the upper body over the flight tops (m/s^2 of the clip's
    time, positive down), or None when no top window has ``min_samples``. Heights are scaled to
    metres per window (``leg_m`` / the local leg length in px); each window gets its own height
    and vertical speed; a window whose acceleration is more than 4 robust SDs from the others'
    median is left out; the rest are averaged by their inverse variance."""
    fits = []
    for a, b in flights.tops:
        if b - a < min_samples:
            continue
        cols = [j for j in UPPER_BODY if np.isfinite(xy_px[a:b, j, 1]).all()]
        leg = flights.leg_px[a:b]
        if len(cols) < MIN_UPPER_POINTS or not np.isfinite(leg).any():
            continue
        scale = leg_m / float(np.median(leg[np.isfinite(leg)]))
        t = time_s[a:b] - time_s[a:b].mean()
        height_m = -xy_px[a:b, cols, 1].mean(axis=1) * scale
        fits.append(_parabola(t, height_m))
    if not fits:
        return None
    acc = np.array([f[0] for f in fits])
    var = np.array([f[1] for f in fits])
    keep = np.ones(len(acc), dtype=bool)
    if len(acc) >= 4:
        med = np.median(acc)
        mad = 1.4826 * np.median(np.abs(acc - med))
        keep = np.abs(acc - med) <= 4 * mad + 1e-12
    acc, var = acc[keep], var[keep]
    weight = 1.0 / var
    mean = float(np.sum(weight * acc) / np.sum(weight))
    formal = float(np.sqrt(1.0 / np.sum(weight)))
    scatter = float(np.std(acc, ddof=1) / np.sqrt(len(acc))) if len(acc) > 1 else formal
    return FreeFall(mean, max(formal, scatter), int(len(acc)))


def _parabola(t: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Downward acceleration of y(t) = c0 + c1 t - a t^2 / 2 by least squares, and its variance
    (from the residuals; at least a floor for a perfect fit)."""
    design = np.stack([np.ones_like(t), t, -0.5 * t * t], axis=1)
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    dof = len(t) - 3
    resid = y - design @ coef
    s2 = float(resid @ resid) / dof if dof > 0 else float("nan")
    cov = np.linalg.pinv(design.T @ design)
    var = s2 * float(cov[2, 2]) if np.isfinite(s2) else float("inf")
    floor = (1e-4 * abs(coef[2])) ** 2 + 1e-12
    return float(coef[2]), max(var, floor)


def contact_and_cadence(time_s: np.ndarray, flights: Flights) -> tuple[float, float]:
    """(contact s, steps per second) of the clip's own time: the step is the period, the
    contact the period less the median flight (one contact and one flight per step; a flight
    split by tracker noise then lengthens the contact, not shortens it). NaN without them."""
    if len(time_s) < 2 or not np.isfinite(flights.period_samples):
        return float("nan"), float("nan")
    dt = float(np.median(np.diff(time_s)))
    step_s = flights.period_samples * dt
    contact = step_s - flights.flight_samples * dt if np.isfinite(flights.flight_samples) \
        else float("nan")
    return float(contact), float(1.0 / step_s)
