"""``EvidenceSettings``: every threshold of the image-evidence stage, with its unit.

Unit suffixes: ``_s`` seconds, ``_px`` image pixels, ``_foot`` foot lengths in the image (heel
to toe landmark distance, the clip's median; so a threshold holds for a small athlete far away
and for a close phone alike), ``_frames`` frames, no suffix: a dimensionless number.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from stridecam.model.errors import ConfigError


@dataclass(frozen=True)
class EvidenceSettings:
    """Thresholds of ``stridecam.io.evidence.refine_contacts`` (all validated on creation)."""

    margin_s: float = 0.15
    """Frames are read from this long before the landmark touchdown to this long after the
    landmark toe-off (landmark events are off by up to ~3 frames at 30 fps)."""
    min_margin_frames: int = 4
    """...and at least this many frames on each side, at any frame rate."""
    min_foot_px: float = 10.0
    """A foot shorter than this in the image is too small for image evidence (landmarks kept)."""
    work_foot_px: float = 48.0
    """Crops of a larger foot are shrunk so that it is this long (pixels) before tracking."""
    roi_half_width_foot: float = 1.5
    """Half-width of the region read around the stance foot (foot lengths), before any ground
    motion is added."""
    roi_above_foot: float = 1.2
    """Region read above the foot's lowest point (foot lengths)."""
    roi_below_foot: float = 0.8
    """Region read below the foot's lowest point (foot lengths): the ground strip lives here."""
    feature_box_margin_foot: float = 0.3
    """Features are taken in the heel-toe box of the stance foot grown by this (foot lengths)."""
    feature_box_toe_foot: float = 0.6
    """...and by this on the toe's side (foot lengths): the pose tracker's toe point sits behind
    the tip of the shoe, the last part to leave the ground."""
    feature_box_above_foot: float = 0.6
    """...from this far above the foot's lowest point (foot lengths; the shoe, not the shin)."""
    feature_box_below_foot: float = 0.25
    """...down to this far below it (foot lengths; the sole and the ground line)."""
    max_features: int = 60
    """Corners tracked per contact (Shi-Tomasi, ``cv2.goodFeaturesToTrack``)."""
    feature_quality: float = 0.02
    """Shi-Tomasi quality level: corners weaker than this fraction of the strongest are dropped."""
    min_feature_distance_px: float = 2.0
    """Smallest distance between two tracked corners (pixels)."""
    track_window_foot: float = 0.35
    """Side of the Lucas-Kanade window (foot lengths; at least 5 px, at most 31 px)."""
    max_forward_backward_foot: float = 0.025
    """A step of a tracked corner whose forward-backward Lucas-Kanade error exceeds this (foot
    lengths; motion blur of a close, fast foot makes it larger) is a lost track..."""
    max_forward_backward_min_px: float = 0.7
    """...but this many pixels are always allowed."""
    planted_tol_foot: float = 0.2
    """A corner counts as planted while it stays within this (foot lengths) of its mid-stance
    place, moved with the ground. Generous on purpose: the shoe rolls over the ground."""
    drift_span_s: float = 0.05
    """...of its place this long before (after) in the run, or at mid-stance if nearer: so a
    small error of the ground's motion or the shoe's slow roll does not add up."""
    planted_tol_min_px: float = 1.0
    """...and never less than this (tracking noise)."""
    patch_foot: float = 0.3
    """Side of the patch around a corner (foot lengths) used to test that it is on the foot."""
    ground_ncc_max: float = 0.6
    """A corner whose patch at mid-stance matches the same ground place at both ends of the
    window this well (normalised cross-correlation) is ground, not foot."""
    min_features: int = 2
    """Fewer planted foot corners than this: no image evidence."""
    min_mid_ncc: float = 0.4
    """The foot patch at mid-stance must match a neighbouring frame (moved with the ground) at
    least this well, or the foot is not planted there and the image cannot decide."""
    max_shift_s: float = 0.1
    """An image event further than this from its landmark event is not trusted (something else
    was tracked); the landmark event is kept."""
    still_hip_ratio: float = 1.0
    """Hips crossing the image faster than this many times the stance foot's landmark speed
    (both medians over the contacts): a still camera the athlete runs past, the ground does
    not move. Slower: a camera following the athlete, or a treadmill: the ground moves."""
    max_speed_change: float = 0.5
    """On moving ground, the stance foot's motion through mid-stance may differ from the
    clip's typical landmark stance motion by this fraction of its speed (more: the background
    or a swinging foot was tracked)."""
    steady_tol_foot: float = 0.08
    """The foot's motion just before and just after mid-stance may differ by this (foot lengths
    per frame) for it to count as a steady belt motion, and the strip's ground motion may differ
    from the foot's by this to count as the same motion."""
    steady_span_s: float = 0.05
    """A belt's speed is the foot's motion over this long before and after mid-stance."""
    min_strip_response: float = 0.1
    """Phase-correlation peak below which the ground strip's motion is unknown."""
    image_sigma_frames: float = 0.6
    """1-sigma timing uncertainty of a clear image edge, in frame intervals (measured with
    tools/measure_evidence.py: RMS 22-25 ms against frames labelled by eye on eight 30 fps
    and one 60 fps clip, the labels' own whole-frame quantisation included); an edge that
    only one corner supports gets more (see ``refine``)."""

    pan_camera: bool = False
    """Use the panning-camera mode (the ground followed through a strip beside the foot). Off by
    default: on rendered panning clips it mistimed events (p95 error 44 ms at 120 fps: the
    track's texture, seen at a grazing angle, has too little detail along the running direction
    to follow), and no real panning clip is labelled; contacts on a panning camera then keep
    their landmark timing and say so (``evidence_note`` "pan_camera_off")."""

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) and f.type in ("bool", bool):
                continue
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise ConfigError(f"evidence.{f.name}: must be a number, got {value!r}")
            if not value >= 0:
                raise ConfigError(f"evidence.{f.name}: must be >= 0, got {value!r}")
        if self.min_features < 1 or self.max_features < self.min_features:
            raise ConfigError("evidence.min_features must be >= 1 and <= max_features")
        if not 0 < self.ground_ncc_max <= 1 or not -1 <= self.min_mid_ncc <= 1:
            raise ConfigError("evidence.ground_ncc_max must be in (0, 1], min_mid_ncc in [-1, 1]")


#: The defaults (a module constant, so function signatures need not call the constructor).
DEFAULT_SETTINGS = EvidenceSettings()
