"""Each run of a batch judged also against the athlete's earlier runs and the squad's runs.

The per-clip verdict (``report.pdf``, ``summary.json``) compares a run with the shipped
reference ranges, because a clip analysed alone knows nothing else. Once a batch has finished,
the other runs are known: ``compare_runs`` judges every run again with
``analysis.limiter.assess`` on the "auto" basis: the squad's runs (other athletes, same phase)
when at least ``history.min_runs`` of them are usable, else the athlete's own earlier runs
(earlier date; all other runs of that athlete when the dates are not given), else the reference
ranges. The basis used is part of the result, so a table never shows a z-score verdict without
saying against whom.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from stridecam.analysis.limiter import Reference, assess
from stridecam.batch.squad import (
    SQUAD_FILE,
    SQUAD_REPORT_FILE,
    squad_row,
    squad_table,
    write_squad_pdf,
)
from stridecam.model.errors import StridecamError
from stridecam.model.result import RunResult


@dataclass(frozen=True)
class Comparison:
    """One run judged against the others: the verdict's label, confidence word and the basis
    ("squad", "athlete history" or "reference ranges": ``limiter.verdict.BASES``)."""

    label: str
    confidence_word: str
    basis: str


def _earlier(date: str, other: str) -> bool:
    """Is ``other`` a run before ``date`` (ISO dates compare as text; no dates: every run)."""
    return not date or not other or other < date


def compare_runs(runs: Sequence[RunResult], athletes: Sequence[str], dates: Sequence[str],
                 reference: Reference) -> list[Comparison]:
    """One ``Comparison`` per run of ``runs`` (``athletes`` / ``dates``: per run, "" when
    unknown; runs without an athlete name have no history)."""
    out = []
    for i, run in enumerate(runs):
        who, when = athletes[i], dates[i]
        history = [r for j, r in enumerate(runs) if j != i and who and athletes[j] == who
                   and _earlier(when, dates[j])]
        squad = [r for j, r in enumerate(runs) if j != i and athletes[j] != who]
        v = assess(run, reference, athlete_history=history, squad=squad, basis="auto")
        out.append(Comparison(v.label, v.confidence_word, v.basis))
    return out


def judged_table(rows: list[dict], runs: list[RunResult], reference: Reference
                 ) -> tuple[pd.DataFrame, list[RunResult]]:
    """The squad table of ``rows`` (``squad.squad_row`` of each of ``runs``) with every run
    judged against the others (``verdict_vs_others``, ``others_basis``), sorted by athlete,
    date and clip; and the runs in the table's order."""
    for row, cmp in zip(rows, compare_runs(runs, [r["athlete"] for r in rows],
                                           [r["date"] for r in rows], reference), strict=True):
        row["verdict_vs_others"] = f"{cmp.label} ({cmp.confidence_word})"
        row["others_basis"] = cmp.basis
    pairs = sorted(zip(rows, runs, strict=True),
                   key=lambda p: (p[0]["athlete"], p[0]["date"], p[0]["clip"]))
    return squad_table(r for r, _ in pairs), [run for _, run in pairs]


def rejudge_batch(root: str | Path, reference: Reference, *, pdf: bool = True
                  ) -> tuple[pd.DataFrame, str]:
    """A finished batch folder judged again from its saved runs (no pose work, no analysis):
    ``squad_summary.csv`` rewritten with each run against the others, and (``pdf``)
    ``squad_report.pdf``. Returns the table and what became of the PDF. ``StridecamError``
    when ``root`` holds no squad table."""
    from stridecam.io.store import load_run, write_table

    root = Path(root)
    try:
        saved = pd.read_csv(root / SQUAD_FILE, dtype={"athlete": str, "date": str, "clip": str,
                                                      "notes": str, "output": str},
                            keep_default_na=False)
    except (OSError, ValueError) as exc:
        raise StridecamError(f"{root}: not a batch folder ({SQUAD_FILE} cannot be read: "
                             f"{exc})") from exc
    rows, runs = [], []
    for rec in saved.to_dict("records"):
        run = load_run(root / rec["output"])
        rows.append(squad_row(run, athlete=rec["athlete"], date=rec["date"], clip=rec["clip"],
                              notes=rec["notes"], output=rec["output"]))
        runs.append(run)
    table, ordered = judged_table(rows, runs, reference)
    write_table(table, root / SQUAD_FILE)
    note = "not asked"
    if pdf and len(table):
        note = write_squad_pdf(table, ordered, root / SQUAD_REPORT_FILE)
    return table, note
