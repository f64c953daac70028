"""Kinogram: the athlete at four moments of one representative step.

Moments of step ``i`` (foot ``f`` on the ground): **touchdown** TD(i) and **toe-off** TO(i) of
``f``; **mid-swing** of ``f`` = the middle of the other foot's next contact, when the swing
thigh passes the stance thigh; **peak knee drive** of ``f`` = TO(i) + recovery time. The step
chosen is the complete one closest to the run's medians of contact, step and recovery time.

With the clip at hand the panels are the video frames themselves, cropped around the athlete
(``frame_crops``); without it, the cleaned skeleton in the ground frame (``skeleton_figure``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from stridecam.model.landmarks import IDX, SKELETON
from stridecam.model.poses import Poses
from stridecam.model.track import Track, hip_mid_x

#: Crop side in multiples of the largest athlete bounding box over the four moments.
CROP_MARGIN = 1.15
#: Crop side (px) of the images put in the PDF.
CROP_PX = 420


@dataclass(frozen=True)
class Moment:
    name: str
    time_s: float
    foot: str
    step: int  # 1-based step number, as in the report's table


def representative_step(steps: pd.DataFrame) -> int | None:
    """Row position of the complete step nearest the medians, None when there is none."""
    need = ("touchdown_time_s", "toe_off_time_s", "contact_time_s", "step_time_s",
            "recovery_time_s")
    if len(steps) < 2 or any(c not in steps for c in need):
        return None
    ok = np.ones(len(steps), bool)
    for c in need:
        ok &= np.isfinite(steps[c].to_numpy(float))
    nxt = np.r_[np.isfinite(steps["toe_off_time_s"].to_numpy(float))[1:], False]
    ok &= nxt & (steps["recovery_time_s"].to_numpy(float) > 0)
    if not ok.any():
        return None
    score = np.zeros(len(steps))
    for c in ("contact_time_s", "step_time_s", "recovery_time_s"):
        v = steps[c].to_numpy(float)
        med = float(np.median(v[ok]))
        score += np.abs(v - med) / med if med > 0 else 0.0
    score[~ok] = np.inf
    return int(np.argmin(score))


def moments(steps: pd.DataFrame, i: int) -> list[Moment]:
    """The four moments of step row ``i`` in time order (see the module docstring)."""
    s, n = steps.iloc[i], steps.iloc[i + 1]
    foot, num = str(s["foot"]), int(s.get("step_index", i)) + 1
    out = [Moment("Touchdown", float(s["touchdown_time_s"]), foot, num),
           Moment("Toe-off", float(s["toe_off_time_s"]), foot, num),
           Moment("Mid-swing", float((n["touchdown_time_s"] + n["toe_off_time_s"]) / 2), foot, num),
           Moment("Peak knee drive", float(s["toe_off_time_s"] + s["recovery_time_s"]), foot,
                  num)]
    return sorted(out, key=lambda m: m.time_s)


def _decode(clip, wanted: set[int]) -> dict[int, np.ndarray]:
    """Upright RGB images of the decode-order frame indices ``wanted``."""
    import av

    from stridecam.io.video import probe, upright

    rotation = probe(clip).rotation_deg
    out: dict[int, np.ndarray] = {}
    last = max(wanted) if wanted else -1
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for index, frame in enumerate(container.decode(stream)):
            if index in wanted:
                out[index] = upright(frame.to_ndarray(format="rgb24"), rotation)
            if index >= last:
                break
    return out


def frame_crops(clip, poses: Poses, ms: list[Moment]) -> list[np.ndarray] | None:
    """Square video crops around the athlete at each moment (same scale for all four), or None
    when the frames cannot be read or the athlete is not found at a moment."""
    import cv2

    rows = [int(np.argmin(np.abs(poses.time_s - m.time_s))) for m in ms]
    boxes = []
    for r in rows:
        pts = poses.xy_px[r]
        pts = pts[np.isfinite(pts).all(axis=1)]
        if len(pts) < 5:
            return None
        boxes.append((*pts.min(axis=0), *pts.max(axis=0)))
    side = CROP_MARGIN * max(max(b[2] - b[0], b[3] - b[1]) for b in boxes)
    frames = _decode(clip, {int(poses.frame_index[r]) for r in rows})
    crops = []
    for r, (x0, y0, x1, y1) in zip(rows, boxes):
        image = frames.get(int(poses.frame_index[r]))
        if image is None:
            return None
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        # affine crop: pads with grey where the square leaves the frame
        scale = CROP_PX / side
        m = np.array([[scale, 0, CROP_PX / 2 - scale * cx], [0, scale, CROP_PX / 2 - scale * cy]])
        crops.append(cv2.warpAffine(image, m, (CROP_PX, CROP_PX), flags=cv2.INTER_AREA,
                                    borderMode=cv2.BORDER_CONSTANT, borderValue=(200, 200, 200)))
    return crops


def skeleton_figure(track: Track, ms: list[Moment], units: str):
    """Vector figure: the cleaned skeleton at each moment (left leg and arm solid black, right
    dashed grey), each panel centred on the hips, ground line at 0."""
    import matplotlib.pyplot as plt

    from stridecam.report.figures import INK, RC, WIDTH_IN

    with plt.rc_context(RC):  # type: ignore[arg-type]
        return _skeleton_figure(plt, track, ms, units, INK, WIDTH_IN)


def _skeleton_figure(plt, track: Track, ms: list[Moment], units: str, ink: str,
                     width_in: float):
    fig, axes = plt.subplots(1, len(ms), figsize=(width_in, 2.6), sharey=True)
    unit = "m" if units == "m" else "leg lengths"
    for ax, m in zip(np.atleast_1d(axes), ms):
        k = int(np.argmin(np.abs(track.time_s - m.time_s)))
        p = track.xy[k]
        hip_x = float(hip_mid_x(track.xy[k:k + 1])[0])
        for a, b in SKELETON:
            if "ear" in a + b:
                continue
            side = "left" if a.startswith("left") and b.startswith("left") else \
                "right" if a.startswith("right") and b.startswith("right") else "mid"
            style = {"left": dict(color=ink, linestyle="-", linewidth=2.0),
                     "right": dict(color="0.5", linestyle="--", linewidth=2.0),
                     "mid": dict(color=ink, linestyle="-", linewidth=1.2)}[side]
            ax.plot([p[IDX[a], 0] - hip_x, p[IDX[b], 0] - hip_x], [p[IDX[a], 1], p[IDX[b], 1]],
                    **style)
        head = p[[IDX["nose"], IDX["left_ear"], IDX["right_ear"]]]
        if np.isfinite(head).all():
            centre = head.mean(axis=0)
            ax.add_patch(plt.Circle((centre[0] - hip_x, centre[1]), 0.12 * track.scale.leg_length,
                                    fill=False, color=ink, linewidth=1.2))
        ax.axhline(0, color="0.4", linewidth=0.8)
        ax.set_aspect("equal")
        ax.set_title(f"{m.name}\n{m.foot} foot, {m.time_s:.2f} s", fontsize=8)
        ax.set_xlabel(f"forward ({unit})")
        ax.grid(False)
    np.atleast_1d(axes)[0].set_ylabel(f"height ({unit})")
    fig.tight_layout()
    return fig
