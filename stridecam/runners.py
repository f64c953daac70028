"""``stridecam analyse CLIP --all-runners``: every runner of a clip, each analysed on its own.

The pose stage runs its first pass once (everyone in view, ``io.pose``); each runner, nearest
the camera first, then gets its own landmarks (as ``--athlete-rank k`` would give them) and its
own output folder ``<out>/runner-<k>/`` (landmarks, steps, contacts, summary, report), exactly
what ``stridecam analyse CLIP --athlete-rank k -o <out>/runner-<k>`` writes (same cache key, so
either reuses the other's landmarks). The runners are compared in ``<out>/runners_summary.csv``
and ``<out>/runners_report.pdf``: the batch's squad table and report
(``batch.squad.squad_row``, ``batch.squad.write_squad_pdf``), one row per runner.

Scale: ``--height-m`` is one athlete's height; with it every runner is scaled as if that tall.
Without a scale, lengths are in each runner's own leg lengths.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from stridecam.analysis.limiter import Reference
from stridecam.model.errors import ConfigError
from stridecam.model.poses import Poses
from stridecam.model.result import RunResult
from stridecam.model.settings import PoseSettings, Settings

log = logging.getLogger(__name__)

RUNNERS_FILE = "runners.json"
TABLE_FILE = "runners_summary.csv"
REPORT_FILE = "runners_report.pdf"


@dataclass(frozen=True)
class RunnerRun:
    """One runner's analysis: its rank from the camera, folder, result and landmarks."""

    rank: int
    folder: Path
    result: RunResult
    poses: Poses


def runner_folder(out_dir: str | Path, rank: int) -> Path:
    return Path(out_dir) / f"runner-{rank}"


def runner_settings(settings: PoseSettings, rank: int) -> PoseSettings:
    return dataclasses.replace(settings, athlete_at=None, athlete_rank=rank)


def all_runner_poses(clip: str | Path, out_dir: str | Path, settings: PoseSettings, *,
                     progress: bool = False, force: bool = False) -> list[Poses]:
    """Every runner's landmarks, nearest the camera first: from the runner folders' caches when
    ``<out>/runners.json`` lists them and each is valid, else extracted (one first pass) and
    saved there."""
    from stridecam.io.store import atomic_write, load_cached_poses, save_poses
    from stridecam.pipeline import pose_cache_key

    if settings.athlete_at is not None or settings.athlete_rank is not None:
        raise ConfigError("--all-runners analyses every runner: leave out --athlete-at and "
                          "--athlete-rank")
    out = Path(out_dir)
    key = pose_cache_key(clip, settings)
    listed = out / RUNNERS_FILE
    if not force and listed.is_file():
        try:
            saved = json.loads(listed.read_text())
        except (OSError, ValueError):
            saved = {}
        if saved.get("key") == key:
            cached = [load_cached_poses(runner_folder(out, k), pose_cache_key(
                clip, runner_settings(settings, k))) for k in range(1, saved["runners"] + 1)]
            if cached and all(p is not None for p in cached):
                log.info("%s: every runner's landmarks reused from %s", clip, out)
                return [p for p in cached if p is not None]
    poses = _extract_all(clip, settings, progress)
    for k, p in enumerate(poses, start=1):
        folder = runner_folder(out, k)
        folder.mkdir(parents=True, exist_ok=True)
        save_poses(p, folder, key=pose_cache_key(clip, runner_settings(settings, k)))
    with atomic_write(listed, "w") as fh:
        json.dump({"key": key, "runners": len(poses)}, fh, indent=1)
    return poses


def _extract_all(clip: str | Path, settings: PoseSettings, progress: bool) -> list[Poses]:
    from stridecam.io.model_files import resolve_model
    from stridecam.io.pose import PoseEstimator
    from stridecam.io.video import VideoReader
    from stridecam.pipeline import _add_decode_facts, _progress

    reader = VideoReader(clip, settings.capture_fps)
    model = resolve_model(settings.model_variant, settings.model_path)
    with PoseEstimator(model) as est:
        poses = est.run_all(_progress(reader, progress), reader.info, mode=settings.mode)
    return [_add_decode_facts(p, reader) for p in poses]


def analyse_all_runners(clip: str | Path, out_dir: str | Path, settings: Settings = Settings(),
                        *, reference: Reference | str | Path | None = None,
                        progress: bool = False, force: bool = False, pdf: bool = True
                        ) -> list[RunnerRun]:
    """Analyse every runner of ``clip`` into ``<out>/runner-<k>/`` and compare them in
    ``<out>/runners_summary.csv`` and (``pdf``) ``runners_report.pdf`` (see the module
    docstring); returns the runs, nearest the camera first."""
    from stridecam.analysis.run import analyse_poses
    from stridecam.io.checks import check_inputs
    from stridecam.io.config import load_reference
    from stridecam.io.exports import write_exports
    from stridecam.io.store import write_run
    from stridecam.pipeline import image_refiner

    ref = reference if isinstance(reference, Reference) else load_reference(reference)
    check_inputs(clip, out_dir, settings)
    runs = []
    for k, poses in enumerate(all_runner_poses(clip, out_dir, settings.pose,
                                               progress=progress, force=force), start=1):
        folder = runner_folder(out_dir, k)
        result = analyse_poses(poses, settings.calibration, settings=settings.analysis,
                               athlete=f"runner {k}", reference=ref,
                               pose_settings=runner_settings(settings.pose, k),
                               refine=image_refiner(clip, settings.analysis, keep_in=folder))
        write_run(result, folder)
        write_exports(result, folder, poses)  # frames.csv, run.xlsx, landmarks.trc
        runs.append(RunnerRun(k, folder, result, poses))
    write_comparison(runs, clip, out_dir, pdf=pdf)
    return runs


def write_comparison(runs: list[RunnerRun], clip: str | Path, out_dir: str | Path, *,
                     pdf: bool = True) -> str:
    """``runners_summary.csv`` (one squad-table row per runner) and, with ``pdf``,
    ``runners_report.pdf``; returns what became of the PDF ("written" or why not)."""
    from stridecam.batch.squad import squad_row, squad_table, write_squad_pdf
    from stridecam.io.store import atomic_write

    out = Path(out_dir)
    rows = [squad_row(r.result, athlete=f"runner {r.rank}", date=None, clip=Path(clip).name,
                      notes=_notes(r.poses), output=r.folder.relative_to(out).as_posix())
            for r in runs]
    table = squad_table(rows)
    with atomic_write(out / TABLE_FILE, "w") as fh:
        table.to_csv(fh, index=False)
    if not runs:
        return "no runner"
    if not pdf:
        return "not asked"
    return write_squad_pdf(table, [r.result for r in runs], out / REPORT_FILE)


def _notes(poses: Poses) -> str:
    ident = poses.meta.get("identity") or {}
    spans = ident.get("doubt_positions") or []
    doubt = sum(b - a + 1 for a, b in spans)
    return f"{ident.get('chosen_by', '')}; identity in doubt in {doubt} frames".strip("; ")
