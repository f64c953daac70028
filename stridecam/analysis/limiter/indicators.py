"""The limiter's indicators: what each one measures, which side it speaks for, its bad end, and
how precisely a phone video measures it (pure; numbers from the run summary only).

Force side (Weyand 2000; Clark & Weyand 2014): contact time, contact time for the running speed,
duty factor, estimated average vertical force per body weight (step time / contact time) and flight
time. Re-cycling side (Dorn 2012; Schache 2014; Clark 2020; Miyashiro 2019): recovery time (toe-off
to peak knee drive), swing time, peak thigh flexion, peak knee height, peak thigh angular velocity
in swing, thigh separation at touchdown, and step frequency given the step length for the athlete's
height. Definitions of the underlying step metrics: ``stridecam.model.columns``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass

from stridecam.analysis.limiter.reference import IndicatorRef, Reference
from stridecam.model.result import Metrics, RunResult
from stridecam.model.track import LEG_FRACTION_OF_HEIGHT
from stridecam.model.verdict import FORCE, RECYCLING

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


def fmt(value: float, digits: int) -> str:
    return "n/a" if not math.isfinite(value) else f"{value:.{digits}f}"


@dataclass(frozen=True)
class Context:
    """What the indicators need from one run (NaN where missing)."""

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
    metrics: Metrics

    def stat(self, col: str) -> tuple[float, float, int]:
        """(run value, IQR, number of step values) of a summarised metric: the run value is the
        chained-steps value where the summary has one (``summary.run_values``), else the
        median."""
        m = self.metrics.of(col)
        return m.value, m.iqr, m.n


#: Standing height assumed to convert leg lengths to metres when none is known.
DEFAULT_HEIGHT_M = 1.80


def context(run: RunResult) -> Context:
    s = run.summary
    fps, units = s.effective_fps, s.length_units
    leg = run.scale.leg_length if units == "m" else float("nan")
    given = run.athlete.height_m
    height, note = (given, "athlete's height") if given else (float("nan"), "height unknown")
    if not (math.isfinite(height) and height > 0) and math.isfinite(leg) and leg > 0:
        height, note = leg / LEG_FRACTION_OF_HEIGHT, "height estimated from the leg length"
    speed = s.metrics.speed_m_s.value  # NaN without a scale
    # mean acceleration of the step speeds in m/s^2, from leg lengths without a scale
    accel = s.mean_acceleration_m_s2
    if not math.isfinite(accel):
        accel = s.mean_acceleration_leg_s2 * (given if given else DEFAULT_HEIGHT_M) \
            * LEG_FRACTION_OF_HEIGHT
    return Context(
        fps=fps, frame_s=1.0 / fps if math.isfinite(fps) and fps > 0 else float("nan"),
        phase=s.phase, units=units, leg_length_m=leg, height_m=height, height_note=note,
        speed_m_s=speed, mean_acceleration_m_s2=accel, n_steps=s.n_steps, metrics=s.metrics)


@dataclass(frozen=True)
class Measured:
    """An indicator's value, its reference range and ``scale`` (value units; see
    ``IndicatorRef.scale``), measurement tolerance and notes. ``z_factor`` turns the value into
    the quantity compared in z-scores (e.g. contact time x speed / leg = contact length).
    ``specific`` False: a bad value points nowhere."""

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
    r = ref.indicators[name]
    rng = r.range_for(ctx.phase)
    if r.weight == 0:
        return Measured(float("nan"), unusable="switched off (weight 0 in the reference)")
    if rng is None:
        return Measured(float("nan"), unusable=f"no reference range for the {ctx.phase} phase")
    gates = ref.gates
    if name in TIMED and not (ctx.fps >= gates.min_fps_timing):
        return Measured(float("nan"), unusable=(
            f"{fmt(ctx.fps, 0)} fps cannot time a ~0.1 s ground contact (each event known to "
            f"+/-{fmt(500 * ctx.frame_s, 0)} ms); needs {gates.min_fps_timing:.0f}+ fps"))
    m = MEASURES[name](_Job(ctx, ref, r, rng))
    if m.unusable is not None:
        return m
    scale = r.scale
    if scale is None:
        scale = m.high - m.low
    elif name in ("contact_time_for_speed", "step_frequency"):
        scale = scale / m.z_factor  # in the same units as the range
    return dataclasses.replace(m, scale=scale)


@dataclass(frozen=True)
class _Job:
    """One indicator to measure: the run, the reference, its entry and its range."""

    ctx: Context
    ref: Reference
    r: IndicatorRef
    rng: tuple[float, float]

    @property
    def low(self) -> float:
        return self.rng[0]

    @property
    def high(self) -> float:
        return self.rng[1]

    def stat(self, col: str) -> tuple[float, float, int, str | None]:
        """(value, IQR, n, why unusable or None) of a summarised step column."""
        med, iqr, n = self.ctx.stat(col)
        need = self.ref.gates.min_values_per_metric
        if n < need or not math.isfinite(med):
            return med, iqr, n, f"{col} not measured on enough steps ({n} value(s); needs {need})"
        return med, iqr, n, None

    def timing_tol(self, iqr: float, n: int) -> float:
        frame = self.ctx.frame_s if math.isfinite(self.ctx.frame_s) else 0.0
        return math.hypot(self.ref.scoring.timing_tolerance_frames * frame, _se(iqr, n))


def _timed(col: str) -> Callable[[_Job], Measured]:
    """A time measured from events: tolerance of the frame timing and of the median."""
    def run(job: _Job) -> Measured:
        med, iqr, n, bad = job.stat(col)
        if bad:
            return Measured(med, job.low, job.high, unusable=bad)
        return Measured(med, job.low, job.high, job.timing_tol(iqr, n))
    return run


def _angle(col: str) -> Callable[[_Job], Measured]:
    def run(job: _Job) -> Measured:
        med, iqr, n, bad = job.stat(col)
        if bad:
            return Measured(med, job.low, job.high, unusable=bad)
        tol = math.hypot(job.ref.scoring.angle_tolerance_deg, _se(iqr, n))
        return Measured(med, job.low, job.high, tol)
    return run


def _knee_height(job: _Job) -> Measured:
    med, iqr, n, bad = job.stat("peak_knee_height_leg")
    if bad:
        return Measured(med, job.low, job.high, unusable=bad)
    tol = math.hypot(job.ref.scoring.knee_height_tolerance_leg, _se(iqr, n))
    return Measured(med, job.low, job.high, tol)


def _thigh_speed(job: _Job) -> Measured:
    med, iqr, n, bad = job.stat("max_thigh_angular_velocity_deg_s")
    if bad:
        return Measured(med, job.low, job.high, unusable=bad)
    rel = job.ref.scoring.angular_velocity_tolerance_rel * max(1.0, 120.0 / job.ctx.fps)
    return Measured(med, job.low, job.high, math.hypot(rel * abs(med), _se(iqr, n)))


def _separation(job: _Job) -> Measured:
    """Thigh separation at touchdown. The swing leg left the ground one flight time before this
    touchdown, so after a short flight it is further behind whatever its re-cycling speed: a
    trailing swing thigh then says nothing specific about re-cycling."""
    m = _angle("thigh_separation_td_deg")(job)
    if m.unusable:
        return m
    flight, _, n = job.ctx.stat("flight_time_s")
    rng = job.ref.indicators["flight_time"].range_for(job.ctx.phase)
    if rng is not None and n and math.isfinite(flight) and flight < rng[0]:
        return dataclasses.replace(m, specific=False, note=(
            f"flight {flight:.3f} s is short (below {rng[0]:.3f} s): a trailing swing thigh at "
            "touchdown is then expected and not counted as re-cycling evidence"))
    return m


def _contact_and_step(job: _Job) -> tuple[float, float, float, str | None]:
    """(contact time, its tolerance, step time, why unusable or None)."""
    c, c_iqr, c_n, bad = job.stat("contact_time_s")
    s, _, _, bad_s = job.stat("step_time_s")
    if bad or bad_s or not c > 0:
        return c, 0.0, s, bad or bad_s or "no contact time"
    return c, job.timing_tol(c_iqr, c_n), s, None


def _duty_factor(job: _Job) -> Measured:
    c, c_tol, s, bad = _contact_and_step(job)
    if bad:
        return Measured(float("nan"), job.low, job.high, unusable=bad)
    df = c / (2 * s)
    return Measured(df, job.low, job.high, df * c_tol / c,
                    note=f"contact {c:.3f} s / (2 x step time {s:.3f} s)")


def _vertical_force(job: _Job) -> Measured:
    c, c_tol, s, bad = _contact_and_step(job)
    if bad:
        return Measured(float("nan"), job.low, job.high, unusable=bad)
    f = s / c
    return Measured(f, job.low, job.high, f * c_tol / c, note=(
        f"step time {s:.3f} s / contact time {c:.3f} s (Weyand 2000: the contact must "
        "carry body weight for the whole step)"
        + ("; approximate while accelerating" if job.ctx.phase == "acceleration" else "")))


def _contact_for_speed(job: _Job) -> Measured:
    """Contact time judged against the speed: ranges are contact lengths in leg lengths."""
    c, c_tol, _, bad = _contact_and_step(job)
    if bad:
        return Measured(float("nan"), job.low, job.high, unusable=bad)
    ctx = job.ctx
    if ctx.units != "m":
        return Measured(c, unusable="lengths are in leg lengths (no scale calibration): the "
                                    "speed-based reference is skipped")
    v, leg = ctx.speed_m_s, ctx.leg_length_m
    if not (math.isfinite(v) and v > 0 and math.isfinite(leg) and leg > 0):
        return Measured(c, unusable="running speed or leg length not measured")
    return Measured(c, job.low * leg / v, job.high * leg / v, c_tol, z_factor=v / leg, note=(
        f"contact length {c * v:.2f} m = {c * v / leg:.2f} leg lengths at {v:.1f} m/s "
        f"(reference {job.low:.2f}-{job.high:.2f} leg lengths)"))


def _step_frequency(job: _Job) -> Measured:
    """Step frequency for the step length and the athlete's height: a low frequency points to
    re-cycling only when the steps are not short as well."""
    ctx, r = job.ctx, job.r
    f, _, _, bad = job.stat("step_frequency_hz")
    s, s_iqr, s_n, bad_s = job.stat("step_time_s")
    sl, _, _, bad_l = job.stat("step_length_m" if ctx.units == "m" else "step_length_leg")
    if bad or bad_s:
        return Measured(f, job.low, job.high, unusable=bad or bad_s)
    h_ref = r.extra.get("reference_height_m", DEFAULT_HEIGHT_M)
    tol = f * job.timing_tol(s_iqr, s_n) / s if s > 0 else 0.0
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
        specific = False
        note += "; step length unknown, so a low frequency is not attributed to re-cycling"
    else:
        note += f"; step length {sl_h:.2f} x height"
        if sl_rng is not None:
            note += f" (reference {sl_rng[0]:.2f}-{sl_rng[1]:.2f})"
            if sl_h < sl_rng[0]:
                specific = False
                note += (": steps are short as well, so a low frequency is not specific "
                         "to re-cycling")
    return Measured(f, job.low * k, job.high * k, tol, z_factor=1.0 / k, note=note,
                    specific=specific)


#: How each indicator is measured (one small function each).
MEASURES: dict[str, Callable[[_Job], Measured]] = {
    "contact_time": _timed("contact_time_s"),
    "contact_time_for_speed": _contact_for_speed,
    "duty_factor": _duty_factor,
    "vertical_force_bw": _vertical_force,
    "flight_time": _timed("flight_time_s"),
    "recovery_time": _timed("recovery_time_s"),
    "swing_time": _timed("swing_time_s"),
    "peak_thigh_flexion": _angle("peak_thigh_flexion_deg"),
    "peak_knee_height": _knee_height,
    "max_thigh_angular_velocity": _thigh_speed,
    "thigh_separation_td": _separation,
    "step_frequency": _step_frequency,
}
