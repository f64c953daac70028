"""Everyone in the clip, each with one identity: poses linked into person tracks.

``PeopleTracker.update`` is called once per frame with the poses found in it: the athlete
tracker's pose (dense), and the people its searches, people counts and choices saw; it then
looks, through a crop around the predicted place, at every other person not seen for
``update_interval_s`` (``near_interval_s`` while two people are close: a crossing). Poses are
assigned to tracks by the Hungarian method (``scipy.optimize.linear_sum_assignment``) on a cost
that adds

- motion: the hip's distance from where the track predicts it (constant image velocity over
  the last ``0.6 s`` of looks), in body extents, over a gate of ``max_jump + speed_slack *
  elapsed`` extents; a smooth pan moves everyone steadily in the image, so this holds for a
  standing person and for a runner behind an occluder alike (the pan itself, measured by
  ``motion.CameraMotion``, serves to tell who travels over the ground: ``Obs.ground``);
- size: the extent may change by at most ``max_size_change`` times;
- appearance: the kit's colours (``appearance``), a pose looking more than ``app_gate`` unlike
  the track is not that person.

A pose no track takes starts a new track; a track not seen for ``max_coast_s`` (or predicted
out of the frame) ends and is never continued: a person it cannot follow becomes a new track
rather than someone else's continuation. Frames where two tracks were close are recorded per
track (``close``): their identity is in doubt there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from stridecam.io.pose.appearance import blend, distance, signature
from stridecam.io.pose.geometry import Candidate, Crop, distinct, iou, search_levels, square_crop

DetectImage = Callable[[np.ndarray, Crop], list[Candidate]]
BIG = 1e6


@dataclass(frozen=True)
class PeopleSettings:
    """Knobs of the people tracker (lengths in body extents; see the module docstring)."""

    update_interval_s: float = 0.25
    near_interval_s: float = 0.1
    max_coast_s: float = 1.0
    max_jump: float = 0.6
    speed_slack: float = 2.0
    max_size_change: float = 1.5
    app_gate: float = 38.0
    app_weight: float = 1.0 / 30.0
    min_quality: float = 0.6
    min_size_px: float = 24.0
    close_extent: float = 0.9
    scan_interval_s: float = 0.5
    tile_frac: float = 0.6
    crop_margin: float = 1.8
    max_input_px: int = 512
    min_crop_px: int = 96


@dataclass
class Obs:
    """One pose of one person: frame position, time, the pose, where it came from, its colours
    and its hip in ground pixels (camera pan removed)."""

    pos: int
    t: float
    cand: Candidate
    source: str
    sig: np.ndarray | None
    ground: np.ndarray
    margin: float = BIG  # how much worse the next-best person fitted it (assignment cost)


@dataclass
class PersonTrack:
    id: int
    obs: list[Obs] = field(default_factory=list)
    sig: np.ndarray | None = None
    ended: bool = False
    last_try_s: float = -np.inf
    close: set[int] = field(default_factory=set)
    confirmed: bool = True  # False: found by an unverified scan, until a second look
    _vel: np.ndarray = field(default_factory=lambda: np.zeros(2))
    _vel_key: tuple[int, float] = (0, 0.0)

    @property
    def last(self) -> Obs:
        return self.obs[-1]

    @property
    def size(self) -> float:
        return float(np.median([o.cand.size_px for o in self.obs[-3:]]))

    def velocity(self, span_s: float = 0.6) -> np.ndarray:
        """Image velocity of the hip (px/s) over the last ``span_s`` of looks (0 with one);
        computed again only when a look was added."""
        key = (len(self.obs), span_s)
        if self._vel_key != key:
            self._vel, self._vel_key = self._fit_velocity(span_s), key
        return self._vel

    def _fit_velocity(self, span_s: float) -> np.ndarray:
        t_end = self.last.t
        recent = [o for o in self.obs[-40:] if o.t >= t_end - span_s]
        if len(recent) < 2 or recent[-1].t - recent[0].t < 0.05:
            return np.zeros(2)
        t = np.array([o.t for o in recent])
        g = np.array([o.cand.hip_px for o in recent])
        tc = t - t.mean()
        return (tc @ (g - g.mean(axis=0))) / float(tc @ tc)

    def predict(self, t: float, offset: np.ndarray) -> np.ndarray:
        """Hip in the image at time ``t``: constant image velocity (a smooth pan moves a
        standing person and a runner alike from frame to frame; ``offset`` is not used for
        it, since a jump in the measured pan would throw every prediction off)."""
        dt = min(t - self.last.t, 1.0)
        return self.last.cand.hip_px + self.velocity() * dt

    def box_at(self, hip: np.ndarray) -> tuple[float, float, float, float]:
        x0, y0, x1, y1 = self.last.cand.box
        d = hip - self.last.cand.hip_px
        return x0 + d[0], y0 + d[1], x1 + d[0], y1 + d[1]


class PeopleTracker:
    """Links the poses of a clip into ``tracks`` (one per person); see the module docstring."""

    def __init__(self, detect_image: DetectImage | None,
                 settings: PeopleSettings = PeopleSettings()) -> None:
        self.s = settings
        self._detect = detect_image
        self.tracks: list[PersonTrack] = []
        self.calls = 0
        self.owner: dict[int, int] = {}  # frame position of an athlete pose -> track id
        self.ambiguous: set[int] = set()  # positions of athlete poses that are no one's
        self.following: int | None = None  # the track the athlete tracker follows
        self._late: list[tuple[int, Candidate]] = []
        self._last_scan_s = -np.inf

    # ------------------------------------------------------------------ per frame
    def update(self, pos: int, t: float, image: np.ndarray, offset: np.ndarray,
               athlete: Candidate | None, seen: list[tuple[str, Candidate]]) -> None:
        """One frame: the athlete tracker's pose (or None) and the other poses seen in it."""
        obs: list[Obs] = []
        if any(why in ("scan", "search") for why, _ in seen):
            self._last_scan_s = t
        elif self._detect is not None and t - self._last_scan_s >= self.s.scan_interval_s:
            seen = seen + [("rescan", c) for c in self._scan(image, t)]
        if athlete is not None:
            obs.append(self.observe(pos, t, image, offset, athlete, "athlete"))
        for source, c in seen:
            if self._usable(c) and not any(_same_place(c, o.cand) for o in obs):
                obs.append(self.observe(pos, t, image, offset, c, source))
        alive = [tr for tr in self.tracks if not tr.ended]
        taken = self._assign(obs, alive, t, offset)
        for i, (o, tr) in enumerate(zip(obs, taken)):
            if tr is None:
                under = self._under(o, alive, t, offset)
                if under and self._beside(o, under, t, offset):
                    under = []  # someone else, partly hidden by (or hiding) them
                if len(under) == 1 and o.source == "athlete":
                    # a bad pose of the one person here (too big, too far): that person's
                    # frame, but not a look to predict from
                    self.owner[pos] = under[0].id
                    continue
                if under:
                    # no one's continuation, yet on top of people: two people seen as one (a
                    # crossing); a new person here would steal an identity
                    if o.source == "athlete":
                        self.ambiguous.add(pos)
                    continue
                tr = PersonTrack(len(self.tracks), confirmed=o.source != "rescan")
                self.tracks.append(tr)
                alive.append(tr)  # a second pose of the same new person is not a third
                taken[i] = tr
            self._add(tr, o)
            if o.source == "athlete":
                self.owner[pos] = tr.id
                self.following = tr.id
        seen_now = {id(tr) for tr in taken if tr is not None}
        if self._detect is not None:
            for tr in [tr for tr in self.tracks if not tr.ended]:
                if id(tr) not in seen_now and self._due(tr, t, offset, alive):
                    self._look(tr, pos, t, image, offset, obs)
        self._end_and_mark(pos, t, image.shape[1], image.shape[0], offset)

    def _scan(self, image: np.ndarray, t: float) -> list[Candidate]:
        """Everyone the landmarker finds in squares of the frame's shorter side (unverified:
        a new person found so is confirmed by the next look at it)."""
        self._last_scan_s = t
        h, w = image.shape[:2]
        found: list[Candidate] = []
        assert self._detect is not None
        for region in search_levels(w, h, self.s.tile_frac)[1]:
            x, y, rw, rh = (int(v) for v in (region.x0_px, region.y0_px, region.width_px,
                                             region.height_px))
            self.calls += 1
            found.extend(self._detect(np.ascontiguousarray(image[y:y + rh, x:x + rw]), region))
        return distinct([c for c in found if self._usable(c)])

    def late(self, items: list[tuple[int, Candidate]]) -> None:
        """Athlete poses the tracker gave for earlier frames (tracked back after a find, or a
        choice settled): attributed at ``finish`` to the track of the same pose, or of the
        next athlete pose."""
        self._late.extend(items)

    def finish(self) -> None:
        """Attribute the late athlete poses (see ``late``)."""
        by_pos: dict[int, list[tuple[Obs, int]]] = {}
        for tr in self.tracks:
            for o in tr.obs:
                by_pos.setdefault(o.pos, []).append((o, tr.id))
        for pos, cand in sorted(self._late, key=lambda pc: -pc[0]):
            same = [tid for o, tid in by_pos.get(pos, []) if iou(o.cand.box, cand.box) > 0.6]
            if same:
                self.owner[pos] = same[0]
                continue
            after = [p for p in self.owner if p > pos]
            if after:
                self.owner[pos] = self.owner[min(after)]

    # ------------------------------------------------------------------ steps
    def _usable(self, c: Candidate) -> bool:
        return c.quality >= self.s.min_quality and c.size_px >= self.s.min_size_px

    def observe(self, pos: int, t: float, image: np.ndarray, offset: np.ndarray, c: Candidate,
             source: str) -> Obs:
        return Obs(pos, t, c, source, signature(image, c), c.hip_px - offset)

    def _add(self, tr: PersonTrack, o: Obs) -> None:
        """Add ``o`` to ``tr``; its colours update the track's unless someone was close by
        (a pose overlapping another person mixes both kits)."""
        tr.obs.append(o)
        if o.sig is not None and (tr.sig is None or o.pos - 1 not in tr.close):
            tr.sig = blend(tr.sig, o.sig)

    def _under(self, o: Obs, alive: list[PersonTrack], t: float, offset: np.ndarray
               ) -> list[PersonTrack]:
        """The people whose predicted place the pose ``o`` covers."""
        out = []
        for tr in alive:
            hip = tr.predict(t, offset)
            if iou(o.cand.box, tr.box_at(hip)) > 0.2 or \
                    np.hypot(*(o.cand.hip_px - hip)) < 0.7 * tr.size:
                out.append(tr)
        return out

    def _beside(self, o: Obs, under: list[PersonTrack], t: float, offset: np.ndarray) -> bool:
        """Is pose ``o``, on top of the people ``under``, a person of its own: not bigger than
        them (two people seen as one are), its hip away from theirs, and looking unlike
        them?"""
        for tr in under:
            d = float(np.hypot(*(o.cand.hip_px - tr.predict(t, offset)))) / tr.size
            app = distance(o.sig, tr.sig)
            if o.cand.size_px > 1.3 * tr.size or d < 0.35 or not app > 20.0:
                return False
        return True

    def cost(self, tr: PersonTrack, o: Obs, offset: np.ndarray) -> float:
        """Assignment cost of pose ``o`` to track ``tr`` (>= BIG: impossible)."""
        size = tr.size
        ratio = o.cand.size_px / size if size > 0 else np.inf
        if not 1 / self.s.max_size_change <= ratio <= self.s.max_size_change:
            return BIG
        dt = abs(o.t - tr.last.t)
        gate = self.s.max_jump + self.s.speed_slack * min(dt, self.s.max_coast_s)
        d = float(np.hypot(*(o.cand.hip_px - tr.predict(o.t, offset)))) / size
        if d > gate:
            return BIG
        app = distance(o.sig, tr.sig)
        if app > self.s.app_gate:
            return BIG
        return d / gate + self.s.app_weight * (app if app == app else 15.0)

    def _assign(self, obs: list[Obs], tracks: list[PersonTrack], t: float,
                offset: np.ndarray) -> list[PersonTrack | None]:
        if not obs or not tracks:
            return [None] * len(obs)
        from scipy.optimize import linear_sum_assignment

        cost = np.array([[self.cost(tr, o, offset) for tr in tracks] for o in obs])
        rows, cols = linear_sum_assignment(cost)
        out: list[PersonTrack | None] = [None] * len(obs)
        for r, c in zip(rows, cols):
            if cost[r, c] < BIG:
                out[r] = tracks[c]
                others = np.delete(cost[r], c)
                obs[r].margin = float(others.min() - cost[r, c]) if others.size else BIG
        return out

    def _due(self, tr: PersonTrack, t: float, offset: np.ndarray,
             alive: list[PersonTrack]) -> bool:
        if len(tr.obs) < 3 and t - tr.obs[0].t < 0.3:
            return True  # a new person: look again at once, to learn how it moves
        since = t - max(tr.last.t, tr.last_try_s)
        if since >= self.s.update_interval_s:
            return True
        return since >= self.s.near_interval_s and self._near_other(tr, t, offset, alive)

    def _near_other(self, tr: PersonTrack, t: float, offset: np.ndarray,
                    alive: list[PersonTrack]) -> bool:
        hip = tr.predict(t, offset)
        size = tr.size
        for other in alive:
            if other is tr or other.ended:
                continue
            d = float(np.hypot(*(other.predict(t, offset) - hip)))
            if d < self.s.close_extent * max(size, other.size) * 1.5:
                return True
        return False

    def _look(self, tr: PersonTrack, pos: int, t: float, image: np.ndarray,
              offset: np.ndarray, taken: list[Obs]) -> None:
        """A crop around where ``tr`` should be; its pose, if one continues it."""
        assert self._detect is not None
        tr.last_try_s = t
        hip = tr.predict(t, offset)
        x0, y0, x1, y1 = tr.box_at(hip)
        centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
        side = max(self.s.crop_margin * tr.size * (1.5 if t - tr.last.t > 0.3 else 1.0),
                   self.s.min_crop_px)
        cut = square_crop(image, centre, side, self.s.max_input_px)
        if cut is None:
            return
        self.calls += 1
        best, best_cost = None, BIG
        for c in self._detect(*cut):
            if not self._usable(c) or any(iou(c.box, o.cand.box) > 0.4 for o in taken):
                continue  # someone already seen in this frame (e.g. the athlete in front)
            o = self.observe(pos, t, image, offset, c, "crop")
            cost = self.cost(tr, o, offset)
            if cost < best_cost:
                best, best_cost = o, cost
        if best is not None:
            others = [self.cost(o, best, offset) for o in self.tracks
                      if o is not tr and not o.ended]
            best.margin = min(others, default=BIG) - best_cost
            self._add(tr, best)
            taken.append(best)

    def _end_and_mark(self, pos: int, t: float, w: int, h: int, offset: np.ndarray) -> None:
        alive = [tr for tr in self.tracks if not tr.ended]
        hips = {}
        for tr in alive:
            unseen = t - tr.last.t
            hip = tr.last.cand.hip_px if unseen == 0 else tr.predict(t, offset)
            margin = 0.3 * tr.size
            outside = not (-margin <= hip[0] <= w + margin and -margin <= hip[1] <= h + margin)
            if unseen > self.s.max_coast_s or (outside and unseen > 0.2):
                tr.ended = True
            elif not tr.confirmed and len(tr.obs) >= 2:
                tr.confirmed = True
            elif not tr.confirmed and t - tr.obs[0].t > 0.3:
                tr.ended = True  # a ghost of the scan: never seen again
            else:
                hips[tr.id] = (hip, tr.size)
        ids = sorted(hips)
        for i, a in enumerate(ids):
            for b in ids[i + 1:]:
                (ha, sa), (hb, sb) = hips[a], hips[b]
                if np.hypot(*(ha - hb)) < self.s.close_extent * max(sa, sb):
                    self.tracks[a].close.add(pos)
                    self.tracks[b].close.add(pos)


def _same_place(a: Candidate, b: Candidate) -> bool:
    """Two poses of one person (e.g. found by two overlapping search squares)."""
    return iou(a.box, b.box) > 0.5 or \
        float(np.hypot(*(a.hip_px - b.hip_px))) < 0.3 * max(a.size_px, b.size_px)
