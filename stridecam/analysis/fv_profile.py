"""Horizontal force-velocity profile of an acceleration (pure numpy): ``model.fv.FVProfile``.

Samozino et al. (2016)'s macroscopic model. The run summary fits the step speeds with
v(t) = v_max (1 - exp(-(t - t0) / tau)) (``summary.fit_velocity_curve``; MySprint and the
timing-gate methods get the same curve from split times, here the step speeds give v(t)
directly). With t' = t - t0 the time since the start (s), per kg of body mass m:

- a(t') = (v_max / tau) exp(-t' / tau) (m/s^2), the horizontal acceleration of the body;
- F_aero(t') / m = (k / m) v(t')^2 (N/kg), air resistance without wind, k = 0.5 rho A_f C_d
  (kg/m): rho = 1.293 (P / 760) (273 / (273 + T)) kg/m^3 (P in mmHg, T in deg C), the frontal
  area A_f = 0.266 x 0.2025 h^0.725 m^0.425 m^2 (Du Bois body surface area, 26.6% of it facing
  forward: Arsac & Locatelli 2002), C_d = 0.9 (van Ingen Schenau et al. 1991); standard
  conditions here: 760 mmHg, 20 deg C, no wind;
- F_H / m = a + F_aero / m (N/kg), the net horizontal ground force;
- F0 and V0: intercepts of the least-squares line of F_H against v over the first
  ``MODEL_SPAN_S`` after the start (the curve sampled every ``MODEL_STEP_S``; Samozino 2016),
  S_FV = -F0 / V0 its slope, P_max = F0 V0 / 4 (W/kg);
- RF = F_H / sqrt(F_H^2 + (m g)^2) (the ratio of horizontal to resultant force, the vertical
  force averaged over a step being body weight), RF_max its highest value after
  ``RF_FROM_S`` (0.3 s, as Samozino 2016), D_RF the slope of RF (%) against v (m/s) after it.

Without a body mass the profile is per kg (N/kg, W/kg; the absolute values NaN): the air
resistance per kg then uses a nominal mass from the height (``NOMINAL_BMI``), which moves the
per-kg values by well under 1% for +-20% of mass. The height is the athlete's (``--height-m``)
or, with another scale, the leg length / 0.491.

When to trust it (``COVERAGE``): F0 is the force-velocity line extrapolated to v = 0 and V0 to
zero force, so the clip must show the acceleration from low speed to near v_max: the fitted
speed at the clip's first step at most ``COVERAGE[0]`` of v_max and at its last step at least
``COVERAGE[1]``; measured on simulated accelerations in ``tools/fv_profile_error.py``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from stridecam.model.fv import FVProfile
from stridecam.model.result import Athlete, RunSummary, VelocityFit
from stridecam.model.track import LEG_FRACTION_OF_HEIGHT, Scale

G_M_S2 = 9.81
#: Air density at 0 deg C and 760 mmHg (kg/m^3), and the standard conditions used.
RHO0_KG_M3 = 1.293
PRESSURE_MMHG = 760.0
AIR_TEMPERATURE_C = 20.0
#: Drag coefficient of a running human (van Ingen Schenau et al. 1991) and the share of the
#: body surface area facing forward (Arsac & Locatelli 2002), as Samozino et al. 2016.
DRAG_COEFFICIENT = 0.9
FRONTAL_FRACTION = 0.266
#: Body mass index (kg/m^2) of the nominal mass used for the frontal area when no mass is given.
NOMINAL_BMI = 22.5
#: The model curve: seconds after the start it spans, and its sampling step (s).
MODEL_SPAN_S = 6.0
MODEL_STEP_S = 0.01
#: RF_max and D_RF are taken after this time since the start (s).
RF_FROM_S = 0.3
#: The clip's first step at most this fraction of v_max, its last at least this fraction.
COVERAGE = (0.6, 0.85)
#: Fewest step speeds for a profile.
MIN_STEPS = 5


def drag_k(mass_kg: float, height_m: float, pressure_mmhg: float = PRESSURE_MMHG,
           temperature_c: float = AIR_TEMPERATURE_C) -> float:
    """k (kg/m) of the air resistance k v^2 (N, v in m/s) of a runner of ``mass_kg`` and
    ``height_m`` (see the module docstring)."""
    rho = RHO0_KG_M3 * (pressure_mmhg / 760.0) * (273.0 / (273.0 + temperature_c))
    area = FRONTAL_FRACTION * 0.2025 * height_m ** 0.725 * mass_kg ** 0.425
    return 0.5 * rho * area * DRAG_COEFFICIENT


def samozino(v_max_m_s: float, tau_s: float, k_per_kg: float) -> dict[str, float]:
    """The per-kg profile of v(t') = v_max (1 - exp(-t'/tau)) with air resistance
    ``k_per_kg`` (1/m): ``f0_n_kg``, ``v0_m_s``, ``pmax_w_kg``, ``sfv_n_s_m_kg``,
    ``rf_max_pct``, ``drf_pct_s_m`` (module docstring)."""
    t = np.arange(0.0, MODEL_SPAN_S + MODEL_STEP_S / 2, MODEL_STEP_S)
    e = np.exp(-t / tau_s)
    v = v_max_m_s * (1.0 - e)
    f = v_max_m_s / tau_s * e + k_per_kg * v ** 2  # N/kg
    slope, f0 = np.polyfit(v, f, 1)
    v0 = -f0 / slope
    rf = 100.0 * f / np.hypot(f, G_M_S2)
    late = t > RF_FROM_S
    drf = np.polyfit(v[late], rf[late], 1)[0]
    return {"f0_n_kg": float(f0), "v0_m_s": float(v0), "pmax_w_kg": float(f0 * v0 / 4.0),
            "sfv_n_s_m_kg": float(slope), "rf_max_pct": float(rf[late].max()),
            "drf_pct_s_m": float(drf)}


def _speeds(steps: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Mid-step times (s) and step speeds (leg lengths/s), as the summary's fit uses them."""
    if not len(steps):
        return np.zeros(0), np.zeros(0)
    t = ((steps["touchdown_time_s"] + steps["next_touchdown_time_s"]) / 2).to_numpy(float)
    v = steps["speed_leg_s"].to_numpy(float)
    ok = np.isfinite(t) & np.isfinite(v)
    return t[ok], v[ok]


def _curve(fit: VelocityFit, t: np.ndarray) -> np.ndarray:
    return fit.v_max_leg_s * (1.0 - np.exp(-np.clip(t - fit.t0_s, 0, None) / fit.tau_s))


def fit_covariance(fit: VelocityFit, t: np.ndarray, v: np.ndarray) -> np.ndarray:
    """2x2 covariance of (v_max (leg lengths/s), tau (s)) of ``fit`` to the speeds ``v`` at
    times ``t`` (s): s^2 (J^T J)^-1 at the fit, s^2 the residual variance; t0 is left out of J
    when the fit holds it at its bound (the first step). NaN without enough degrees of
    freedom."""
    nan = np.full((2, 2), np.nan)
    dt = np.clip(t - fit.t0_s, 0, None)
    e = np.exp(-dt / fit.tau_s)
    cols = [1.0 - e, -fit.v_max_leg_s * e * dt / fit.tau_s ** 2]
    if fit.t0_s < t.min() - 1e-6:
        cols.append(-fit.v_max_leg_s * e / fit.tau_s)
    jac = np.stack(cols, axis=1)
    dof = len(t) - jac.shape[1]
    if dof < 1:
        return nan
    s2 = float(np.sum((v - _curve(fit, t)) ** 2)) / dof
    try:
        cov = s2 * np.linalg.inv(jac.T @ jac)
    except np.linalg.LinAlgError:
        return nan
    return cov[:2, :2]


def fv_profile(summary: RunSummary, steps: pd.DataFrame, scale: Scale, athlete: Athlete, *,
               coverage: tuple[float, float] = COVERAGE, min_steps: int = MIN_STEPS
               ) -> FVProfile:
    """The run's horizontal force-velocity profile from its fitted v(t) (``summary``), its
    steps table (speeds in leg lengths/s), ``scale`` (metres per leg length) and ``athlete``
    (height, mass), with a plain ``note`` when it cannot be made (``FVProfile.status``)."""
    fit = summary.velocity_fit
    mass = athlete.mass_kg
    t, v = _speeds(steps)
    if fit is None:
        status, why = (
            ("not_acceleration", "the clip is not an acceleration")
            if summary.phase != "acceleration" else
            ("too_little_of_the_run", f"the clip holds {len(t)} step speeds of the acceleration, "
             f"too few to fit v(t) (it needs {min_steps})") if len(t) < min_steps else
            ("no_fit", "the step speeds do not fit v(t) = v_max (1 - exp(-t/tau))"))
        return FVProfile(status, f"No force-velocity profile: {why}.", mass_kg=mass)
    first, last = (_curve(fit, t[[0, -1]]) / fit.v_max_leg_s) if len(t) else (np.nan, np.nan)
    base = FVProfile("no_fit", "", v_first_frac=float(first), v_last_frac=float(last),
                     mass_kg=mass)
    if scale.units != "m":
        return _replace(base, status="no_scale",
                        note="No force-velocity profile: speeds are in leg lengths; give "
                             "--height-m (or another scale) for forces in N/kg.")
    lo, hi = coverage
    if len(t) < min_steps or not (first <= lo and last >= hi):
        return _replace(base, status="too_little_of_the_run", note=(
            f"No force-velocity profile: the clip covers too little of the acceleration (speed "
            f"{100 * first:.0f}% to {100 * last:.0f}% of the fitted maximum over {len(t)} "
            f"steps; it needs {min_steps} steps from at most {100 * lo:.0f}% to at least "
            f"{100 * hi:.0f}%: film from nearer the start to nearer top speed)."))
    metre = scale.leg_length  # metres per leg length
    height = athlete.height_m or metre / LEG_FRACTION_OF_HEIGHT
    drag_mass = mass if mass is not None else NOMINAL_BMI * height ** 2
    k_kg = drag_k(drag_mass, height) / drag_mass
    v_max, tau = fit.v_max_leg_s * metre, fit.tau_s
    p = samozino(v_max, tau, k_kg)
    unc = _uncertainties(p, v_max, tau, k_kg, fit_covariance(fit, t, v) * [[metre ** 2, metre],
                                                                            [metre, 1.0]],
                         scale.rel_uncertainty)
    m = mass if mass is not None else math.nan
    return FVProfile(
        "ok", (f"Force-velocity profile from the fitted v(t) over {len(t)} steps "
               f"({100 * first:.0f}% to {100 * last:.0f}% of v_max)"
               + ("." if mass is not None else "; per kg (no --mass-kg given).")),
        v_first_frac=float(first), v_last_frac=float(last), mass_kg=mass, height_m=height,
        drag_mass_kg=drag_mass, v_max_m_s=v_max, tau_s=tau, f0_n_kg=p["f0_n_kg"],
        f0_n=p["f0_n_kg"] * m, v0_m_s=p["v0_m_s"], pmax_w_kg=p["pmax_w_kg"],
        pmax_w=p["pmax_w_kg"] * m, sfv_n_s_m_kg=p["sfv_n_s_m_kg"],
        sfv_n_s_m=p["sfv_n_s_m_kg"] * m, rf_max_pct=p["rf_max_pct"],
        drf_pct_s_m=p["drf_pct_s_m"], f0_unc_n_kg=unc["f0_n_kg"], v0_unc_m_s=unc["v0_m_s"],
        pmax_unc_w_kg=unc["pmax_w_kg"])


def _uncertainties(p: dict[str, float], v_max: float, tau: float, k_kg: float,
                   cov: np.ndarray, scale_rel: float) -> dict[str, float]:
    """1-sigma uncertainties of ``p``'s values from the covariance of (v_max (m/s), tau (s))
    (numerical derivatives) and the scale's relative uncertainty (F0 and V0 scale with it,
    P_max with its square)."""
    steps = (1e-4 * v_max, 1e-4 * tau)
    jac: dict[str, list[float]] = {}
    for i, h in enumerate(steps):
        up = samozino(v_max + h * (i == 0), tau + h * (i == 1), k_kg)
        down = samozino(v_max - h * (i == 0), tau - h * (i == 1), k_kg)
        for key in ("f0_n_kg", "v0_m_s", "pmax_w_kg"):
            jac.setdefault(key, [0.0, 0.0])[i] = (up[key] - down[key]) / (2 * h)
    out = {}
    power = {"f0_n_kg": 1, "v0_m_s": 1, "pmax_w_kg": 2}
    for key, g in jac.items():
        g_arr = np.asarray(g)
        fit_var = float(g_arr @ cov @ g_arr)
        scale_sd = power[key] * (scale_rel if scale_rel > 0 else 0.0) * abs(p[key])
        out[key] = float(np.sqrt(fit_var + scale_sd ** 2)) if fit_var >= 0 else math.nan
    return out


def _replace(profile: FVProfile, **changes: object) -> FVProfile:
    import dataclasses

    return dataclasses.replace(profile, **changes)  # type: ignore[arg-type]
