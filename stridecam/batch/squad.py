"""Squad outputs of a batch: ``squad_summary.csv``, ``errors.csv``, ``batch_status.csv`` and
``squad_report.pdf`` (the last only when ``stridecam.report.write_squad_report`` exists).

``squad_row`` is pure (one run summary -> one table row); the writers are atomic.

``squad_summary.csv``: one row per analysed run, sorted by athlete, date, clip. Lengths keep
their unit in the column name: a run scaled to metres fills ``step_length_m``, ``speed_m_s``...;
a run without a scale fills ``step_length_leg``, ``speed_leg_s``... (leg lengths), never both.
Columns with a ``_median`` meaning hold the run's median over its steps (see ``columns.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from stridecam.model.result import RunResult

SQUAD_FILE = "squad_summary.csv"
ERRORS_FILE = "errors.csv"
STATUS_FILE = "batch_status.csv"
SQUAD_REPORT_FILE = "squad_report.pdf"

#: Unit-free metrics: summary key -> column (run medians).
_PLAIN = {
    "cadence_spm": "cadence_spm",
    "step_frequency_hz": "step_frequency_hz",
    "contact_time_s": "contact_time_s",
    "flight_time_s": "flight_time_s",
    "step_time_s": "step_time_s",
    "swing_time_s": "swing_time_s",
    "recovery_time_s": "recovery_time_s",
    "peak_thigh_flexion_deg": "peak_thigh_flexion_deg",
    "peak_knee_height_leg": "peak_knee_height_leg",
    "thigh_separation_td_deg": "thigh_separation_td_deg",
    "trunk_lean_deg": "trunk_lean_deg",
}
#: Length-bearing metrics, in metres (NaN for a run without a scale) and in leg lengths.
_LENGTHS = ("step_length_m", "step_length_leg", "stride_length_m", "stride_length_leg",
            "speed_m_s", "speed_leg_s")

SQUAD_COLUMNS = (
    "athlete", "date", "clip", "notes", "n_steps", "phase", "length_units", "effective_fps",
    "detection_rate",
    *_PLAIN.values(),
    *_LENGTHS,
    "top_speed_m_s", "top_speed_leg_s",
    "verdict", "confidence", "confidence_word", "verdict_vs_others", "others_basis",
    "flags", "warnings", "output",
)
ERROR_COLUMNS = ("athlete", "clip", "reason")
STATUS_COLUMNS = ("clip", "athlete", "status", "pose_ran", "landmarker_calls", "frames",
                  "elapsed_s", "report", "output", "reason")


def squad_row(run: RunResult, *, athlete: str | None, date: str | None, clip: str,
              notes: str | None, output: str) -> dict[str, Any]:
    """One ``squad_summary.csv`` row of a run (the run value of a metric where it has one,
    else its median; missing -> NaN)."""
    s, nan = run.summary, float("nan")
    row: dict[str, Any] = {
        "athlete": athlete or "", "date": date or "", "clip": clip, "notes": notes or "",
        "n_steps": s.n_steps, "phase": s.phase, "length_units": s.length_units,
        "effective_fps": s.effective_fps, "detection_rate": run.provenance.detection_rate,
    }
    for key, col in _PLAIN.items():
        row[col] = s.metrics.of(key).value
    for col in _LENGTHS:
        row[col] = s.metrics.of(col).value
    row["top_speed_m_s"], row["top_speed_leg_s"] = s.top_speed_m_s, s.top_speed_leg_s
    v = run.verdict
    row["verdict"] = v.label if v else ""
    row["confidence"] = v.confidence if v else nan
    row["confidence_word"] = v.confidence_word if v else ""
    row["flags"] = ";".join(f.code for f in run.flags)
    row["warnings"] = sum(1 for f in run.flags if f.level in ("warning", "error"))
    row["output"] = output
    return row


def squad_table(rows: Iterable[dict]) -> pd.DataFrame:
    """Rows -> the squad table in ``SQUAD_COLUMNS`` order, sorted by athlete, date, clip."""
    table = pd.DataFrame(list(rows), columns=list(SQUAD_COLUMNS))
    return table.sort_values(["athlete", "date", "clip"], kind="stable").reset_index(drop=True)


def errors_table(failed: Iterable[dict]) -> pd.DataFrame:
    """``errors.csv`` rows (athlete, clip, one-line reason), sorted by athlete then clip."""
    rows = [{"athlete": s.get("athlete") or "", "clip": s["name"], "reason": s.get("reason", "")}
            for s in failed]
    table = pd.DataFrame(rows, columns=list(ERROR_COLUMNS))
    return table.sort_values(["athlete", "clip"], kind="stable").reset_index(drop=True)


def status_table(statuses: Iterable[dict], root: Path) -> pd.DataFrame:
    """``batch_status.csv``: what this invocation did with every clip (done, skipped, failed)."""
    rows = []
    for s in statuses:
        out = s.get("out_dir")
        rows.append({"clip": s["name"], "athlete": s.get("athlete") or "",
                     "status": s["status"], "pose_ran": bool(s.get("pose_ran", False)),
                     "landmarker_calls": int(s.get("landmarker_calls", 0) or 0),
                     "frames": s.get("frames"), "elapsed_s": s.get("elapsed_s"),
                     "report": s.get("report", ""), "output": _rel(out, root) if out else "",
                     "reason": s.get("reason", "")})
    table = pd.DataFrame(rows, columns=list(STATUS_COLUMNS))
    return table.sort_values(["athlete", "clip"], kind="stable").reset_index(drop=True)


def _rel(path, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def write_squad_pdf(table: pd.DataFrame, summaries: list[RunResult], pdf: Path) -> str:
    """``squad_report.pdf`` via ``stridecam.report.write_squad_report``, atomically; returns
    "written" or a note why not."""
    from stridecam.batch.job import report_function
    from stridecam.io.store import atomic_path

    write, note = report_function("write_squad_report")
    if write is None:
        return note
    with atomic_path(pdf) as tmp:
        write(table, summaries, tmp)
    return "written"
