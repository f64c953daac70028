"""Pose stage: crop geometry, the athlete tracker (fake detector), and real MediaPipe on real clips.

Oracles: for geometry, a bright block whose position is known; for the tracker, a scripted
world of boxes where the fake detector (like MediaPipe's) misses people that are small in the
region it is shown; for MediaPipe, clips whose content was checked by eye (frame numbers where
the athlete is visible are in ../shared/videos/MANIFEST.md and the comments below).
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from dataclasses import dataclass

import numpy as np
import pytest
from conftest import video

from stridecam.io.pose import TrackSettings, extract_poses
from stridecam.io.pose.geometry import (
    Candidate,
    Crop,
    distinct,
    iou,
    search_levels,
    square_crop,
    tile_grid,
)
from stridecam.io.pose.tracker import AthleteTracker
from stridecam.model.errors import InputError, ModelError
from stridecam.model.frames import Frame, VideoInfo
from stridecam.model.landmarks import IDX, N_LANDMARKS

HIPS = [IDX["left_hip"], IDX["right_hip"]]


# ----------------------------------------------------------------------------- geometry
@pytest.mark.parametrize("centre, side, max_px", [
    ((100.0, 150.0), 180, 512),  # inside the frame, no scaling
    ((30.0, 20.0), 300, 512),  # hangs over the top-left corner: padded
    ((600.0, 300.0), 1500, 256),  # larger than the frame and shrunk 5.9x
])
def test_square_crop_maps_back_to_frame_pixels(centre, side, max_px):
    yy, xx = np.mgrid[0:480, 0:640] + 0.5  # continuous coordinates of pixel centres
    blob = 255 * np.exp(-((xx - 50.0) ** 2 + (yy - 110.0) ** 2) / (2 * 12.0 ** 2))
    img = np.repeat(blob.round().astype(np.uint8)[:, :, None], 3, axis=2)  # centred at (50, 110)
    out, crop = square_crop(img, np.array(centre), side, max_px)
    assert out.shape[0] == out.shape[1] == min(side, max_px)
    assert out.flags["C_CONTIGUOUS"] and out.dtype == np.uint8
    w = out[:, :, 0].astype(float)
    v, u = np.mgrid[0:w.shape[0], 0:w.shape[1]]
    cu, cv = (w * (u + 0.5)).sum() / w.sum(), (w * (v + 0.5)).sum() / w.sum()
    # the same mapping MediaPipe's normalised output goes through
    xy, _ = crop.to_frame(np.array([[cu / out.shape[1], cv / out.shape[0], 0.0]]))
    assert np.allclose(xy[0], (50.0, 110.0), atol=0.1)


def test_square_crop_outside_frame_is_none():
    assert square_crop(np.zeros((100, 100, 3), np.uint8), np.array([500.0, 500.0]), 50, 512) is None


def test_crop_maps_depth_with_its_width():
    crop = Crop(100.0, 50.0, 400.0, 400.0)
    xy, z = crop.to_frame(np.array([[0.5, 0.25, -0.1]]))
    assert np.allclose(xy, [[300.0, 150.0]]) and np.allclose(z, [-40.0])


def test_tiles_cover_the_frame_and_levels_go_coarse_to_fine():
    tiles = tile_grid(1280, 720, 432)
    covered = np.zeros((720, 1280), bool)
    for x, y in tiles:
        covered[y:y + 432, x:x + 432] = True
    assert covered.all() and len(tiles) == 15
    whole, squares, fine = search_levels(1280, 720, 0.6)
    assert len(whole) == 1 and whole[0].width_px == 1280
    assert [c.x0_px for c in squares] == [0.0, 280.0, 560.0]
    assert all(c.width_px == c.height_px == 720 for c in squares) and len(fine) == 15
    portrait = search_levels(720, 1280, 0.6)[1]
    assert [c.y0_px for c in portrait] == [0.0, 280.0, 560.0]


def test_iou_and_distinct():
    assert iou((0, 0, 10, 10), (5, 0, 15, 10)) == pytest.approx(50 / 150)
    assert iou((0, 0, 1, 1), (2, 2, 3, 3)) == 0.0
    a, b, c = (_cand((100, 100, 60)), _cand((102, 101, 60), quality=0.9), _cand((300, 100, 60)))
    kept = distinct([b, a, c])
    assert len(kept) == 2 and kept[0] is a  # the better of the two overlapping ones survives


# ----------------------------------------------------------------------------- fake world
# A standing figure in a unit box (x right, y down), 33 MediaPipe landmarks.
_UNIT = np.full((N_LANDMARKS, 2), 0.5)
_UNIT[:11] = (0.5, 0.08)
for _name, _xy in {"left_shoulder": (0.4, 0.25), "right_shoulder": (0.6, 0.25),
                   "left_elbow": (0.3, 0.4), "right_elbow": (0.7, 0.4), "left_wrist": (0.25, 0.5),
                   "right_wrist": (0.75, 0.5), "left_hip": (0.42, 0.55),
                   "right_hip": (0.58, 0.55), "left_knee": (0.4, 0.75),
                   "right_knee": (0.6, 0.75), "left_ankle": (0.4, 0.95),
                   "right_ankle": (0.6, 0.95), "left_heel": (0.0, 1.0),
                   "right_heel": (0.55, 1.0), "left_foot_index": (0.45, 1.0),
                   "right_foot_index": (1.0, 1.0)}.items():
    _UNIT[IDX[_name]] = _xy
for _i in range(17, 23):
    _UNIT[_i] = _UNIT[15 + _i % 2]


def _cand(hip_x_y_size, quality=1.0) -> Candidate:
    """Figure whose hip centre is at (x, y) and whose extent (box side) is ``size`` px."""
    x, y, size = hip_x_y_size
    xy = (_UNIT - _UNIT[HIPS].mean(axis=0)) * size + (x, y)
    n = N_LANDMARKS
    return Candidate(xy, np.zeros(n), np.full(n, 0.9), np.full(n, quality), np.zeros((n, 3)))


@dataclass
class Person:
    """Hip centre moving at constant velocity; visible between t0 and t1 (seconds)."""

    x: float
    y: float
    size: float
    vx: float = 0.0
    t0: float = -1e9
    t1: float = 1e9
    whole_frame_only: bool = False  # a "ghost": only the whole-frame detector sees it
    hidden: tuple[float, float] = (0.0, 0.0)  # occluded during [start, stop)

    def at(self, t):
        if not self.t0 <= t <= self.t1 or self.hidden[0] <= t < self.hidden[1]:
            return None
        return self.x + self.vx * t, self.y, self.size


class FakeDetector:
    """Finds a person when their hip centre is inside the region and they fill at least
    ``min_fill`` of the region's height (MediaPipe's detector misses people small in its input).
    Frame ``i`` is an image filled with the value ``i``, which tells the detector the time."""

    def __init__(self, people, frame_wh, fps, min_fill=0.12):
        self.people, self.frame_wh, self.fps, self.min_fill = people, frame_wh, fps, min_fill

    def __call__(self, image, crop: Crop):
        t = int(image.max()) / self.fps
        whole = (crop.width_px, crop.height_px) == self.frame_wh and crop.x0_px == 0
        out = []
        for p in self.people:
            s = p.at(t)
            if s is None or (p.whole_frame_only and not whole):
                continue
            inside = (crop.x0_px <= s[0] <= crop.x0_px + crop.width_px
                      and crop.y0_px <= s[1] <= crop.y0_px + crop.height_px)
            if inside and s[2] >= self.min_fill * crop.height_px:
                out.append(_cand(s))
        return out


def _run(people, n=60, fps=30.0, wh=(640, 360), settings=TrackSettings(min_crop_px=48)):
    """Track through ``n`` frames of the fake world; hip centre per frame (NaN = not found)."""
    det = FakeDetector(people, (float(wh[0]), float(wh[1])), fps)
    tracker = AthleteTracker(det, settings)
    hips = np.full((n, 2), np.nan)
    for i in range(n):
        image = np.full((wh[1], wh[0], 3), i, np.uint8)
        for pos, cand in tracker.step(i, Frame(i, i / fps, image)):
            hips[pos] = cand.hip_px
    for pos, cand in tracker.finish():
        hips[pos] = cand.hip_px
    return hips, tracker.stats


def _truth(person, n, fps=30.0):
    """True hip centres (NaN where the person is not in view)."""
    return np.array([(person.at(i / fps) or (np.nan, np.nan))[:2] for i in range(n)])


def test_small_athlete_is_found_by_tiles_then_followed_in_crops():
    athlete = Person(50, 250, 35, vx=300)  # 35 px in 360: the whole frame misses him (< 43 px)
    hips, stats = _run([athlete])
    assert np.abs(hips - _truth(athlete, 60)).max() < 1e-6  # (NaN would fail too)
    assert stats.calls["search"] > 4 and stats.frames_by_source["crop"] == 59


def test_runner_chosen_over_bigger_bystander_and_never_swapped():
    athlete = Person(50, 225, 75, vx=250)
    bystander = Person(320, 210, 130)  # bigger, mid-frame: the athlete runs across in front
    hips, stats = _run([athlete, bystander])
    assert np.abs(hips - _truth(athlete, 60)).max() < 1e-6
    assert stats.choices == 1 and stats.acquisitions == 1
    assert max(stats.people_counts) == 2


def test_choice_still_open_when_the_clip_ends_is_settled():
    athlete = Person(50, 225, 75, vx=250)
    bystander = Person(320, 210, 130)
    hips, stats = _run([athlete, bystander], n=6)  # 0.2 s, shorter than choose_s
    assert np.abs(hips - _truth(athlete, 6)).max() < 1e-6


def test_whole_frame_ghost_is_not_taken_for_the_athlete():
    ghost = Person(320, 125, 275, whole_frame_only=True)  # bigger, found first, never confirmed
    athlete = Person(500, 270, 55)
    hips, stats = _run([ghost, athlete], n=10)
    assert np.allclose(hips, [500, 270])
    assert stats.calls["verify"] >= 2 and stats.people_counts == [1]


def test_frames_skipped_while_searching_are_tracked_back():
    athlete = Person(100, 225, 75, vx=150, t0=10 / 30 - 1e-9)  # enters at frame 10
    hips, stats = _run([athlete], n=40)
    assert np.isnan(hips[:10]).all()
    assert np.abs(hips[10:] - _truth(athlete, 40)[10:]).max() < 1e-6  # from 10 on, not 12
    assert stats.frames_by_source["backfill"] >= 1 and stats.acquisitions == 1


def test_short_occlusion_is_a_gap_not_a_new_athlete():
    # hidden for 5 frames (0.17 s, under relock_s): a gap, then the same track goes on
    athlete = Person(100, 225, 75, vx=150, hidden=(20 / 30 - 1e-9, 25 / 30 - 1e-9))
    hips, stats = _run([athlete], n=40)
    assert np.isnan(hips[20:25]).all()
    assert np.isfinite(hips[:20]).all() and np.isfinite(hips[25:]).all()
    assert stats.acquisitions == 1 and stats.frames_by_source["crop"] == 34


# ----------------------------------------------------------------------------- real MediaPipe
@pytest.fixture(scope="module")
def model():
    from stridecam.io.model_files import resolve_model

    return resolve_model("full")


def _frames(name, start=0, stop=None, step=1):
    from stridecam.io.video import VideoReader

    reader = VideoReader(video(name))
    return itertools.islice(iter(reader), start, stop, step), reader.info


def _hip_jumps(poses):
    """Largest frame-to-frame hip-centre move over consecutive detected frames, in extents."""
    hip = poses.xy_px[:, HIPS].mean(axis=1)
    ext = np.ptp(poses.xy_px, axis=1).max(axis=1)
    both = poses.detected[1:] & poses.detected[:-1]
    return np.linalg.norm(np.diff(hip, axis=0), axis=1)[both] / ext[:-1][both]


@pytest.mark.slow
def test_treadmill_athlete_found_in_pixel_coordinates(model):
    frames, info = _frames("treadmill_phone60fps_side.mp4", 0, 150)  # 2.5 s, runner always in view
    poses = extract_poses(frames, info, model, mode="image")
    assert poses.n_frames == 150 and poses.detection_rate >= 0.9
    assert poses.frame_size_px == (1080, 1920)  # portrait, upright
    xy = poses.xy_px[poses.detected]
    hip = xy[:, HIPS].mean(axis=1)
    ankles = xy[:, [IDX["left_ankle"], IDX["right_ankle"]]].mean(axis=1)
    nose = xy[:, IDX["nose"]]
    # pixels of the upright frame, y down: head above hips above ankles, all in the frame
    assert (nose[:, 1] < hip[:, 1]).all() and (hip[:, 1] < ankles[:, 1]).all()
    assert ((hip >= 0) & (hip <= (1080, 1920))).all()
    assert np.median(ankles[:, 1] - nose[:, 1]) > 0.3 * 1920  # pixels, not [0, 1] units
    assert np.isfinite(poses.world_m[poses.detected]).all()
    assert poses.meta["mode"] == "image" and poses.meta["model"] == "pose_landmarker_full"
    assert not any(f.code == "several_people" for f in poses.flags)


@pytest.mark.slow
def test_small_block_start_athlete_found_where_visible(model):
    # a1: white shirt in the set position from frame 0, runs right to left, gone after ~212;
    # 60-110 px tall in 1280x720 (MediaPipe on the whole frame finds him in 16/228 frames)
    frames, info = _frames("track_blockstart_a1_side.mp4", 120, 212)
    poses = extract_poses(frames, info, model)
    assert poses.detection_rate >= 0.9
    assert _hip_jumps(poses).max() < 0.35
    hip_x = poses.xy_px[poses.detected][:, HIPS, 0].mean(axis=1)
    assert hip_x[-1] < hip_x[0] - 300  # he ran leftwards across the frame and we followed


@pytest.mark.slow
def test_several_people_one_consistent_track_and_a_flag(model):
    # pitch: a player runs at the camera; a second one stands on the left from frame ~54 to
    # ~132; a third crosses in the foreground at 132-144
    frames, info = _frames("pitch_front_multi_person.mp4", 30, 150)
    poses = extract_poses(frames, info, model)
    assert poses.meta["people_max"] >= 2
    assert any(f.code == "several_people" and f.level == "warning" for f in poses.flags)
    assert poses.detection_rate >= 0.9
    assert _hip_jumps(poses).max() < 0.25
    hip_x = poses.xy_px[poses.detected][:, HIPS, 0].mean(axis=1)
    assert np.ptp(hip_x) < 0.25 * 1280  # stayed on the central player, never the one on the left


@pytest.mark.slow
def test_video_mode_tracks_and_closes_its_landmarker(model):
    from stridecam.io.pose import landmarker

    frames, info = _frames("treadmill_lab_slowmo_side.mp4", 0, 120)
    poses = extract_poses(frames, info, model, mode="video")
    assert poses.detection_rate >= 0.9 and poses.meta["mode"] == "video"
    assert poses.meta["frames_by_source"]["video"] >= 100  # MediaPipe's own tracking held him
    assert len(landmarker._LIVE) == 0


@pytest.mark.slow
def test_strided_frame_images_are_read_correctly(model):
    # PyAV's to_ndarray pads rows (stride 3264 for 1080 px); mp.Image then reads garbage
    frames, info = _frames("treadmill_phone60fps_side.mp4", 0, 3)
    strided = []
    for f in frames:
        wide = np.zeros((f.image.shape[0], f.image.shape[1] + 8, 3), np.uint8)
        wide[:, :f.image.shape[1]] = f.image
        strided.append(Frame(f.index, f.time_s, wide[:, :f.image.shape[1]]))
    assert not strided[0].image.flags["C_CONTIGUOUS"]
    assert extract_poses(strided, info, model).detection_rate == 1.0


def test_video_timestamps_strictly_increase_below_a_millisecond(model):
    from stridecam.io.pose.geometry import full_frame
    from stridecam.io.pose.landmarker import Landmarker

    img = np.zeros((64, 64, 3), np.uint8)
    with Landmarker(model, video=True, num_poses=1) as lm:
        for t in (0.0, 0.0004, 0.0008, 0.0011):  # 2500 fps capture: same rounded millisecond
            assert lm(img, full_frame(64, 64), t) == []
        assert lm._last_ts_ms == 3


def _info(path="clip.mp4"):
    return VideoInfo(path=path, width=64, height=64, rotation_deg=0, nominal_fps=30.0,
                     capture_fps=30.0, capture_fps_source="container", n_frames=2,
                     duration_s=0.1, codec="h264")


def test_bad_input_raises_clear_errors(model, tmp_path):
    img = np.zeros((64, 64, 3), np.uint8)
    with pytest.raises(InputError, match="not after"):
        extract_poses([Frame(0, 0.1, img), Frame(1, 0.1, img)], _info(), model)
    with pytest.raises(InputError, match="no frames"):
        extract_poses([], _info(), model)
    with pytest.raises(InputError, match="RGB uint8"):
        extract_poses([Frame(0, 0.0, img[:, :, 0])], _info(), model)
    with pytest.raises(ValueError, match="mode"):
        extract_poses([Frame(0, 0.0, img)], _info(), model, mode="fast")
    bad = tmp_path / "not_a_model.task"
    bad.write_bytes(b"nonsense")
    with pytest.raises(ModelError, match="not_a_model.task"):
        extract_poses([Frame(0, 0.0, img)], _info(), bad)


def test_empty_clip_is_flagged_not_raised(model):
    img = np.zeros((64, 64, 3), np.uint8)
    poses = extract_poses([Frame(0, 0.0, img), Frame(1, 0.04, img)], _info(), model)
    assert poses.n_frames == 2 and not poses.detected.any()
    assert [f.code for f in poses.flags] == ["no_athlete"]
    assert np.isnan(poses.xy_px).all() and np.isnan(poses.world_m).all()


def test_no_log_noise_and_no_traceback_at_exit(model):
    # the landmarker is never closed by this script: the atexit hook must do it quietly
    code = ("from stridecam.io.pose import PoseEstimator\n"
            f"est = PoseEstimator({str(model)!r})\nprint('made')\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, env={**os.environ, "PYTHONWARNINGS": "default"})
    assert run.returncode == 0 and run.stdout.strip() == "made"
    assert "Traceback" not in run.stderr and "Exception ignored" not in run.stderr
    assert "XNNPACK" not in run.stderr and "W0000" not in run.stderr, run.stderr
