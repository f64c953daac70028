"""Contacts the landmarks miss, looked for in the frames; contacts too short to be steps (pure).

The landmark detector (``detect``) needs the foot's landmarks to show a contact, and a sample of
track after it. Where they do not, the video still may: the first step out of the blocks (the
tracker's feet are often off the ground for it), a contact whose landmarks jump between the
feet, the last contact before the athlete leaves the frame. ``search_windows`` lists where a
contact is expected and none was found: a gap between contacts longer than a step, the time
between the block exit and the first contact, and the time after the last contact. Each becomes
a *search* row for the image stage (``search`` True: its edges are guesses, the frames decide
them anywhere in the window). ``accept`` keeps a searched contact only when the frames timed both
its edges, it lasts as long as a contact of this run can, and it does not overlap a contact;
then it names every foot again by alternation. ``plausible`` drops contacts far shorter than the
run's typical contact (a foot brushing the ground, a fragment of a tracker glitch).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stridecam.analysis.events.detect import SIDES, assign_feet
from stridecam.model.columns import CONTACT_COLUMNS
from stridecam.model.result import BlockStart


def search_windows(contacts: pd.DataFrame, start_s: float, end_s: float,
                   block: BlockStart | None, frame_s: float,
                   cut: tuple[tuple[float, float], ...] | list[tuple[float, float]] = (),
                   *, gap_factor: float = 1.6,
                   end_factor: float = 0.6, lead_s: float = 0.1) -> pd.DataFrame:
    """Search rows (``CONTACT_COLUMNS`` + ``search``) for the image stage; ``start_s`` /
    ``end_s``: the tracked span of the clip, ``frame_s`` one frame interval; ``cut``:
    (touchdown, last sample) of contacts the track lost before their toe-off
    (``detect.cut_at_end``), searched where they are. A gap between touchdowns longer than
    ``gap_factor`` median step times holds a missed contact; after the last contact (and after
    the block exit, before the first) a window longer than ``end_factor`` step times may hold
    one."""
    if len(contacts) < 2:
        return _rows([])
    td = contacts["touchdown_time_s"].to_numpy(float)
    to = contacts["toe_off_time_s"].to_numpy(float)
    step = float(np.median(np.diff(td)))
    windows = [(to[i] + frame_s, td[i + 1] - frame_s) for i in range(len(td) - 1)
               if td[i + 1] - td[i] > gap_factor * step]
    if block is not None and td[0] - block.front_exit_s > end_factor * step:
        windows.append((block.front_exit_s + frame_s, td[0] - frame_s))
    # a cut contact's touchdown comes from landmarks that are leaving the view: the window
    # starts a landmark timing error earlier (never before the last toe-off)
    later = [(max(a - lead_s, to[-1] + frame_s), b) for a, b in cut if a > to[-1]]
    if later:
        windows += later
    elif end_s - to[-1] > end_factor * step:
        windows.append((to[-1] + frame_s, min(end_s, to[-1] + 1.5 * step)))
    return _rows([(a, b) for a, b in windows if b - a >= 2 * frame_s and a >= start_s])


def _rows(windows: list[tuple[float, float]]) -> pd.DataFrame:
    rows = [{"foot": "", "touchdown_time_s": a, "toe_off_time_s": b, "touchdown_frame": -1,
             "toe_off_frame": -1, "contact_time_s": b - a, "touchdown_source": "landmarks",
             "toe_off_source": "landmarks", "touchdown_unc_s": np.nan, "toe_off_unc_s": np.nan,
             "contact_time_unc_s": np.nan, "evidence_note": "searched", "search": True}
            for a, b in windows]
    return pd.DataFrame(rows, columns=[*CONTACT_COLUMNS, "search"])


def accept(refined: pd.DataFrame, span_s: tuple[float, float], frame_s: float,
           min_share: float = 0.4, max_share: float = 2.5) -> pd.DataFrame:
    """The contacts and the searched rows the frames confirmed (both edges from the image,
    more than a frame inside the clip's span ``span_s``: a foot still planted when the clip
    ends has no toe-off; ``min_share``-``max_share`` of the median contact time of the others;
    no overlap with another contact), in time order, feet named again by alternation."""
    search = refined["search"].fillna(False).astype(bool) if "search" in refined \
        else pd.Series(False, index=refined.index)
    found = refined[~search]
    typical = float(found["contact_time_s"].median()) if len(found) else float("nan")
    new = refined[search]
    ok = ((new["touchdown_source"] == "image") & (new["toe_off_source"] == "image")
          & (new["contact_time_s"] >= min_share * typical)
          & (new["contact_time_s"] <= max_share * typical)
          & (new["touchdown_time_s"] > span_s[0] + 1.5 * frame_s)
          & (new["toe_off_time_s"] < span_s[1] - 1.5 * frame_s))
    table = found
    for _, row in new[ok].iterrows():
        if not _overlaps(row, table):
            table = pd.concat([table, row.to_frame().T], ignore_index=True)
    table = table.sort_values("touchdown_time_s")
    table = table.reset_index(drop=True)
    votes = np.where(table["foot"] == "right", 1.0, np.where(table["foot"] == "left", -1.0, 0.0))
    feet = assign_feet(table["touchdown_time_s"].to_numpy(float), votes)
    table["foot"] = [SIDES[f] for f in feet]
    for col in ("touchdown_frame", "toe_off_frame"):
        table[col] = table[col].astype(int)
    return table[list(CONTACT_COLUMNS)].astype({"contact_time_s": float})


def _overlaps(row: pd.Series, contacts: pd.DataFrame) -> bool:
    if not len(contacts):
        return False
    return bool(np.any((contacts["touchdown_time_s"] < row["toe_off_time_s"])
                       & (contacts["toe_off_time_s"] > row["touchdown_time_s"])))


def too_short(contacts: pd.DataFrame, min_share: float = 0.4) -> np.ndarray:
    """(n,) bool: contacts lasting less than ``min_share`` of the run's median contact time (a
    foot brushing the ground, a fragment of a tracker glitch): not steps as they are, though
    the frames may show the real contact there (they become search rows)."""
    if len(contacts) < 3:
        return np.zeros(len(contacts), dtype=bool)
    typical = float(contacts["contact_time_s"].median())
    return (contacts["contact_time_s"] < min_share * typical).to_numpy()
