"""No event from frames where the athlete's identity is in doubt (issue 17).

The pose stage marks the frames where the athlete crossed someone or was hidden and found again
(``Poses.meta["identity"]["doubt_frames"]``: [first, last] video frame indices, inclusive, so
that they hold whatever later stages do to the frame positions): the landmarks there may be
someone else's, or a mix. A contact whose touchdown-to-toe-off interval
touches those frames is dropped; the steps around it are then not measured (a step spanning a
missing contact is too long, ``metrics``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stridecam.model.poses import Poses


def doubt_spans_s(poses: Poses) -> list[tuple[float, float]]:
    """The doubtful stretches as capture-time intervals (s), half a frame wider each side."""
    spans = (poses.meta.get("identity") or {}).get("doubt_frames") or []
    t, idx = poses.time_s, poses.frame_index
    half = 0.5 / poses.effective_fps if poses.n_frames > 1 else 0.0
    out = []
    for a, b in spans:
        inside = np.flatnonzero((idx >= int(a)) & (idx <= int(b)))
        if inside.size:
            out.append((float(t[inside[0]]) - half, float(t[inside[-1]]) + half))
    return out


def drop_doubtful(contacts: pd.DataFrame, poses: Poses) -> pd.DataFrame:
    """``contacts`` without the rows that touch a doubtful stretch of ``poses``."""
    spans = doubt_spans_s(poses)
    if not spans or not len(contacts):
        return contacts
    td = contacts["touchdown_time_s"].to_numpy(float)
    to = contacts["toe_off_time_s"].to_numpy(float)
    to = np.where(np.isfinite(to), to, td)
    bad = np.zeros(len(contacts), bool)
    for a, b in spans:
        bad |= (td <= b) & (to >= a)
    return contacts[~bad].reset_index(drop=True)
