"""Label-free foot signals for contact detection (pure numpy), used by
``stridecam.analysis.events``.

The pose tracker's left/right labels of the feet are unreliable in side view (MediaPipe exchanges
them for 3-10 frames as the feet pass, with blended frames at the transitions), so the signals
here do not depend on them: per sample, the *lowest* foot point of either foot, the forward
position of that foot's toe, and whether that foot moves like a stance foot (backward relative
to the hip) or a swinging one (forward).

The toe tip. A foot pushing off rolls about the tip of the shoe, which stays on the ground until
toe-off. MediaPipe's ``foot_index`` landmark is not at the tip: measured on rendered clips it sits
behind and above it (the point that stands still in push-off lies 0.03-0.12 leg lengths further
along the heel->toe line), so it rises 15-25 ms before the real toe-off. ``estimate_tip_offset``
finds, from the clip itself, how far along the heel->toe line beyond the landmark the point that
stands still in push-off lies (about 0 on exact landmarks), and ``lowest_foot(track, tip=...)``
uses that point as the toe.
"""

from __future__ import annotations

import numpy as np

from stridecam.model.landmarks import IDX
from stridecam.model.track import Track

SIDES = ("left", "right")


def foot_points(track: Track, side: str) -> tuple[np.ndarray, np.ndarray]:
    """(heel, toe) trajectories of one foot, each (n, 2) in track units. (A toe rebuilt from heel
    and ankle as a rigid foot was tried: it turned 1.5 px of landmark jitter into false contacts,
    so the tracker's own toe is used.)"""
    return track.xy[:, IDX[f"{side}_heel"]], track.xy[:, IDX[f"{side}_foot_index"]]


def toe_tip(heel: np.ndarray, toe: np.ndarray, offset: float) -> np.ndarray:
    """(n, 2) point ``offset`` (track units) beyond the toe along the heel->toe line (the toe
    itself when ``offset`` is 0; NaN where heel and toe coincide or are missing)."""
    if offset == 0:
        return toe
    u = toe - heel
    norm = np.linalg.norm(u, axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        u = np.where(norm > 0, u / norm, np.nan)
    return toe + offset * u


def foot_height(track: Track, side: str, tip: float = 0.0) -> np.ndarray:
    """(n,) height of the foot's lowest point (heel or toe tip) above the ground, track units."""
    heel, toe = foot_points(track, side)
    return np.fmin(heel[:, 1], toe_tip(heel, toe, tip)[:, 1])


def lowest_foot(track: Track, tip: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Label-free view of the feet, per sample: the height of the lowest foot point (heel or toe
    tip of either foot), the forward position of that foot's toe (its stance position), and the
    tracker's label of that foot (0 left, 1 right, -1 none). Swapped labels change only the
    third."""
    heights = np.stack([foot_height(track, s, tip) for s in SIDES])
    toes_x = np.stack([foot_points(track, s)[1][:, 0] for s in SIDES])
    finite = np.isfinite(heights)
    label = np.where(finite.any(axis=0),
                     np.argmin(np.where(finite, heights, np.inf), axis=0), -1)
    rows = np.arange(track.n)
    pick = np.clip(label, 0, 1)
    h = np.where(label >= 0, heights[pick, rows], np.nan)
    x = np.where(label >= 0, toes_x[pick, rows], np.nan)
    return h, x, label


def stance_like(time_s: np.ndarray, x: np.ndarray, hip_x: np.ndarray, label: np.ndarray,
                tolerance: float) -> np.ndarray:
    """(n,) bool: the lowest foot is not moving forward relative to the hip faster than
    ``tolerance`` times the body's speed. A stance foot moves backward relative to the hip (at
    body speed); a foot swinging forward low over the ground does not count as a contact. This
    holds whatever the camera's pan estimate, since both points are in the same frame.

    The speed is the slower of the backward and forward differences, so one bad neighbour (the
    landing foot's last airborne sample, a swapped frame) does not mark a stance sample as
    swinging; differences across a change of the lowest foot do not count, and a sample with
    none left counts as stance-like."""
    n = len(time_s)
    if n < 3:
        return np.ones(n, dtype=bool)
    rel = x - hip_x
    step = np.diff(rel) / np.diff(time_s)
    step[label[1:] != label[:-1]] = np.nan
    back, fwd = np.r_[np.nan, step], np.r_[step, np.nan]
    both = np.stack([back, fwd])
    v = np.where(np.isfinite(both).any(axis=0),
                 np.nanmin(np.where(np.isfinite(both), both, np.inf), axis=0), np.nan)
    speed = np.abs(np.gradient(hip_x, time_s))
    body = float(np.nanmedian(speed)) if np.isfinite(speed).any() else 0.0
    if not body > 0:  # no forward travel in the frame (treadmill without belt removal)
        body = float(np.nanmedian(np.abs(v))) if np.isfinite(v).any() else 0.0
    return ~(np.nan_to_num(v, nan=-np.inf) > tolerance * body)


def estimate_tip_offset(track: Track, contacts: list[tuple[int, int]], label: np.ndarray,
                        toe_off_s: list[float], max_offset: float,
                        after_s: float = 0.01) -> float:
    """Distance (track units, >= 0) beyond the toe landmark, along the heel->toe line, of the
    point of the foot that keeps its height in push-off: the toe tip the foot rolls about.

    For each contact ``(first, last)`` (sample indices) the samples from mid-contact to
    ``after_s`` past its toe-off estimate are used, each with the foot that is lowest there
    (``label``, from ``lowest_foot``: the tracker's labels may be swapped); in push-off
    the toe landmark's height follows ``tip_height - offset * u_y`` where ``u_y`` is the vertical
    component of the unit heel->toe vector, so ``offset`` is the pooled least-squares slope of
    toe height on ``-u_y`` (each contact with its own tip height). Only heights are used: the
    forward positions carry the pan-removal error. Clipped to [0, ``max_offset``]; 0 without
    usable contacts.
    """
    feet = [foot_points(track, s) for s in SIDES]
    num = den = 0.0
    for (first, last), to in zip(contacts, toe_off_s):
        if not np.isfinite(to):
            continue
        stop = int(np.searchsorted(track.time_s, to + after_s, side="right"))
        sel = np.arange((first + last) // 2, min(stop, track.n))
        sel = sel[label[sel] >= 0]
        side = label[sel]
        heel = np.where(side[:, None] == 0, feet[0][0][sel], feet[1][0][sel])
        toe = np.where(side[:, None] == 0, feet[0][1][sel], feet[1][1][sel])
        u = toe - heel
        norm = np.linalg.norm(u, axis=1)
        ok = np.isfinite(toe[:, 1]) & np.isfinite(norm) & (norm > 0)
        if ok.sum() < 3:
            continue
        a = toe[ok, 1] - np.mean(toe[ok, 1])
        uy = u[ok, 1] / norm[ok]
        b = uy - np.mean(uy)
        num -= float(np.sum(a * b))
        den += float(np.sum(b * b))
    if not den > 0:
        return 0.0
    return float(np.clip(num / den, 0.0, max_offset))
