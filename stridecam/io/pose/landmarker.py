"""The only module that touches MediaPipe: create, call and close ``PoseLandmarker`` instances.

Facts this relies on (mediapipe 1.2.2, measured here):
- the landmarker's C++ side prints TFLite/glog lines on stderr while it is created
  (``GLOG_minloglevel`` does not silence them); creation runs with file descriptor 2 sent to a
  temporary file, which is shown only if creation fails; closing prints "INFO: ...
  DestroyAccelerator" lines the same way, and runs with stderr sent to a temporary file too;
- ``PoseLandmarker.__del__`` left to interpreter shutdown prints "Exception ignored ...
  TypeError"; every landmarker made here is closed explicitly, and an ``atexit`` hook closes any
  the caller forgot before the interpreter tears its modules down;
- ``mp.Image`` reads the buffer as tightly packed rows: a strided array (PyAV's ``to_ndarray``
  pads rows) silently gives garbage and no detections, so images are made C-contiguous first;
- image-processing ``region_of_interest`` is refused by the pose task ("doesn't support
  region-of-interest"): crops are cut in numpy instead;
- the first pose found in a non-square image prints, once per process, "Using NORM_RECT without
  IMAGE_DIMENSIONS is only supported for the square ROI": that call runs with stderr captured.
  The landmarks are not affected (on a simulated sprinter with truth, the whole 1280x720 frame
  and the same frame padded to a square gave the same median error, 1.60 % of body extent).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import tempfile
import time
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import numpy as np

from stridecam.io.pose.geometry import Candidate, Crop
from stridecam.model.errors import ModelError

_LIVE: weakref.WeakSet[Landmarker] = weakref.WeakSet()
_projection_note_printed = False  # see the module docstring


@contextlib.contextmanager
def _stderr_to_file() -> Iterator[IO[bytes]]:
    """Send file descriptor 2 (C/C++ stderr) to a temporary file for the duration."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as tmp:
        os.dup2(tmp.fileno(), 2)
        try:
            yield tmp
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def _import_mediapipe():
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import mediapipe as mp
    from mediapipe.tasks.python.core import base_options
    from mediapipe.tasks.python.vision import pose_landmarker
    from mediapipe.tasks.python.vision.core import vision_task_running_mode

    return mp, base_options, pose_landmarker, vision_task_running_mode.VisionTaskRunningMode


class Landmarker:
    """One MediaPipe ``PoseLandmarker`` (IMAGE or VIDEO running mode) returning ``Candidate``s.

    ``num_poses``: most poses returned per call; confidences as in MediaPipe (0..1). Use as a
    context manager or call ``close()``; ``calls`` counts inferences and ``busy_s`` their
    wall time in seconds.
    """

    def __init__(self, model_path: str | Path, *, video: bool, num_poses: int,
                 min_detection_confidence: float = 0.5, min_presence_confidence: float = 0.5,
                 min_tracking_confidence: float = 0.5) -> None:
        self._mp, base_options, pose_landmarker, running_mode = _import_mediapipe()
        self.video = video
        self.calls = 0
        self.busy_s = 0.0
        self._last_ts_ms = -1
        options = pose_landmarker.PoseLandmarkerOptions(
            base_options=base_options.BaseOptions(model_asset_path=str(model_path)),
            running_mode=running_mode.VIDEO if video else running_mode.IMAGE,
            num_poses=num_poses,
            min_pose_detection_confidence=min_detection_confidence,
            min_pose_presence_confidence=min_presence_confidence,
            min_tracking_confidence=min_tracking_confidence,
        )
        self._lm = None
        with _stderr_to_file() as log:
            try:
                self._lm = pose_landmarker.PoseLandmarker.create_from_options(options)
            except (RuntimeError, ValueError) as exc:
                log.seek(0)
                detail = log.read().decode(errors="replace").strip().splitlines()[-1:]
                raise ModelError(
                    f"{model_path}: MediaPipe could not load this pose model ({exc}"
                    f"{'; ' + detail[0] if detail else ''}); use a pose_landmarker_*.task bundle"
                ) from exc
        _LIVE.add(self)

    def __enter__(self) -> Landmarker:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Release the native landmarker (idempotent)."""
        lm, self._lm = self._lm, None
        if lm is not None:
            with _stderr_to_file():  # TFLite's "INFO: ... DestroyAccelerator" lines
                lm.close()
        _LIVE.discard(self)

    def __call__(self, image: np.ndarray, crop: Crop, time_s: float | None = None
                 ) -> list[Candidate]:
        """Poses in ``image`` (RGB uint8), mapped to full-frame pixels through ``crop``.

        VIDEO mode needs ``time_s``; it becomes an integer millisecond timestamp forced strictly
        above the previous one (MediaPipe refuses equal or decreasing timestamps).
        """
        if self._lm is None:
            raise RuntimeError("Landmarker used after close()")
        mp_image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB,
                                  data=np.ascontiguousarray(image))
        if self.video and time_s is None:
            raise ValueError("VIDEO-mode landmarker needs time_s")
        time_s = 0.0 if time_s is None else time_s
        global _projection_note_printed
        quiet = not _projection_note_printed and image.shape[0] != image.shape[1]
        self.calls += 1
        t0 = time.perf_counter()
        with _stderr_to_file() if quiet else contextlib.nullcontext():
            if self.video:
                ts_ms = max(int(round(time_s * 1000.0)), self._last_ts_ms + 1)
                self._last_ts_ms = ts_ms
                result = self._lm.detect_for_video(mp_image, ts_ms)
            else:
                result = self._lm.detect(mp_image)
        self.busy_s += time.perf_counter() - t0
        if quiet and result.pose_landmarks:
            _projection_note_printed = True
        return [_candidate(lms, world, crop)
                for lms, world in zip(result.pose_landmarks, result.pose_world_landmarks)]


def _candidate(landmarks, world, crop: Crop) -> Candidate:
    a = np.array([(p.x, p.y, p.z, _score(p.visibility), _score(p.presence)) for p in landmarks],
                 dtype=np.float64)
    xy, z = crop.to_frame(a[:, :3])
    w = np.array([(p.x, p.y, p.z) for p in world], dtype=np.float64)
    return Candidate(xy_px=xy, z_rel=z, visibility=a[:, 3], presence=a[:, 4], world_m=w)


def _score(value: float | None) -> float:
    return float("nan") if value is None else float(value)


@atexit.register
def _close_all() -> None:
    for lm in list(_LIVE):
        lm.close()
