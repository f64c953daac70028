"""Orchestration of one clip: video -> pose (cached) -> analysis -> outputs.

This module wires the stages together; it holds no algorithm of its own. The pose stage is the
only expensive one, so its result is cached next to the outputs, keyed by clip content, model
content and the settings that change landmarks: a second run with other analysis settings does
no inference.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from stridecam.analysis.limiter import Reference
from stridecam.analysis.run import ContactRefiner
from stridecam.analysis.timescale import ESTIMATED_SOURCE
from stridecam.io.store import (
    atomic_write,
    cache_key,
    file_sha256,
    load_cached_poses,
    save_poses,
)
from stridecam.model.poses import Flag, Poses
from stridecam.model.result import RunResult
from stridecam.model.settings import AnalysisSettings, PoseSettings, Settings

log = logging.getLogger(__name__)


def output_dir_for(clip: str | Path, reports_root: str | Path = "reports") -> Path:
    """Default output folder of a clip: ``reports/<clip file name without suffix>/``."""
    return Path(reports_root) / Path(clip).stem


def extract(clip: str | Path, settings: PoseSettings, *, progress: bool = False,
            estimator: Callable[[], Any] | None = None, decode_threads: int = 0) -> Poses:
    """Decode ``clip`` and run pose estimation on it (no cache).

    ``estimator``: a function returning a loaded ``pose.PoseEstimator`` to reuse (a batch
    worker's); by default one is made for this clip. ``decode_threads``: PyAV decoding threads
    (0 = PyAV's choice).
    """
    from stridecam.io.video import VideoReader

    reader = VideoReader(clip, settings.capture_fps, decode_threads=decode_threads)
    frames = _progress(reader, progress)
    from stridecam.io.pose import AthleteChoice

    choice = AthleteChoice(at=settings.athlete_at, rank=settings.athlete_rank)
    if estimator is not None:
        chosen = {"choice": choice} if choice != AthleteChoice() else {}
        poses = estimator().run(frames, reader.info, mode=settings.mode, **chosen)
    else:
        from stridecam.io.model_files import resolve_model
        from stridecam.io.pose import extract_poses

        model = resolve_model(settings.model_variant, settings.model_path)
        poses = extract_poses(frames, reader.info, model, mode=settings.mode, choice=choice)
    return _add_decode_facts(poses, reader)


def _progress(reader, enabled: bool):
    if not enabled:
        return reader
    from tqdm import tqdm

    return tqdm(reader, total=reader.info.n_frames or None, unit="frame",
                desc=Path(reader.path).name, disable=None, leave=False)


def _add_decode_facts(poses: Poses, reader) -> Poses:
    stats, info = reader.stats, reader.info
    meta = dict(poses.meta)
    meta.update(
        n_frames_decoded=stats.n_decoded, n_repeated_frames=stats.n_repeats,
        capture_fps_source=info.capture_fps_source, rotation_deg=info.rotation_deg,
        decode_errors=list(stats.decode_errors), n_frames_expected=stats.n_expected,
        timestamps=reader.timeline.describe(),
    )
    flags = []
    if stats.n_repeats and stats.repeat_fraction > 0.05:
        eff = poses.effective_fps
        flags.append(Flag(
            "repeated_frames", "warning",
            f"{stats.n_repeats} of {stats.n_decoded} frames repeat the previous image; "
            f"only {eff:.0f} distinct images per second are used for timing."))
    problem = stats.integrity_problem()
    if problem:
        flags.append(Flag("decode_errors", "warning", problem))
    return poses.replace(meta=meta, flags=poses.flags + tuple(flags))


def pose_cache_key(clip: str | Path, settings: PoseSettings) -> str:
    """Cache key of ``clip`` under ``settings`` (hashes the clip and the resolved model)."""
    from stridecam.io.model_files import resolve_model
    from stridecam.io.video import DECODER

    model = resolve_model(settings.model_variant, settings.model_path)
    fields = asdict(settings)
    fields.pop("model_path")
    fields.pop("model_variant")
    fields["decoder"] = DECODER
    return cache_key(file_sha256(clip), file_sha256(model), fields)


def get_poses(clip: str | Path, out_dir: str | Path, settings: PoseSettings, *,
              progress: bool = False, force: bool = False,
              estimator: Callable[[], Any] | None = None,
              decode_threads: int = 0) -> tuple[Poses, bool]:
    """Landmarks of ``clip``: from ``out_dir``'s cache when the key matches, else extracted and
    saved there. Returns ``(poses, from_cache)``. A clip that is not a usable video raises
    ``InputError`` before anything is hashed or written; cached landmarks that are stale or
    damaged are recomputed."""
    from stridecam.io.video import check_clip

    check_clip(clip, settings.capture_fps)
    key = pose_cache_key(clip, settings)
    poses = None if force else load_cached_poses(out_dir, key)
    cached = poses is not None
    if poses is not None:
        log.info("%s: landmarks reused from %s", clip, out_dir)
    else:
        poses = extract(clip, settings, progress=progress, estimator=estimator,
                        decode_threads=decode_threads)
        save_poses(poses, out_dir, key=key)
    return poses, cached


@dataclass(frozen=True)
class ClipRun:
    """What one clip's job made: the result, the landmarks it came from, and whether those were
    read from the cache (logged, not saved: a resumed run's outputs must equal an
    uninterrupted one's)."""

    result: RunResult
    poses: Poses
    from_cache: bool


def image_refiner(clip: str | Path, settings: AnalysisSettings, *, progress: bool = False,
                  keep_in: str | Path | None = None) -> ContactRefiner | None:
    """The image-evidence stage bound to ``clip`` (None when switched off); ``progress``: say
    on a terminal that it runs (it shows no bar); ``keep_in``: a run folder where its answer is
    kept (``io.evidence_cache``), so a re-analysis of the same landmarks decodes no video."""
    if not settings.image_evidence:
        return None

    def refine(poses: Poses, contacts: pd.DataFrame) -> pd.DataFrame:
        from stridecam.io import evidence_cache

        key = None
        if keep_in is not None:
            key = evidence_cache.evidence_key(file_sha256(clip), poses, contacts,
                                              settings.evidence)
            kept = evidence_cache.load_evidence(keep_in, key)
            if kept is not None:
                return kept
        from stridecam.io.evidence import refine_contacts

        if progress and sys.stderr.isatty():
            print(f"stridecam: timing {len(contacts)} contacts from the video frames...",
                  file=sys.stderr, flush=True)
        refined = refine_contacts(clip, poses, contacts, settings.evidence)
        if keep_in is not None and key is not None:
            evidence_cache.save_evidence(keep_in, key, refined)
        return refined

    return refine


def analyse_clip(clip: str | Path, out_dir: str | Path, settings: Settings = Settings(), *,
                 athlete: str | None = None, reference: Reference | str | Path | None = None,
                 progress: bool = False, force: bool = False,
                 estimator: Callable[[], Any] | None = None, decode_threads: int = 0,
                 mass_kg: float | None = None) -> ClipRun:
    """The per-clip job of ``stridecam analyse`` and of every batch clip: pose (cached) ->
    analysis -> ``steps.csv``, ``contacts.csv``, ``summary.json`` and the exports
    (``io.exports``: ``frames.csv``, ``run.xlsx``, ``landmarks.trc``) in ``out_dir``.

    ``reference``: the limiter's reference (a ``Reference``, a TOML path merged over the shipped
    one, or None for the shipped one). The result's ``settings`` record what was used.
    ``mass_kg``: the athlete's body mass for the force-velocity profile (None: per kg).
    """
    from stridecam.analysis.run import analyse_poses
    from stridecam.io.checks import check_inputs, require_person
    from stridecam.io.config import load_reference
    from stridecam.io.exports import write_exports
    from stridecam.io.store import write_run

    ref = reference if isinstance(reference, Reference) else load_reference(reference)
    check_inputs(clip, out_dir, settings)  # every check that needs no pose work, first
    pose = settings.pose
    found = None if force or pose.capture_fps is not None else found_capture_rate(out_dir, clip)
    if found is not None:  # an earlier run found this clip to be slow motion
        pose = replace(pose, capture_fps=found[0])

    def run(pose: PoseSettings, force: bool) -> tuple[Poses, bool, RunResult]:
        poses, cached = get_poses(clip, out_dir, pose, progress=progress, force=force,
                                  estimator=estimator, decode_threads=decode_threads)
        require_person(poses, clip)  # landmarks saved: a re-run says so at once
        return poses, cached, analyse_poses(
            poses, settings.calibration, settings=settings.analysis, athlete=athlete,
            reference=ref, pose_settings=pose, mass_kg=mass_kg,
            refine=image_refiner(clip, settings.analysis, progress=progress,
                                keep_in=out_dir))

    poses, cached, result = run(pose, force)
    ts = result.timescale
    if found is None and pose.capture_fps is None and ts is not None and ts.applied:
        # slow motion found from the motion: MediaPipe's video-mode tracking smooths by time,
        # so pose the clip again at the rate found (VALIDATION.md, timescale)
        rate = poses.nominal_fps * ts.factor
        poses, cached, result = run(replace(pose, capture_fps=rate), False)
        found = (rate, ts.evidence)
        remember_capture_rate(out_dir, clip, rate, ts.evidence)
    if found is not None and result.timescale is not None:
        fps, why = found
        flag = Flag("slow_motion_detected", "warning",
                    f"The file gives no capture rate, but the motion is slow motion captured at "
                    f"about {fps:.0f} fps; the landmarks were taken and timed at that rate. "
                    f"{' '.join(why[:2])} Give --capture-fps if this is wrong.")
        result = result.replace(
            flags=(flag, *result.flags),
            timescale=replace(result.timescale, given_source=ESTIMATED_SOURCE,
                              evidence=(*why, f"landmarks posed at {fps:.0f} fps")))
    log.info("%s: landmarks %s", clip, "from the cache" if cached else "extracted")
    write_run(result, out_dir)
    write_exports(result, out_dir, poses)  # frames.csv, run.xlsx, landmarks.trc
    return ClipRun(result, poses, cached)


#: The capture rate an earlier run found from the motion (``remember_capture_rate``).
FOUND_RATE_FILE = "capture_rate.json"


def remember_capture_rate(out_dir: str | Path, clip: str | Path, fps: float,
                          evidence: tuple[str, ...]) -> None:
    """Record in ``out_dir`` that ``clip`` was found to be slow motion captured at ``fps``, so a
    re-run poses it at that rate straight away (its cached landmarks are at that rate)."""
    with atomic_write(Path(out_dir) / FOUND_RATE_FILE, "w") as f:
        json.dump({"clip_sha256": file_sha256(clip), "capture_fps": fps,
                   "evidence": list(evidence)}, f, indent=1)


def found_capture_rate(out_dir: str | Path,
                       clip: str | Path) -> tuple[float, tuple[str, ...]] | None:
    """(capture fps, evidence) an earlier run found for this very clip, else None."""
    path = Path(out_dir) / FOUND_RATE_FILE
    try:
        data = json.loads(path.read_text())
        if data["clip_sha256"] == file_sha256(clip) and float(data["capture_fps"]) > 0:
            return float(data["capture_fps"]), tuple(str(e) for e in data["evidence"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None
