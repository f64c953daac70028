"""The run report's figures (matplotlib, vector SVG for the PDF).

Legs in the report's one colour pair (``sides``: left blue, right orange, colour-blind safe),
and still readable in black and white: the left leg is a solid line with filled circles, the
right leg a dashed line with open squares; touchdowns are downward triangles, toe-offs upward
ones. Every axis label carries its unit. Values far outside the bulk of the run (a mis-detected
step) do not squash the axis: the axis covers the bulk, and those values are drawn as open
triangles on its edge, marked "off scale".
"""

from __future__ import annotations

import functools
import io
import math
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from stridecam.analysis.metrics import thigh_envelopes  # noqa: E402
from stridecam.model.result import RunResult  # noqa: E402
from stridecam.model.track import Track  # noqa: E402
from stridecam.report.content import label, length_unit, shown  # noqa: E402
from stridecam.report.sides import SIDE_HEX  # noqa: E402

#: Near-black: matplotlib leaves pure black out of its SVG (the default), and fpdf2's SVG
#: renderer then draws such text and marker fills pale; an explicit colour avoids that.
INK = "#141414"
STYLE = {
    "left": dict(color=SIDE_HEX["left"], linestyle="-", marker="o",
                 markerfacecolor=SIDE_HEX["left"], markersize=4.5, linewidth=1.3,
                 label="Left leg"),
    "right": dict(color=SIDE_HEX["right"], linestyle="--", marker="s", markerfacecolor="white",
                  markersize=4.5, linewidth=1.3, label="Right leg"),
}
RC: dict[str, Any] = {
    "font.size": 8, "axes.titlesize": 9, "axes.labelsize": 8, "legend.fontsize": 7.5,
    "xtick.labelsize": 7.5, "ytick.labelsize": 7.5, "axes.spines.top": False,
    "axes.spines.right": False, "svg.fonttype": "path", "axes.grid": True, "grid.color":
    "0.88", "grid.linewidth": 0.6, "figure.dpi": 100, "text.color": INK, "axes.labelcolor":
    INK, "axes.edgecolor": INK, "xtick.color": INK, "ytick.color": INK, "legend.labelcolor":
    INK
}
#: Page text width in inches (A4 minus margins) that figures are drawn for.
WIDTH_IN = 7.1


def styled(fn):
    """Decorator: build the figure under ``RC`` (matplotlib reads rcParams when each artist is
    made, so the whole function must run inside the context)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with plt.rc_context(RC):  # type: ignore[arg-type]
            return fn(*args, **kwargs)
    return wrapper


@styled
def to_svg(fig: Figure) -> bytes:
    """SVG bytes of ``fig`` (text as paths: no font needed to display it); closes the figure."""
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", pad_inches=0.03,
                metadata={"Date": None, "Creator": None})
    plt.close(fig)
    return buf.getvalue()


def _new(rows: int, height_in: float, **kw) -> tuple[Figure, Any]:
    fig, axes = plt.subplots(rows, 1, figsize=(WIDTH_IN, height_in), **kw)
    return fig, axes


def robust_limits(values: np.ndarray, pad: float = 0.12) -> tuple[float, float] | None:
    """Axis limits covering the bulk of ``values``: the range of values within 4 IQRs of the
    median (outer quartiles at least 10% of the median apart); None without finite values."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return None
    q1, med, q3 = np.percentile(v, [25, 50, 75])
    spread = max(q3 - q1, 0.1 * abs(med), 1e-9)
    inside = v[(v >= med - 4 * spread) & (v <= med + 4 * spread)]
    lo, hi = float(inside.min()), float(inside.max())
    span = max(hi - lo, 0.05 * abs(med), 1e-6)
    return lo - pad * span, hi + pad * span


def _per_leg(ax, x: np.ndarray, y: np.ndarray, feet: np.ndarray, *, ylim=True,
             legend: bool = True, lines: bool = True) -> None:
    """Plot ``y`` against ``x`` by leg with the B/W styles; off-scale values on the edge."""
    limits = robust_limits(y) if ylim else None
    off_hi = off_lo = False
    for foot in ("left", "right"):
        sel = feet == foot
        if not sel.any():
            continue
        xs, ys = x[sel], y[sel].astype(float)
        if limits is not None:
            hi, lo = ys > limits[1], ys < limits[0]
            off_hi |= bool(hi.any())
            off_lo |= bool(lo.any())
            edge = np.where(hi, limits[1], np.where(lo, limits[0], np.nan))
            ys = np.where(hi | lo, np.nan, ys)
            if np.isfinite(edge).any():
                ax.plot(xs, edge, linestyle="none", marker="^" if hi.any() else "v",
                        markerfacecolor="white", markeredgecolor=INK, markersize=6,
                        clip_on=False)
        ax.plot(xs, ys, **dict(STYLE[foot], **({} if lines else {"linestyle": "none"})))
    if limits is not None:
        ax.set_ylim(*limits)
    if off_hi or off_lo:
        ax.annotate("open triangle on the edge: value off scale", xy=(1, 1.01),
                    xycoords="axes fraction", ha="right", va="bottom", fontsize=6.5,
                    color="0.3")
    if legend:
        ax.legend(loc="best", frameon=True, framealpha=0.9, edgecolor="0.7")


def _median_line(ax, value: float, text: str) -> None:
    """Dotted line at the median, labelled just outside the right edge of the axes."""
    if math.isfinite(value):
        ax.axhline(value, color="0.35", linestyle=":", linewidth=1.0)
        ax.annotate(text.replace(" ", "\n", 1), xy=(1.005, value),
                    xycoords=("axes fraction", "data"), ha="left", va="center", fontsize=6.5,
                    color="0.25", annotation_clip=False)


def _steps_axis(ax, steps: pd.DataFrame) -> np.ndarray:
    x = steps["step_index"].to_numpy(float) + 1 if "step_index" in steps else \
        np.arange(1, len(steps) + 1, dtype=float)
    ax.set_xlabel("Step number (count)")
    if len(x):
        ax.set_xticks(x if len(x) <= 25 else x[::2])
    return x


def _col(steps: pd.DataFrame, column: str) -> np.ndarray:
    return steps[column].to_numpy(float) if column in steps else np.full(len(steps), np.nan)


@styled
def rhythm(steps: pd.DataFrame, run: RunResult) -> Figure:
    """Cadence and step length per step, by leg, with the run's medians."""
    fig, (a, b) = _new(2, 4.2, sharex=True)
    feet = steps["foot"].to_numpy(str)
    for ax, col, digits in ((a, "cadence_spm", 0), (b, "step_length_m", 2)):
        x = _steps_axis(ax, steps)
        y = _col(steps, shown(col, run))
        _per_leg(ax, x, y, feet, legend=ax is a)
        med = float(np.nanmedian(y)) if np.isfinite(y).any() else float("nan")
        _median_line(ax, med, f"median {med:.{digits}f}" if math.isfinite(med) else "")
        ax.set_ylabel(label(col, run))
    a.set_xlabel("")
    a.set_title("Cadence and step length per step")
    fig.tight_layout()
    return fig


@styled
def timing(steps: pd.DataFrame) -> Figure:
    """Contact, flight and swing time per step, by leg."""
    fig, axes = _new(3, 5.6, sharex=True)
    feet = steps["foot"].to_numpy(str)
    names = (("contact_time_s", "Contact time (s)"), ("flight_time_s", "Flight time (s)"),
             ("swing_time_s", "Swing time (s)"))
    for k, (ax, (col, text)) in enumerate(zip(axes, names)):
        x = _steps_axis(ax, steps)
        y = _col(steps, col)
        _per_leg(ax, x, y, feet, legend=k == 0)
        med = float(np.nanmedian(y)) if np.isfinite(y).any() else float("nan")
        _median_line(ax, med, f"median {med:.3f} s" if math.isfinite(med) else "")
        ax.set_ylabel(text)
        if k < 2:
            ax.set_xlabel("")
    axes[0].set_title("Ground contact, flight and swing time per step, by leg "
                      "(the leg is the one in contact)")
    fig.tight_layout()
    return fig


@styled
def speed(steps: pd.DataFrame, run: RunResult) -> Figure:
    """Speed of each step against time, with the fitted v(t) of an acceleration run."""
    fig, ax = _new(1, 2.6)
    if len(steps):
        t_mid = ((_col(steps, "touchdown_time_s") + _col(steps, "next_touchdown_time_s")) / 2)
        feet = steps["foot"].to_numpy(str)
        v = _col(steps, shown("speed_m_s", run))
        lim = robust_limits(v)
        inside = v if lim is None else np.where((v >= lim[0]) & (v <= lim[1]), v, np.nan)
        ax.plot(t_mid, inside, color="0.6", linewidth=0.8, zorder=1)
        _per_leg(ax, t_mid, v, feet, legend=False, lines=False)
    fit = run.summary.velocity_fit
    units = "m/s" if length_unit(run) == "m" else "leg lengths/s"
    if fit and len(steps):
        per_leg = run.scale.leg_length if length_unit(run) == "m" else 1.0
        v_max, rms = fit.v_max_leg_s * per_leg, fit.rms_residual_leg_s * per_leg
        t = np.linspace(np.nanmin(_col(steps, "touchdown_time_s")),
                        np.nanmax(_col(steps, "next_touchdown_time_s")), 200)
        v = v_max * (1 - np.exp(-np.clip(t - fit.t0_s, 0, None) / fit.tau_s))
        ax.plot(t, v, color=INK, linestyle="-.", linewidth=1.3,
                label=f"fitted v(t): v_max {v_max:.2f} {units}, τ {fit.tau_s:.2f} s, "
                      f"rms misfit {rms:.2f} {units}")
    ax.set_xlabel("Time in the clip (s), middle of each step")
    ax.set_ylabel(f"Speed ({units})")
    ax.set_title("Speed per step" + (" with the fitted acceleration curve" if fit else ""))
    handles, _ = ax.get_legend_handles_labels()
    if handles:
        ax.legend(loc="best", frameon=True, framealpha=0.9, edgecolor="0.7")
    fig.tight_layout()
    return fig


@styled
def traces(track: Track, steps: pd.DataFrame, contacts: pd.DataFrame,
           run: RunResult) -> Figure:
    """Thigh angles and knee height over time with touchdowns / toe-offs, and the contacts."""
    fig, (a, b, c) = _new(3, 6.4, sharex=True,
                          gridspec_kw={"height_ratios": [3, 2, 1.1]})
    t = track.time_s
    front, back, top = thigh_envelopes(track)
    a.plot(t, front, color=INK, linewidth=1.2, label="front thigh (swing leg in flight)")
    a.plot(t, back, color="0.45", linestyle="--", linewidth=1.2, label="back thigh")
    b.plot(t, top, color=INK, linewidth=1.2)
    if len(steps):
        tp = _col(steps, "toe_off_time_s") + _col(steps, "recovery_time_s")
        a.plot(tp, _col(steps, "peak_thigh_flexion_deg"), linestyle="none", marker="*",
               markersize=9, color=INK, markerfacecolor="white",
               label="peak knee drive of each step")
    for ax in (a, b):
        for _, row in contacts.iterrows():
            ax.axvline(row["touchdown_time_s"], color="0.55", linewidth=0.6, linestyle="-")
            ax.axvline(row["toe_off_time_s"], color="0.55", linewidth=0.6, linestyle=":")
    a.set_ylabel("Thigh angle from vertical (°),\nforward +")
    fig.suptitle("Thigh angles and knee height over time (thin solid line: touchdown; "
                 "dotted: toe-off)", fontsize=9, y=0.995)
    handles, labels = a.get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=3, frameon=False,
               bbox_to_anchor=(0.5, 0.975))
    b.set_ylabel("Higher knee above hip\n(leg lengths)")
    # contact diagram: one bar per contact, touchdown ▼ and toe-off △
    for k, side in enumerate(("left", "right")):
        rows = contacts[contacts["foot"] == side] if len(contacts) else contacts
        y = 1 - k
        for _, row in rows.iterrows():
            td, to = row["touchdown_time_s"], row["toe_off_time_s"]
            c.broken_barh([(td, max(to - td, 1e-3))], (y - 0.3, 0.6),
                          facecolors=SIDE_HEX[side], edgecolors=INK, linewidth=0.8)
            c.plot([td], [y + 0.42], marker="v", color=INK, markersize=4, clip_on=False)
            c.plot([to], [y + 0.42], marker="^", color=INK, markersize=4,
                   markerfacecolor="white", clip_on=False)
    c.set_yticks([1, 0], ["Left", "Right"])
    for tick, side in zip(c.get_yticklabels(), ("left", "right")):
        tick.set_color(SIDE_HEX[side])
        tick.set_fontweight("bold")
    c.set_ylim(-0.6, 1.75)
    c.grid(False)
    c.set_ylabel("Foot on\nground")
    c.set_xlabel("Time in the clip (s)   (▼ touchdown, △ toe-off; bar = contact)")
    if len(t):
        c.set_xlim(float(t[0]), float(t[-1]))
    fig.tight_layout(rect=(0, 0, 1, 0.955))
    return fig
