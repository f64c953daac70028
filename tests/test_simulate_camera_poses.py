"""Camera projection and the landmark-level ``Poses`` the simulator hands to the analysis.

Oracles: inverse projection (pixel + depth back to the world point), plane homographies checked
against direct projection, the running direction in the image, and each degradation's own
bookkeeping checked against the undegraded truth.
"""

from __future__ import annotations

import numpy as np
import pytest

from stridecam.model.landmarks import IDX, LEG
from stridecam.simulate import CameraParams, Degradations, to_poses
from stridecam.simulate.camera import camera_track
from stridecam.simulate.presets import simulate_preset


@pytest.fixture(scope="module")
def pan():
    return simulate_preset("balanced_pan", duration_s=1.5)


@pytest.fixture(scope="module")
def fixed():
    return simulate_preset("balanced")


def test_projection_round_trip(pan):
    back = pan.track.unproject(pan.px, pan.depth_m)
    np.testing.assert_allclose(back, pan.world_m, atol=1e-9)
    # rays through the hip pixels meet the hip's own z plane at the hip
    hips = pan.px[:, [IDX["right_hip"]]]
    z = pan.world_m[0, IDX["right_hip"], 2]
    np.testing.assert_allclose(pan.track.ray_to_plane_z(hips, z)[:, 0], pan.world_m[:,
                               IDX["right_hip"]], atol=1e-9)


def test_ground_homography_matches_projection(pan):
    i = 40
    h = pan.track.image_to_plane_homography(i, None)
    pts = np.array([[3.0, 0.0, 0.61], [5.0, 0.0, -1.83], [4.2, 0.0, 2.0]])
    direct, _ = pan.track.project(np.broadcast_to(pts, (pan.n_frames, 3, 3)))
    hom = (h @ np.column_stack([pts[:, 0], pts[:, 2], np.ones(3)]).T).T
    np.testing.assert_allclose(hom[:, :2] / hom[:, 2:], direct[i], atol=1e-6)


def test_direction_and_near_side(fixed):
    hip = IDX["right_hip"]
    assert np.all(np.diff(fixed.px[:, hip, 0]) > 0)  # left to right
    # the camera is on the athlete's right: right limbs nearer
    assert np.all(fixed.depth_m[:, IDX["right_hip"]] < fixed.depth_m[:, IDX["left_hip"]])
    rtl = simulate_preset("balanced", direction="right_to_left")
    assert np.all(np.diff(rtl.px[:, hip, 0]) < 0)
    assert np.all(rtl.depth_m[:, IDX["left_hip"]] < rtl.depth_m[:, IDX["right_hip"]])
    # mirror images: a point on the mid-plane (the nose) has the same image height
    nose = IDX["nose"]
    np.testing.assert_allclose(rtl.px[:, nose, 1], fixed.px[:, nose, 1], atol=1e-6)
    np.testing.assert_allclose(rtl.px[:, nose, 0], 1280 - fixed.px[:, nose, 0], atol=1e-6)


def test_panning_keeps_athlete_centred_and_static_does_not(pan, fixed):
    mid = pan.px[:, [IDX["left_hip"], IDX["right_hip"]], 0].mean(axis=1)
    assert np.abs(mid - pan.camera.width_px / 2).max() < 60
    assert np.ptp(pan.track.yaw_deg) > 20
    assert np.ptp(fixed.track.yaw_deg) == 0
    assert np.ptp(fixed.px[:, IDX["right_hip"], 0]) > 600


def test_portrait_and_fps():
    run = simulate_preset("portrait", duration_s=1.0, fps=240)
    assert run.n_frames == 240
    np.testing.assert_allclose(np.diff(run.time_s), 1 / 240)
    poses = to_poses(run)
    assert poses.frame_size_px == (720, 1280)
    assert np.nanmax(poses.xy_px[..., 1]) < 1280 and np.nanmax(poses.xy_px[..., 0]) < 720


def test_to_poses_is_exact_truth_without_degradations(pan):
    poses = to_poses(pan)
    np.testing.assert_array_equal(poses.xy_px, pan.px)
    np.testing.assert_allclose(poses.time_s, np.arange(pan.n_frames) / pan.fps)
    assert poses.source == "simulated:balanced_pan" and poses.model == "ground_truth"
    assert poses.detection_rate == 1.0 and (poses.visibility == 1).all()
    # MediaPipe-style relative depth and world landmarks: hips' mid-point at the origin
    hips = [IDX["left_hip"], IDX["right_hip"]]
    np.testing.assert_allclose(poses.z_rel[:, hips].mean(axis=1), 0, atol=1e-9)
    np.testing.assert_allclose(poses.world_m[:, hips].mean(axis=1), 0, atol=1e-12)
    assert (poses.z_rel[:, IDX["right_hip"]] < poses.z_rel[:, IDX["left_hip"]]).all()
    # world y points down: the nose is above (smaller y than) the ankles
    assert (poses.world_m[:, IDX["nose"], 1] < poses.world_m[:, IDX["right_ankle"], 1]).all()
    # lengths survive: thigh length in world_m equals the model's
    thigh = np.linalg.norm(poses.world_m[:, IDX["left_knee"]] - poses.world_m[:, IDX["left_hip"]],
                           axis=1)
    np.testing.assert_allclose(thigh, pan.model.body.thigh_m, atol=1e-9)


def test_jitter_and_far_leg_visibility(pan):
    poses = to_poses(pan, Degradations(jitter_px=2.0, far_leg_low_visibility=True), seed=1)
    d = poses.xy_px - pan.px
    far = list(LEG["left"])
    near_others = [i for i in range(33) if i not in far]
    assert np.std(d[:, near_others]) == pytest.approx(2.0, rel=0.05)
    assert np.std(d[:, far]) == pytest.approx(4.0, rel=0.08)
    assert poses.visibility[:, far].max() <= 0.6 and poses.visibility[:, far].min() >= 0.2
    assert (poses.visibility[:, near_others] == 1).all()


def test_dropped_missing_repeated(pan):
    n = pan.n_frames
    deg = Degradations(drop_frames_frac=0.1, missing_pose_frac=0.05, repeated_frames_frac=0.04)
    poses = to_poses(pan, deg, seed=2)
    info = poses.meta["degradations"]
    assert poses.n_frames == n - round(0.1 * n) == n - len(info["dropped_frames"])
    assert set(poses.frame_index.tolist()).isdisjoint(info["dropped_frames"])
    np.testing.assert_allclose(poses.time_s, poses.frame_index / pan.fps)
    assert np.diff(poses.frame_index).max() >= 2  # gaps exist
    kept_missing = [k for k in info["missing_frames"] if k not in info["dropped_frames"]]
    assert (~poses.detected).sum() == len(kept_missing) > 0
    rows = {int(k): r for r, k in enumerate(poses.frame_index)}
    checked = 0
    for k in info["repeated_frames"]:
        if k in rows and k - 1 in rows and poses.detected[rows[k]] and \
                poses.detected[rows[k - 1]]:
            np.testing.assert_array_equal(poses.xy_px[rows[k]], poses.xy_px[rows[k - 1]])
            assert poses.time_s[rows[k]] > poses.time_s[rows[k - 1]]
            checked += 1
    assert checked >= 3


def test_left_right_swaps_are_leg_exchanges(pan):
    poses = to_poses(pan, Degradations(n_lr_swaps=3), seed=4)
    swapped = poses.meta["degradations"]["swapped_frames"]
    assert 6 <= len(swapped) <= 18
    left, right = list(LEG["left"]), list(LEG["right"])
    for k in range(pan.n_frames):
        if k in swapped:
            np.testing.assert_array_equal(poses.xy_px[k, left], pan.px[k, right])
            np.testing.assert_array_equal(poses.xy_px[k, right], pan.px[k, left])
        else:
            np.testing.assert_array_equal(poses.xy_px[k], pan.px[k])


def test_variable_frame_timing_gives_true_capture_times(pan):
    poses = to_poses(pan, Degradations(frame_timing_jitter_frac=0.3), seed=6)
    dt = np.diff(poses.time_s)
    assert dt.min() > 0 and dt.max() - dt.min() > 0.3 / pan.fps
    # the landmarks are those of the jittered capture times, not of k / fps
    _, px_true, _, _ = pan.observe(poses.time_s)
    np.testing.assert_allclose(poses.xy_px, px_true, atol=1e-9)
    assert np.abs(poses.xy_px - pan.px).max() > 1.0


def test_degradations_are_seeded(pan):
    deg = Degradations(jitter_px=1.0, n_lr_swaps=2, drop_frames_frac=0.05)
    a, b = to_poses(pan, deg, seed=9), to_poses(pan, deg, seed=9)
    np.testing.assert_array_equal(a.xy_px, b.xy_px)
    c = to_poses(pan, deg, seed=10)
    assert not np.array_equal(a.frame_index, c.frame_index) or \
        not np.allclose(a.xy_px, c.xy_px, equal_nan=True)


def test_camera_track_static_is_constant():
    cam = CameraParams()
    t = np.linspace(0, 1, 5)
    tr = camera_track(cam, t, 10 * t, 5.0)
    assert np.ptp(tr.forward, axis=0).max() == 0
    assert tr.f_px == pytest.approx(640 / np.tan(np.radians(30)))
