"""Per-step coaching kinematics and the honesty of per-step uncertainties: the ``kinematics``
section.

Simulated athletes projected to pixels (no video) go through the whole analysis; every detected
step is matched to its true step (touchdown within max(50 ms, 1.5 frames)). For each step:

- the error of each coaching value (touchdown distance, shin and knee angle at touchdown, both
  thighs at toe-off, heel recovery height) against the simulator's truth by the same definitions
  (``stridecam.simulate.truth``);
- whether each per-step value lies within twice its own stated 1-sigma uncertainty of the truth
  (``*_unc_*`` columns). For honest Gaussian uncertainties that is ~95% of steps; much less means
  the report would call noise a finding, much more that it hides real differences.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from stridecam.analysis.run import analyse_poses
from stridecam.model.settings import Calibration
from stridecam.simulate import Degradations, simulate, to_poses
from stridecam.simulate.presets import PRESETS
from validation.common import PAN_PRESETS, STILL

CONDITIONS = {"exact": Degradations(), "jitter 1.5 px": Degradations(jitter_px=1.5)}
FPS_USED = (60, 120, 240)

#: coaching value -> (unit shown, factor from the column's unit)
COACHING = {"touchdown_distance_m": ("cm", 100.0), "shin_angle_td_deg": ("deg", 1.0),
            "knee_angle_td_deg": ("deg", 1.0), "thigh_front_to_deg": ("deg", 1.0),
            "thigh_back_to_deg": ("deg", 1.0), "heel_recovery_leg": ("leg", 1.0)}
#: per-step value -> its 1-sigma uncertainty column
UNCERTAIN = {"contact_time_s": "contact_time_unc_s", "flight_time_s": "flight_time_unc_s",
             "step_time_s": "step_time_unc_s", "cadence_spm": "cadence_unc_spm",
             "step_length_m": "step_length_unc_m", "speed_m_s": "speed_unc_m_s"}


def matched_steps(truth: pd.DataFrame, steps: pd.DataFrame, tol_s: float) -> pd.DataFrame:
    """Detected steps beside their true step (columns ``<name>`` and ``<name>_true``)."""
    true_td = truth["touchdown_time_s"].to_numpy(float)
    rows = []
    for _, s in steps.iterrows():
        if not len(true_td):
            break
        j = int(np.argmin(np.abs(true_td - s["touchdown_time_s"])))
        if abs(true_td[j] - s["touchdown_time_s"]) <= tol_s:
            row = s.to_dict()
            row.update({f"{k}_true": v for k, v in truth.iloc[j].to_dict().items()})
            rows.append(row)
    return pd.DataFrame(rows)


def _pooled(presets, condition: Degradations, fps: int, seeds) -> pd.DataFrame:
    parts = []
    for name in presets:
        pr = STILL[name] if name in STILL else PRESETS[name]
        for seed in seeds:
            run = simulate(pr.athlete, dataclasses.replace(pr.camera, fps=fps),
                           duration_s=pr.duration_s, seed=seed)
            poses = to_poses(run, condition, seed=seed + 10)
            result = analyse_poses(poses, Calibration(height_m=pr.athlete.height_m))
            parts.append(matched_steps(run.steps, result.steps, max(0.05, 1.5 / fps)))
    return pd.concat([p for p in parts if len(p)], ignore_index=True)


def _mae(m: pd.DataFrame, col: str, factor: float) -> str:
    if col not in m or f"{col}_true" not in m:
        return "n/a"
    err = (m[col].astype(float) - m[f"{col}_true"].astype(float)).abs().dropna() * factor
    return f"{err.mean():.2f}" if len(err) else "n/a"


def _coverage(m: pd.DataFrame, col: str, unc: str) -> str:
    if col not in m or unc not in m:
        return "n/a"
    err = (m[col].astype(float) - m[f"{col}_true"].astype(float)).abs()
    u = m[unc].astype(float)
    ok = err.notna() & u.notna()
    if not ok.any():
        return "n/a"
    return f"{100 * float(np.mean(err[ok] <= 2 * u[ok])):.0f}% of {int(ok.sum())}"


def section_kinematics(quick: bool) -> str:
    cameras = {"pan": PAN_PRESETS[:3] if quick else PAN_PRESETS, "still": tuple(STILL)}
    seeds = (1,) if quick else (1, 2)
    head_k = " | ".join(f"{c} MAE {u}" for c, (u, _) in COACHING.items())
    head_u = " | ".join(UNCERTAIN)
    lines = [
        "Simulated athletes (panning camera: " + ", ".join(f"`{p}`" for p in cameras["pan"])
        + "; fixed camera: " + ", ".join(f"`{p}`" for p in cameras["still"]) + f"; seeds "
        f"{', '.join(map(str, seeds))}) projected to pixels with no video, analysed with height "
        "calibration; each detected step matched to its true step. Coaching values: mean "
        "absolute error per step against the simulator's truth by the same definitions. On a "
        "panning camera the feet, a hip-width apart in depth, shift against the hip as the "
        "camera turns (parallax, a limit of one 2-D view): touchdown distance alternates in "
        "error from left to right foot.", "",
        f"| camera | condition | fps | steps | {head_k} |",
        "|" + "---|" * (4 + len(COACHING))]
    pooled = {}
    for camera, presets in cameras.items():
        for cname, cond in CONDITIONS.items():
            for fps in FPS_USED:
                m = _pooled(presets, cond, fps, seeds)
                pooled[(camera, cname, fps)] = m
                cells = " | ".join(_mae(m, c, f) for c, (_, f) in COACHING.items())
                lines.append(f"| {camera} | {cname} | {fps} | {len(m)} | {cells} |")
    lines += ["", "Per-step uncertainty: the share of steps whose value lies within twice its "
              "own stated 1-sigma uncertainty of the truth (honest Gaussian uncertainties give "
              "about 95%; less means per-step noise could be shown as a finding).", "",
              f"| camera | condition | fps | {head_u} |", "|" + "---|" * (3 + len(UNCERTAIN))]
    for (camera, cname, fps), m in pooled.items():
        cells = " | ".join(_coverage(m, c, u) for c, u in UNCERTAIN.items())
        lines.append(f"| {camera} | {cname} | {fps} | {cells} |")
    return "\n".join(lines)
