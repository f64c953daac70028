"""Score detected contacts against contacts labelled by eye on real clips (pure).

Labels are frames of the decoded video (``tests/data/*_contacts.json``): ``touchdown_frame`` the
first frame the foot is on the ground, ``toe_off_frame`` the last; ``*_alt`` the neighbouring
frame where the call was close. A detected event is in *frames* too: the frame whose time is
holding it: a touchdown at time t is seen first on the first frame at or after t, a toe-off
last on the last frame at or before t (an event between two frames belongs to the frame on
the ground side). A detected contact *matches* a labelled one when they overlap in time
by at least half the labelled contact (each used once, best overlap first): a found contact
with a late touchdown is a timing error, not a miss plus a false contact. An event is *within
one frame* when its frame is at most one from the label or its ``_alt``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class LabelScore:
    """How detected contacts compare with one clip's labels. ``td_off`` / ``to_off``: frames
    from the nearer of label and alternative, per matched contact (detected - label);
    ``missed`` / ``false``: the labelled contacts not found and the detected ones matching
    none, as "first-last" frame strings; ``detected_row``: the row of ``contacts`` matched to
    each found label (in the order of ``td_off``)."""

    n_labelled: int
    n_detected: int
    found: int
    td_off: list[int] = field(default_factory=list)
    to_off: list[int] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    false: list[str] = field(default_factory=list)
    detected_row: list[int] = field(default_factory=list)

    @property
    def td_within1(self) -> int:
        return sum(abs(d) <= 1 for d in self.td_off)

    @property
    def to_within1(self) -> int:
        return sum(abs(d) <= 1 for d in self.to_off)


def event_frames(times_s: np.ndarray, frame_time_s: np.ndarray, frame_index: np.ndarray,
                 kind: str) -> np.ndarray:
    """Decode frame index of each event: for ``kind`` "touchdown" the first frame at or after
    the event time (the first frame on the ground), for "toe_off" (or a block exit) the last
    frame at or before it (the last frame on the ground)."""
    times_s = np.asarray(times_s, float)
    if times_s.size == 0:
        return np.zeros(0, dtype=int)
    eps = 1e-6
    if kind == "touchdown":
        k = np.searchsorted(frame_time_s, times_s - eps, side="left")
    else:
        k = np.searchsorted(frame_time_s, times_s + eps, side="right") - 1
    return np.asarray(frame_index, dtype=int)[np.clip(k, 0, len(frame_time_s) - 1)]


def _off(detected: int, label: Mapping[str, Any], key: str) -> int:
    options = [label[key]] + ([label[f"{key.split('_frame')[0]}_alt"]]
                              if f"{key.split('_frame')[0]}_alt" in label else [])
    return min((detected - o for o in options), key=abs)


def score_contacts(contacts: pd.DataFrame, labels: Sequence[Mapping[str, Any]],
                   frame_time_s: np.ndarray, frame_index: np.ndarray) -> LabelScore:
    """Match ``contacts`` (times in seconds) to labelled ``labels`` (frames); see the module
    docstring. ``frame_time_s`` / ``frame_index``: time and decode index of the clip's frames."""
    td = event_frames(contacts["touchdown_time_s"].to_numpy(float), frame_time_s, frame_index,
                      "touchdown") if len(contacts) else np.zeros(0, dtype=int)
    to = event_frames(contacts["toe_off_time_s"].to_numpy(float), frame_time_s, frame_index,
                      "toe_off") if len(contacts) else np.zeros(0, dtype=int)
    pairs = []
    for j, lab in enumerate(labels):
        a, b = lab["touchdown_frame"], lab["toe_off_frame"]
        for i in range(len(td)):
            overlap = min(b, to[i]) - max(a, td[i]) + 1
            if overlap >= 0.5 * (b - a + 1):
                pairs.append((overlap, j, i))
    used_l, used_d = set(), set()
    matched = {}
    for _, j, i in sorted(pairs, reverse=True):
        if j not in used_l and i not in used_d:
            used_l.add(j)
            used_d.add(i)
            matched[j] = i
    td_off, to_off, missed, rows = [], [], [], []
    for j, lab in enumerate(labels):
        if j not in matched:
            missed.append(f"{lab['touchdown_frame']}-{lab['toe_off_frame']}")
            continue
        i = matched[j]
        rows.append(i)
        td_off.append(_off(int(td[i]), lab, "touchdown_frame"))
        to_off.append(_off(int(to[i]), lab, "toe_off_frame"))
    false = [f"{td[i]}-{to[i]}" for i in range(len(td)) if i not in used_d]
    return LabelScore(n_labelled=len(labels), n_detected=len(td), found=len(matched),
                      td_off=td_off, to_off=to_off, missed=missed, false=false,
                      detected_row=rows)


def frame_off(time_s: float, label: Mapping[str, Any], key: str, frame_time_s: np.ndarray,
              frame_index: np.ndarray) -> int | None:
    """Frames between a last-on event (toe-off, block exit) and a labelled frame ``label[key]``
    (or its ``_alt``)."""
    if key not in label or not np.isfinite(time_s):
        return None
    frame = int(event_frames(np.array([time_s]), frame_time_s, frame_index, "toe_off")[0])
    return _off(frame, label, key)
