"""Orchestration of one clip: video -> pose (cached) -> analysis -> outputs.

This module wires the stages together; it holds no algorithm of its own. The pose stage is the
only expensive one, so its result is cached next to the outputs, keyed by clip content, model
content and the settings that change landmarks: a second run with other analysis settings does
no inference.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from stridecam.model.poses import Flag, Poses
from stridecam.io.store import cache_key, cached_key, file_sha256, load_poses, save_poses

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PoseSettings:
    """Settings that change the landmarks (and so the cache key).

    ``model_variant``: lite / full / heavy; ``model_path``: an explicit ``.task`` file (wins over
    the variant); ``mode``: "video" (MediaPipe's tracking and smoothing; the default, measured
    to time ground contacts better) or "image" (detector every frame; more accurate pixels);
    ``capture_fps``: real capture rate of a slow-motion clip (None = from the container).
    """

    model_variant: str = "full"
    model_path: str | None = None
    mode: str = "video"
    capture_fps: float | None = None


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
    if estimator is not None:
        poses = estimator().run(frames, reader.info, mode=settings.mode)
    else:
        from stridecam.io.model_files import resolve_model
        from stridecam.io.pose import extract_poses

        model = resolve_model(settings.model_variant, settings.model_path)
        poses = extract_poses(frames, reader.info, model, mode=settings.mode)
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
        decode_errors=list(stats.decode_errors),
    )
    flags = []
    if stats.n_repeats and stats.repeat_fraction > 0.05:
        eff = poses.effective_fps
        flags.append(Flag(
            "repeated_frames", "warning",
            f"{stats.n_repeats} of {stats.n_decoded} frames repeat the previous image; "
            f"only {eff:.0f} distinct images per second are used for timing."))
    if stats.decode_errors:
        flags.append(Flag("decode_errors", "warning",
                          f"The clip could not be decoded to the end ({stats.decode_errors[0]})."))
    return poses.replace(meta=meta, flags=poses.flags + tuple(flags))


def pose_cache_key(clip: str | Path, settings: PoseSettings) -> str:
    """Cache key of ``clip`` under ``settings`` (hashes the clip and the resolved model)."""
    from stridecam.io.model_files import resolve_model

    model = resolve_model(settings.model_variant, settings.model_path)
    fields = asdict(settings)
    fields.pop("model_path")
    fields.pop("model_variant")
    return cache_key(file_sha256(clip), file_sha256(model), fields)


def get_poses(clip: str | Path, out_dir: str | Path, settings: PoseSettings, *,
              progress: bool = False, force: bool = False,
              estimator: Callable[[], Any] | None = None,
              decode_threads: int = 0) -> tuple[Poses, bool]:
    """Landmarks of ``clip``: from ``out_dir``'s cache when the key matches, else extracted and
    saved there. Returns ``(poses, from_cache)``. A clip that is not a usable video raises
    ``InputError`` before anything is hashed or written."""
    from stridecam.io.video import probe

    probe(clip, settings.capture_fps)
    key = pose_cache_key(clip, settings)
    if not force and cached_key(out_dir) == key:
        log.info("%s: landmarks reused from %s", clip, out_dir)
        return load_poses(out_dir), True
    poses = extract(clip, settings, progress=progress, estimator=estimator,
                    decode_threads=decode_threads)
    save_poses(poses, out_dir, key=key)
    return poses, False


def analyse_clip(clip: str | Path, out_dir: str | Path, settings: PoseSettings, calib,
                 *, athlete: str | None = None, reference=None, progress: bool = False,
                 force: bool = False):
    """Pose (cached) -> analysis -> steps.csv, contacts.csv, summary.json in ``out_dir``.

    Returns the ``RunResult``; ``result.settings`` records what was used.
    """
    from dataclasses import replace

    from stridecam.analysis.run import analyse_poses
    from stridecam.io.store import write_run

    poses, cached = get_poses(clip, out_dir, settings, progress=progress, force=force)
    result = analyse_poses(poses, calib, athlete=athlete, reference=reference)
    result = replace(result, settings={"pose": asdict(settings), "calibration": asdict(calib)})
    # whether landmarks came from the cache is logged, not saved: a resumed run's outputs must
    # equal an uninterrupted one's
    log.info("%s: landmarks %s", clip, "from the cache" if cached else "extracted")
    result.summary["settings"] = result.settings
    write_run(result, out_dir)
    return result
