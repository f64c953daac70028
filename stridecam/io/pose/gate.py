"""The identity constraint of the second pass: may this pose be the chosen person?

After the first pass every person's looks are known over the whole clip, so where the chosen
person is at any time is interpolated between its looks before and after (over the ground, the
camera's pan put back for the frame). A pose is the chosen person's when it lies within the
gate of that place (``max_jump + speed_slack * time to the nearest look`` extents), has a
similar size and colours, and no other person present at that time explains it better (nearer
and looking at least as alike). Where the chosen person was not seen within ``max_coast_s``,
nobody is accepted: the track ends instead of jumping to someone else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from stridecam.io.pose.appearance import distance, signature
from stridecam.io.pose.choice import Person
from stridecam.io.pose.geometry import Candidate, Crop, square_crop
from stridecam.io.pose.identity import BIG, PeopleSettings, PeopleTracker
from stridecam.model.frames import Frame

DetectImage = Callable[[np.ndarray, Crop], list[Candidate]]


class _Path:
    """A person's looks as arrays, for interpolation."""

    def __init__(self, person: Person) -> None:
        obs = sorted(person.obs, key=lambda o: o.t)
        self.t = np.array([o.t for o in obs])
        self.ground = np.array([o.ground for o in obs])
        self.size = np.array([o.cand.size_px for o in obs])
        boxes = np.array([o.cand.box for o in obs])
        self.centre = np.stack([(boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2],
                               -1) - np.array([o.cand.hip_px for o in obs])
        self.sig = person.tracks[-1].sig
        sigs = [tr.sig for tr in person.tracks if tr.sig is not None]
        if sigs:
            self.sig = np.nanmean(np.stack(sigs), axis=0) if len(sigs) > 1 else sigs[0]

    def _end_velocity(self, k: int, span_s: float = 0.5) -> np.ndarray:
        """Ground velocity (px/s) over the first (k = 0) or last (k = -1) ``span_s`` of looks."""
        m = self.t <= self.t[0] + span_s if k == 0 else self.t >= self.t[-1] - span_s
        if m.sum() < 2 or np.ptp(self.t[m]) < 0.1:
            return np.zeros(2)
        tc = self.t[m] - self.t[m].mean()
        g = self.ground[m]
        return (tc @ (g - g.mean(axis=0))) / float(tc @ tc)

    def at(self, t: float, coast_s: float) -> tuple[np.ndarray, float, float] | None:
        """(ground hip, size, time to the nearest look) at ``t``, or None when unseen then."""
        if not self.t[0] - coast_s <= t <= self.t[-1] + coast_s:
            return None
        i = int(np.searchsorted(self.t, t))
        near = float(np.min(np.abs(self.t[max(0, i - 1):i + 1] - t)))
        if i == 0 or i == len(self.t):  # before the first look or after the last: moving on
            k = 0 if i == 0 else -1
            return self.ground[k] + self._end_velocity(k) * (t - self.t[k]), \
                float(self.size[k]), near
        a, b = self.t[i - 1], self.t[i]
        if b - a > 2 * coast_s and near > coast_s:
            return None  # a long stretch unseen (two people stitched): not here
        f = (t - a) / (b - a) if b > a else 0.0
        g = self.ground[i - 1] + f * (self.ground[i] - self.ground[i - 1])
        return g, float(self.size[i - 1] + f * (self.size[i] - self.size[i - 1])), near


class IdentityGate:
    """``gate(image, time_s, pose) -> bool`` for ``AthleteTracker(gate=...)``."""

    def __init__(self, chosen: Person, others: list[Person],
                 offset_at: Callable[[float], np.ndarray],
                 settings: PeopleSettings = PeopleSettings()) -> None:
        self.s = settings
        self.chosen = _Path(chosen)
        self.others = [_Path(p) for p in others]
        self.offset_at = offset_at
        self.calls = 0
        self.rejected = 0
        #: time -> smallest margin (cost units) by which an accepted pose beat the next person
        self.margins: dict[float, float] = {}

    def expected(self, t: float) -> tuple[np.ndarray, float, float] | None:
        """(box centre in the image, extent, time to the nearest look) of the chosen person
        at ``t``, or None when it was not seen then."""
        path = self.chosen
        e = path.at(t, self.s.max_coast_s)
        if e is None:
            return None
        ground, size, near = e
        k = int(np.argmin(np.abs(path.t - t)))
        return ground + self.offset_at(t) + path.centre[k], size, near

    def _fit(self, path: _Path, t: float, hip: np.ndarray, size: float
             ) -> tuple[float, float] | None:
        """(distance in extents, gate) of a hip at ``t`` to ``path``, or None if absent."""
        e = path.at(t, self.s.max_coast_s)
        if e is None:
            return None
        ground, psize, near = e
        d = float(np.hypot(*(hip - (ground + self.offset_at(t))))) / max(psize, 1.0)
        ratio = size / max(psize, 1.0)
        if not 1 / self.s.max_size_change <= ratio <= self.s.max_size_change:
            return np.inf, 0.0
        return d, self.s.max_jump + self.s.speed_slack * min(near, self.s.max_coast_s)

    def __call__(self, image: np.ndarray, t: float, cand: Candidate) -> bool:
        self.calls += 1
        ok = self._decide(image, t, cand)
        self.rejected += not ok
        return ok

    def _decide(self, image: np.ndarray, t: float, cand: Candidate) -> bool:
        fit = self._fit(self.chosen, t, cand.hip_px, cand.size_px)
        if fit is None or fit[0] > fit[1]:
            return False
        sig = signature(image, cand)
        app = distance(sig, self.chosen.sig)
        if app > self.s.app_gate:
            return False
        margin = BIG
        for other in self.others:
            f = self._fit(other, t, cand.hip_px, cand.size_px)
            if f is None or f[0] > f[1]:
                continue
            app_o = distance(sig, other.sig)
            looks = (app_o - app) * self.s.app_weight if app == app and app_o == app_o else 0.0
            margin = min(margin, f[0] / f[1] - fit[0] / fit[1] + looks)
            if f[0] >= fit[0] + 0.25:
                continue
            if app != app or app_o != app_o:
                if f[0] < fit[0]:
                    return False
            elif app_o < app:
                return False
        self.margins[t] = min(margin, self.margins.get(t, BIG))
        return True


class LiveGate:
    """The first pass's identity check: a pose that the people tracker would give to someone
    other than the person the athlete tracker has been following is not taken (so the tracker
    does not switch people at a crossing). With nobody else in view it takes every pose, so a
    single athlete's landmarks are those of the tracker alone."""

    def __init__(self, people: PeopleTracker) -> None:
        self.people = people
        self.offset = np.zeros(2)
        self.pos = 0
        self.rejected = 0

    def __call__(self, image: np.ndarray, t: float, cand: Candidate) -> bool:
        people = self.people
        current = people.following
        alive = [tr for tr in people.tracks if not tr.ended and tr.confirmed]
        if current is None or len(alive) < 2:
            return True
        mine = people.tracks[current]
        if mine.ended:
            return True
        o = people.observe(self.pos, t, image, self.offset, cand, "athlete")
        c_mine = people.cost(mine, o, self.offset)
        for tr in alive:
            if tr is mine:
                continue
            c = people.cost(tr, o, self.offset)
            if c < BIG and (c_mine >= BIG or c + 0.3 < c_mine):
                self.rejected += 1
                return False
        return True


def repair(frames: Iterable[Frame], positions: dict[int, int], detect: DetectImage,
           gate: IdentityGate, margin: float = 1.8) -> dict[int, Candidate]:
    """The chosen person's pose in the frames of ``positions`` (decode index -> position),
    each found in a crop (around the pose of the frame before when there is one, else where
    the person is expected: ``gate.expected``) and checked by the gate."""
    out: dict[int, Candidate] = {}
    last: tuple[int, float, Candidate, np.ndarray] | None = None  # pos, t, pose, velocity
    final = max(positions, default=-1)
    for frame in frames:
        if int(frame.index) > final:
            break  # the rest of the clip need not be decoded
        pos = positions.get(int(frame.index))
        if pos is None:
            continue
        t = float(frame.time_s)
        e = gate.expected(t)
        if e is None:
            last = None
            continue
        centre, size, near = e
        side = margin * size * (1.4 if near > 0.3 else 1.0)
        if last is not None and last[0] == pos - 1:
            x0, y0, x1, y1 = last[2].box
            centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2]) + last[3] * (t - last[1])
            side = margin * last[2].size_px
        image = np.ascontiguousarray(frame.image)
        cut = square_crop(image, centre, max(side, 96.0), 512)
        if cut is None:
            continue
        ok = [c for c in detect(*cut) if gate(image, t, c)]
        if not ok:
            last = None
            continue
        best = min(ok, key=lambda c: float(np.hypot(*(c.hip_px - centre))))
        v = np.zeros(2)
        if last is not None and last[0] == pos - 1 and t > last[1]:
            v = (best.hip_px - last[2].hip_px) / (t - last[1])
        out[pos] = best
        last = (pos, t, best, v)
    return out
