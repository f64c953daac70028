"""The squad PDF's figures (matplotlib): cadence against step length for everyone, knee drive and
recovery time by athlete, one athlete's runs over time. Lengths are in metres when every run
plotted has a scale, else in leg lengths (hip to ankle) for every run, so that runs without a
scale are compared on the same axis instead of left out; a figure with nothing to plot is not
drawn and the caller says why (``scatter_units``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from stridecam.report.figures import INK, WIDTH_IN, styled

MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">", "h", "p")
UNIT_WORDS = {"m": ("m", "m/s"), "leg": ("leg lengths", "leg lengths/s")}


def scatter_units(df: pd.DataFrame) -> tuple[str | None, str]:
    """("m" / "leg" / None, a sentence for the caption): metres when every run with a cadence
    has a step length in metres, else leg lengths when some run has them, else no plot."""
    cad = df["cadence_spm"].notna()
    has_m = cad & df["step_length_m"].notna()
    has_leg = cad & df["step_length_leg"].notna()
    if not cad.any():
        return None, "No run has a cadence, so there is no cadence-step length plot."
    if has_m.any() and has_m.sum() == cad.sum():
        return "m", "Every run has a scale: step lengths in metres."
    if has_leg.any():
        without = int((cad & ~has_m).sum())
        left_out = int((cad & ~has_leg).sum())
        return "leg", (f"{without} run(s) had no scale (no --height-m), so every run is shown "
                       "in leg lengths (hip to ankle; speed in leg lengths per second)"
                       + (f"; {left_out} run(s) without a leg-length value are left out"
                          if left_out else "") + ".")
    if has_m.any():
        return "m", (f"Left out: {int((cad & ~has_m).sum())} run(s) without a step length in "
                     "metres.")
    return None, ("No run has a step length (in metres or leg lengths), so there is no "
                  "cadence-step length plot.")


def _speed_lines(ax, x: np.ndarray, lo: float, hi: float, speeds: np.ndarray, unit: str) -> None:
    """Dotted lines of equal speed (cadence / 60 x step length) at round speeds."""
    from matplotlib.ticker import MaxNLocator

    if not len(speeds):
        return
    levels = MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]).tick_values(
        0.85 * float(np.min(speeds)), 1.15 * float(np.max(speeds)))
    for v in levels:
        if v <= 0:
            continue
        y = 60.0 * v / x
        inside = (y > lo) & (y < hi)
        if inside.any():
            ax.plot(x, y, color="0.6", linestyle=":", linewidth=0.8)
            j = int(np.flatnonzero(inside)[-1])  # where the line leaves the plot (right/bottom)
            ax.annotate(f"{v:g} {unit}", (x[j], y[j]), xytext=(-3, 3),
                        textcoords="offset points", fontsize=6.5, color="0.35", ha="right",
                        va="bottom")


@styled
def scatter_cadence_length(df: pd.DataFrame, units: str):
    """Cadence against step length (in ``units``: "m" or "leg") of every run that has both,
    one marker per athlete, with dotted lines of equal speed."""
    import matplotlib.pyplot as plt

    col = "step_length_m" if units == "m" else "step_length_leg"
    length, speed = UNIT_WORDS[units]
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 4.2))
    use = df[df["cadence_spm"].notna() & df[col].notna()]
    for k, (name, g) in enumerate(use.groupby("athlete", sort=True)):
        ax.plot(g[col], g["cadence_spm"], linestyle="none", marker=MARKERS[k % len(MARKERS)],
                markersize=6, color=INK, markerfacecolor="white" if k % 2 else INK, label=name)
    if len(use):
        x = np.linspace(use[col].min() * 0.9, use[col].max() * 1.1, 50)
        lo, hi = use["cadence_spm"].min() * 0.9, use["cadence_spm"].max() * 1.1
        _speed_lines(ax, x, lo, hi, (use["cadence_spm"] / 60 * use[col]).to_numpy(float), speed)
        ax.set_ylim(lo, hi)
        ax.set_xlim(x[0], x[-1])
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, title="Athlete")
    ax.set_xlabel(f"Step length ({length}), over the run")
    ax.set_ylabel("Cadence (steps/min), over the run")
    ax.set_title("Cadence against step length, every run (dotted: equal speed)")
    fig.tight_layout()
    return fig


@styled
def by_athlete(df: pd.DataFrame, ranges: dict[str, tuple[float, float]]):
    """Knee drive and recovery time of every run by athlete; grey band: reference range."""
    import matplotlib.pyplot as plt

    names = sorted(df["athlete"].unique())
    fig, axes = plt.subplots(1, 2, figsize=(WIDTH_IN, 0.9 + 0.32 * max(len(names), 3)),
                             sharey=True)
    cols = (("peak_thigh_flexion_deg", "Knee drive: peak thigh angle (°)", "peak_thigh_flexion"),
            ("recovery_time_s", "Recovery time: toe-off to peak knee drive (s)",
             "recovery_time"))
    for ax, (col, text, ind) in zip(axes, cols):
        vals = df[col].dropna().to_numpy(float)
        if ind in ranges:
            lo, hi = ranges[ind]
            ax.axvspan(lo, hi, color="0.88", zorder=0)
            vals = np.r_[vals, lo, hi]
        if len(vals):
            pad = 0.12 * max(float(np.ptp(vals)), 1e-6)
            ax.set_xlim(vals.min() - pad, vals.max() + pad)
        for y, name in enumerate(names):
            v = df.loc[df["athlete"] == name, col].dropna().to_numpy(float)
            ax.plot(v, np.full(len(v), y), linestyle="none", marker="o", color=INK,
                    markerfacecolor="white", markersize=5)
            if len(v):
                ax.plot([np.median(v)] * 2, [y - 0.3, y + 0.3], color=INK, linewidth=2)
        ax.set_xlabel(text)
        ax.set_yticks(range(len(names)), names)
        ax.set_ylim(-0.7, len(names) - 0.3)
    axes[0].set_title("Knee drive by athlete (○ run, | median)", fontsize=8.5)
    axes[1].set_title("Recovery time by athlete (○ run, | median)", fontsize=8.5)
    fig.tight_layout()
    return fig


def history_units(g: pd.DataFrame) -> str | None:
    """"m" when two or more of the athlete's runs have metres, else "leg" when two have leg
    lengths, else None (no history plot)."""
    if (g["top_speed_m_s"].notna() & g["step_length_m"].notna()).sum() >= 2:
        return "m"
    if (g["top_speed_leg_s"].notna() & g["step_length_leg"].notna()).sum() >= 2:
        return "leg"
    return None


@styled
def history(g: pd.DataFrame, units: str = "m"):
    """One athlete's runs: step length and cadence against speed, in date order."""
    import matplotlib.pyplot as plt

    length, speed = UNIT_WORDS[units]
    sp, ln = ("top_speed_m_s", "step_length_m") if units == "m" else \
        ("top_speed_leg_s", "step_length_leg")
    fig, (a, b) = plt.subplots(1, 2, figsize=(WIDTH_IN, 2.9))
    g = g.sort_values("date_parsed", na_position="last")
    use = g[g[sp].notna()]
    for ax, col, text in ((a, ln, f"Step length ({length})"),
                          (b, "cadence_spm", "Cadence (steps/min)")):
        ax.plot(use[sp], use[col], color="0.6", linewidth=0.8, zorder=1)
        ax.plot(use[sp], use[col], linestyle="none", marker="o", color=INK,
                markerfacecolor="white", markersize=6, zorder=2)
        for k, (_, r) in enumerate(use.iterrows(), 1):
            ax.annotate(str(k), (r[sp], r[col]), textcoords="offset points", xytext=(4, 3),
                        fontsize=7)
        ax.set_xlabel(f"Top speed ({speed})")
        ax.set_ylabel(f"{text}, per run")
    a.set_title("Step length against speed (numbers: run order by date)", fontsize=8.5)
    b.set_title("Cadence against speed", fontsize=8.5)
    fig.tight_layout()
    return fig
