"""The squad PDF: every run of a batch on a few pages a coach can compare at a glance.

``write_squad_report(table, runs, out_pdf)``:

- ``table``: one row per run. Columns used (any may be missing): ``athlete``, ``date``,
  ``clip``; metric medians with unit-suffixed names (those of ``SQUAD_METRICS``, e.g.
  ``cadence_spm``, ``step_length_m``, ``top_speed_m_s``); ``verdict`` (label, or
  ``verdict_label``), ``confidence`` (0-1 or a word), ``flags`` (a count, a text, or a list of
  flags / codes); ``length_units`` ("m" / "leg").
- ``runs``: each run's ``RunResult``, in the table's row order (or empty). They fill what the
  table lacks (metric values, top speed, verdict, length units).

Pages: the ranked squad table (fastest first) with verdict counts; cadence against step length
for everyone with lines of equal speed; knee drive and recovery time by athlete against the
reference range; one history page per athlete with several runs (step length and cadence
against speed across runs, the verdict over dates).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stridecam.io.store import atomic_path
from stridecam.model.poses import Flag
from stridecam.model.result import RunResult
from stridecam.report.content import LABELS, number, run_figure, top_speed
from stridecam.report.document import Doc
from stridecam.report.figures import INK, WIDTH_IN, styled, to_svg

#: (column, header, digits) of the ranked table, in order.
SQUAD_METRICS = (
    ("top_speed_m_s", "Top\nspeed\n(SPEED)", 2),
    ("cadence_spm", "Cadence\n(steps/\nmin)", 0),
    ("step_length_m", "Step\nlength\n(LEN)", 2),
    ("contact_time_s", "Contact\n(s)", 3),
    ("flight_time_s", "Flight\n(s)", 3),
    ("peak_thigh_flexion_deg", "Knee drive\n(°)", 0),
    ("recovery_time_s", "Recovery\n(s)", 3),
)
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">", "h", "p")
SHORT_LABELS = {"recycling_limited": "re-cycling", "force_limited": "force",
                "balanced": "balanced", "inconclusive": "inconclusive"}


@dataclass(frozen=True)
class SquadReport:
    path: Path
    n_pages: int
    n_runs: int


#: Columns the batch fills instead for runs in leg lengths.
LEG_COLUMNS = {"top_speed_m_s": "top_speed_leg_s", "step_length_m": "step_length_leg"}


def _present(value: Any) -> bool:
    """Not None, not NaN, not an empty string."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return False
    return not (isinstance(value, float) and math.isnan(value))


def _run_value(run: RunResult | None, column: str) -> Any:
    if run is None:
        return None
    value = top_speed(run) if column == "top_speed_m_s" else run_figure(run, column)
    return value if math.isfinite(value) else None


def squad_frame(table: pd.DataFrame, runs: Sequence[RunResult] = ()) -> pd.DataFrame:
    """The table with what the runs add, normalised columns, sorted fastest first."""
    df = table.copy().reset_index(drop=True)
    sums: list[RunResult | None] = list(runs) if len(runs) == len(df) else [None] * len(df)
    if "verdict" not in df and "verdict_label" in df:
        df["verdict"] = df["verdict_label"]
    for col in ("athlete", "clip", "verdict", "confidence", "flags", "length_units", "date"):
        if col not in df:
            df[col] = None
        df[col] = [v if _present(v) else None for v in df[col].astype(object)]
    for col, _, _ in SQUAD_METRICS:
        vals = list(df[col]) if col in df else [None] * len(df)
        leg = LEG_COLUMNS.get(col)
        if leg in df:  # the batch's table: uncalibrated runs fill <name>_leg instead
            vals = [v if _present(v) else w for v, w in zip(vals, df[leg])]
            if col == "step_length_m":
                df["length_units"] = [u if _present(u) else ("leg" if _present(w) else None)
                                      for u, w in zip(df.get("length_units", [None] * len(df)),
                                                      df[leg])]
        filled = [v if _present(v) else _run_value(s, col)
                  for v, s in zip(vals, sums, strict=True)]
        df[col] = pd.to_numeric(pd.Series(filled, dtype=object), errors="coerce").astype(float)
    if "warnings" in df:
        df["flags"] = df["warnings"]
    for i, s in enumerate(sums):
        if s is None:
            continue
        verdict = s.verdict
        if df.at[i, "verdict"] is None and verdict is not None:
            df.at[i, "verdict"] = verdict.label
        if df.at[i, "confidence"] is None and verdict is not None:
            df.at[i, "confidence"] = verdict.confidence
        if df.at[i, "length_units"] is None:
            df.at[i, "length_units"] = s.summary.length_units
        if df.at[i, "clip"] is None and s.source:
            df.at[i, "clip"] = Path(s.source).name
        if df.at[i, "flags"] is None:
            df.at[i, "flags"] = list(s.flags)
        if df.at[i, "athlete"] is None:
            df.at[i, "athlete"] = s.athlete.name
    df["athlete"] = [str(a) if _present(a) else "(no name)" for a in df["athlete"]]
    df["length_units"] = df["length_units"].fillna("m")
    df["date_parsed"] = pd.to_datetime(df["date"], errors="coerce")
    speed = df["top_speed_m_s"].where(df["length_units"] == "m")
    df = df.assign(_speed=speed).sort_values("_speed", ascending=False, na_position="last")
    return df.drop(columns="_speed").reset_index(drop=True)


def _flags_text(value: Any) -> str:
    """A flags cell: the number of warnings and problems for a list of flag dicts, the count
    of a list of codes, else the value as given."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (list, tuple)):
        if all(isinstance(v, Flag) for v in value):
            return str(sum(1 for v in value if v.level in ("warning", "error")))
        return str(len(value))
    return str(value)[:12]


def _confidence_text(value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return number(value, 2)
    return str(value) if _present(value) else ""


def _date_text(row) -> str:
    d = row["date_parsed"]
    return f"{d:%Y-%m-%d}" if pd.notna(d) else (str(row["date"]) if _present(row["date"]) else "")


# ----------------------------------------------------------------------------- figures
@styled
def scatter_cadence_length(df: pd.DataFrame):
    """Cadence against step length for every calibrated run, one marker per athlete, with
    dotted lines of equal speed (speed = cadence / 60 × step length)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(WIDTH_IN, 4.2))
    use = df[(df["length_units"] == "m") & df["cadence_spm"].notna() & df["step_length_m"].notna()]
    for k, (name, g) in enumerate(use.groupby("athlete", sort=True)):
        ax.plot(g["step_length_m"], g["cadence_spm"], linestyle="none",
                marker=MARKERS[k % len(MARKERS)], markersize=6, color=INK,
                markerfacecolor="white" if k % 2 else INK, label=name)
    if len(use):
        x = np.linspace(use["step_length_m"].min() * 0.9, use["step_length_m"].max() * 1.1, 50)
        lo, hi = use["cadence_spm"].min() * 0.9, use["cadence_spm"].max() * 1.1
        for v in range(4, 14):
            y = 60.0 * v / x
            if ((y > lo) & (y < hi)).any():
                ax.plot(x, y, color="0.6", linestyle=":", linewidth=0.8)
                j = int(np.argmin(np.abs(y - (lo + 0.93 * (hi - lo))))) if (y < hi).any() else 0
                ax.annotate(f"{v} m/s", (x[j], y[j]), fontsize=6.5, color="0.35")
        ax.set_ylim(lo, hi)
        ax.set_xlim(x[0], x[-1])
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, title="Athlete")
    ax.set_xlabel("Step length (m), over the run")
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


@styled
def history(g: pd.DataFrame):
    """One athlete's runs: step length and cadence against speed, in date order."""
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(WIDTH_IN, 2.9))
    g = g.sort_values("date_parsed", na_position="last")
    metre = g[g["length_units"] == "m"]
    for ax, col, text in ((a, "step_length_m", "Step length (m)"),
                          (b, "cadence_spm", "Cadence (steps/min)")):
        ax.plot(metre["top_speed_m_s"], metre[col], color="0.6", linewidth=0.8, zorder=1)
        ax.plot(metre["top_speed_m_s"], metre[col], linestyle="none", marker="o", color=INK,
                markerfacecolor="white", markersize=6, zorder=2)
        for k, (_, r) in enumerate(metre.iterrows(), 1):
            ax.annotate(str(k), (r["top_speed_m_s"], r[col]), textcoords="offset points",
                        xytext=(4, 3), fontsize=7)
        ax.set_xlabel("Top speed (m/s)")
        ax.set_ylabel(f"{text}, per run")
    a.set_title("Step length against speed (numbers: run order by date)", fontsize=8.5)
    b.set_title("Cadence against speed", fontsize=8.5)
    fig.tight_layout()
    return fig


def reference_ranges(runs: Sequence[RunResult]) -> dict[str, tuple[float, float]]:
    """Knee-drive and recovery reference ranges from the first run whose verdict has them."""
    out: dict[str, tuple[float, float]] = {}
    for run in runs:
        for ind in run.verdict.evidence if run.verdict is not None else ():
            lo, hi = ind.reference_low, ind.reference_high
            if ind.name in ("peak_thigh_flexion", "recovery_time") and \
                    math.isfinite(lo) and math.isfinite(hi):
                out.setdefault(ind.name, (lo, hi))
    return out


# ----------------------------------------------------------------------------- layout
def _metric_cell(row, column: str, digits: int) -> str:
    text = number(row[column], digits)
    leg = row["length_units"] != "m" and column in ("top_speed_m_s", "step_length_m")
    return f"{text} LL" if leg and text != "n/a" else text


def _table(doc: Doc, df: pd.DataFrame, ranked: bool = True) -> None:
    """The runs table; lengths and speeds of uncalibrated runs are marked "LL" (leg lengths)."""
    headers = (["#"] if ranked else []) + ["Athlete", "Date", "Clip"] + [
        h.replace("(LEN)", "(m)").replace("(SPEED)", "(m/s)") for _, h, _ in SQUAD_METRICS] \
        + ["Verdict", "Conf.", "Warn."]
    rows = []
    for i, r in df.iterrows():
        clip = str(r["clip"] or "")
        rows.append(([str(i + 1)] if ranked else []) + [
            r["athlete"], _date_text(r), Path(clip).stem[:14]]
            + [_metric_cell(r, c, d) for c, _, d in SQUAD_METRICS]
            + [SHORT_LABELS.get(r["verdict"], str(r["verdict"] or "")),
               _confidence_text(r["confidence"]), _flags_text(r["flags"])])
    lead: list[float] = ([7.0] if ranked else []) + [18.0, 17.0, 16.0]
    tail = [16.0, 9.0, 10.0]
    w = (doc.text_width - sum(lead) - sum(tail)) / len(SQUAD_METRICS)
    doc.grid(headers, rows, lead + [w] * len(SQUAD_METRICS) + tail, size=6.8,
             align=(("CENTER",) if ranked else ()) + ("LEFT", "LEFT", "LEFT")
             + ("RIGHT",) * len(SQUAD_METRICS) + ("LEFT", "RIGHT", "RIGHT"))
    if (df["length_units"] != "m").any():
        doc.para("LL: leg lengths (or leg lengths per second); that run had no calibration, "
                 "so its lengths are not in metres.", size=7, grey=True, height=3.5)


def write_squad_report(table: pd.DataFrame, runs: Sequence[RunResult],
                       out_pdf: str | Path, *, title: str = "Squad report") -> SquadReport:
    """Write the squad PDF (see the module docstring) atomically; returns its page count."""
    import datetime as dt

    out_pdf = Path(out_pdf)
    df = squad_frame(table, runs)
    doc = Doc(f"stridecam · {title}")
    doc.add_page()
    doc.start_section("Squad", level=0)
    doc.para(title, size=17, style="B", height=9)
    doc.para(f"{len(df)} runs of {df['athlete'].nunique()} athletes · made "
             f"{dt.date.today():%d %b %Y} with stridecam", size=10, height=5.5)
    doc.ln(2)
    doc.h2("Verdicts")
    counts = []
    for label, text in LABELS.items():
        sel = df[df["verdict"] == label]
        if len(sel):
            counts.append([text, str(len(sel)), ", ".join(sorted(sel["athlete"].unique()))])
    doc.grid(["Verdict", "Runs", "Athletes"], counts or [["no verdicts", "0", ""]],
             (60, 14, doc.text_width - 74), size=8)
    doc.h2("Runs ranked by top speed (fastest first)")
    _table(doc, df)
    doc.para("Cadence, step length and speed over each run's consecutive steps; other values the "
             "median of its steps. Conf.: confidence of the verdict (0-1). Warn.: "
             "number of data-quality warnings and problems of the run. Runs in leg lengths (no "
             "calibration) are ranked last.", size=7, grey=True, height=3.5)
    doc.add_page()
    doc.start_section("Squad figures", level=0)
    doc.figure(to_svg(scatter_cadence_length(df)),
               "Each marker is one run (over its consecutive steps). Runs without calibration (leg "
               "lengths) are left out: their step lengths are not in metres."
               + (f" Left out here: {int((df['length_units'] != 'm').sum())} run(s)."
                  if (df["length_units"] != "m").any() else ""))
    doc.figure(to_svg(by_athlete(df, reference_ranges(runs))),
               "Grey band: the limiter's reference range (maximal velocity unless the runs' "
               "verdicts say otherwise). Knee drive low or recovery time long: re-cycling side.")
    for name, g in df.groupby("athlete", sort=True):
        if len(g) < 2:
            continue
        doc.add_page()
        doc.h1(f"History: {name}")
        g = g.sort_values("date_parsed", na_position="last").reset_index(drop=True)
        doc.h2("Runs in date order")
        _table(doc, g, ranked=False)
        if (g["length_units"] == "m").sum() >= 2:
            doc.figure(to_svg(history(g)), "Each point is one run; numbers give the date order. "
                       "Speed grows with step length and cadence: which one carries this "
                       "athlete's gains?")
        doc.h2("Verdict over dates")
        doc.bullets([f"{_date_text(r) or 'no date'}: {LABELS.get(r['verdict'], r['verdict'])}"
                     + (f" (confidence {_confidence_text(r['confidence'])})"
                        if _present(r["confidence"]) else "")
                     for _, r in g.iterrows()], size=8.5, bold_prefix=True)
    with atomic_path(out_pdf) as tmp:
        doc.output(str(tmp))
    return SquadReport(out_pdf, doc.pages_count, len(df))
