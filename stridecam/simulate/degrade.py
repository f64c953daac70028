"""``to_poses``: a simulated run as a ``stridecam.model.poses.Poses`` (the landmark-level oracle).

Without degradations the result is the exact projected ground truth: every frame kept,
``time_s`` = k / fps, visibility 1. Each field of ``Degradations`` switches on one fault (see its
docstring); what was done is recorded in ``Poses.meta["degradations"]`` (kept frame indices,
swapped, repeated and missing frames) so tests can check the analysis stages against it.

``z_rel`` is the landmark's depth minus the hips' mid-point depth, scaled like x in pixels
(f / depth of the hips), smaller = nearer the camera. ``world_m`` follows MediaPipe's world
landmarks: metres, origin at the hips' mid-point, x = image right, y = image down, z = away
from the camera.
"""

from __future__ import annotations

import numpy as np

from stridecam.model.landmarks import IDX, LEG
from stridecam.model.poses import Poses
from stridecam.simulate.params import Degradations
from stridecam.simulate.simrun import SimRun

_HIPS = (IDX["left_hip"], IDX["right_hip"])


def _camera_world(run: SimRun, world: np.ndarray, depth: np.ndarray, track) -> tuple[np.ndarray,
                                                                                      np.ndarray]:
    hip_mid = world[:, _HIPS].mean(axis=1)
    d = world - hip_mid[:, None, :]
    mp_world = np.stack([np.einsum("nkc,nc->nk", d, track.right),
                         -np.einsum("nkc,nc->nk", d, track.up),
                         np.einsum("nkc,nc->nk", d, track.forward)], -1)
    hip_depth = depth[:, _HIPS].mean(axis=1, keepdims=True)
    z_rel = (depth - hip_depth) * track.f_px / hip_depth
    return mp_world, z_rel


def to_poses(run: SimRun, degradations: Degradations | None = None, seed: int = 0) -> Poses:
    """The run's landmarks as a ``Poses`` (pixels, y down), optionally degraded (seeded)."""
    deg = (degradations or Degradations()).validate()
    rng = np.random.default_rng(seed)
    n, fps = run.n_frames, float(run.fps)
    meta: dict = {"simulated": True, "preset": run.preset, "seed": run.seed}
    # capture times (variable frame timing: jittered, the landmarks are those of the true times)
    times = np.arange(n) / fps
    if deg.frame_timing_jitter_frac > 0:
        jit = rng.uniform(-1, 1, n) * deg.frame_timing_jitter_frac / fps
        jit[0] = 0.0
        times = times + jit
        world, px, depth, track = run.observe(times)
    else:
        world, px, depth, track = run.world_m, run.px, run.depth_m, run.track
    px = px.copy()
    mp_world, z_rel = _camera_world(run, world, depth, track)
    vis = np.ones((n, 33))
    near = "right" if run.camera.direction == "left_to_right" else "left"
    far_leg = list(LEG["left" if near == "right" else "right"])
    if deg.jitter_px > 0:
        noise = rng.normal(0.0, deg.jitter_px, px.shape)
        if deg.far_leg_low_visibility:
            noise[:, far_leg] *= 2.0
        px += noise
    if deg.far_leg_low_visibility:
        vis[:, far_leg] = rng.uniform(0.2, 0.6, (n, len(far_leg)))
    # left/right leg swaps on short stretches
    swapped: list[int] = []
    if deg.n_lr_swaps > 0:
        starts = np.sort(rng.choice(np.arange(1, max(n - 8, 2)), size=deg.n_lr_swaps,
                                    replace=False))
        lidx, ridx = list(LEG["left"]), list(LEG["right"])
        for s in starts:
            for k in range(int(s), min(int(s) + int(rng.integers(2, 7)), n)):
                if k in swapped:
                    continue
                for arr in (px, z_rel, vis, mp_world):
                    arr[k, lidx], arr[k, ridx] = arr[k, ridx].copy(), arr[k, lidx].copy()
                swapped.append(k)
    # repeated frames: stale copy of the previous frame's landmarks at their own time
    repeated: list[int] = []
    if deg.repeated_frames_frac > 0:
        cand = np.arange(1, n)
        repeated = sorted(int(k) for k in rng.choice(
            cand, size=int(round(deg.repeated_frames_frac * n)), replace=False))
        for k in repeated:
            for arr in (px, z_rel, vis, mp_world):
                arr[k] = arr[k - 1]
    # missing poses (no athlete found)
    missing: list[int] = []
    if deg.missing_pose_frac > 0:
        missing = sorted(int(k) for k in rng.choice(
            np.arange(n), size=int(round(deg.missing_pose_frac * n)), replace=False))
        for arr in (px, z_rel, vis, mp_world):
            arr[missing] = np.nan
    # dropped frames: removed from the sequence
    keep = np.ones(n, bool)
    if deg.drop_frames_frac > 0:
        drop = rng.choice(np.arange(1, n), size=int(round(deg.drop_frames_frac * n)),
                          replace=False)
        keep[drop] = False
    meta["degradations"] = {**deg.__dict__, "swapped_frames": sorted(swapped),
                            "repeated_frames": repeated, "missing_frames": missing,
                            "dropped_frames": np.flatnonzero(~keep).tolist()}
    return Poses(time_s=times[keep], frame_index=np.arange(n)[keep], xy_px=px[keep],
                 z_rel=z_rel[keep], visibility=vis[keep], world_m=mp_world[keep],
                 frame_size_px=(run.camera.width_px, run.camera.height_px),
                 source=f"simulated:{run.preset}", model="ground_truth", nominal_fps=fps,
                 capture_fps=fps, meta=meta)
