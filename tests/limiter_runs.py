"""Run summaries for the limiter tests, built from hand-chosen step medians (the values a
trained sprinter, a slow re-cycler and a force-limited athlete would show at maximal velocity),
and ``assess`` on them with the shipped reference."""

from __future__ import annotations

import json

from stridecam.analysis.limiter import Reference
from stridecam.analysis.limiter import assess as assess_run
from stridecam.io.config import load_reference
from stridecam.model.poses import Flag
from stridecam.model.result import Athlete, Provenance, RunResult, RunSummary, ViewCheck
from stridecam.model.serial import from_jsonable, to_jsonable
from stridecam.model.track import Cleaning, Scale

LEG_M = 0.884  # leg (hip to ankle) of a 1.80 m athlete: 0.491 x height

#: Step medians at maximal velocity. Balanced: a trained sprinter (10 m/s, 4.6 Hz).
BALANCED = dict(contact_time_s=0.095, step_time_s=0.217, speed_m_s=10.0,
                swing_time_s=0.34, recovery_time_s=0.19, peak_thigh_flexion_deg=75.0,
                peak_knee_height_leg=-0.13, thigh_separation_td_deg=5.0,
                max_thigh_angular_velocity_deg_s=850.0)
#: Slow leg re-cycling: long recovery, low knee drive, slow thigh, normal contact.
RECYCLING = dict(BALANCED, step_time_s=0.238, speed_m_s=9.0, swing_time_s=0.381,
                 recovery_time_s=0.30, peak_thigh_flexion_deg=50.0, peak_knee_height_leg=-0.32,
                 thigh_separation_td_deg=-18.0, max_thigh_angular_velocity_deg_s=400.0)
#: Force limited: 0.14 s contacts at max velocity, short flight, normal thigh mechanics.
FORCE = dict(BALANCED, contact_time_s=0.14, step_time_s=0.23, speed_m_s=8.5, swing_time_s=0.32)


def run(medians: dict = BALANCED, *, iqr_frac: float = 0.03, n: int | None = None,
        **top) -> dict:
    """A run summary as ``analyse_poses`` builds it, from step medians (derived ones filled)."""
    m = dict(medians)
    m.setdefault("flight_time_s", m["step_time_s"] - m["contact_time_s"])
    m.setdefault("step_frequency_hz", 1.0 / m["step_time_s"])
    m.setdefault("cadence_spm", 60.0 / m["step_time_s"])
    m.setdefault("step_length_m", m["speed_m_s"] * m["step_time_s"])
    m.setdefault("stride_length_m", 2 * m["step_length_m"])
    m.setdefault("trunk_lean_deg", 6.0)
    n_steps = top.pop("n_steps", 8)
    per_metric = n if n is not None else n_steps
    summary = {
        "metrics": {k: {"median": v, "iqr": abs(v) * iqr_frac, "n": per_metric}
                    for k, v in m.items()},
        "n_steps": n_steps, "effective_fps": 120.0, "timing_resolution_ms": 1000 / 120,
        "phase": "max_velocity", "top_speed_m_s": m["speed_m_s"], "length_units": "m",
        "scale": {"leg_length": LEG_M, "units": "m"}, "asymmetry_pct": {}, "flags": [],
        "athlete": {"height_m": 1.80, "name": "A"},
        "view": {"is_side_view": True, "detail": "hips 0.05 leg lengths apart"},
        "source": None,
    }
    summary.update(top)
    return summary


def as_run(summary: dict) -> RunResult:
    """The ``RunResult`` of a summary dict shaped as ``run`` builds it (keys left out take
    their defaults)."""
    s = json.loads(json.dumps(summary, default=to_jsonable))
    known = {k: s[k] for k in ("n_steps", "length_units", "effective_fps", "timing_resolution_ms",
                                "metrics", "asymmetry_pct", "top_speed_m_s", "phase",
                                "mean_acceleration_m_s2") if k in s}
    scale = s.get("scale") or {"leg_length": 1.0, "units": "leg"}
    units = scale.get("units", "leg")
    view = s.get("view")
    return RunResult(
        provenance=Provenance(source=s.get("source") or ""),
        athlete=from_jsonable(Athlete, s.get("athlete") or {}),
        summary=from_jsonable(RunSummary, known),
        scale=Scale(units_per_px=scale["leg_length"] / 100.0, units=units,
                    method="athlete_height" if units == "m" else "leg_length",
                    rel_uncertainty=0.03, leg_length_px=100.0),
        direction=1, cleaning=Cleaning(),
        view=from_jsonable(ViewCheck, view) if view else ViewCheck(),
        contacts=None, steps=None,  # type: ignore[arg-type]
        flags=tuple(from_jsonable(Flag, f) for f in s.get("flags") or ()))


def assess(summary: dict, reference=None, **kwargs):
    """The limiter's ``assess`` on summary dicts (history runs too), with the shipped reference
    or a TOML path."""
    ref = reference if isinstance(reference, Reference) else load_reference(reference)
    for key in ("athlete_history", "squad"):
        if key in kwargs:
            kwargs[key] = [as_run(s) for s in kwargs[key]]
    return assess_run(as_run(summary), ref, **kwargs)


def in_leg_units(summary: dict) -> dict:
    """The same run without calibration: lengths and speeds in leg lengths."""
    s = json.loads(json.dumps(summary))
    for col in ("step_length_m", "stride_length_m", "speed_m_s"):
        s["metrics"][col]["median"] /= LEG_M
        s["metrics"][col]["iqr"] /= LEG_M
    s.update(length_units="leg", scale={"leg_length": 1.0, "units": "leg"},
             athlete={"height_m": None, "name": None})
    return s
