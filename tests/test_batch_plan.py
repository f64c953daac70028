"""Batch planning (``stridecam.batch``): folder and roster discovery, per-clip settings and keys,
the squad row, decode threads and the command's exit codes (no pose work)."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from conftest import REPO

from stridecam.batch import discover, squad
from stridecam.batch.command import add_arguments
from stridecam.batch.command import run as run_command
from stridecam.batch.run import decode_threads_for
from stridecam.model.errors import ConfigError
from stridecam.model.result import Athlete, Provenance, RunResult, RunSummary, ViewCheck
from stridecam.model.serial import from_jsonable
from stridecam.model.settings import PoseSettings, Settings
from stridecam.model.track import Cleaning, Scale


def test_folder_discovery_with_settings(tmp_path):
    for rel in ("anna/run1.mp4", "anna/run1.mov", "anna/notes.txt", "solo.MP4",
                ".hidden/x.mp4", "ben/day2/run.mp4", "out/old.mp4"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"")
    (tmp_path / "batch.toml").write_text(
        'height_m = 1.80\n[athletes.anna]\nheight_m = 1.68\nmass_kg = 58\ndate = "2025-05-01"\n'
        '[clips."anna/run1.mov"]\ncapture_fps = 240\nnotes = "tail wind"\n')
    plan = discover(tmp_path, skip=tmp_path / "out")
    got = {e.name: e for e in plan.entries}
    assert sorted(got) == ["anna/run1.mov", "anna/run1.mp4", "ben/day2/run.mp4", "solo.MP4"]
    assert got["anna/run1.mov"].capture_fps == 240 and got["anna/run1.mov"].notes == "tail wind"
    assert got["anna/run1.mp4"].height_m == 1.68 and got["anna/run1.mp4"].date == "2025-05-01"
    assert got["anna/run1.mp4"].mass_kg == 58 and got["solo.MP4"].mass_kg is None
    assert got["ben/day2/run.mp4"].athlete == "ben" and got["ben/day2/run.mp4"].height_m == 1.80
    assert got["solo.MP4"].athlete is None and got["solo.MP4"].rel_out == "solo"
    assert got["anna/run1.mov"].rel_out == "anna/run1"  # sorted first, so it keeps the stem
    assert got["anna/run1.mp4"].rel_out == "anna/run1_mp4"
    (tmp_path / "batch.toml").write_text("hieght_m = 1.8\n")
    with pytest.raises(ConfigError, match="did you mean 'height_m'"):
        discover(tmp_path)


def test_roster_discovery(tmp_path):
    (tmp_path / "clips").mkdir()
    roster = tmp_path / "squad.csv"
    roster.write_text("athlete,clip,height_m,mass_kg,capture_fps,date,notes\n"
                      "Anna B.,clips/a.mp4,1.70,61.5,,2025-05-01,windy\n"
                      "Ben,clips/b.mp4,17,,,,\n"
                      "Cy,clips/c.mp4,1.80,6.5,,,\n"
                      ",,,,,,\n")
    plan = discover(roster)
    a, b, c = plan.entries
    assert a.clip == tmp_path / "clips/a.mp4" and a.height_m == 1.70 and a.notes == "windy"
    assert a.mass_kg == 61.5 and b.mass_kg is None
    assert "mass_kg '6.5'" in c.problem and "line 4" in c.problem
    assert a.rel_out == "Anna B/a" and a.problem is None
    assert "height_m '17'" in b.problem and "line 3" in b.problem
    roster.write_text("athlete,clipp\nAnna,a.mp4\n")
    with pytest.raises(ConfigError, match="did you mean 'clip'"):
        discover(roster)


def _run_of(summary: dict) -> RunResult:
    """A ``RunResult`` holding only a summary (the squad row reads nothing else)."""
    return RunResult(provenance=Provenance(), athlete=Athlete(),
                     summary=from_jsonable(RunSummary, summary),
                     scale=Scale(1.0, "leg", "leg_length", 0.0, 1.0), direction=1,
                     cleaning=Cleaning(), view=ViewCheck(), contacts=pd.DataFrame(),
                     steps=pd.DataFrame())


def test_squad_row_keeps_units_apart():
    """A run with a scale fills the _m and _leg columns; one without fills only _leg."""
    scaled = {"step_length_m": {"median": 2.1}, "step_length_leg": {"median": 2.1 / 0.9},
              "cadence_spm": {"median": 270.0}, "speed_m_s": {"median": 9.4}}
    row_m = squad.squad_row(_run_of({"length_units": "m", "metrics": scaled,
                                     "top_speed_m_s": 9.8, "top_speed_leg_s": 9.8 / 0.9}),
                            athlete="a", date=None, clip="c", notes=None, output="o")
    assert row_m["step_length_m"] == 2.1 and row_m["speed_m_s"] == 9.4
    assert row_m["step_length_leg"] == pytest.approx(2.1 / 0.9)
    unscaled = {"step_length_leg": {"median": 2.1}, "cadence_spm": {"median": 270.0}}
    row_leg = squad.squad_row(_run_of({"length_units": "leg", "metrics": unscaled,
                                       "top_speed_leg_s": 9.8}),
                              athlete="a", date=None, clip="c", notes=None, output="o")
    assert row_leg["step_length_leg"] == 2.1 and row_leg["top_speed_leg_s"] == 9.8
    assert row_leg["step_length_m"] != row_leg["step_length_m"]  # NaN: no metres
    assert row_leg["top_speed_m_s"] != row_leg["top_speed_m_s"]
    assert row_leg["cadence_spm"] == 270.0 and row_leg["recovery_time_s"] != row_leg[
        "recovery_time_s"]


def test_decode_threads_do_not_oversubscribe():
    assert decode_threads_for(2, 2) == 1
    assert decode_threads_for(4, 2) == 1
    assert decode_threads_for(1, 2) == 2
    assert decode_threads_for(2, 8) == 4


def test_command_exit_2_when_nothing_can_run(tmp_path, capsys):
    import argparse

    (tmp_path / "clips").mkdir()
    (tmp_path / "clips" / "broken.mp4").write_text("not a video")
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args([str(tmp_path / "clips"), "-o", str(tmp_path / "out"), "--no-pdf",
                              "--no-progress"])
    default = PoseSettings()  # the command's defaults are the API's (same cache and done keys)
    assert (args.model_variant, args.pose_mode) == (default.model_variant, default.mode)
    assert run_command(args) == 2
    errors = pd.read_csv(tmp_path / "out" / "errors.csv")
    assert list(errors["clip"]) == ["broken.mp4"]
    assert "FAILED   broken.mp4" in capsys.readouterr().out
    with pytest.raises(ConfigError, match="at least 1"):
        run_command(parser.parse_args([str(tmp_path / "clips"), "-j", "0"]))
    empty = tmp_path / "nothing"
    empty.mkdir()
    assert run_command(parser.parse_args([str(empty), "-o", str(tmp_path / "o2"),
                                          "--no-progress"])) == 2


def test_pose_settings_reach_the_task(tmp_path):
    """A roster's capture_fps replaces the batch default for its clip only (cache key too)."""
    from stridecam.batch.discover import ClipEntry, Plan
    from stridecam.batch.run import _tasks

    clip = REPO / "sample_videos" / "acceleration_static.mp4"
    entries = [ClipEntry(name="a", clip=clip, rel_out="a", capture_fps=240.0),
               ClipEntry(name="b", clip=clip, rel_out="b")]
    statuses: dict = {}
    entries[1] = dataclasses.replace(entries[1], height_m=1.70, mass_kg=70.0)
    base = Settings(pose=PoseSettings(capture_fps=120.0))
    a, b = _tasks(Plan(tmp_path, "roster", entries), tmp_path, base, None, False, 1, False, None,
                  statuses)
    assert not statuses
    assert a.settings.pose.capture_fps == 240.0 and b.settings.pose.capture_fps == 120.0
    assert a.settings.calibration.height_m is None and b.settings.calibration.height_m == 1.70
    assert a.mass_kg is None and b.mass_kg == 70.0
    assert a.done_key and b.done_key and a.done_key != b.done_key
    heavier = _tasks(Plan(tmp_path, "roster", [dataclasses.replace(entries[1], mass_kg=80.0)]),
                     tmp_path, base, None, False, 1, False, None, statuses)[0]
    assert heavier.done_key != b.done_key  # a new mass redoes the clip's outputs
    assert a.frames_estimate == 150 and a.decode_threads == 1


# ------------------------------------------------------------ each run against the others
def test_a_run_behind_its_squad_is_judged_against_the_squad_and_says_so():
    """Within the reference ranges, but clearly behind six squad mates: balanced against the
    ranges, re-cycling limited against the squad; a lone athlete's earlier runs serve when
    the squad is too small; no other runs: the reference ranges again."""
    import random

    from limiter_runs import BALANCED, as_run, run

    from stridecam.batch.compare import compare_runs
    from stridecam.io.config import load_reference

    rng = random.Random(5)
    peers = [as_run(run(dict(BALANCED, peak_thigh_flexion_deg=78 + rng.gauss(0, 2),
                                  recovery_time_s=0.19 + rng.gauss(0, 0.006),
                                  contact_time_s=0.095 + rng.gauss(0, 0.003),
                                  max_thigh_angular_velocity_deg_s=880 + rng.gauss(0, 25)),
                             source=f"peer{i}.mp4")) for i in range(6)]
    lagging = as_run(run(dict(BALANCED, peak_thigh_flexion_deg=66.0, recovery_time_s=0.235,
                              max_thigh_angular_velocity_deg_s=700.0), source="me.mp4"))
    ref = load_reference()
    runs = [lagging, *peers]
    names = ["Me", *(f"P{i}" for i in range(6))]
    got = compare_runs(runs, names, [""] * len(runs), ref)
    assert (got[0].label, got[0].basis) == ("recycling_limited", "squad")
    assert all(c.basis == "squad" for c in got)
    # the same athlete's four earlier runs, no squad: the athlete's history
    dates = ["2026-05-01", "2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01"]
    got = compare_runs(runs[:5], ["Me"] * 5, dates, ref)
    assert (got[0].label, got[0].basis) == ("recycling_limited", "athlete history")
    # the first of them has no earlier run: reference ranges
    assert got[1].basis == "reference ranges"
    assert compare_runs([lagging], ["Me"], [""], ref)[0].basis == "reference ranges"
