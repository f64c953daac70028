"""Timestamps from any container (issue 16): coarse time bases (Matroska/WebM 1 ms, MOV 1/600 s)
are rounding, not variable timing; the same frames in another container give the same times
and the same results; genuinely variable frame timing is kept.

Quick tests: ``timeline.frame_grid`` on made-up timestamps, and small clips remuxed here. Slow:
the bundled samples in WebM (VP9, lossless) and MKV through ``stridecam analyse``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from bad_corpus import containers, ffmpeg
from conftest import REPO, moving_square_images, video, write_clip

from stridecam.io.timeline import frame_grid
from stridecam.io.video import VideoReader

STANDARD = [Fraction(30000, 1001), Fraction(30), Fraction(60), Fraction(120), Fraction(240)]
rng = np.random.default_rng(16)


def rounded(times: np.ndarray, tick: float) -> np.ndarray:
    return np.round(times / tick) * tick


# ----------------------------------------------------------------------------- frame_grid
def test_millisecond_rounding_of_120_fps_is_found():
    t = rounded(np.arange(360) / 120, 1e-3)
    assert np.median(np.diff(t)) == pytest.approx(0.008)  # what made "125 fps effective"
    rate, offset = frame_grid(t, 1e-3, STANDARD)
    assert rate == 120 and abs(offset) <= 1e-3


def test_ntsc_rate_in_apple_ticks_is_found():
    t = rounded(np.arange(228) * 1001 / 30000, 1 / 600)  # 20 or 21 ticks apart
    assert set(np.round(np.diff(t) * 600).astype(int)) == {20, 21}
    assert frame_grid(t, 1 / 600, STANDARD)[0] == Fraction(30000, 1001)


def test_dropped_frames_keep_their_gap():
    k = np.delete(np.arange(300), [50, 51, 180])
    t = rounded(k / 120, 1e-3)
    assert frame_grid(t, 1e-3, STANDARD)[0] == 120


def test_half_filled_grid_is_the_coarser_rate():
    t = rounded(np.arange(200) / 60, 1e-3)  # a 60 fps clip whose container says 120
    assert frame_grid(t, 1e-3, [Fraction(120)] + STANDARD)[0] == 60


def test_variable_timing_fits_no_grid():
    dt = rng.uniform(0.0317, 0.0483, 170)  # like the front_jog clip's intervals
    t = rounded(np.concatenate([[0], np.cumsum(dt)]), 1 / 600)
    assert frame_grid(t, 1 / 600, STANDARD) is None
    jitter = np.arange(300) / 30 + rng.normal(0, 0.002, 300)  # 2 ms capture jitter, fine ticks
    assert frame_grid(rounded(np.sort(jitter), 1 / 90000), 1 / 90000, STANDARD) is None


# ----------------------------------------------------------------------------- clips
@pytest.fixture
def square_clip(tmp_path):
    return write_clip(tmp_path / "squares.mp4", moving_square_images(48), fps=120)


@pytest.mark.parametrize("suffix", [".mkv", ".webm"])
def test_one_millisecond_containers_read_at_the_true_rate(square_clip, suffix):
    mp4 = [(f.index, f.time_s) for f in VideoReader(square_clip)]
    other = square_clip.with_suffix(suffix)
    if suffix == ".mkv":
        ffmpeg("-i", str(square_clip), "-c", "copy", str(other))
    else:
        ffmpeg("-i", str(square_clip), "-c:v", "libvpx-vp9", "-lossless", "1", "-deadline",
               "realtime", "-cpu-used", "8", str(other))
    reader = VideoReader(other)
    got = [(f.index, f.time_s) for f in reader]
    assert reader.timeline.tick_s == pytest.approx(1e-3) and reader.timeline.grid_fps == 120
    assert [i for i, _ in got] == [i for i, _ in mp4]
    np.testing.assert_allclose([t for _, t in got], [t for _, t in mp4], atol=1e-9)


def test_real_variable_frame_rate_clip_keeps_its_timing():
    reader = VideoReader(video("front_jog_in_place_vfr.mp4"))
    times = np.array([f.time_s for f in reader])
    assert reader.timeline.grid_fps is None
    assert np.diff(times).max() - np.diff(times).min() > 0.01  # 31.7 to 48.3 ms kept


def test_ntsc_phone_clip_snapped_to_its_grid():
    reader = VideoReader(video("track_blockstart_a1_side.mp4"))
    times = np.array([f.time_s for f in reader])
    assert reader.timeline.grid_fps == Fraction(30000, 1001)
    np.testing.assert_allclose(np.diff(times), 1001 / 30000, rtol=1e-9)


# ----------------------------------------------------------------------------- end to end
SAMPLES = ("balanced_pan", "slow_recycling", "acceleration_static")


def analyse(clip: Path, out: Path) -> dict:
    proc = subprocess.run([sys.executable, "-m", "stridecam.cli", "analyse", str(clip), "-o",
                           str(out), "--no-report"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads((out / "summary.json").read_text())["summary"]


@pytest.mark.slow
@pytest.mark.parametrize("name", SAMPLES[:2])
def test_same_frames_same_results_in_webm_and_mkv(name, tmp_path):
    """The bar of issue 16: effective fps within 2% of the mp4's and the same number of steps
    (within one) for WebM and MKV copies of the bundled samples."""
    mp4 = REPO / "sample_videos" / f"{name}.mp4"
    copies = containers(tmp_path / "clips", mp4, kinds=("webm", "mkv"))
    # the mp4's own analysis: its snapshot (test_snapshots holds it equal to a fresh run)
    want = json.loads((REPO / "tests" / "data" / "snapshots" / name / "summary.json")
                      .read_text())["summary"]
    for kind in ("webm", "mkv"):
        got = analyse(copies[kind], tmp_path / kind)
        print(f"{name}.{kind}: {got['effective_fps']:.2f} fps, {got['n_steps']} steps "
              f"(mp4: {want['effective_fps']:.2f} fps, {want['n_steps']} steps)")
        assert got["effective_fps"] == pytest.approx(want["effective_fps"], rel=0.02)
        assert abs(got["n_steps"] - want["n_steps"]) <= 1
