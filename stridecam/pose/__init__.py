"""Pose stage: MediaPipe PoseLandmarker over a clip's frames, keeping ONE athlete's track.

``extract_poses(frames, info, model_path, mode="image") -> Poses`` (pixels of the upright
frame, y down, NaN where the athlete was not found), or, to reuse the loaded model across clips
in one worker process::

    with PoseEstimator(model_path) as est:
        for clip in clips:
            poses = est.run(frames_of(clip), info_of(clip), mode="image")

Modes (``mode=``), measured on the simulator's rendered clips with truth (3 clips at 30/60/120
fps, 1280x720, athlete ~250 px; tools in the final report of the pose stage):

- ``"image"`` (default): IMAGE-mode landmarker on a square crop around the athlete in every
  frame, no smoothing. Foot landmarks 2.4 % of body extent from truth (median), lag 1 ms,
  touchdown error 11 ms (mean absolute, through the project's events stage). ~28 ms per frame
  of inference on the 2-core test machine (detector + landmarks every frame) + ~10 % for the
  people count.
- ``"video"``: MediaPipe's own tracking and one-euro smoothing on whole frames where it holds
  the athlete (crops where it does not). Feet 3.6 % of extent, lag 3.5 ms, touchdown error
  17 ms; ~17 ms per frame of inference (no detector while tracking).

Modules: ``geometry`` (pure: candidates, crops, tiles), ``landmarker`` (the only MediaPipe
code), ``tracker`` (follow one athlete: crops, search, re-acquisition, people count),
``extract`` (assemble ``Poses``, flags and meta).
"""

from .extract import DEFAULT_MODE, MODES, PoseEstimator, extract_poses
from .tracker import TrackSettings

__all__ = ["DEFAULT_MODE", "MODES", "PoseEstimator", "TrackSettings", "extract_poses"]
