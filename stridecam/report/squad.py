"""The squad PDF: every run of a batch on a few pages a coach can compare at a glance.

``write_squad_report(table, runs, out_pdf)``:

- ``table``: one row per run. Columns used (any may be missing): ``athlete``, ``date``,
  ``clip``; metric values with unit-suffixed names (``cadence_spm``, ``contact_time_s``...;
  lengths and speeds in metres ``step_length_m``, ``top_speed_m_s`` and in leg lengths
  ``step_length_leg``, ``top_speed_leg_s``); ``verdict`` (label, or ``verdict_label``),
  ``confidence`` (0-1 or a word), ``flags`` (a count, a text, or a list of flags / codes),
  ``warnings`` (a count); ``length_units`` ("m" / "leg").
- ``runs``: each run's ``RunResult``, in the table's row order (or empty). They fill what the
  table lacks (metric values, top speed, verdict, length units).

Units never lie: a ``_m`` column holds metres or nothing; a run without a scale shows its lengths
in leg lengths under a header that says so ("Top speed (leg lengths/s)"), in a column of its
own beside the metres one when the squad mixes both. Cells wrap between words and clip names at
underscores (``textfit``), never inside a word.

Pages: the ranked squad table (fastest first) with verdict counts; cadence against step length
for everyone with lines of equal speed (in leg lengths when some run has no scale); knee drive
and recovery time by athlete against the reference range; one history page per athlete with
several runs (step length and cadence against speed across runs, the verdict over dates).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from stridecam.io.store import atomic_path
from stridecam.model.poses import Flag
from stridecam.model.result import RunResult
from stridecam.report.content import LABELS, number
from stridecam.report.document import Doc
from stridecam.report.figures import to_svg
from stridecam.report.squad_figures import (
    by_athlete,
    history,
    history_units,
    scatter_cadence_length,
    scatter_units,
)

#: (column, header, digits) of the ranked table, in order; each length or speed comes in metres
#: and in leg lengths (``table_metrics`` keeps the ones the squad has).
SQUAD_METRICS = (
    ("top_speed_m_s", "Top speed (m/s)", 2),
    ("top_speed_leg_s", "Top speed (leg lengths/s)", 2),
    ("cadence_spm", "Cadence (steps/min)", 0),
    ("step_length_m", "Step length (m)", 2),
    ("step_length_leg", "Step length (leg lengths)", 2),
    ("contact_time_s", "Contact (s)", 3),
    ("flight_time_s", "Flight (s)", 3),
    ("peak_thigh_flexion_deg", "Knee drive (°)", 0),
    ("recovery_time_s", "Recovery (s)", 3),
)
SHORT_LABELS = {"recycling_limited": "re-cycling", "force_limited": "force",
                "balanced": "balanced", "inconclusive": "inconclusive"}


@dataclass(frozen=True)
class SquadReport:
    path: Path
    n_pages: int
    n_runs: int


#: Length-bearing columns: (in metres, in leg lengths).
LENGTH_PAIRS = (("top_speed_m_s", "top_speed_leg_s"), ("step_length_m", "step_length_leg"))


def _present(value: Any) -> bool:
    """Not None, not NaN, not an empty string."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return False
    return not (isinstance(value, float) and math.isnan(value))


def _run_value(run: RunResult | None, column: str) -> float | None:
    """A run's value of a squad column; lengths in metres only when the run has a scale."""
    if run is None:
        return None
    s = run.summary
    if column.endswith(("_m", "_m_s")) and s.length_units != "m":
        return None
    if column == "top_speed_m_s":
        value = s.top_speed_m_s
    elif column == "top_speed_leg_s":
        value = s.top_speed_leg_s
    else:
        value = s.metrics.of(column).value
    return value if math.isfinite(value) else None


def _number(values) -> list[float]:
    return list(pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce")
                .astype(float))


def squad_frame(table: pd.DataFrame, runs: Sequence[RunResult] = ()) -> pd.DataFrame:
    """The table with what the runs add, normalised columns, sorted fastest first (runs in
    metres by m/s, then runs without a scale by leg lengths/s). ``_m`` columns hold metres
    only: a run without a scale has NaN there and its lengths in the ``_leg`` columns."""
    df = table.copy().reset_index(drop=True)
    sums: list[RunResult | None] = list(runs) if len(runs) == len(df) else [None] * len(df)
    if "verdict" not in df and "verdict_label" in df:
        df["verdict"] = df["verdict_label"]
    for col in ("athlete", "clip", "verdict", "confidence", "flags", "length_units", "date"):
        if col not in df:
            df[col] = None
        df[col] = [v if _present(v) else None for v in df[col].astype(object)]
    units = [u if _present(u) else (s.summary.length_units if s is not None else None)
             for u, s in zip(df["length_units"], sums)]
    for col, _, _ in SQUAD_METRICS:
        vals = list(df[col]) if col in df else [None] * len(df)
        df[col] = _number(v if _present(v) else _run_value(s, col) for v, s in zip(vals, sums))
    for m, leg in LENGTH_PAIRS:  # a run without a scale: whatever sits under _m is leg lengths
        for i, u in enumerate(units):
            if u == "leg" and math.isfinite(df.at[i, m]):
                if not math.isfinite(df.at[i, leg]):
                    df.at[i, leg] = df.at[i, m]
                df.at[i, m] = float("nan")
    df["length_units"] = [u if u in ("m", "leg") else
                          ("m" if math.isfinite(df.at[i, "top_speed_m_s"])
                           or math.isfinite(df.at[i, "step_length_m"]) else "leg")
                          for i, u in enumerate(units)]
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
        if df.at[i, "clip"] is None and s.source:
            df.at[i, "clip"] = Path(s.source).name
        if df.at[i, "flags"] is None:
            df.at[i, "flags"] = list(s.flags)
        if df.at[i, "athlete"] is None:
            df.at[i, "athlete"] = s.athlete.name
    df["athlete"] = [str(a) if _present(a) else "(no name)" for a in df["athlete"]]
    df["date_parsed"] = pd.to_datetime(df["date"], errors="coerce")
    metre = df["top_speed_m_s"].notna()
    df = df.assign(_m=~metre, _speed=df["top_speed_m_s"].where(metre, df["top_speed_leg_s"]))
    df = df.sort_values(["_m", "_speed"], ascending=[True, False], na_position="last",
                        kind="stable")
    return df.drop(columns=["_m", "_speed"]).reset_index(drop=True)


def table_metrics(df: pd.DataFrame) -> list[tuple[str, str, int]]:
    """The columns of ``SQUAD_METRICS`` the table shows: a metres column when some run has
    metres, its leg-length twin when some run has no scale (both when the squad mixes them)."""
    no_scale = (df["length_units"] != "m").any()
    out = []
    for col, text, digits in SQUAD_METRICS:
        if col.endswith("_leg") or col.endswith("_leg_s"):
            if no_scale and df[col].notna().any():
                out.append((col, text, digits))
        elif col in ("top_speed_m_s", "step_length_m"):
            if df[col].notna().any() or not no_scale:
                out.append((col, text, digits))
        else:
            out.append((col, text, digits))
    return out


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
def table_cells(df: pd.DataFrame, ranked: bool = True) -> tuple[list[str], list[list[str]]]:
    """Headers (each stating the unit of its column) and cells of the runs table ("–" where a
    run has no value in that unit)."""
    metrics = table_metrics(df)
    headers = (["#"] if ranked else []) + ["Athlete", "Date", "Clip"] + \
        [h for _, h, _ in metrics] + ["Verdict", "Conf.", "Warn."]
    rows = []
    for i, r in df.iterrows():
        rows.append(([str(i + 1)] if ranked else []) + [
            r["athlete"], _date_text(r), Path(str(r["clip"] or "")).stem]
            + [number(r[c], d) if pd.notna(r[c]) else "–" for c, _, d in metrics]
            + [SHORT_LABELS.get(r["verdict"], str(r["verdict"] or "")),
               _confidence_text(r["confidence"]), _flags_text(r["flags"])])
    return headers, rows


def _table(doc: Doc, df: pd.DataFrame, ranked: bool = True) -> None:
    """The runs table; clip names and words wrap between words and at underscores
    (``Doc.fitted_grid``), never inside a word."""
    headers, rows = table_cells(df, ranked)
    n_metrics = len(headers) - (7 if ranked else 6)
    lead = 1 if ranked else 0
    most: list[float | None] = [None] * len(headers)
    most[lead + 2] = 34.0  # the clip column wraps rather than squeezes the numbers
    doc.fitted_grid(headers, rows, size=6.8, most=most,
                    align=(("CENTER",) if ranked else ()) + ("LEFT", "LEFT", "LEFT")
                    + ("RIGHT",) * n_metrics + ("LEFT", "RIGHT", "RIGHT"))
    legs = [h for h in headers if "leg lengths" in h]
    if legs:
        doc.para("Leg lengths: hip to ankle (= 1); a run without a scale (no --height-m) has no "
                 "metres, so its lengths and speed are only in leg lengths ("
                 + ", ".join(legs) + "); '–': not available.", size=7, grey=True, height=3.5)


def _against_others(doc: Doc, df: pd.DataFrame) -> None:
    """Each run's verdict against the reference ranges beside its verdict against the squad or
    the athlete's earlier runs (``batch.compare``), with the basis used."""
    if "verdict_vs_others" not in df or not df["verdict_vs_others"].astype(str).str.len().any():
        return
    doc.h2("Each run against the others")
    rows = [[str(r["athlete"]), _date_text(r), Path(str(r["clip"] or "")).stem,
             SHORT_LABELS.get(r["verdict"], str(r["verdict"] or "")),
             str(r["verdict_vs_others"]).replace("_", " "), str(r["others_basis"])]
            for _, r in df.iterrows()]
    doc.fitted_grid(["Athlete", "Date", "Clip", "Vs reference ranges", "Vs the others",
                     "Judged against"], rows, size=6.8, most=[None, None, 34.0, None, None, None])
    doc.para("'Vs the others': the run judged by z-scores against the squad's runs (other "
             "athletes, same phase) when at least 4 are usable, else against the athlete's own "
             "earlier runs, else against the reference ranges again ('Judged against' says "
             "which).", size=7, grey=True, height=3.5)


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
    doc.fitted_grid(["Verdict", "Runs", "Athletes"], counts or [["no verdicts", "0", ""]],
                    size=8, most=[60.0, 14.0, None])
    doc.h2("Runs ranked by top speed (fastest first)")
    _table(doc, df)
    doc.para("Cadence, step length and speed over each run's consecutive steps; other values the "
             "median of its steps. Conf.: confidence of the verdict (0-1). Warn.: "
             "number of data-quality warnings and problems of the run."
             + (" Runs without a scale are ranked after those in metres, by their speed in leg "
                "lengths per second." if (df["length_units"] != "m").any() else ""),
             size=7, grey=True, height=3.5)
    _against_others(doc, df)
    doc.add_page()
    doc.start_section("Squad figures", level=0)
    units, why = scatter_units(df)
    if units is None:
        doc.h2("Cadence against step length")
        doc.para(why, size=9)
    else:
        doc.figure(to_svg(scatter_cadence_length(df, units)),
                   "Each marker is one run (over its consecutive steps). " + why)
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
        hist = history_units(g)
        if hist is not None:
            doc.figure(to_svg(history(g, hist)), "Each point is one run; numbers give the date "
                       "order. Speed grows with step length and cadence: which one carries this "
                       "athlete's gains?" + ("" if hist == "m" else " Lengths in leg lengths: "
                                              "fewer than two of these runs have a scale."))
        doc.h2("Verdict over dates")
        doc.bullets([f"{_date_text(r) or 'no date'}: {LABELS.get(r['verdict'], r['verdict'])}"
                     + (f" (confidence {_confidence_text(r['confidence'])})"
                        if _present(r["confidence"]) else "")
                     for _, r in g.iterrows()], size=8.5, bold_prefix=True)
    with atomic_path(out_pdf) as tmp:
        doc.output(str(tmp))
    return SquadReport(out_pdf, doc.pages_count, len(df))
