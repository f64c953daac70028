"""What every validation section shares: where the repository and the render cache are, the
reference ranges, and how one analysed run is scored against its truth."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np
import pandas as pd

from stridecam.analysis.run import analyse_poses
from stridecam.analysis.summary import run_values
from stridecam.analysis.validation import compare_steps, match_contacts, truth_in_window
from stridecam.io.config import load_reference
from stridecam.model.settings import Calibration
from stridecam.model.verdict import Verdict
from stridecam.simulate import AthleteParams, CameraParams
from stridecam.simulate.presets import PRESETS, Preset

REPO = Path(__file__).resolve().parents[2]
FPS = (30, 60, 120, 240)
CACHE = Path(os.environ.get("STRIDECAM_VALIDATION_CACHE", "/tmp/stridecam_validation"))
REFERENCE = load_reference()
#: Panning-camera presets, and still-camera ones (``acceleration_static``, and a max-velocity
#: athlete crossing a fixed camera's 16 m wide view).
PAN_PRESETS = ("balanced_pan", "slow_recycling", "force_limited", "acceleration", "asymmetric")
STILL = {"acceleration_static": PRESETS["acceleration_static"],
         "balanced_still": Preset(AthleteParams(), CameraParams(distance_m=14.0, hfov_deg=60.0),
                                  1.5, description="max velocity across a fixed camera")}


@dataclasses.dataclass
class RunScore:
    """Errors of one analysed run against its truth."""

    label: str
    fps: float
    n_true: int
    found: int
    false_pos: int
    td_err_s: np.ndarray
    to_err_s: np.ndarray
    step_errors: pd.DataFrame
    run_errors: dict


def score(run, result, poses) -> RunScore:
    """Compare one analysed run with the simulator's truth."""
    fps = poses.effective_fps
    tol = max(0.05, 1.5 / fps)
    truth = truth_in_window(run.events, poses.time_s[0], poses.time_s[-1])
    m = match_contacts(truth, result.contacts, tol)
    steps = compare_steps(run.steps, result.steps, tol)
    run_err = {}
    matched_truth = run.steps[run.steps["touchdown_time_s"].isin(steps["touchdown_time_s"])]
    true_run = {k: v for k, (v, _) in run_values(matched_truth).items()}
    for col, kind in (("cadence_spm", "pct"), ("step_length_m", "pct"),
                      ("contact_time_s", "abs"), ("flight_time_s", "abs"),
                      ("peak_thigh_flexion_deg", "abs"), ("recovery_time_s", "abs")):
        # what the user is shown: the run value over chained steps where there is one (the
        # truth's on its matched steps, the same definition), else the median
        stat = result.summary.metrics.of(col)
        est = stat.value
        if col in true_run and stat.is_run_value:
            ref = true_run[col]
        else:
            ref = float(matched_truth[col].median()) if len(matched_truth) else float("nan")
        if est is None or not np.isfinite(est) or not np.isfinite(ref):
            run_err[col] = float("nan")
        else:
            run_err[col] = 100 * (est - ref) / ref if kind == "pct" else est - ref
    return RunScore("", fps, m.n_true, m.true_positives, m.false_positives,
                    m.touchdown_error_s, m.toe_off_error_s, steps, run_err)


def summarise_scores(scores: list[RunScore]) -> dict:
    """Pooled figures over several runs."""
    td = np.concatenate([s.td_err_s for s in scores]) if scores else np.zeros(0)
    to = np.concatenate([s.to_err_s for s in scores]) if scores else np.zeros(0)
    both = np.abs(np.r_[td, to])
    frame = 1.0 / scores[0].fps if scores else np.nan
    steps = pd.concat([s.step_errors for s in scores]) if scores else pd.DataFrame()

    def mae(col):
        v = steps[col].dropna().abs() if col in steps else pd.Series(dtype=float)
        return float(v.mean()) if len(v) else float("nan")

    def bias(col):
        v = steps[col].dropna() if col in steps else pd.Series(dtype=float)
        return float(v.mean()) if len(v) else float("nan")

    def run_mae(col):
        v = np.array([s.run_errors[col] for s in scores], float)
        v = v[np.isfinite(v)]
        return float(np.mean(np.abs(v))) if v.size else float("nan")

    n_true = sum(s.n_true for s in scores)
    return {
        "runs": len(scores), "true": n_true,
        "found_pct": 100 * sum(s.found for s in scores) / n_true if n_true else np.nan,
        "false_pos": sum(s.false_pos for s in scores),
        "td_bias_ms": 1000 * float(np.mean(td)) if td.size else np.nan,
        "to_bias_ms": 1000 * float(np.mean(to)) if to.size else np.nan,
        "p95_ms": 1000 * float(np.percentile(both, 95)) if both.size else np.nan,
        "within1_pct": 100 * float(np.mean(both <= frame * 1.0001)) if both.size else np.nan,
        "cadence_step_pct": mae("cadence_spm"), "cadence_run_pct": run_mae("cadence_spm"),
        "length_step_pct": mae("step_length_m"), "length_run_pct": run_mae("step_length_m"),
        "contact_step_ms": 1000 * mae("contact_time_s"),
        "contact_run_ms": 1000 * run_mae("contact_time_s"),
        "flight_step_ms": 1000 * mae("flight_time_s"),
        "thigh_step_deg": mae("peak_thigh_flexion_deg"),
        "recovery_step_ms": 1000 * mae("recovery_time_s"),
        "omega_bias_dps": bias("max_thigh_angular_velocity_deg_s"),
        "omega_step_dps": mae("max_thigh_angular_velocity_deg_s"),
    }


TABLE_HEAD = ("| condition | fps | runs | contacts found | false | TD bias ms | TO bias ms | "
              "95% abs err ms | within 1 frame | cadence err step / run % | step length err "
              "step / run % | contact MAE step / run ms | flight MAE ms | peak thigh MAE deg | "
              "recovery MAE ms | peak thigh ang. vel. bias / MAE deg/s |\n|" + "---|" * 16)


def table_row(condition: str, fps: int, s: dict) -> str:
    def f(v, fmt=".1f"):
        return format(v, fmt) if v == v else "n/a"

    return (f"| {condition} | {fps} | {s['runs']} | {f(s['found_pct'], '.0f')}% of {s['true']} | "
            f"{s['false_pos']} | {f(s['td_bias_ms'])} | {f(s['to_bias_ms'])} | {f(s['p95_ms'])} | "
            f"{f(s['within1_pct'], '.0f')}% | {f(s['cadence_step_pct'], '.2f')} / "
            f"{f(s['cadence_run_pct'], '.2f')} | {f(s['length_step_pct'], '.2f')} / "
            f"{f(s['length_run_pct'], '.2f')} | {f(s['contact_step_ms'])} / "
            f"{f(s['contact_run_ms'])} | {f(s['flight_step_ms'])} | {f(s['thigh_step_deg'])} | "
            f"{f(s['recovery_step_ms'], '.0f')} | {f(s['omega_bias_dps'], '+.0f')} / "
            f"{f(s['omega_step_dps'], '.0f')} |")


def judge(poses, height_m: float) -> Verdict:
    """The limiter verdict of a run analysed with height calibration and the shipped reference."""
    verdict = analyse_poses(poses, Calibration(height_m=height_m), reference=REFERENCE).verdict
    assert verdict is not None
    return verdict
