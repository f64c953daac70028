"""``extract_poses``: frames of one clip -> ``Poses`` of one athlete, with flags and meta."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path

import numpy as np

from stridecam.io.pose.geometry import Candidate, empty_arrays
from stridecam.io.pose.landmarker import Landmarker
from stridecam.io.pose.tracker import AthleteTracker, TrackSettings
from stridecam.model.errors import InputError
from stridecam.model.frames import Frame, VideoInfo
from stridecam.model.poses import Flag, Poses

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
    landmarker lives as long as the estimator; a VIDEO-mode one is made for each clip (its
    tracking state and timestamps must not leak from one clip to the next) and closed after it.
    """

    def __init__(self, model_path: str | Path, *, settings: TrackSettings = TrackSettings(),
                 min_detection_confidence: float = 0.5, min_presence_confidence: float = 0.5,
                 min_tracking_confidence: float = 0.5) -> None:
        self.model_path = Path(model_path)
        self.settings = settings
        self._conf = dict(min_detection_confidence=min_detection_confidence,
                          min_presence_confidence=min_presence_confidence,
                          min_tracking_confidence=min_tracking_confidence)
        self._image = Landmarker(self.model_path, video=False, num_poses=MAX_POSES, **self._conf)

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

    def run(self, frames: Iterable[Frame], info: VideoInfo, *, mode: str = DEFAULT_MODE) -> Poses:
        """Landmarks of one athlete in every frame of ``frames`` (see ``extract_poses``)."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        video_lm: list[Landmarker] = []  # the live one
        video_lm_all: list[Landmarker] = []  # every one made for this clip (for timing)

        def new_video() -> None:
            if video_lm:
                video_lm.pop().close()
            video_lm.append(Landmarker(self.model_path, video=True, num_poses=1, **self._conf))
            video_lm_all.append(video_lm[-1])

        try:
            if mode == "video":
                new_video()
            tracker = AthleteTracker(
                self._image, self.settings,
                detect_video=(lambda img, crop, t: video_lm[0](img, crop, t)) if video_lm else None,
                reset_video=new_video if video_lm else None)
            busy0 = self._image.busy_s
            poses = self._run(frames, info, mode, tracker)
            inference_s = self._image.busy_s - busy0 + sum(v.busy_s for v in video_lm_all)
            meta = dict(poses.meta, inference_ms_per_frame=1000.0 * inference_s / poses.n_frames)
            return poses.replace(meta=meta)
        finally:
            for lm in video_lm:
                lm.close()

    def _run(self, frames: Iterable[Frame], info: VideoInfo, mode: str,
             tracker: AthleteTracker) -> Poses:
        times: list[float] = []
        indices: list[int] = []
        results: dict[int, Candidate] = {}
        size: tuple[int, int] | None = None
        busy_s = 0.0
        cpu0 = time.process_time()
        for pos, frame in enumerate(frames):
            image = _check_frame(frame, info, size, times)
            size = (image.shape[1], image.shape[0])
            times.append(float(frame.time_s))
            indices.append(int(frame.index))
            t0 = time.perf_counter()
            for p, cand in tracker.step(pos, frame if image is frame.image else
                                        Frame(frame.index, frame.time_s, image)):
                results[p] = cand
            busy_s += time.perf_counter() - t0
        for p, cand in tracker.finish():
            results[p] = cand
        if size is None:
            raise InputError(f"{info.path}: no frames to analyse (the video gave none)")
        cpu_s = time.process_time() - cpu0  # whole process: includes decoding in its thread
        n = len(times)
        arrays = empty_arrays(n)
        for p, c in results.items():
            arrays["xy_px"][p] = c.xy_px
            arrays["z_rel"][p] = c.z_rel
            arrays["visibility"][p] = c.visibility
            arrays["world_m"][p] = c.world_m
        poses = Poses(time_s=np.array(times), frame_index=np.array(indices, dtype=np.int64),
                      xy_px=arrays["xy_px"], z_rel=arrays["z_rel"],
                      visibility=arrays["visibility"], world_m=arrays["world_m"],
                      frame_size_px=size, source=str(info.path), model=self.model_name,
                      nominal_fps=info.nominal_fps, capture_fps=info.capture_fps)
        return _describe(poses, tracker, mode, busy_s, cpu_s, sorted(results))


def extract_poses(frames: Iterable[Frame], info: VideoInfo, model_path: str | Path, *,
                  mode: str = DEFAULT_MODE, settings: TrackSettings = TrackSettings(),
                  estimator: PoseEstimator | None = None) -> Poses:
    """33 landmarks of ONE athlete per frame, in pixels of the upright frame (y down).

    ``frames``: the clip's distinct frames in order (``stridecam.io.video``), with strictly
    increasing ``time_s`` (capture time, seconds). ``mode``: ``"image"`` (landmarker on a crop
    around the athlete in every frame, no smoothing) or ``"video"`` (MediaPipe's own tracking and
    one-euro smoothing on whole frames where it holds the athlete, crops elsewhere). Frames
    where the athlete was not found hold NaN. Pass ``estimator`` to reuse loaded models across
    clips (``model_path`` is then ignored). Flags: ``several_people``, ``low_detection_rate``,
    ``no_athlete``, ``athlete_reacquired``; ``meta`` says how it went (see ``_describe``).
    """
    if estimator is not None:
        return estimator.run(frames, info, mode=mode)
    with PoseEstimator(model_path, settings=settings) as est:
        return est.run(frames, info, mode=mode)


def _check_frame(frame: Frame, info: VideoInfo, size: tuple[int, int] | None,
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


def _describe(poses: Poses, tracker: AthleteTracker, mode: str, busy_s: float, cpu_s: float,
              found: list[int]) -> Poses:
    """Add ``meta`` (JSON-serialisable) and ``flags`` to ``poses``."""
    st = tracker.stats
    n = poses.n_frames
    detected = int(poses.detected.sum())
    people = st.people_counts
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
        "landmarker_calls": dict(st.calls),
        "landmarker_calls_total": int(sum(st.calls.values())),
        "frames_by_source": dict(st.frames_by_source),
        "acquisitions": st.acquisitions,
        "acquisitions_with_a_choice": st.choices,
        "video_resets": st.video_resets,
        "pose_ms_per_frame": 1000.0 * busy_s / n,  # wall time in the pose stage
        "process_cpu_ms_per_frame": 1000.0 * cpu_s / n,  # CPU of the process (with decoding)
        "tracker_settings": asdict(tracker.s),
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
