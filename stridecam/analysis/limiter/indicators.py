"""The limiter's indicators: what each one measures, which side it speaks for, its bad end, and
how precisely a phone video measures it (pure; numbers from the run summary only).

Force side (Weyand 2000; Clark & Weyand 2014): contact time, contact time for the running speed,
duty factor, estimated average vertical force per body weight (step time / contact time) and
flight time. Re-cycling side (Dorn 2012; Schache 2014; Clark 2020; Miyashiro 2019): recovery time
(toe-off to peak knee drive), swing time, peak thigh flexion, peak knee height, peak thigh
angular velocity in swing, thigh separation at touchdown, and step frequency given the step
length for the athlete's height. Definitions of the underlying step metrics: ``stridecam.model.columns``.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Mapping

from stridecam.analysis.scale import LEG_FRACTION_OF_HEIGHT
from stridecam.analysis.limiter.reference import Reference

FORCE, RECYCLING = "force", "recycling"
#: Indicators that need contacts and flights to be timed (frame rate gate).
TIMED = ("contact_time", "contact_time_for_speed", "duty_factor", "vertical_force_bw",
         "flight_time")


@dataclass(frozen=True)
class Spec:
    """``side``: which limiter a bad value points to; ``bad``: "high" or "low" end is bad."""

    name: str
    title: str
    short: str
    unit: str
    side: str
    bad: str
    digits: int


SPECS: dict[str, Spec] = {s.name: s for s in (
    Spec("contact_time", "ground contact time", "contact time", "s", FORCE, "high", 3),
    Spec("contact_time_for_speed", "contact time for the running speed",
         "contact time for the speed", "s", FORCE, "high", 3),
    Spec("duty_factor", "duty factor (share of the stride on the ground)", "duty factor", "",
         FORCE, "high", 2),
    Spec("vertical_force_bw", "estimated average vertical force in contact",
         "estimated vertical force", "x body weight", FORCE, "low", 2),
    Spec("flight_time", "flight time", "flight time", "s", FORCE, "low", 3),
    Spec("recovery_time", "recovery time (toe-off to peak knee drive)", "recovery time", "s",
         RECYCLING, "high", 3),
    Spec("swing_time", "swing time (toe-off to touchdown of the same foot)", "swing time", "s",
         RECYCLING, "high", 3),
    Spec("peak_thigh_flexion", "peak knee drive (thigh angle from vertical)", "knee drive", "deg",
         RECYCLING, "low", 0),
    Spec("peak_knee_height", "peak knee height (0 = hip level)", "knee height", "leg lengths",
         RECYCLING, "low", 2),
    Spec("max_thigh_angular_velocity", "peak thigh angular velocity in swing", "thigh speed",
         "deg/s", RECYCLING, "low", 0),
    Spec("thigh_separation_td", "thigh separation at touchdown (swing thigh ahead +)",
         "thigh separation at touchdown", "deg", RECYCLING, "low", 0),
    Spec("step_frequency", "step frequency for the step length and height", "step frequency",
         "Hz", RECYCLING, "low", 2),
)}


def num(value: Any) -> float:
    """A float, NaN for None / NaN / anything that is not a real number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return float("nan")
    return float(value)


def fmt(value: float, digits: int) -> str:
    return "n/a" if not math.isfinite(value) else f"{value:.{digits}f}"


@dataclass(frozen=True)
class Context:
    """What the indicators need from one run summary (NaN where missing)."""

    fps: float
    frame_s: float
    phase: str
    units: str
    leg_length_m: float
    height_m: float
    height_note: str
    speed_m_s: float
    mean_acceleration_m_s2: float
    n_steps: int
    metrics: Mapping[str, Any]

    def stat(self, col: str) -> tuple[float, float, int]:
        """(run value, IQR, number of step values) of a summarised metric: the run value is the
        chained-steps value where the summary has one (``summary.run_values``), else the
        median."""
        m = self.metrics.get(col) or {}
        n = m.get("n")
        return run_value(m), num(m.get("iqr")), int(n) if isinstance(n, int) else 0


def run_value(stat: Mapping[str, Any]) -> float:
    """A summarised metric's run value (over chained steps) when finite, else its median."""
    run = num(stat.get("run"))
    return run if math.isfinite(run) else num(stat.get("median"))


def context(summary: Mapping[str, Any]) -> Context:
    fps = num(summary.get("effective_fps"))
    units = summary.get("length_units") or "leg"
    scale = summary.get("scale") or {}
    leg = num(scale.get("leg_length")) if units == "m" else float("nan")
    metrics = summary.get("metrics") or {}
    athlete = summary.get("athlete") or {}
    height, note = num(athlete.get("height_m")), "athlete's height"
    if not (math.isfinite(height) and height > 0):
        height, note = float("nan"), "height unknown"
        if math.isfinite(leg) and leg > 0:
            height, note = leg / LEG_FRACTION_OF_HEIGHT, "height estimated from the leg length"
    speed = run_value(metrics.get("speed_m_s") or {}) if units == "m" else float("nan")
    n_steps = summary.get("n_steps")
    # mean acceleration of the step speeds, converted to m/s^2 from leg lengths when needed
    accel = num(summary.get("mean_acceleration_m_s2"))
    if units != "m":
        h = num(athlete.get("height_m"))
        accel *= (h if math.isfinite(h) and h > 0 else 1.80) * LEG_FRACTION_OF_HEIGHT
    return Context(
        fps=fps, frame_s=1.0 / fps if math.isfinite(fps) and fps > 0 else float("nan"),
        phase=summary.get("phase") or "unknown", units=units, leg_length_m=leg, height_m=height,
        height_note=note, speed_m_s=speed, mean_acceleration_m_s2=accel, n_steps=int(n_steps) if isinstance(n_steps, int) else 0,
        metrics=metrics)


@dataclass(frozen=True)
class Measured:
    """An indicator's value, its reference range and ``scale`` (value units; see
    ``IndicatorRef.scale``), measurement tolerance and notes. ``z_factor`` turns the value into the quantity compared in z-scores (e.g. contact
    time x speed / leg = contact length). ``specific`` False: a bad value points nowhere."""

    value: float
    low: float = float("nan")
    high: float = float("nan")
    tol: float = 0.0
    scale: float = float("nan")
    z_factor: float = 1.0
    note: str = ""
    unusable: str | None = None
    specific: bool = True


def _se(iqr: float, n: int) -> float:
    """Standard error of a median from the IQR of ``n`` values (normal approximation)."""
    return 0.93 * iqr / math.sqrt(n) if math.isfinite(iqr) and n > 0 else 0.0


def measure(name: str, ctx: Context, ref: Reference) -> Measured:
    """Measure one indicator of a run against the reference (no verdict logic here)."""
    m = _measure(name, ctx, ref)
    if m.unusable is not None:
        return m
    width = m.high - m.low
    scale = ref.indicators[name].scale
    if scale is None:
        scale = width
    elif name == "contact_time_for_speed":  # scale in leg lengths of contact length
        scale = scale / m.z_factor
    elif name == "step_frequency":  # scaled for height like the range
        scale = scale / m.z_factor
    return dataclasses.replace(m, scale=scale)


def _measure(name: str, ctx: Context, ref: Reference) -> Measured:
    r, sc, gates = ref.indicators[name], ref.scoring, ref.gates
    rng = r.range_for(ctx.phase)
    if r.weight == 0:
        return Measured(float("nan"), unusable="switched off (weight 0 in the reference)")
    if rng is None:
        return Measured(float("nan"), unusable=f"no reference range for the {ctx.phase} phase")
    if name in TIMED and not (ctx.fps >= gates.min_fps_timing):
        return Measured(float("nan"), unusable=(
            f"{fmt(ctx.fps, 0)} fps cannot time a ~0.1 s ground contact (each event known to "
            f"+/-{fmt(500 * ctx.frame_s, 0)} ms); needs {gates.min_fps_timing:.0f}+ fps"))
    low, high = rng

    def stat(col: str) -> tuple[float, float, int, str | None]:
        med, iqr, n = ctx.stat(col)
        if n < gates.min_values_per_metric or not math.isfinite(med):
            return med, iqr, n, (f"{col} not measured on enough steps ({n} value(s); needs "
                                 f"{gates.min_values_per_metric})")
        return med, iqr, n, None

    def timing_tol(iqr: float, n: int) -> float:
        frame = ctx.frame_s if math.isfinite(ctx.frame_s) else 0.0
        return math.hypot(sc.timing_tolerance_frames * frame, _se(iqr, n))

    simple = {"contact_time": "contact_time_s", "flight_time": "flight_time_s",
              "recovery_time": "recovery_time_s", "swing_time": "swing_time_s",
              "peak_thigh_flexion": "peak_thigh_flexion_deg",
              "peak_knee_height": "peak_knee_height_leg",
              "max_thigh_angular_velocity": "max_thigh_angular_velocity_deg_s",
              "thigh_separation_td": "thigh_separation_td_deg"}
    if name in simple:
        med, iqr, n, bad = stat(simple[name])
        if bad:
            return Measured(med, low, high, unusable=bad)
        if name in ("contact_time", "flight_time", "recovery_time", "swing_time"):
            tol = timing_tol(iqr, n)
        elif name in ("peak_thigh_flexion", "thigh_separation_td"):
            tol = math.hypot(sc.angle_tolerance_deg, _se(iqr, n))
        elif name == "peak_knee_height":
            tol = math.hypot(sc.knee_height_tolerance_leg, _se(iqr, n))
        else:
            rel = sc.angular_velocity_tolerance_rel * max(1.0, 120.0 / ctx.fps)
            tol = math.hypot(rel * abs(med), _se(iqr, n))
        if name == "thigh_separation_td":
            return _separation(med, low, high, tol, ctx, ref)
        return Measured(med, low, high, tol)

    if name in ("contact_time_for_speed", "duty_factor", "vertical_force_bw"):
        c, c_iqr, c_n, bad = stat("contact_time_s")
        s, _, _, bad_s = stat("step_time_s")
        if bad or bad_s or c <= 0:
            return Measured(float("nan"), low, high, unusable=bad or bad_s or "no contact time")
        c_tol = timing_tol(c_iqr, c_n)
        if name == "duty_factor":
            df = c / (2 * s)
            return Measured(df, low, high, df * c_tol / c,
                            note=f"contact {c:.3f} s / (2 x step time {s:.3f} s)")
        if name == "vertical_force_bw":
            f = s / c
            return Measured(f, low, high, f * c_tol / c, note=(
                f"step time {s:.3f} s / contact time {c:.3f} s (Weyand 2000: the contact must "
                "carry body weight for the whole step)"
                + ("; approximate while accelerating" if ctx.phase == "acceleration" else "")))
        # contact time judged against the speed: ranges are contact lengths in leg lengths
        if ctx.units != "m":
            return Measured(c, unusable="lengths are in leg lengths (no scale calibration): the "
                                        "speed-based reference is skipped")
        v, leg = ctx.speed_m_s, ctx.leg_length_m
        if not (math.isfinite(v) and v > 0 and math.isfinite(leg) and leg > 0):
            return Measured(c, unusable="running speed or leg length not measured")
        return Measured(c, low * leg / v, high * leg / v, c_tol, z_factor=v / leg, note=(
            f"contact length {c * v:.2f} m = {c * v / leg:.2f} leg lengths at {v:.1f} m/s "
            f"(reference {low:.2f}-{high:.2f} leg lengths)"))

    if name == "step_frequency":
        f, _, _, bad = stat("step_frequency_hz")
        s, s_iqr, s_n, bad_s = stat("step_time_s")
        sl, _, _, bad_l = stat("step_length_m")
        if bad or bad_s:
            return Measured(f, low, high, unusable=bad or bad_s)
        h_ref = r.extra.get("reference_height_m", 1.80)
        tol = f * timing_tol(s_iqr, s_n) / s if s > 0 else 0.0
        if math.isfinite(ctx.height_m):
            k = math.sqrt(h_ref / ctx.height_m)
            note = f"range scaled for {ctx.height_m:.2f} m ({ctx.height_note})"
        else:
            k, note = 1.0, f"height unknown: range for a {h_ref:.2f} m athlete"
        # step length per height: metres / height, or leg lengths x leg fraction of height
        if bad_l:
            sl_h = float("nan")
        elif ctx.units == "m":
            sl_h = sl / ctx.height_m if math.isfinite(ctx.height_m) else float("nan")
        else:
            sl_h = sl * LEG_FRACTION_OF_HEIGHT
        sl_rng = r.extra.get("step_length_per_height", {}).get(ctx.phase)
        specific = True
        if not math.isfinite(sl_h):
            specific, note = False, note + "; step length unknown, so a low frequency is not " \
                                           "attributed to re-cycling"
        else:
            note += f"; step length {sl_h:.2f} x height"
            if sl_rng is not None:
                note += f" (reference {sl_rng[0]:.2f}-{sl_rng[1]:.2f})"
                if sl_h < sl_rng[0]:
                    specific = False
                    note += ": steps are short as well, so a low frequency is not specific " \
                            "to re-cycling"
        return Measured(f, low * k, high * k, tol, z_factor=1.0 / k, note=note, specific=specific)
    raise KeyError(name)


def _separation(value: float, low: float, high: float, tol: float, ctx: Context,
                ref: Reference) -> Measured:
    """Thigh separation at touchdown. The swing leg left the ground one flight time before this
    touchdown, so after a short flight it is further behind whatever its re-cycling speed: a
    trailing swing thigh then says nothing specific about re-cycling."""
    flight, _, n = ctx.stat("flight_time_s")
    rng = ref.indicators["flight_time"].range_for(ctx.phase)
    if rng is not None and n and math.isfinite(flight) and flight < rng[0]:
        return Measured(value, low, high, tol, specific=False, note=(
            f"flight {flight:.3f} s is short (below {rng[0]:.3f} s): a trailing swing thigh at "
            "touchdown is then expected and not counted as re-cycling evidence"))
    return Measured(value, low, high, tol)
