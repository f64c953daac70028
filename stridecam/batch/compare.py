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

from stridecam.analysis.limiter import Reference, assess
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
