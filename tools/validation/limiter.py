"""The limiter verdict on simulated athletes with realistic noise, and on the rendered clips
through MediaPipe (the ``limiter`` section)."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from stridecam.simulate import CameraParams, Degradations, simulate, to_poses
from stridecam.simulate.presets import PRESETS
from validation.common import FPS, judge
from validation.rendered import RENDER_PRESETS, rendered_poses

PROFILES = {
    "balanced": dict(peak_thigh_flexion_deg=(70, 80), recovery_time_s=(0.17, 0.21),
                     contact_time_s=(0.088, 0.102), step_frequency_hz=(4.4, 4.8),
                     v_max_m_s=(9.5, 10.5), knee_flexion_max_deg=(120, 135)),
    "recycling_limited": dict(peak_thigh_flexion_deg=(48, 58), recovery_time_s=(0.26, 0.31),
                              contact_time_s=(0.095, 0.105), step_frequency_hz=(4.0, 4.3),
                              v_max_m_s=(8.6, 9.2), knee_flexion_max_deg=(95, 110)),
    "force_limited": dict(peak_thigh_flexion_deg=(68, 78), recovery_time_s=(0.18, 0.22),
                          contact_time_s=(0.13, 0.15), step_frequency_hz=(4.1, 4.3),
                          v_max_m_s=(8.2, 8.9), knee_flexion_max_deg=(115, 125)),
}
BORDERLINE = {
    "recycling_limited": dict(peak_thigh_flexion_deg=(60, 65), recovery_time_s=(0.23, 0.25),
                              contact_time_s=(0.095, 0.105), step_frequency_hz=(4.2, 4.4),
                              v_max_m_s=(9.0, 9.6), knee_flexion_max_deg=(105, 115)),
    "force_limited": dict(peak_thigh_flexion_deg=(68, 78), recovery_time_s=(0.18, 0.22),
                          contact_time_s=(0.115, 0.125), step_frequency_hz=(4.2, 4.4),
                          v_max_m_s=(8.6, 9.2), knee_flexion_max_deg=(115, 125)),
}


def _random_athlete(profile: str, rng, table=None):
    from stridecam.model.errors import ConfigError
    from stridecam.simulate import AthleteParams

    for _ in range(50):
        values: dict[str, Any] = {k: float(rng.uniform(*r))
                                  for k, r in (table or PROFILES)[profile].items()}
        values["height_m"] = float(rng.uniform(1.65, 1.95))
        try:
            return AthleteParams(**values).validate()
        except ConfigError:
            continue
    raise RuntimeError(f"no valid athlete for {profile}")


def section_limiter(quick: bool) -> str:
    from stridecam.model.errors import ConfigError

    rng = np.random.default_rng(2026)
    per_cell = 2 if quick else 6
    labels = ["recycling_limited", "force_limited", "balanced", "inconclusive"]
    confusion = {p: {lab: 0 for lab in labels} for p in PROFILES}
    wrong_confident, runs = [], 0
    for profile in PROFILES:
        for fps in FPS:
            made = 0
            while made < per_cell:
                athlete = _random_athlete(profile, rng)
                cam = dataclasses.replace(PRESETS["balanced_pan"].camera, fps=fps)
                try:
                    run = simulate(athlete, cam, duration_s=3.0, seed=int(rng.integers(1_000_000)))
                except ConfigError:
                    continue
                poses = to_poses(run, Degradations(jitter_px=1.0),
                                 seed=int(rng.integers(1_000_000)))
                v = judge(poses, athlete.height_m)
                confusion[profile][v.label] += 1
                if v.label not in (profile, "inconclusive") and v.confidence_word != "low":
                    wrong_confident.append(f"{profile} at {fps} fps -> {v.label} "
                                           f"({v.confidence_word})")
                made += 1
                runs += 1
    short = {"inconclusive": 0, "total": 0, "wrong": 0}
    for i in range(10 if not quick else 4):
        profile = list(PROFILES)[i % 3]
        athlete = _random_athlete(profile, rng)
        run = simulate(athlete, CameraParams(fps=30, distance_m=12, hfov_deg=50), duration_s=0.7,
                       seed=i)
        v = judge(to_poses(run, Degradations(jitter_px=1.0), seed=i), athlete.height_m)
        short["total"] += 1
        short["inconclusive"] += v.label == "inconclusive"
        short["wrong"] += v.label not in ("inconclusive", profile)
    border = {p: {lab: 0 for lab in labels} for p in BORDERLINE}
    for profile in BORDERLINE:
        for i in range(3 if quick else 8):
            athlete = _random_athlete(profile, rng, BORDERLINE)
            run = simulate(athlete, PRESETS["balanced_pan"].camera, duration_s=3.0, seed=100 + i)
            v = judge(to_poses(run, Degradations(jitter_px=1.0), seed=i), athlete.height_m)
            border[profile][v.label] += 1
    decided = {p: sum(c[lab] for lab in labels[:3]) for p, c in confusion.items()}
    correct = sum(confusion[p][p] for p in PROFILES)
    total_decided = sum(decided.values())
    lines = [
        f"{runs} simulated runs (3 profiles x {len(FPS)} frame rates x {per_cell} random athletes: "
        "height 1.65-1.95 m, profile values drawn from the ranges of `PROFILES` in "
        "`tools/validate.py`, the limited ones clearly beyond the reference ranges), 3 s panning "
        "clips, 1 px landmark jitter, through the whole pipeline with height calibration and the "
        "shipped reference TOML. Rows: true profile; columns: verdict. Every 30 fps run is "
        "inconclusive by design (contact and flight cannot be resolved).", "",
        "| true \\ verdict | recycling_limited | force_limited | balanced | inconclusive |",
        "|---|---|---|---|---|"]
    for p in PROFILES:
        lines.append(f"| {p} | " + " | ".join(str(confusion[p][lab]) for lab in labels) + " |")
    lines += ["", f"Correct where the gates passed (verdict not inconclusive): "
              f"{correct} of {total_decided} = {100 * correct / max(total_decided, 1):.0f}%. "
              f"Confident (moderate/high) wrong labels: {len(wrong_confident)}"
              + (": " + "; ".join(wrong_confident) if wrong_confident else "") + ".",
              f"Short 30 fps clips (0.7 s, fewer than 4 steps): {short['inconclusive']} of "
              f"{short['total']} inconclusive, {short['wrong']} wrong labels.", "",
              "Borderline athletes (at the reference range edges, 120 fps; `BORDERLINE`):", "",
              "| profile at the edge | recycling_limited | force_limited | balanced | "
              "inconclusive |",
              "|---|---|---|---|---|"]
    for p in BORDERLINE:
        lines.append(f"| {p} | " + " | ".join(str(border[p][lab]) for lab in labels) + " |")
    expected = {"balanced_pan": "balanced", "slow_recycling": "recycling_limited",
                "force_limited": "force_limited", "acceleration": "balanced or inconclusive",
                "asymmetric": "balanced"}
    lines += ["", "The rendered clips through real MediaPipe (default settings, height "
              "calibration), the same verdict as a user gets:", "",
              "| clip | fps | expected | verdict | confidence | recycling / force score |",
              "|---|---|---|---|---|---|"]
    for fps in (60, 120):
        for name in RENDER_PRESETS:
            _, poses, height = rendered_poses(name, fps)
            v = judge(poses, height)
            lines.append(f"| {name} | {fps} | {expected[name]} | {v.label} | "
                         f"{v.confidence_word} ({v.confidence:.2f}) | "
                         f"{v.recycling_score:.2f} / {v.force_score:.2f} |")
    return "\n".join(lines)
