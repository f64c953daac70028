"""Run summary (``stridecam.analysis.summary``) from small hand-built steps tables.

Four chained steps of 0.25 s and 2.0 m are 240 steps/min, 2.0 m per step and 8 m/s over the
run; a steps table whose speeds rise by 1 m/s per second is an acceleration, a flat one is not.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from stridecam.analysis.summary import (
    asymmetry_pct,
    fit_velocity_curve,
    longest_chain,
    run_values,
    summarise,
)
from stridecam.model.columns import SUMMARISED
from stridecam.model.settings import SummarySettings

LEG_M = 0.9  # the athlete's leg (hip to ankle) in metres


def steps_table(step_times, lengths, feet=None, gap_after: int | None = None) -> pd.DataFrame:
    """Consecutive steps (each next touchdown = the following touchdown), optionally broken
    after step ``gap_after`` (a missed contact: 0.5 s with no step)."""
    td, rows = 0.0, []
    for i, (st, sl) in enumerate(zip(step_times, lengths)):
        rows.append({"foot": (feet or ["left", "right"] * 50)[i], "touchdown_time_s": td,
                     "next_touchdown_time_s": td + st, "step_time_s": st,
                     "cadence_spm": 60.0 / st, "step_frequency_hz": 1.0 / st,
                     "step_length_m": sl, "speed_m_s": sl / st, "contact_time_s": 0.1,
                     "step_length_leg": sl / LEG_M, "speed_leg_s": sl / st / LEG_M,
                     "flight_time_s": st - 0.1})
        td += st + (0.5 if gap_after is not None and i == gap_after else 0.0)
    table = pd.DataFrame(rows)
    for col in SUMMARISED:  # the swing-leg columns are not measured in these tables
        if col not in table:
            table[col] = np.nan
    return table


def test_asymmetry_pct():
    assert asymmetry_pct(1.1, 0.9) == pytest.approx(20.0)
    assert math.isnan(asymmetry_pct(float("nan"), 1.0)) and math.isnan(asymmetry_pct(1.0, -1.0))


def test_longest_chain_and_run_values():
    steps = steps_table([0.25] * 4, [2.0] * 4)
    assert list(longest_chain(steps)) == [0, 1, 2, 3]
    rv = {k: v for k, (v, _) in run_values(steps).items()}
    assert rv["cadence_spm"] == pytest.approx(240.0) and rv["step_time_s"] == pytest.approx(0.25)
    assert rv["step_length_m"] == pytest.approx(2.0) and rv["speed_m_s"] == pytest.approx(8.0)
    # touchdown errors inside the chain cancel: 0.24 + 0.26 s is still 0.25 s per step
    assert run_values(steps_table([0.24, 0.26, 0.24, 0.26], [2.0] * 4))["cadence_spm"][0] == \
        pytest.approx(240.0)
    broken = steps_table([0.25] * 5, [2.0] * 5, gap_after=1)
    assert list(longest_chain(broken)) == [2, 3, 4]
    assert run_values(steps_table([0.25] * 2, [2.0] * 2)) == {}  # fewer than 3 chained steps


def test_summary_medians_phase_and_top_speed():
    flat = summarise(steps_table([0.25] * 8, [2.0] * 8), fps=120.0, leg_length=LEG_M, units="m")
    assert flat.n_steps == 8 and flat.phase == "max_velocity"
    assert flat.metrics.cadence_spm.median == pytest.approx(240.0)
    assert flat.metrics.cadence_spm.iqr == pytest.approx(0.0)
    assert flat.metrics.cadence_spm.value == pytest.approx(240.0)  # the run value
    assert math.isnan(flat.metrics.contact_time_s.run)  # contact time has no run value
    assert flat.top_speed_m_s == pytest.approx(8.0) and flat.velocity_fit is None
    assert flat.timing_resolution_ms == pytest.approx(1000 / 120)
    # speed 6 -> 9.5 m/s over ~2 s: an acceleration (slope far above 0.55 leg/s^2 x 0.9 m)
    lengths = np.linspace(1.5, 2.375, 8)
    accel = summarise(steps_table([0.25] * 8, lengths), fps=120.0, leg_length=LEG_M, units="m")
    assert accel.phase == "acceleration" and accel.mean_acceleration_m_s2 > 1.5
    # top speed: the fitted v(t) at the last step (no mean of steps exceeds it by much)
    assert accel.velocity_fit is not None
    assert accel.top_speed_m_s == pytest.approx(lengths[-1] / 0.25, rel=0.05)
    strict = SummarySettings(accel_threshold_leg_s2=10.0)
    assert summarise(steps_table([0.25] * 8, lengths), fps=120.0, leg_length=LEG_M, units="m",
                     settings=strict).phase == "max_velocity"


def test_left_right_asymmetry_from_the_medians():
    steps = steps_table([0.25] * 6, [2.2, 1.8] * 3)
    s = summarise(steps, fps=120.0, leg_length=LEG_M, units="m")
    assert s.asymmetry_pct.step_length_leg.pct == pytest.approx(20.0)  # (2.2 - 1.8) / 2.0
    assert s.asymmetry_pct.contact_time_s.pct == pytest.approx(0.0)


def test_velocity_curve_fit_recovers_its_parameters():
    t = np.linspace(0.5, 3.0, 12)
    v = 10.0 * (1 - np.exp(-(t - 0.1) / 1.2))
    fit = fit_velocity_curve(t, v)
    assert fit is not None
    assert fit.v_max_leg_s == pytest.approx(10.0, rel=1e-3)
    assert fit.tau_s == pytest.approx(1.2, rel=1e-3)
    assert fit_velocity_curve(t[:3], v[:3]) is None  # too few steps
