"""The words and numbers of a report, as plain data (pure: no matplotlib, no PDF).

Every label carries its unit. Lengths are metres only when the run was calibrated; without a
scale the ``*_leg`` columns (leg lengths) are shown instead, and labelled so (``shown``).
Numbers use an ASCII minus so that text extracted from the PDF reads back as written.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from stridecam.analysis.limiter import SPECS
from stridecam.model.columns import LENGTH_PAIRS
from stridecam.model.columns import __doc__ as COLUMNS_DOC
from stridecam.model.fv import FVProfile
from stridecam.model.result import RunResult
from stridecam.model.verdict import Verdict

LABELS = {"recycling_limited": "Re-cycling limited",
          "force_limited": "Force limited",
          "balanced": "Balanced: no clear limiter",
          "inconclusive": "Inconclusive: no verdict from this clip"}
LEVEL_WORDS = {"info": "Note", "warning": "Check", "error": "Problem"}
SIDE_WORDS = {"recycling": "re-cycling", "force": "force"}

#: Step columns: (label, unit, digits).
COLUMN_TEXT: dict[str, tuple[str, str, int]] = {
    "contact_time_s": ("Contact time", "s", 3),
    "flight_time_s": ("Flight time", "s", 3),
    "step_time_s": ("Step time", "s", 3),
    "cadence_spm": ("Cadence", "steps/min", 0),
    "step_frequency_hz": ("Step frequency", "Hz", 2),
    "step_length_m": ("Step length", "m", 2),
    "step_length_leg": ("Step length", "leg lengths", 2),
    "stride_length_m": ("Stride length", "m", 2),
    "stride_length_leg": ("Stride length", "leg lengths", 2),
    "speed_m_s": ("Speed", "m/s", 2),
    "speed_leg_s": ("Speed", "leg lengths/s", 2),
    "swing_time_s": ("Swing time", "s", 3),
    "recovery_time_s": ("Recovery time", "s", 3),
    "peak_thigh_flexion_deg": ("Knee drive, peak thigh angle", "°", 0),
    "peak_knee_height_leg": ("Peak knee height", "leg lengths", 2),
    "thigh_separation_td_deg": ("Thigh separation at touchdown", "°", 0),
    "trunk_lean_deg": ("Trunk lean", "°", 0),
    "max_thigh_angular_velocity_deg_s": ("Peak thigh angular velocity", "°/s", 0),
}

#: Limiter indicators: short measure names for the headline table (unit added from the spec).
INDICATOR_TEXT = {
    "contact_time": "Ground contact time",
    "contact_time_for_speed": "Contact time for the speed",
    "duty_factor": "Duty factor, share of stride on ground",
    "vertical_force_bw": "Est. vertical force in contact",
    "flight_time": "Flight time",
    "recovery_time": "Recovery time, toe-off to peak knee drive",
    "swing_time": "Swing time",
    "peak_thigh_flexion": "Knee drive, peak thigh angle",
    "peak_knee_height": "Peak knee height, 0 = hip level",
    "max_thigh_angular_velocity": "Peak thigh angular velocity",
    "thigh_separation_td": "Thigh separation at touchdown",
    "step_frequency": "Step frequency for length and height",
}
UNIT_TEXT = {"deg": "°", "deg/s": "°/s", "x body weight": "× body weight"}

#: Columns of the per-step table: (column, header, digits).
STEP_TABLE = (
    ("touchdown_time_s", "Touch-\ndown (s)", 2),
    ("contact_time_s", "Contact\n(s)", 3),
    ("flight_time_s", "Flight\n(s)", 3),
    ("cadence_spm", "Cadence\n(steps/\nmin)", 0),
    ("step_length_m", "Step length\n(LEN)", 2),
    ("speed_m_s", "Speed\n(SPEED)", 2),
    ("swing_time_s", "Swing\n(s)", 3),
    ("recovery_time_s", "Recovery\n(s)", 3),
    ("peak_thigh_flexion_deg", "Knee\ndrive (°)", 0),
    ("peak_knee_height_leg", "Knee\nheight\n(leg\nlengths)", 2),
    ("thigh_separation_td_deg", "Thigh sep.\nat TD (°)", 0),
    ("trunk_lean_deg", "Trunk\nlean (°)", 0),
)


def number(value: Any, digits: int) -> str:
    """``value`` with ``digits`` decimals, "n/a" when missing or not finite."""
    if value is None or isinstance(value, bool):
        return "n/a"
    try:
        x = float(value)
    except (TypeError, ValueError):
        return "n/a"
    return f"{x:.{digits}f}" if math.isfinite(x) else "n/a"


def length_unit(run: RunResult) -> str:
    """"m" for calibrated runs, "leg lengths" otherwise."""
    return "m" if run.summary.length_units == "m" else "leg lengths"


def shown(column: str, run: RunResult) -> str:
    """The column a report shows for ``column``: a ``_m`` length or speed becomes its ``_leg``
    twin when the run has no scale (the ``_m`` one is then empty)."""
    if run.summary.length_units == "m":
        return column
    for col_m, col_leg in LENGTH_PAIRS.values():
        if column == col_m:
            return col_leg
    return column


def unit_of(column: str, run: RunResult) -> str:
    return COLUMN_TEXT[shown(column, run)][1]


def with_units(text: str, run: RunResult) -> str:
    """Replace the LEN / SPEED placeholders of a label by the run's units."""
    speed = "m/s" if length_unit(run) == "m" else "leg lengths/s"
    return text.replace("(LEN)", f"({length_unit(run)})").replace("(SPEED)", f"({speed})")


def label(column: str, run: RunResult) -> str:
    """e.g. "Step length (m)", "Step length (leg lengths)", "Cadence (steps/min)"."""
    return f"{COLUMN_TEXT[shown(column, run)][0]} ({unit_of(column, run)})"


def run_figure(run: RunResult, column: str) -> float:
    """The run's value of a metric: over the chained steps where the summary has it, else the
    median of the steps (``MetricStat.value``)."""
    return run.summary.metrics.of(shown(column, run)).value


@dataclass(frozen=True)
class HeadlineRow:
    """One line of the page-1 table. ``position``: "in range", "above", "below" or "";
    ``points_to``: what the verdict made of it; ``ref``: number in the reference list (0: none)."""

    group: str
    measure: str
    value: str
    reference: str
    position: str
    points_to: str
    ref: int
    strong: bool = False


def phase_words(run: RunResult) -> str:
    """The phase of the run in words: an acceleration (from the blocks when the start is in the
    clip), maximal velocity (a steady sprint), steady running that is no sprint, or unknown."""
    s = run.summary
    if s.phase == "acceleration":
        return "acceleration from the blocks" if run.block_start else "acceleration"
    if s.phase == "max_velocity":
        freq = s.metrics.step_frequency_hz.value
        return "maximal velocity" if not freq < SPRINT_STEP_HZ else "steady running, not a sprint"
    return "phase unknown (too few steps to follow the speed)"


#: Step frequency below which a steady run is not a sprint (the limiter's own gate).
SPRINT_STEP_HZ = 3.3


def priority(run: RunResult) -> tuple[str, str]:
    """(the one thing to do, why): the verdict's first drill and the numbers behind it, or,
    with no verdict, the one thing to change in the filming."""
    from stridecam.analysis.advice import advice_for

    v = run.verdict
    if v is None:
        return ("Priority: analyse the clip with a limiter verdict", "")
    advice = advice_for(v)
    if v.label == "inconclusive":
        fix = v.reasons[0].fix if v.reasons else "film the run again"
        return (f"Priority for the next clip: {fix}.",
                "This clip gave no limiter verdict: " + "; ".join(r.message for r in v.reasons)
                + ".")
    drill = advice.exercises[0] if advice.exercises else None
    what = f"{advice.headline}" + (f" — start with {drill.name.lower()} ({drill.dose})"
                                   if drill else "")
    return (f"Priority: {what}.", advice.why)


def top_speed(run: RunResult) -> float:
    """The run's top speed in its length units per second."""
    s = run.summary
    return s.top_speed_m_s if s.length_units == "m" else s.top_speed_leg_s


def references(verdict: Verdict | None) -> list[str]:
    """The distinct sources of the verdict's evidence, in order of first use."""
    if verdict is None:
        return []
    return list(dict.fromkeys(i.source for i in verdict.evidence if i.source))


def _indicator_row(ind, refs: list[str]) -> HeadlineRow:
    spec = SPECS.get(ind.name)
    digits = spec.digits if spec else 2
    unit = UNIT_TEXT.get(ind.unit, ind.unit)
    name = INDICATOR_TEXT.get(ind.name, ind.title or ind.name)
    measure = f"{name} ({unit})" if unit else name
    lo, hi = ind.reference_low, ind.reference_high
    ref_text = (f"{number(lo, digits)} to {number(hi, digits)}"
                if math.isfinite(lo) and math.isfinite(hi) else "n/a")
    v = ind.value
    position = ""
    scored = not ind.note.startswith("not scored")
    if scored and math.isfinite(v) and math.isfinite(lo) and math.isfinite(hi):
        position = "above" if v > hi else "below" if v < lo else "in range"
    if ind.direction in SIDE_WORDS:
        points = f"→ {SIDE_WORDS[ind.direction]}"
    elif ind.direction == "neutral":
        bad_side = position == ("above" if spec is None or spec.bad == "high" else "below")
        points = ("within error" if bad_side else "ok (good side)") \
            if position in ("above", "below") else "ok"
    else:
        points = "not scored" if ind.note.startswith("not scored") else "not used"
    side = "Force side" if ind.side == "force" else "Re-cycling side"
    ref = refs.index(ind.source) + 1 if ind.source in refs else 0
    return HeadlineRow(side, measure, number(v, digits), ref_text, position, points, ref,
                       strong=ind.direction in SIDE_WORDS)


def headline_rows(run: RunResult) -> list[HeadlineRow]:
    """Speed and rhythm of the run, then every limiter indicator beside its reference range."""
    verdict = run.verdict
    lu = length_unit(run)
    speed_unit = "m/s" if lu == "m" else "leg lengths/s"
    rows = [
        HeadlineRow("Speed and rhythm", f"Top speed ({speed_unit})",
                    number(top_speed(run), 2), "", "", "", 0),
        HeadlineRow("Speed and rhythm", label("cadence_spm", run),
                    number(run_figure(run, "cadence_spm"), 0), "", "", "", 0),
        HeadlineRow("Speed and rhythm", label("step_length_m", run),
                    number(run_figure(run, "step_length_m"), 2), "", "", "", 0),
        HeadlineRow("Speed and rhythm", label("speed_m_s", run) + ", over the run",
                    number(run_figure(run, "speed_m_s"), 2), "", "", "", 0),
    ]
    refs = references(verdict)
    if verdict is not None:
        for side in ("force", "recycling"):
            rows += [_indicator_row(i, refs) for i in verdict.evidence if i.side == side]
    return rows


def unused_notes(verdict: Verdict | None) -> list[str]:
    """Why indicators were not used (one line each; none when the whole run is inconclusive)."""
    if verdict is None or verdict.label == "inconclusive":
        return []
    return [f"{INDICATOR_TEXT.get(i.name, i.name)}: {i.note}" for i in verdict.evidence
            if i.direction == "not_used" and i.note]


def flag_lines(run: RunResult) -> list[tuple[str, str]]:
    """(level word, message) of every data-quality flag, problems first."""
    order = {"error": 0, "warning": 1, "info": 2}
    flags = sorted(run.flags, key=lambda f: order.get(f.level, 3))
    return [(LEVEL_WORDS.get(f.level, "Note"), f.message or f.code) for f in flags]


def step_table(steps: pd.DataFrame, run: RunResult) -> tuple[list[str], list[list[str]]]:
    """(headers, rows) of the per-step table; the foot is written "Left" / "Right"."""
    headers = ["Step", "Foot"] + [with_units(h, run) for _, h, _ in STEP_TABLE]
    rows = []
    for _, s in steps.iterrows():
        foot = str(s.get("foot", "")).capitalize()
        idx = s.get("step_index")
        rows.append([str(int(idx) + 1) if pd.notna(idx) else "", foot]
                    + [number(s.get(shown(col, run)), d) for col, _, d in STEP_TABLE])
    return headers, rows


def asymmetry_lines(run: RunResult) -> tuple[list[str], list[str], list[str]]:
    """Left/right asymmetries beyond twice their uncertainty ("step length 12 ± 3%"), the names
    of those within it (not a finding: the measurement cannot tell the legs apart), and of those
    with too few steps per leg to judge."""
    found, within, few = [], [], []
    for column, a in run.summary.asymmetry_pct.items():
        if column not in COLUMN_TEXT or not math.isfinite(a.pct):
            continue
        name = COLUMN_TEXT[column][0].lower()
        if not math.isfinite(a.unc_pct):
            few.append(name)
        elif a.beyond_error:
            found.append(f"{name} {number(a.pct, 0)} ± {number(a.unc_pct, 0)}%")
        else:
            within.append(name)
    return found, within, few


def definitions() -> list[tuple[str, str]]:
    """(term, definition) from the ``stridecam.model.columns`` docstring, markup removed."""
    text = (COLUMNS_DOC or "").split("-----\n", 1)[-1]
    items, current = [], None
    for line in text.splitlines():
        if line.startswith("- "):
            current = [line[2:].strip()]
            items.append(current)
        elif line.startswith("  ") and current is not None:
            current.append(line.strip())
        else:
            current = None
    out = []
    for parts in items:
        body = re.sub(r"``([^`]*)``", r"\1", " ".join(parts)).replace("**", "")
        term, sep, rest = body.partition(":")
        if not sep or "=" in term or len(term) > 40:
            term, rest = re.split(r"[ =]", body, maxsplit=1)[0], body
        out.append((term.strip(), rest.strip()))
    return out


def timing_text(run: RunResult) -> str:
    """e.g. "120 distinct frames/s (container 120 fps, capture 120 fps): events +/- 4 ms"."""
    eff = run.summary.effective_fps
    half = 500.0 / eff if eff > 0 else float("nan")
    p = run.provenance
    return (f"{number(eff, 0)} frames/s used (container {number(p.nominal_fps, 0)} "
            f"fps, capture {number(p.capture_fps, 0)} fps): each event is known to "
            f"±{number(half, 0)} ms")


def calibration_text(run: RunResult) -> str:
    scale = run.scale
    if scale.units != "m":
        return "none given: lengths are in leg lengths (hip to ankle), not metres"
    method = {"athlete_height": "athlete's height", "two_points": "two marked points",
              "ground_rectangle": "ground rectangle", "leg_length": "none (leg lengths)"
              }.get(scale.method, scale.method or "unknown")
    unc = scale.rel_uncertainty
    unc_text = f", scale ±{100 * unc:.0f}%" if math.isfinite(unc) else ""
    detail = f" ({scale.detail})" if scale.detail else ""
    return f"{method}{detail}{unc_text}"


def _pm(value: float, unc: float, digits: int) -> str:
    """``value ± unc`` (the 1-sigma uncertainty only when known)."""
    text = number(value, digits)
    return f"{text} ± {number(unc, digits)}" if math.isfinite(unc) and text != "n/a" else text


def fv_rows(fv: FVProfile) -> list[list[str]]:
    """The horizontal force-velocity profile as rows (quantity, value ± 1 SD, what it means).
    Absolute force and power only when the body mass was given."""
    return [
        ["F0", f"{_pm(fv.f0_n_kg, fv.f0_unc_n_kg, 1)} N/kg"
         + (f" ({number(fv.f0_n, 0)} N)" if fv.mass_kg else ""),
         "theoretical maximal horizontal force (push at zero speed)"],
        ["V0", f"{_pm(fv.v0_m_s, fv.v0_unc_m_s, 2)} m/s",
         "theoretical maximal speed (at zero force)"],
        ["Pmax", f"{_pm(fv.pmax_w_kg, fv.pmax_unc_w_kg, 1)} W/kg"
         + (f" ({number(fv.pmax_w, 0)} W)" if fv.mass_kg else ""),
         "maximal horizontal power = F0 V0 / 4"],
        ["F-V slope", f"{number(fv.sfv_n_s_m_kg, 2)} N s/m per kg",
         "-F0 / V0: steeper = force-oriented, flatter = velocity-oriented"],
        ["RF max", f"{number(fv.rf_max_pct, 1)} %",
         "highest share of the ground force pointed forward (after 0.3 s)"],
        ["D_RF", f"{number(fv.drf_pct_s_m, 1)} % per m/s",
         "how fast that share falls as speed rises (technical ability to push forward)"],
        ["v(t) fit", f"v_max {number(fv.v_max_m_s, 2)} m/s, tau {number(fv.tau_s, 2)} s",
         f"the clip shows {number(100 * fv.v_first_frac, 0)}-{number(100 * fv.v_last_frac, 0)} "
         "% of v_max"],
    ]
