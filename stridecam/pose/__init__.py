"""Pose stage: MediaPipe PoseLandmarker over a clip's frames, keeping ONE athlete's track.

``extract_poses(frames, info, model_path, mode="image") -> Poses`` (pixels of the upright
frame, y down, NaN where the athlete was not found), or, to reuse the loaded model across clips
in one worker process::

    with PoseEstimator(model_path) as est:
        for clip in clips:
            poses = est.run(frames_of(clip), info_of(clip), mode="image")

Modules: ``geometry`` (pure: candidates, crops, tiles), ``landmarker`` (the only MediaPipe
code), ``tracker`` (follow one athlete: crops, search, re-acquisition, people count),
``extract`` (assemble ``Poses``, flags and meta).
"""

from .extract import DEFAULT_MODE, MODES, PoseEstimator, extract_poses
from .tracker import TrackSettings

__all__ = ["DEFAULT_MODE", "MODES", "PoseEstimator", "TrackSettings", "extract_poses"]
