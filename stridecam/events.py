"""Touchdown and toe-off of each contact from a ``Track`` (pure numpy/pandas).

Label-free first: the tracker's left/right labels of the feet are unreliable in side view (it
exchanges them for a few frames as the feet pass each other), so a contact is found from the
lowest point of *either* foot: on the ground, and not swinging forward relative to the hip (a
stance foot moves backward relative to the hip at body speed). Consecutive contacts are told
apart by the jump of the stance position. Which foot made a contact comes from alternation
(sprinting alternates feet), with the tracker's labels only voting for the pattern.

Heights are in leg lengths (hip-to-ankle = 1), so the thresholds hold for any camera and scale:
- ``detect_leg``: a contact is a stretch where the lowest foot point is within this height;
- ``timing_leg``: inside a contact, touchdown and toe-off are where the foot's straight descent
  (rise) meets the contact's own floor (a low percentile of its heights), from a line through
  the samples between ``timing_leg`` and ``band_leg`` above it; with fewer than two such samples
  (low frame rates), the crossing of ``timing_leg``, interpolated between samples.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .columns import EVENT_COLUMNS
from .landmarks import IDX
from .poses import Flag
from .track import Track, hip_mid_x

SIDES = ("left", "right")


def _foot_points(track: Track, side: str) -> tuple[np.ndarray, np.ndarray]:
    """(heel, toe) trajectories of one foot. (A toe rebuilt from heel and ankle as a rigid foot
    was tried: it halved the toe's error in contact on rendered clips but turned 1.5 px of
    landmark jitter into false contacts, so the tracker's own toe is used.)"""
    return track.xy[:, IDX[f"{side}_heel"]], track.xy[:, IDX[f"{side}_foot_index"]]


def foot_height(track: Track, side: str) -> np.ndarray:
    """(n,) height of the foot's lowest point (heel or toe) above the ground, in track units."""
    heel, toe = _foot_points(track, side)
    return np.fmin(heel[:, 1], toe[:, 1])


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) index pairs of the True stretches of a boolean array (stop exclusive)."""
    edges = np.flatnonzero(np.diff(np.r_[0, mask.astype(int), 0]))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def _crossing(t: np.ndarray, h: np.ndarray, i_out: int, i_in: int, level: float) -> float:
    """Time at which ``h`` crosses ``level`` between sample ``i_out`` (above) and ``i_in`` (below)."""
    h0, h1 = h[i_out], h[i_in]
    if not (np.isfinite(h0) and np.isfinite(h1)) or h0 == h1:
        return float(t[i_in])
    frac = np.clip((h0 - level) / (h0 - h1), 0.0, 1.0)
    return float(t[i_out] + frac * (t[i_in] - t[i_out]))


def _line_to_floor(t: np.ndarray, h: np.ndarray, edge: int, way: int,
                   band: tuple[float, float], floor: float, fit_s: float) -> float:
    """Time where the foot's descent (``way`` = -1: the samples before ``edge``) or rise
    (+1: after it), as a straight line, meets the contact's floor.

    The line is fitted to the samples within ``band`` of height and ``fit_s`` of the edge;
    NaN when fewer than two qualify (low frame rate) or the line slopes the wrong way. The
    result stays within 1.5 samples of the edge.
    """
    dt = float(t[1] - t[0])
    idx = []
    k = edge + way
    while 0 <= k < len(t) and abs(t[k] - t[edge]) <= fit_s + 1e-9:
        if np.isfinite(h[k]) and band[0] <= h[k] <= band[1]:
            idx.append(k)
        elif np.isfinite(h[k]) and h[k] > band[1]:
            break
        k += way
    if len(idx) < 2:
        return float("nan")
    slope, intercept = np.polyfit(t[idx], h[idx], 1)
    if slope * way <= 0:
        return float("nan")
    when = (floor - intercept) / slope
    return float(np.clip(when, t[edge] - 1.5 * dt, t[edge] + 1.5 * dt))


def lowest_foot(track: Track) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Label-free view of the feet: per sample, the height and forward position of the lowest
    foot point (heel or toe of either foot), and the tracker's label of that foot (0 left,
    1 right, -1 none). Swapped labels do not change the first two."""
    h = np.stack([foot_height(track, s) for s in SIDES])
    label = np.where(np.isfinite(h).any(axis=0), np.nanargmin(np.where(np.isfinite(h), h, np.inf),
                                                                axis=0), -1)
    rows = np.arange(track.n)
    x = np.full(track.n, np.nan)
    for k, side in enumerate(SIDES):
        heel, toe = _foot_points(track, side)
        pick = np.where((heel[:, 1] <= toe[:, 1])[:, None], heel, toe)
        x = np.where(label == k, pick[:, 0], x)
    h_low = np.where(label >= 0, h[np.clip(label, 0, 1), rows], np.nan)
    return h_low, x, label


def _still(t: np.ndarray, x: np.ndarray, hip: np.ndarray, label: np.ndarray,
           tolerance: float) -> np.ndarray:
    """True where the lowest foot is not moving forward relative to the hip faster than
    ``tolerance`` times the body's speed (a stance foot moves backward relative to the hip; a
    foot swinging forward low over the ground does not count as a contact)."""
    rel = x - hip
    v = np.gradient(rel, t) if len(t) > 2 else np.zeros(len(t))
    switch = np.r_[False, label[1:] != label[:-1]]
    v[switch | np.r_[switch[1:], False]] = np.nan  # the lowest foot changed: no velocity
    speed = np.abs(np.gradient(hip, t)) if len(t) > 2 else np.zeros(len(t))
    body = float(np.nanmedian(speed)) if np.isfinite(speed).any() else 0.0
    if not body > 0:  # no forward travel in the frame (treadmill without pan removal)
        body = float(np.nanmedian(np.abs(v))) if np.isfinite(v).any() else 0.0
    return ~(np.nan_to_num(v, nan=-np.inf) > tolerance * body)


def _segments(low: np.ndarray, x: np.ndarray, merge: int, jump: float) -> list[tuple[int, int]]:
    """Contact stretches: runs of ``low`` joined across breaks of at most ``merge`` samples,
    and split where the stance position ``x`` jumps by more than ``jump`` (another foot)."""
    out: list[list[int]] = []
    for start, stop in _runs(low):
        if out and start - out[-1][1] <= merge and abs(x[start] - x[out[-1][1] - 1]) < jump:
            out[-1][1] = stop
        else:
            out.append([start, stop])
    split: list[tuple[int, int]] = []
    for start, stop in out:
        cuts = [start] + [k for k in range(start + 1, stop)
                          if abs(x[k] - x[k - 1]) > jump] + [stop]
        split += [(a, b) for a, b in zip(cuts[:-1], cuts[1:]) if b > a]
    return split


def _stands_still(t: np.ndarray, x: np.ndarray, start: int, stop: int,
                  threshold: float) -> tuple[float, float]:
    """(touchdown, toe-off) from the horizontal cue: the stance point stands still in the ground
    frame, so its forward speed falls below ``threshold`` when the foot lands and rises above it
    when the foot leaves. Searched outwards from the contact's middle sample, interpolated."""
    v = np.gradient(x, t)
    mid = (start + stop) // 2
    lo, hi = max(1, start - 3), min(len(t) - 1, stop + 3)
    td = to = float("nan")
    for k in range(mid, hi):
        if np.isfinite(v[k]) and np.isfinite(v[k - 1]) and v[k] > threshold >= v[k - 1]:
            to = float(t[k - 1] + (threshold - v[k - 1]) / (v[k] - v[k - 1]) * (t[k] - t[k - 1]))
            break
    for k in range(mid, lo - 1, -1):
        if np.isfinite(v[k]) and np.isfinite(v[k - 1]) and v[k - 1] > threshold >= v[k]:
            td = float(t[k - 1] + (v[k - 1] - threshold) / (v[k - 1] - v[k]) * (t[k] - t[k - 1]))
            break
    return td, to


def assign_feet(times: np.ndarray, votes: np.ndarray, chain_factor: float = 1.6) -> np.ndarray:
    """Foot of each contact (0 left, 1 right) from alternation.

    ``votes[i]`` is the tracker's evidence that contact i is the right foot, in [-1, 1]
    (-1 all left). Contacts closer in time than ``chain_factor`` median step times form a chain
    whose feet alternate; each chain takes the alternating pattern that agrees with most votes.
    """
    n = len(times)
    feet = np.zeros(n, dtype=int)
    if n == 0:
        return feet
    gaps = np.diff(times)
    median = float(np.median(gaps)) if n > 1 else np.inf
    breaks = np.flatnonzero(gaps > chain_factor * median) + 1
    for chain in np.split(np.arange(n), breaks):
        pattern = np.arange(len(chain)) % 2  # 0,1,0,1 ...: first contact left
        agree = np.sum(votes[chain] * np.where(pattern == 1, 1, -1))
        feet[chain] = pattern if agree >= 0 else 1 - pattern
    return feet


def detect_contacts(track: Track, *, detect_leg: float = 0.08, timing_leg: float = 0.02,
                    min_contact_s: float = 0.03, merge_gap_s: float = 0.02,
                    swing_tolerance: float = 0.25, floor_percentile: float = 25.0,
                    band_leg: float = 0.10, fit_s: float = 0.04, jump_leg: float = 0.3,
                    td_cue: str = "height", to_cue: str = "height", moving_frac: float = 0.2,
                    subframe: bool = True) -> tuple[pd.DataFrame, list[Flag]]:
    """Contacts in time order: a table with ``EVENT_COLUMNS``, and data-quality flags.

    Label-free: a contact is a stretch where the lowest point of either foot is on the ground
    and not swinging forward; consecutive contacts are told apart by the jump of the stance
    position. Which foot made each contact comes from alternation (``assign_feet``), with the
    tracker's labels only voting, so the tracker's left/right swaps do not break contacts.
    Only complete contacts (touchdown and toe-off inside the tracked, gap-free stretch) are
    returned. Frames are indices into the source ``Poses`` (nearest kept frame).
    """
    t = track.time_s
    leg = track.scale.leg_length
    flags: list[Flag] = []
    empty = pd.DataFrame(columns=EVENT_COLUMNS)
    if track.n < 3 or not np.isfinite(leg):
        return empty, flags
    dt = float(np.median(np.diff(t)))
    h, x, label = lowest_foot(track)
    hip = hip_mid_x(track.xy)
    low = (np.nan_to_num(h, nan=np.inf) < detect_leg * leg) & _still(t, x, hip, label,
                                                                      swing_tolerance)
    hip_speed = np.abs(np.gradient(hip, t))
    body_speed = float(np.nanmedian(hip_speed)) if np.isfinite(hip_speed).any() else 0.0
    rows, votes, label_swaps = [], [], 0
    for start, stop in _segments(low, x, max(1, int(round(merge_gap_s / dt))), jump_leg * leg):
        if start == 0 or stop >= track.n:
            continue  # contact cut by the clip's start or end
        if not (np.isfinite(h[start - 1]) and np.isfinite(h[stop])):
            continue  # cut by a gap in the track
        seg = h[start:stop]
        # the contact's own ground level: a low percentile, so a noise dip is not the floor
        floor = float(np.nanpercentile(seg, floor_percentile))
        level = floor + timing_leg * leg
        inside = np.flatnonzero(seg <= level)
        first, last = start + inside[0], start + inside[-1]
        if subframe and stop - start >= 3:
            band = (level, floor + band_leg * leg)
            td = _line_to_floor(t, h, first, -1, band, floor, fit_s)
            to = _line_to_floor(t, h, last, +1, band, floor, fit_s)
            if not np.isfinite(td):
                td = _crossing(t, h, first - 1, first, level)
            if not np.isfinite(to):
                to = _crossing(t, h, last + 1, last, level)
        else:
            td, to = float(t[first]), float(t[last])
        if stop - start >= 3 and (td_cue == "horizontal" or to_cue == "horizontal"):
            td_h, to_h = _stands_still(t, x, start, stop, moving_frac * body_speed)
            if td_cue == "horizontal" and np.isfinite(td_h):
                td = td_h
            if to_cue == "horizontal" and np.isfinite(to_h):
                to = to_h
        if to - td < min_contact_s - 1e-9 and stop - start >= 3:
            continue
        labels = label[start:stop]
        votes.append(float(np.mean(np.where(labels == 1, 1.0, -1.0))))
        rows.append({"touchdown_time_s": td, "toe_off_time_s": to, "labels": labels})
    if not rows:
        return empty, flags
    feet = assign_feet(np.array([r["touchdown_time_s"] for r in rows]), np.array(votes))
    for r, foot in zip(rows, feet):
        label_swaps += int(np.sum(r.pop("labels") != foot))
        r["foot"] = SIDES[foot]
    table = pd.DataFrame(rows)
    table["touchdown_frame"] = _frame_at(track, table["touchdown_time_s"].to_numpy())
    table["toe_off_frame"] = _frame_at(track, table["toe_off_time_s"].to_numpy())
    table["contact_time_s"] = table["toe_off_time_s"] - table["touchdown_time_s"]
    if label_swaps:
        flags.append(Flag(
            "leg_labels_repaired", "info",
            f"The pose tracker gave the foot on the ground the wrong side's label on "
            f"{label_swaps} sample(s); feet were assigned from the alternation of contacts."))
    gaps = np.diff(table["touchdown_time_s"].to_numpy())
    if len(gaps) and (gaps > 1.6 * np.median(gaps)).any():
        flags.append(Flag("missed_contacts", "warning",
                          f"{int((gaps > 1.6 * np.median(gaps)).sum())} gap(s) between contacts "
                          "are too long for one step: a contact was not found there."))
    return table[list(EVENT_COLUMNS)], flags


def _frame_at(track: Track, times: np.ndarray) -> np.ndarray:
    """Index of the source Poses frame nearest to each time."""
    if len(times) == 0:
        return np.zeros(0, dtype=np.int64)
    k = np.clip(np.rint((times - track.time_s[0]) * track.fps).astype(int), 0, track.n - 1)
    return track.frame_of_sample[k].astype(np.int64)
