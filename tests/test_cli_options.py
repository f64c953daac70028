"""Command-line habits (issue 13): ``--config`` for analyse and batch, ``--start/--end``,
``--direction``, one "no PDF" flag, several clips per ``analyse``, examples in ``--help``,
``stridecam frame``."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from conftest import REPO

from stridecam.analysis.clean import clean, within_range
from stridecam.cli import apply_config, build_parser
from stridecam.model.errors import ConfigError
from stridecam.model.settings import Calibration, CleanSettings
from stridecam.options import settings_from_args
from stridecam.simulate import simulate_preset, to_poses

SAMPLE = REPO / "sample_videos" / "acceleration_static.mp4"


def stridecam(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "stridecam.cli", *args], capture_output=True,
                          text=True, timeout=600)


def parsed(argv: list[str]):
    parser = build_parser()
    apply_config(parser, argv)
    return parser.parse_args(argv)


def test_config_values_become_options_and_the_command_line_wins(tmp_path):
    cfg = tmp_path / "athlete.toml"
    cfg.write_text('height_m = 1.82\nno_pdf = true\ndirection = "right_to_left"\n'
                   'mass-kg = 70.0\n[analysis.contacts]\nprominence_leg = 0.05\n')
    args = parsed(["analyse", "run.mp4", "--config", str(cfg)])
    assert args.no_pdf and args.height_m == 1.82 and args.mass_kg == 70.0
    s = settings_from_args(args)
    assert s.calibration.height_m == 1.82
    assert s.analysis.contacts.prominence_leg == 0.05
    assert s.analysis.clean.direction == "right_to_left"
    args = parsed(["analyse", "run.mp4", "--config", str(cfg), "--height-m", "1.7",
                   "--direction", "left_to_right"])
    s = settings_from_args(args)
    assert s.calibration.height_m == 1.7 and s.analysis.clean.direction == "left_to_right"
    cfg.write_text('height_m = 1.82\nno_pdf = true\n')  # batch has no --mass-kg
    batch = parsed(["batch", "clips", "--config", str(cfg)])
    assert batch.no_pdf and settings_from_args(batch).calibration.height_m == 1.82


@pytest.mark.parametrize("command", ["analyse", "batch"])
def test_a_misspelt_config_key_fails_with_exit_2_naming_the_closest(tmp_path, command):
    cfg = tmp_path / "bad.toml"
    cfg.write_text("heigth_m = 1.8\n")
    out = stridecam(command, str(SAMPLE), "--config", str(cfg))
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        f"stridecam: config {cfg}: unknown key 'heigth_m'; did you mean 'height_m'?"]
    cfg.write_text("[analysis.contacts]\nprominence = 0.1\n")
    out = stridecam(command, str(SAMPLE), "--config", str(cfg))
    assert out.returncode == 2 and "did you mean 'analysis.contacts.prominence_leg'" in out.stderr


def test_no_pdf_is_one_flag_name_across_commands():
    for argv in (["analyse", "a.mp4", "--no-pdf"], ["analyse", "a.mp4", "--no-report"],
                 ["batch", "clips", "--no-pdf"], ["batch", "clips", "--no-report"]):
        assert parsed(argv).no_pdf


def test_every_command_help_has_examples():
    for command in ("pose", "analyse", "report", "batch", "frame"):
        out = stridecam(command, "--help")
        assert out.returncode == 0 and "examples:" in out.stdout, command


def test_start_end_keep_that_part_and_direction_can_be_forced():
    poses = to_poses(simulate_preset("balanced_pan", seed=1))
    part = within_range(poses, CleanSettings(start_s=0.5, end_s=2.0))
    assert part.time_s[0] >= 0.5 - 1e-9 and part.time_s[-1] <= 2.0 + 1e-9
    assert part.n_frames == int(np.sum((poses.time_s >= 0.5 - 1e-9)
                                       & (poses.time_s <= 2.0 + 1e-9)))
    with pytest.raises(ConfigError, match="keeps 0 frame"):
        within_range(poses, CleanSettings(start_s=10.0))
    with pytest.raises(ConfigError, match="--end"):
        CleanSettings(start_s=2.0, end_s=1.0)
    with pytest.raises(ConfigError, match="--direction"):
        CleanSettings(direction="up")
    assert clean(poses, Calibration(height_m=1.8)).direction == 1  # runs left to right
    forced = clean(poses, Calibration(height_m=1.8), CleanSettings(direction="right_to_left"))
    assert forced.direction == -1


def test_frame_writes_a_png_with_the_frame_size(tmp_path):
    import cv2

    png = tmp_path / "f.png"
    out = stridecam("frame", str(SAMPLE), "--at", "0.5", "-o", str(png))
    assert out.returncode == 0, out.stderr
    image = cv2.imread(str(png))
    assert image is not None and image.shape[:2] == (720, 1280)
    out = stridecam("frame", str(SAMPLE), "--at", "99")
    assert out.returncode == 2 and "outside the clip" in out.stderr


@pytest.mark.slow
def test_several_clips_one_bad_the_others_done(tmp_path):
    out = stridecam("analyse", str(SAMPLE), str(tmp_path / "missing.mp4"), "-o",
                    str(tmp_path / "out"), "--no-pdf")
    assert out.returncode == 1, out.stderr
    assert "missing.mp4: no such file" in out.stderr
    assert (tmp_path / "out" / SAMPLE.stem / "summary.json").exists()
    assert "1 of 2 clips analysed" in out.stdout
    assert "INFO:" not in out.stderr  # MediaPipe's own log lines are silenced
