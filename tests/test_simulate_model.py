"""The simulated sprinter is physically consistent and its truth matches its parameters.

Oracles: the parameters themselves (contact, step time, knee drive, recovery are set by them),
the pelvis speed profile (step length = pelvis travel at constant speed), and geometry measured
independently on the generated trajectories (stance toe fixed, swing foot above the ground).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from stridecam.model.columns import EVENT_COLUMNS, STEP_COLUMNS
from stridecam.model.errors import ConfigError
from stridecam.simulate import AthleteParams, CameraParams, load_truth, simulate, write_truth
from stridecam.simulate.presets import PRESETS, simulate_preset
from stridecam.simulate.runner import RunnerModel
from stridecam.simulate.skeleton import body_points

CAM = CameraParams(panning=True, hfov_deg=40.0)


@pytest.fixture(scope="module")
def balanced():
    return simulate(AthleteParams(), CAM, 2.0, seed=3, preset="balanced")


def _contacts_in(model: RunnerModel, lo: float, hi: float):
    tl = model.timeline
    return [i for i in range(tl.n) if tl.td_s[i] >= lo and tl.to_s[i] <= hi]


def test_stance_toe_does_not_slide(balanced):
    m = balanced.model
    idx = _contacts_in(m, 0.0, 2.0)
    assert len(idx) >= 8
    for i in idx:
        t = np.linspace(m.timeline.td_s[i], m.timeline.to_s[i], 60)
        leg = m.leg(m.timeline.foot[i], t)
        assert leg.stance.all()
        np.testing.assert_allclose(leg.toe[:, 0], m.toe_x_m[i], atol=1e-9)
        np.testing.assert_allclose(leg.toe[:, 1], 0.0, atol=1e-9)
        # the foot pivots about the toe: the heel stays above the ground
        assert leg.heel[:, 1].min() > 0.0


def test_swing_foot_clears_ground(balanced):
    m = balanced.model
    tl = m.timeline
    for i in _contacts_in(m, 0.0, 1.6):
        t = np.linspace(tl.to_s[i], tl.td_s[i + 2], 400)[1:-1]
        leg = m.leg(tl.foot[i], t)
        assert not leg.stance.any()
        assert leg.toe[:, 1].min() > 0.0
        assert leg.heel[:, 1].min() > 0.0
        assert leg.foot_index[:, 1].min() > 0.0
        assert leg.toe[:, 1].max() > 0.25  # a real swing, not a shuffle


def test_legs_are_continuous_at_touchdown_and_toe_off(balanced):
    m = balanced.model
    tl = m.timeline
    for i in _contacts_in(m, 0.2, 1.6):
        for t in (tl.td_s[i], tl.to_s[i]):
            leg = m.leg(tl.foot[i], np.array([t - 1e-7, t, t + 1e-7]))
            for pts in (leg.knee, leg.ankle, leg.toe, leg.heel):
                assert np.abs(np.diff(pts, axis=0)).max() < 1e-4


def test_step_length_equals_pelvis_travel_at_constant_speed(balanced):
    st = balanced.steps
    m = balanced.model
    travel = m.speed.position(st["next_touchdown_time_s"].to_numpy()) - m.speed.position(
        st["touchdown_time_s"].to_numpy())
    np.testing.assert_allclose(st["step_length_m"], travel, atol=1e-9)
    np.testing.assert_allclose(st["step_length_m"], 10.0 / 4.6, atol=1e-9)
    np.testing.assert_allclose(st["speed_m_s"], 10.0, atol=1e-9)
    ok = st["stride_length_m"].notna()
    np.testing.assert_allclose(st.loc[ok, "stride_length_m"], 2 * 10.0 / 4.6, atol=1e-9)


def test_timing_exactly_as_parameterised(balanced):
    st, ev = balanced.steps, balanced.events
    a = balanced.athlete
    np.testing.assert_allclose(st["contact_time_s"], a.contact_time_s, atol=1e-12)
    np.testing.assert_allclose(st["step_time_s"], 1 / a.step_frequency_hz, atol=1e-12)
    np.testing.assert_allclose(st["flight_time_s"], 1 / a.step_frequency_hz - a.contact_time_s,
                               atol=1e-12)
    np.testing.assert_allclose(st["cadence_spm"], 60.0 / st["step_time_s"], rtol=1e-12)
    np.testing.assert_allclose(st["cadence_spm"], 60 * a.step_frequency_hz, rtol=1e-12)
    np.testing.assert_allclose(st["step_frequency_hz"], a.step_frequency_hz, rtol=1e-12)
    ok = st["swing_time_s"].notna()
    np.testing.assert_allclose(st.loc[ok, "swing_time_s"],
                               2 / a.step_frequency_hz - a.contact_time_s, atol=1e-12)
    np.testing.assert_allclose(ev["contact_time_s"], ev["toe_off_time_s"] - ev["touchdown_time_s"])


def test_events_alternate_feet_and_frames_are_nearest(balanced):
    ev = balanced.events
    assert list(ev.columns) == list(EVENT_COLUMNS)
    assert list(balanced.steps.columns) == list(STEP_COLUMNS)
    feet = ev["foot"].tolist()
    assert all(f1 != f2 for f1, f2 in zip(feet, feet[1:]))
    assert (np.diff(ev["touchdown_time_s"]) > 0).all()
    fps = balanced.fps
    np.testing.assert_array_equal(ev["touchdown_frame"], np.round(ev["touchdown_time_s"] * fps))
    np.testing.assert_array_equal(ev["toe_off_frame"], np.round(ev["toe_off_time_s"] * fps))
    assert ev["touchdown_time_s"].min() >= 0
    assert ev["toe_off_time_s"].max() <= (balanced.n_frames - 1) / fps


def test_knee_drive_and_recovery_measured_match_parameters():
    for name in ("balanced_pan", "slow_recycling", "force_limited"):
        run = simulate_preset(name, duration_s=1.5)
        a = run.athlete
        st = run.steps.dropna(subset=["peak_thigh_flexion_deg"])
        assert len(st) >= 3, name
        np.testing.assert_allclose(st["peak_thigh_flexion_deg"], a.peak_thigh_flexion_deg,
                                   atol=0.05)
        np.testing.assert_allclose(st["recovery_time_s"], a.recovery_time_s, atol=0.001)
        # knee height at peak flexion follows from the thigh angle (thigh / leg length)
        b = run.model.body
        expect = -b.thigh_m * np.cos(np.radians(a.peak_thigh_flexion_deg)) / b.leg_length_m
        np.testing.assert_allclose(st["peak_knee_height_leg"], expect, atol=2e-3)


def test_slow_recycler_differs_from_balanced_in_the_expected_direction():
    good = simulate_preset("balanced_pan", duration_s=1.5).steps.median(numeric_only=True)
    slow = simulate_preset("slow_recycling", duration_s=1.5).steps.median(numeric_only=True)
    assert slow["peak_thigh_flexion_deg"] < good["peak_thigh_flexion_deg"] - 15
    assert slow["recovery_time_s"] > good["recovery_time_s"] + 0.05
    assert slow["peak_knee_height_leg"] < good["peak_knee_height_leg"] - 0.1
    assert slow["thigh_separation_td_deg"] < good["thigh_separation_td_deg"] - 10


def test_sprint_kinematics_look_like_sprinting(balanced):
    m = balanced.model
    t = np.arange(0.3, 1.7, 0.001)
    leg = m.leg("left", t)
    a = balanced.athlete
    kflex = leg.knee_flexion_deg
    assert abs(kflex[~leg.stance].max() - a.knee_flexion_max_deg) < 0.5  # strong knee fold
    assert kflex[leg.stance].max() < 50  # stance knee bends moderately
    assert -35 < leg.thigh_deg.min() < -15  # hip extension behind the body at toe-off
    # heel close to the buttock in recovery: within a thigh length of the hip
    hip_to_heel = np.linalg.norm(leg.heel - leg.hip, axis=1)[~leg.stance]
    assert hip_to_heel.min() < 0.65 * m.body.thigh_m
    # arms swing opposite to the legs: left shoulder flexion vs left thigh angle
    p = body_points(m, t)
    arm = p["left_elbow"][:, :2] - p["left_shoulder"][:, :2]
    arm_angle = np.degrees(np.arctan2(arm[:, 0], -arm[:, 1]))
    assert np.corrcoef(arm_angle, leg.thigh_deg)[0, 1] < -0.5
    # the stance leg is nearly straight at toe-off
    tl = m.timeline
    i = _contacts_in(m, 0.3, 1.6)[0]
    at_to = m.leg(tl.foot[i], np.array([tl.to_s[i]]))
    assert at_to.knee_flexion_deg[0] == pytest.approx(a.knee_flexion_to_deg, abs=1e-6)


def test_asymmetry_and_variability():
    a = AthleteParams(contact_asymmetry=0.10, step_variability_cv=0.03)
    run = simulate(a, CAM, 3.0, seed=5)
    ev = run.events
    left = ev[ev.foot == "left"]["contact_time_s"].mean()
    right = ev[ev.foot == "right"]["contact_time_s"].mean()
    assert left / right == pytest.approx(1.10, abs=0.04)
    cv = run.steps["step_time_s"].std() / run.steps["step_time_s"].mean()
    assert 0.01 < cv < 0.06
    # variability keeps stride consistency: step length = measured toe-to-toe distance
    m = run.model
    for i in _contacts_in(m, 0.0, 2.0)[:5]:
        leg = m.leg(m.timeline.foot[i], np.array([m.timeline.to_s[i]]))
        assert leg.toe[0, 0] == pytest.approx(m.toe_x_m[i], abs=1e-9)


def test_accelerating_run_speeds_up():
    run = simulate_preset("acceleration", duration_s=2.0)
    st = run.steps
    assert (np.diff(st["speed_m_s"]) > 0).all()
    assert (np.diff(st["contact_time_s"]) < 0).all()
    assert (np.diff(st["trunk_lean_deg"]) < 0).all()
    v = run.model.speed
    a = run.athlete
    t = np.array([0.5, 1.5])
    np.testing.assert_allclose(
        v.speed(t), a.v_max_m_s * (1 - np.exp(-(t + a.start_offset_s) / a.accel_tau_s)))
    assert run.model.max_reach_ratio < 0.999


def test_deterministic_same_seed_and_seed_matters():
    a = AthleteParams(step_variability_cv=0.03)
    r1, r2 = simulate(a, CAM, 1.0, seed=11), simulate(a, CAM, 1.0, seed=11)
    np.testing.assert_array_equal(r1.world_m, r2.world_m)
    np.testing.assert_array_equal(r1.px, r2.px)
    assert r1.steps.equals(r2.steps)
    r3 = simulate(a, CAM, 1.0, seed=12)
    assert not np.array_equal(r1.world_m, r3.world_m)


def test_every_preset_simulates_and_stays_in_view():
    for name, p in PRESETS.items():
        run = simulate_preset(name)
        px = run.px
        inside = ((px[..., 0] >= 0) & (px[..., 0] < p.camera.width_px) & (px[..., 1] >= 0)
                  & (px[..., 1] < p.camera.height_px)).all(axis=1)
        assert inside.mean() == 1.0, name
        assert len(run.steps) >= 2, name
        assert run.model.max_reach_ratio < 0.999, name


def test_impossible_parameters_raise_config_error():
    with pytest.raises(ConfigError, match="contact_time_s"):
        AthleteParams(contact_time_s=0.25, step_frequency_hz=4.5).validate()
    with pytest.raises(ConfigError, match="recovery_time_s"):
        AthleteParams(recovery_time_s=0.40).validate()
    with pytest.raises(ConfigError, match="fps"):
        CameraParams(fps=50).validate()


def test_truth_json_round_trip(tmp_path, balanced):
    path = write_truth(balanced, tmp_path / "x.truth.json", include_landmarks=True)
    truth = load_truth(path)
    assert truth.data["schema"] == "stridecam.truth/1"
    assert truth.data["athlete"]["leg_length_m"] == pytest.approx(
        balanced.model.body.leg_length_m)
    assert truth.fps == balanced.fps and truth.n_frames == balanced.n_frames
    for got, want in ((truth.events, balanced.events), (truth.steps, balanced.steps)):
        assert list(got.columns) == list(want.columns)
        num = want.select_dtypes("number").columns
        np.testing.assert_allclose(got[num].to_numpy(float), want[num].to_numpy(float),
                                   equal_nan=True)
    np.testing.assert_allclose(truth.world_m, balanced.world_m, atol=1e-4)
    np.testing.assert_allclose(truth.px, balanced.px, atol=0.01)
    no_lm = load_truth(write_truth(dataclasses.replace(balanced), tmp_path / "y.json"))
    assert no_lm.world_m is None


def test_random_realistic_athletes_stay_consistent():
    """Property check over random realistic parameter sets (seeded): either a clear
    ConfigError, or a run whose stance toes stay put, swing feet clear the ground and whose
    knee drive peaks exactly where the parameters put it."""
    rng = np.random.default_rng(2024)
    built = 0
    for trial in range(30):
        height = rng.uniform(1.6, 1.95)
        f = rng.uniform(3.9, 5.0)
        v = rng.uniform(7.5, 11.0)
        tc = min(rng.uniform(0.085, 0.13), 1.1 * 0.491 * height / v)
        kw = dict(height_m=height, v_max_m_s=v, step_frequency_hz=f, contact_time_s=tc,
                  peak_thigh_flexion_deg=rng.uniform(55, 85),
                  recovery_time_s=rng.uniform(0.15, 2 / f - tc - 0.09),
                  knee_flexion_max_deg=rng.uniform(100, 145), trunk_lean_deg=rng.uniform(0, 12),
                  contact_asymmetry=rng.uniform(-0.08, 0.08),
                  step_variability_cv=rng.uniform(0, 0.03),
                  speed_profile="accelerating" if trial % 4 == 0 else "constant")
        try:
            m = RunnerModel(AthleteParams(**kw), 1.5, trial)
        except ConfigError:
            continue
        built += 1
        tl = m.timeline
        for i in range(tl.n - 2):
            if tl.to_s[i] < 0 or tl.td_s[i + 2] > 1.5:
                continue
            st = m.leg(tl.foot[i], np.linspace(tl.td_s[i], tl.to_s[i], 20))
            np.testing.assert_allclose(st.toe, np.column_stack([np.full(20, m.toe_x_m[i]),
                                                                np.zeros(20)]), atol=1e-9)
            sw = m.leg(tl.foot[i], np.linspace(tl.to_s[i], tl.td_s[i + 2], 300)[1:-1])
            assert sw.toe[:, 1].min() > 0 and sw.heel[:, 1].min() > 0, (trial, kw)
            assert sw.thigh_deg.max() == pytest.approx(tl.peak_thigh_deg[i], abs=0.1)
    assert built >= 24, built
