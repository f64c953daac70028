"""Parameters of a simulated run: the athlete, the camera, the landmark degradations and the look
of the rendered video.

All are frozen dataclasses with defaults (config is data). Units are in the names; angles in
degrees, SI otherwise. ``validate()`` raises ``ConfigError`` with a one-line message when a
combination cannot be simulated (for example a contact longer than the step).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from stridecam.model.errors import ConfigError

FPS_CHOICES = (30, 60, 120, 240)
SPEED_PROFILES = ("constant", "accelerating")
DIRECTIONS = ("left_to_right", "right_to_left")
FEET = ("left", "right")
#: longest ground distance the body may travel over one contact, in leg lengths
MAX_CONTACT_SPAN_LEGS = 1.25


@dataclass(frozen=True)
class AthleteParams:
    """A sprinter's body and gait.

    Timing (at maximal velocity, or the values reached late in an accelerating run):

    - ``step_frequency_hz``: steps per second (cadence / 60); step time = 1 / step_frequency_hz.
    - ``contact_time_s``: touchdown to toe-off of one foot; flight = step time - contact time.
    - ``v_max_m_s``: pelvis speed (constant profile) or its asymptote (accelerating profile:
      v(t) = v_max (1 - exp(-t / accel_tau_s)), t = time since the start signal). Step length is
      whatever the pelvis travels between touchdowns (v / step_frequency_hz at constant speed).
    - ``peak_thigh_flexion_deg``: peak angle of the swing thigh (hip to knee) from vertical,
      forward positive (knee drive). ``recovery_time_s``: toe-off to that peak.
    - ``knee_flexion_max_deg``: peak knee flexion in swing (0 = straight; ~130 = heel near buttock).
    - ``trunk_lean_deg``: trunk (hip mid-point to shoulder mid-point) from vertical, forward +.
    - ``arm_swing_deg``: peak-to-peak shoulder flexion range of the arms.
    - ``contact_asymmetry``: left contact time = contact_time_s * (1 + contact_asymmetry)
      (0.10 = left contact 10% longer; flight after it shorter, step time unchanged).
    - ``knee_drive_asymmetry_deg``: left peak thigh flexion = peak_thigh_flexion_deg - this.
    - ``step_variability_cv``: coefficient of variation of step time and of contact time,
      independently drawn per step from the seed.

    Stance shape (degrees): knee flexion at touchdown / toe-off, and foot pitch (heel above toe,
    the toe tip is the ground pivot) at touchdown, mid-stance and toe-off.

    Accelerating profile: at the start signal the gait takes the ``start_*`` values, which relax
    to the max-velocity values with time constant ``accel_tau_s``; ``start_offset_s`` is the time
    since the start signal at clip time 0. ``start_touchdown_shift_m`` moves the touchdown toe
    position back (negative) from where hip heights at touchdown and toe-off would be equal
    (early steps land under the body and push off far behind it).
    """

    height_m: float = 1.80
    v_max_m_s: float = 10.0
    step_frequency_hz: float = 4.6
    contact_time_s: float = 0.095
    peak_thigh_flexion_deg: float = 75.0
    recovery_time_s: float = 0.19
    knee_flexion_max_deg: float = 140.0
    trunk_lean_deg: float = 6.0
    arm_swing_deg: float = 110.0
    contact_asymmetry: float = 0.0
    knee_drive_asymmetry_deg: float = 0.0
    step_variability_cv: float = 0.0
    first_foot: str = "left"
    # stance shape
    knee_flexion_td_deg: float = 24.0
    knee_flexion_to_deg: float = 18.0
    foot_pitch_td_deg: float = 14.0
    foot_pitch_mid_deg: float = 5.0
    foot_pitch_to_deg: float = 62.0
    # speed profile
    speed_profile: str = "constant"
    accel_tau_s: float = 1.3
    start_offset_s: float = 0.8
    start_step_frequency_hz: float = 3.9
    start_contact_time_s: float = 0.17
    start_trunk_lean_deg: float = 45.0
    start_knee_flexion_td_deg: float = 40.0
    start_foot_pitch_mid_deg: float = 24.0
    start_touchdown_shift_m: float = -0.12

    def validate(self) -> AthleteParams:
        def need(ok: bool, what: str) -> None:
            if not ok:
                raise ConfigError(f"athlete: {what}")

        need(1.2 <= self.height_m <= 2.3, f"height_m={self.height_m} is outside 1.2-2.3 m")
        need(0.5 <= self.v_max_m_s <= 13.0, f"v_max_m_s={self.v_max_m_s} is outside 0.5-13 m/s")
        need(1.5 <= self.step_frequency_hz <= 6.0,
             f"step_frequency_hz={self.step_frequency_hz} is outside 1.5-6 Hz")
        need(self.speed_profile in SPEED_PROFILES,
             f"speed_profile={self.speed_profile!r}; use one of {SPEED_PROFILES}")
        need(self.first_foot in FEET, f"first_foot={self.first_foot!r}; use 'left' or 'right'")
        need(0.0 <= self.step_variability_cv <= 0.1,
             f"step_variability_cv={self.step_variability_cv} is outside 0-0.1")
        need(-0.3 <= self.contact_asymmetry <= 0.3,
             f"contact_asymmetry={self.contact_asymmetry} is outside -0.3..0.3")
        step_time = 1.0 / self.step_frequency_hz
        longest = self.contact_time_s * (1 + max(self.contact_asymmetry, 0.0))
        need(self.contact_time_s >= 0.05 and longest <= step_time - 0.02,
             f"contact_time_s={self.contact_time_s} (longest {longest:.3f} s) leaves no flight "
             f"in a step of {step_time:.3f} s; lower it or the step frequency")
        leg = 0.491 * self.height_m
        span = self.v_max_m_s * longest
        need(span <= MAX_CONTACT_SPAN_LEGS * leg,
             f"a contact of {longest:.3f} s at {self.v_max_m_s} m/s spans {span:.2f} m, "
             f"{span / leg:.2f} leg lengths; a planted foot spans at most "
             f"{MAX_CONTACT_SPAN_LEGS} (elite sprinters ~1.1): shorten contact_time_s or "
             f"lower v_max_m_s")
        if self.speed_profile == "accelerating":
            need(0.3 <= self.start_offset_s <= 10.0,
                 f"start_offset_s={self.start_offset_s} is outside 0.3-10 s")
            st = 1.0 / self.start_step_frequency_hz
            need(self.start_contact_time_s <= st - 0.02,
                 f"start_contact_time_s={self.start_contact_time_s} leaves no flight in a start "
                 f"step of {st:.3f} s")
        swing = 2 * step_time - longest
        need(0.05 <= self.recovery_time_s <= swing - 0.07,
             f"recovery_time_s={self.recovery_time_s} must be 0.05 s to swing time - 0.07 s "
             f"({swing - 0.07:.3f} s here)")
        need(self.peak_thigh_flexion_deg - abs(self.knee_drive_asymmetry_deg) >= 20.0 and
             self.peak_thigh_flexion_deg <= 100.0,
             f"peak_thigh_flexion_deg={self.peak_thigh_flexion_deg} is outside 20-100 deg")
        need(60.0 <= self.knee_flexion_max_deg <= 150.0,
             f"knee_flexion_max_deg={self.knee_flexion_max_deg} is outside 60-150 deg")
        need(-10.0 <= self.trunk_lean_deg <= 60.0,
             f"trunk_lean_deg={self.trunk_lean_deg} is outside -10..60 deg")
        return self


@dataclass(frozen=True)
class CameraParams:
    """A pinhole camera beside the lane (world: x forward, y up, z = athlete's right, metres).

    - ``distance_m``: perpendicular distance from the running line (z = 0) to the camera.
    - ``height_m``: camera height above the ground; ``aim_height_m``: height it looks at.
    - ``hfov_deg``: horizontal field of view of the image's width (focal length follows).
    - ``width_px`` x ``height_px``: the upright image; portrait when height > width.
    - ``fps``: one of 30, 60, 120, 240 (frame k is captured at time k / fps).
    - ``panning``: False = fixed camera aimed at ``x_m``; True = camera standing at ``x_m``
      rotating about the vertical to follow the pelvis, aiming ``pan_lead_m`` ahead of it.
      ``x_m`` None = half-way between the pelvis positions at the first and last frames.
    - ``direction``: running direction in the image. ``left_to_right`` puts the camera on the
      athlete's right side (+z), so the right limbs are the near ones; ``right_to_left`` the left.
    """

    distance_m: float = 10.0
    height_m: float = 1.2
    aim_height_m: float = 0.95
    hfov_deg: float = 60.0
    width_px: int = 1280
    height_px: int = 720
    fps: int = 120
    panning: bool = False
    x_m: float | None = None
    pan_lead_m: float = 0.3
    direction: str = "left_to_right"

    @property
    def portrait(self) -> bool:
        return self.height_px > self.width_px

    def validate(self) -> CameraParams:
        if self.fps not in FPS_CHOICES:
            raise ConfigError(f"camera: fps={self.fps}; use one of {FPS_CHOICES}")
        if self.direction not in DIRECTIONS:
            raise ConfigError(f"camera: direction={self.direction!r}; use one of {DIRECTIONS}")
        if not (1.0 <= self.distance_m <= 100.0):
            raise ConfigError(f"camera: distance_m={self.distance_m} is outside 1-100 m")
        if not (5.0 <= self.hfov_deg <= 120.0):
            raise ConfigError(f"camera: hfov_deg={self.hfov_deg} is outside 5-120 deg")
        if self.width_px < 64 or self.height_px < 64 or self.width_px % 2 or self.height_px % 2:
            raise ConfigError(f"camera: {self.width_px}x{self.height_px} px must be even, >= 64")
        return self


@dataclass(frozen=True)
class Degradations:
    """Landmark-level faults for testing the analysis stages; every one is off by default.

    - ``jitter_px``: standard deviation of Gaussian pixel noise added to every landmark.
    - ``drop_frames_frac``: fraction of frames removed from the sequence (gaps in time_s and
      frame_index, as when a phone drops frames).
    - ``missing_pose_frac``: fraction of kept frames where no athlete is found (all NaN).
    - ``n_lr_swaps``: number of short stretches (2-6 frames) with the left and right leg
      landmarks exchanged (hip, knee, ankle, heel, foot_index).
    - ``far_leg_low_visibility``: the far leg's visibility drawn in 0.2-0.6 (and its jitter
      doubled when ``jitter_px`` > 0); otherwise every visibility is 1.
    - ``repeated_frames_frac``: fraction of frames whose landmarks are a stale copy of the
      previous frame (a duplicated video frame that was not dropped), at their own time_s.
    - ``frame_timing_jitter_frac``: capture times jittered by this fraction of the nominal
      frame interval (uniform +-), time_s reporting the true, irregular capture times; the
      landmarks are those of the true capture times.
    """

    jitter_px: float = 0.0
    drop_frames_frac: float = 0.0
    missing_pose_frac: float = 0.0
    n_lr_swaps: int = 0
    far_leg_low_visibility: bool = False
    repeated_frames_frac: float = 0.0
    frame_timing_jitter_frac: float = 0.0

    def validate(self) -> Degradations:
        for name in ("drop_frames_frac", "missing_pose_frac", "repeated_frames_frac"):
            v = getattr(self, name)
            if not 0.0 <= v < 0.5:
                raise ConfigError(f"degradations: {name}={v} is outside 0-0.5")
        if not 0.0 <= self.frame_timing_jitter_frac <= 0.45:
            raise ConfigError("degradations: frame_timing_jitter_frac must be 0-0.45")
        if self.jitter_px < 0 or self.n_lr_swaps < 0:
            raise ConfigError("degradations: jitter_px and n_lr_swaps must be >= 0")
        return self


@dataclass(frozen=True)
class RenderParams:
    """How a simulated run looks on video (pixels only: the ground truth never depends on these).

    - ``shutter_s``: exposure time of each frame, centred on the frame time; None = half the
      frame interval, 1 / (2 fps) (the "180 degree" shutter); 0 = no motion blur.
    - ``blur_step_px``: motion blur is the mean of sub-frame renders of the athlete spread over
      the exposure, as many as make the fastest landmark move at most this far between two
      (``blur_samples`` > 0 fixes the number instead), capped at ``max_blur_samples``. The
      background of a panning camera is blurred along its image motion over the exposure.
    - ``kit``, ``skin_tone``, ``track_surface``: names from ``stridecam.simulate.looks``
      (``KITS``, ``SKIN_TONES``, ``TRACK_SURFACES``); None = drawn from the run's seed and preset.
    - ``track_grain_contrast``: scale of the rubber's granular texture (1 = the default look,
      0 = a flat colour).
    - ``sun_elevation_deg``: height of the sun above the horizon; ``sun_azimuth_deg``: the
      direction shadows fall on the ground, degrees from "straight towards the camera" towards
      the running direction (0 = below the feet in the image, +-90 = along the lane, 180 = away
      from the camera); None = drawn from the seed (shadows falling towards the camera side).
    - ``shadow_opacity``: darkening by the athlete's sun shadow (0..1);
      ``contact_shadow_opacity``: extra darkening right under a foot on or near the ground.
    - ``shadow_penumbra_m``: softness (Gaussian sigma on the ground) of the shadow's edge.
    """

    shutter_s: float | None = None
    blur_step_px: float = 1.0
    blur_samples: int = 0
    max_blur_samples: int = 32
    kit: str | None = None
    skin_tone: str | None = None
    track_surface: str | None = None
    track_grain_contrast: float = 1.0
    sun_elevation_deg: float | None = None
    sun_azimuth_deg: float | None = None
    shadow_opacity: float = 0.45
    contact_shadow_opacity: float = 0.35
    shadow_penumbra_m: float = 0.025

    def exposure_s(self, fps: float) -> float:
        """The exposure time at ``fps`` frames per second."""
        return 0.5 / float(fps) if self.shutter_s is None else float(self.shutter_s)

    def validate(self, fps: float | None = None) -> RenderParams:
        from stridecam.simulate.looks import KITS, SKIN_TONES, TRACK_SURFACES

        def need(ok: bool, what: str) -> None:
            if not ok:
                raise ConfigError(f"render: {what}")

        for name, table in (("kit", KITS), ("skin_tone", SKIN_TONES),
                            ("track_surface", TRACK_SURFACES)):
            v = getattr(self, name)
            need(v is None or v in table, f"{name}={v!r}; use one of {', '.join(table)}")
        if self.shutter_s is not None:
            need(self.shutter_s >= 0, f"shutter_s={self.shutter_s} must be >= 0")
            if fps:
                need(self.shutter_s <= 1.0 / fps,
                     f"shutter_s={self.shutter_s} is longer than a frame (1/{fps} s)")
        need(self.blur_step_px > 0, f"blur_step_px={self.blur_step_px} must be > 0")
        need(0 <= self.blur_samples <= 256, f"blur_samples={self.blur_samples} is outside 0-256")
        need(1 <= self.max_blur_samples <= 256,
             f"max_blur_samples={self.max_blur_samples} is outside 1-256")
        need(0.0 <= self.track_grain_contrast <= 4.0,
             f"track_grain_contrast={self.track_grain_contrast} is outside 0-4")
        if self.sun_elevation_deg is not None:
            need(15.0 <= self.sun_elevation_deg <= 90.0,
                 f"sun_elevation_deg={self.sun_elevation_deg} is outside 15-90 deg")
        for name in ("shadow_opacity", "contact_shadow_opacity"):
            v = getattr(self, name)
            need(0.0 <= v <= 1.0, f"{name}={v} is outside 0-1")
        need(0.0 <= self.shadow_penumbra_m <= 0.5,
             f"shadow_penumbra_m={self.shadow_penumbra_m} is outside 0-0.5 m")
        return self


def to_dict(params: Any) -> dict[str, Any]:
    """A JSON-ready dict of a parameter dataclass."""
    return dataclasses.asdict(params)


def from_dict(cls: type, data: dict[str, Any]) -> Any:
    """Build ``cls`` from a dict; unknown keys are a ``ConfigError`` naming the closest field."""
    import difflib

    names = [f.name for f in dataclasses.fields(cls)]
    for key in data:
        if key not in names:
            close = difflib.get_close_matches(key, names, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ConfigError(f"{cls.__name__}: unknown setting {key!r}{hint}")
    return cls(**data)
