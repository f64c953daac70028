"""The pass of the pose stage over a clip's frames: the athlete tracker on every frame, the
camera's motion and every person's track.

``run_pass`` owns the VIDEO-mode landmarker of the pass (one per pass and restarted by the
tracker when MediaPipe follows someone else); the IMAGE-mode landmarker is the estimator's.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from stridecam.io.pose.choice import ANKLES, running_now
from stridecam.io.pose.gate import LiveGate
from stridecam.io.pose.geometry import Candidate
from stridecam.io.pose.identity import PeopleSettings, PeopleTracker, PersonTrack
from stridecam.io.pose.landmarker import Landmarker
from stridecam.io.pose.motion import CameraMotion
from stridecam.io.pose.tracker import AthleteTracker, TrackSettings
from stridecam.model.errors import InputError
from stridecam.model.frames import Frame, VideoInfo


@dataclass
class PassResult:
    """What one pass found: per frame position (index into ``times``) the athlete's pose."""

    times: list[float]
    indices: list[int]
    size: tuple[int, int] | None
    results: dict[int, Candidate]
    tracker: AthleteTracker
    busy_s: float = 0.0
    cpu_s: float = 0.0
    inference_s: float = 0.0
    people: PeopleTracker | None = None
    motion: CameraMotion | None = None
    live: LiveGate | None = None
    retargets: int = 0

    def offset_at(self, t: float) -> np.ndarray:
        """Camera offset (px) at time ``t`` (interpolated between frames; 0 without motion)."""
        if self.motion is None or not self.times:
            return np.zeros(2)
        off = self.motion.offset_px
        tt = np.asarray(self.times)
        return np.array([np.interp(t, tt, off[:, 0]), np.interp(t, tt, off[:, 1])])


def run_pass(frames: Iterable[Frame], info: VideoInfo, image_lm: Landmarker, model_path: Path,
             conf: dict, mode: str, settings: TrackSettings, *, people: bool = True,
             people_settings: PeopleSettings = PeopleSettings()) -> PassResult:
    """Track the athlete through ``frames``; with ``people``, also link everyone in view into
    tracks (``identity``) and keep the athlete tracker on one of them (``gate.LiveGate``)."""
    video_lm: list[Landmarker] = []
    video_all: list[Landmarker] = []

    def new_video() -> None:
        if video_lm:
            video_lm.pop().close()
        video_lm.append(Landmarker(model_path, video=True, num_poses=1, **conf))
        video_all.append(video_lm[-1])

    seen: list[tuple[str, Candidate]] = []
    try:
        if mode == "video":
            new_video()
        crowd = PeopleTracker(image_lm, people_settings) if people else None
        live = LiveGate(crowd) if crowd is not None else None
        tracker = AthleteTracker(
            image_lm, settings,
            detect_video=(lambda img, crop, t: video_lm[0](img, crop, t)) if video_lm else None,
            reset_video=new_video if video_lm else None, gate=live,
            on_seen=(lambda t, cands, why: seen.extend((why, c) for c in cands))
            if people else None)
        out = PassResult([], [], None, {}, tracker, people=crowd, live=live)
        if people:
            out.motion = CameraMotion()
        busy0 = image_lm.busy_s
        _loop(frames, info, out, seen)
        out.inference_s = image_lm.busy_s - busy0 + sum(v.busy_s for v in video_all)
        return out
    finally:
        for lm in video_lm:
            lm.close()


def _loop(frames: Iterable[Frame], info: VideoInfo, out: PassResult,
          seen: list[tuple[str, Candidate]]) -> None:
    tracker = out.tracker
    cpu0 = time.process_time()
    for frame in frames:
        image = check_frame(frame, info, out.size, out.times)
        pos = len(out.times)
        out.size = (image.shape[1], image.shape[0])
        out.times.append(float(frame.time_s))
        out.indices.append(int(frame.index))
        if image is not frame.image:
            frame = Frame(frame.index, frame.time_s, image)
        t0 = time.perf_counter()
        offset = out.motion.update(image) if out.motion is not None else None
        if out.live is not None and offset is not None:
            out.live.offset, out.live.pos = offset, pos
        seen.clear()
        mine = None
        late = []
        for p, cand in tracker.step(pos, frame):
            out.results[p] = cand
            if p == pos:
                mine = cand
            else:
                late.append((p, cand))
        if out.people is not None and offset is not None:
            out.people.update(pos, float(frame.time_s), image, offset, mine, list(seen))
            if late:
                out.people.late(late)
            runner = _runner_instead(out.people, float(frame.time_s))
            if runner is not None:
                tracker.follow(float(frame.time_s), runner.last.cand, runner.velocity())
                out.people.following = runner.id
                out.retargets += 1
        out.busy_s += time.perf_counter() - t0
    for p, cand in tracker.finish():
        out.results[p] = cand
        if out.people is not None:
            out.people.late([(p, cand)])
    if out.people is not None:
        out.people.finish()
    if out.size is None:
        raise InputError(f"{info.path}: no frames to analyse (the video gave none)")
    out.cpu_s = time.process_time() - cpu0  # whole process: includes decoding in its thread


def _runner_instead(people: PeopleTracker, t: float) -> PersonTrack | None:
    """A person running now, seen this frame, when the one followed has been seen for a second
    and does not run (a bystander found first); None otherwise."""
    if people.following is None:
        return None
    mine = people.tracks[people.following]
    if mine.ended or mine.last.t - mine.obs[0].t < 1.0 or running_now(mine) is not False \
            or any(running_now(mine, s) for s in (0.6, 2.0)):
        return None
    runners = [tr for tr in people.tracks if tr is not mine and not tr.ended and tr.confirmed
               and tr.last.t == t and running_now(tr, 0.6)]
    # the nearest (feet lowest in the image), as the default choice will be
    return max(runners, key=lambda tr: float(tr.last.cand.xy_px[ANKLES, 1].max()), default=None)


def check_frame(frame: Frame, info: VideoInfo, size: tuple[int, int] | None,
                times: list[float]) -> np.ndarray:
    image = frame.image
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise InputError(f"{info.path}: frame {frame.index} is not an RGB uint8 image "
                         f"(shape {image.shape}, dtype {image.dtype})")
    if size is not None and (image.shape[1], image.shape[0]) != size:
        raise InputError(f"{info.path}: frame {frame.index} is {image.shape[1]}x{image.shape[0]}"
                         f" px but earlier frames were {size[0]}x{size[1]} px")
    if times and not frame.time_s > times[-1]:
        raise InputError(f"{info.path}: frame {frame.index} has time {frame.time_s} s, not after "
                         f"the previous frame's {times[-1]} s")
    return image if image.flags["C_CONTIGUOUS"] else np.ascontiguousarray(image)
