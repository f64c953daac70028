"""Kinogram: the five sprint positions of one stride from the contacts (toe-off, maximal
vertical projection, strike, touchdown, full support), the step table's angles at touchdown and
toe-off, crops holding the whole athlete (a block start's crouch too), angle labels inside their
panel and apart, and the page read back from the PDF.

Landmarks: the stored pose stage of the real block start track_blockstart_a1_side
(tests/data/landmarks, no MediaPipe); its video from ../shared/videos for the frames."""

from __future__ import annotations

import itertools
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import video

from stridecam.analysis.run import analyse_poses
from stridecam.model.settings import Calibration
from stridecam.report.document import FONT, Doc
from stridecam.report.follow import standing_height_px
from stridecam.report.kinogram import POSITIONS, athlete_box, crop_windows, stride_moments
from stridecam.report.kinogram_draw import Panel, angle_labels, kinogram_section, video_panels
from stridecam.report.labels import Box
from stridecam.report.load import RunData

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from snapshots import stored_poses  # noqa: E402

STORED = Path(__file__).resolve().parent / "data" / "landmarks" / "track_blockstart_a1_side"


@pytest.fixture(scope="module")
def block():
    poses = stored_poses(STORED)
    result = analyse_poses(poses, Calibration(height_m=1.75))
    return poses, result


@pytest.fixture(scope="module")
def rows(block):
    poses, result = block
    return stride_moments(result.track, result.steps, result.contacts, "m")


def test_five_positions_per_step_in_order_from_the_contacts(block, rows):
    poses, result = block
    c = result.contacts.sort_values("touchdown_time_s").reset_index(drop=True)
    assert len(rows) == 2
    for row in rows:
        assert tuple(m.name for m in row) == POSITIONS
        times = [float(poses.time_s[m.row]) for m in row]
        assert times == sorted(times)
        to, mvp, strike, td, full = row
        k = int(np.flatnonzero(np.isclose(c["toe_off_time_s"], to.time_s))[0])
        assert to.row == c.at[k, "toe_off_frame"] and to.foot == c.at[k, "foot"]
        assert td.row == c.at[k + 1, "touchdown_frame"] and td.foot == c.at[k + 1, "foot"]
        assert strike.row == td.row - 1  # the frame before touchdown
        assert to.row <= mvp.row <= td.row
        assert {strike.foot, full.foot} == {td.foot} != {to.foot}
        td2, to2 = c.at[k + 1, "touchdown_time_s"], c.at[k + 1, "toe_off_time_s"]
        assert td2 < poses.time_s[full.row] < to2  # full support inside the contact
    assert rows[0][3].foot == rows[1][0].foot  # the stride: the second row starts on that foot


def test_touchdown_and_toe_off_angles_are_the_step_tables(block, rows):
    poses, result = block
    s = result.steps
    for row in rows:
        to, td = row[0], row[3]
        r_to = s[np.isclose(s["toe_off_time_s"], to.time_s)].iloc[0]
        texts = [a.text for a in to.angles]
        assert f"thigh {r_to['thigh_front_to_deg']:+.0f}°" in texts
        assert f"thigh {r_to['thigh_back_to_deg']:+.0f}°" in texts
        r_td = s[np.isclose(s["touchdown_time_s"], td.time_s)].iloc[0]
        texts = [a.text for a in td.angles]
        assert f"knee {r_td['knee_angle_td_deg']:.0f}°" in texts
        assert f"shin {r_td['shin_angle_td_deg']:+.0f}°" in texts
        if np.isfinite(r_td["touchdown_distance_m"]):
            assert f"foot {r_td['touchdown_distance_m']:+.2f} m" in texts
        for a in td.angles:
            assert a.landmark.startswith(td.foot) or "shoulder" in a.landmark


def contains_athlete(window: Box, points: np.ndarray, head: float) -> bool:
    p = points[np.isfinite(points).all(axis=1)]
    return bool((p[:, 0] >= window.x0).all() and (p[:, 0] <= window.x1).all()
                and (p[:, 1] - head >= window.y0).all() and (p[:, 1] <= window.y1).all())


def test_crops_hold_the_whole_athlete_at_one_scale(block, rows):
    poses, result = block
    size = standing_height_px(result.scale.leg_length_px, poses.xy_px)
    flat = [m for row in rows for m in row]
    boxes = [athlete_box(poses.xy_px[m.row], size) for m in flat]
    windows, aspect = crop_windows(boxes)
    assert 0.55 <= aspect <= 1.0
    assert len({(round(w.w, 6), round(w.h, 6)) for w in windows}) == 1
    for m, w in zip(flat, windows):
        # every landmark inside, with room for the top of the head above the face points
        assert contains_athlete(w, poses.xy_px[m.row], head=0.1 * size), m.name


def test_a_crouched_set_position_fits_its_crop(block):
    poses, result = block
    size = standing_height_px(result.scale.leg_length_px, poses.xy_px)
    set_rows = np.flatnonzero((poses.time_s > 2.0) & (poses.time_s < 4.0))[::10]
    boxes = [athlete_box(poses.xy_px[r], size) for r in set_rows]
    windows, aspect = crop_windows(boxes)
    for r, w in zip(set_rows, windows):
        assert contains_athlete(w, poses.xy_px[r], head=0.1 * size)
    assert aspect == 1.0  # wide: the crouch is wider than tall


def test_angle_labels_stay_in_their_panel_and_apart(rows):
    doc = Doc("t")
    doc.add_page()
    m = rows[0][3]
    # joints crowded into a corner and on the panel's edge
    joints = {a.landmark: (0.98, 0.99 - 0.01 * k) for k, a in enumerate(m.angles)}
    panel = Panel(m, np.zeros((10, 10, 3), np.uint8), joints)
    box = Box(20, 30, 55.6, 77)
    for direction in (1, -1):
        spots = angle_labels(doc, FONT, panel, box, direction)
        assert len(spots) == len(m.angles)
        assert all(s.inside(box) for s in spots)
        assert not any(a.overlaps(b) for a, b in itertools.combinations(spots, 2))


def test_kinogram_page_from_the_video(block, rows, tmp_path):
    pypdf = pytest.importorskip("pypdf")
    poses, result = block
    data = RunData(result=result, poses=poses, clip=video("track_blockstart_a1_side.mp4"))
    panels, aspect = video_panels(data, rows)
    assert [len(r) for r in panels] == [5, 5]
    for p in (p for r in panels for p in r):
        assert p.image.shape[0] == round(p.image.shape[1] / aspect)
        assert float(np.std(p.image)) > 10  # a real frame, not a grey pad
        assert all(0 <= x <= 1 and 0 <= y <= 1 for x, y in p.joints.values())
    doc = Doc("kinogram")
    doc.add_page()
    kinogram_section(doc, data)
    doc.output(str(tmp_path / "k.pdf"))
    text = re.sub(r"\s+", " ", pypdf.PdfReader(str(tmp_path / "k.pdf")).pages[0].extract_text())
    for name in POSITIONS:
        assert text.count(name) >= 2, name
    assert "left leg" in text and "right leg" in text
    for m in (m for r in rows for m in r):
        for a in m.angles:
            assert a.text in text, a.text
