"""Touchdown and toe-off of each foot from a ``Track`` (pure numpy/pandas).

A foot is in contact while its lowest point (heel or toe, whichever is lower) is on the ground.
A foot swinging forward relative to the hip is never in contact, however low it passes (a
stance foot moves backward relative to the hip at body speed). Two height thresholds, in leg
lengths (hip-to-ankle = 1), so they hold for any camera and scale:
- ``detect_leg``: a contact is a stretch where the foot is within this height of the ground;
  this finds contacts robustly despite landmark noise;
- ``timing_leg``: inside a contact, touchdown and toe-off are where the foot's straight descent
  (rise) meets the contact's own floor (a low percentile of its heights), from a line through
  the samples between ``timing_leg`` and ``band_leg`` above it; with fewer than two such samples
  (low frame rates), the crossing of ``timing_leg``, interpolated between samples.
Sprinting alternates feet: two consecutive contacts of the same foot are flagged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .columns import EVENT_COLUMNS
from .ground import FOOT_POINTS, foot_speed_rel_hip
from .poses import Flag
from .track import Track

SIDES = ("left", "right")


def foot_height(track: Track, side: str) -> np.ndarray:
    """(n,) height of the foot's lowest point (heel or toe) above the ground, in track units."""
    heel, toe = (track.xy[:, i, 1] for i in FOOT_POINTS[side])
    return np.fmin(heel, toe)


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


def detect_contacts(track: Track, *, detect_leg: float = 0.08, timing_leg: float = 0.02,
                    min_contact_s: float = 0.03, merge_gap_s: float = 0.02,
                    swing_tolerance: float = 0.25, floor_percentile: float = 25.0,
                    band_leg: float = 0.10, fit_s: float = 0.04,
                    subframe: bool = True) -> tuple[pd.DataFrame, list[Flag]]:
    """Contacts of both feet, in time order: a table with ``EVENT_COLUMNS``.

    Only complete contacts (touchdown and toe-off both inside the tracked, gap-free stretch) are
    returned. Frames in the table are indices into the source ``Poses`` (nearest kept frame).
    """
    t = track.time_s
    leg = track.scale.leg_length
    rows = []
    flags: list[Flag] = []
    if track.n < 3 or not np.isfinite(leg):
        return pd.DataFrame(columns=EVENT_COLUMNS), flags
    dt = float(np.median(np.diff(t)))
    merge = max(1, int(round(merge_gap_s / dt)))
    rel = {side: foot_speed_rel_hip(track.xy, t, side) for side in SIDES}
    finite = np.concatenate([v[np.isfinite(v)] for v in rel.values()])
    body_speed = float(np.median(np.abs(finite))) if finite.size else 0.0
    for side in SIDES:
        h = foot_height(track, side)
        # on the ground: low, and not swinging forward relative to the hip
        swinging = np.nan_to_num(rel[side], nan=0.0) > swing_tolerance * body_speed
        low = (np.nan_to_num(h, nan=np.inf) < detect_leg * leg) & ~swinging
        # close short breaks in a contact (noise lifting the foot for a sample)
        runs = _runs(low)
        merged: list[list[int]] = []
        for start, stop in runs:
            if merged and start - merged[-1][1] <= merge:
                merged[-1][1] = stop
            else:
                merged.append([start, stop])
        for start, stop in merged:
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
            if to - td < min_contact_s - 1e-9 and stop - start >= 3:
                continue
            rows.append({"foot": side, "touchdown_time_s": td, "toe_off_time_s": to})
    table = pd.DataFrame(rows, columns=["foot", "touchdown_time_s", "toe_off_time_s"])
    table = table.sort_values("touchdown_time_s", ignore_index=True)
    table["touchdown_frame"] = _frame_at(track, table["touchdown_time_s"].to_numpy())
    table["toe_off_frame"] = _frame_at(track, table["toe_off_time_s"].to_numpy())
    table["contact_time_s"] = table["toe_off_time_s"] - table["touchdown_time_s"]
    repeats = int((table["foot"].to_numpy()[1:] == table["foot"].to_numpy()[:-1]).sum())
    if repeats:
        flags.append(Flag("non_alternating_contacts", "warning",
                          f"{repeats} time(s) the same foot was found on the ground twice in a "
                          "row: a contact was missed or the legs were confused."))
    return table[list(EVENT_COLUMNS)], flags


def _frame_at(track: Track, times: np.ndarray) -> np.ndarray:
    """Index of the source Poses frame nearest to each time."""
    if len(times) == 0:
        return np.zeros(0, dtype=np.int64)
    k = np.clip(np.rint((times - track.time_s[0]) * track.fps).astype(int), 0, track.n - 1)
    return track.frame_of_sample[k].astype(np.int64)
