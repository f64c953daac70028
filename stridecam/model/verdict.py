"""The limiter verdict as data (made by ``stridecam.analysis.limiter``, shown by the reports).

See ``stridecam.analysis.limiter.verdict`` for how the scores and the label are computed.
"""

from __future__ import annotations

from dataclasses import dataclass

LABELS = ("recycling_limited", "force_limited", "balanced", "inconclusive")
FORCE, RECYCLING = "force", "recycling"
DIRECTIONS = (RECYCLING, FORCE, "neutral", "not_used")
SCREENING_NOTE = ("Screening indicator: there are no agreed cut-offs for re-cycling- or "
                  "force-limited sprinting; the ranges are stridecam's defaults for trained "
                  "sprinters (see the reference TOML for their sources).")


@dataclass(frozen=True)
class Indicator:
    """One piece of evidence. ``direction``: which limiter it points to ("recycling", "force"),
    "neutral" (inside the range or within measurement error) or "not_used" (``note`` says why).
    ``weight``: the weight it had in its side's score (0 when not used). ``score``: its
    contribution before weighting. ``z``: z-score against the history basis (None otherwise)."""

    name: str
    value: float
    unit: str
    reference_low: float
    reference_high: float
    source: str
    direction: str
    weight: float
    note: str
    title: str = ""
    side: str = ""
    score: float = 0.0
    z: float | None = None


@dataclass(frozen=True)
class Reason:
    """Why the verdict is inconclusive: a gate ``code``, the numbers, and what to do."""

    code: str
    message: str
    fix: str


@dataclass(frozen=True)
class Verdict:
    """The limiter verdict of one run: ``label`` (one of ``LABELS``), ``confidence`` (0-1) and
    its word (low / moderate / high), the ``reasons`` when inconclusive, the ``evidence``, the
    ``basis`` (reference ranges, athlete history or squad), a plain ``explanation``, each side's
    score, the ``phase`` judged and where the reference came from."""

    label: str
    confidence: float
    confidence_word: str
    reasons: tuple[Reason, ...]
    evidence: tuple[Indicator, ...]
    basis: str
    explanation: str
    recycling_score: float
    force_score: float
    phase: str
    notes: tuple[str, ...] = ()
    screening_note: str = SCREENING_NOTE
    reference_path: str = ""
