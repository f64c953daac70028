"""Where the contacts are: stretches of samples with a foot on the ground (pure numpy/scipy).

Used by ``stridecam.events``. Works on the label-free signals of ``stridecam.events_signals``:
``h`` (height of the lowest foot point), ``x`` (forward position of that foot's toe) and
``still`` (that foot moves like a stance foot, not forward relative to the hip).

Each contact is a valley of ``h``. A valley is kept when it is deep (``prominence``) and low
compared with the other valleys of the clip (``max_floor`` above their 20th percentile: the far
foot's contacts appear a few pixels higher than the near foot's, and the ground estimate may be
off by some centimetres, so no absolute height threshold is used). From the valley the contact
grows to both sides while the foot stays within ``grow`` of the contact's own floor, moves like
a stance foot and stays near the valley's stance position; up to ``merge`` failing samples in a
row are bridged (blended or swapped tracker frames) unless the foot is clearly in the air there.
Valleys of one contact (a noise bump splits a contact into two valleys) are merged.
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


def find_contacts(h: np.ndarray, x: np.ndarray, still: np.ndarray, *, prominence: float,
                  max_floor: float, grow: float, x_tol: float, same_place: float, merge: int,
                  air: float, still_fraction: float = 0.5,
                  floor_percentile: float = 25.0) -> list[tuple[int, int]]:
    """Contact stretches as (first, last) sample indices (inclusive), in time order.

    All lengths are in the units of ``h`` and ``x``: ``prominence`` the least depth of a
    contact's valley; ``max_floor`` how far above the clip's low valleys (20th percentile) a
    valley may lie; ``grow`` the height band above the contact's floor that counts as on the
    ground; ``x_tol`` how far the stance position may wander from the valley's; ``air`` the
    height above the band that ends a contact at once; ``same_place`` how close the stance
    positions of two touching stretches must be to merge them. ``merge`` is in samples.
    A stretch needs ``still_fraction`` of its samples stance-like.
    """
    if not np.isfinite(h).any():
        return []
    filled = np.where(np.isfinite(h), h, np.nanmax(h))
    valleys, _ = find_peaks(-filled, prominence=prominence)
    valleys = valleys[np.isfinite(h[valleys]) & np.isfinite(x[valleys])]
    if valleys.size == 0:
        return []
    low = float(np.percentile(h[valleys], 20))
    stretches = []
    for v in valleys:
        if h[v] > low + max_floor:
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
        stretches.append((first, last, x_ref))
    stretches.sort()
    merged: list[list] = []
    for first, last, x_ref in stretches:
        if (merged and first <= merged[-1][1] + merge + 1
                and abs(x_ref - merged[-1][2]) <= same_place):
            merged[-1][1] = max(merged[-1][1], last)
        else:
            merged.append([first, last, x_ref])
    return [(int(a), int(b)) for a, b, _ in merged
            if np.mean(still[a:b + 1]) >= still_fraction]
