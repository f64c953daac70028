"""Exports for scientists (``stridecam.io.exports``): frames.csv, run.xlsx, landmarks.trc.

The files are written for simulated runs and parsed back: angles against hand computations from
known landmark positions, positions against the track and the tracker's pixels, the TRC header
and values as OpenSim reads them, the workbook's sheets and units rows.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from stridecam.analysis.angles import joint_angles
from stridecam.analysis.metrics import thigh_angle_deg, trunk_angle_deg
from stridecam.analysis.run import analyse_poses
from stridecam.io.exports import (
    FRAMES_FILE,
    TRC_FILE,
    WORKBOOK_FILE,
    flatten,
    unit_of,
    write_exports,
)
from stridecam.io.store import TEMP_GLOB
from stridecam.model.landmarks import IDX, N_LANDMARKS, NAMES
from stridecam.model.settings import Calibration
from stridecam.model.track import Scale, Track
from stridecam.simulate import simulate_preset, to_poses


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A simulated accelerating run (with scale and mass), its poses, and its exports."""
    run = simulate_preset("acceleration_static")
    poses = to_poses(run)
    result = analyse_poses(poses, Calibration(height_m=1.8), mass_kg=72.0)
    folder = tmp_path_factory.mktemp("exports")
    paths = write_exports(result, folder, poses)
    return result, poses, folder, paths


def _track(points: dict[str, tuple[float, float]]) -> Track:
    """A one-sample track with the given landmarks (metres, x forward, y up); others NaN."""
    xy = np.full((1, N_LANDMARKS, 2), np.nan)
    for name, p in points.items():
        xy[0, IDX[name]] = p
    scale = Scale(units_per_px=0.01, units="m", method="athlete_height", rel_uncertainty=0.03,
                  leg_length_px=90.0)
    return Track(time_s=np.zeros(1), xy=xy, visibility=np.ones((1, N_LANDMARKS)), scale=scale,
                 direction=1, camera_shift_px=np.zeros(1), frame_of_sample=np.zeros(1, int))


def test_angles_by_hand():
    # trunk leaning 10 deg forward; left thigh 30 deg forward; shank 20 deg back of vertical
    # (knee flexed 50 deg); foot 10 deg toe-up from horizontal (ankle dorsiflexed 30 deg)
    s10, c10 = math.sin(math.radians(10)), math.cos(math.radians(10))
    hip, knee = np.array([0.0, 1.0]), np.array([0.45 * math.sin(math.radians(30)),
                                                1.0 - 0.45 * math.cos(math.radians(30))])
    ankle = knee + 0.45 * np.array([-math.sin(math.radians(20)), -math.cos(math.radians(20))])
    heel = ankle + np.array([-0.05, -0.05])
    toe = heel + 0.2 * np.array([math.cos(math.radians(10)), math.sin(math.radians(10))])
    pts = {"left_hip": hip, "right_hip": hip, "left_knee": knee, "left_ankle": ankle,
           "left_heel": heel, "left_foot_index": toe,
           "left_shoulder": hip + 0.5 * np.array([s10, c10]),
           "right_shoulder": hip + 0.5 * np.array([s10, c10])}
    row = joint_angles(_track({k: tuple(v) for k, v in pts.items()})).iloc[0]
    assert row["trunk_angle_deg"] == pytest.approx(10.0)
    assert row["left_thigh_angle_deg"] == pytest.approx(30.0)
    assert row["left_shank_angle_deg"] == pytest.approx(-20.0)
    assert row["left_foot_angle_deg"] == pytest.approx(10.0)
    assert row["left_hip_flexion_deg"] == pytest.approx(40.0)
    assert row["left_knee_flexion_deg"] == pytest.approx(50.0)
    assert row["left_ankle_flexion_deg"] == pytest.approx(30.0)
    assert np.isnan(row["right_knee_flexion_deg"])  # right knee missing


def test_angles_match_the_steps_definitions(exported):
    result = exported[0]
    angles = joint_angles(result.track)
    np.testing.assert_allclose(angles["left_thigh_angle_deg"],
                               thigh_angle_deg(result.track, "left"), equal_nan=True)
    np.testing.assert_allclose(angles["trunk_angle_deg"], trunk_angle_deg(result.track),
                               equal_nan=True)


def test_frames_csv_parses_back(exported):
    result, poses, folder, paths = exported
    frames = pd.read_csv(paths["frames"])
    track = result.track
    assert len(frames) == track.n
    assert list(frames.columns[:3]) == ["time_s", "frame_index", "trunk_angle_deg"]
    for name in NAMES:
        assert {f"{name}_x_m", f"{name}_y_m", f"{name}_x_px", f"{name}_y_px"} <= set(frames)
    np.testing.assert_allclose(frames["left_knee_x_m"], track.xy[:, IDX["left_knee"], 0],
                               rtol=1e-5, atol=1e-5)
    k = track.frame_of_sample
    np.testing.assert_array_equal(frames["frame_index"], poses.frame_index[k])
    np.testing.assert_allclose(frames["right_ankle_y_px"], poses.xy_px[k, IDX["right_ankle"], 1],
                               rtol=1e-5)
    # the knee angle of a row, by hand from that row's positions
    i = len(frames) // 2
    r = frames.iloc[i]
    thigh = math.degrees(math.atan2(r["right_knee_x_m"] - r["right_hip_x_m"],
                                    r["right_hip_y_m"] - r["right_knee_y_m"]))
    shank = math.degrees(math.atan2(r["right_ankle_x_m"] - r["right_knee_x_m"],
                                    r["right_knee_y_m"] - r["right_ankle_y_m"]))
    assert r["right_knee_flexion_deg"] == pytest.approx(thigh - shank, abs=0.01)
    assert r["right_thigh_angle_deg"] == pytest.approx(thigh, abs=0.01)
    assert 0 < frames["left_knee_flexion_deg"].max() < 160
    assert not list(folder.glob(TEMP_GLOB))


def read_trc(path) -> tuple[dict[str, str], list[str], np.ndarray]:
    """(metadata, marker names, rows of Frame#, Time, X1, Y1, Z1, ...) as OpenSim reads them."""
    lines = path.read_text().split("\n")
    assert lines[0].split("\t")[:3] == ["PathFileType", "4", "(X/Y/Z)"]
    meta = dict(zip(lines[1].split("\t"), lines[2].split("\t"), strict=True))
    labels = [v for v in lines[3].split("\t") if v]
    assert labels[:2] == ["Frame#", "Time"]
    xyz = [v for v in lines[4].split("\t") if v]
    assert xyz[:3] == ["X1", "Y1", "Z1"] and len(xyz) == 3 * (len(labels) - 2)
    assert lines[5] == ""
    rows = np.array([[float(v) for v in line.split("\t")] for line in lines[6:] if line])
    return meta, labels[2:], rows


def test_trc_parses_back(exported):
    result, _, _, paths = exported
    track = result.track
    meta, markers, rows = read_trc(paths["trc"])
    assert markers == list(NAMES)
    assert meta["Units"] == "m" and int(meta["NumFrames"]) == track.n == len(rows)
    assert int(meta["NumMarkers"]) == 33 and float(meta["DataRate"]) == pytest.approx(track.fps)
    assert rows.shape[1] == 2 + 3 * 33
    np.testing.assert_array_equal(rows[:, 0], np.arange(1, track.n + 1))
    np.testing.assert_allclose(rows[:, 1], track.time_s, atol=1e-6)
    j = IDX["left_hip"]
    np.testing.assert_allclose(rows[:, 2 + 3 * j], track.xy[:, j, 0], atol=1e-6)  # X forward
    np.testing.assert_allclose(rows[:, 3 + 3 * j], track.xy[:, j, 1], atol=1e-6)  # Y up
    assert np.all(rows[:, 4 + 3 * j] == 0.0)  # Z = 0
    # metres: the hip is about one leg length above the ground
    assert np.nanmedian(rows[:, 3 + 3 * j]) == pytest.approx(result.scale.leg_length, rel=0.15)


def test_workbook_sheets_and_units(exported):
    from openpyxl import load_workbook

    result, _, _, paths = exported
    wb = load_workbook(paths["workbook"], read_only=True)
    assert wb.sheetnames == ["steps", "contacts", "summary"]
    steps = list(wb["steps"].iter_rows(values_only=True))
    header, units = steps[0], steps[1]
    assert list(header) == list(result.steps.columns)
    assert units[header.index("contact_time_s")] == "s"
    assert units[header.index("speed_m_s")] == "m/s"
    assert units[header.index("cadence_spm")] == "steps/min"
    assert units[header.index("peak_thigh_flexion_deg")] == "deg"
    assert len(steps) == 2 + len(result.steps)
    assert steps[2][header.index("contact_time_s")] == pytest.approx(
        result.steps["contact_time_s"].iloc[0])
    contacts = list(wb["contacts"].iter_rows(values_only=True))
    assert contacts[1][contacts[0].index("touchdown_time_s")] == "s"
    assert len(contacts) == 2 + len(result.contacts)
    summary = {r[0]: r[1:] for r in wb["summary"].iter_rows(values_only=True)}
    assert summary["key"] == ("value", "unit")
    value, unit = summary["summary.metrics.contact_time_s.median"]
    assert unit == "s" and value == pytest.approx(result.summary.metrics.contact_time_s.median)
    assert summary["athlete.mass_kg"] == (72.0, "kg")
    assert summary["fv_profile.f0_n_kg"][1] == "N/kg"
    assert summary["fv_profile.pmax_w"][1] == "W"


def test_without_track_only_the_workbook(tmp_path, exported):
    result = exported[0].replace(track=None)
    paths = write_exports(result, tmp_path)
    assert set(paths) == {"workbook"}
    assert [p.name for p in tmp_path.iterdir()] == [WORKBOOK_FILE]
    assert FRAMES_FILE != TRC_FILE


def test_units_by_name():
    assert unit_of("max_thigh_angular_velocity_deg_s") == "deg/s"
    assert unit_of("speed_unc_leg_s") == "leg/s"
    assert unit_of("mean_acceleration_m_s2") == "m/s^2"
    assert unit_of("sfv_n_s_m_kg") == "N s/m/kg"
    assert unit_of("drf_pct_s_m") == "%/(m/s)"
    assert unit_of("touchdown_frame") == "frame"
    assert unit_of("step_index") == ""
    assert unit_of("units_per_px", "leg") == "leg/px"
    assert flatten({"a": {"b": [1, {"c": 2}]}, "d": []}) == [("a.b.0", 1), ("a.b.1.c", 2),
                                                            ("d", "")]
