"""The verdict: gates, per-indicator judgement (reference ranges or z-scores), side scores,
label and confidence (pure: ``RunResult``s in, a ``Verdict`` out).

Scoring. Each usable indicator gets a score: how far its value lies beyond the bad end of its
range, minus the measurement tolerance, in units of its ``scale`` (0 inside the range or within
the tolerance; capped at ``max_excess``). With a history basis it is instead how far the z-score
lies beyond ``z_threshold`` on the bad side, per ``z_per_unit``. A side's score is the
weighted mean of its usable indicators' scores. The leading side is the label when its score is
at least ``min_score`` and leads the other side by at least ``margin``; otherwise "balanced".
Confidence = (1 - exp(-lead / confidence_scale)) x data quality (steps, frame rate, coverage,
phase, view), never above ``max_confidence``; "balanced" gets 0.35-0.75 x quality.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from collections.abc import Iterable

from stridecam.analysis.limiter.indicators import SPECS, Context, Measured, context, fmt, measure
from stridecam.analysis.limiter.reference import PHASES, Reference
from stridecam.model.result import RunResult
from stridecam.model.verdict import FORCE, RECYCLING, Indicator, Reason, Verdict

BASES = {"reference": "reference ranges", "athlete": "athlete history", "squad": "squad"}

#: What to do about each failed gate (shown in the explanation and the advice).
FIXES = {
    "few_steps": "film at least 6 full steps at top speed, every foot landing in view",
    "not_sprinting": "film a sprint (a flying 20-30 m at top speed, or an acceleration from "
                     "the blocks); jogging and steady runs are measured but not judged",
    "low_frame_rate": "film in slow motion at 120 fps or more (240 is better)",
    "not_side_view": "film from the side, the camera square to the lane at hip height",
    "unknown_phase": "film a longer stretch (6+ steps) so the speed can be followed step by step",
    "early_acceleration": "film later in the run (from about 20 m on, or the maximal-velocity "
                          "section at 30-60 m)",
    "several_people": "film one athlete at a time, or a lane where nobody else crosses",
    "no_athlete": "keep the athlete large and sharp in the frame, in good light",
    "too_few_indicators": "film at 120+ fps from the side with 6+ full steps so every measure "
                          "can be taken",
}


def gates(run: RunResult, ctx: Context, ref: Reference) -> list[Reason]:
    """Every gate the run fails (empty: the run can be judged)."""
    g, reasons = ref.gates, list[Reason]()

    def add(code: str, message: str) -> None:
        if code not in [r.code for r in reasons]:
            reasons.append(Reason(code, message, FIXES.get(code, "fix this and film again")))

    if ctx.n_steps < g.min_steps:
        add("few_steps", f"only {ctx.n_steps} full step(s) were measured; at least "
                         f"{g.min_steps} are needed")
    freq, _, _ = ctx.stat("step_frequency_hz")
    if math.isfinite(freq) and freq < g.min_step_frequency_hz:
        add("not_sprinting", f"{freq:.2f} steps per second is not sprinting (sprint references "
                             f"start at {g.min_step_frequency_hz:.1f})")
    if not ctx.fps >= g.min_fps_timing:
        add("low_frame_rate", f"{fmt(ctx.fps, 0)} frames per second cannot time ground contacts "
                              f"of ~0.1 s (needs {g.min_fps_timing:.0f}+)")
    codes = [(f.code, f.level, f.message) for f in run.flags]
    if run.view.is_side_view is False or any(c == "not_side_view" for c, _, _ in codes):
        detail = run.view.detail or "flagged by the view check"
        add("not_side_view", f"the clip is not a side view ({detail})")
    if ctx.phase not in PHASES:
        add("unknown_phase", "the phase (acceleration or maximal velocity) could not be told "
                             "from the step speeds, and they need different references")
    if ctx.phase == "acceleration" and ctx.mean_acceleration_m_s2 > g.max_mean_acceleration_m_s2:
        add("early_acceleration",
            f"the athlete was still accelerating hard ({ctx.mean_acceleration_m_s2:.1f} m/s^2 on "
            f"average, above {g.max_mean_acceleration_m_s2:.1f}): the first steps out of the start "
            "change too fast for a reference")
    for code, level, message in codes:
        if code in g.blocking_flags or (g.block_on_error_flags and level == "error"):
            add(code, f"data problem: {message or code}")
    return reasons


def _confidence_word(c: float, ref: Reference) -> str:
    sc = ref.scoring
    return "high" if c >= sc.high_from else "moderate" if c >= sc.moderate_from else "low"


def _is_same_run(a: RunResult, b: RunResult) -> bool:
    return a is b or (bool(a.source) and a.source == b.source)


def _usable_runs(runs: Iterable[RunResult], summary: RunResult, ctx: Context,
                 ref: Reference) -> list[Context]:
    """Contexts of the history runs that pass the gates and share this run's phase."""
    out = []
    for run in runs:
        if _is_same_run(run, summary):
            continue
        rctx = context(run)
        if rctx.phase == ctx.phase and not gates(run, rctx, ref):
            out.append(rctx)
    return out


def _judge(name: str, m: Measured, ref: Reference, basis: str,
           runs: list[Context]) -> tuple[Indicator, str | None]:
    """(indicator, fallback note) for one measured indicator on the chosen basis."""
    spec, r, sc, h = SPECS[name], ref.indicators[name], ref.scoring, ref.history
    base = Indicator(name=name, value=m.value, unit=spec.unit, title=spec.title, side=spec.side,
                     reference_low=m.low, reference_high=m.high, source=r.source,
                     direction="not_used", weight=0.0, note=m.unusable or "")
    if m.unusable:
        return base, None
    tol = m.tol if math.isfinite(m.tol) else 0.0
    width = m.high - m.low
    outside = m.value > m.high if spec.bad == "high" else m.value < m.low
    lit = (f"reference {fmt(m.low, spec.digits)}-{fmt(m.high, spec.digits)} {spec.unit}".rstrip()
           + (" (outside on the bad side)" if outside else ""))
    notes = [m.note] if m.note else []
    fallback = None
    values = []
    if basis != "reference ranges":
        for rctx in runs:
            other = measure(name, rctx, ref)
            if other.unusable is None and math.isfinite(other.value):
                values.append(other.value * other.z_factor)
        if len(values) < h.min_runs:
            fallback = name
            notes.append(f"only {len(values)} {basis} run(s) have this measure (needs "
                         f"{h.min_runs}): judged against the reference range")
    z = None
    if basis != "reference ranges" and fallback is None:
        zf = m.z_factor
        mean, sd = statistics.fmean(values), statistics.stdev(values)
        sd_eff = max(sd, h.sd_floor_fraction * width * zf, 1e-12)
        z = (m.value * zf - mean) / sd_eff
        bad_z = z if spec.bad == "high" else -z
        excess = (bad_z - h.z_threshold - tol * zf / sd_eff) / h.z_per_unit
        low, high = (mean - h.z_threshold * sd_eff) / zf, (mean + h.z_threshold * sd_eff) / zf
        source = (f"{basis}: {len(values)} runs, mean {fmt(mean / zf, spec.digits)}, SD "
                  f"{fmt(sd / zf, spec.digits + 1)} {spec.unit}".rstrip())
        notes.insert(0, f"z = {z:+.1f}; {lit}")
        crossed = bad_z > h.z_threshold
    else:
        excess = ((m.value - m.high - tol) if spec.bad == "high" else (m.low - m.value - tol)) \
            / m.scale
        low, high, source = m.low, m.high, r.source
        crossed = outside
    excess = min(max(excess, 0.0), sc.max_excess)
    if excess > 0 and not m.specific:
        direction, score = "neutral", 0.0
    elif excess > 0:
        direction, score = spec.side, excess
    else:
        direction, score = "neutral", 0.0
        if crossed:
            notes.append(f"just beyond the limit but within measurement uncertainty "
                         f"(+/-{fmt(tol, spec.digits + 1)} {spec.unit})".replace(" )", ")"))
    return dataclasses.replace(base, reference_low=low, reference_high=high, source=source,
                               direction=direction, weight=r.weight, note="; ".join(notes),
                               score=score, z=z), fallback


def _choose_basis(basis: str, athlete: list[Context], squad: list[Context],
                  ref: Reference) -> tuple[str, list[Context], list[str]]:
    if basis not in ("auto", *BASES):
        raise ValueError(f"basis must be 'auto' or one of {tuple(BASES)}, not {basis!r}")
    need, notes = ref.history.min_runs, list[str]()
    pools = {"athlete": athlete, "squad": squad}
    order = ("squad", "athlete") if basis == "auto" else (basis,) if basis in pools else ()
    for key in order:
        if len(pools[key]) >= need:
            return BASES[key], pools[key], notes
        if basis == key or len(pools[key]):
            notes.append(f"{BASES[key]}: {len(pools[key])} usable run(s) of the same phase "
                         f"(needs {need}); not used as the basis")
    return BASES["reference"], [], notes


def _side_score(evidence: list[Indicator], side: str) -> tuple[float, float]:
    """(weighted mean score, usable weight) of one side."""
    used = [i for i in evidence if i.side == side and i.direction != "not_used"]
    w = sum(i.weight for i in used)
    return (sum(i.weight * i.score for i in used) / w if w > 0 else 0.0), w


def assess(summary: RunResult, reference: Reference, *,
           athlete_history: Iterable[RunResult] = (), squad: Iterable[RunResult] = (),
           basis: str = "auto") -> Verdict:
    """Limiter verdict for one run (an ``analyse_poses`` result; its own verdict is ignored).

    ``reference``: the ranges and thresholds (``stridecam.io.config.load_reference`` reads
    them). ``athlete_history`` / ``squad``: other runs; runs of another phase, runs that fail a
    gate and this run itself (same object or same ``source``) are ignored. ``basis``: "auto"
    (the squad when it has ``history.min_runs`` usable runs, else the athlete's history, else
    the reference ranges), "reference", "athlete" or "squad".
    """
    from stridecam.analysis.limiter.explain import (
        explain,  # local import: explain uses this module's types
    )

    if not isinstance(summary, RunResult):
        raise TypeError(f"assess needs a RunResult, not {type(summary).__name__}")
    if not isinstance(reference, Reference):
        raise TypeError(f"reference must be a Reference, not {type(reference).__name__}")
    ref = reference
    ctx = context(summary)
    reasons = gates(summary, ctx, ref)
    athlete = _usable_runs(athlete_history, summary, ctx, ref)
    peers = _usable_runs(squad, summary, ctx, ref)
    basis_name, runs, notes = _choose_basis(basis, athlete, peers, ref)
    evidence, fallbacks = [], []
    for name in SPECS:
        ind, fb = _judge(name, measure(name, ctx, ref), ref, basis_name, runs)
        evidence.append(ind)
        if fb:
            fallbacks.append(fb)
    if fallbacks and len(fallbacks) < len(SPECS):
        notes.append(f"{len(fallbacks)} indicator(s) judged against reference ranges: too few "
                     f"{basis_name} runs have them ({', '.join(fallbacks)})")
    for ind in evidence:
        if ind.direction == "not_used" and "calibration" in ind.note:
            notes.append(f"{ind.title}: {ind.note}")
    if not reasons:
        counts = {s: sum(1 for i in evidence if i.side == s and i.direction != "not_used")
                  for s in (RECYCLING, FORCE)}
        short = {s: c for s, c in counts.items() if c < ref.gates.min_indicators_per_side}
        if short:
            parts = ", ".join(f"{c} {s}-side" for s, c in short.items())
            reasons.append(Reason("too_few_indicators",
                                  f"only {parts} indicator(s) could be measured (needs "
                                  f"{ref.gates.min_indicators_per_side} per side)",
                                  FIXES["too_few_indicators"]))
    r_score, r_w = _side_score(evidence, RECYCLING)
    f_score, f_w = _side_score(evidence, FORCE)
    if reasons:
        gate = "; ".join(r.code for r in reasons)
        evidence = [dataclasses.replace(i, direction="not_used", weight=0.0, score=0.0,
                                        note=f"not scored (inconclusive: {gate})"
                                        + (f"; {i.note}" if i.note else ""))
                    for i in evidence]
        label, conf = "inconclusive", 0.0
        r_score = f_score = float("nan")
    else:
        label, conf = _label(r_score, f_score, r_w + f_w, ctx, ref,
                             view_unknown=summary.view.is_side_view is None)
    verdict = Verdict(label=label, confidence=round(conf, 3),
                      confidence_word=_confidence_word(conf, ref), reasons=tuple(reasons),
                      evidence=tuple(evidence), basis=basis_name, explanation="",
                      recycling_score=_round(r_score), force_score=_round(f_score),
                      phase=ctx.phase, notes=tuple(notes), reference_path=ref.path)
    return dataclasses.replace(verdict, explanation=explain(verdict, ref))


def _round(x: float) -> float:
    return round(x, 4) if math.isfinite(x) else x


def _label(r: float, f: float, used_weight: float, ctx: Context, ref: Reference,
           view_unknown: bool) -> tuple[str, float]:
    sc = ref.scoring
    total = sum(x.weight for x in ref.indicators.values())
    quality = min(1.0, math.sqrt(ctx.n_steps / sc.good_steps))
    quality *= 1.0 if ctx.fps >= 120 else sc.below_120fps_factor
    quality *= 0.5 + 0.5 * (used_weight / total if total > 0 else 0.0)
    quality *= sc.acceleration_factor if ctx.phase == "acceleration" else 1.0
    quality *= sc.unknown_view_factor if view_unknown else 1.0
    top, lead = max(r, f), abs(r - f)
    if top >= sc.min_score and lead >= sc.margin:
        label = "recycling_limited" if r > f else "force_limited"
        strength = 1.0 - math.exp(-lead / sc.confidence_scale)
    elif top < sc.min_score:
        label, strength = "balanced", 0.35 + 0.4 * (sc.min_score - top) / sc.min_score
    else:
        label, strength = "balanced", 0.35 + 0.4 * (sc.margin - lead) / sc.margin
    return label, min(sc.max_confidence, strength * quality)
