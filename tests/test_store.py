"""Poses round-trip through Parquet + JSON; atomic writes never leave partial files."""

from __future__ import annotations

import numpy as np
import pytest

from stridecam.io.store import (
    atomic_write,
    cache_key,
    cached_key,
    load_poses,
    poses_to_frame,
    save_poses,
)
from stridecam.model.errors import StridecamError
from stridecam.model.poses import Flag, Poses


def make_poses(n: int = 12, seed: int = 0) -> Poses:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 640, size=(n, 33, 2))
    xy[3] = np.nan  # a frame with nobody found
    return Poses(
        time_s=np.arange(n) / 120.0, frame_index=np.arange(n) * 2,
        xy_px=xy, z_rel=rng.normal(size=(n, 33)), visibility=rng.uniform(size=(n, 33)),
        world_m=rng.normal(size=(n, 33, 3)), frame_size_px=(640, 480), source="clip.mp4",
        model="pose_landmarker_full", nominal_fps=30, capture_fps=120,
        flags=(Flag("repeated_frames", "info", "Half the frames repeated."),),
        meta={"detection_rate": 0.9},
    )


def test_round_trip(tmp_path):
    poses = make_poses()
    save_poses(poses, tmp_path, key="abc")
    back = load_poses(tmp_path)
    for name in ("time_s", "frame_index", "xy_px", "z_rel", "visibility", "world_m"):
        np.testing.assert_array_equal(getattr(back, name), getattr(poses, name))
    assert back.flags == poses.flags and back.meta == poses.meta
    assert back.capture_fps == 120 and back.frame_size_px == (640, 480)
    assert cached_key(tmp_path) == "abc"
    assert not back.detected[3] and back.detected[4]


def test_table_has_unit_suffixed_columns():
    table = poses_to_frame(make_poses(4))
    assert {"time_s", "left_heel_x_px", "right_foot_index_visibility",
            "nose_world_z_m"} <= set(table.columns)
    assert table.shape == (4, 2 + 33 * 7)


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.json"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_write(target, "w") as fh:
        fh.write("half")
        raise RuntimeError("killed")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_cache_key_depends_on_every_input():
    base = cache_key("clip", "model", {"mode": "video"})
    assert base == cache_key("clip", "model", {"mode": "video"})
    assert len({base, cache_key("clip2", "model", {"mode": "video"}),
                cache_key("clip", "model2", {"mode": "video"}),
                cache_key("clip", "model", {"mode": "image"})}) == 4


def test_poses_validation_names_the_field():
    poses = make_poses(5)
    with pytest.raises(StridecamError, match="xy_px"):
        poses.replace(xy_px=np.zeros((5, 32, 2)))
    with pytest.raises(StridecamError, match="increasing"):
        poses.replace(time_s=np.array([0, 1, 1, 2, 3.0]))


def test_load_missing_names_folder(tmp_path):
    with pytest.raises(StridecamError, match=str(tmp_path)):
        load_poses(tmp_path)


def test_marked_sections_replace_only_their_own_part(tmp_path):
    from stridecam.io.store import write_marked_section

    doc = tmp_path / "DOC.md"
    write_marked_section(doc, "a", "Alpha", "first", header="# Doc\n")
    write_marked_section(doc, "b", "Beta", "second")
    write_marked_section(doc, "a", "Alpha", "first, again")
    text = doc.read_text()
    assert text.startswith("# Doc\n")
    assert text.count("<!-- section:a -->") == 1 and "first, again" in text
    assert "\nfirst\n" not in text and "second" in text
    assert text.index("section:a") < text.index("section:b")
