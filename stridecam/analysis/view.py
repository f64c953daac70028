"""Is this a side view? (pure numpy)

In a side (sagittal) view the two hips and the two shoulders nearly overlap horizontally; from
the front or back they are a third of a leg length or more apart. The check uses the median
over frames, so a few frames of a turning athlete do not decide it.
"""

from __future__ import annotations

import numpy as np

from stridecam.model.landmarks import IDX
from stridecam.model.result import ViewCheck


def view_check(xy_px: np.ndarray, leg_px: float, max_side_width_leg: float = 0.22) -> ViewCheck:
    """Side view or not, from landmarks ``xy_px`` (n, 33, 2) and the leg length in pixels: the
    median horizontal hip + shoulder width (mean of the two) must be below
    ``max_side_width_leg`` leg lengths."""
    hips = np.abs(xy_px[:, IDX["left_hip"], 0] - xy_px[:, IDX["right_hip"], 0])
    shoulders = np.abs(xy_px[:, IDX["left_shoulder"], 0] - xy_px[:, IDX["right_shoulder"], 0])
    width = (hips + shoulders) / 2
    width = width[np.isfinite(width)]
    if width.size == 0 or not np.isfinite(leg_px) or leg_px <= 0:
        return ViewCheck(is_side_view=False, detail="no athlete found")
    width_leg = float(np.median(width) / leg_px)
    side = width_leg < max_side_width_leg
    detail = (f"hips and shoulders {width_leg:.2f} leg lengths apart horizontally "
              f"({'side view' if side else 'not a side view'}: side views are below "
              f"{max_side_width_leg})")
    return ViewCheck(is_side_view=bool(side), width_leg=width_leg, detail=detail)
