"""Measure stridecam's errors against ground truth and write VALIDATION.md.

    python tools/validate.py                 # every section (rendered clips take ~10-20 min)
    python tools/validate.py --sections landmarks,limiter --quick

Sections (each regenerates its own part of VALIDATION.md, between markers, so one can be
re-run alone):
- ``landmarks``: simulated sprinters projected to pixels (no video), with degradations, through
  clean -> events -> metrics, at 30/60/120/240 fps, fixed and panning camera;
- ``rendered``: the same athletes rendered to H.264 clips and run through the real pose stage
  (MediaPipe) and the whole pipeline: detection rate, landmark pixel error, events, metrics;
- ``real``: the real clips in ../shared/videos: steps found, cadence, contact time, flags;
- ``limiter``: the verdict on >= 50 simulated runs with realistic noise (confusion matrix).
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from stridecam.analysis import analyse_poses  # noqa: E402
from stridecam.clean import Calibration  # noqa: E402
from stridecam.simulate import Degradations, simulate, to_poses  # noqa: E402
from stridecam.simulate.presets import PRESETS  # noqa: E402
from stridecam.validation import compare_steps, match_contacts, truth_in_window  # noqa: E402

OUT = REPO / "VALIDATION.md"
FPS = (30, 60, 120, 240)
DEGRADATIONS = {
    "none": Degradations(),
    "jitter 1.5 px": Degradations(jitter_px=1.5),
    "jitter + 4 leg swaps": Degradations(jitter_px=1.0, n_lr_swaps=4),
    "jitter + drops + VFR + misses": Degradations(jitter_px=1.0, drop_frames_frac=0.05,
                                                  frame_timing_jitter_frac=0.2,
                                                  missing_pose_frac=0.03),
}
LANDMARK_PRESETS = ("balanced_pan", "slow_recycling", "force_limited", "acceleration",
                    "asymmetric")


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
    for col, kind in (("cadence_spm", "pct"), ("step_length_m", "pct"),
                      ("contact_time_s", "abs"), ("flight_time_s", "abs"),
                      ("peak_thigh_flexion_deg", "abs"), ("recovery_time_s", "abs")):
        est = result.summary["metrics"][col]["median"]
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
    }


TABLE_HEAD = ("| condition | fps | runs | contacts found | false | TD bias ms | TO bias ms | "
              "95% abs err ms | within 1 frame | cadence err step / run % | step length err "
              "step / run % | contact MAE step / run ms | flight MAE ms | peak thigh MAE deg | "
              "recovery MAE ms |\n|" + "---|" * 15)


def table_row(condition: str, fps: int, s: dict) -> str:
    def f(v, fmt=".1f"):
        return format(v, fmt) if v == v else "n/a"

    return (f"| {condition} | {fps} | {s['runs']} | {f(s['found_pct'], '.0f')}% of {s['true']} | "
            f"{s['false_pos']} | {f(s['td_bias_ms'])} | {f(s['to_bias_ms'])} | {f(s['p95_ms'])} | "
            f"{f(s['within1_pct'], '.0f')}% | {f(s['cadence_step_pct'], '.2f')} / "
            f"{f(s['cadence_run_pct'], '.2f')} | {f(s['length_step_pct'], '.2f')} / "
            f"{f(s['length_run_pct'], '.2f')} | {f(s['contact_step_ms'])} / "
            f"{f(s['contact_run_ms'])} | {f(s['flight_step_ms'])} | {f(s['thigh_step_deg'])} | "
            f"{f(s['recovery_step_ms'], '.0f')} |")


def section_landmarks(quick: bool) -> str:
    presets = LANDMARK_PRESETS[:3] if quick else LANDMARK_PRESETS
    seeds = (1,) if quick else (1, 2)
    lines = [
        "Simulated athletes (presets " + ", ".join(f"`{p}`" for p in presets) + f"; seeds "
        f"{', '.join(map(str, seeds))}) projected to pixels with no video, through clean -> events "
        "-> metrics with height calibration. Contacts are matched to truth (same foot, touchdown "
        "within max(50 ms, 1.5 frames)); errors are detected - true. 'step' = mean absolute error "
        "per step, 'run' = error of the run's median.", "", TABLE_HEAD]
    for deg_name, deg in DEGRADATIONS.items():
        for fps in FPS:
            scores = []
            for name in presets:
                pr = PRESETS[name]
                for seed in seeds:
                    cam = dataclasses.replace(pr.camera, fps=fps)
                    run = simulate(pr.athlete, cam, duration_s=pr.duration_s, seed=seed)
                    poses = to_poses(run, deg, seed=seed + 10)
                    result = analyse_poses(poses, Calibration(height_m=pr.athlete.height_m))
                    scores.append(score(run, result, poses))
            lines.append(table_row(deg_name, fps, summarise_scores(scores)))
    return "\n".join(lines)


SECTIONS = {"landmarks": ("Landmark level (no video)", section_landmarks)}


def replace_section(text: str, key: str, title: str, body: str) -> str:
    start, end = f"<!-- section:{key} -->", f"<!-- /section:{key} -->"
    block = f"{start}\n## {title}\n\n{body}\n{end}"
    if start in text and end in text:
        return re.sub(re.escape(start) + ".*?" + re.escape(end), lambda _: block, text, flags=re.S)
    return text.rstrip() + "\n\n" + block + "\n"


HEADER = """# Validation: measured errors of stridecam

Produced by `python tools/validate.py` (re-run it to reproduce every figure here; each section
can be re-run alone with `--sections NAME`). Ground truth comes from the simulator
(`stridecam/simulate`: exact touchdown and toe-off times, step lengths, knee angles) and, for the
real clips, from what can be checked by eye. Nothing here is typed by hand.
"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", default=",".join(SECTIONS))
    parser.add_argument("--quick", action="store_true", help="fewer athletes and seeds")
    args = parser.parse_args(argv)
    text = OUT.read_text() if OUT.exists() else HEADER
    for key in args.sections.split(","):
        title, make = SECTIONS[key]
        t0 = time.time()
        body = make(args.quick)
        body += f"\n\n_Section computed in {time.time() - t0:.0f} s on {time.strftime('%Y-%m-%d')}._"
        text = replace_section(text, key, title, body)
        OUT.write_text(text)
        print(f"{key}: done in {time.time() - t0:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
