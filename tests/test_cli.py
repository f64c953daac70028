"""The command line as a user meets it: exit codes, one-line errors, cached re-runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, moving_square_images, write_clip

SAMPLE = REPO / "sample_videos" / "balanced_pan.mp4"


def stridecam(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "stridecam.cli", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=300)


@pytest.mark.slow
@pytest.mark.parametrize("command", ["pose", "analyse"])
def test_bad_inputs_one_line_and_exit_2(tmp_path, command):
    text = tmp_path / "notes.mp4"
    text.write_text("not a video\n" * 20)
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    for path, words in ((tmp_path / "missing.mp4", "no such file"), (text, "not a readable video"),
                        (empty, "empty")):
        out = stridecam(command, str(path), "-o", str(tmp_path / "out"))
        assert out.returncode == 2, out.stderr
        lines = [ln for ln in out.stderr.splitlines() if ln.strip()]
        assert lines == [lines[0]] and str(path) in lines[0] and words in lines[0], out.stderr
        assert "Traceback" not in out.stderr


def test_debug_shows_the_traceback(tmp_path):
    out = stridecam("--debug", "pose", str(tmp_path / "missing.mp4"))
    assert out.returncode != 0 and "Traceback" in out.stderr


def test_bad_setting_is_one_line(tmp_path):
    out = stridecam("analyse", str(SAMPLE), "--height-m", "180", "-o", str(tmp_path / "o"))
    assert out.returncode == 2 and "--height-m 180" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.slow
def test_pose_then_analyse_reuses_landmarks(tmp_path):
    clip = write_clip(tmp_path / "squares.mp4", moving_square_images(12))
    out_dir = tmp_path / "run"
    first = stridecam("pose", str(clip), "-o", str(out_dir))
    assert first.returncode == 0, first.stderr
    assert "extracted landmarks for 12 frames" in first.stdout
    meta = json.loads((out_dir / "landmarks.json").read_text())
    assert meta["cache_key"] and meta["model"] == "pose_landmarker_full"
    second = stridecam("pose", str(clip), "-o", str(out_dir))
    assert second.returncode == 0 and "reused cached landmarks" in second.stdout
    changed = stridecam("pose", str(clip), "-o", str(out_dir), "--pose-mode", "image")
    assert "extracted landmarks" in changed.stdout  # other settings: other cache key


@pytest.mark.slow
def test_analyse_the_bundled_sample(tmp_path):
    """README's main job: a real clip, real MediaPipe, real outputs."""
    out_dir = tmp_path / "balanced_pan"
    out = stridecam("analyse", str(SAMPLE), "--height-m", "1.80", "-o", str(out_dir))
    assert out.returncode == 0, out.stderr
    assert "verdict:" in out.stdout
    summary = json.loads((out_dir / "summary.json").read_text())["summary"]
    assert summary["n_steps"] >= 8 and summary["length_units"] == "m"
    truth = json.loads(SAMPLE.with_suffix(".truth.json").read_text())
    true_cadence = sorted(s["cadence_spm"] for s in truth["steps"])[len(truth["steps"]) // 2]
    assert summary["metrics"]["cadence_spm"]["median"] == pytest.approx(true_cadence, rel=0.02)
    for name in ("steps.csv", "contacts.csv", "landmarks.parquet"):
        assert (out_dir / name).stat().st_size > 0
    assert not list(out_dir.glob(".*part*"))  # no temp file left behind
