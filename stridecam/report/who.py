"""Who was analysed: one frame of the clip with the analysed person boxed, for page 1 (a coach
who filmed a group sees at once whether stridecam followed the right runner)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stridecam.report.follow import landmark_box
from stridecam.report.load import RunData

#: Box colour (RGB) and the least landmarks a frame must have to be shown.
BOX_RGB = (255, 120, 0)
MIN_LANDMARKS = 20


@dataclass(frozen=True)
class WhoFrame:
    """``image``: RGB, the whole frame scaled to ``width_px`` wide, the athlete boxed;
    ``time_s``: the frame's capture time."""

    image: np.ndarray
    time_s: float


def who_frame(data: RunData, width_px: int = 480) -> WhoFrame | None:
    """The frame nearest the middle of the run (the middle contact's mid-stance, else the
    middle of the frames where the athlete was found) with the athlete's box drawn; None
    without the video or the landmarks."""
    poses = data.poses
    if poses is None or data.clip is None:
        return None
    found = np.flatnonzero(np.isfinite(poses.xy_px).all(axis=2).sum(axis=1) >= MIN_LANDMARKS)
    if not len(found):
        return None
    c = data.contacts
    if len(c):
        mid = c.iloc[len(c) // 2]
        t_mid = (float(mid["touchdown_time_s"]) + float(mid["toe_off_time_s"])) / 2
    else:
        t_mid = float(np.median(poses.time_s[found]))
    i = int(found[np.argmin(np.abs(poses.time_s[found] - t_mid))])
    index = int(poses.frame_index[i])
    from stridecam.report.kinogram_draw import decode_frames

    image = decode_frames(data.clip, {index}).get(index)
    box = landmark_box(poses.xy_px[i])
    if image is None or box is None:
        return None
    import cv2

    h, w = image.shape[:2]
    image = np.ascontiguousarray(image)
    thick = max(2, round(w / 200))
    cv2.rectangle(image, (round(box.x0), round(box.y0)), (round(box.x1), round(box.y1)),
                  BOX_RGB, thick)
    scale = width_px / w
    small = cv2.resize(image, (width_px, max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    return WhoFrame(small, float(poses.time_s[i]))
