"""Repair left/right swaps of a pose tracker in side view (pure numpy).

MediaPipe often exchanges the labels of the two legs when they pass each other in a side view,
and not of the whole leg at once: measured on rendered clips, the feet (ankle, heel, toe) are
exchanged on their own, for 3-10 frames, while hips and knees keep their labels (or are
exchanged at other moments). So each segment group (``GROUPS``) gets its own labeling.

For each group we choose, for every frame, whether to exchange the labels back so the points
move continuously: a Viterbi search over the two labelings with a constant-velocity prediction
(second order, so that a swing foot moving most of a leg length per frame at 30 fps is still
predicted well). Where both labelings cost the same (points overlapping), the tracker's label is
kept thanks to a small prior cost for exchanging. Finally the labels are chosen to agree with
the tracker on most frames (continuity says which track is which; the tracker's majority says
which of the two is "left").
"""

from __future__ import annotations

import numpy as np

from .landmarks import IDX

#: Segment groups whose left/right labels are repaired independently.
GROUPS: dict[str, tuple[str, ...]] = {
    "hips": ("hip",),
    "knees": ("knee",),
    "feet": ("ankle", "heel", "foot_index"),
    "arms": ("elbow", "wrist", "pinky", "index", "thumb"),
}


def _pairs(parts: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    return (np.array([IDX[f"left_{p}"] for p in parts]),
            np.array([IDX[f"right_{p}"] for p in parts]))


def swap_lr(array: np.ndarray, mask: np.ndarray, parts: tuple[str, ...]) -> np.ndarray:
    """Copy of ``array`` (frames first, landmarks second) with the left/right landmarks of
    ``parts`` exchanged on the frames where ``mask`` is True."""
    out = np.array(array, copy=True)
    left, right = _pairs(parts)
    rows = np.flatnonzero(mask)
    out[np.ix_(rows, left)], out[np.ix_(rows, right)] = (array[np.ix_(rows, right)],
                                                         array[np.ix_(rows, left)])
    return out


def _sq(d: np.ndarray) -> np.ndarray:
    """Sum of squared distances over points, NaN-safe (missing points cost nothing)."""
    s = np.where(np.isfinite(d), d, 0.0) ** 2
    return s.sum(axis=(-1, -2))


def find_swaps(xy_px: np.ndarray, time_s: np.ndarray, parts: tuple[str, ...],
               prior_px: float = 2.0) -> np.ndarray:
    """Frames whose left/right labels of ``parts`` should be exchanged (bool array, length n).

    ``xy_px``: (n, 33, 2) landmarks; ``time_s``: (n,) times; ``prior_px``: cost (as a distance
    in pixels per point) of exchanging a frame's labels, which breaks ties in favour of the
    tracker. Frames with the points missing keep their labels.
    """
    n = len(time_s)
    if n < 3:
        return np.zeros(n, dtype=bool)
    left, right = _pairs(parts)
    straight = np.concatenate([xy_px[:, left], xy_px[:, right]], axis=1)
    crossed = np.concatenate([xy_px[:, right], xy_px[:, left]], axis=1)
    pts = np.stack([straight, crossed])  # (2, n, 2k, 2)
    dt = np.diff(time_s)
    ratio = np.ones(n)
    ratio[2:] = dt[1:] / dt[:-1]
    prior = prior_px ** 2 * pts.shape[2]
    # cost[a, b]: best cost with state a at t-1 and b at t; back[t, b, c] = best state at t-2
    cost = np.array([[_sq(pts[b, 1] - pts[a, 0]) + prior * (a + b) for b in (0, 1)]
                     for a in (0, 1)])
    back = np.zeros((n, 2, 2), dtype=np.int8)
    for t in range(2, n):
        new = np.full((2, 2), np.inf)
        for b in (0, 1):
            for c in (0, 1):
                for a in (0, 1):
                    pred = pts[b, t - 1] + (pts[b, t - 1] - pts[a, t - 2]) * ratio[t]
                    total = cost[a, b] + _sq(pts[c, t] - pred) + prior * c
                    if total < new[b, c]:
                        new[b, c] = total
                        back[t, b, c] = a
        cost = new
    b, c = np.unravel_index(np.argmin(cost), cost.shape)
    states = np.zeros(n, dtype=bool)
    states[n - 1], states[n - 2] = bool(c), bool(b)
    for t in range(n - 1, 1, -1):
        states[t - 2] = bool(back[t, int(states[t - 1]), int(states[t])])
    if states.mean() > 0.5:  # the tracker's labels are right on most frames
        states = ~states
    return states


def repair_swaps(xy_px: np.ndarray, visibility: np.ndarray,
                 time_s: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Repair every group of ``GROUPS``; returns (xy, visibility, {group: swapped frames})."""
    masks = {}
    for name, parts in GROUPS.items():
        mask = find_swaps(xy_px, time_s, parts)
        masks[name] = mask
        xy_px = swap_lr(xy_px, mask, parts)
        visibility = swap_lr(visibility, mask, parts)
    return xy_px, visibility, masks
