"""Slow motion recognised by physics (``analysis.timescale``, issue 14).

Simulated runs are exact: the pelvis flies ballistically (9.81 m/s^2) between contacts, so a run
"filmed" at 120 fps and stored in a 30 fps file without a tag (every time multiplied by 4) must
come back as x4 with the truth's cadence; a real-time run must stay x1 whatever its frame rate.
Held images are built by hand: each image is shown for 3 or 6 container frames, one hold is
split 2+1 by a near-copy; the distinct images must land on their capture grid, the copy gone.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from stridecam.analysis.flight import step_period_samples
from stridecam.analysis.run import analyse_poses
from stridecam.analysis.timescale import distinct_times, replay, retime
from stridecam.model.errors import ConfigError
from stridecam.model.poses import Poses
from stridecam.model.serial import run_from_json, run_to_json
from stridecam.model.settings import AnalysisSettings, Calibration, settings_from_dict
from stridecam.model.timescale import TimeScale
from stridecam.model.timescale_settings import TimeScaleSettings
from stridecam.simulate import simulate_preset, to_poses

CALIB = Calibration(height_m=1.8)
LANDMARKS = Path(__file__).parent / "data" / "landmarks"


def slowed(poses: Poses, factor: float, container_fps: float = 30.0, *,
           tag: bool = False) -> Poses:
    """``poses`` as a file slowed ``factor`` times and stored at ``container_fps``: the frames
    the container keeps (the nearest capture frame to each container tick, repeats dropped as
    the decoder does), times of the file; ``tag``: the file says its capture rate."""
    t = poses.time_s * factor
    ticks = np.arange(0.0, t[-1] + 1e-9, 1.0 / container_fps)
    src = np.clip(np.searchsorted(t, ticks - 0.5 / container_fps), 0, len(t) - 1)
    prev = np.clip(src - 1, 0, None)
    src = np.where(np.abs(t[prev] - ticks) <= np.abs(t[src] - ticks), prev, src)
    new = np.r_[True, np.diff(src) != 0]
    rows = src[new]
    capture = container_fps * factor if tag else container_fps
    meta = {"capture_fps_source": "container tag" if tag else "container frame rate"}
    times = ticks[new] / factor if tag else ticks[new]
    return poses.replace(time_s=times, frame_index=np.flatnonzero(new), xy_px=poses.xy_px[rows],
                         z_rel=poses.z_rel[rows], visibility=poses.visibility[rows],
                         world_m=poses.world_m[rows], nominal_fps=container_fps,
                         capture_fps=capture, meta=meta)


@pytest.fixture(scope="module")
def sprint_120():
    run = simulate_preset("balanced_pan", fps=120)
    return run, to_poses(run)


def true_cadence_spm(run) -> float:
    return float(run.steps["cadence_spm"].median())


@pytest.mark.parametrize("factor", [2, 4, 8])
def test_untagged_slow_motion_is_found_and_retimed(sprint_120, factor):
    run, poses = sprint_120
    result = analyse_poses(slowed(poses, factor), CALIB)
    ts = result.timescale
    assert ts is not None and ts.status == "applied" and ts.applied
    assert ts.factor == factor
    assert abs(result.provenance.capture_fps - 30 * factor) < 0.1 * 30 * factor
    cadence = result.summary.metrics.cadence_spm.value
    assert abs(cadence - true_cadence_spm(run)) < 0.03 * true_cadence_spm(run)
    assert abs(math.log(ts.gravity_factor / factor)) < math.log(1.42)
    assert any(f.code == "slow_motion_detected" for f in result.flags)


@pytest.mark.parametrize(("preset", "fps"), [("force_limited", 240), ("slow_recycling", 120)])
def test_other_presets_and_a_240_fps_run(preset, fps):
    run = simulate_preset(preset, fps=fps, duration_s=2.0)
    slow, ts = retime(slowed(to_poses(run), 8 if fps == 240 else 4), CALIB)
    assert ts.applied and ts.factor == (8 if fps == 240 else 4)
    assert slow.capture_fps == pytest.approx(30.0 * ts.factor)


@pytest.mark.parametrize("fps", [30, 60, 120, 240])
def test_real_time_is_never_slow_motion(fps):
    poses = to_poses(simulate_preset("balanced_pan", fps=fps, duration_s=2.0))
    out, ts = retime(poses, Calibration())
    assert ts.factor == 1.0 and not ts.applied and ts.status in ("real_time", "inconclusive")
    assert np.array_equal(out.time_s, poses.time_s)
    assert not [f for f in out.flags if "slow" in f.code]


@pytest.mark.parametrize("clip", sorted(p.name for p in LANDMARKS.iterdir() if p.is_dir()))
def test_real_clips_keep_real_time(clip):
    """The labelled real clips' stored landmarks (block starts at 30 fps, a 60 fps treadmill)."""
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1] / "tools"))
    from snapshots import stored_poses

    _, ts = retime(stored_poses(LANDMARKS / clip))
    assert ts.factor == 1.0 and not ts.applied


def test_a_right_tag_is_confirmed_and_a_wrong_one_flagged_but_kept(sprint_120):
    _, poses = sprint_120
    right, ts = retime(slowed(poses, 4, tag=True), CALIB)
    assert ts.status == "rate_confirmed" and ts.factor == 4.0 and not ts.applied
    assert not [f for f in right.flags if f.code == "capture_rate_doubtful"]
    wrong = slowed(poses, 4)  # a tag saying 240 fps on a 120 fps clip (4x, not 8x)
    wrong = wrong.replace(time_s=wrong.time_s / 8, capture_fps=240.0,
                          meta={"capture_fps_source": "container tag"})
    kept, ts = retime(wrong, CALIB)
    assert ts.status == "rate_doubtful" and ts.factor == 8.0 and ts.best_factor == 4.0
    assert np.array_equal(kept.time_s, wrong.time_s)
    assert [f for f in kept.flags if f.code == "capture_rate_doubtful"]


def test_a_users_capture_rate_is_never_overridden(sprint_120):
    _, poses = sprint_120
    user = slowed(poses, 4).replace(meta={"capture_fps_source": "user (--capture-fps)"})
    out, ts = retime(user, CALIB)
    assert ts.factor == 1.0 and not ts.applied and ts.status == "rate_doubtful"
    assert np.array_equal(out.time_s, user.time_s)


def test_apply_off_only_suggests(sprint_120):
    _, poses = sprint_120
    out, ts = retime(slowed(poses, 4), CALIB, TimeScaleSettings(apply=False))
    assert ts.status == "suggested" and ts.best_factor == 4.0 and ts.factor == 1.0
    assert [f for f in out.flags if f.code == "possible_slow_motion"]


def held(poses: Poses, holds: list[int], frame_s: float) -> Poses:
    """The first ``len(holds)`` images of ``poses`` each shown ``holds[i]`` container frames
    (times: first appearance); a hold given as -1 repeats the previous image as a near-copy."""
    rows, frames, f = [], [], 0
    image = -1
    for h in holds:
        image = image if h < 0 else image + 1
        rows.append(image)
        frames.append(f)
        f += abs(h)
    rows_a = np.array(rows)
    return poses.replace(time_s=np.array(frames) * frame_s, frame_index=np.array(frames),
                         xy_px=poses.xy_px[rows_a], z_rel=poses.z_rel[rows_a],
                         visibility=poses.visibility[rows_a], world_m=poses.world_m[rows_a],
                         nominal_fps=1.0 / frame_s, capture_fps=1.0 / frame_s)


def test_held_images_go_on_their_grid_and_near_copies_go():
    poses = to_poses(simulate_preset("balanced_pan", fps=30, duration_s=2.0))
    # image 3 held twice as long (a capture frame lost), image 6 split 2 + 1 by a near-copy
    holds = [3, 3, 3, 6, 3, 3, 2, -1, 3, 3, 3, 3, 3, 3]
    clip = held(poses, holds, 1 / 30)
    out, hold, copies = distinct_times(clip)
    assert hold == pytest.approx(3.0) and copies == 1
    assert out.n_frames == clip.n_frames  # rows still match the decoded frames
    copy = np.zeros(out.n_frames, dtype=bool)
    copy[7] = True
    assert not np.isfinite(out.xy_px[copy]).any() and np.isfinite(out.xy_px[~copy]).all()
    slots = np.round(out.frame_index[~copy] / 3.0)
    assert np.allclose(out.time_s[~copy], slots * 3 / 30, atol=1e-9)
    assert np.all(np.diff(out.time_s) > 0)


def test_regular_repeats_and_plain_clips_are_left_alone():
    poses = to_poses(simulate_preset("balanced_pan", fps=30, duration_s=1.0))
    assert distinct_times(poses)[0] is poses
    regular = held(poses, [2] * 20, 1 / 30)
    assert distinct_times(regular)[0] is regular


def test_fractional_holds_4_5_are_one_grid():
    poses = to_poses(simulate_preset("balanced_pan", fps=30, duration_s=2.0))
    clip = held(poses, [4, 5] * 10, 1 / 30)
    out, hold, dropped = distinct_times(clip)
    assert hold == pytest.approx(4.5, rel=0.02) and dropped == 0
    step = np.diff(out.time_s)
    assert np.allclose(step, step[0]) and step[0] == pytest.approx(4.5 / 30, rel=0.02)
    assert np.ptp(np.diff(clip.time_s)) > 0.03  # the first appearances were not even


def test_step_period_is_scale_free():
    t = np.arange(400)
    x = np.sin(2 * np.pi * t / 23.0) + 0.1 * np.sin(2 * np.pi * t / 7.0)
    assert step_period_samples(x) == pytest.approx(23.0, abs=0.5)
    assert math.isnan(step_period_samples(np.zeros(400)))


def test_settings_load_validate_and_round_trip(sprint_120):
    s = settings_from_dict({"analysis": {"timescale": {"usual_factors": [1, 2, 4, 8, 10],
                                                       "apply": False}}})
    assert s.analysis.timescale.usual_factors == (1, 2, 4, 8, 10)
    with pytest.raises(ConfigError, match="usual_factors"):
        TimeScaleSettings(usual_factors=(0.5,))
    with pytest.raises(ConfigError, match="min_contact_s"):
        TimeScaleSettings(min_contact_s=0.4)
    _, poses = sprint_120
    result = analyse_poses(slowed(poses, 4), CALIB)
    back = run_from_json(json.loads(json.dumps(run_to_json(result), allow_nan=False)))
    assert run_to_json(back)["timescale"] == run_to_json(result)["timescale"]
    assert isinstance(back.timescale, TimeScale) and back.timescale.factor == 4.0
    assert back.settings.analysis == AnalysisSettings()


def test_replay_gives_the_analysed_times(sprint_120):
    _, poses = sprint_120
    clip = slowed(poses, 4)
    out, ts = retime(clip, CALIB)
    again = replay(clip, ts)
    assert np.allclose(again.time_s, out.time_s)
    assert replay(again, ts) is again


@pytest.mark.slow
def test_untagged_slow_motion_file_is_posed_again_at_the_found_rate(tmp_path):
    """The bundled 120 fps sample stored as a 30 fps file slowed x2 with no tag: the clip job
    finds 60 fps from the motion, takes the landmarks again at that rate, says so, keeps the
    truth's cadence, and a re-run uses the landmarks of the found rate at once."""
    import shutil
    import subprocess

    from stridecam.pipeline import FOUND_RATE_FILE, analyse_clip

    sample = Path(__file__).resolve().parents[1] / "sample_videos" / "slow_recycling.mp4"
    if shutil.which("ffmpeg") is None:
        pytest.fail("ffmpeg is required (apt-get install ffmpeg)")
    clip = tmp_path / "slowed_x2.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(sample), "-vf", "setpts=2*PTS",
                    "-r", "60", "-map_metadata", "-1", "-an", str(clip)], check=True)
    truth = json.loads(sample.with_suffix(".truth.json").read_text())
    true_cadence = float(np.median([s["cadence_spm"] for s in truth["steps"]]))
    run = analyse_clip(clip, tmp_path / "out")
    result = run.result
    assert result.provenance.capture_fps == pytest.approx(120, rel=0.10)
    assert result.summary.metrics.cadence_spm.value == pytest.approx(true_cadence, rel=0.03)
    assert any(f.code == "slow_motion_detected" for f in result.flags)
    assert (tmp_path / "out" / FOUND_RATE_FILE).exists()
    again = analyse_clip(clip, tmp_path / "out")
    assert again.from_cache
    assert again.result.summary.metrics.cadence_spm.value == pytest.approx(
        result.summary.metrics.cadence_spm.value)
