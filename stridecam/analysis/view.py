"""Is this a side view? (pure numpy)

In a side (sagittal) view the two hips and the two shoulders nearly overlap horizontally; from
the front or back they are a third of a leg length or more apart. A front-view runner also
grows in the image as they approach. The check uses the median over frames, so a few frames of
a turning athlete do not decide it.
"""

from __future__ import annotations

import numpy as np

from stridecam.model.landmarks import IDX

#: Median horizontal hip+shoulder width (mean of the two, in leg lengths) above which the view
#: is not a side view (per-clip values on the real clips: VALIDATION.md).
MAX_SIDE_WIDTH_LEG = 0.22


def view_check(xy_px: np.ndarray, leg_px: float) -> dict:
    """{"is_side_view", "width_leg", "size_change", "detail"} for landmarks ``xy_px`` (n, 33, 2)."""
    hips = np.abs(xy_px[:, IDX["left_hip"], 0] - xy_px[:, IDX["right_hip"], 0])
    shoulders = np.abs(xy_px[:, IDX["left_shoulder"], 0] - xy_px[:, IDX["right_shoulder"], 0])
    width = (hips + shoulders) / 2
    width = width[np.isfinite(width)]
    if width.size == 0 or not np.isfinite(leg_px) or leg_px <= 0:
        return {"is_side_view": False, "width_leg": float("nan"), "size_change": float("nan"),
                "detail": "no athlete found"}
    width_leg = float(np.median(width) / leg_px)
    side = width_leg < MAX_SIDE_WIDTH_LEG
    detail = (f"hips and shoulders {width_leg:.2f} leg lengths apart horizontally "
              f"({'side view' if side else 'not a side view'}: side views are below "
              f"{MAX_SIDE_WIDTH_LEG})")
    return {"is_side_view": bool(side), "width_leg": width_leg, "detail": detail}
