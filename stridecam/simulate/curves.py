"""Piecewise cubic Hermite curves through keyframes (value and slope at each knot).

Interior slopes left as ``None`` are chosen the PCHIP way (zero at a local extremum, weighted
harmonic mean of the neighbouring secants otherwise), so a keyframe that is a local maximum stays
the maximum of the curve. Slopes given at the knots are limited to three times the neighbouring
secant when they point the same way, which keeps each segment free of overshoot past its knots.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Hermite:
    """A C1 piecewise cubic: ``t`` knots (strictly increasing), ``y`` values, ``m`` slopes."""

    t: np.ndarray
    y: np.ndarray
    m: np.ndarray

    def __call__(self, t: np.ndarray) -> np.ndarray:
        return self.evaluate(t)[0]

    def evaluate(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(value, slope) at times ``t`` (clamped to the knot range)."""
        t = np.clip(np.asarray(t, dtype=np.float64), self.t[0], self.t[-1])
        i = np.clip(np.searchsorted(self.t, t, side="right") - 1, 0, len(self.t) - 2)
        h = self.t[i + 1] - self.t[i]
        s = (t - self.t[i]) / h
        y0, y1 = self.y[i], self.y[i + 1]
        m0, m1 = self.m[i] * h, self.m[i + 1] * h
        s2, s3 = s * s, s * s * s
        val = (2 * s3 - 3 * s2 + 1) * y0 + (s3 - 2 * s2 + s) * m0 + (3 * s2 - 2 * s3) * y1 \
            + (s3 - s2) * m1
        der = ((6 * s2 - 6 * s) * y0 + (3 * s2 - 4 * s + 1) * m0 + (6 * s - 6 * s2) * y1
               + (3 * s2 - 2 * s) * m1) / h
        return val, der


def hermite(t: list[float], y: list[float], m: list[float | None]) -> Hermite:
    """Build a ``Hermite`` through keyframes; ``None`` slopes are chosen as in PCHIP."""
    tk = np.asarray(t, dtype=np.float64)
    yk = np.asarray(y, dtype=np.float64)
    if tk.ndim != 1 or len(tk) < 2 or not np.all(np.diff(tk) > 0):
        raise ValueError(f"hermite knots must be >= 2 and strictly increasing, got {tk}")
    h = np.diff(tk)
    delta = np.diff(yk) / h
    n = len(tk)
    mk = np.zeros(n)
    for k in range(n):
        mk_given = m[k]
        if mk_given is not None:
            mk[k] = float(mk_given)
        elif k == 0 or k == n - 1:
            mk[k] = delta[0] if k == 0 else delta[-1]
        elif delta[k - 1] * delta[k] <= 0:
            mk[k] = 0.0
        else:
            w1 = 2 * h[k] + h[k - 1]
            w2 = h[k] + 2 * h[k - 1]
            mk[k] = (w1 + w2) / (w1 / delta[k - 1] + w2 / delta[k])
    # limit slopes that point along a segment's secant to 3x the secant (no overshoot)
    for k in range(n - 1):
        d = delta[k]
        for j in (k, k + 1):
            if d == 0.0:
                continue
            if mk[j] / d > 3.0:
                mk[j] = 3.0 * d
    return Hermite(tk, yk, mk)
