"""Where the contacts are: stretches of samples with a foot on the ground (pure numpy/scipy).

Used by ``stridecam.analysis.events``. Works on the label-free signals of
``stridecam.analysis.events.signals``: ``h`` (height of the lowest foot point), ``x`` (forward
position of that foot's toe) and ``still`` (that foot moves like a stance foot, not forward relative
to the hip).

Each contact is a valley of ``h``. Two kinds of valley are candidates: deep ones
(``prominence``), and the lowest sample of each run of samples whose stance position ``x`` stays
put (a jump of more than ``x_tol`` starts a new run: the lowest foot changed from the rear foot
to the landing one). The second kind matters at low frame rates, when one flight sample or none
separates two contacts and the far foot's contacts sit a few centimetres higher: the height
hardly rises between them, but the stance position jumps by a step. A valley is kept when it is
low compared with the valleys around it (``max_floor`` above the 20th percentile of its
``neighbours`` nearest valleys: the far foot's contacts appear a few pixels higher than the near
foot's, and a fitted ground line can be off by some centimetres, more towards the clip's ends
and on a lens's curved image of the track, so no absolute height threshold is used). From the
valley the contact grows to both sides while the foot stays within ``grow`` of the contact's own
floor, moves like a stance foot and stays near the valley's stance position; up to ``merge``
failing samples in a row are bridged (blended or swapped tracker frames) unless the foot is
clearly in the air there.
Stretches of one contact are merged: touching ones at the same place (a noise bump splits a
contact into two valleys), and ones at the same place between which the foot never left the
ground. A stretch the foot reached without leaving the ground at that place for longer than the
stretch itself (the end of a set position or of standing, not a landing) is returned from where
that began, so the caller sees its true length (or that it was cut by the clip's start).
"""

from __future__ import annotations

import numpy as np
from scipy.signal import find_peaks


def _grow(h: np.ndarray, x: np.ndarray, still: np.ndarray, valley: int, level: float,
          x_ref: float, x_tol: float, merge: int, air_level: float) -> tuple[int, int]:
    """(first, last) sample of the stretch around ``valley`` where the foot is on the ground:
    ``h <= level``, stance-like and within ``x_tol`` of ``x_ref``; up to ``merge`` failing
    samples in a row are bridged unless one is above ``air_level`` (the foot was in the air)."""
    n = len(h)
    ends = []
    for way in (-1, 1):
        end, k, missed = valley, valley + way, 0
        while 0 <= k < n and np.isfinite(h[k]):
            if h[k] <= level and still[k] and np.isfinite(x[k]) and abs(x[k] - x_ref) <= x_tol:
                end, missed = k, 0
            else:
                missed += 1
                if missed > merge or h[k] > air_level:
                    break
            k += way
        ends.append(end)
    return ends[0], ends[1]


def _grounded_since(h: np.ndarray, x: np.ndarray, first: int, x_ref: float, x_tol: float,
                    air_level: float) -> int:
    """Earliest sample from which, up to ``first``, the lowest foot stayed below ``air_level``
    within ``x_tol`` of ``x_ref`` (the foot did not leave the ground at that place)."""
    k = first
    while (k > 0 and np.isfinite(h[k - 1]) and h[k - 1] <= air_level
           and np.isfinite(x[k - 1]) and abs(x[k - 1] - x_ref) <= x_tol):
        k -= 1
    return k


def _planted(x: np.ndarray, still: np.ndarray, same_place: float) -> bool:
    """A stretch found by its stance position alone must look like a planted foot: every
    sample stance-like and within ``same_place`` of the median position (a swinging foot low
    over the ground, its labels swapped back and forth, passes the looser tests)."""
    ok = np.isfinite(x)
    return bool(ok.any() and np.all(still)
                and np.all(np.abs(x[ok] - np.median(x[ok])) <= same_place))


def _placed_valleys(filled: np.ndarray, x: np.ndarray, x_tol: float) -> np.ndarray:
    """Lowest sample of each run of finite samples whose ``x`` stays within ``x_tol`` of the
    previous finite sample's (runs of one sample are skipped: a blended frame)."""
    ok = np.flatnonzero(np.isfinite(x))
    if ok.size == 0:
        return np.zeros(0, dtype=int)
    cuts = np.flatnonzero(np.abs(np.diff(x[ok])) > x_tol) + 1
    out = [run[np.argmin(filled[run])] for run in np.split(ok, cuts) if run.size >= 2]
    return np.array(out, dtype=int)


def find_contacts(h: np.ndarray, x: np.ndarray, still: np.ndarray, *, prominence: float,
                  max_floor: float, grow: float, x_tol: float, same_place: float, merge: int,
                  air: float, still_fraction: float = 0.5, floor_percentile: float = 25.0,
                  neighbours: int = 8) -> list[tuple[int, int]]:
    """Contact stretches as (first, last) sample indices (inclusive), in time order.

    All lengths are in the units of ``h`` and ``x``: ``prominence`` the least depth of a
    valley found by depth; ``max_floor`` how far above the low valleys around it (20th
    percentile of the ``neighbours`` nearest valleys in time) a valley may lie; ``grow`` the
    height band above the contact's floor that counts as on the ground; ``x_tol`` how far the
    stance position may wander from the valley's (a larger jump starts a new stance position);
    ``air`` the height above the band that ends a contact at once; ``same_place`` how close the
    stance positions of two stretches must be to merge them. ``merge`` is in samples. A stretch
    needs ``still_fraction`` of its samples stance-like.
    """
    if not np.isfinite(h).any():
        return []
    filled = np.where(np.isfinite(h), h, np.nanmax(h))
    deep, _ = find_peaks(-filled, prominence=prominence)
    valleys = np.union1d(deep, _placed_valleys(filled, x, x_tol))
    valleys = valleys[np.isfinite(h[valleys]) & np.isfinite(x[valleys])]
    if valleys.size == 0:
        return []
    stretches = []
    for i, v in enumerate(valleys):
        near = valleys[max(0, i - neighbours // 2):i + neighbours // 2 + 1]
        if h[v] > float(np.percentile(h[near], 20)) + max_floor:
            continue
        level = h[v] + grow
        first, last = _grow(h, x, still, v, level, x[v], x_tol, merge, level + air)
        floor = float(np.nanpercentile(h[first:last + 1], floor_percentile))
        x_ref = float(np.nanmedian(x[first:last + 1]))
        level = floor + grow
        # grow again from the contact's lowest sample: the valley may be a shallow dip of the
        # landing foot before the contact, which the first pass bridged to the contact
        anchor = first + int(np.nanargmin(h[first:last + 1]))
        first, last = _grow(h, x, still, anchor, level, x_ref, x_tol, merge, level + air)
        if v not in deep and not _planted(x[first:last + 1], still[first:last + 1], same_place):
            continue
        stretches.append((first, last, x_ref, level + air))
    stretches.sort()
    merged: list[list] = []
    for first, last, x_ref, air_level in stretches:
        if merged and abs(x_ref - merged[-1][2]) <= same_place and (
                first <= merged[-1][1] + merge + 1
                or np.all(h[merged[-1][1] + 1:first] <= max(air_level, merged[-1][3]))):
            merged[-1][1] = max(merged[-1][1], last)
        else:
            merged.append([first, last, x_ref, air_level])
    out: list[tuple[int, int]] = []
    for first, last, x_ref, air_level in merged:
        if np.mean(still[first:last + 1]) < still_fraction:
            continue
        since = _grounded_since(h, x, first, x_ref, x_tol, air_level)
        first = since if first - since > last - first + 1 else first
        if out and first <= out[-1][1]:
            # one lowest foot at a time: contacts cannot overlap (a stretch reported from where
            # the foot was planted may reach back into the previous contact)
            first = out[-1][1] + 1
        if first <= last:
            out.append((first, last))
    return [(int(a), int(b)) for a, b in out]
