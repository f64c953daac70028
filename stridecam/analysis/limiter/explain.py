"""Two plain sentences for a coach: what the verdict is, and which numbers crossed which limits."""

from __future__ import annotations

from stridecam.analysis.limiter.indicators import SPECS, fmt
from stridecam.analysis.limiter.reference import Reference
from stridecam.model.verdict import FORCE, RECYCLING, Indicator, Verdict

PHASE_TEXT = {"max_velocity": "at maximal velocity", "acceleration": "in the acceleration phase"}
BASIS_TEXT = {"squad": " compared with the squad", "athlete history": " compared with the "
              "athlete's own runs", "reference ranges": ""}
#: Indicators quoted as "within range" examples, best first.
EXAMPLES = {FORCE: ("vertical_force_bw", "contact_time", "flight_time"),
            RECYCLING: ("recovery_time", "peak_thigh_flexion", "max_thigh_angular_velocity")}
SIDE_TEXT = {FORCE: "force-side", RECYCLING: "re-cycling"}
CAVEAT = "treat it as a screening flag, not a diagnosis (there are no agreed cut-offs)"


def value_text(ind: Indicator) -> str:
    """The value with its unit, e.g. "0.140 s", "52 deg", "1.64 x body weight"."""
    spec = SPECS[ind.name]
    text = fmt(ind.value, spec.digits)
    return text if not spec.unit or text == "n/a" else f"{text} {spec.unit}"


def describe(ind: Indicator) -> str:
    """e.g. "recovery time 0.300 s (reference 0.180-0.240 s)" or "... (z = +2.4)"."""
    spec = SPECS[ind.name]
    if ind.z is not None:
        return f"{spec.short} {value_text(ind)} (z = {ind.z:+.1f})"
    unit = f" {spec.unit}" if spec.unit else ""
    return (f"{spec.short} {value_text(ind)} (reference {fmt(ind.reference_low, spec.digits)}-"
            f"{fmt(ind.reference_high, spec.digits)}{unit})")


def _short(ind: Indicator) -> str:
    return f"{SPECS[ind.name].short} {value_text(ind)}"


def _crossing(evidence: tuple[Indicator, ...], side: str, k: int = 3) -> list[Indicator]:
    hits = [i for i in evidence if i.direction == side and i.score > 0]
    return sorted(hits, key=lambda i: -i.weight * i.score)[:k]


def _examples(evidence: tuple[Indicator, ...], side: str, k: int = 2) -> list[Indicator]:
    by = {i.name: i for i in evidence if i.side == side and i.direction == "neutral"}
    return [by[n] for n in EXAMPLES[side] if n in by][:k]


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def explain(v: Verdict, ref: Reference) -> str:
    """Two sentences naming the numbers behind the verdict ``v``."""
    phase = PHASE_TEXT.get(v.phase, "")
    basis = BASIS_TEXT.get(v.basis, "")
    if v.label == "inconclusive":
        why = "; ".join(r.message for r in v.reasons)
        fixes = "; ".join(dict.fromkeys(r.fix for r in v.reasons))
        return f"No limiter verdict for this run: {why}. To get one: {fixes}."
    if v.label in ("recycling_limited", "force_limited"):
        side = RECYCLING if v.label == "recycling_limited" else FORCE
        other = FORCE if side == RECYCLING else RECYCLING
        what = ("Slow leg re-cycling, rather than force, looks like what holds this run back"
                if side == RECYCLING else
                "Ground force, rather than leg re-cycling, looks like what holds this run back")
        first = (f"{what} {phase}{basis}: "
                 f"{_join([describe(i) for i in _crossing(v.evidence, side)])}.")
        off = _crossing(v.evidence, other, 1)
        if off:
            second = (f"The {SIDE_TEXT[other]} measures were less far off ({describe(off[0])}); "
                      f"{CAVEAT}.")
        else:
            ex = _examples(v.evidence, other)
            within = f" ({_join([_short(i) for i in ex])})" if ex else ""
            second = f"The {SIDE_TEXT[other]} measures were within range{within}; {CAVEAT}."
        return f"{first} {second}".replace("  ", " ")
    # balanced
    r_hits, f_hits = _crossing(v.evidence, RECYCLING, 2), _crossing(v.evidence, FORCE, 2)
    if v.recycling_score >= ref.scoring.min_score and v.force_score >= ref.scoring.min_score:
        first = (f"Both sides fall short {phase}{basis}: on re-cycling, "
                 f"{_join([describe(i) for i in r_hits])}; on force, "
                 f"{_join([describe(i) for i in f_hits])}; so neither stands out as the "
                 "limiter.")
    elif r_hits or f_hits:
        hits = sorted(r_hits + f_hits, key=lambda i: -i.weight * i.score)[:2]
        first = (f"No clear limiter {phase}{basis}: only small deviations "
                 f"({_join([describe(i) for i in hits])}), too little to call either side.")
    else:
        n = sum(1 for i in v.evidence if i.direction != "not_used")
        ex = _examples(v.evidence, FORCE, 1) + _examples(v.evidence, RECYCLING, 1)
        eg = f" (e.g. {_join([_short(i) for i in ex])})" if ex else ""
        first = (f"No clear limiter {phase}{basis}: all {n} usable measures were within their "
                 f"ranges or within measurement error of them{eg}.")
    return f"{first} Re-test regularly to see which side changes, and {CAVEAT}.".replace("  ", " ")
