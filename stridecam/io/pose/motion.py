"""How the camera turned: the image shift of the background from frame to frame.

A panning camera moves the whole scene across the image; a person standing still then travels
in the image as fast as the runner the camera follows stands still. To tell who travels over
the ground, each frame's shift against the previous one is measured by phase correlation of
small copies of the green channel (``WIDTH_PX`` wide, Hann window; < 1 ms a frame), which
locks on the dominant background (a rotating camera shifts every depth alike), and
accumulated: ``offset_px[k]`` is where a background point seen at (0, 0) in the first frame is
in frame k, so ``xy - offset`` is a position fixed to the background ("ground pixels").
"""

from __future__ import annotations

import numpy as np

WIDTH_PX = 192
#: a correlation peak weaker than this is no measurement (a shift of 0 is assumed)
MIN_RESPONSE = 0.05


class CameraMotion:
    """``update(image)`` once per frame, in order; ``offset_px`` (n, 2) afterwards."""

    def __init__(self) -> None:
        self._prev: np.ndarray | None = None
        self._window: np.ndarray | None = None
        self._scale = 1.0
        self._offsets: list[np.ndarray] = []

    def update(self, image: np.ndarray) -> np.ndarray:
        """Measure this frame (RGB uint8); returns its offset (2,) in full-frame pixels."""
        import cv2

        h, w = image.shape[:2]
        self._scale = w / WIDTH_PX
        # the green channel of every step-th pixel (at most twice the width kept), then an area
        # average: ~0.5 ms a 1080x1920 frame, against ~5 ms for a grey copy of the whole frame
        step = max(1, -(-w // (2 * WIDTH_PX)))
        green = np.ascontiguousarray(image[::step, ::step, 1])
        grey = cv2.resize(green, (WIDTH_PX, max(8, int(round(h / self._scale)))),
                          interpolation=cv2.INTER_AREA).astype(np.float32)
        last = self._offsets[-1] if self._offsets else np.zeros(2)
        shift = np.zeros(2)
        if self._prev is not None and self._prev.shape == grey.shape:
            if self._window is None or self._window.shape != grey.shape:
                self._window = cv2.createHanningWindow(grey.shape[::-1], cv2.CV_32F)
            (dx, dy), response = cv2.phaseCorrelate(self._prev, grey, self._window)
            if response >= MIN_RESPONSE:
                shift = np.array([dx, dy]) * self._scale
        self._prev = grey
        off = last + shift
        self._offsets.append(off)
        return off

    @property
    def offset_px(self) -> np.ndarray:
        return np.array(self._offsets).reshape(-1, 2)
