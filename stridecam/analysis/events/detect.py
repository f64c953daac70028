"""Touchdown and toe-off of each contact from a ``Track`` (pure numpy/pandas).

Label-free: the tracker's left/right labels of the feet are unreliable in side view, so contacts
come from the lowest point of *either* foot (``stridecam.analysis.events.signals``). Which foot made
a contact comes from alternation (sprinting alternates feet), the tracker's labels only voting.

1. Where (``stridecam.analysis.events.segments``): each contact is a valley of the lowest foot
   point's height, grown while the foot stays near the contact's *own* floor, moves like a stance
   foot (not forward relative to the hip) and near one stance position. Per-contact floors matter on
   real pose landmarks: the far foot's contacts appear higher than the near foot's.
2. When: touchdown is where the foot's descent reaches the floor of the contact's first third,
   toe-off where the toe tip's rise leaves the floor of its last third (local floors: a tracker
   may place the foot a few centimetres higher for part of a contact). Each edge is the time
   where a straight line through the descent (rise) samples between ``timing_leg`` and
   ``band_leg`` above the floor meets the floor, trusted within one sample of the edge sample;
   with too few samples (low frame rates), the crossing of ``timing_leg``, interpolated.
3. Toe tip: toe-off is timed on the point of the foot that keeps its height in push-off
   (``events_signals.estimate_tip_offset``), since MediaPipe's toe landmark sits behind the tip
   and rises 15-25 ms early; on exact landmarks that point is the toe landmark itself. Measured
   on the rendered clips through MediaPipe (IMAGE mode, 120 fps): toe-off bias -14 -> -9 ms,
   contact-time error 17 -> 15 ms per step; on exact landmarks +0.5 ms.

Heights are in leg lengths (hip-to-ankle = 1) so the thresholds hold for any camera and scale.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from stridecam.analysis.events.segments import find_contacts
from stridecam.analysis.events.signals import SIDES, estimate_tip_offset, lowest_foot, stance_like
from stridecam.model.columns import CONTACT_COLUMNS
from stridecam.model.poses import Flag
from stridecam.model.settings import ContactSettings
from stridecam.model.track import Track, hip_mid_x


def _crossing(t: np.ndarray, h: np.ndarray, i_out: int, i_in: int, level: float) -> float:
    """Time at which ``h`` crosses ``level`` between samples ``i_out`` (above) and ``i_in``
    (below); the time of ``i_in`` when ``i_out`` is outside the track or either is missing."""
    if not 0 <= i_out < len(t):
        return float(t[i_in])
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
    result stays within one sample of the edge (further out, two noisy samples extrapolate
    worse than the crossing does: measured on MediaPipe landmarks at 60 fps).
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
    return float(np.clip(when, t[edge] - dt, t[edge] + dt))


def _edge_time(t: np.ndarray, h: np.ndarray, first: int, last: int, way: int, *,
               part: float, floor_percentile: float, timing: float, band: float,
               fit_s: float, subframe: bool) -> float:
    """Touchdown (``way`` = -1) or toe-off (+1) of the contact spanning samples first..last,
    from height ``h``: the floor is a low percentile of the first (last) ``part`` of the
    contact; the edge sample is the first (last) one within ``timing`` of it."""
    n = last - first + 1
    m = max(1, int(round(part * n)))
    end = h[first:first + m] if way < 0 else h[last - m + 1:last + 1]
    if not np.isfinite(end).any():
        return float("nan")
    floor = float(np.nanpercentile(end, floor_percentile))
    level = floor + timing
    inside = np.flatnonzero(h[first:last + 1] <= level)
    if inside.size == 0:
        return float("nan")
    edge = first + (inside[0] if way < 0 else inside[-1])
    if not (subframe and n >= 3):
        return float(t[edge])
    when = _line_to_floor(t, h, edge, way, (level, floor + band), floor, fit_s)
    return when if np.isfinite(when) else _crossing(t, h, edge + way, edge, level)


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


def detect_contacts(track: Track, settings: ContactSettings = ContactSettings()
                    ) -> tuple[pd.DataFrame, list[Flag]]:
    """Contacts in time order: a table with ``CONTACT_COLUMNS`` (every event timed on the
    landmarks, with its uncertainty), and data-quality flags.

    ``settings`` (``model.settings.ContactSettings``) says where contacts are and how their
    edges are timed. Only complete contacts (touchdown and toe-off inside the tracked, gap-free
    stretch) are returned. Frames are indices into the source ``Poses`` (nearest kept frame).
    """
    s = settings
    leg = track.scale.leg_length
    empty = pd.DataFrame(columns=list(CONTACT_COLUMNS))
    if track.n < 5 or not np.isfinite(leg):
        return empty, []
    h, x, label = lowest_foot(track)
    stretches = _complete_stretches(track, h, x, label, s)
    touchdowns, toe_offs, tip = _edge_times(track, h, label, stretches, s)
    rows, votes, n_long = _plausible_contacts(stretches, touchdowns, toe_offs, label, s)
    flags: list[Flag] = []
    if n_long:
        flags.append(Flag(
            "long_contacts", "info",
            f"{n_long} stretch(es) with a foot on the ground for more than {s.max_contact_s:g} s "
            "(set position, standing, or a stalled track) were not counted as steps."))
    if not rows:
        return empty, flags
    if tip > 0.02 * leg:
        flags.append(Flag(
            "toe_tip_estimated", "info",
            f"The pose tracker's toe point sits about {tip / leg:.2f} leg lengths behind the tip "
            "of the shoe; toe-offs were timed on the estimated tip."))
    table, label_swaps = _contacts_table(track, rows, votes)
    sd = landmark_event_sd_s(track.fps, s)
    table["touchdown_source"] = table["toe_off_source"] = "landmarks"
    table["touchdown_unc_s"] = table["toe_off_unc_s"] = sd
    table["contact_time_unc_s"] = np.hypot(sd, sd)
    table["evidence_note"] = ""
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
    return table[list(CONTACT_COLUMNS)], flags


def landmark_event_sd_s(fps: float, s: ContactSettings = ContactSettings()) -> float:
    """1-sigma uncertainty (s) of an event timed on the landmarks at ``fps`` frames per second:
    the tracker's scatter and a part of the frame interval, in quadrature."""
    frame = 1.0 / fps if fps > 0 else float("nan")
    return float(np.hypot(s.landmark_event_sd_s, s.landmark_event_sd_frames * frame))


def _complete_stretches(track: Track, h: np.ndarray, x: np.ndarray, label: np.ndarray,
                        s: ContactSettings) -> list[tuple[int, int]]:
    """Contact stretches (first, last sample) not cut by the clip's ends or a gap."""
    complete, _ = _stretches(track, h, x, label, s)
    return complete


def cut_at_end(track: Track, s: ContactSettings = ContactSettings()
               ) -> list[tuple[float, float]]:
    """(touchdown time, last on-ground sample time) of the contacts the track loses before
    their toe-off (the clip or the track ends, or a gap begins): their toe-off may still be
    seen in the frames (``events.candidates``)."""
    leg = track.scale.leg_length
    if track.n < 5 or not np.isfinite(leg):
        return []
    h, x, label = lowest_foot(track)
    _, cut = _stretches(track, h, x, label, s)
    timing: dict[str, Any] = dict(part=s.edge_part, floor_percentile=s.floor_percentile,
                                  timing=s.timing_leg * leg, band=s.band_leg * leg,
                                  fit_s=s.fit_s, subframe=s.subframe)
    out = []
    for first, last in cut:
        td = _edge_time(track.time_s, h, first, last, -1, **timing)
        if np.isfinite(td):
            out.append((td, float(track.time_s[last])))
    return out


def _stretches(track: Track, h: np.ndarray, x: np.ndarray, label: np.ndarray,
               s: ContactSettings) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(complete stretches, stretches cut at their end), each (first, last sample); stretches
    cut at their start are neither (no touchdown to time)."""
    leg = track.scale.leg_length
    dt = float(np.median(np.diff(track.time_s)))
    still = stance_like(track.time_s, x, hip_mid_x(track.xy), label, s.swing_tolerance)
    stretches = find_contacts(
        h, x, still, prominence=s.prominence_leg * leg, max_floor=s.max_floor_leg * leg,
        grow=s.grow_leg * leg, x_tol=s.stance_tol_leg * leg, same_place=s.same_place_leg * leg,
        merge=max(1, int(round(s.merge_gap_s / dt))), air=s.air_leg * leg,
        still_fraction=s.still_fraction, floor_percentile=s.floor_percentile)
    kept, cut = [], []
    for first, last in stretches:
        if first == 0 or not np.isfinite(h[first - 1]):
            continue  # contact cut by the clip's start or a gap: no touchdown
        if last >= track.n - 1 or not np.isfinite(h[last + 1]):
            cut.append((first, last))  # the toe-off is not in the track
            continue
        kept.append((first, last))
    return kept, cut


def _edge_times(track: Track, h: np.ndarray, label: np.ndarray, kept: list[tuple[int, int]],
                s: ContactSettings) -> tuple[list[float], list[float], float]:
    """(touchdown times, toe-off times, toe-tip offset in track units) of the stretches."""
    t, leg = track.time_s, track.scale.leg_length
    timing: dict[str, Any] = dict(part=s.edge_part, floor_percentile=s.floor_percentile,
                                  timing=s.timing_leg * leg, band=s.band_leg * leg,
                                  fit_s=s.fit_s, subframe=s.subframe)

    def toe_offs(h_tip: np.ndarray) -> list[float]:
        return [_edge_time(t, h_tip, a, b, +1, **timing) for a, b in kept]

    touchdowns = [_edge_time(t, h, a, b, -1, **timing) for a, b in kept]
    to_times = toe_offs(h)
    tip = 0.0
    if s.toe_tip and kept:
        # the tip estimate uses push-off up to the toe-off estimate, which moves later as the
        # tip is found: a few rounds settle it
        for _ in range(3):
            new = estimate_tip_offset(track, kept, label, to_times, s.max_tip_leg * leg)
            to_times = toe_offs(lowest_foot(track, new)[0])
            settled = abs(new - tip) < 0.002 * leg
            tip = new
            if settled:
                break
    return touchdowns, to_times, tip


def _plausible_contacts(kept: list[tuple[int, int]], touchdowns: list[float],
                        toe_offs: list[float], label: np.ndarray, s: ContactSettings
                        ) -> tuple[list[dict], list[float], int]:
    """Rows of the contacts whose duration is plausible, the tracker's vote for the right foot
    of each (in [-1, 1]), and how many were too long for a running step."""
    rows, votes, n_long = [], [], 0
    for (first, last), td, to in zip(kept, touchdowns, toe_offs, strict=True):
        if not (np.isfinite(td) and np.isfinite(to)) or to - td < s.min_contact_s - 1e-9:
            continue
        if to - td > s.max_contact_s:
            n_long += 1
            continue
        labels = label[first:last + 1]
        votes.append(float(np.mean(np.where(labels == 1, 1.0, -1.0))))
        rows.append({"touchdown_time_s": td, "toe_off_time_s": to, "labels": labels})
    return rows, votes, n_long


def _contacts_table(track: Track, rows: list[dict], votes: list[float]
                    ) -> tuple[pd.DataFrame, int]:
    """The contacts table (feet from alternation) and how many samples the tracker mislabelled."""
    feet = assign_feet(np.array([r["touchdown_time_s"] for r in rows]), np.array(votes))
    label_swaps = 0
    for r, foot in zip(rows, feet, strict=True):
        label_swaps += int(np.sum(r.pop("labels") != foot))
        r["foot"] = SIDES[foot]
    table = pd.DataFrame(rows)
    table["touchdown_frame"] = _frame_at(track, table["touchdown_time_s"].to_numpy())
    table["toe_off_frame"] = _frame_at(track, table["toe_off_time_s"].to_numpy())
    table["contact_time_s"] = table["toe_off_time_s"] - table["touchdown_time_s"]
    return table, label_swaps


def _frame_at(track: Track, times: np.ndarray) -> np.ndarray:
    """Index of the source Poses frame nearest to each time."""
    if len(times) == 0:
        return np.zeros(0, dtype=np.int64)
    k = np.clip(np.rint((times - track.time_s[0]) * track.fps).astype(int), 0, track.n - 1)
    return track.frame_of_sample[k].astype(np.int64)
