"""``run_batch``: a folder or roster of clips -> per-clip outputs + squad outputs, resumably.

Order of work (the parent process does no video or pose work itself):

1. ``discover`` the clips; resolve the pose model once (a missing model stops here, exit 2);
2. for each clip: its landmark cache key (``pipeline.pose_cache_key``: clip content + model +
   pose settings; a file that is not a usable video, is truncated past use or is too short for
   a step fails here, with ``video.check_clip``'s reason, and never occupies a worker) and from
   it the *done key* (adds every setting, the athlete, the limiter reference's content, the
   stridecam version and whether a PDF is made). A clip whose folder holds a done-marker with
   the same key is skipped; ``force`` redoes everything, landmarks included;
3. the rest run through ``executor.run_local`` (``workers`` processes, longest clips first) or
   ``executor.run_dask``; one progress bar, one status line per clip;
4. ``errors.csv``, ``squad_summary.csv``, ``batch_status.csv`` and ``squad_report.pdf`` in the
   output root. Exit code: 0 all clips done, 1 some failed, 2 none could be analysed.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from stridecam import __version__
from stridecam.analysis.limiter import Reference
from stridecam.batch import executor, squad
from stridecam.batch.compare import judged_table
from stridecam.batch.discover import ClipEntry, Plan, discover
from stridecam.batch.job import ClipTask, is_done, process_clip, read_done, worker_init
from stridecam.io.config import load_reference
from stridecam.io.store import file_sha256
from stridecam.model.errors import InputError, StridecamError
from stridecam.model.result import RunResult
from stridecam.model.serial import to_jsonable
from stridecam.model.settings import Settings

Echo = Callable[[str], None]


@dataclass
class BatchOutcome:
    """What a batch did. ``statuses``: one record per clip, in plan order."""

    out_root: Path
    statuses: list[dict]
    squad: pd.DataFrame
    errors: pd.DataFrame
    squad_report: str
    exit_code: int

    def count(self, status: str) -> int:
        return sum(1 for s in self.statuses if s["status"] == status)


def cpu_cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def decode_threads_for(workers: int, cores: int) -> int:
    """PyAV decode threads per clip so ``workers`` parallel clips do not oversubscribe
    ``cores``: 1 when there are at least as many workers as cores, else the cores each worker
    has to itself. (Inference is single-threaded per process; decoding runs beside it.)"""
    return 1 if workers >= cores else max(1, cores // max(workers, 1))


def report_available() -> bool:
    """Whether ``stridecam.report`` is installed (decides whether PDFs are expected)."""
    import importlib.util

    return importlib.util.find_spec("stridecam.report") is not None


def done_key(pose_key: str, task: ClipTask, reference_sha: str | None, pdf: bool) -> str:
    """Key of a clip's finished outputs: everything that changes any file in its folder."""
    blob = json.dumps({"pose_key": pose_key, "settings": to_jsonable(task.settings),
                       "athlete": task.athlete, "mass_kg": task.mass_kg,
                       "reference": reference_sha, "version": __version__, "pdf": pdf},
                      sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def run_batch(source: str | Path, out_root: str | Path, *, settings: Settings = Settings(),
              workers: int = 2,
              scheduler: str | None = None, reference: str | None = None, force: bool = False,
              settings_toml: str | None = None, pdf: bool = True, progress: bool = True,
              echo: Echo = print, job: Callable = process_clip) -> BatchOutcome:
    """Run a batch (see the module docstring). ``settings``: for every clip (a roster's or
    TOML's ``capture_fps`` and ``height_m`` replace the pose capture rate and the calibration
    height per clip);
    ``workers``: local worker processes (0 = run in this process, for debugging and tests);
    ``scheduler``: a Dask address (``tcp://HOST:PORT``) instead of local processes;
    ``pdf``: write report.pdf per clip and squad_report.pdf (when ``stridecam.report`` exists);
    ``job``: the per-clip function (tests swap it; it must be importable by workers)."""
    from stridecam.io.store import check_output_folder, output_folder

    out_root = Path(out_root)
    check_output_folder(out_root)  # fail before any work
    client = executor.connect(scheduler) if scheduler else None  # fail before any work
    try:
        # one batch at a time writes the squad files of ``out_root`` (each clip's job holds its
        # own folder the same way)
        with output_folder(out_root, on_wait=echo):
            return _run(source, out_root, settings=settings, workers=workers, client=client,
                        reference=reference, force=force, settings_toml=settings_toml,
                        pdf=pdf, progress=progress, echo=echo, job=job)
    finally:
        if client is not None:
            client.close()


def _run(source, out_root: Path, *, settings: Settings, workers: int, client, reference,
         force: bool,
         settings_toml, pdf: bool, progress: bool, echo: Echo, job: Callable) -> BatchOutcome:
    from stridecam.io.model_files import resolve_model

    plan = discover(source, settings_toml=settings_toml, skip=out_root)
    if not plan.entries:
        echo(f"{plan.source}: no clips found (video files: .mp4, .mov, .m4v, .avi, .mkv, ...)")
    pose = settings.pose
    resolve_model(pose.model_variant, pose.model_path)  # fail early (and download only once)
    ref = load_reference(reference)  # a bad TOML stops the batch here, not every clip in turn
    ref_sha = _file_sha(reference) if reference else None
    cores = cpu_cores()
    threads = 1 if client is not None else decode_threads_for(workers, cores)
    want_pdf, pdf = pdf, pdf and report_available()
    statuses: dict[str, dict] = {}
    pending: list[ClipTask] = []
    tasks = _tasks(plan, out_root, settings, reference, force, threads, pdf, ref_sha, statuses)
    bar = _Progress(len(plan.entries), progress, echo)
    try:
        for task in tasks:
            if task.out_dir in statuses:
                bar.show(statuses[task.out_dir])
            elif is_done(task):
                statuses[task.out_dir] = _skipped(task)
                bar.show(statuses[task.out_dir])
            else:
                pending.append(task)

        def on_result(status: dict) -> None:
            statuses[status["out_dir"]] = status
            bar.show(status)

        order = sorted(pending, key=lambda t: -t.frames_estimate)  # longest first
        if order and client is not None:
            executor.run_dask(order, client, job, on_result)
        elif order and workers == 0:
            for task in order:
                on_result(job(task))
        elif order:
            executor.run_local(order, min(workers, len(order)), job, on_result,
                               initializer=worker_init,
                               initargs=(pose.model_variant, pose.model_path,
                                         1 if workers >= cores else None))
    finally:
        bar.close()
    ordered = [statuses[t.out_dir] for t in tasks]
    return _finish(plan, tasks, ordered, out_root, echo, want_pdf, ref)


def _clip_settings(base: Settings, entry: ClipEntry) -> Settings:
    """A clip's settings: the batch's, with the roster's capture rate and height put in."""
    pose = replace(base.pose, capture_fps=entry.capture_fps or base.pose.capture_fps)
    height = entry.height_m if entry.height_m is not None else base.calibration.height_m
    return replace(base, pose=pose, calibration=replace(base.calibration, height_m=height))


def _tasks(plan: Plan, out_root: Path, base: Settings, reference, force, threads, pdf, ref_sha,
           statuses: dict) -> list[ClipTask]:
    """One ``ClipTask`` per entry; entries that cannot run get a failed status right away."""
    from stridecam.io.video import check_clip, require_step
    from stridecam.pipeline import pose_cache_key

    tasks = []
    for e in plan.entries:
        settings = _clip_settings(base, e)
        task = ClipTask(name=e.name, clip=str(e.clip.absolute()), out_dir=str(out_root / e.rel_out),
                        settings=settings, athlete=e.athlete, mass_kg=e.mass_kg,
                        date=e.date or None, notes=e.notes,
                        reference=reference, force=force, decode_threads=threads, report=pdf)
        tasks.append(task)
        if e.problem:
            statuses[task.out_dir] = executor.failed_status(task, e.problem)
            continue
        try:  # cheap checks first: a bad file then never occupies a worker
            info, timeline = check_clip(task.clip, settings.pose.capture_fps)
            require_step(info, timeline)
            key = pose_cache_key(task.clip, settings.pose)
        except InputError as exc:
            statuses[task.out_dir] = executor.failed_status(task, str(exc))
            continue
        except OSError as exc:
            statuses[task.out_dir] = executor.failed_status(task, _os_reason(e.clip, exc))
            continue
        tasks[-1] = replace(task, done_key=done_key(key, task, ref_sha, pdf),
                            date=task.date or (info.recorded or "")[:10] or None,
                            frames_estimate=info.n_frames or int(info.duration_s *
                                                                 info.nominal_fps))
    return tasks


def _os_reason(path: Path, exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return f"{path}: no such file"
    if isinstance(exc, IsADirectoryError):
        return f"{path}: is a folder, not a video file"
    return f"{path}: cannot be read ({exc.strerror or exc})"


def _file_sha(path: str) -> str:
    try:
        return file_sha256(path)
    except OSError as exc:
        raise StridecamError(f"{path}: reference file cannot be read ({exc.strerror})") from exc


def _skipped(task: ClipTask) -> dict:
    marker = read_done(task.out_dir) or {}
    return {"name": task.name, "clip": task.clip, "out_dir": task.out_dir,
            "athlete": task.athlete, "status": "skipped", "pose_ran": False,
            "landmarker_calls": 0, "frames": marker.get("frames"),
            "n_steps": marker.get("n_steps"), "verdict": marker.get("verdict"),
            "report": marker.get("report", "")}


def _finish(plan: Plan, tasks: list[ClipTask], statuses: list[dict], out_root: Path,
            echo: Echo, pdf: bool, reference: Reference) -> BatchOutcome:
    """Squad outputs from every finished clip's summary.json (each run judged also against the
    athlete's earlier runs and the squad: ``compare``); the exit code."""
    from stridecam.io.store import load_run, write_table

    rows: list[dict] = []
    summaries: list[RunResult] = []
    for task, status in zip(tasks, statuses, strict=True):
        if status["status"] == "failed":
            continue
        try:
            summary = load_run(task.out_dir)
        except StridecamError as exc:
            status.update(status="failed", reason=f"{task.out_dir}: {exc}")
            continue
        rows.append(squad.squad_row(summary, athlete=task.athlete, date=task.date,
                                    clip=task.name, notes=task.notes,
                                    output=Path(task.out_dir).relative_to(out_root).as_posix()))
        summaries.append(summary)
    table, ordered_summaries = judged_table(rows, summaries, reference)
    errors = squad.errors_table(s for s in statuses if s["status"] == "failed")
    out_root.mkdir(parents=True, exist_ok=True)
    write_table(errors, out_root / squad.ERRORS_FILE)
    write_table(table, out_root / squad.SQUAD_FILE)
    write_table(squad.status_table(statuses, out_root), out_root / squad.STATUS_FILE)
    pdf_note = "no runs" if pdf else "not asked"
    if len(table) and pdf:
        try:
            pdf_note = squad.write_squad_pdf(table, ordered_summaries,
                                             out_root / squad.SQUAD_REPORT_FILE)
        except Exception as exc:  # noqa: BLE001 - the CSVs are written; report the PDF failure
            pdf_note = f"failed: {type(exc).__name__}: {' '.join(str(exc).split())}"
    ok = sum(1 for s in statuses if s["status"] != "failed")
    failed = len(statuses) - ok
    exit_code = 0 if ok and not failed and not pdf_note.startswith("failed") else (1 if ok else 2)
    done = sum(1 for s in statuses if s["status"] == "done")
    echo(f"{plan.source}: {len(statuses)} clip(s): {done} analysed, {ok - done} already done, "
         f"{failed} failed -> {out_root}")
    if failed:
        echo(f"  reasons in {out_root / squad.ERRORS_FILE}")
    echo(f"  squad table {out_root / squad.SQUAD_FILE}; squad report: {pdf_note}")
    return BatchOutcome(out_root, statuses, table, errors, pdf_note, exit_code)


class _Progress:
    """One tqdm bar for the batch (stderr, only on a terminal) plus a status line per clip."""

    def __init__(self, total: int, enabled: bool, echo: Echo) -> None:
        self.echo = echo
        self.bar = None
        if enabled:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="clip", desc="batch", disable=None, leave=True)
            if self.bar.disable:
                self.bar = None

    def show(self, status: dict) -> None:
        line = status_line(status)
        if self.bar is not None:
            self.bar.write(line)
            self.bar.update(1)
        else:
            self.echo(line)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def status_line(status: dict) -> str:
    """One terminal line for a finished clip."""
    name, state = status["name"], status["status"]
    if state == "failed":
        return f"FAILED   {name}: {status.get('reason', '')}"
    if state == "skipped":
        return f"skipped  {name}: already done with this clip and these settings"
    how = "pose extracted" if status.get("pose_ran") else "landmarks from cache"
    return (f"done     {name}: {status.get('n_steps')} steps, verdict {status.get('verdict')}, "
            f"{how}, {status.get('elapsed_s', 0.0):.1f} s")


__all__ = ["BatchOutcome", "ClipEntry", "run_batch", "status_line"]
