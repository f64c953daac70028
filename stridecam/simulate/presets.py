"""Named simulated runs (athlete + camera + duration + seed), and the bundled samples.

Each preset is deterministic: ``simulate_preset(name)`` gives identical arrays every time.

- ``balanced``: a good sprinter at max velocity (10 m/s, 4.6 steps/s, 0.095 s contacts, 75 deg
  knee drive reached 0.19 s after toe-off), fixed camera; the clip is as long as the athlete is
  in view.
- ``balanced_pan``: the same athlete, panning camera, 3 s.
- ``slow_recycling``: low knee drive (55 deg), late peak (0.26 s after toe-off), less knee fold;
  panning camera.
- ``force_limited``: long contacts (0.135 s), short flight, lower speed; panning camera.
- ``acceleration``: a start, accelerating v(t) = 10.5 (1 - exp(-t / 1.3)) m/s from 0.8 s after
  the start signal, trunk lean and contacts relaxing from start values; panning camera.
- ``acceleration_static``: the same from 0.65 s after the start, fixed camera, 1.25 s.
- ``asymmetric``: left contact 12% longer and left knee drive 8 deg lower; step variability.
- ``portrait``: balanced athlete filmed by a panning phone held upright (720x1280), 60 fps.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from stridecam.model.errors import ConfigError
from stridecam.simulate.params import AthleteParams, CameraParams
from stridecam.simulate.simrun import SimRun, simulate

PAN = CameraParams(distance_m=10.0, hfov_deg=36.0, panning=True)


@dataclass(frozen=True)
class Preset:
    athlete: AthleteParams
    camera: CameraParams
    duration_s: float
    seed: int = 1
    description: str = ""


PRESETS: dict[str, Preset] = {
    "balanced": Preset(AthleteParams(), CameraParams(distance_m=10.0, hfov_deg=44.0), 0.6,
                       description="good max-velocity sprinter, fixed camera"),
    "balanced_pan": Preset(AthleteParams(), PAN, 3.0,
                           description="good max-velocity sprinter, panning camera"),
    "slow_recycling": Preset(
        AthleteParams(v_max_m_s=9.0, step_frequency_hz=4.2, contact_time_s=0.1,
                      peak_thigh_flexion_deg=55.0, recovery_time_s=0.26,
                      knee_flexion_max_deg=100.0, trunk_lean_deg=4.0, arm_swing_deg=90.0),
        PAN, 3.0, description="swing leg re-cycles slowly: low knee drive, long recovery"),
    "force_limited": Preset(
        AthleteParams(v_max_m_s=8.0, step_frequency_hz=4.3, contact_time_s=0.135,
                      peak_thigh_flexion_deg=70.0, recovery_time_s=0.2,
                      knee_flexion_td_deg=28.0, knee_flexion_max_deg=120.0),
        PAN, 3.0, description="long contacts, short flight"),
    "acceleration": Preset(
        AthleteParams(v_max_m_s=10.5, speed_profile="accelerating", step_frequency_hz=4.5,
                      contact_time_s=0.1, trunk_lean_deg=8.0, start_offset_s=0.8),
        PAN, 3.0, description="accelerating start (from 0.8 s after the start signal), panning"),
    "acceleration_static": Preset(
        AthleteParams(v_max_m_s=10.5, speed_profile="accelerating", step_frequency_hz=4.5,
                      contact_time_s=0.1, trunk_lean_deg=8.0, start_offset_s=0.65),
        CameraParams(distance_m=10.0, hfov_deg=50.0), 1.25,
        description="accelerating start (from 0.65 s after the start signal), fixed camera"),
    "asymmetric": Preset(
        AthleteParams(contact_asymmetry=0.12, knee_drive_asymmetry_deg=8.0,
                      step_variability_cv=0.03), PAN, 3.0,
        description="left contact 12% longer, left knee drive 8 deg lower, variable steps"),
    "portrait": Preset(AthleteParams(), dataclasses.replace(PAN, width_px=720, height_px=1280,
                                                             hfov_deg=22.0, fps=60), 3.0,
                       description="panning phone held upright, 60 fps"),
}

#: The presets rendered to sample_videos/ (120 fps, their own seed) by ``make_samples``.
SAMPLES = ("balanced_pan", "slow_recycling", "acceleration_static")


def get_preset(name: str) -> Preset:
    if name not in PRESETS:
        import difflib

        close = difflib.get_close_matches(name, PRESETS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ConfigError(f"unknown simulator preset {name!r}{hint} (have: {', '.join(PRESETS)})")
    return PRESETS[name]


def simulate_preset(name: str, seed: int | None = None, fps: int | None = None,
                    duration_s: float | None = None, **camera_changes) -> SimRun:
    """Simulate a named preset, optionally overriding its seed, fps, duration or camera."""
    p = get_preset(name)
    cam = p.camera
    if fps is not None:
        camera_changes["fps"] = fps
    if camera_changes:
        cam = dataclasses.replace(cam, **camera_changes)
    return simulate(p.athlete, cam, p.duration_s if duration_s is None else duration_s,
                    p.seed if seed is None else seed, preset=name)
