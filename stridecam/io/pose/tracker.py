"""Follow ONE athlete through a clip with a pose landmarker: crop tracking, search, re-acquisition.

Why our own tracking (numbers measured on the clips in ../shared/videos, full model):
- MediaPipe's detector sees the whole frame squeezed to 224 x 224 px: a sprinter 80-150 px tall
  in a 1280 x 720 frame becomes 15-25 px and is missed (IMAGE mode found 16/228 frames of a
  block start). Cutting a square of ~1.6 body extents around the athlete and handing only that
  to the landmarker finds him in every frame where he is visible (219/228).
- VIDEO mode cannot be fed moving crops: its one-euro filter and landmark-to-ROI tracking assume
  fixed image coordinates, and moving crops gave hip errors of 5-7 % of body height against
  IMAGE mode. So crops always go through an IMAGE-mode landmarker; MediaPipe's own VIDEO
  tracking (``mode="video"``) runs on whole frames only and is checked against our track.

How one frame is handled (``AthleteTracker.step``):
1. ``mode="video"``: the VIDEO landmarker on the whole frame; its pose is kept if it continues
   the athlete's track (else it is someone else, e.g. a ghost on a roof, or nothing; after 3
   such frames it is restarted, at most once a second).
2. Otherwise, while the athlete was seen within ``relock_s``: a square crop around the predicted
   position (hip velocity times elapsed time), then one twice as wide, then (once per loss) a
   search near the prediction.
3. No recent track: a search at most every ``search_interval_s``: the whole frame, then squares
   of the shorter side, then half-overlapping tiles of ``tile_frac`` times it, stopping at the
   first level with a person confirmed by a tracking crop (the whole-frame detector took a
   roof for a 550 px person; a crop around it found nothing there). Frames missed while lost
   are tracked backwards from the pose found (bounded by ``pending_max_mb``).
4. Several people confirmed: each is followed for ``choose_s`` and the one with the best
   extent x (0.5 + activity) is kept (``Candidacy.score``): the runner, not a bigger bystander.
5. Every ``people_interval_s``, the squares are searched for other (confirmed) people.

Hooks for several people (``identity``): ``gate(image, t, pose)`` may refuse a pose (it is
someone else's); ``on_seen`` is told every person a search, count or choice found; ``follow``
switches to another person (a runner, when a bystander was found first).

Poses are accepted only if their mean landmark presence is at least ``min_quality`` (real people
measured 0.79-1.0; ghosts on guide lines and trees 0.15-0.48), their extent changed by at most
``max_size_change`` times since the last accepted pose, and their hip centre lies within
``max_jump + 2 * elapsed_s`` body extents of the prediction.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import numpy as np

from stridecam.io.pose.geometry import (
    Candidate,
    Crop,
    distinct,
    full_frame,
    iou,
    search_levels,
    square_crop,
)
from stridecam.io.pose.people import Candidacy, Ref
from stridecam.io.pose.track_settings import TrackSettings, TrackStats
from stridecam.model.frames import Frame

DetectImage = Callable[[np.ndarray, Crop], list[Candidate]]
DetectVideo = Callable[[np.ndarray, Crop, float], list[Candidate]]
#: ``gate(image, time_s, pose)``: may this pose be the athlete? (identity constraint)
Gate = Callable[[np.ndarray, float, Candidate], bool]
#: ``on_seen(time_s, poses, purpose)``: people found while searching, counting or choosing
Seen = Callable[[float, list[Candidate], str], None]
__all__ = ["AthleteTracker", "TrackSettings", "TrackStats"]


class AthleteTracker:
    """Per-frame state machine; ``step(position, frame)`` returns [(position, Candidate)].

    ``detect_image(image, crop)`` must return the poses in ``image`` mapped to full-frame pixels
    through ``crop`` (an IMAGE-mode landmarker allowing several poses). ``detect_video`` (with
    ``reset_video``) enables MediaPipe's own tracking on whole frames (``mode="video"``).
    """

    def __init__(self, detect_image: DetectImage, settings: TrackSettings = TrackSettings(), *,
                 detect_video: DetectVideo | None = None,
                 reset_video: Callable[[], None] | None = None, gate: Gate | None = None,
                 on_seen: Seen | None = None) -> None:
        self.s = settings
        self._detect_image = detect_image
        self._detect_video = detect_video
        self._reset_video = reset_video
        self._gate = gate  # None: anyone continuing the track may be the athlete (as always)
        self._on_seen = on_seen
        self.stats = TrackStats()
        self._ref: Ref | None = None
        self._pending: deque[tuple[int, Frame]] = deque()
        self._pending_bytes = 0
        self._choosing: list[Candidacy] = []
        self._first_s: float | None = None
        self._choose_start_s = 0.0
        self._last_search_s = -np.inf
        self._last_people_s = -np.inf
        self._video_misses = 0
        self._video_wrong = 0
        self._last_video_s = -np.inf
        self._last_video_reset_s = -np.inf

    # ------------------------------------------------------------------ public
    def step(self, position: int, frame: Frame) -> list[tuple[int, Candidate]]:
        img, t = frame.image, frame.time_s
        if self._first_s is None:
            self._first_s = t
        if self._choosing:
            return self._choose_step(position, frame)
        ref = self._ref
        recent = ref is not None and t - ref.time_s <= self.s.relock_s
        found, source = None, ""
        if self._detect_video is not None and self._video_due(t):
            found = self._video_step(img, t, recent)
            source = "video"
        if found is None and recent and ref is not None:
            for margin in (self.s.crop_margin, 2 * self.s.crop_margin):
                found = self._crop(img, t, ref, margin)
                if found is not None:
                    source = "crop"
                    break
            if found is None and ref.time_s >= self._last_search_s:
                found = self._search(img, t, near=ref)
                source = "search"
        if found is None and not recent and t - self._last_search_s >= self._search_interval(t):
            people = self._acquire(img, t)
            if len(people) > 1:
                self._choosing = [Candidacy(Ref(t, c, np.zeros(2)), [(position, t, c)])
                                  for c in people]
                self._choose_start_s = t
                self.stats.choices += 1
                return []
            if not people:
                self._drop_pending()  # frames before a failed search are not tracked back to
                self._keep_pending(position, frame)
                return []
            return self._acquired([(position, t, people[0])], "search")
        if found is None:
            self._keep_pending(position, frame)
            return []
        self.stats.frames_by_source[source] += 1
        return self._continue(img, position, t, found)

    def finish(self) -> list[tuple[int, Candidate]]:
        """End of the clip: settle a choice between people still open."""
        if not self._choosing:
            return []
        best = max(self._choosing, key=Candidacy.score)
        self._choosing = []
        return self._acquired(best.items, "search")

    def follow(self, t: float, cand: Candidate, velocity_px_s: np.ndarray) -> None:
        """Follow this person from now on (the identity tracker found the runner while this
        tracker held a bystander): the next frames look around ``cand``, MediaPipe's own
        tracking starts afresh."""
        self._choosing = []
        self._drop_pending()
        self._ref = Ref(t, cand, velocity_px_s)
        if self._reset_video is not None:
            self._reset_video()
            self._video_misses = self._video_wrong = 0

    def _continue(self, img: np.ndarray, position: int, t: float, found: Candidate
                  ) -> list[tuple[int, Candidate]]:
        self._drop_pending()
        self._accept(t, found)
        if t - self._last_people_s >= self.s.people_interval_s:
            self._count_people(img, t, found)
        return [(position, found)]

    def _acquired(self, items: list[tuple[int, float, Candidate]], source: str
                  ) -> list[tuple[int, Candidate]]:
        """Start (again) following the athlete whose first poses are ``items``."""
        self.stats.acquisitions += 1
        first_pos, first_t, first = items[0]
        out = self._backfill(first_t, first)
        self._drop_pending()
        self.stats.frames_by_source[source] += 1
        self.stats.frames_by_source["crop"] += len(items) - 1
        self._ref = None
        for pos, ti, cand in items:
            self._accept(ti, cand)
            out.append((pos, cand))
        return out

    def _choose_step(self, position: int, frame: Frame) -> list[tuple[int, Candidate]]:
        """Follow every candidate person; after ``choose_s`` keep the best (``Candidacy.score``)."""
        t = frame.time_s
        for cand in self._choosing:
            if cand.alive:
                found = self._crop(frame.image, t, cand.ref, self.s.crop_margin)
                cand.alive = found is not None
                if found is not None:
                    dt = t - cand.ref.time_s
                    cand.ref = Ref(t, found, (found.hip_px - cand.ref.cand.hip_px) / dt)
                    cand.items.append((position, t, found))
        if self._on_seen is not None:
            self._on_seen(t, [c.items[-1][2] for c in self._choosing if c.alive], "choose")
        alive = [c for c in self._choosing if c.alive]
        if len(alive) >= 2 and t - self._choose_start_s < self.s.choose_s:
            return []
        best = max(alive or self._choosing, key=Candidacy.score)
        self._choosing = []
        return self._acquired(best.items, "search")

    # ------------------------------------------------------------------ steps
    def _search_interval(self, t: float) -> float:
        """A search costs ~20 calls; when nobody has been seen for a while, search less often
        (frames in between are tracked back once the athlete is found)."""
        lost_since = self._ref.time_s if self._ref is not None else (self._first_s or t)
        slow = t - lost_since > self.s.slow_search_after_s
        return self.s.search_interval_s * (2.5 if slow else 1.0)

    def _keep_pending(self, position: int, frame: Frame) -> None:
        """Remember a frame where the athlete was not found, for tracking backwards later."""
        self._pending.append((position, frame))
        self._pending_bytes += frame.image.nbytes
        while self._pending_bytes > self.s.pending_max_mb * 1e6 and self._pending:
            self._pending_bytes -= self._pending.popleft()[1].image.nbytes

    def _drop_pending(self) -> None:
        self._pending.clear()
        self._pending_bytes = 0

    def _accept(self, t: float, cand: Candidate) -> None:
        v = np.zeros(2)
        if self._ref is not None:
            dt = t - self._ref.time_s
            if 0 < dt <= 0.25:
                v = (cand.hip_px - self._ref.cand.hip_px) / dt
        self._ref = Ref(t, cand, v)

    def _match(self, cands: list[Candidate], t: float, ref: Ref, *, tight: bool = False,
               img: np.ndarray | None = None) -> Candidate | None:
        """The candidate that continues ``ref`` at time ``t``, or None. ``tight``: the same
        pose seen again (hip within a quarter extent, extent within 30 %)."""
        size = ref.cand.size_px
        hip = ref.predict_hip(t)
        gate = (self.s.max_jump + 2.0 * abs(t - ref.time_s)) * size
        max_ratio = self.s.max_size_change
        if tight:
            gate, max_ratio = 0.25 * size, 1.3
        if self._gate is not None and img is not None and not tight:
            cands = [c for c in cands if self._gate(img, t, c)]
        best, best_d = None, np.inf
        for c in cands:
            ratio = c.size_px / size if size > 0 else np.inf
            if c.quality < self.s.min_quality or not 1 / max_ratio <= ratio <= max_ratio:
                continue
            d = float(np.hypot(*(c.hip_px - hip)))
            if d <= gate and d < best_d:
                best, best_d = c, d
        return best

    def _crop(self, img: np.ndarray, t: float, ref: Ref, margin: float, *,
              tight: bool = False) -> Candidate | None:
        h, w = img.shape[:2]
        side = max(margin * ref.cand.size_px, self.s.min_crop_px)
        if side >= max(w, h):
            sub, crop = img, full_frame(w, h)
        else:
            cut = square_crop(img, ref.predict_centre(t), side, self.s.max_input_px)
            if cut is None:
                return None
            sub, crop = cut
        self.stats.calls["verify" if tight else "crop"] += 1
        return self._match(self._detect_image(sub, crop), t, ref, tight=tight, img=img)

    def _search(self, img: np.ndarray, t: float, near: Ref) -> Candidate | None:
        """Whole frame, then squares, then tiles, until a pose continuing ``near`` is found."""
        self._last_search_s = t
        h, w = img.shape[:2]
        for level in search_levels(w, h, self.s.tile_frac):
            found: list[Candidate] = []
            for region in level:
                found.extend(self._detect_region(img, region, "search"))
                pick = self._match(found, t, near, img=img)
                if pick is not None:
                    return pick
        return None

    def _acquire(self, img: np.ndarray, t: float, most: int = 3) -> list[Candidate]:
        """People in the frame, each confirmed through a crop, from the first level of the
        search (whole frame, squares, tiles) that finds any; largest first."""
        self._last_search_s = t
        h, w = img.shape[:2]
        for level in search_levels(w, h, self.s.tile_frac):
            found: list[Candidate] = []
            for region in level:
                found.extend(self._detect_region(img, region, "search"))
            confirmed = [c for c in (self._verify(img, t, p) for p in self._plausible(found)[:most])
                         if c is not None]
            if confirmed and self._on_seen is not None:
                self._on_seen(t, distinct(confirmed), "search")
            if self._gate is not None:
                confirmed = [c for c in confirmed if self._gate(img, t, c)]
            if confirmed:
                return distinct(confirmed)
        return []

    def _detect_region(self, img: np.ndarray, region: Crop, purpose: str) -> list[Candidate]:
        x, y, w, h = (int(v) for v in (region.x0_px, region.y0_px, region.width_px,
                                       region.height_px))
        self.stats.calls[purpose] += 1
        return self._detect_image(np.ascontiguousarray(img[y:y + h, x:x + w]), region)

    def _plausible(self, cands: list[Candidate]) -> list[Candidate]:
        """Poses good and big enough, one per person, largest (times quality) first."""
        ok = [c for c in cands
              if c.quality >= self.s.min_quality and c.size_px >= self.s.min_size_px]
        return sorted(distinct(ok), key=lambda c: -c.size_px * c.quality)

    def _verify(self, img: np.ndarray, t: float, cand: Candidate) -> Candidate | None:
        """Look again through a tracking crop around ``cand``: ghosts (patterns in trees, roofs,
        guide lines that the whole-frame detector took for a person) are not found twice."""
        ref = Ref(t, cand, np.zeros(2))
        return self._crop(img, t, ref, self.s.crop_margin, tight=True)

    def _backfill(self, t: float, found: Candidate) -> list[tuple[int, Candidate]]:
        """Track backwards through the frames that waited for this search."""
        ref = Ref(t, found, np.zeros(2))
        out = []
        for position, frame in reversed(self._pending):
            c = self._crop(frame.image, frame.time_s, ref, self.s.crop_margin)
            if c is None:
                break
            out.append((position, c))
            self.stats.frames_by_source["backfill"] += 1
            dt = frame.time_s - ref.time_s
            ref = Ref(frame.time_s, c, (c.hip_px - ref.cand.hip_px) / dt if dt else np.zeros(2))
        return out[::-1]

    def _count_people(self, img: np.ndarray, t: float, athlete: Candidate) -> None:
        """People in frame now: the athlete plus the others found (and confirmed) in squares of
        the frame's shorter side (the whole-frame detector missed a 250 px player in 1280x720)."""
        self._last_people_s = t
        h, w = img.shape[:2]
        found = []
        for region in search_levels(w, h, self.s.tile_frac)[1]:
            found.extend(self._detect_region(img, region, "people"))
        others = [c for c in self._plausible(found)
                  if iou(c.box, athlete.box) < 0.3
                  and np.hypot(*(c.hip_px - athlete.hip_px)) > 0.5 * athlete.size_px]
        confirmed = [c for c in others[:3] if self._verify(img, t, c) is not None]
        self.stats.people_counts.append(1 + len(confirmed))
        if self._on_seen is not None:
            self._on_seen(t, confirmed, "scan")

    # ------------------------------------------------------------------ VIDEO mode
    def _video_due(self, t: float) -> bool:
        return self._video_misses < 3 or t - self._last_video_s >= self.s.video_retry_s

    def _video_step(self, img: np.ndarray, t: float, recent: bool) -> Candidate | None:
        """MediaPipe's own tracking on the whole frame: its pose if it is the athlete's."""
        h, w = img.shape[:2]
        self._last_video_s = t
        self.stats.calls["video"] += 1
        detect, ref = self._detect_video, self._ref
        cands = detect(img, full_frame(w, h), t) if detect is not None else []
        # only continues a recent track: acquisition (with its choice between people) is the
        # search's job, since MediaPipe's pick is the detector's favourite, not the runner
        found = self._match(cands, t, ref, img=img) if recent and ref is not None else None
        self._video_misses = 0 if found is not None else self._video_misses + 1
        wrong = found is None and recent and any(c.quality >= self.s.min_quality for c in cands)
        self._video_wrong = self._video_wrong + 1 if wrong else 0
        if self._video_wrong >= 3 and self._reset_video is not None \
                and t - self._last_video_reset_s >= 1.0:
            # MediaPipe is tracking someone else: restart it so that it detects afresh
            self._reset_video()
            self.stats.video_resets += 1
            self._last_video_reset_s = t
            self._video_wrong = 0
            self._video_misses = 0
        return found
