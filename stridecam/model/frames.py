"""``Frame`` and ``VideoInfo``: what video ingest hands to the pose stage.

Kept apart from ``stridecam.io.video`` (which needs PyAV) so the pose stage and tests can make
frames without decoding anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Frame:
    """One distinct decoded frame, upright (rotation metadata already applied).

    ``index`` is the frame's position in the container's decode order (0-based, counting repeated
    frames too); ``time_s`` is capture time in seconds since the first frame (already scaled for
    slow motion); ``image`` is an RGB ``uint8`` array of shape (height, width, 3), C-contiguous.
    """

    index: int
    time_s: float
    image: np.ndarray


@dataclass(frozen=True)
class VideoInfo:
    """What the container says about a clip, read before decoding.

    ``nominal_fps`` is the container's average (playback) rate; ``capture_fps`` the real capture
    rate used to scale time (from ``--capture-fps``, the ``com.android.capture.fps`` tag, or equal
    to ``nominal_fps``); ``capture_fps_source`` says which. ``width``/``height`` are of the upright
    frame. ``n_frames`` is the container's frame count (0 when it does not say). ``recorded``:
    when the clip was filmed, from the ``creation_time`` tag phones write (None when absent or
    the 1970 placeholder).
    """

    path: str
    width: int
    height: int
    rotation_deg: int
    nominal_fps: float
    capture_fps: float
    capture_fps_source: str
    n_frames: int
    duration_s: float
    codec: str
    recorded: str | None = None  # "YYYY-MM-DD HH:MM:SS" from the container's creation_time
    extra: dict = field(default_factory=dict)

    @property
    def time_scale(self) -> float:
        """Factor from container (playback) time to capture time: nominal_fps / capture_fps."""
        return self.nominal_fps / self.capture_fps
