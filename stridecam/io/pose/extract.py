"""``extract_poses``: frames of one clip -> ``Poses`` of one athlete, with flags and meta.

One pass follows an athlete as before (``tracker``) while linking every person in view into
tracks (``identity``); the athlete is then chosen among them (``choice``: the runner nearest the
camera, or the user's ``--athlete-at`` / ``--athlete-rank``), and the pass's poses are kept
where they are that person's. Frames where the chosen person was in view but the pass was on
someone else are read again and looked at with the person's identity as a constraint
(``decide``, ``gate.repair``). ``meta["identity"]`` says who was chosen, how, and in which frames
the identity is in doubt (crossings, long occlusions; ``identity_uncertain`` flag).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np

from stridecam.io.pose.choice import AthleteChoice
from stridecam.io.pose.decide import Decision, decide, identity_report
from stridecam.io.pose.gate import IdentityGate, repair
from stridecam.io.pose.geometry import Candidate, empty_arrays
from stridecam.io.pose.identity import PeopleSettings
from stridecam.io.pose.landmarker import Landmarker
from stridecam.io.pose.passes import PassResult, run_pass
from stridecam.io.pose.tracker import TrackSettings
from stridecam.model.frames import Frame, VideoInfo
from stridecam.model.poses import Flag, Poses

Reopen = Callable[[], Iterable[Frame] | None]

MODES = ("image", "video")
#: Default running mode, chosen by measurement (see the package docstring): "image" has the
#: more accurate landmarks, "video" times ground contacts and step lengths better (and its
#: inference is ~0.6x the cost).
DEFAULT_MODE = "video"
#: Most poses the IMAGE-mode landmarker returns per call (crops, searches, people counts).
MAX_POSES = 4
#: Below this fraction of frames with the athlete found, the result is flagged.
LOW_DETECTION_RATE = 0.8


class PoseEstimator:
    """Owns the MediaPipe landmarkers for one model; reuse it for many clips in one process.

    ``with PoseEstimator(model_path) as est: poses = est.run(frames, info)``. The IMAGE-mode
    landmarker lives as long as the estimator; a VIDEO-mode one is made for each pass over a
    clip (its tracking state and timestamps must not leak from one clip to the next).
    """

    def __init__(self, model_path: str | Path, *, settings: TrackSettings = TrackSettings(),
                 people: PeopleSettings = PeopleSettings(),
                 min_detection_confidence: float = 0.5, min_presence_confidence: float = 0.5,
                 min_tracking_confidence: float = 0.5,
                 image_landmarker: Landmarker | None = None) -> None:
        """``image_landmarker``: an IMAGE-mode landmarker to use (tests hand in a fake one)."""
        self.model_path = Path(model_path)
        self.settings = settings
        self.people = people
        self._conf = dict(min_detection_confidence=min_detection_confidence,
                          min_presence_confidence=min_presence_confidence,
                          min_tracking_confidence=min_tracking_confidence)
        self._image = image_landmarker or Landmarker(self.model_path, video=False,
                                                     num_poses=MAX_POSES, **self._conf)

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self._image.close()

    @property
    def model_name(self) -> str:
        """File name without suffix, e.g. ``"pose_landmarker_full"``."""
        return self.model_path.stem

    def run(self, frames: Iterable[Frame], info: VideoInfo, *, mode: str = DEFAULT_MODE,
            choice: AthleteChoice | None = None, reopen: Reopen | None = None) -> Poses:
        """Landmarks of one athlete in every frame of ``frames`` (see ``extract_poses``).
        ``reopen``: gives the clip's frames again for a second pass (default: the same
        sequence if ``frames`` is one, else the file ``info.path`` decoded again)."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        reopen = reopen or _reopener(frames, info)
        args = (info, self._image, self.model_path, self._conf, mode, self.settings)
        p1 = run_pass(frames, *args, people=True, people_settings=self.people)
        d = decide(p1, choice or AthleteChoice())
        results = self._second_look(p1, d, reopen)
        return self._finish(p1, d, results, info, mode)

    def run_all(self, frames: Iterable[Frame], info: VideoInfo, *, mode: str = DEFAULT_MODE,
                reopen: Reopen | None = None) -> list[Poses]:
        """One ``Poses`` per runner of the clip, nearest the camera first (``--all-runners``):
        the first pass once, then each runner's poses as ``run(choice=rank k)`` gives them.
        Without any runner, the one person ``run`` would analyse."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        reopen = reopen or _reopener(frames, info)
        args = (info, self._image, self.model_path, self._conf, mode, self.settings)
        p1 = run_pass(frames, *args, people=True, people_settings=self.people)
        first = decide(p1, AthleteChoice())
        n = sum(1 for p in first.people if p.runner)
        out = []
        for d in [first] if n == 0 else [decide(p1, AthleteChoice(rank=k + 1)) for k in range(n)]:
            results = self._second_look(p1, d, reopen)
            out.append(self._finish(p1, d, results, info, mode))
        return out

    def _finish(self, p1: PassResult, d: Decision, results: dict[int, Candidate],
                info: VideoInfo, mode: str) -> Poses:
        poses = self._assemble(p1, results, info)
        poses = _describe(poses, p1, mode, sorted(results))
        assert p1.people is not None
        ident, flags = identity_report(d, p1, poses.detected, poses.frame_index,
                                       p1.people.calls)
        meta = dict(poses.meta, identity=ident,
                    people_max=max(int(poses.meta["people_max"]), ident["people_max"]))
        keep = tuple(f for f in poses.flags if f.code != "several_people")
        return poses.replace(meta=meta, flags=keep + tuple(flags))

    def _second_look(self, p1: PassResult, d: Decision, reopen: Reopen
                     ) -> dict[int, Candidate]:
        """The chosen person's poses: the first pass's, and, in the frames where it was missed
        while in view (``decide``), those found by looking again (``gate.repair``)."""
        results = dict(d.keep)
        again = reopen() if d.athlete is not None and d.repair else None
        if again is None or d.athlete is None:
            return results
        gate = IdentityGate(d.athlete, d.others, p1.offset_at, self.people)
        some = {idx: pos for pos, idx in enumerate(p1.indices) if pos in d.repair}
        busy0, calls0, t0 = self._image.busy_s, self._image.calls, time.perf_counter()
        results.update(repair(again, some, self._image, gate))
        p1.inference_s += self._image.busy_s - busy0
        p1.busy_s += time.perf_counter() - t0
        assert p1.people is not None
        p1.people.calls += self._image.calls - calls0
        pos_of = {round(t, 6): k for k, t in enumerate(p1.times)}
        taken = {pos_of[round(t, 6)]: m for t, m in gate.margins.items()
                 if pos_of.get(round(t, 6)) in results}
        d.redo_doubt(taken, len(p1.times))
        return results

    def _assemble(self, p1: PassResult, results: dict[int, Candidate], info: VideoInfo) -> Poses:
        assert p1.size is not None
        arrays = empty_arrays(len(p1.times))
        for p, c in results.items():
            arrays["xy_px"][p] = c.xy_px
            arrays["z_rel"][p] = c.z_rel
            arrays["visibility"][p] = c.visibility
            arrays["world_m"][p] = c.world_m
        return Poses(time_s=np.array(p1.times), frame_index=np.array(p1.indices, dtype=np.int64),
                     xy_px=arrays["xy_px"], z_rel=arrays["z_rel"],
                     visibility=arrays["visibility"], world_m=arrays["world_m"],
                     frame_size_px=p1.size, source=str(info.path), model=self.model_name,
                     nominal_fps=info.nominal_fps, capture_fps=info.capture_fps)


def extract_poses(frames: Iterable[Frame], info: VideoInfo, model_path: str | Path, *,
                  mode: str = DEFAULT_MODE, settings: TrackSettings = TrackSettings(),
                  choice: AthleteChoice | None = None,
                  estimator: PoseEstimator | None = None) -> Poses:
    """33 landmarks of ONE athlete per frame, in pixels of the upright frame (y down).

    ``frames``: the clip's distinct frames in order (``stridecam.io.video``), with strictly
    increasing ``time_s`` (capture time, seconds). ``mode``: ``"image"`` (landmarker on a crop
    around the athlete in every frame, no smoothing) or ``"video"`` (MediaPipe's own tracking and
    one-euro smoothing on whole frames where it holds the athlete, crops elsewhere). Frames
    where the athlete was not found hold NaN. ``choice``: who the athlete is (default: the
    runner nearest the camera). Pass ``estimator`` to reuse loaded models across clips
    (``model_path`` is then ignored). Flags: ``several_people``, ``identity_uncertain``,
    ``no_runner``, ``low_detection_rate``, ``no_athlete``, ``athlete_reacquired``; ``meta`` says
    how it went (see ``_describe`` and ``decide.identity_report``).
    """
    if estimator is not None:
        return estimator.run(frames, info, mode=mode, choice=choice)
    with PoseEstimator(model_path, settings=settings) as est:
        return est.run(frames, info, mode=mode, choice=choice)


def _reopener(frames: Iterable[Frame], info: VideoInfo) -> Reopen:
    """How to read the clip again: the same list, or the file decoded again."""
    if isinstance(frames, Sequence):
        return lambda: frames

    def decode_again() -> Iterable[Frame] | None:
        if not Path(info.path).is_file():
            return None
        from stridecam.io.video import VideoReader

        return VideoReader(info.path, info.capture_fps)

    return decode_again


def _describe(poses: Poses, p1: PassResult, mode: str, found: list[int]) -> Poses:
    """Add ``meta`` (JSON-serialisable) and ``flags`` to ``poses``."""
    st = p1.tracker.stats
    n = poses.n_frames
    detected = int(poses.detected.sum())
    people = st.people_counts
    calls = dict(st.calls)
    calls["identity"] = p1.people.calls if p1.people is not None else 0  # looks, scans, repair
    people_max = max(people, default=1 if detected else 0)
    scans_with_others = sum(1 for c in people if c > 1)
    meta = {
        "mode": mode,
        "model": poses.model,
        "frames": n,
        "frames_detected": detected,
        "detection_rate": detected / n,
        "first_detected_frame": int(poses.frame_index[found[0]]) if found else None,
        "people_max": int(people_max),
        "people_scans": len(people),
        "people_scans_with_others": scans_with_others,
        "landmarker_calls": calls,
        "landmarker_calls_total": int(sum(calls.values())),
        "frames_by_source": dict(st.frames_by_source),
        "acquisitions": st.acquisitions,
        "acquisitions_with_a_choice": st.choices,
        "video_resets": st.video_resets,
        "pose_ms_per_frame": 1000.0 * p1.busy_s / n,  # wall time in the pose stage
        "inference_ms_per_frame": 1000.0 * p1.inference_s / n,  # landmarker calls only
        "process_cpu_ms_per_frame": 1000.0 * p1.cpu_s / n,  # CPU of the process (with decoding)
        "tracker_settings": asdict(p1.tracker.s),
        "athlete_switches": p1.retargets,
    }
    flags: list[Flag] = []
    if detected == 0:
        flags.append(Flag("no_athlete", "error",
                          "No person was found in any frame; check that the athlete is in view "
                          "and lit, and not smaller than about 40 pixels."))
    elif detected / n < LOW_DETECTION_RATE:
        flags.append(Flag("low_detection_rate", "warning",
                          f"The athlete was found in only {detected} of {n} frames "
                          f"({100 * detected / n:.0f}%); results rest on fewer frames."))
    # one scan seeing someone else may be a ghost; two scans (or half of them) make it a fact
    if scans_with_others >= min(2, len(people)) and scans_with_others > 0:
        first = meta["first_detected_frame"]
        flags.append(Flag("several_people", "warning",
                          f"{people_max} people were in frame; one athlete was followed from "
                          f"frame {first} (the largest, most active person when first found) "
                          "and analysed."))
    if st.acquisitions > 1:
        flags.append(Flag("athlete_reacquired", "info",
                          f"The athlete was lost and found again {st.acquisitions - 1} time(s); "
                          "after a long gap it may be a different person."))
    return poses.replace(meta=meta).with_flags(*flags)
