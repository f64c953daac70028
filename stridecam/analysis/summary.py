"""Run summary from the steps table (pure numpy/scipy): a ``model.result.RunSummary``.

Medians and spread of every per-step metric, left/right asymmetry, top speed, the phase of the
run (acceleration or max velocity, with a fitted v(t) = v_max (1 - exp(-(t - t0) / tau)) when
accelerating), and what the frame rate can resolve.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
from scipy.optimize import OptimizeWarning, curve_fit
from scipy.stats import theilslopes

from stridecam.model.columns import ASYMMETRY, LENGTH_PAIRS, SUMMARISED
from stridecam.model.result import (
    Asymmetry,
    AsymmetryStat,
    Metrics,
    MetricStat,
    RunSummary,
    VelocityFit,
)
from stridecam.model.settings import SummarySettings


def asymmetry_pct(left: float, right: float) -> float:
    """100 * (left - right) / mean(left, right); NaN when either is missing or the mean is 0."""
    mean = (left + right) / 2
    if not (np.isfinite(left) and np.isfinite(right)) or mean == 0:
        return float("nan")
    return float(100.0 * (left - right) / mean)


def longest_chain(steps: pd.DataFrame, tol_s: float = 1e-6) -> np.ndarray:
    """Row positions of the longest run of consecutive steps: each step's next touchdown is the
    following step's touchdown (no contact missed between them)."""
    if not len(steps):
        return np.zeros(0, dtype=int)
    td = steps["touchdown_time_s"].to_numpy(float)
    nxt = steps["next_touchdown_time_s"].to_numpy(float)
    joined = np.abs(nxt[:-1] - td[1:]) <= tol_s
    best, start = (0, 1), 0
    for i, ok in enumerate(np.r_[joined, False]):
        if not ok:
            if i + 1 - start > best[1] - best[0]:
                best = (start, i + 1)
            start = i + 1
    return np.arange(*best)


def run_values(steps: pd.DataFrame, min_steps: int = 3) -> dict[str, tuple[float, float]]:
    """Run values over the longest chain of consecutive steps: step time = chain duration /
    steps, cadence = 60 x steps / duration (steps/min), step frequency =
    steps / duration (Hz), step length = distance travelled / steps, speed = distance /
    duration. Touchdown and hip errors inside the chain cancel (each touchdown ends one step and
    starts the next), so these are more precise than the per-step medians; only the chain's two
    end touchdowns count. Each value comes with its 1-sigma uncertainty from those two
    touchdowns: ``{column: (value, uncertainty)}``. Empty with fewer than ``min_steps`` chained
    steps."""
    chain = longest_chain(steps)
    if len(chain) < min_steps:
        return {}
    part = steps.iloc[chain]
    duration = float(part["next_touchdown_time_s"].iloc[-1] - part["touchdown_time_s"].iloc[0])
    if not duration > 0:
        return {}
    n = len(part)
    # the chain's duration is known as well as one step time (its two end touchdowns), its
    # distance as well as one step length
    dur_unc = _typical(part, "step_time_unc_s")
    out = {"step_time_s": (duration / n, dur_unc / n),
           "cadence_spm": (60.0 * n / duration, 60.0 * n * dur_unc / duration ** 2),
           "step_frequency_hz": (n / duration, n * dur_unc / duration ** 2)}
    for k in range(2):  # metres, leg lengths
        col, speed_col = LENGTH_PAIRS["step_length"][k], LENGTH_PAIRS["speed"][k]
        length = part[col].to_numpy(float) if col in part else np.zeros(0)
        if length.size and np.isfinite(length).all():
            distance = float(length.sum())
            dist_unc = _typical(part, LENGTH_PAIRS["step_length_unc"][k])
            out[col] = (distance / n, dist_unc / n)
            out[speed_col] = (distance / duration,
                              distance / duration * float(np.hypot(dist_unc / distance,
                                                                   dur_unc / duration)))
    return out


def _typical(steps: pd.DataFrame, column: str) -> float:
    """Median of a column (NaN when absent or empty)."""
    if column not in steps:
        return float("nan")
    v = steps[column].to_numpy(float)
    v = v[np.isfinite(v)]
    return float(np.median(v)) if v.size else float("nan")


def median_se(values: np.ndarray, measurement_unc: float = float("nan")) -> float:
    """Standard error of the median of ``values`` (1.2533 x SD / sqrt(n), the SD from the IQR
    and never below the values' own measurement uncertainty); NaN from fewer than 3 values
    without a measurement uncertainty (their spread says nothing yet)."""
    values = values[np.isfinite(values)]
    if values.size < 3:
        return float(measurement_unc) if values.size and np.isfinite(measurement_unc) \
            else float("nan")
    q1, q3 = np.percentile(values, [25, 75])
    sd = float((q3 - q1) / 1.349)
    if np.isfinite(measurement_unc):
        sd = max(sd, float(measurement_unc))
    return 1.2533 * sd / float(np.sqrt(values.size))


#: Per-step uncertainty column of each summarised column that has one.
UNCERTAINTY_OF = {"contact_time_s": "contact_time_unc_s", "flight_time_s": "flight_time_unc_s",
                  "step_time_s": "step_time_unc_s", "cadence_spm": "cadence_unc_spm",
                  "step_length_m": "step_length_unc_m", "speed_m_s": "speed_unc_m_s",
                  "step_length_leg": "step_length_unc_leg", "speed_leg_s": "speed_unc_leg_s"}


def _velocity_model(t, v_max, tau, t0):
    return v_max * (1.0 - np.exp(-np.clip(t - t0, 0, None) / tau))


def fit_velocity_curve(t: np.ndarray, v: np.ndarray) -> VelocityFit | None:
    """Fit v(t) = v_max (1 - exp(-(t - t0)/tau)) to per-step speeds; None if it does not fit."""
    ok = np.isfinite(t) & np.isfinite(v)
    t, v = t[ok], v[ok]
    if len(t) < 4:
        return None
    p0 = (float(v.max()) * 1.1, 1.0, float(t.min()) - 0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OptimizeWarning)
        try:
            (v_max, tau, t0), _ = curve_fit(_velocity_model, t, v, p0=p0, maxfev=5000,
                                            bounds=([0, 0.05, t.min() - 10], [100, 20, t.min()]))
        except (RuntimeError, ValueError):
            return None
    resid = v - _velocity_model(t, v_max, tau, t0)
    return VelocityFit(v_max_leg_s=float(v_max), tau_s=float(tau), t0_s=float(t0),
                       rms_residual_leg_s=float(np.sqrt(np.mean(resid ** 2))))


def metric_stats(steps: pd.DataFrame, min_chain_steps: int = 3) -> Metrics:
    """Median, IQR and count of every summarised column, and the run values (``run_values``)."""
    runs = run_values(steps, min_chain_steps)
    stats = {}
    for col in SUMMARISED:
        vals = steps[col].to_numpy(float) if col in steps else np.zeros(0)
        vals = vals[np.isfinite(vals)]
        run, run_unc = runs.get(col, (float("nan"), float("nan")))
        if vals.size:
            q1, med, q3 = np.percentile(vals, [25, 50, 75])
            se = median_se(vals, _typical(steps, UNCERTAINTY_OF.get(col, "")))
            stats[col] = MetricStat(median=float(med), iqr=float(q3 - q1), n=int(vals.size),
                                    run=run, uncertainty=run_unc if np.isfinite(run) else se)
        else:
            stats[col] = MetricStat(run=run, uncertainty=run_unc)
    return Metrics(**stats)


#: Fewest values per leg for a left/right difference to be judged against its uncertainty.
MIN_PER_LEG = 4


def asymmetry(steps: pd.DataFrame) -> Asymmetry:
    """Left/right asymmetry (``asymmetry_pct``) of the medians of each compared column, with its
    uncertainty from each side's standard error of the median (``median_se``); the uncertainty
    is NaN (no finding either way) with fewer than ``MIN_PER_LEG`` values on a leg."""
    out = {}
    for col in ASYMMETRY:
        med, se = {}, {}
        for f in ("left", "right"):
            rows = steps[steps["foot"] == f] if len(steps) else steps
            v = rows[col].to_numpy(float) if col in rows else np.zeros(0)
            v = v[np.isfinite(v)]
            med[f] = float(np.median(v)) if v.size else float("nan")
            se[f] = median_se(v, _typical(rows, UNCERTAINTY_OF.get(col, ""))) \
                if v.size >= MIN_PER_LEG else float("nan")
        pct = asymmetry_pct(med["left"], med["right"])
        mean = (med["left"] + med["right"]) / 2
        unc = 100.0 * float(np.hypot(se["left"], se["right"])) / abs(mean) if mean else np.nan
        out[col] = AsymmetryStat(pct=pct, unc_pct=unc if np.isfinite(pct) else float("nan"))
    return Asymmetry(**out)


def summarise(steps: pd.DataFrame, *, fps: float, leg_length: float, units: str,
              settings: SummarySettings = SummarySettings(),
              from_blocks: bool = False, scale_rel_unc: float = 0.0) -> RunSummary:
    """The run summary of a steps table. ``units`` is "m" or "leg" (lengths' unit),
    ``leg_length`` the athlete's leg in those units, ``fps`` the distinct-frame rate;
    ``from_blocks``: the clip shows the start, so its steps are an acceleration;
    ``scale_rel_unc``: the scale's relative 1-sigma uncertainty, added to the uncertainty of
    the run's lengths and speed (it is common to every step, so the per-step values leave it
    out)."""
    speed = steps["speed_leg_s"].to_numpy(float) if len(steps) else np.zeros(0)
    t_mid = ((steps["touchdown_time_s"] + steps["next_touchdown_time_s"]) / 2).to_numpy(float) \
        if len(steps) else np.zeros(0)
    ok = np.isfinite(speed)
    phase, accel, accel_low = "unknown", float("nan"), float("nan")  # leg lengths / s^2
    if ok.sum() >= 3 and np.ptp(t_mid[ok]) > 0:
        # Theil-Sen slope of the step speeds: one bad step (a missed contact, a tracker glitch)
        # cannot tip it. The run is an acceleration only when even the low end of the slope's
        # 95% interval is above the threshold: noisy constant-speed runs (a panning camera)
        # showed slopes up to 1.1 m/s^2 but low ends below 0.35; real accelerations 1.1+.
        accel, _, accel_low, _ = (float(v) for v in theilslopes(speed[ok], t_mid[ok]))
        phase = "acceleration" if accel_low > settings.accel_threshold_leg_s2 else "max_velocity"
    if from_blocks and len(steps):
        phase = "acceleration"  # the first steps out of the blocks, whatever their noise
    fit = fit_velocity_curve(t_mid, speed) if phase == "acceleration" else None
    metrics = metric_stats(steps, settings.min_chain_steps)
    steady = metrics.speed_leg_s.run if phase == "max_velocity" else float("nan")
    top = top_speed(steps, fit, settings.top_speed_steps, steady)  # leg lengths / s
    metre = leg_length if units == "m" else float("nan")  # metres per leg length
    return RunSummary(
        n_steps=int(len(steps)), length_units=units, effective_fps=float(fps),
        timing_resolution_ms=float(1000.0 / fps) if fps > 0 else float("nan"),
        metrics=_with_scale(metrics, scale_rel_unc),
        asymmetry_pct=asymmetry(steps), top_speed_m_s=top * metre, top_speed_leg_s=top,
        phase=phase, mean_acceleration_m_s2=accel * metre, mean_acceleration_leg_s2=accel,
        mean_acceleration_low95_leg_s2=accel_low, velocity_fit=fit)


def _with_scale(metrics: Metrics, rel: float) -> Metrics:
    """``metrics`` with the scale's relative uncertainty added to the lengths and speed."""
    if not rel > 0:
        return metrics
    changes = {}
    for col in ("step_length_m", "stride_length_m", "speed_m_s", "step_length_leg",
                "stride_length_leg", "speed_leg_s"):
        m = metrics.of(col)
        changes[col] = dataclasses.replace(m, uncertainty=float(np.hypot(m.uncertainty,
                                                                          rel * m.value)))
    return dataclasses.replace(metrics, **changes)


def top_speed(steps: pd.DataFrame, fit: VelocityFit | None, k: int = 2,
              steady: float = float("nan")) -> float:
    """The highest speed of the run (leg lengths per second), never from one step alone:
    with a fitted acceleration curve, its value at the middle of the last step; at a steady
    speed (``steady``: the run value over the consecutive steps of a run whose speed did not
    measurably change) that speed; otherwise the highest mean speed over ``k`` consecutive
    steps (distance / time; a touchdown timed late shortens one step and lengthens the next,
    which cancels, and so does the near/far foot's parallax). NaN without ``k`` consecutive
    steps."""
    if not len(steps):
        return float("nan")
    if fit is not None:
        t_last = float((steps["touchdown_time_s"].iloc[-1]
                        + steps["next_touchdown_time_s"].iloc[-1]) / 2)
        return float(_velocity_model(t_last, fit.v_max_leg_s, fit.tau_s, fit.t0_s))
    if np.isfinite(steady):
        return float(steady)
    td = steps["touchdown_time_s"].to_numpy(float)
    nxt = steps["next_touchdown_time_s"].to_numpy(float)
    length = steps["step_length_leg"].to_numpy(float)
    best = float("nan")
    for i in range(len(steps) - k + 1):
        j = slice(i, i + k)
        if np.allclose(nxt[i:i + k - 1], td[i + 1:i + k]) and np.isfinite(length[j]).all():
            v = float(length[j].sum() / (nxt[i + k - 1] - td[i]))
            best = v if not best >= v else best
    return best
