"""Video ingest: timestamps, rotation, capture rate, repeated frames, bad input.

Oracles: ffprobe/ffmpeg (independent of PyAV) for timestamps and rotation; clips made here with
known content for capture-rate tags and repeats.
"""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest
from conftest import moving_square_images, video

from stridecam.io.timeline import GRID_TOLERANCE
from stridecam.io.video import VideoReader, probe
from stridecam.model.errors import InputError


def ffprobe_pts(path) -> np.ndarray:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "frame=pts_time",
         "-of", "csv=p=0", str(path)], capture_output=True, text=True, check=True).stdout
    return np.array([float(v.strip(",")) for v in out.split() if v.strip(",")])


@pytest.mark.slow
@pytest.mark.parametrize("name", ["front_jog_in_place_vfr.mp4", "treadmill_lab_slowmo_side.mp4",
                                  "track_blockstart_a1_side.mp4"])
def test_timestamps_equal_container(name):
    path = video(name)
    reader = VideoReader(path, drop_repeats=False)
    frames = list(reader)
    pts = ffprobe_pts(path)
    assert reader.stats.n_decoded == len(pts) == reader.info.n_frames
    times = np.array([f.time_s for f in frames])
    # timestamps rounded from a frame grid (a1: 29.97 fps in 1/600 s ticks) are snapped back to
    # it (tests/test_containers.py): then they equal the container's within that rounding
    grid = reader.timeline.grid_fps is not None
    atol = GRID_TOLERANCE * reader.timeline.tick_s if grid else 1e-6
    np.testing.assert_allclose(times, pts - pts[0], atol=atol)


def test_variable_frame_rate_kept_not_uniform():
    frames = list(VideoReader(video("front_jog_in_place_vfr.mp4")))
    dt = np.diff([f.time_s for f in frames])
    # the clip's own intervals range from ~31.7 to ~48.3 ms: index/fps would hide that
    assert dt.max() - dt.min() > 0.01


def test_repeated_frames_found_on_max_velocity_clip():
    reader = VideoReader(video("track_maxvelocity_slowmo_side.mp4"))
    frames = list(reader)
    assert reader.stats.n_decoded == 185
    # each image is held for 3 (sometimes 6) frames: about a third are distinct
    assert 50 <= reader.stats.n_kept <= 70
    assert reader.stats.n_kept + reader.stats.n_repeats == 185
    eff_fps = 1 / np.median(np.diff([f.time_s for f in frames]))
    assert 9 < eff_fps < 11


def test_no_repeats_on_normal_clip():
    reader = VideoReader(video("track_blockstart_a1_side.mp4"))
    list(reader)
    # the athlete holds still in the set position, yet every frame is a real new image
    assert reader.stats.n_repeats == 0


def test_synthetic_repeats_dropped(tmp_clip):
    images = moving_square_images(10)
    held = [img for img in images for _ in range(3)]  # each image held 3 frames
    reader = VideoReader(tmp_clip("held.mp4", held, fps=30))
    frames = list(reader)
    assert len(frames) == 10 and reader.stats.n_repeats == 20
    np.testing.assert_allclose(np.diff([f.time_s for f in frames]), 0.1, atol=1e-3)


def test_portrait_rotation_applied_like_ffmpeg(tmp_path, tmp_clip):
    img = np.full((64, 128, 3), 60, np.uint8)
    img[:16, :16] = (255, 0, 0)  # red marker top-left of the stored (landscape) image
    path = tmp_clip("portrait.mp4", [img] * 3, rotation=-90)  # as phones store portrait clips
    info = probe(path)
    assert (info.width, info.height) == (64, 128)
    frame = next(iter(VideoReader(path)))
    assert frame.image.shape == (128, 64, 3)
    png = tmp_path / "ffmpeg.png"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(path), "-frames:v", "1", str(png)],
                   check=True)
    import cv2

    ref = cv2.imread(str(png))[:, :, ::-1]
    assert ref.shape == frame.image.shape
    ours = np.argwhere(frame.image[:, :, 0] > 200).mean(axis=0)
    theirs = np.argwhere(ref[:, :, 0] > 200).mean(axis=0)
    np.testing.assert_allclose(ours, theirs, atol=1.5)


def test_portrait_clip_comes_out_upright():
    frames = VideoReader(video("treadmill_phone60fps_side.mp4"), prefetch=0)
    first = next(iter(frames))
    assert first.image.shape == (1920, 1080, 3)


def test_capture_fps_tag_scales_time(tmp_clip):
    path = tmp_clip("slomo.mp4", moving_square_images(8), fps=30,
                    metadata={"com.android.capture.fps": "120.000000"})
    reader = VideoReader(path)
    assert reader.info.capture_fps == 120 and reader.info.capture_fps_source == "container tag"
    times = [f.time_s for f in reader]
    np.testing.assert_allclose(np.diff(times), 1 / 120, atol=1e-4)


def test_capture_fps_override(tmp_clip):
    path = tmp_clip("plain.mp4", moving_square_images(8), fps=30)
    reader = VideoReader(path, capture_fps=240)
    assert reader.info.capture_fps_source.startswith("user")
    np.testing.assert_allclose(np.diff([f.time_s for f in reader]), 1 / 240, atol=1e-4)


@pytest.mark.slow
def test_prefetch_thread_gives_same_frames():
    path = video("treadmill_lab_slowmo_side.mp4")
    a = [(f.index, f.time_s) for f in VideoReader(path, prefetch=0)]
    b = [(f.index, f.time_s) for f in VideoReader(path, prefetch=4)]
    assert a == b


# ----------------------------------------------------------------------------- bad input
def _audio_only(path):
    import av

    with av.open(str(path), "w") as c:
        s = c.add_stream("aac", rate=44100)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp",
                                           layout="mono")
        frame.sample_rate = 44100
        for i in range(10):
            frame.pts = i * 1024
            for p in s.encode(frame):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return path


def _bad_inputs(tmp_path, tmp_clip):
    good = tmp_clip("good.mp4", moving_square_images(30))
    data = good.read_bytes()
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(data[: len(data) // 3])
    text = tmp_path / "notes.mp4"
    text.write_text("this is not a video\n" * 50)
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    tiny = tmp_clip("tiny.mp4", [np.zeros((16, 16, 3), np.uint8)] * 3)
    return {
        "truncated": (truncated, "truncated"),
        "text": (text, "not a readable video"),
        "empty": (empty, "empty"),
        "audio": (_audio_only(tmp_path / "audio.m4a"), "no video stream"),
        "missing": (tmp_path / "nope.mp4", "no such file"),
        "folder": (tmp_path, "folder"),
        "tiny": (tiny, "16x16"),
    }


def test_bad_inputs_give_one_clear_line(tmp_path, tmp_clip):
    for kind, (path, words) in _bad_inputs(tmp_path, tmp_clip).items():
        with pytest.raises(InputError) as err:
            list(VideoReader(path))
        message = str(err.value)
        assert str(path) in message, kind
        assert words in message, (kind, message)
        assert "\n" not in message


def test_ffprobe_available():
    assert shutil.which("ffprobe"), "ffmpeg (Debian package) is needed by the video tests"


def test_recording_date_from_the_container(tmp_clip):
    assert probe(video("front_jog_in_place_vfr.mp4")).recorded == "2020-06-24 11:49:20"
    assert probe(tmp_clip("plain.mp4", moving_square_images(3))).recorded is None
