"""Image evidence for contacts (``stridecam.io.evidence``) on small synthetic image sequences.

The scene: a textured ground (smoothed random noise, fixed seed) and a "shoe" (a 24 x 10 px
patch with its own high-contrast texture). The shoe comes in from the upper left at
(+6, +4) px per frame, is planted from frame ``TD`` to frame ``TO`` (both included), then
leaves to the upper right at (+7, -5) px per frame. So, by construction, the first frame on the
ground is ``TD`` and the last is ``TO``; the stage must find exactly those frames. Moving-ground
variants: the whole ground slides by ``G`` px per frame (a panning camera) and the planted shoe
slides with it; or the shoe rides a textureless belt at ``V`` px per frame under a still,
textured surrounding (a treadmill filmed from belt level).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import write_clip
from scipy.ndimage import gaussian_filter

from stridecam.io.evidence import EvidenceSettings, refine_contacts
from stridecam.io.evidence.frames import Window, WindowReader, crop
from stridecam.io.evidence.ground import ground_shift
from stridecam.io.evidence.planted import find_planted
from stridecam.model.errors import ConfigError
from stridecam.model.landmarks import IDX, N_LANDMARKS
from stridecam.model.poses import Poses

N, TD, TO = 24, 9, 15  # frames; first and last planted frame
FOOT_W, FOOT_H = 24, 10
H, W = 120, 200
PLANT = np.array([90.0, 70.0])  # top-left of the shoe while planted (x, y), still camera
DT = 1 / 30
S = EvidenceSettings()


def texture(shape: tuple[int, int], seed: int, sigma: float = 1.2) -> np.ndarray:
    """uint8 smoothed noise, contrast stretched to 30..225."""
    rng = np.random.default_rng(seed)
    t = gaussian_filter(rng.random(shape), sigma)
    t = (t - t.min()) / (np.ptp(t) + 1e-12)
    return (30 + 195 * t).astype(np.uint8)


SHOE = texture((FOOT_H, FOOT_W), seed=2, sigma=0.8) // 2  # darker than the ground


def shoe_offset(i: int) -> np.ndarray:
    """The shoe's displacement from its planted place in frame ``i`` (pixels, x y)."""
    if i < TD:
        return np.array([-6.0, -4.0]) * (TD - i)
    if i > TO:
        return np.array([7.0, -5.0]) * (i - TO)
    return np.zeros(2)


def scene(ground_step=(0, 0), belt_speed: float = 0.0) -> tuple[list[np.ndarray], np.ndarray]:
    """(grey frames, per-frame shoe top-left) for the still, panning or treadmill scene.

    ``ground_step``: the ground's image moves this many pixels per frame (integers: a pan);
    ``belt_speed``: the shoe rides a flat belt moving this many px per frame under a still
    scene. The planted shoe moves with its ground; off the ground its path is tied to where it
    lands (frame TD) or leaves (frame TO).
    """
    big = texture((H + 200, W + 400), seed=1)
    mid = (TD + TO) // 2
    frames, where = [], []
    for i in range(N):
        if belt_speed:
            d = np.array([belt_speed * (i - mid), 0.0])
            img = big[100:100 + H, 200:200 + W].copy()
            belt_y = int(PLANT[1]) + FOOT_H - 2
            img[belt_y:belt_y + 14, :] = 20  # the belt: flat, nothing to see moving
        else:
            d = np.array(ground_step, dtype=float) * (i - mid)
            dx, dy = d.astype(int)
            img = big[100 - dy:100 - dy + H, 200 - dx:200 - dx + W].copy()
        ground = PLANT + d if TD <= i <= TO else PLANT + np.array(
            ground_step if not belt_speed else (belt_speed, 0.0)) * ((TD if i < TD else TO) - mid)
        pos = ground + shoe_offset(i)
        x, y = np.round(pos).astype(int)
        img[y:y + FOOT_H, x:x + FOOT_W] = SHOE
        frames.append(img)
        where.append(pos)
    return frames, np.array(where)


def feature_box(where: np.ndarray, mid: int) -> tuple[int, int, int, int]:
    x, y = where[mid].astype(int)
    return (x - 6, y - 4, x + FOOT_W + 6, y + FOOT_H + 4)


def test_still_camera_touchdown_and_toe_off_exact():
    frames, where = scene()
    mid = (TD + TO) // 2
    shift = np.zeros((N, 2))
    p = find_planted(frames, mid, feature_box(where, mid), shift, FOOT_W, DT, S)
    assert (p.touchdown, p.toe_off) == (TD, TO), p.reason
    assert p.touchdown_support >= 2 and p.toe_off_support >= 2
    # the whole-patch NCC is ~1 during stance and low before and after
    assert np.nanmin(p.ncc[TD:TO + 1]) > 0.95
    assert np.nanmax(np.r_[p.ncc[:TD - 1], p.ncc[TO + 2:]]) < 0.5


def test_ground_corners_are_not_taken_for_the_foot():
    frames, where = scene()
    mid = (TD + TO) // 2
    x, y = where[mid].astype(int)
    box = (x - 30, y - 10, x + FOOT_W + 30, y + FOOT_H + 20)  # mostly ground
    p = find_planted(frames, mid, box, np.zeros((N, 2)), FOOT_W, DT, S)
    assert (p.touchdown, p.toe_off) == (TD, TO)
    assert (~p.on_foot).sum() > 0  # ground corners were found and set aside


def test_panning_camera_follows_the_ground_strip():
    step = (-5, 0)  # the ground's image slides 5 px left per frame: the camera pans right
    frames, where = scene(ground_step=step)
    mid = (TD + TO) // 2
    box = feature_box(where, mid)
    strip = (0, box[3] + 2, W, min(H, box[3] + 30))
    g = ground_shift(frames, mid, box, strip, np.array([-5.0, 0.0]), hip_ratio=0.1,
                     foot_px=FOOT_W, dt_s=DT, s=S)
    assert g.mode == "strip"
    np.testing.assert_allclose(np.diff(g.shift[:, 0]), -5.0, atol=0.3)
    p = find_planted(frames, g.mid, g.box, g.shift, FOOT_W, DT, S)
    assert (p.touchdown, p.toe_off) == (TD, TO), p.reason
    # read as a still camera, the sliding shoe is never planted for long
    still = find_planted(frames, mid, box, np.zeros((N, 2)), FOOT_W, DT, S)
    assert (still.touchdown, still.toe_off) != (TD, TO)


def test_treadmill_belt_speed_from_the_foot():
    frames, where = scene(belt_speed=-4.0)
    mid = (TD + TO) // 2
    box = feature_box(where, mid)
    strip = (0, box[3] + 14, W, H)  # the still, textured surroundings below the belt
    g = ground_shift(frames, mid, box, strip, np.array([-4.0, 0.0]), hip_ratio=0.05,
                     foot_px=FOOT_W, dt_s=DT, s=S)
    assert g.mode == "belt"
    np.testing.assert_allclose(g.velocity_px, (-4.0, 0.0), atol=0.3)
    p = find_planted(frames, g.mid, g.box, g.shift, FOOT_W, DT, S)
    assert (p.touchdown, p.toe_off) == (TD, TO), p.reason


def test_travelling_athlete_means_still_camera():
    frames, where = scene()
    mid = (TD + TO) // 2
    g = ground_shift(frames, mid, feature_box(where, mid), (0, 0, W, H), np.zeros(2),
                     hip_ratio=5.0, foot_px=FOOT_W, dt_s=DT, s=S)
    assert g.mode == "still" and not g.shift.any()


# ------------------------------------------------------------------ through a video file
def _poses(where: np.ndarray, n: int, hip_step_px: float) -> Poses:
    xy = np.full((n, N_LANDMARKS, 2), np.nan)
    xy[:, IDX["left_heel"]] = where + [2, FOOT_H - 1]
    xy[:, IDX["left_foot_index"]] = where + [FOOT_W - 4, FOOT_H - 1]
    xy[:, IDX["right_heel"]] = where + [-30, -40]  # the swing foot, higher in the image
    xy[:, IDX["right_foot_index"]] = where + [-10, -40]
    for name in ("left_hip", "right_hip"):
        xy[:, IDX[name]] = np.c_[20 + hip_step_px * np.arange(n), np.full(n, 10.0)]
    return Poses(time_s=np.arange(n) * DT, frame_index=np.arange(n), xy_px=xy,
                 z_rel=np.full((n, N_LANDMARKS), np.nan),
                 visibility=np.full((n, N_LANDMARKS), np.nan),
                 world_m=np.full((n, N_LANDMARKS, 3), np.nan), frame_size_px=(W, H),
                 source="synthetic", model="test", nominal_fps=30.0, capture_fps=30.0)


def _contacts(td: int, to: int, poses: Poses) -> pd.DataFrame:
    """A landmark contacts table whose edges are 1.4 frames late / 1.2 frames early."""
    td_t, to_t = poses.time_s[td] + 1.4 * DT, poses.time_s[to] - 1.2 * DT
    return pd.DataFrame({"foot": ["left"], "touchdown_time_s": [td_t], "toe_off_time_s": [to_t],
                         "touchdown_frame": [int(round(td_t / DT))],
                         "toe_off_frame": [int(round(to_t / DT))],
                         "contact_time_s": [to_t - td_t], "touchdown_source": ["landmarks"],
                         "toe_off_source": ["landmarks"], "touchdown_unc_s": [0.04],
                         "toe_off_unc_s": [0.04], "contact_time_unc_s": [0.057],
                         "evidence_note": [""]})


@pytest.fixture(scope="module")
def still_clip(tmp_path_factory):
    frames, where = scene()
    path = write_clip(tmp_path_factory.mktemp("evidence") / "still.mp4",
                      [np.repeat(f[:, :, None], 3, axis=2) for f in frames])
    return path, frames, where


def test_window_reader_returns_the_frames_asked_for(still_clip):
    path, frames, _ = still_clip
    reader = WindowReader(path)
    assert reader.n_frames == N
    windows = [Window(0, tuple(range(12, 18)), (10, 20, 60, 70)),
               Window(1, tuple(range(2, 8)), (-5, -5, 40, 30)),  # partly outside: zero-padded
               Window(2, tuple(range(15, N + 3)), (0, 0, W, H))]  # overlaps, runs past the end
    got = dict(reader.read(windows))
    assert sorted(got[2]) == list(range(15, N))
    for w in windows:
        for i, image in got[w.key].items():
            expected = crop(frames[i], w.box)
            inside = crop(np.ones_like(frames[i]), w.box).astype(bool)
            # H.264 is lossy: the decoded crop matches the source closely where it is inside
            assert image.shape == expected.shape
            assert np.mean(np.abs(image[inside].astype(int) - expected[inside])) < 8
            assert not image[~inside].any()


def test_refine_contacts_end_to_end(still_clip):
    path, _, where = still_clip
    poses = _poses(where, N, hip_step_px=8.0)  # the athlete crosses the image: still camera
    table = refine_contacts(path, poses, _contacts(TD, TO, poses))
    row = table.iloc[0]
    assert (row.touchdown_source, row.toe_off_source) == ("image", "image"), row.evidence_note
    assert (row.touchdown_frame, row.toe_off_frame) == (TD, TO)
    assert row.touchdown_time_s == pytest.approx((TD - 0.5) * DT)
    assert row.toe_off_time_s == pytest.approx((TO + 0.5) * DT)
    assert row.contact_time_s == pytest.approx((TO - TD + 1) * DT)
    assert 0 < row.touchdown_unc_s <= DT and 0 < row.toe_off_unc_s <= DT
    assert row.evidence_note.startswith("still")


def test_refine_contacts_keeps_landmarks_when_the_image_cannot_decide(still_clip):
    path, _, where = still_clip
    poses = _poses(where, N, hip_step_px=8.0)
    contacts = _contacts(TD, TO, poses)
    table = refine_contacts(path, poses, contacts, EvidenceSettings(min_foot_px=100.0))
    row = table.iloc[0]
    assert (row.touchdown_source, row.toe_off_source) == ("landmarks", "landmarks")
    assert row.evidence_note == "foot_too_small"
    assert row.touchdown_time_s == contacts.touchdown_time_s.iat[0]
    assert row.touchdown_unc_s == contacts.touchdown_unc_s.iat[0]  # the landmark timing's own
    # an empty contacts table stays empty, with the new columns
    empty = refine_contacts(path, poses, contacts.iloc[:0])
    assert len(empty) == 0 and "touchdown_source" in empty.columns


def test_settings_are_validated():
    with pytest.raises(ConfigError):
        EvidenceSettings(margin_s=-0.1)
    with pytest.raises(ConfigError):
        EvidenceSettings(min_features=0)
    with pytest.raises(ConfigError):
        EvidenceSettings(ground_ncc_max=1.5)


@pytest.mark.slow
def test_a_re_analysis_reads_no_video_and_a_new_setting_reads_it_again(tmp_path, monkeypatch):
    """The stage's answer is kept in the run folder: the same landmarks, contacts and settings
    give the same contacts without decoding; another evidence setting decodes again."""
    from dataclasses import replace

    from conftest import REPO

    import stridecam.io.evidence as evidence
    from stridecam.model.settings import Settings
    from stridecam.pipeline import analyse_clip

    clip, out = REPO / "sample_videos" / "acceleration_static.mp4", tmp_path / "run"
    first = analyse_clip(clip, out, Settings()).result.contacts
    calls = []

    def counted(*args, **kwargs):
        calls.append(1)
        return refine_contacts(*args, **kwargs)

    monkeypatch.setattr(evidence, "refine_contacts", counted)
    again = analyse_clip(clip, out, Settings()).result.contacts
    assert not calls
    pd.testing.assert_frame_equal(again, first)
    other = Settings()
    other = replace(other, analysis=replace(other.analysis, evidence=replace(
        other.analysis.evidence, margin_s=0.2)))
    analyse_clip(clip, out, other)
    assert calls == [1]
