"""Simulated sprinters projected to pixels (no video), with degradations, through the whole
analysis: the ``landmarks`` section."""

from __future__ import annotations

import dataclasses

from stridecam.analysis.run import analyse_poses
from stridecam.model.settings import Calibration
from stridecam.simulate import Degradations, simulate, to_poses
from stridecam.simulate.presets import PRESETS
from validation.common import FPS, TABLE_HEAD, score, summarise_scores, table_row

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


def section_landmarks(quick: bool) -> str:
    presets = LANDMARK_PRESETS[:3] if quick else LANDMARK_PRESETS
    seeds = (1,) if quick else (1, 2)
    lines = [
        "Simulated athletes (presets " + ", ".join(f"`{p}`" for p in presets) + f"; seeds "
        f"{', '.join(map(str, seeds))}) projected to pixels with no video, through clean -> events "
        "-> metrics with height calibration. Contacts are matched to truth by time (touchdowns "
        "within max(50 ms, 1.5 frames); whether the foot was named right is a separate "
        "question); errors are detected - true. 'step' = mean absolute error per step, 'run' = "
        "error of the run's value (cadence and step length: over the longest chain of "
        "consecutive steps, steps / time and distance / steps, against the same on the true "
        "steps; other metrics: the median). 'within 1 frame' counts touchdowns and toe-offs "
        "together.", "", TABLE_HEAD]
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
