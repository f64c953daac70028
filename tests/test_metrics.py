"""Per-step metrics (``stridecam.analysis.metrics``) on small hand-built tracks.

Each expected value follows from the arrays by hand: e.g. a knee 0.5 leg lengths from the hip at
30 deg forward of vertical gives a thigh angle of 30 deg; a hip moving 8 m/s for a 0.25 s step
gives a 2.0 m step and 240 steps/min.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from stridecam.analysis.metrics import (
    compute_steps,
    knee_height_leg,
    thigh_angle_deg,
    thigh_envelopes,
    trunk_angle_deg,
)
from stridecam.model.columns import STEP_TABLE_COLUMNS
from stridecam.model.landmarks import IDX
from stridecam.model.settings import StepSettings
from stridecam.model.track import Scale, Track


def track(n: int = 101, fps: float = 100.0, leg_m: float = 1.0) -> Track:
    """A track of ``n`` samples, every landmark at the origin; scale 1 px = 1 unit."""
    return Track(time_s=np.arange(n) / fps, xy=np.zeros((n, 33, 2)),
                 visibility=np.ones((n, 33)),
                 scale=Scale(units_per_px=leg_m / 100.0, units="m", method="athlete_height",
                             rel_uncertainty=0.03, leg_length_px=100.0),
                 direction=1, camera_shift_px=np.zeros(n), frame_of_sample=np.arange(n))


def place(tr: Track, name: str, x, y) -> None:
    tr.xy[:, IDX[name], 0] = x
    tr.xy[:, IDX[name], 1] = y


def test_thigh_angle_knee_height_and_trunk_lean():
    tr = track(n=3)
    place(tr, "left_hip", 0.0, 1.0)
    # knee 0.5 from the hip, 30 deg forward of straight down
    place(tr, "left_knee", 0.5 * math.sin(math.radians(30)), 1.0 - 0.5 * math.cos(math.radians(30)))
    assert thigh_angle_deg(tr, "left") == pytest.approx([30.0] * 3)
    # 1 m leg: the knee is 0.433 m below the hip
    assert knee_height_leg(tr, "left") == pytest.approx([-0.5 * math.cos(math.radians(30))] * 3)
    for side in ("left", "right"):
        place(tr, f"{side}_hip", 0.0, 1.0)
        place(tr, f"{side}_shoulder", math.tan(math.radians(10)) * 0.5, 1.5)  # 10 deg forward
    assert trunk_angle_deg(tr) == pytest.approx([10.0] * 3)


def test_thigh_envelopes_ignore_which_label_is_which():
    tr = track(n=2)
    for side in ("left", "right"):
        place(tr, f"{side}_hip", 0.0, 1.0)
    place(tr, "left_knee", 0.5 * math.sin(math.radians(20)), 1.0 - 0.5 * math.cos(math.radians(20)))
    place(tr, "right_knee", -0.5 * math.sin(math.radians(10)),
          1.0 - 0.5 * math.cos(math.radians(10)))
    front, back, top = thigh_envelopes(tr)
    assert front == pytest.approx([20.0, 20.0]) and back == pytest.approx([-10.0, -10.0])
    swapped = track(n=2)
    swapped.xy[:] = tr.xy
    swapped.xy[:, [IDX["left_knee"], IDX["right_knee"]]] = tr.xy[:, [IDX["right_knee"],
                                                                      IDX["left_knee"]]]
    f2, b2, t2 = thigh_envelopes(swapped)
    assert f2 == pytest.approx(front) and b2 == pytest.approx(back) and t2 == pytest.approx(top)


def contacts(rows) -> pd.DataFrame:
    """Contacts from (foot, touchdown s, toe-off s); frames at 100 fps."""
    df = pd.DataFrame(rows, columns=["foot", "touchdown_time_s", "toe_off_time_s"])
    df["touchdown_frame"] = (df["touchdown_time_s"] * 100).round().astype(int)
    df["toe_off_frame"] = (df["toe_off_time_s"] * 100).round().astype(int)
    df["contact_time_s"] = df["toe_off_time_s"] - df["touchdown_time_s"]
    df["touchdown_unc_s"] = df["toe_off_unc_s"] = 0.003
    return df


def running_track(n: int = 101) -> Track:
    """Hips moving forward at 8 m/s for ``n`` samples at 100 fps."""
    tr = track(n)
    for side in ("left", "right"):
        place(tr, f"{side}_hip", 8.0 * tr.time_s, 1.0)
        place(tr, f"{side}_knee", 8.0 * tr.time_s, 0.5)
        place(tr, f"{side}_shoulder", 8.0 * tr.time_s, 1.5)
    return tr


def test_step_times_lengths_and_stride():
    c = contacts([("left", 0.10, 0.20), ("right", 0.35, 0.45), ("left", 0.60, 0.70),
                  ("right", 0.85, 0.95)])
    steps = compute_steps(running_track(), c)
    assert list(steps.columns) == list(STEP_TABLE_COLUMNS) and len(steps) == 3
    s = steps.iloc[0]
    assert s["foot"] == "left" and s["step_time_s"] == pytest.approx(0.25)
    assert s["contact_time_s"] == pytest.approx(0.10) and s["flight_time_s"] == pytest.approx(0.15)
    assert s["cadence_spm"] == pytest.approx(240.0) and s["step_frequency_hz"] == pytest.approx(4.0)
    assert s["step_length_m"] == pytest.approx(2.0) and s["speed_m_s"] == pytest.approx(8.0)
    assert s["stride_length_m"] == pytest.approx(4.0)
    assert s["swing_time_s"] == pytest.approx(0.60 - 0.20)  # toe-off to the same foot's landing
    assert math.isnan(steps.iloc[2]["stride_length_m"])  # no next step to add
    assert math.isnan(steps.iloc[2]["swing_time_s"])  # its foot's next landing is not in the clip
    assert steps.iloc[0]["trunk_lean_deg"] == pytest.approx(0.0)


def test_no_step_across_a_missed_contact_or_a_repeated_foot():
    # left, left: a contact of the right foot was missed between them
    c = contacts([("left", 0.10, 0.20), ("left", 0.60, 0.70), ("right", 0.85, 0.95)])
    steps = compute_steps(running_track(), c)
    assert list(steps["touchdown_time_s"]) == [0.60]
    # three 0.25 s steps, then one of 0.5 s: longer than 1.5 x the median interval
    c = contacts([("left", 0.10, 0.20), ("right", 0.35, 0.45), ("left", 0.60, 0.70),
                  ("right", 0.85, 0.95), ("left", 1.35, 1.45)])
    tr = running_track(n=201)
    assert list(compute_steps(tr, c)["touchdown_time_s"]) == [0.10, 0.35, 0.60]
    loose = StepSettings(max_step_time_factor=3.0)
    assert len(compute_steps(tr, c, loose)) == 4


def test_each_step_value_carries_its_uncertainty():
    """3 ms per event: contact and step time +/- 4.24 ms (two events in quadrature); cadence
    60 x 0.00424 / 0.25^2 = 4.07 steps/min; a touchdown 3 ms off moves the hip 8 m/s x 3 ms =
    2.4 cm, with a hip scatter of 0.01 leg lengths (1 cm) at each end: 3.68 cm."""
    c = contacts([("left", 0.10, 0.20), ("right", 0.35, 0.45), ("left", 0.60, 0.70)])
    s = compute_steps(running_track(), c).iloc[0]
    pair = math.hypot(0.003, 0.003)
    assert s["contact_time_unc_s"] == pytest.approx(pair)
    assert s["step_time_unc_s"] == pytest.approx(pair)
    assert s["cadence_unc_spm"] == pytest.approx(60 * pair / 0.25 ** 2)
    assert s["step_length_unc_m"] == pytest.approx(math.sqrt(2 * 0.024 ** 2 + 2 * 0.01 ** 2))
    assert s["speed_unc_m_s"] == pytest.approx(
        8.0 * math.hypot(s["step_length_unc_m"] / 2.0, pair / 0.25))
