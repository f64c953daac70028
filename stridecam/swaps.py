"""Repair left/right leg swaps of a pose tracker in side view (pure numpy).

MediaPipe often exchanges the labels of the two legs for one or more frames when they overlap in a
side view. We choose, for every frame, whether to exchange the labels back so that the legs move
continuously: a Viterbi search over the two labelings with a constant-velocity prediction
(second order, so that a swing foot moving most of a leg length per frame at 30 fps is still
predicted well). Where the labelings cost the same (legs overlapping), the tracker's own label is
kept thanks to a small prior cost for exchanging. Finally the labels are chosen globally to agree
with the tracker on most frames (only continuity says which is which; the tracker's majority says
which of the two is "left").
"""

from __future__ import annotations

import numpy as np

from .landmarks import IDX, LR_PAIRS

#: Leg landmarks whose continuity decides the labeling.
_LEG_PARTS = ("knee", "ankle", "heel", "foot_index")
_LEG_L = np.array([IDX[f"left_{p}"] for p in _LEG_PARTS])
_LEG_R = np.array([IDX[f"right_{p}"] for p in _LEG_PARTS])


def swap_lr(array: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Copy of ``array`` (frames first, landmarks second) with every left/right pair exchanged on
    the frames where ``mask`` is True."""
    out = np.array(array, copy=True)
    for left, right in LR_PAIRS:
        out[mask, left], out[mask, right] = array[mask, right], array[mask, left]
    return out


def _legs(xy: np.ndarray, swapped: bool) -> np.ndarray:
    """(n, 8, 2) leg points with left first, after an optional exchange."""
    a, b = (_LEG_R, _LEG_L) if swapped else (_LEG_L, _LEG_R)
    return np.concatenate([xy[:, a], xy[:, b]], axis=1)


def _sq(d: np.ndarray) -> np.ndarray:
    """Sum of squared distances over points, NaN-safe (missing points cost nothing)."""
    s = np.where(np.isfinite(d), d, 0.0) ** 2
    return s.sum(axis=(-1, -2))


def find_swaps(xy_px: np.ndarray, time_s: np.ndarray, prior_px: float = 2.0) -> np.ndarray:
    """Frames whose left/right labels should be exchanged (bool array of length n).

    ``xy_px``: (n, 33, 2) landmarks; ``time_s``: (n,) times; ``prior_px``: cost (as a distance
    in pixels per leg point) of exchanging a frame's labels, which breaks ties in favour of the
    tracker. Frames with no legs found keep their labels.
    """
    n = len(time_s)
    if n < 3:
        return np.zeros(n, dtype=bool)
    legs = np.stack([_legs(xy_px, False), _legs(xy_px, True)])  # (2, n, 8, 2)
    dt = np.diff(time_s)
    ratio = np.ones(n)
    ratio[2:] = dt[1:] / dt[:-1]
    prior = prior_px ** 2 * legs.shape[2]
    inf = np.inf
    # cost[a, b]: best cost with state a at t-1 and b at t; back[t, a, b] = best state at t-2
    cost = np.zeros((2, 2))
    for a in (0, 1):
        for b in (0, 1):
            cost[a, b] = _sq(legs[b, 1] - legs[a, 0]) + prior * (a + b)
    back = np.zeros((n, 2, 2), dtype=np.int8)
    for t in range(2, n):
        new = np.full((2, 2), inf)
        for b in (0, 1):
            for c in (0, 1):
                for a in (0, 1):
                    pred = legs[b, t - 1] + (legs[b, t - 1] - legs[a, t - 2]) * ratio[t]
                    total = cost[a, b] + _sq(legs[c, t] - pred) + prior * c
                    if total < new[b, c]:
                        new[b, c] = total
                        back[t, b, c] = a
        cost = new
    b, c = np.unravel_index(np.argmin(cost), cost.shape)
    states = np.zeros(n, dtype=bool)
    states[n - 1], states[n - 2] = bool(c), bool(b)
    for t in range(n - 1, 1, -1):
        a = back[t, int(states[t - 1]), int(states[t])]
        states[t - 2] = bool(a)
    if states.mean() > 0.5:  # the tracker's labels are right on most frames
        states = ~states
    return states
