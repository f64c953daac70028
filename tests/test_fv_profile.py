"""The horizontal force-velocity profile (``stridecam.analysis.fv_profile``): the model, the
coverage rule, the statuses, and a simulated acceleration end to end (truth from the
simulator's v(t) through the same model)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pypdf
import pytest

from stridecam.analysis.fv_profile import (
    COVERAGE,
    NOMINAL_BMI,
    drag_k,
    fv_profile,
    samozino,
)
from stridecam.analysis.run import analyse_poses
from stridecam.analysis.summary import fit_velocity_curve
from stridecam.model.errors import ConfigError
from stridecam.model.result import Athlete, RunSummary
from stridecam.model.serial import run_from_json, run_to_json
from stridecam.model.settings import Calibration
from stridecam.model.track import Scale
from stridecam.simulate import AthleteParams, CameraParams, simulate, to_poses

LEG_M = 0.9


def _scale(units: str = "m") -> Scale:
    return Scale(units_per_px=LEG_M / 100 if units == "m" else 0.01, units=units,
                 method="athlete_height" if units == "m" else "leg_length",
                 rel_uncertainty=0.0, leg_length_px=100.0)


def _steps(v_max: float, tau: float, since_start: tuple[float, float], step_s: float = 0.23
           ) -> pd.DataFrame:
    """Exact step speeds (leg lengths/s; the mean of v(t) over each step) of an acceleration
    v = v_max (1 - exp(-t/tau)) (m/s), clip time = time since the start."""
    td = np.arange(since_start[0], since_start[1], step_s)
    a, b = td[:-1], td[1:]
    dist = v_max * ((b - a) - tau * (np.exp(-a / tau) - np.exp(-b / tau)))  # integral of v
    return pd.DataFrame({"touchdown_time_s": a, "next_touchdown_time_s": b,
                         "speed_leg_s": dist / (b - a) / LEG_M})


def _summary(steps: pd.DataFrame) -> RunSummary:
    t = ((steps["touchdown_time_s"] + steps["next_touchdown_time_s"]) / 2).to_numpy()
    return RunSummary(n_steps=len(steps), length_units="m", phase="acceleration",
                      velocity_fit=fit_velocity_curve(t, steps["speed_leg_s"].to_numpy()))


def test_model_without_air_is_the_line_of_the_exponential():
    p = samozino(10.0, 1.25, 0.0)
    assert p["f0_n_kg"] == pytest.approx(8.0)  # v_max / tau
    assert p["v0_m_s"] == pytest.approx(10.0)
    assert p["pmax_w_kg"] == pytest.approx(20.0)
    assert p["sfv_n_s_m_kg"] == pytest.approx(-0.8)
    assert 40 < p["rf_max_pct"] < 60 and p["drf_pct_s_m"] < 0


def test_air_resistance_constants():
    # 75 kg, 1.80 m: frontal area ~0.52 m^2, k ~0.28 kg/m (Samozino 2016's ranges)
    assert drag_k(75.0, 1.80) == pytest.approx(0.280, abs=0.005)
    with_air = samozino(10.0, 1.25, drag_k(75.0, 1.8) / 75.0)
    assert with_air["v0_m_s"] > 10.0  # air resistance: the line reaches zero force beyond v_max


def test_profile_of_exact_step_speeds():
    steps = _steps(9.5, 1.1, (0.3, 3.2))
    fv = fv_profile(_summary(steps), steps, _scale(), Athlete(height_m=1.75, mass_kg=70.0))
    assert fv.ok, fv.note
    k_kg = drag_k(70.0, 1.75) / 70.0
    truth = samozino(9.5, 1.1, k_kg)
    assert fv.f0_n_kg == pytest.approx(truth["f0_n_kg"], rel=0.01)
    assert fv.v0_m_s == pytest.approx(truth["v0_m_s"], rel=0.01)
    assert fv.pmax_w_kg == pytest.approx(truth["pmax_w_kg"], rel=0.02)
    assert fv.f0_n == pytest.approx(70.0 * fv.f0_n_kg) and fv.pmax_w == pytest.approx(
        70.0 * fv.pmax_w_kg)
    assert fv.sfv_n_s_m_kg == pytest.approx(-fv.f0_n_kg / fv.v0_m_s, rel=1e-6)
    assert fv.v_first_frac <= COVERAGE[0] and fv.v_last_frac >= COVERAGE[1]
    assert fv.f0_unc_n_kg >= 0


def test_per_kg_without_mass():
    steps = _steps(9.5, 1.1, (0.3, 3.2))
    fv = fv_profile(_summary(steps), steps, _scale(), Athlete(height_m=1.75))
    assert fv.ok and fv.mass_kg is None and np.isnan(fv.f0_n) and np.isnan(fv.pmax_w)
    assert fv.drag_mass_kg == pytest.approx(NOMINAL_BMI * 1.75 ** 2)
    assert "per kg" in fv.note


@pytest.mark.parametrize("window, why", [((2.0, 4.0), "near top speed only"),
                                         ((0.3, 1.7), "the start only"),
                                         ((0.3, 1.0), "too few steps")])
def test_too_little_of_the_run(window, why):
    steps = _steps(9.5, 1.1, window)
    fv = fv_profile(_summary(steps), steps, _scale(), Athlete(height_m=1.75))
    assert fv.status == "too_little_of_the_run", why
    assert "too" in fv.note and np.isnan(fv.f0_n_kg)


def test_no_scale_and_not_acceleration():
    steps = _steps(9.5, 1.1, (0.3, 3.2))
    fv = fv_profile(_summary(steps), steps, _scale("leg"), Athlete())
    assert fv.status == "no_scale" and "--height-m" in fv.note
    flat = RunSummary(phase="max_velocity")
    fv = fv_profile(flat, steps, _scale(), Athlete())
    assert fv.status == "not_acceleration" and not fv.ok


def test_mass_is_checked():
    with pytest.raises(ConfigError, match="--mass-kg"):
        Athlete(mass_kg=5.0)


@pytest.fixture(scope="module")
def accel_result():
    athlete = AthleteParams(speed_profile="accelerating", v_max_m_s=9.0, accel_tau_s=1.1,
                            height_m=1.7, contact_time_s=0.11, step_frequency_hz=4.4,
                            trunk_lean_deg=8.0, start_offset_s=0.4)
    run = simulate(athlete, CameraParams(distance_m=28.0, hfov_deg=60.0, fps=120), 3.0, seed=1)
    return analyse_poses(to_poses(run), Calibration(height_m=1.7), mass_kg=65.0)


def test_simulated_acceleration_end_to_end(accel_result):
    """Exact landmarks, a fixed camera that sees the whole clip: F0, V0, Pmax within 2% of the
    simulator's truth through the same model; the profile survives summary.json."""
    fv = accel_result.fv_profile
    assert fv is not None and fv.ok, fv
    truth = samozino(9.0, 1.1, drag_k(65.0, 1.7) / 65.0)
    for key in ("f0_n_kg", "v0_m_s", "pmax_w_kg"):
        assert getattr(fv, key) == pytest.approx(truth[key], rel=0.02), key
    assert fv.rf_max_pct == pytest.approx(truth["rf_max_pct"], abs=1.0)
    back = run_from_json(run_to_json(accel_result))
    assert back.fv_profile == fv and back.athlete.mass_kg == 65.0


def test_report_prints_the_profile_with_its_uncertainty(accel_result, tmp_path):
    """The run report gives F0, V0 and Pmax (per kg, and in N and W with the mass) as the
    profile holds them, with 1-SD uncertainties."""
    from stridecam.report.pdf import write_run_report

    fv = accel_result.fv_profile
    pdf = write_run_report(accel_result, tmp_path / "r.pdf").path
    text = " ".join(" ".join(page.extract_text() or "" for page in
                             pypdf.PdfReader(str(pdf)).pages).split())
    assert "Force-velocity profile of the acceleration" in text
    assert f"{fv.f0_n_kg:.1f} ± {fv.f0_unc_n_kg:.1f} N/kg ({fv.f0_n:.0f} N)" in text
    assert f"{fv.v0_m_s:.2f} ± {fv.v0_unc_m_s:.2f} m/s" in text
    assert f"{fv.pmax_w_kg:.1f} ± {fv.pmax_unc_w_kg:.1f} W/kg ({fv.pmax_w:.0f} W)" in text

