"""Shared test fixtures: paths to ../shared and small clips made on the fly."""

from __future__ import annotations

import os
from pathlib import Path

import av
import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
VIDEOS = SHARED / "videos"
MODELS = SHARED / "models"


def shared_file(relative: str) -> Path:
    """Path of a file under ../shared; skip when absent locally, fail when CI is set."""
    path = SHARED / relative
    if not path.exists():
        message = f"missing shared test file {path}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def video(name: str) -> Path:
    """Path of a real clip in ../shared/videos (see MANIFEST.md there)."""
    return shared_file(f"videos/{name}")


def write_clip(path: Path, images, fps: int = 30, *, rotation: int | None = None,
               metadata: dict[str, str] | None = None) -> Path:
    """Encode RGB ``images`` to an H.264 mp4 at ``fps`` (optional display rotation and tags)."""
    options = {"movflags": "use_metadata_tags"} if metadata else {}
    with av.open(str(path), "w", options=options) as container:
        for key, value in (metadata or {}).items():
            container.metadata[key] = value
        images = list(images)
        stream = container.add_stream("libx264", rate=fps)
        stream.height, stream.width = images[0].shape[:2]
        stream.pix_fmt = "yuv420p"
        if rotation is not None:
            stream.set_display_rotation(rotation)
        for image in images:
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def moving_square_images(n: int, size=(96, 160)) -> list[np.ndarray]:
    """``n`` frames of a white square moving right on grey: every frame differs from the last."""
    h, w = size
    out = []
    for i in range(n):
        img = np.full((h, w, 3), 90, np.uint8)
        x = 4 + (i * 3) % (w - 24)
        img[30:50, x:x + 20] = 255
        out.append(img)
    return out


@pytest.fixture
def tmp_clip(tmp_path):
    """Factory: ``tmp_clip(name, images, **kw)`` writes a clip under tmp_path."""

    def make(name: str, images, **kw) -> Path:
        return write_clip(tmp_path / name, images, **kw)

    return make
