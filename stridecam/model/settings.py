"""Settings as data: one frozen object per stage, defaults in one place, units in every name.

``Settings`` groups them: ``pose`` (what changes the landmarks, and so their cache key),
``calibration`` (what the user says about scale), and ``analysis`` (cleaning, contacts, steps,
summary and view check). The whole object is recorded in ``summary.json`` and in a batch's
done-key, and can be read from a TOML file (``stridecam.io.config.load_settings``); a key the
file misspells is an error that names the closest valid key.

Lengths ending in ``_leg`` are in leg lengths (hip to ankle = 1), so they hold for any camera
and scale; ``_s`` seconds, ``_hz`` hertz, ``_deg`` degrees, ``_px`` pixels, ``_m`` metres.
Invalid values raise ``ConfigError`` when the object is made, before any expensive work.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from stridecam.model.errors import ConfigError
from stridecam.model.evidence_settings import EvidenceSettings
from stridecam.model.timescale_settings import TimeScaleSettings

#: Pose model variants and running modes the pose stage knows.
MODEL_VARIANTS = ("lite", "full", "heavy")
POSE_MODES = ("video", "image")
#: Plausible adult standing height, metres.
HEIGHT_RANGE_M = (1.0, 2.5)
#: Calibration points closer than this (px) cannot define a scale.
MIN_POINT_DISTANCE_PX = 5.0


@dataclass(frozen=True)
class PoseSettings:
    """Settings that change the landmarks (and so the cache key).

    ``model_variant``: lite / full / heavy; ``model_path``: an explicit ``.task`` file (wins over
    the variant); ``mode``: "video" (MediaPipe's tracking and smoothing; the default, measured
    to time ground contacts better) or "image" (detector every frame; more accurate pixels);
    ``capture_fps``: real capture rate of a slow-motion clip (None = from the container).
    Who the athlete is when several people are in view (default: the runner nearest the
    camera): ``athlete_at`` = (x, y) or (x, y, t): a point in the image (px) on the person, at
    capture time t seconds (default the first frame); ``athlete_rank`` = N: the Nth runner from
    the camera.
    """

    model_variant: str = "full"
    model_path: str | None = None
    mode: str = "video"
    capture_fps: float | None = None
    athlete_at: tuple[float, ...] | None = None
    athlete_rank: int | None = None

    def __post_init__(self) -> None:
        if self.model_variant not in MODEL_VARIANTS:
            raise ConfigError(f"model_variant {self.model_variant!r}: use one of "
                              f"{', '.join(MODEL_VARIANTS)}")
        if self.mode not in POSE_MODES:
            raise ConfigError(f"pose mode {self.mode!r}: use one of {', '.join(POSE_MODES)}")
        if self.capture_fps is not None and not (math.isfinite(self.capture_fps)
                                                 and self.capture_fps > 0):
            raise ConfigError(f"--capture-fps {self.capture_fps}: must be a positive number "
                              "of frames per second")
        if self.athlete_at is not None and self.athlete_rank is not None:
            raise ConfigError("--athlete-at and --athlete-rank: give one of them")
        at = self.athlete_at
        if at is not None and not (len(at) in (2, 3) and all(math.isfinite(v) for v in at)
                                   and (len(at) == 2 or at[2] >= 0)):
            raise ConfigError(f"--athlete-at {','.join(f'{v:g}' for v in at)}: give X,Y (image "
                              "pixels) or X,Y,T (T: seconds into the clip, >= 0)")
        if self.athlete_rank is not None and self.athlete_rank < 1:
            raise ConfigError(f"--athlete-rank {self.athlete_rank}: 1 is the runner nearest the "
                              "camera, 2 the next...")


Point = tuple[float, float]


@dataclass(frozen=True)
class Calibration:
    """What the user told about scale (all optional; the best given one is used: ground
    rectangle > two points > height > none, then lengths are in leg lengths).

    ``height_m``: athlete standing height; ``two_points_px`` + ``two_points_m``: two image
    points (px) and their distance (m), at the athlete's depth; ``ground_rect_px`` +
    ``ground_rect_m``: four image corners (px, in order) of a ground rectangle and its
    (width, length) in metres.
    """

    height_m: float | None = None
    two_points_px: tuple[Point, Point] | None = None
    two_points_m: float | None = None
    ground_rect_px: tuple[Point, Point, Point, Point] | None = None
    ground_rect_m: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if self.height_m is not None:
            low, high = HEIGHT_RANGE_M
            if not (math.isfinite(self.height_m) and low <= self.height_m <= high):
                raise ConfigError(f"--height-m {self.height_m}: expected an adult height in "
                                  f"metres ({low}-{high})")
        if (self.two_points_px is None) != (self.two_points_m is None):
            raise ConfigError("--two-points and --two-points-m go together")
        if (self.ground_rect_px is None) != (self.ground_rect_m is None):
            raise ConfigError("--ground-rect and --ground-rect-m go together")
        if self.two_points_px is not None and self.two_points_m is not None:
            (x1, y1), (x2, y2) = self.two_points_px
            if math.hypot(x2 - x1, y2 - y1) < MIN_POINT_DISTANCE_PX:
                raise ConfigError(f"--two-points {x1:g},{y1:g},{x2:g},{y2:g}: the two points "
                                  f"must be at least {MIN_POINT_DISTANCE_PX:g} px apart")
            if not (math.isfinite(self.two_points_m) and self.two_points_m > 0):
                raise ConfigError(f"--two-points-m {self.two_points_m}: must be a positive "
                                  "distance in metres")
        if self.ground_rect_px is not None and self.ground_rect_m is not None:
            _check_rectangle(self.ground_rect_px, self.ground_rect_m)

    @property
    def given(self) -> bool:
        """True when any scale was given (lengths can be in metres)."""
        return any(v is not None for v in (self.height_m, self.two_points_m, self.ground_rect_m))


def _check_rectangle(corners: tuple[Point, ...], size_m: tuple[float, float]) -> None:
    if len(corners) != 4:
        raise ConfigError(f"--ground-rect: needs 4 corners, got {len(corners)}")
    if len(size_m) != 2 or not all(math.isfinite(v) and v > 0 for v in size_m):
        raise ConfigError(f"--ground-rect-m {size_m}: width and length must be positive metres")
    # a rectangle seen in perspective is a convex quadrilateral: walking its corners in order,
    # every turn has the same sign (a bow-tie or arrow shape means corners out of order)
    turns = [_cross(corners[i], corners[(i + 1) % 4], corners[(i + 2) % 4]) for i in range(4)]
    # shoelace area: collinear or repeated corners span (almost) no area
    area = 0.5 * abs(sum(corners[i][0] * corners[(i + 1) % 4][1]
                         - corners[(i + 1) % 4][0] * corners[i][1] for i in range(4)))
    crossed = _segments_cross(corners[0], corners[1], corners[2], corners[3]) or \
        _segments_cross(corners[1], corners[2], corners[3], corners[0])
    if area < MIN_POINT_DISTANCE_PX ** 2 and not crossed:
        raise ConfigError("--ground-rect: the four corners span no area (repeated or collinear "
                          "points); give the corners of a rectangle on the ground, in order")
    if not (all(t > 0 for t in turns) or all(t < 0 for t in turns)):
        raise ConfigError("--ground-rect: the corners are not in order around one rectangle (its "
                          "edges cross or bend inwards); give them clockwise or anticlockwise")


def _cross(a: Point, b: Point, c: Point) -> float:
    """z of (b - a) x (c - b): the turn at b walking a -> b -> c."""
    return (b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0])


def _segments_cross(a: Point, b: Point, c: Point, d: Point) -> bool:
    """True if segments ab and cd cross at a point inside both."""
    return (_cross(a, b, c) * _cross(a, b, d) < 0) and (_cross(c, d, a) * _cross(c, d, b) < 0)


@dataclass(frozen=True)
class CleanSettings:
    """``stridecam.analysis.clean``: gaps up to ``max_gap_s`` are interpolated; each unbroken
    stretch is low-passed at ``cutoff_hz``; isolated outliers are further than
    ``outlier_sigmas`` robust SDs and ``outlier_min_leg`` from the median of the
    ``outlier_half_window`` samples each side; camera pan / treadmill belt motion is removed
    when ``remove_camera_motion``; ``flat_foot_leg``: height within which a foot counts as flat
    on the ground when the pan is estimated from stance feet. ``start_s`` / ``end_s``: the part
    of the clip analysed (seconds of capture time; None = to the end); ``direction``: "auto"
    (found from the motion), "left_to_right" or "right_to_left" (as seen in the image)."""

    max_gap_s: float = 0.1
    cutoff_hz: float = 25.0
    remove_camera_motion: bool = True
    outlier_half_window: int = 3
    outlier_sigmas: float = 5.0
    outlier_min_leg: float = 0.15
    flat_foot_leg: float = 0.03
    start_s: float = 0.0
    end_s: float | None = None
    direction: str = "auto"

    def __post_init__(self) -> None:
        if not (math.isfinite(self.start_s) and self.start_s >= 0):
            raise ConfigError(f"--start {self.start_s:g}: must be 0 or more seconds")
        if self.end_s is not None and not (math.isfinite(self.end_s)
                                           and self.end_s > self.start_s):
            raise ConfigError(f"--end {self.end_s:g}: must be after --start ({self.start_s:g} s)")
        if self.direction not in DIRECTIONS:
            raise ConfigError(f"--direction {self.direction}: use one of {', '.join(DIRECTIONS)}")


#: Running directions ``--direction`` takes ("auto": found from the motion).
DIRECTIONS = ("auto", "left_to_right", "right_to_left")


@dataclass(frozen=True)
class ContactSettings:
    """``stridecam.analysis.events``: where the contacts are and when they start and end.

    Where: ``prominence_leg`` (least depth of a valley of the lowest foot's height),
    ``max_floor_leg`` (how far above the low valleys around it a valley may lie), ``grow_leg``
    (the band above a contact's floor that counts as on the ground), ``air_leg`` (height above
    that band that ends a contact at once), ``stance_tol_leg`` (how far the stance position may
    wander), ``same_place_leg`` (stretches this close merge), ``merge_gap_s`` (failing samples
    bridged inside a contact), ``swing_tolerance`` (a foot moving forward relative to the hip
    faster than this fraction of the body's speed is swinging), ``still_fraction`` (fewest
    stance-like samples of a contact). When: ``timing_leg``, ``band_leg``, ``fit_s``,
    ``edge_part`` (the part of the contact whose ``floor_percentile`` is the floor at each
    end), ``subframe`` (False: whole samples). ``toe_tip``: time toe-off on the estimated toe
    tip (at most ``max_tip_leg`` beyond the toe landmark). Contacts shorter than
    ``min_contact_s`` are noise; longer than ``max_contact_s`` no running step (set position,
    standing, a stalled track). Uncertainty of an event timed on the landmarks (1 sigma):
    ``landmark_event_sd_s`` (the tracker's foot scatter) and ``landmark_event_sd_frames`` frame
    intervals added in quadrature (values measured against truth: VALIDATION.md).
    """

    prominence_leg: float = 0.05
    max_floor_leg: float = 0.15
    grow_leg: float = 0.08
    air_leg: float = 0.16
    stance_tol_leg: float = 0.5
    same_place_leg: float = 0.25
    merge_gap_s: float = 0.03
    swing_tolerance: float = 0.25
    still_fraction: float = 0.5
    timing_leg: float = 0.02
    band_leg: float = 0.10
    fit_s: float = 0.04
    edge_part: float = 0.34
    floor_percentile: float = 25.0
    min_contact_s: float = 0.03
    max_contact_s: float = 1.0
    toe_tip: bool = True
    max_tip_leg: float = 0.15
    subframe: bool = True
    landmark_event_sd_s: float = 0.008
    landmark_event_sd_frames: float = 1.2


@dataclass(frozen=True)
class StepSettings:
    """``stridecam.analysis.metrics``: a "step" longer than ``max_step_time_factor`` times the
    clip's median touchdown interval spans a missed contact and is not measured; angular
    velocities are Savitzky-Golay derivatives over ``derivative_window_s`` of the thigh angles
    low-passed at ``omega_cutoff_hz`` (the peak of a derivative of noisy landmarks is biased
    high: on rendered clips through MediaPipe the peak thigh angular velocity read +249 deg/s
    on average unfiltered, +5 deg/s at 12 Hz, -46 at 10 Hz; VALIDATION.md); the hip mid-point's
    position scatters by ``hip_sd_leg`` leg lengths (1 sigma) for the step length uncertainty;
    ``step_length_from``: "hip" (the hip mid-point's travel from touchdown to touchdown) or
    "feet" (the distance between the two stance feet, each averaged over its contact); both
    are measured against truth in VALIDATION.md."""

    max_step_time_factor: float = 1.5
    derivative_window_s: float = 0.04
    omega_cutoff_hz: float = 12.0
    hip_sd_leg: float = 0.01
    step_length_from: str = "hip"

    def __post_init__(self) -> None:
        if self.step_length_from not in ("hip", "feet"):
            raise ConfigError(f"steps.step_length_from {self.step_length_from!r}: use 'hip' or "
                              "'feet'")


@dataclass(frozen=True)
class SummarySettings:
    """``stridecam.analysis.summary`` and the run's data-quality flags: run values need
    ``min_chain_steps`` consecutive steps; the run is an acceleration when even the low end of
    the 95% interval of the step speeds' slope exceeds ``accel_threshold_leg_s2`` leg lengths
    per s^2 (0.5 m/s^2 for a 0.9 m leg); top speed is the fitted v(t) of an acceleration at its
    last step, the run's speed over its consecutive steps at maximal velocity (no measurable
    change of speed), else the highest mean speed over ``top_speed_steps`` steps; fewer
    than ``min_steps`` complete steps and fewer than ``low_fps`` distinct frames per second are
    flagged."""

    min_chain_steps: int = 3
    accel_threshold_leg_s2: float = 0.55
    top_speed_steps: int = 2
    min_steps: int = 3
    low_fps: float = 60.0


@dataclass(frozen=True)
class ViewSettings:
    """``stridecam.analysis.view``: a median horizontal hip+shoulder width above
    ``max_side_width_leg`` leg lengths is not a side view (per-clip values: VALIDATION.md)."""

    max_side_width_leg: float = 0.22


@dataclass(frozen=True)
class AnalysisSettings:
    """Every setting of the analysis, by stage. ``image_evidence``: time touchdowns and
    toe-offs from the frames where they decide (``io.evidence``; needs the video), with its
    ``evidence`` settings; ``timescale``: slow motion recognised from the motion."""

    timescale: TimeScaleSettings = field(default_factory=TimeScaleSettings)
    clean: CleanSettings = field(default_factory=CleanSettings)
    contacts: ContactSettings = field(default_factory=ContactSettings)
    image_evidence: bool = True
    evidence: EvidenceSettings = field(default_factory=EvidenceSettings)
    steps: StepSettings = field(default_factory=StepSettings)
    summary: SummarySettings = field(default_factory=SummarySettings)
    view: ViewSettings = field(default_factory=ViewSettings)


@dataclass(frozen=True)
class Settings:
    """Everything that decides a run's outputs (recorded whole in ``summary.json``)."""

    pose: PoseSettings = field(default_factory=PoseSettings)
    calibration: Calibration = field(default_factory=Calibration)
    analysis: AnalysisSettings = field(default_factory=AnalysisSettings)


def settings_from_dict(data: dict, where: str = "settings", base: Settings | None = None
                       ) -> Settings:
    """``base`` (default: the defaults) with the values of ``data`` put in: tables ``pose``,
    ``calibration`` and ``analysis.<stage>`` as in ``Settings``. An unknown key is a
    ``ConfigError`` naming ``where``, the key and the closest valid key; a value of the wrong
    type or out of range too."""
    filled: Settings = _fill(Settings, base or Settings(), data, where, "")
    return filled


def _fill(cls: type, base: Any, data: object, where: str, prefix: str) -> Any:
    import dataclasses
    import typing

    from stridecam.model.errors import unknown_key

    if not isinstance(data, dict):
        raise ConfigError(f"{where}: '{prefix.rstrip('.') or 'settings'}' must be a table")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    changes = {}
    for key, value in data.items():
        if key not in fields:
            raise ConfigError(f"{where}: {unknown_key(key, list(fields), prefix)}")
        tp, current = hints[key], getattr(base, key)
        if isinstance(tp, type) and dataclasses.is_dataclass(tp):
            changes[key] = _fill(tp, current, value, where, f"{prefix}{key}.")
        else:
            changes[key] = _value(tp, value, where, f"{prefix}{key}")
    try:
        return dataclasses.replace(base, **changes)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _value(tp: object, value: object, where: str, key: str) -> object:
    """A TOML value checked against a settings field's type (lists become tuples)."""
    import types
    import typing

    options = typing.get_args(tp) if typing.get_origin(tp) in (typing.Union, types.UnionType) \
        else (tp,)
    for option in options:
        if option is bool and isinstance(value, bool):
            return value
        if option is int and isinstance(value, int) and not isinstance(value, bool):
            return value
        if option is float and isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if option is str and isinstance(value, str):
            return value
        if typing.get_origin(option) is tuple and isinstance(value, list):
            return tuple(tuple(v) if isinstance(v, list) else v for v in value)
    raise ConfigError(f"{where}: '{key}' = {value!r} has the wrong type (expected {tp})")
