"""``stridecam frame CLIP --at SECONDS``: one frame as a PNG with a labelled pixel grid, to read
calibration points (``--two-points``, ``--ground-rect``) and ``--athlete-at`` from.

Edge module (PyAV through ``io.video``, OpenCV for drawing and writing). Coordinates are those
every option takes: pixels of the upright frame (rotation metadata applied), x to the right,
y down, origin at the top-left corner.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from stridecam.io.store import atomic_path
from stridecam.model.errors import InputError


def grid_step_px(width: int, height: int) -> int:
    """A round grid spacing giving about 10-20 lines across the longer side."""
    longer = max(width, height)
    for step in (25, 50, 100, 200, 250, 500):
        if longer / step <= 20:
            return step
    return 1000


def draw_grid(image: np.ndarray, step: int) -> np.ndarray:
    """``image`` (RGB) with grid lines every ``step`` px (every fifth one bolder) and their
    pixel coordinates written along the top and left edges."""
    import cv2

    out = image.copy()
    h, w = out.shape[:2]
    scale = max(0.35, min(1.0, max(w, h) / 2400))
    thick = max(1, round(max(w, h) / 1500))
    for x in range(0, w, step):
        bold = x % (5 * step) == 0
        cv2.line(out, (x, 0), (x, h - 1), (255, 255, 0) if bold else (0, 255, 255),
                 thick * (2 if bold else 1))
    for y in range(0, h, step):
        bold = y % (5 * step) == 0
        cv2.line(out, (0, y), (w - 1, y), (255, 255, 0) if bold else (0, 255, 255),
                 thick * (2 if bold else 1))
    font = cv2.FONT_HERSHEY_SIMPLEX
    for x in range(step, w, step):
        _label(out, str(x), (x + 3, int(18 * scale) + 4), font, scale)
    for y in range(step, h, step):
        _label(out, str(y), (3, y - 4), font, scale)
    return out


def _label(img: np.ndarray, text: str, at: tuple[int, int], font: int, scale: float) -> None:
    import cv2

    cv2.putText(img, text, at, font, scale, (0, 0, 0), max(2, round(3 * scale)), cv2.LINE_AA)
    cv2.putText(img, text, at, font, scale, (255, 255, 255), 1, cv2.LINE_AA)


def frame_at(clip: str | Path, at_s: float):
    """The first distinct frame at or after ``at_s`` seconds of capture time."""
    from stridecam.io.video import VideoReader

    reader = VideoReader(clip, drop_repeats=False, prefetch=0)
    if not 0 <= at_s <= reader.info.duration_s + 1e-6:
        raise InputError(f"{clip}: --at {at_s:g} s is outside the clip (0 to "
                         f"{reader.info.duration_s:.2f} s)")
    last = None
    for frame in reader:
        last = frame
        if frame.time_s >= at_s - 1e-6:
            return frame
    if last is None:
        raise InputError(f"{clip}: no frame could be decoded")
    return last


def write_frame_png(clip: str | Path, at_s: float, out: str | Path) -> tuple[Path, int, int, int]:
    """Write frame ``at_s`` of ``clip`` with its pixel grid to ``out`` (PNG, atomically);
    returns (path, width, height, grid step px)."""
    import cv2

    frame = frame_at(clip, at_s)
    h, w = frame.image.shape[:2]
    step = grid_step_px(w, h)
    image = draw_grid(frame.image, step)
    out = Path(out)
    with atomic_path(out) as tmp:
        ok, data = cv2.imencode(".png", cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
        if not ok:
            raise InputError(f"{out}: the PNG could not be encoded")
        Path(tmp).write_bytes(data.tobytes())
    return out, w, h, step
