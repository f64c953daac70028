"""Several people in one simulated scene (a group start, a training pair, a starter by the track),
each with exact ground truth.

    group = simulate_group([Member(), Member(AthleteParams(v_max_m_s=9), lane_m=1.22,
                                          x_offset_m=-3.0), Member(standing=True, lane_m=-2.5)],
                           CameraParams(panning=True), duration_s=3.0, seed=1)
    group.members[1].events, group.members[1].steps   # truth of runner 1
    member_poses(group, 1)                            # its landmarks as Poses (exact)
    render_group_clip(group, "pair.mp4")              # stridecam.simulate.group_render

Every member moves in its own plane: ``lane_m`` metres beyond the followed runner's running line
(away from the camera; negative = nearer), ``x_offset_m`` metres ahead of it along the lane at
clip time 0 (then each runs at its own speed). ``follow`` names the runner the camera is set up
for: a panning camera turns with it, a fixed one is centred on its path, exactly as a
single-runner ``simulate`` of that runner (which it is: ``GroupRun.lead`` is that ``SimRun``).
A standing member
(``standing=True``) is a ``StandingModel`` at ``x_offset_m`` from the followed runner's position
at clip time 0; it has no events and no steps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from stridecam.model.columns import EVENT_COLUMNS, STEP_COLUMNS
from stridecam.model.errors import ConfigError
from stridecam.model.landmarks import IDX
from stridecam.model.poses import Poses
from stridecam.simulate.camera import CameraTrack, camera_track
from stridecam.simulate.params import AthleteParams, CameraParams
from stridecam.simulate.runner import RunnerModel
from stridecam.simulate.simrun import SimRun, n_frames_for, simulate
from stridecam.simulate.skeleton import body_points, landmarks_world
from stridecam.simulate.standing import StandingModel

ROLES = ("runner", "standing")


@dataclass(frozen=True)
class Member:
    """One person of a group scene (see the module docstring for the placement).

    ``kit`` / ``skin_tone``: names of ``looks.KITS`` / ``looks.SKIN_TONES`` (None: drawn from
    the seed, each member a different kit). ``height_m`` is the standing figure's height (a
    runner's is ``athlete.height_m``).
    """

    athlete: AthleteParams = field(default_factory=AthleteParams)
    lane_m: float = 0.0
    x_offset_m: float = 0.0
    standing: bool = False
    height_m: float = 1.78
    kit: str | None = None
    skin_tone: str | None = None

    @property
    def role(self) -> str:
        return "standing" if self.standing else "runner"


@dataclass(frozen=True)
class MemberRun:
    """One member seen by the group's camera: ``world_m`` (n, 33, 3), ``px`` (n, 33, 2),
    ``depth_m`` (n, 33) at the clip's frames; ``events``/``steps`` its truth (empty tables for a
    standing member). ``z_m``: its plane (world z); ``x_shift_m`` added to the model's x."""

    index: int
    spec: Member
    model: RunnerModel | StandingModel
    z_m: float
    x_shift_m: float
    world_m: np.ndarray
    px: np.ndarray
    depth_m: np.ndarray
    events: pd.DataFrame
    steps: pd.DataFrame

    @property
    def role(self) -> str:
        return self.spec.role

    def body_points(self, t: np.ndarray) -> dict[str, np.ndarray]:
        """``skeleton.body_points`` of the member's model moved into its place in the scene."""
        pts = body_points(self.model, np.asarray(t, dtype=np.float64))  # type: ignore[arg-type]
        shift = np.array([self.x_shift_m, 0.0, self.z_m])
        return {k: (v + shift if v.ndim == 2 and v.shape[-1] == 3 else v) for k, v in pts.items()}


@dataclass(frozen=True)
class GroupRun:
    """A simulated clip of several people: ``members`` in the order given; ``lead`` is the
    single-runner ``SimRun`` of the followed member (camera, scene and look come from it)."""

    preset: str
    seed: int
    lead: SimRun
    follow: int
    members: tuple[MemberRun, ...]
    extras: dict = field(default_factory=dict)

    @property
    def camera(self) -> CameraParams:
        return self.lead.camera

    @property
    def time_s(self) -> np.ndarray:
        return self.lead.time_s

    @property
    def track(self) -> CameraTrack:
        return self.lead.track

    @property
    def fps(self) -> int:
        return self.lead.fps

    @property
    def n_frames(self) -> int:
        return self.lead.n_frames

    @property
    def duration_s(self) -> float:
        return self.lead.duration_s

    @property
    def runners(self) -> list[MemberRun]:
        return [m for m in self.members if m.role == "runner"]

    def camera_at(self, t: np.ndarray) -> CameraTrack:
        """The camera at arbitrary clip times (it follows the lead)."""
        t = np.asarray(t, dtype=np.float64)
        return camera_track(self.camera, t, self.lead.model.pelvis(t)[0], self.lead.x_center_m)


def simulate_group(members: Sequence[Member], camera: CameraParams, duration_s: float,
                   seed: int = 0, follow: int = 0, preset: str = "group") -> GroupRun:
    """Simulate ``members`` filmed by ``camera`` (deterministic in ``seed``; member i draws its
    gait variability from ``seed + 1000 i``, the followed member from ``seed`` itself)."""
    if not members:
        raise ConfigError("group: give at least one member")
    if not 0 <= follow < len(members) or members[follow].standing:
        raise ConfigError(f"group: follow={follow} must name a runner of the {len(members)} "
                          "members")
    lead_spec = members[follow]
    if lead_spec.lane_m != 0.0 or lead_spec.x_offset_m != 0.0:
        raise ConfigError("group: the followed member defines the scene: its lane_m and "
                          "x_offset_m must be 0 (place the others relative to it)")
    lead = simulate(lead_spec.athlete, camera, duration_s, seed, preset=preset)
    side = 1.0 if camera.direction == "left_to_right" else -1.0
    n = n_frames_for(duration_s, camera.fps)
    t = lead.time_s
    out = []
    for i, spec in enumerate(members):
        z = -side * float(spec.lane_m)
        model: RunnerModel | StandingModel
        if spec.standing:
            x0 = float(lead.model.pelvis(np.zeros(1))[0][0]) + spec.x_offset_m
            model = StandingModel(spec.height_m, x0, seed + 1000 * i)
            shift = 0.0
            events = pd.DataFrame(columns=list(EVENT_COLUMNS))
            steps = pd.DataFrame(columns=list(STEP_COLUMNS))
        else:
            model = lead.model if i == follow else RunnerModel(spec.athlete, duration_s,
                                                              seed + 1000 * i)
            shift = float(spec.x_offset_m)
            if i == follow:
                events, steps = lead.events, lead.steps
            else:
                from stridecam.simulate.truth import compute_truth

                events, steps = compute_truth(model, camera.fps, n)
        world = landmarks_world(body_points(model, t))  # type: ignore[arg-type]
        world = world + np.array([shift, 0.0, z])
        px, depth = lead.track.project(world)
        out.append(MemberRun(i, spec, model, z, shift, world, px, depth, events, steps))
    return GroupRun(preset, int(seed), lead, follow, tuple(out))


def member_poses(group: GroupRun, index: int) -> Poses:
    """The exact projected landmarks of member ``index`` as ``Poses`` (pixels, y down), NaN in
    frames where its hips are outside the image (it has left the view)."""
    from stridecam.simulate.degrade import _camera_world

    m = group.members[index]
    track = group.track
    mp_world, z_rel = _camera_world(group.lead, m.world_m, m.depth_m, track)
    px = m.px.copy()
    w, h = group.camera.width_px, group.camera.height_px
    hips = px[:, [IDX["left_hip"], IDX["right_hip"]]].mean(axis=1)
    out = (hips[:, 0] < 0) | (hips[:, 0] >= w) | (hips[:, 1] < 0) | (hips[:, 1] >= h)
    vis = np.ones(px.shape[:2])
    for arr in (px, z_rel, vis, mp_world):
        arr[out] = np.nan
    fps = float(group.fps)
    return Poses(time_s=group.time_s.copy(), frame_index=np.arange(group.n_frames),
                 xy_px=px, z_rel=z_rel, visibility=vis, world_m=mp_world,
                 frame_size_px=(w, h), source=f"simulated:{group.preset}:{index}",
                 model="ground_truth", nominal_fps=fps, capture_fps=fps,
                 meta={"simulated": True, "preset": group.preset, "seed": group.seed,
                       "member": index, "role": m.role})


def in_view(group: GroupRun, index: int, margin_px: float = 0.0) -> np.ndarray:
    """(n,) bool: frames where every landmark of member ``index`` is inside the image."""
    px = group.members[index].px
    w, h = group.camera.width_px, group.camera.height_px
    ok = (px[..., 0] >= margin_px) & (px[..., 0] < w - margin_px)
    ok &= (px[..., 1] >= margin_px) & (px[..., 1] < h - margin_px)
    return np.asarray(ok.all(axis=1))


@dataclass(frozen=True)
class GroupPreset:
    members: tuple[Member, ...]
    camera: CameraParams
    duration_s: float
    seed: int = 1
    follow: int = 0
    description: str = ""


_PAIR_CAM = CameraParams(distance_m=10.0, hfov_deg=40.0, panning=True, fps=60)
_TRIO_CAM = CameraParams(distance_m=12.0, hfov_deg=60.0, fps=60)
#: Named group scenes (used by the multi-person tests; lanes are 1.22 m apart).
GROUP_PRESETS: dict[str, GroupPreset] = {
    "pair_crossing": GroupPreset(
        (Member(AthleteParams(v_max_m_s=8.0, step_frequency_hz=4.2, contact_time_s=0.11)),
         Member(AthleteParams(v_max_m_s=9.5, step_frequency_hz=4.5, contact_time_s=0.1,
                              first_foot="right"), lane_m=-1.22, x_offset_m=-2.0)),
        _PAIR_CAM, 3.0, seed=3,
        description="panning with a runner at 8 m/s; a faster one a lane nearer the camera "
                    "starts 2 m behind and passes in front of it (overlapping ~1-1.8 s)"),
    "trio_starter": GroupPreset(
        (Member(AthleteParams(v_max_m_s=8.0, step_frequency_hz=4.3, contact_time_s=0.11)),
         Member(AthleteParams(v_max_m_s=10.5, step_frequency_hz=4.7, contact_time_s=0.1,
                              height_m=1.86, first_foot="right"), lane_m=-1.22, x_offset_m=-4.0),
         Member(AthleteParams(v_max_m_s=6.5, step_frequency_hz=4.0, contact_time_s=0.12,
                              height_m=1.70), lane_m=1.22, x_offset_m=4.0),
         Member(standing=True, lane_m=-3.0, x_offset_m=6.0, height_m=1.80)),
        _TRIO_CAM, 2.5, seed=5,
        description="fixed camera; three runners (6.5, 8 and 10.5 m/s) in neighbouring lanes "
                    "crossing each other mid-frame; a starter standing nearer the camera, "
                    "in front of whom they all pass"),
}


def simulate_group_preset(name: str, seed: int | None = None, fps: int | None = None,
                          duration_s: float | None = None) -> GroupRun:
    """Simulate a named group scene (``GROUP_PRESETS``), optionally changing seed, fps or
    duration."""
    import dataclasses

    if name not in GROUP_PRESETS:
        raise ConfigError(f"unknown group scene {name!r} (have: {', '.join(GROUP_PRESETS)})")
    p = GROUP_PRESETS[name]
    cam = p.camera if fps is None else dataclasses.replace(p.camera, fps=fps)
    return simulate_group(p.members, cam, p.duration_s if duration_s is None else duration_s,
                          p.seed if seed is None else seed, p.follow, preset=name)
