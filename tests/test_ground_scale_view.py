"""Ground line, scale and view check on small hand-built landmark arrays (pixels, y down).

Expected values by hand: feet resting on image row 500 give a flat ground line at y = 500; a
1.80 m athlete whose leg spans 100 px gives 1.80 x 0.491 / 100 = 8.84 mm per pixel; two points
100 px apart and 5 m apart give 50 mm per pixel; hips and shoulders on top of each other are a
side view, 0.4 leg lengths apart a front view.
"""

from __future__ import annotations

import numpy as np
import pytest

from stridecam.analysis.ground import fit_ground_line, foot_speed_rel_hip, lowest_foot_point, runs
from stridecam.analysis.scale import (
    apply_homography,
    from_height,
    from_two_points,
    homography,
    in_leg_lengths,
    leg_length_px,
)
from stridecam.analysis.view import view_check
from stridecam.model.errors import ConfigError
from stridecam.model.landmarks import IDX
from stridecam.model.settings import Calibration, settings_from_dict
from stridecam.model.track import LEG_FRACTION_OF_HEIGHT


def standing(n: int = 50, leg_px: float = 100.0, foot_y: float = 500.0) -> np.ndarray:
    """(n, 33, 2) a side-view athlete: hips at x = 300 + 2 px per frame, legs straight down."""
    xy = np.full((n, 33, 2), np.nan)
    x = 300.0 + 2.0 * np.arange(n)
    for side in ("left", "right"):
        for name, dy in (("hip", -leg_px), ("knee", -leg_px / 2), ("ankle", 0.0),
                         ("heel", 5.0), ("foot_index", 5.0), ("shoulder", -2 * leg_px)):
            xy[:, IDX[f"{side}_{name}"], 0] = x + (15.0 if name == "foot_index" else 0.0)
            xy[:, IDX[f"{side}_{name}"], 1] = foot_y - 5.0 + dy
    return xy


def test_lowest_foot_point_and_runs():
    xy = standing(n=2)
    xy[1, IDX["left_heel"], 1] += 3.0  # the heel now lower in the image than the toe
    low = lowest_foot_point(xy, "left")
    assert low[0, 1] == pytest.approx(500.0) and low[1] == pytest.approx([300 + 2, 503.0])
    assert runs(np.array([0, 1, 1, 0, 1], bool)) == [(1, 3), (4, 5)]


def test_ground_line_of_feet_on_one_row():
    xy = standing()
    ground = fit_ground_line(xy, np.arange(50) / 50.0, 100.0)
    assert ground.slope == pytest.approx(0.0)
    assert ground.y_at(np.array([0.0, 1000.0])) == pytest.approx([500.0, 500.0])


def test_foot_speed_relative_to_the_hip():
    xy = standing()
    xy[:, IDX["left_heel"], 0] = 300.0  # the foot stands still while the hips move 100 px/s
    xy[:, IDX["left_foot_index"], 0] = 315.0
    v = foot_speed_rel_hip(xy, np.arange(50) / 50.0, "left")
    assert np.nanmedian(v) == pytest.approx(-100.0, rel=1e-6)


def test_scales():
    xy = standing()
    leg, spread = leg_length_px(xy)
    assert leg == pytest.approx(100.0) and spread == pytest.approx(0.0)
    sc = from_height(leg, spread, 1.80)
    assert sc.units == "m" and sc.units_per_px == pytest.approx(1.80 * LEG_FRACTION_OF_HEIGHT / 100)
    assert sc.leg_length == pytest.approx(1.80 * LEG_FRACTION_OF_HEIGHT)
    two = from_two_points(leg, (0.0, 0.0), (100.0, 0.0), 5.0)
    assert two.units_per_px == pytest.approx(0.05) and two.method == "two_points"
    none = in_leg_lengths(leg, spread)
    assert none.units == "leg" and none.leg_length == pytest.approx(1.0)


def test_homography_maps_the_rectangle_corners():
    img = np.array([[100, 400], [500, 400], [560, 300], [60, 300]], float)
    ground = np.array([[0, 0], [10, 0], [10, 5], [0, 5]], float)
    h = homography(img, ground)
    assert apply_homography(h, img) == pytest.approx(ground, abs=1e-6)


def test_view_check():
    xy = standing()
    assert view_check(xy, 100.0).is_side_view is True
    front = xy.copy()
    for name in ("hip", "shoulder"):
        front[:, IDX[f"left_{name}"], 0] -= 20.0
        front[:, IDX[f"right_{name}"], 0] += 20.0  # 40 px = 0.4 leg lengths apart
    check = view_check(front, 100.0)
    assert check.is_side_view is False and check.width_leg == pytest.approx(0.4)
    assert view_check(front, 100.0, max_side_width_leg=0.5).is_side_view is True
    assert view_check(np.full((3, 33, 2), np.nan), 100.0).detail == "no athlete found"


@pytest.mark.parametrize("kwargs, message", [
    (dict(height_m=3.1), "--height-m 3.1"),
    (dict(two_points_px=((10, 10), (10, 10)), two_points_m=5.0), "at least 5 px apart"),
    (dict(two_points_px=((0, 0), (100, 0)), two_points_m=0.0), "positive distance"),
    (dict(two_points_px=((0, 0), (100, 0))), "go together"),
    (dict(ground_rect_px=((0, 0), (100, 0), (200, 0), (300, 0)), ground_rect_m=(5.0, 10.0)),
     "span no area"),
])
def test_calibration_checks_the_user_input(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        Calibration(**kwargs)


def test_settings_from_a_table_name_the_closest_key():
    s = settings_from_dict({"analysis": {"contacts": {"min_contact_s": 0.05}},
                            "calibration": {"height_m": 1.75}})
    assert s.analysis.contacts.min_contact_s == 0.05 and s.calibration.height_m == 1.75
    with pytest.raises(ConfigError, match="did you mean 'analysis.contacts.min_contact_s'"):
        settings_from_dict({"analysis": {"contacts": {"min_contact": 0.05}}}, where="my.toml")
    with pytest.raises(ConfigError, match="wrong type"):
        settings_from_dict({"analysis": {"clean": {"cutoff_hz": "high"}}})
