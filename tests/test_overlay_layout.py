"""Overlay layout: labels inside the frame and never on top of each other (the pure layout
function, and the painter's layout of every frame of a simulated run shrunk to a 150 px athlete
in a 1280 x 720 frame), label size and place from the athlete's size, the zoom window that
follows the athlete, the options' checks, and which tracked leg is which foot."""

from __future__ import annotations

import dataclasses
import itertools

import cv2
import numpy as np
import pytest

from stridecam.analysis.run import analyse_poses
from stridecam.io.config import load_reference
from stridecam.model.errors import StridecamError
from stridecam.model.landmarks import IDX
from stridecam.model.settings import Calibration
from stridecam.report import overlay_paint
from stridecam.report.follow import athlete_boxes, follow_windows
from stridecam.report.labels import Box, place_labels
from stridecam.report.load import RunData
from stridecam.report.overlay import _slowmo_factor, zoom_factor
from stridecam.report.overlay_paint import Painter
from stridecam.report.sides import SIDE_RGB, leg_swaps, swap_legs
from stridecam.simulate import simulate_preset, to_poses


def apart(boxes: list[Box]) -> bool:
    return not any(a.overlaps(b) for a, b in itertools.combinations(boxes, 2))


# ----------------------------------------------------------------------------- pure layout
def test_labels_stay_inside_the_frame_and_apart():
    rng = np.random.default_rng(7)
    frame = Box(0, 0, 1280, 720)
    for _ in range(300):
        n = int(rng.integers(1, 5))
        sizes = [(float(rng.uniform(20, 220)), float(rng.uniform(10, 40))) for _ in range(n)]
        # anchors anywhere, also on and beyond the frame's edges
        anchors = [Box.around(float(rng.uniform(-50, 1330)), float(rng.uniform(-50, 770)),
                              float(rng.uniform(0, 200)), float(rng.uniform(0, 400)))
                   for _ in range(n)]
        panel = Box(10, 10, 300, 160)
        out = place_labels(sizes, anchors, frame, obstacles=[panel], gap=3)
        assert not out.overlapping
        for (w, h), box in zip(sizes, out.boxes):
            assert box.inside(frame), box
            assert box.w == pytest.approx(w) and box.h == pytest.approx(h)
            assert not box.overlaps(panel)
        assert apart(out.boxes)


def test_two_event_labels_at_once_beside_an_athlete_at_the_frame_corner():
    """At 30 fps "TOUCHDOWN R" and "TOE-OFF L" are on screen together; an athlete at the top
    right corner must not push them out of the frame ("TOUCHDO") nor onto each other."""
    frame = Box(0, 0, 1280, 720)
    athlete = Box(1180, -20, 1275, 160)
    sizes = [overlay_paint.text_box_size(cv2, t, 12)[:2] for t in ("TOUCHDOWN R", "TOE-OFF L")]
    out = place_labels(sizes, [athlete, athlete], frame, obstacles=[athlete], gap=3,
                       sides=("above", "right", "left", "below"))
    assert not out.overlapping and apart(out.boxes)
    for box in out.boxes:
        assert box.inside(frame) and not box.overlaps(athlete)
        assert box.x0 > 900 and box.y1 < 260  # next to the athlete, not across the frame


def test_a_frame_too_small_for_every_label_says_so():
    out = place_labels([(90, 30)] * 3, [Box.around(50, 30)] * 3, Box(0, 0, 100, 60))
    assert out.overlapping
    assert all(b.inside(Box(0, 0, 100, 60)) for b in out.boxes)


# ----------------------------------------------------------------------------- the painter
@pytest.fixture(scope="module")
def small_athlete():
    """A simulated sprint whose landmarks are shrunk to a 150 px tall athlete low in a
    1280 x 720 frame (like track_maxvelocity_slowmo_side.mp4)."""
    poses = to_poses(simulate_preset("balanced_pan", seed=1))
    result = analyse_poses(poses, Calibration(height_m=1.8), reference=load_reference())
    xy = poses.xy_px
    ok = np.isfinite(xy).all(axis=2)
    height = np.percentile([np.ptp(xy[k, ok[k], 1]) for k in range(len(xy)) if ok[k].any()],
                           75)
    k = 150.0 / height
    centre = np.nanmean(xy.reshape(-1, 2), axis=0)
    small = (xy - centre) * k + (640.0, 560.0)
    poses = poses.replace(xy_px=small, frame_size_px=(1280, 720))
    result = result.replace(scale=dataclasses.replace(
        result.scale, leg_length_px=result.scale.leg_length_px * k))
    return RunData(result=result, poses=poses)


def test_every_frame_keeps_labels_inside_apart_and_next_to_a_small_athlete(small_athlete,
                                                                          monkeypatch):
    # hold the event words long enough that touchdown and toe-off labels meet on screen
    monkeypatch.setattr(overlay_paint, "EVENT_HOLD_S", 0.3)
    painter = Painter(small_athlete, (1280, 720))
    frame = Box(0, 0, 1280, 720)
    both = 0
    for index in small_athlete.poses.frame_index:
        lay = painter.layout(cv2, int(index))
        boxes = [b for _, _, b in lay.labels]
        assert lay.panel.inside(frame)
        assert all(b.inside(frame) for b in boxes)
        assert apart(boxes + [lay.panel])
        athlete = painter.athlete_box(painter.row_of(int(index)))
        events = [b for t, _, b in lay.labels if " " in t]
        both += len(events) >= 2
        for b in events:  # beside the athlete: within a third of its height, not in the sky
            assert athlete is not None and not b.overlaps(athlete)
            dx = max(athlete.x0 - b.x1, b.x0 - athlete.x1, 0)
            dy = max(athlete.y0 - b.y1, b.y0 - athlete.y1, 0)
            assert max(dx, dy) < 50, (index, b, athlete)
        assert lay.cap <= 12  # labels sized to a 150 px athlete, not to the 720 px frame
    assert both > 5


def test_legs_are_drawn_in_their_side_colours(small_athlete):
    painter = Painter(small_athlete, (1280, 720))
    index = int(small_athlete.contacts["touchdown_frame"].iloc[3])
    img = np.zeros((720, 1280, 3), np.uint8)
    lay = painter.draw(cv2, img, int(small_athlete.poses.frame_index[index]))
    for side in ("left", "right"):
        knee = lay.points[IDX[f"{side}_knee"]].astype(int)
        patch = img[knee[1] - 1:knee[1] + 2, knee[0] - 1:knee[0] + 2].reshape(-1, 3)
        assert (np.abs(patch.astype(int) - SIDE_RGB[side]).sum(axis=1) < 60).any(), side


# ----------------------------------------------------------------------------- zoom, slowmo
def test_zoom_window_follows_the_athlete_inside_the_frame(small_athlete):
    poses = small_athlete.poses
    boxes = athlete_boxes(poses.xy_px, poses.time_s)
    win = follow_windows(boxes, poses.time_s, (1280, 720), 3.0)
    w, h = 1280 / 3.0, 720 / 3.0
    assert (win[:, 0] >= 0).all() and (win[:, 0] + w <= 1280 + 1e-6).all()
    assert (win[:, 1] >= 0).all() and (win[:, 1] + h <= 720 + 1e-6).all()
    centre_x = (boxes[:, 0] + boxes[:, 2]) / 2
    inside = (centre_x > win[:, 0]) & (centre_x < win[:, 0] + w)
    assert inside.mean() > 0.95
    painter = Painter(small_athlete, (1280, 720), zoom=3.0)
    assert painter.label_cap(10) > Painter(small_athlete, (1280, 720)).label_cap(10)


def test_zoom_and_slow_motion_options_are_checked():
    assert zoom_factor(None, 150, 720) == 1.0
    assert zoom_factor("auto", 150, 720) == pytest.approx(0.6 * 720 / 150)
    assert zoom_factor("2.5", 150, 720) == 2.5
    for bad in (0.5, 9.0, "near"):
        with pytest.raises(StridecamError, match="zoom"):
            zoom_factor(bad, 150, 720)
    assert _slowmo_factor(None) == 1 and _slowmo_factor(4) == 4
    with pytest.raises(StridecamError, match="slow motion"):
        _slowmo_factor(0.5)


# ----------------------------------------------------------------------------- leg naming
def test_leg_swaps_name_the_legs_as_the_contacts_do():
    """Two legs, running right; the tracker swaps its labels on rows 3-4 (contact of the left
    foot) and 7 (flight after it): those rows are found, the others are not."""
    n = 10
    xy = np.full((n, 33, 2), np.nan)
    for r in range(n):
        xy[r, IDX["left_hip"]] = xy[r, IDX["right_hip"]] = (100, 100)
        # true left foot: on the ground (y 200) and then trailing (x 80); right: up and ahead
        left, right = np.array([80.0, 200.0]), np.array([130.0, 160.0])
        for side, p in (("left", left), ("right", right)):
            for part in ("ankle", "heel", "foot_index"):
                xy[r, IDX[f"{side}_{part}"]] = p
    for r in (3, 4, 7):
        xy[r] = swap_legs(xy[r])
    swaps = leg_swaps(xy, np.array([2]), np.array([5]), np.array(["left"]), 1,
                      max_flight_rows=4)
    assert list(np.flatnonzero(swaps)) == [3, 4, 7]


@pytest.mark.slow  # renders a video
def test_zoomed_slow_motion_overlay_of_a_real_clip(tmp_path):
    """The block start with its stored landmarks: zoom 2 and slow motion x2 keep every frame,
    the frame size, and double the duration; progress is reported per frame."""
    import sys
    from pathlib import Path

    import av
    from conftest import video

    from stridecam.report.overlay import write_overlay

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
    from snapshots import stored_poses

    clip = video("track_blockstart_a1_side.mp4")
    poses = stored_poses(Path(__file__).parent / "data" / "landmarks" / clip.stem)
    data = RunData(result=analyse_poses(poses, Calibration(height_m=1.75)), poses=poses)
    calls = []
    out = write_overlay(clip, data, tmp_path / "o.mp4", zoom=2.0, slowmo=2,
                        on_frame=lambda done, total: calls.append(done))
    assert out.n_frames == out.n_source_frames == len(calls) and out.zoom == 2.0
    with av.open(str(clip)) as a, av.open(str(out.path)) as b:
        sa, sb = a.streams.video[0], b.streams.video[0]
        n = sum(1 for _ in b.decode(sb))
        assert n == out.n_frames
        assert (sb.width, sb.height) == (sa.width, sa.height)
        assert float(b.duration) == pytest.approx(2 * float(a.duration), rel=0.05)
