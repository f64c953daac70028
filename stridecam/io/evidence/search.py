"""Rows whose contact is looked for rather than refined (``search``), and the optional row
columns the image stage reads besides the contacts' own.

Optional columns of the table handed to ``refine_contacts``: ``search`` (the row's edges are
guesses: the frames decide them anywhere in its window), ``foot_x_px`` / ``foot_y_px`` (the
planted foot's image point, when known: a foot in the blocks), ``edges`` ("toe_off": the foot
was planted before the window, only its leaving is looked for). A search row without a foot
point is tried on either foot at three moments of its window, and the try with the longest
planted run is kept.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stridecam.io.evidence.planted import Planted
from stridecam.model.landmarks import IDX
from stridecam.model.poses import Poses

SIDES = ("left", "right")
_FOOT = {side: (IDX[f"{side}_heel"], IDX[f"{side}_foot_index"]) for side in SIDES}


def searched(contacts: pd.DataFrame) -> np.ndarray:
    """(n,) bool: the optional ``search`` column (rows whose edges are guesses)."""
    if "search" not in contacts:
        return np.zeros(len(contacts), dtype=bool)
    return contacts["search"].fillna(False).astype(bool).to_numpy()


def foot_points(contacts: pd.DataFrame) -> list[tuple[float, float] | None]:
    """Per row, the planted foot's image point from the optional ``foot_x_px`` / ``foot_y_px``
    columns (None where not given)."""
    if "foot_x_px" not in contacts or "foot_y_px" not in contacts:
        return [None] * len(contacts)
    xs, ys = contacts["foot_x_px"].to_numpy(float), contacts["foot_y_px"].to_numpy(float)
    return [(float(x), float(y)) if np.isfinite(x) and np.isfinite(y) else None
            for x, y in zip(xs, ys, strict=True)]


def toe_off_only(contacts: pd.DataFrame) -> list[bool]:
    """Per row: only the toe-off is looked for (the optional ``edges`` column is "toe_off")."""
    if "edges" not in contacts:
        return [False] * len(contacts)
    return [e == "toe_off" for e in contacts["edges"].fillna("")]


def alternatives(poses: Poses, contacts: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """The rows, each search row without a foot point repeated with the lowest point of either
    foot at 35, 50 and 65% of its window; ``owner[i]``: the original row of row ``i``."""
    is_search = searched(contacts)
    known = np.array([p is not None for p in foot_points(contacts)], dtype=bool)
    rows, owner = [], []
    for i, row in contacts.iterrows():
        if not is_search[i] or known[i]:
            rows.append(row)
            owner.append(i)
            continue
        a, b = float(row["touchdown_time_s"]), float(row["toe_off_time_s"])
        for share in (0.35, 0.5, 0.65):
            k = int(np.clip(np.searchsorted(poses.time_s, a + share * (b - a)), 0,
                            poses.n_frames - 1))
            for side in SIDES:
                pts = np.array([poses.xy_px[k, j] for j in _FOOT[side]])
                if not np.isfinite(pts[:, 1]).any():
                    continue
                low = pts[int(np.nanargmax(pts[:, 1]))]
                alt = row.copy()
                alt["foot_x_px"], alt["foot_y_px"] = float(low[0]), float(low[1])
                rows.append(alt)
                owner.append(i)
        if not owner or owner[-1] != i:  # no foot seen: keep the row as it is
            rows.append(row)
            owner.append(i)
    if not rows:
        return contacts.copy(), np.zeros(0, dtype=int)
    return pd.DataFrame(rows).reset_index(drop=True), np.array(owner)


def best(refined: pd.DataFrame, planted: list[Planted | None], owner: np.ndarray
         ) -> pd.DataFrame:
    """One row per original row: where a row was tried several times, the try whose frames
    timed both edges with the longest planted run (a point off the planted foot sees part of
    it at most), then the most corners behind its edges (else the first try)."""
    def rank(j: int) -> tuple[float, int]:
        p = planted[j]
        both = (refined.at[j, "touchdown_source"] == "image"
                and refined.at[j, "toe_off_source"] == "image")
        if not both or p is None:
            return (-1.0, -1)
        return (float(refined.at[j, "contact_time_s"]), p.touchdown_support + p.toe_off_support)

    picks = [max((int(j) for j in np.flatnonzero(owner == i)), key=rank)
             for i in np.unique(owner)]
    return refined.loc[picks].reset_index(drop=True)
