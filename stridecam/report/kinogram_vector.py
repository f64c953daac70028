"""The kinogram without the video: the cleaned skeleton (ground frame: x forward, y up) at each
position of ``kinogram.stride_moments``, one row per step, legs in the side colours (named as
the contacts name them), angles beside the joints, ground line at 0."""

from __future__ import annotations

import numpy as np
import pandas as pd

from stridecam.model.landmarks import IDX, SKELETON
from stridecam.model.track import Track
from stridecam.report.kinogram import Moment
from stridecam.report.sides import SIDE_HEX, bone_side, leg_swaps, swap_legs


def track_swaps(track: Track, contacts: pd.DataFrame) -> np.ndarray:
    """Per track sample, whether the tracker's leg labels are swapped against the contacts
    (``sides.leg_swaps`` on the track turned into image-like coordinates: y down, forward +x)."""
    if not len(contacts) or track.n == 0:
        return np.zeros(track.n, bool)
    img = track.xy * np.array([1.0, -1.0])
    rows = lambda col: np.clip(np.searchsorted(track.time_s, contacts[col].to_numpy(float)),  # noqa: E731
                               0, track.n - 1)
    return leg_swaps(img, rows("touchdown_time_s"), rows("toe_off_time_s"),
                     contacts["foot"].to_numpy(str), 1)


def skeleton_figure(track: Track, rows: list[list[Moment]], contacts: pd.DataFrame, units: str):
    """Vector figure of the positions (module docstring)."""
    import matplotlib.pyplot as plt

    from stridecam.report.figures import INK, RC, WIDTH_IN

    swaps = track_swaps(track, contacts)
    leg = track.scale.leg_length if track.scale.leg_length > 0 else 1.0
    unit = "m" if units == "m" else "leg lengths"
    with plt.rc_context(RC):  # type: ignore[arg-type]
        fig, axes = plt.subplots(len(rows), 5, figsize=(WIDTH_IN, 0.3 + 1.75 * len(rows)),
                                 squeeze=False)
        for r, row in enumerate(rows):
            for ax, m in zip(axes[r], row):
                p = swap_legs(track.xy[m.sample]) if swaps[m.sample] else track.xy[m.sample]
                hip_x = float((p[IDX["left_hip"], 0] + p[IDX["right_hip"], 0]) / 2)
                for a, b in SKELETON:
                    side = bone_side(a, b)
                    ax.plot([p[IDX[a], 0] - hip_x, p[IDX[b], 0] - hip_x],
                            [p[IDX[a], 1], p[IDX[b], 1]],
                            color=SIDE_HEX[side] if side else INK,
                            linewidth=2.0 if side else 1.2,
                            linestyle="--" if side == "right" else "-")
                for angle in m.angles:
                    q = p[IDX[angle.landmark]]
                    if np.isfinite(q).all():
                        dx = 6 if angle.toward == "front" else -6
                        ax.annotate(angle.text, (q[0] - hip_x, q[1]), xytext=(dx, 0),
                                    textcoords="offset points", fontsize=5.8,
                                    ha="left" if dx > 0 else "right", va="center",
                                    bbox=dict(boxstyle="square,pad=0.15", fc="white",
                                              ec="0.6", lw=0.4))
                ax.axhline(0, color="0.4", linewidth=0.8)
                ax.axvline(0, color="0.7", linewidth=0.6, linestyle=":")
                ax.set_xlim(-1.1 * leg, 1.1 * leg)
                ax.set_ylim(-0.08 * leg, 2.2 * leg)
                ax.set_aspect("equal")
                ax.set_axis_off()
                ax.set_title(f"{m.name}\n{m.foot}, {m.time_s:.2f} s", fontsize=7)
        fig.text(0.01, 0.005, f"Each panel {2.2 * leg:.2f} {unit} wide, centred on the hips "
                 "(dotted); ground line at 0.", fontsize=6.5, color="0.3")
        fig.tight_layout(rect=(0, 0.03, 1, 1))
    return fig
