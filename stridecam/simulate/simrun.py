"""``simulate()``: a run of the model seen by a camera, with its exact ground truth."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from stridecam.simulate.camera import CameraTrack, camera_track
from stridecam.simulate.params import AthleteParams, CameraParams
from stridecam.simulate.runner import RunnerModel
from stridecam.simulate.skeleton import body_points, landmarks_world


@dataclass(frozen=True)
class SimRun:
    """A simulated clip: ``n_frames`` frames, frame k captured at ``time_s[k]`` = k / fps.

    ``world_m`` (n, 33, 3): landmarks in the world frame (x forward, y up, z right, metres);
    ``px`` (n, 33, 2): their projection (pixels, y down); ``depth_m`` (n, 33): distance along the
    camera's viewing direction. ``events``/``steps``: ground truth with the columns of
    ``stridecam.model.columns`` (see ``stridecam.simulate.truth``).
    """

    preset: str
    seed: int
    athlete: AthleteParams
    camera: CameraParams
    duration_s: float
    model: RunnerModel
    x_center_m: float
    time_s: np.ndarray
    world_m: np.ndarray
    px: np.ndarray
    depth_m: np.ndarray
    track: CameraTrack
    events: pd.DataFrame
    steps: pd.DataFrame
    extras: dict = field(default_factory=dict)

    @property
    def fps(self) -> int:
        return int(self.camera.fps)

    @property
    def n_frames(self) -> int:
        return int(self.time_s.shape[0])

    def observe(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, CameraTrack]:
        """Landmarks at arbitrary clip times: (world (n,33,3), px (n,33,2), depth (n,33), track)."""
        t = np.asarray(t, dtype=np.float64)
        world = landmarks_world(body_points(self.model, t))
        px_x, _, _, _ = self.model.pelvis(t)
        track = camera_track(self.camera, t, px_x, self.x_center_m)
        px, depth = track.project(world)
        return world, px, depth, track

    def body_points(self, t: np.ndarray) -> dict[str, np.ndarray]:
        return body_points(self.model, np.asarray(t, dtype=np.float64))


def n_frames_for(duration_s: float, fps: int) -> int:
    return int(round(duration_s * fps))


def simulate(athlete: AthleteParams, camera: CameraParams, duration_s: float, seed: int = 0,
             preset: str = "custom") -> SimRun:
    """Simulate ``duration_s`` seconds of running filmed by ``camera`` (deterministic in seed)."""
    from stridecam.simulate.truth import compute_truth

    camera.validate()
    model = RunnerModel(athlete, duration_s, seed)
    n = n_frames_for(duration_s, camera.fps)
    t = np.arange(n) / float(camera.fps)
    xs = model.pelvis(np.array([t[0], t[-1]]))[0]
    x_mid = float(xs.mean())
    x_center = x_mid if camera.x_m is None else float(camera.x_m)
    world = landmarks_world(body_points(model, t))
    track = camera_track(camera, t, model.pelvis(t)[0], x_center)
    px, depth = track.project(world)
    events, steps = compute_truth(model, camera.fps, n)
    return SimRun(preset=preset, seed=int(seed), athlete=athlete, camera=camera,
                  duration_s=float(duration_s), model=model, x_center_m=x_center, time_s=t,
                  world_m=world, px=px, depth_m=depth, track=track, events=events, steps=steps)
