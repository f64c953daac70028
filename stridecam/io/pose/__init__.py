"""Pose stage: MediaPipe PoseLandmarker over a clip's frames, keeping ONE athlete's track.

``extract_poses(frames, info, model_path, mode="video") -> Poses`` (pixels of the upright
frame, y down, NaN where the athlete was not found), or, to reuse the loaded model across clips
in one worker process::

    with PoseEstimator(model_path) as est:
        for clip in clips:
            poses = est.run(frames_of(clip), info_of(clip), mode="video")

Modes (``mode=``), measured on the simulator's rendered clips with truth (VALIDATION.md,
"Rendered clips through MediaPipe": 5 athletes at 30/60/120 fps, athlete ~250 px). IMAGE mode
has the more accurate landmarks, but VIDEO mode's smoothing times ground contacts better, which
is what stridecam measures: contact time error per step 10-15 ms (video) vs 16-21 ms (image),
step length error 8-11% vs 11-30% per step; so ``"video"`` is the default.

- ``"image"``: IMAGE-mode landmarker on a square crop around the athlete in every
  frame, no smoothing. Foot landmarks 2.4 % of body extent from truth (median), lag 1 ms,
  touchdown error 11 ms (mean absolute, through the project's events stage). ~28 ms per frame
  of inference on the 2-core test machine (detector + landmarks every frame) + ~10 % for the
  people count.
- ``"video"`` (default): MediaPipe's own tracking and one-euro smoothing on whole frames where it
  holds the athlete (crops where it does not). Feet 3.6 % of extent, lag 3.5 ms, touchdown error
  17 ms; ~17 ms per frame of inference (no detector while tracking).

Several people in view (issue 17): while the athlete tracker follows one person, everyone in
view is linked into person tracks with one identity each (``identity``: Hungarian assignment on
motion, size and kit colours, ``appearance``; the camera's pan from ``motion``); the athlete is
then chosen among them (``choice``: the runner nearest the camera, never a standing or walking
person; ``--athlete-at X,Y[,T]``, ``--athlete-rank N``), and frames where the first pass
followed someone else are looked at again, constrained to that person (``gate``, ``decide``).
``meta["identity"]`` and the ``several_people``, ``identity_uncertain`` and ``no_runner`` flags
say who was analysed and where the identity is in doubt. Measured (tests/test_multi_person.py):
a single person gives the landmarks the athlete tracker alone gives.

Modules: ``geometry`` (pure: candidates, crops, tiles), ``landmarker`` (the only MediaPipe
code), ``tracker`` (follow one athlete: crops, search, re-acquisition, people count;
``track_settings``), ``identity`` / ``appearance`` / ``motion`` (everyone's tracks),
``choice`` (runners, the athlete), ``passes`` (one pass over the frames), ``decide`` / ``gate``
(keep, look again, doubt), ``extract`` (assemble ``Poses``, flags and meta).
"""

from stridecam.io.pose.choice import AthleteChoice
from stridecam.io.pose.extract import DEFAULT_MODE, MODES, PoseEstimator, extract_poses
from stridecam.io.pose.tracker import TrackSettings

__all__ = ["DEFAULT_MODE", "MODES", "AthleteChoice", "PoseEstimator", "TrackSettings",
           "extract_poses"]
