"""Cleaning, scale, metrics and summary against the simulator's exact ground truth.

Every test starts from simulated poses (no video, no MediaPipe): the simulator knows every
touchdown, toe-off, step length and thigh angle, so the bars below are measured errors, not
guesses. Ideal landmarks (no degradation) isolate the algorithms' own error; degraded ones
(jitter, swaps) check robustness.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from stridecam.analysis.clean import clean, hampel, lowpass, resample, running_direction
from stridecam.analysis.run import analyse_poses
from stridecam.analysis.scale import (
    LEG_FRACTION_OF_HEIGHT,
    apply_homography,
    from_height,
    from_two_points,
    homography,
    leg_length_px,
)
from stridecam.analysis.summary import asymmetry_pct, fit_velocity_curve, longest_chain, run_values
from stridecam.analysis.validation import compare_steps, match_contacts, truth_in_window
from stridecam.analysis.view import view_check
from stridecam.io.config import load_reference
from stridecam.model.landmarks import IDX
from stridecam.model.settings import Calibration
from stridecam.simulate import AthleteParams, CameraParams, Degradations, simulate, to_poses
from stridecam.simulate.presets import PRESETS


def run_and_analyse(athlete=AthleteParams(), camera=CameraParams(), duration_s=2.0,
                    degradations=Degradations(), seed=1, calib=None):
    run = simulate(athlete, camera, duration_s=duration_s, seed=seed)
    poses = to_poses(run, degradations, seed=seed + 10)
    result = analyse_poses(poses, calib or Calibration(height_m=athlete.height_m))
    return run, poses, result


# ------------------------------------------------------------------------------ pure pieces
def test_resample_keeps_values_and_leaves_long_gaps_empty():
    t = np.array([0.0, 0.01, 0.02, 0.05, 0.06, 0.30, 0.31])
    y = 2.0 * t
    grid, out, nearest = resample(t, y[:, None], 0.01, max_gap_s=0.05)
    assert np.allclose(grid[:7], np.arange(7) * 0.01)
    ok = np.isfinite(out[:, 0])
    np.testing.assert_allclose(out[ok, 0], 2.0 * grid[ok], atol=1e-12)
    assert not ok[np.searchsorted(grid, 0.2)]  # inside the 0.24 s gap
    assert ok[np.searchsorted(grid, 0.04)]  # inside the 0.03 s gap: filled
    assert nearest[0] == 0 and nearest[-1] == len(t) - 1


def test_lowpass_filters_each_stretch_and_keeps_gaps():
    fps = 120.0
    t = np.arange(240) / fps
    x = np.sin(2 * np.pi * 2 * t) + 0.2 * np.sin(2 * np.pi * 40 * t)
    x[100:110] = np.nan
    y = lowpass(x, fps, 10.0)
    assert np.isnan(y[100:110]).all()
    clean_part = np.sin(2 * np.pi * 2 * t)
    assert np.nanmax(np.abs(y - clean_part)[20:90]) < 0.03
    assert lowpass(x, 20.0, 10.0) is x  # cutoff above 0.45 fps: unchanged


def test_hampel_flags_a_spike_only():
    x = np.sin(np.linspace(0, 3, 50))
    x[20] += 5
    bad = hampel(x, min_dev=0.1)
    assert bad[20] and bad.sum() == 1


def test_scale_from_height_and_two_points_and_homography():
    s = from_height(100.0, 0.0, 1.80)
    assert s.units == "m" and s.units_per_px == pytest.approx(1.80 * LEG_FRACTION_OF_HEIGHT / 100)
    two = from_two_points(100.0, (10, 20), (310, 20), 3.0)
    assert two.units_per_px == pytest.approx(0.01) and two.method == "two_points"
    img = np.array([[100, 400], [500, 400], [600, 300], [50, 300]], float)
    ground = np.array([[0, 0], [4, 0], [4, 8], [0, 8]], float)
    h = homography(img, ground)
    np.testing.assert_allclose(apply_homography(h, img), ground, atol=1e-6)


def test_leg_length_px_from_side_view_poses():
    a = AthleteParams()
    run = simulate(a, CameraParams(), duration_s=0.5, seed=1)
    poses = to_poses(run)
    leg_px, spread = leg_length_px(poses.xy_px)
    # true leg length in pixels: hip-to-ankle of the standing athlete at the camera's scale
    xy = poses.xy_px
    true = np.median(np.linalg.norm(xy[:, IDX["left_knee"]] - xy[:, IDX["left_hip"]], axis=1)
                     + np.linalg.norm(xy[:, IDX["left_ankle"]] - xy[:, IDX["left_knee"]], axis=1))
    assert leg_px == pytest.approx(true, rel=0.03)
    assert spread < 0.05


@pytest.mark.parametrize("direction", ["left_to_right", "right_to_left"])
def test_running_direction(direction):
    run = simulate(AthleteParams(), CameraParams(direction=direction), duration_s=0.5, seed=1)
    sign, agreement = running_direction(to_poses(run).xy_px)
    # in the heel-flick of swing the foot points backwards: ~70% of frames agree
    assert sign == (1 if direction == "left_to_right" else -1) and agreement > 0.6


def test_asymmetry_and_velocity_fit():
    assert asymmetry_pct(110, 100) == pytest.approx(100 * 10 / 105)
    assert np.isnan(asymmetry_pct(float("nan"), 1.0))
    t = np.linspace(0.5, 3, 10)
    v = 10.0 * (1 - np.exp(-(t - 0.2) / 1.3))
    fit = fit_velocity_curve(t, v)
    assert fit.v_max_leg_s == pytest.approx(10.0, rel=0.02)
    assert fit.tau_s == pytest.approx(1.3, rel=0.05)


# ---------------------------------------------------------------------- against the simulator
@pytest.mark.parametrize("panning", [False, True])
def test_stance_foot_stands_still_in_the_ground_frame(panning):
    """Camera motion removed: the stance toe does not move during a true contact."""
    camera = CameraParams(panning=panning) if panning else CameraParams(distance_m=15, hfov_deg=60)
    run = simulate(AthleteParams(), camera, duration_s=2.0 if panning else 1.0, seed=1)
    track = clean(to_poses(run), Calibration(height_m=1.8))
    assert track.cleaning.camera_moving == panning
    drifts = []
    for _, e in run.events.iterrows():
        sel = (track.time_s > e.touchdown_time_s + 0.01) & (track.time_s < e.toe_off_time_s - 0.01)
        if sel.sum() >= 3:
            x = track.xy[sel, IDX[f"{e.foot}_foot_index"], 0]
            drifts.append(np.ptp(x))
    assert drifts and np.median(drifts) < 0.05  # metres over a contact


@pytest.mark.parametrize("panning", [False, True])
def test_metrics_on_ideal_landmarks(panning):
    # panning: the bundled sample's camera (10 m away, turning through about +/-30 deg); a pan
    # through +/-45 deg still underestimates step length by up to 12% at the ends (VALIDATION.md)
    camera = PRESETS["balanced_pan"].camera if panning else CameraParams(distance_m=15, hfov_deg=60)
    run, poses, result = run_and_analyse(camera=camera, duration_s=3.0 if panning else 1.0)
    truth = truth_in_window(run.events, poses.time_s[0], poses.time_s[-1])
    m = match_contacts(truth, result.contacts, 0.05)
    assert m.recall >= 0.9 and m.false_positives == 0
    assert np.abs(m.touchdown_error_s).max() <= 1.5 / 120 + 0.005
    errors = compare_steps(run.steps, result.steps, 0.05)
    med = result.summary.metrics
    truth_steps = run.steps[run.steps["touchdown_time_s"].isin(errors["touchdown_time_s"])]
    assert med.cadence_spm.median == pytest.approx(truth_steps["cadence_spm"].median(), rel=0.01)
    assert med.step_length_m.median == pytest.approx(truth_steps["step_length_m"].median(),
                                                     rel=0.03)
    assert abs(med.contact_time_s.median - truth_steps["contact_time_s"].median()) <= 1 / 120 + 1e-9
    assert errors["peak_thigh_flexion_deg"].abs().max() < 3.0
    assert errors["recovery_time_s"].abs().median() < 0.015


def test_slow_recycling_athlete_measured_as_such():
    slow = AthleteParams(v_max_m_s=9.0, step_frequency_hz=4.2, contact_time_s=0.1,
                         peak_thigh_flexion_deg=55.0, recovery_time_s=0.26,
                         knee_flexion_max_deg=100.0)
    _, _, fast_result = run_and_analyse(camera=CameraParams(panning=True))
    _, _, slow_result = run_and_analyse(athlete=slow, camera=CameraParams(panning=True))
    f, s = fast_result.summary.metrics, slow_result.summary.metrics
    assert s.peak_thigh_flexion_deg.median == pytest.approx(55, abs=3)
    assert f.peak_thigh_flexion_deg.median == pytest.approx(75, abs=3)
    assert s.recovery_time_s.median > f.recovery_time_s.median + 0.04


def test_no_calibration_reports_leg_lengths_not_metres():
    _, _, result = run_and_analyse(calib=Calibration())
    assert result.summary.length_units == "leg"
    assert any(f.code == "no_scale" for f in result.flags)
    # a max-velocity step is ~2.4 leg lengths (2.17 m / 0.88 m); no metres without a scale
    m = result.summary.metrics
    assert m.step_length_leg.median == pytest.approx(2.17 / 0.884, rel=0.05)
    assert np.isnan(m.step_length_m.median) and np.isnan(m.speed_m_s.value)
    assert result.steps["step_length_m"].isna().all() and result.steps["speed_m_s"].isna().all()
    assert result.steps["speed_leg_s"].notna().all()
    assert np.isnan(result.summary.top_speed_m_s) and result.summary.top_speed_leg_s > 0


def test_low_frame_rate_and_few_steps_are_flagged():
    _, _, result = run_and_analyse(camera=CameraParams(fps=30, distance_m=15, hfov_deg=60),
                                   duration_s=0.6)
    codes = {f.code for f in result.flags}
    assert "low_frame_rate" in codes and "few_steps" in codes


def test_robust_to_jitter_and_leg_swaps():
    run, poses, result = run_and_analyse(
        camera=CameraParams(panning=True),
        degradations=Degradations(jitter_px=1.0, n_lr_swaps=4))
    truth = truth_in_window(run.events, poses.time_s[0], poses.time_s[-1])
    m = match_contacts(truth, result.contacts, 0.05)
    assert m.recall >= 0.85
    assert m.feet_correct >= 0.85 * m.true_positives
    med = result.summary.metrics.cadence_spm.median
    assert med == pytest.approx(run.steps["cadence_spm"].median(), rel=0.02)


def test_side_view_check():
    run = simulate(AthleteParams(), CameraParams(), duration_s=0.5, seed=1)
    poses = to_poses(run)
    leg_px, _ = leg_length_px(poses.xy_px)
    assert view_check(poses.xy_px, leg_px).is_side_view
    front = poses.xy_px.copy()  # spread hips and shoulders as a front view shows them
    for side, sign in (("left", -1), ("right", 1)):
        for part in ("hip", "shoulder"):
            front[:, IDX[f"{side}_{part}"], 0] += sign * 0.25 * leg_px
    assert not view_check(front, leg_px).is_side_view


def test_analysis_never_warns_on_poor_data():
    """Frames with nobody found, drops, swaps and jitter together: flags, not crashes."""
    deg = Degradations(jitter_px=2.0, drop_frames_frac=0.1, missing_pose_frac=0.1, n_lr_swaps=6,
                       frame_timing_jitter_frac=0.3)
    _, _, result = run_and_analyse(camera=dataclasses.replace(CameraParams(), fps=60,
                                                              panning=True), degradations=deg)
    assert result.summary.n_steps >= 3


@pytest.mark.parametrize("preset, label", [("balanced_pan", "balanced"),
                                           ("slow_recycling", "recycling_limited"),
                                           ("force_limited", "force_limited")])
def test_verdict_of_the_presets(preset, label):
    pr = PRESETS[preset]
    run = simulate(pr.athlete, pr.camera, duration_s=pr.duration_s, seed=1)
    result = analyse_poses(to_poses(run), Calibration(height_m=pr.athlete.height_m),
                           reference=load_reference())
    assert result.verdict.label == label
    assert result.verdict.explanation


def test_run_values_cancel_the_touchdown_errors_inside_the_chain():
    """Cadence and step length over consecutive steps depend on the chain's two end touchdowns
    only; a missed contact splits the chain and the longer part is used."""
    rng = np.random.default_rng(3)
    true_td = 0.1 + 0.22 * np.arange(12)  # 4.545 steps/s, 10 m/s: 2.2 m steps
    td = true_td + np.r_[0.0, rng.normal(0, 0.012, 10), 0.0]  # noisy inside, exact ends
    hip = 10.0 * td  # hip position at each touchdown (m)
    steps = pd.DataFrame({
        "touchdown_time_s": td[:-1], "next_touchdown_time_s": td[1:],
        "step_time_s": np.diff(td), "step_length_m": np.diff(hip)})
    run = {k: v for k, (v, _) in run_values(steps).items()}
    assert run["cadence_spm"] == pytest.approx(60 / 0.22, rel=1e-9)
    assert run["step_length_m"] == pytest.approx(2.2, rel=1e-9)
    assert run["speed_m_s"] == pytest.approx(10.0, rel=1e-9)
    per_step = 60 / steps["step_time_s"]
    assert abs(per_step.median() / (60 / 0.22) - 1) > 1e-3  # the median does not cancel them
    gap = steps.drop(index=3).reset_index(drop=True)  # a contact missed: chain 0-2 | 3-9
    assert longest_chain(gap).tolist() == list(range(3, 10))
    assert run_values(gap.iloc[:2]) == {}  # fewer than 3 chained steps: no run value
