"""Simulated athletes rendered to H.264 clips and run through the real pose stage: the
``rendered`` section (detection, landmark pixel error, events, metrics, running modes)."""

from __future__ import annotations

import dataclasses

import numpy as np

from stridecam.analysis.run import analyse_poses
from stridecam.model.landmarks import IDX
from stridecam.model.result import RunResult
from stridecam.model.settings import AnalysisSettings, Calibration, PoseSettings
from stridecam.simulate import simulate
from stridecam.simulate.presets import PRESETS, Preset
from stridecam.simulate.render import RENDER_VERSION
from validation.common import (
    CACHE,
    FPS,
    PAN_PRESETS,
    STILL,
    TABLE_HEAD,
    score,
    summarise_scores,
    table_row,
)

RENDER_PRESETS = PAN_PRESETS


def _preset(name: str) -> Preset:
    return STILL[name] if name in STILL else PRESETS[name]


def _preset_digest(name: str) -> str:
    """Short hash of a preset's parameters and the renderer's version: cached renders of an
    edited preset or an older look are not reused."""
    import hashlib

    return hashlib.sha256(f"{_preset(name)!r} {RENDER_VERSION}".encode()).hexdigest()[:8]


def rendered_clip(name: str, fps: int):
    """(clip, truth, athlete height m) of preset ``name`` rendered at ``fps`` (cached)."""
    from stridecam.simulate import load_truth, render_clip

    pr = _preset(name)
    clip = CACHE / f"{name}_{fps}_{_preset_digest(name)}.mp4"
    if not clip.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        run = simulate(pr.athlete, dataclasses.replace(pr.camera, fps=fps),
                       duration_s=min(pr.duration_s, 2.0), seed=pr.seed)
        render_clip(run, clip)
    return clip, load_truth(clip.with_suffix(".truth.json")), pr.athlete.height_m


def rendered_poses(name: str, fps: int, mode: str | None = None):
    """Render preset ``name`` at ``fps`` (cached) and run the real pose stage on it (cached)."""
    from stridecam.pipeline import get_poses

    clip, truth, height = rendered_clip(name, fps)
    mode = mode or PoseSettings().mode
    poses, _ = get_poses(clip, CACHE / f"{clip.stem}_{mode}", PoseSettings(mode=mode))
    return truth, poses, height


def analyse_rendered(name: str, fps: int, image: bool = True):
    """(truth, poses, result) of a rendered preset analysed as ``stridecam analyse`` does
    (height calibration; the image evidence unless ``image`` is False)."""
    from stridecam.pipeline import image_refiner

    clip, _, _ = rendered_clip(name, fps)
    truth, poses, height = rendered_poses(name, fps)
    settings = AnalysisSettings(image_evidence=image)
    result: RunResult = analyse_poses(poses, Calibration(height_m=height), settings=settings,
                                      refine=image_refiner(clip, settings))
    return truth, poses, result


def _pixel_errors(truth, poses) -> dict:
    """Median pixel error per joint, taking per frame the better left/right assignment."""
    true_px = np.asarray(truth.px)[poses.frame_index]
    out = {}
    for joint in ("hip", "knee", "ankle", "heel", "foot_index"):
        errs = []
        for side, other in (("left", "right"), ("right", "left")):
            a, b = IDX[f"{side}_{joint}"], IDX[f"{other}_{joint}"]
            same = np.linalg.norm(poses.xy_px[:, a] - true_px[:, a], axis=1)
            cross = np.linalg.norm(poses.xy_px[:, a] - true_px[:, b], axis=1)
            errs.append(np.fmin(same, cross))
        out[joint] = float(np.nanmedian(np.concatenate(errs)))
    return out


def section_rendered(quick: bool) -> str:
    presets = RENDER_PRESETS[:3] if quick else RENDER_PRESETS
    still = tuple(STILL)[:1] if quick else tuple(STILL)
    lines = [
        "The simulated athletes rendered to H.264 clips (phone-like look: textured track, "
        "motion blur at the shutter speed, varied kits; panning camera: " +
        ", ".join(f"`{p}`" for p in presets) + "; fixed camera: " +
        ", ".join(f"`{p}`" for p in still) + "; up to 2 s each) and run through the real pose "
        "stage (MediaPipe full model, default settings) and the whole pipeline with height "
        "calibration, image evidence on (rows 'image') and off (rows 'landmarks only'). "
        "Columns as above.", "", TABLE_HEAD]
    pixel_rows, mode_rows = [], []
    for camera, names in (("pan", presets), ("still", still)):
        for image in (True, False):
            for fps in FPS:
                scores = []
                for name in names:
                    truth, poses, result = analyse_rendered(name, fps, image)
                    scores.append(score(truth, result, poses))
                    if fps == 120 and image and camera == "pan":
                        pixel_rows.append((name, poses.detection_rate,
                                           _pixel_errors(truth, poses)))
                how = "image" if image else "landmarks only"
                lines.append(table_row(f"{camera}, {how}", fps, summarise_scores(scores)))
    for fps, mode in ((f, m) for f in (30, 60, 120) for m in ("image", "video")):
        scores, errs = [], []
        for name in presets:
            truth, poses, height = rendered_poses(name, fps, mode)
            scores.append(score(truth, analyse_poses(poses, Calibration(height_m=height)), poses))
            errs.append(_pixel_errors(truth, poses))
        s = summarise_scores(scores)
        mode_rows.append(f"| {mode} | {fps} | " + " | ".join(
            f"{np.median([e[j] for e in errs]):.1f}" for j in ("hip", "knee", "ankle", "heel",
                                                                "foot_index")) +
            f" | {s['found_pct']:.0f}% | {s['td_bias_ms']:.1f} | {s['to_bias_ms']:.1f} | "
            f"{s['p95_ms']:.0f} | {s['contact_step_ms']:.1f} / {s['contact_run_ms']:.1f} | "
            f"{s['length_step_pct']:.1f} / {s['length_run_pct']:.1f} | {s['thigh_step_deg']:.1f} | "
            f"{s['recovery_step_ms']:.0f} |")
    lines += ["", "Detection and landmark error at 120 fps (median pixels, better of left/right "
              "per frame; athletes ~250 px tall):", "",
              "| clip | athlete found | hip | knee | ankle | heel | toe |",
              "|---|---|---|---|---|---|---|"]
    for name, rate, e in pixel_rows:
        lines.append(f"| {name} | {100 * rate:.0f}% | " + " | ".join(
            f"{e[j]:.1f}" for j in ("hip", "knee", "ankle", "heel", "foot_index")) + " |")
    lines += ["", "MediaPipe running mode (the default is chosen from this table):",
              "", "| mode | fps | hip px | knee px | ankle px | heel px | toe px | "
              "contacts found | "
              "TD bias ms | TO bias ms | 95% abs err ms | contact MAE step / run ms | step length "
              "err step / run % | peak thigh MAE deg | recovery MAE ms |",
              "|" + "---|" * 15,
              *mode_rows]
    return "\n".join(lines)
