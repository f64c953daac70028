"""Kinogram: the standard sprint positions of one representative stride (what and where).

For a step from foot F's contact to the other foot G's (the "ALTIS kinogram" positions, McMillan
& Pfaff 2018):

1. **Toe-off** of F: the last frame F is on the ground (contacts table);
2. **Maximal vertical projection**: the frame of the flight where the hips are highest;
3. **Strike**: the last frame before G's touchdown, G's foot low and ahead, about to land;
4. **Touchdown** of G: the first frame G is on the ground;
5. **Full support** of G: mid-stance, the frame of the middle third of G's contact when its
   foot is closest to under the hips.

One stride = two such steps (F then G, G then F): one row of five panels per step, so the
two legs can be compared. The stride chosen is the one whose contact and step times are
closest to the run's medians. Angles are written beside the joints: at toe-off both thighs
(the steps table's ``thigh_front_to_deg`` / ``thigh_back_to_deg``), at touchdown the landing
knee and shin and the foot's distance ahead of the hips (``knee_angle_td_deg``,
``shin_angle_td_deg``, ``touchdown_distance_*``), at the other positions the same angles of
the cleaned track at that frame. Legs are named as the contacts name them (``sides``).

This module is pure (numpy, pandas): which frames, which angles, which crop of the frame.
``kinogram_draw`` decodes and draws; without the video it draws the cleaned skeleton.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from stridecam.analysis.angles import from_vertical_deg
from stridecam.model.landmarks import IDX
from stridecam.model.track import Track
from stridecam.report.follow import FOOT_ROOM, HEAD_ROOM, SIDE_ROOM
from stridecam.report.labels import Box

POSITIONS = ("Toe-off", "Max. vertical projection", "Strike", "Touchdown", "Full support")
#: Panel aspect (width / height) bounds: upright runners are tall, a crouch is wide.
ASPECT_RANGE = (0.55, 1.0)


@dataclass(frozen=True)
class Angle:
    """A number written beside a joint: ``text`` (with its unit), the landmark it belongs to
    (named as the contacts name the legs) and the side of it to write on ("front"/"back")."""

    text: str
    landmark: str
    toward: str = "front"


@dataclass(frozen=True)
class Moment:
    """One panel: the position ``name`` at ``time_s``, shown on pose row ``row`` (track sample
    ``sample``); ``foot``: the leg the position belongs to (F at toe-off and maximal vertical
    projection, G from strike on); ``angles`` to write."""

    name: str
    time_s: float
    foot: str
    row: int
    sample: int
    angles: tuple[Angle, ...] = field(default_factory=tuple)


def other(foot: str) -> str:
    return "right" if foot == "left" else "left"


def representative_stride(contacts: pd.DataFrame) -> int | None:
    """Position (in touchdown order) of the first of three alternating contacts closest to the
    run's medians of contact and step time (not ending on the clip's last contact when there is
    one to spare); None with fewer than two contacts."""
    c = contacts.sort_values("touchdown_time_s").reset_index(drop=True)
    n = len(c)
    if n < 2:
        return None
    td, to = c["touchdown_time_s"].to_numpy(float), c["toe_off_time_s"].to_numpy(float)
    feet = c["foot"].to_numpy(str)
    contact, step = to - td, np.r_[np.diff(td), np.nan]
    ok_c = np.isfinite(contact) & (contact > 0)
    ok_s = np.isfinite(step) & (step > 0)
    med_c = np.median(contact[ok_c]) if ok_c.any() else np.nan
    med_s = np.median(step[ok_s]) if ok_s.any() else np.nan
    span = min(3, n)
    # the last contact has no step row (its step ends outside the clip): keep it out of the
    # stride when the clip has a contact to spare, so touchdown values come from the table
    last = n - span - 1 if n > span else n - span
    best, best_score = None, np.inf
    for k in range(last + 1):
        idx = np.arange(k, k + span)
        if any(feet[j] == feet[j + 1] for j in idx[:-1]) or not ok_c[idx].all() \
                or not ok_s[idx[:-1]].all():
            continue
        score = float(np.sum(np.abs(contact[idx] - med_c) / med_c)
                      + np.sum(np.abs(step[idx[:-1]] - med_s) / med_s))
        if score < best_score:
            best, best_score = k, score
    return best


def _step_row(steps: pd.DataFrame, column: str, time_s: float) -> pd.Series | None:
    """The steps-table row whose ``column`` is ``time_s`` (the same event), or None."""
    if column not in steps or not len(steps):
        return None
    d = np.abs(steps[column].to_numpy(float) - time_s)
    if not np.isfinite(d).any() or np.nanmin(d) > 1e-6:
        return None
    return steps.iloc[int(np.nanargmin(d))]


def _value(row: pd.Series | None, column: str) -> float:
    if row is None or column not in row:
        return np.nan
    try:
        return float(row[column])
    except (TypeError, ValueError):
        return np.nan


def _deg(value: float, signed: bool = False) -> str | None:
    if not np.isfinite(value):
        return None
    return f"{value:+.0f}°" if signed else f"{value:.0f}°"


class _Geometry:
    """Angles of the cleaned track at one sample (x forward, y up; tracker's leg labels)."""

    def __init__(self, track: Track, k: int):
        self.p = track.xy[k]

    def pt(self, side: str, part: str) -> np.ndarray:
        return self.p[IDX[f"{side}_{part}"]]

    def thigh(self, side: str) -> float:
        return float(from_vertical_deg(self.pt(side, "hip")[None], self.pt(side, "knee")[None])[0])

    def shin(self, side: str) -> float:
        return float(from_vertical_deg(self.pt(side, "knee")[None],
                                       self.pt(side, "ankle")[None])[0])

    def knee(self, side: str) -> float:
        return abs(self.thigh(side) - self.shin(side))

    def trunk(self) -> float:
        hip = (self.pt("left", "hip") + self.pt("right", "hip")) / 2
        sh = (self.pt("left", "shoulder") + self.pt("right", "shoulder")) / 2
        return float(np.degrees(np.arctan2(sh[0] - hip[0], sh[1] - hip[1])))

    def front_by(self, part: str) -> str:
        """The side whose ``part`` is further forward (the other when it is missing)."""
        a, b = self.pt("left", part)[0], self.pt("right", part)[0]
        return "right" if not a >= b else "left"

    def lowest_foot(self) -> str:
        low = {s: np.nanmin([self.pt(s, "heel")[1], self.pt(s, "foot_index")[1]])
               if np.isfinite([self.pt(s, "heel")[1], self.pt(s, "foot_index")[1]]).any()
               else np.inf for s in ("left", "right")}
        return min(low, key=lambda s: low[s])


def _sample_at(track: Track, t: float) -> int:
    return int(np.argmin(np.abs(track.time_s - t)))


def _hip_height(track: Track) -> np.ndarray:
    return (track.xy[:, IDX["left_hip"], 1] + track.xy[:, IDX["right_hip"], 1]) / 2


def _full_support(track: Track, td: float, to: float) -> int:
    """Sample of the middle third of the contact td..to when the stance (lowest) foot is
    closest to under the hips (mid-stance: at touchdown a sprinter's foot is still ahead)."""
    third = (to - td) / 3
    ks = np.flatnonzero((track.time_s >= td + third - 1e-9) & (track.time_s <= to - third + 1e-9))
    if not len(ks):
        return _sample_at(track, (td + to) / 2)
    hip_x = (track.xy[ks, IDX["left_hip"], 0] + track.xy[ks, IDX["right_hip"], 0]) / 2
    dist = []
    for j, k in enumerate(ks):
        g = _Geometry(track, int(k))
        side = g.lowest_foot()
        foot = np.nanmean([g.pt(side, "heel")[0], g.pt(side, "foot_index")[0]])
        dist.append(abs(foot - hip_x[j]) if np.isfinite(foot) else np.inf)
    return int(ks[int(np.argmin(dist))])


def step_moments(track: Track, steps: pd.DataFrame, c: pd.DataFrame, k: int,
                 units: str) -> list[Moment]:
    """The five positions from contact ``k`` (foot F) to contact ``k + 1`` (foot G) of the
    contacts ``c`` (sorted by touchdown, rows into the run's ``Poses`` in ``*_frame``)."""
    f, g = str(c.at[k, "foot"]), str(c.at[k + 1, "foot"])
    to_t, to_row = float(c.at[k, "toe_off_time_s"]), int(c.at[k, "toe_off_frame"])
    td_t, td_row = float(c.at[k + 1, "touchdown_time_s"]), int(c.at[k + 1, "touchdown_frame"])
    to2 = float(c.at[k + 1, "toe_off_time_s"])
    rows = track.frame_of_sample

    def sample_of_row(row: int) -> int:
        hits = np.flatnonzero(rows == row)
        return int(hits[0]) if len(hits) else int(np.argmin(np.abs(rows - row)))

    # toe-off of F: both thighs (front = G swinging, back = F pushing)
    s_to = sample_of_row(to_row)
    row = _step_row(steps, "toe_off_time_s", to_t)
    geo = _Geometry(track, s_to)
    front = _value(row, "thigh_front_to_deg")
    back = _value(row, "thigh_back_to_deg")
    if not np.isfinite(front):
        front, back = (max(geo.thigh("left"), geo.thigh("right")),
                       min(geo.thigh("left"), geo.thigh("right")))
    out = [Moment(POSITIONS[0], to_t, f, to_row, s_to, _angles(
        (f"thigh {_deg(front, True)}", f"{g}_knee", "front"),
        (f"thigh {_deg(back, True)}", f"{f}_knee", "back")))]
    # maximal vertical projection: highest hips in the flight
    ks = np.flatnonzero((track.time_s > to_t) & (track.time_s < td_t))
    hips = _hip_height(track)
    s_mvp = int(ks[int(np.nanargmax(hips[ks]))]) if len(ks) and np.isfinite(hips[ks]).any() \
        else _sample_at(track, (to_t + td_t) / 2)
    geo = _Geometry(track, s_mvp)
    th = sorted((geo.thigh("left"), geo.thigh("right")))
    out.append(Moment(POSITIONS[1], float(track.time_s[s_mvp]), f, int(rows[s_mvp]), s_mvp,
                      _angles((f"thigh {_deg(th[1], True)}", f"{g}_knee", "front"),
                              (f"thigh {_deg(th[0], True)}", f"{f}_knee", "back"))))
    # strike: the frame before G's touchdown
    strike_row = max(td_row - 1, to_row)
    s_st = sample_of_row(strike_row)
    geo = _Geometry(track, s_st)
    lead = geo.front_by("ankle")
    out.append(Moment(POSITIONS[2], float(track.time_s[s_st]), g, strike_row, s_st, _angles(
        (f"knee {_deg(geo.knee(lead))}", f"{g}_knee", "front"),
        (f"shin {_deg(geo.shin(lead), True)}", f"{g}_ankle", "front"))))
    # touchdown of G: the steps table's numbers
    s_td = sample_of_row(td_row)
    row = _step_row(steps, "touchdown_time_s", td_t)
    geo = _Geometry(track, s_td)
    lead = geo.front_by("foot_index")
    knee, shin = _value(row, "knee_angle_td_deg"), _value(row, "shin_angle_td_deg")
    knee = knee if np.isfinite(knee) else geo.knee(lead)
    shin = shin if np.isfinite(shin) else geo.shin(lead)
    unit, col = ("m", "touchdown_distance_m") if units == "m" else \
        ("LL", "touchdown_distance_leg")
    dist = _value(row, col)
    out.append(Moment(POSITIONS[3], td_t, g, td_row, s_td, _angles(
        (f"knee {_deg(knee)}", f"{g}_knee", "front"),
        (f"shin {_deg(shin, True)}", f"{g}_ankle", "back"),
        (f"foot {dist:+.2f} {unit}" if np.isfinite(dist) else None,
         f"{g}_foot_index", "front"))))
    # full support of G
    s_fs = _full_support(track, td_t, to2)
    geo = _Geometry(track, s_fs)
    out.append(Moment(POSITIONS[4], float(track.time_s[s_fs]), g, int(rows[s_fs]), s_fs,
                      _angles((f"knee {_deg(geo.knee(geo.lowest_foot()))}", f"{g}_knee",
                               "front"),
                              (f"trunk {_deg(geo.trunk(), True)}", f"{g}_shoulder", "back"))))
    return out


def _angles(*items: tuple[str | None, str, str]) -> tuple[Angle, ...]:
    return tuple(Angle(text, lm, toward) for text, lm, toward in items
                 if text is not None and not text.endswith(" None"))


def stride_moments(track: Track, steps: pd.DataFrame, contacts: pd.DataFrame,
                   units: str) -> list[list[Moment]]:
    """One row of five ``Moment`` per step of the representative stride (two rows, or one when
    the clip has only two contacts); empty when there is no step to show."""
    c = contacts.sort_values("touchdown_time_s").reset_index(drop=True)
    k = representative_stride(c)
    if k is None or track.n == 0:
        return []
    return [step_moments(track, steps, c, j, units) for j in range(k, min(k + 2, len(c) - 1))]


# ----------------------------------------------------------------------------- crops
def athlete_box(points: np.ndarray, size_px: float) -> Box | None:
    """Box of the finite landmarks ``points`` (33, 2) (image px, y down) with room for the top
    of the head and the shoes, scaled by the athlete's standing size ``size_px``."""
    p = points[np.isfinite(points).all(axis=1)]
    if len(p) < 5:
        return None
    (x0, y0), (x1, y1) = p.min(axis=0), p.max(axis=0)
    return Box(x0 - SIDE_ROOM * size_px, y0 - (HEAD_ROOM + 0.04) * size_px,
               x1 + SIDE_ROOM * size_px, y1 + FOOT_ROOM * size_px)


def crop_windows(boxes: Sequence[Box], aspect: float | None = None) -> tuple[list[Box], float]:
    """Windows of one size (the same scale in every panel) centred on each athlete ``box``,
    each holding its box; and their aspect (width / height: ``aspect``, else the boxes'
    widest over tallest within ``ASPECT_RANGE``)."""
    w = max(b.w for b in boxes)
    h = max(b.h for b in boxes)
    a = float(np.clip(w / h, *ASPECT_RANGE)) if aspect is None else aspect
    if w / h > a:
        h = w / a
    else:
        w = a * h
    return [Box.around(b.cx, b.cy, w, h) for b in boxes], a
