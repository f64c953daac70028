"""Who is the athlete: runners among the person tracks, and the one to analyse.

A person **runs** when, over the ground (camera pan removed), the hips travel at least
``RUN_EXTENTS_S`` body extents a second (about 2 m/s for a 1.8 m athlete; walking is ~0.8)
in one direction for ``RUN_MIN_S`` seconds in all, or, in place (a treadmill), when the legs
take running strides: the ankles swing fore and aft of each other by ``SWING_MIN`` extents or
more (half the 10-90 % range of their horizontal distance; standing ~0.05) while one is lifted
``STEP_LIFT`` above the other in ``STEP_QUANTILE`` of the looks (walking keeps the swing foot
low).

The athlete (``choose``): with ``AthleteChoice.at`` = (x, y[, t]) the person whose box holds that
image point at time t (default the first frame); with ``rank`` = N the Nth runner from the
camera (lowest feet in the image first: the nearer lane); by default the runner nearest the
camera among those seen running for at least half as long as the longest-running one, never a
standing or walking person. Without any runner, the person the athlete tracker followed most.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from stridecam.io.pose.appearance import distance
from stridecam.io.pose.identity import PersonTrack
from stridecam.model.errors import InputError
from stridecam.model.landmarks import IDX

RUN_EXTENTS_S = 1.1
RUN_MIN_S = 0.5
STEP_LIFT = 0.12
STEP_QUANTILE = 0.8
SWING_MIN = 0.25
#: two tracks are one person when the second starts within this of the first's end, where the
#: first would be by then (gate in extents) and looking alike (Lab distance)
STITCH_S = 2.0
STITCH_GATE = 1.0
STITCH_APP = 25.0
#: a track unseen this long (s) between two looks was hidden: its identity after is in doubt
GAP_DOUBT_S = 0.4
#: next to someone else, a look whose next-best person fits within this (assignment cost) of
#: its own is in doubt (as is a frame without a look)
DOUBT_MARGIN = 0.35
ANKLES = [IDX["left_ankle"], IDX["right_ankle"]]


@dataclass(frozen=True)
class AthleteChoice:
    """What the user said about who the athlete is (nothing: the runner nearest the camera)."""

    at: tuple[float, ...] | None = None  # (x px, y px[, t s])
    rank: int | None = None  # 1 = the runner nearest the camera

    @property
    def how(self) -> str:
        if self.at is not None:
            return "at"
        return "rank" if self.rank is not None else "default"


@dataclass
class Person:
    """A person of the clip: one or more stitched tracks and what they did."""

    id: int
    tracks: list[PersonTrack]
    run_s: float = 0.0
    step_lift: float = 0.0
    stride_swing: float = 0.0
    speed_ext_s: float = 0.0
    nearness_px: float = 0.0
    runner: bool = False
    gaps: list[tuple[int, int]] = field(default_factory=list)

    @property
    def obs(self):
        return [o for tr in self.tracks for o in tr.obs]

    @property
    def close(self) -> set[int]:
        return set().union(*(tr.close for tr in self.tracks))

    @property
    def first(self):
        return self.tracks[0].obs[0]

    @property
    def last(self):
        return self.tracks[-1].obs[-1]

    def summary(self) -> dict:
        return {"person": self.id, "tracks": [tr.id for tr in self.tracks],
                "first_frame_position": self.first.pos, "last_frame_position": self.last.pos,
                "looks": len(self.obs), "runner": self.runner, "run_s": round(self.run_s, 2),
                "speed_extents_s": round(self.speed_ext_s, 2),
                "step_lift_extents": round(self.step_lift, 3),
                "stride_swing_extents": round(self.stride_swing, 3)}


def people_of(tracks: list[PersonTrack], offset_at) -> list[Person]:
    """Tracks stitched into people, each measured (``measure``): when no two tracks ever
    overlap in time, all are one person (the tracker lost and found one person, as before);
    else a track continues an ended one that it starts within ``STITCH_S`` of, where that one
    would be by then and looking alike (``STITCH_*``)."""
    usable = [tr for tr in tracks if len(tr.obs) >= 2 and tr.confirmed]
    usable.sort(key=lambda tr: tr.obs[0].t)
    if usable and all(a.last.t < b.obs[0].t for a, b in zip(usable, usable[1:])):
        one = Person(0, usable)
        measure(one)
        return [one]
    groups: list[list[PersonTrack]] = []
    for tr in usable:
        home = None
        for g in groups:
            end = g[-1]
            gap = tr.obs[0].t - end.last.t
            if not 0 < gap <= STITCH_S:
                continue
            pred = end.predict(tr.obs[0].t, offset_at(tr.obs[0].t))
            d = float(np.hypot(*(tr.obs[0].cand.hip_px - pred))) / end.size
            app = distance(tr.sig, end.sig)
            if d <= STITCH_GATE + gap and (app != app or app <= STITCH_APP):
                home = g
                break
        if home is None:
            groups.append([tr])
        else:
            home.append(tr)
    people = [Person(i, g) for i, g in enumerate(groups)]
    for p in people:
        measure(p)
    return people


def measure(p: Person) -> None:
    """Fill ``p``'s running evidence, nearness and hidden stretches."""
    obs = sorted(p.obs, key=lambda o: o.t)
    t = np.array([o.t for o in obs])
    gx = np.array([o.ground[0] for o in obs])
    size = np.array([o.cand.size_px for o in obs])
    ank = np.array([o.cand.xy_px[ANKLES, 1] for o in obs])
    p.step_lift, p.stride_swing = _legs(obs)
    p.nearness_px = float(np.median(ank.max(axis=1)))
    # ground speed around each look (linear fit over +-0.4 s), in extents per second
    speed = np.full(len(t), np.nan)
    for i in range(len(t)):
        m = np.abs(t - t[i]) <= 0.4
        if m.sum() >= 2 and np.ptp(t[m]) >= 0.25:
            speed[i] = np.polyfit(t[m], gx[m], 1)[0] / np.median(size[m])
    ok = np.isfinite(speed)
    if ok.any():
        direction = np.sign(np.nanmedian(speed)) or 1.0
        fast = ok & (speed * direction >= RUN_EXTENTS_S)
        dt = np.minimum(np.diff(t, append=t[-1]), 0.5)
        p.run_s = float(dt[fast].sum())
        p.speed_ext_s = float(np.nanmedian(np.abs(speed)))
    stepping = _striding(p.step_lift, p.stride_swing) and np.ptp(t) >= 1.0 and len(t) >= 8
    p.runner = bool(p.run_s >= RUN_MIN_S or stepping)
    big = np.flatnonzero(np.diff(t) > GAP_DOUBT_S)
    p.gaps = [(obs[i].pos, obs[i + 1].pos) for i in big]


def running_now(tr: PersonTrack, span_s: float = 1.0) -> bool | None:
    """Is the person of ``tr`` running over its last ``span_s`` of looks (None: too few looks
    to say): travel over the ground (``RUN_EXTENTS_S``) or running steps (``STEP_LIFT``)."""
    t_end = tr.last.t
    obs = [o for o in tr.obs[-60:] if o.t >= t_end - span_s]
    if len(obs) < 4 or obs[-1].t - obs[0].t < 0.6 * span_s:
        return None
    t = np.array([o.t for o in obs])
    gx = np.array([o.ground[0] for o in obs])
    size = float(np.median([o.cand.size_px for o in obs]))
    tc = t - t.mean()
    speed = abs(float(tc @ (gx - gx.mean()) / (tc @ tc))) / size
    return speed >= RUN_EXTENTS_S or (_striding(*_legs(obs)) and len(obs) >= 6)


def _legs(obs) -> tuple[float, float]:
    """(lift, swing) of the ankles over looks ``obs``, in extents (see the module docstring)."""
    size = np.array([o.cand.size_px for o in obs])
    ank = np.array([o.cand.xy_px[ANKLES] for o in obs])  # (n, 2 ankles, xy)
    lift = np.quantile(np.abs(ank[:, 0, 1] - ank[:, 1, 1]) / size, STEP_QUANTILE)
    dx = (ank[:, 0, 0] - ank[:, 1, 0]) / size
    swing = 0.5 * (np.quantile(dx, 0.9) - np.quantile(dx, 0.1))
    return float(lift), float(swing)


def _striding(lift: float, swing: float) -> bool:
    return lift >= STEP_LIFT and swing >= SWING_MIN


def nearest_first(runners: list[Person]) -> list[Person]:
    """Runners ordered from the camera outwards: the nearer of two is the one whose feet are
    lower in the image at the times both were seen (nearer lanes lie lower, whatever the
    camera's pan); each runner ranks by how many others it is nearer than."""
    feet = [_feet(p) for p in runners]
    wins = np.zeros(len(runners))
    for i in range(len(runners)):
        for j in range(len(runners)):
            if i != j and _nearer(feet[i], feet[j], runners[i], runners[j]):
                wins[i] += 1
    order = sorted(range(len(runners)), key=lambda i: (-wins[i], -runners[i].nearness_px))
    return [runners[i] for i in order]


def _feet(p: Person) -> tuple[np.ndarray, np.ndarray]:
    obs = sorted(p.obs, key=lambda o: o.t)
    return (np.array([o.t for o in obs]),
            np.array([o.cand.xy_px[ANKLES, 1].max() for o in obs]))


def _nearer(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray],
            pa: Person, pb: Person) -> bool:
    (ta, ya), (tb, yb) = a, b
    lo, hi = max(ta[0], tb[0]), min(ta[-1], tb[-1])
    common = ta[(ta >= lo) & (ta <= hi)]
    if len(common) < 3:
        return pa.nearness_px > pb.nearness_px
    return bool(np.median(np.interp(common, ta, ya) - np.interp(common, tb, yb)) > 0)


def choose(people: list[Person], choice: AthleteChoice, times: np.ndarray,
           followed: dict[int, int]) -> tuple[Person | None, str]:
    """(the athlete, how it was chosen: one sentence). ``followed``: track id -> frames the
    athlete tracker gave it."""
    runners = nearest_first([p for p in people if p.runner])
    if choice.at is not None:
        return _at(people, choice.at, times)
    if choice.rank is not None:
        if choice.rank > len(runners):
            raise InputError(f"--athlete-rank {choice.rank}: only {len(runners)} runner(s) "
                             "were found in the clip")
        return runners[choice.rank - 1], (f"runner {choice.rank} of {len(runners)} from the "
                                          "camera")
    if runners:
        longest = max(p.run_s for p in runners)
        keen = [p for p in runners if p.run_s >= 0.5 * longest] or runners
        pick = keen[0]
        k = runners.index(pick) + 1
        return pick, (f"the runner nearest the camera (runner {k} of {len(runners)})"
                      if len(runners) > 1 else "the one runner in view")
    if not people:
        return None, "nobody"
    best = max(people, key=lambda p: sum(followed.get(tr.id, 0) for tr in p.tracks))
    return best, "the person followed longest (nobody ran)"


def _at(people: list[Person], at: tuple[float, ...], times: np.ndarray
        ) -> tuple[Person | None, str]:
    x, y = at[0], at[1]
    t = float(at[2]) if len(at) > 2 else float(times[0])
    best, best_key = None, (np.inf, np.inf)
    for p in people:
        for o in p.obs:
            dt = abs(o.t - t)
            if dt > 0.25:
                continue
            x0, y0, x1, y1 = o.cand.box
            pad = 0.1 * o.cand.size_px
            inside = x0 - pad <= x <= x1 + pad and y0 - pad <= y <= y1 + pad
            d = float(np.hypot(*(o.cand.hip_px - (x, y)))) / o.cand.size_px
            if inside or d <= 0.6:
                key = (dt, d)
                if key < best_key:
                    best, best_key = p, key
    if best is None:
        near = sorted({(round(float(o.cand.hip_px[0])), round(float(o.cand.hip_px[1])))
                       for p in people for o in p.obs if abs(o.t - t) <= 0.25})
        seen = ", ".join(f"({a},{b})" for a, b in near[:6]) or "nobody"
        raise InputError(f"--athlete-at {x:g},{y:g},{t:g}: no person at that point at {t:g} s "
                         f"(people's hips then: {seen})")
    return best, f"the person at ({x:g}, {y:g}) at {t:g} s (--athlete-at)"


def doubt_positions(person: Person, n: int, margins: dict[int, float], margin: int = 2
                    ) -> np.ndarray:
    """(n,) bool: frames where the person's identity is in doubt: another person close by (a
    crossing) while no pose of it was taken or the one taken fitted someone else nearly as
    well (``margins``: position -> assignment margin, below ``DOUBT_MARGIN``), or just around a
    stretch where it was hidden (``GAP_DOUBT_S``)."""
    out = np.zeros(n, bool)
    for pos in person.close:
        if margins.get(pos, -1.0) < DOUBT_MARGIN:
            out[max(0, pos - margin):pos + margin + 1] = True
    for a, b in person.gaps:
        out[max(0, a - margin):b + margin + 1] = True
    return out


def ranges(mask: np.ndarray) -> list[tuple[int, int]]:
    """[(first, last)] positions of the True runs of ``mask``."""
    m = np.concatenate([[False], mask.astype(bool), [False]])
    edges = np.flatnonzero(np.diff(m.astype(int)))
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2])]
