"""The per-clip job of a batch: one clip in, its output folder written, a small status back.

``process_clip(task) -> dict`` is the only function the executors run (local worker processes
and Dask workers alike). It never raises for a bad clip: a ``StridecamError`` becomes a
``"failed"`` status with the error's one-line message. What it writes, in ``task.out_dir``:
the files ``stridecam analyse`` writes (``steps.csv``, ``contacts.csv``, ``summary.json``,
``landmarks.parquet`` + ``landmarks.json``), ``report.pdf`` when ``stridecam.report`` exists,
and LAST the done-marker ``batch_done.json`` holding ``task.done_key``. Every file is written to a
temp file and renamed, so a killed job leaves either the old file or the new one, and a clip
without a matching done-marker is simply redone (its landmarks come from the cache if they were
saved before the kill).

The pose model is loaded once per worker process (per thread under Dask's threaded workers) and
reused for every clip that process runs: ``worker_estimator``.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stridecam.model.errors import StridecamError
from stridecam.model.result import RunResult
from stridecam.model.settings import Settings

DONE_FILE = "batch_done.json"
RUN_REPORT_FILE = "report.pdf"
TRACEBACK_FILE = "error_traceback.txt"
#: Files a finished clip must have besides the done-marker (the report is optional).
REQUIRED_FILES = ("steps.csv", "contacts.csv", "summary.json", "landmarks.parquet",
                  "landmarks.json")

_LOCAL = threading.local()


@dataclass(frozen=True)
class ClipTask:
    """Everything one clip's job needs; plain data (pickles to worker processes and Dask).

    ``name``: how the clip is shown (path relative to the batch folder or roster);
    ``settings``: every setting of this clip (its pose ``capture_fps`` and calibration
    ``height_m`` are this clip's); ``mass_kg``: the athlete's body mass (None: the
    force-velocity profile per kg only);
    ``done_key``: resumability key (clip content + every setting that changes outputs), written
    into the done-marker; ``decode_threads``: PyAV threads for this clip (0 = FFmpeg's choice);
    ``report``: write ``report.pdf`` if the report module is importable;
    ``frames_estimate``: frame count from the container, to start long clips first.
    """

    name: str
    clip: str
    out_dir: str
    settings: Settings = field(default_factory=Settings)
    athlete: str | None = None
    mass_kg: float | None = None
    date: str | None = None
    notes: str | None = None
    reference: str | None = None
    done_key: str = ""
    force: bool = False
    decode_threads: int = 0
    report: bool = True
    frames_estimate: int = 0


# ------------------------------------------------------------------ worker state
def worker_init(model_variant: str, model_path: str | None, cv2_threads: int | None) -> None:
    """Initializer of local worker processes: thread limits, then load the model once.

    A model that cannot be loaded is not raised here (that would break the whole pool and hide
    the reason): the first clip's job meets the same error and reports it as that clip's reason.
    """
    if cv2_threads is not None:
        import cv2

        cv2.setNumThreads(cv2_threads)
    with contextlib.suppress(StridecamError):
        worker_estimator(model_variant, model_path)


def worker_estimator(model_variant: str, model_path: str | None):
    """The ``PoseEstimator`` of this worker (thread), loaded on first use and then reused."""
    from stridecam.io.model_files import resolve_model
    from stridecam.io.pose import PoseEstimator

    model = Path(resolve_model(model_variant, model_path)).resolve()
    est = getattr(_LOCAL, "estimator", None)
    if est is None or est.model_path != model:
        if est is not None:
            est.close()
        est = PoseEstimator(model)
        _LOCAL.estimator = est
        _LOCAL.loads = getattr(_LOCAL, "loads", 0) + 1
    return est


def model_loads() -> int:
    """How many times this worker (thread) loaded a model (1 after any number of clips)."""
    return getattr(_LOCAL, "loads", 0)


# ------------------------------------------------------------------ done-markers
def read_done(out_dir: str | Path) -> dict | None:
    """The done-marker of ``out_dir`` if it is readable and every required file exists."""
    folder = Path(out_dir)
    try:
        marker = json.loads((folder / DONE_FILE).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(marker, dict) or not all((folder / f).is_file() for f in REQUIRED_FILES):
        return None
    return marker


def is_done(task: ClipTask) -> bool:
    """True if ``task``'s outputs are complete for exactly these inputs and settings."""
    if task.force or not task.done_key:
        return False
    marker = read_done(task.out_dir)
    return marker is not None and marker.get("done_key") == task.done_key


# ------------------------------------------------------------------ the job
def process_clip(task: ClipTask) -> dict:
    """Run one clip end to end; returns a status record (JSON-ready dict, never raises for a
    bad clip).

    Keys: ``name``, ``status`` ("done" | "failed"), ``reason`` (one line, failed only),
    ``pose_ran`` (landmarks were extracted now, not read from the cache), ``landmarker_calls``,
    ``frames``, ``n_steps``, ``verdict``, ``report`` (written | a note why not), ``elapsed_s``,
    ``pid``, ``model_loads`` (models this worker has loaded so far: 1 when reused).
    """
    t0 = time.perf_counter()
    status: dict[str, Any] = {"name": task.name, "clip": task.clip, "out_dir": task.out_dir,
                              "athlete": task.athlete, "pid": os.getpid()}
    try:
        status.update(_run(task))
        status["status"] = "done"
    except StridecamError as exc:
        status.update(status="failed", reason=_one_line(str(exc)))
        if isinstance(exc, ReportFailed):
            _write_traceback(task.out_dir)
    except Exception as exc:  # noqa: BLE001 - a bug on one clip must not stop the batch
        status.update(status="failed",
                      reason=_one_line(f"unexpected {type(exc).__name__}: {exc} "
                                       f"(traceback in {TRACEBACK_FILE})"))
        _write_traceback(task.out_dir)
    status["elapsed_s"] = time.perf_counter() - t0
    return status


def _run(task: ClipTask) -> dict:
    from stridecam.io.store import output_folder

    # one run at a time writes into a clip's folder; temp files of a killed run are removed
    with output_folder(task.out_dir):
        return _run_locked(task)


def _run_locked(task: ClipTask) -> dict:
    from stridecam.io.store import write_json
    from stridecam.pipeline import analyse_clip

    out = Path(task.out_dir)
    (out / DONE_FILE).unlink(missing_ok=True)  # from here on the folder is "not done"
    pose = task.settings.pose
    run = analyse_clip(
        task.clip, out, task.settings, athlete=task.athlete, reference=task.reference,
        force=task.force, decode_threads=task.decode_threads, mass_kg=task.mass_kg,
        estimator=lambda: worker_estimator(pose.model_variant, pose.model_path))
    result, cached = run.result, run.from_cache
    report = write_run_pdf(result, out / RUN_REPORT_FILE) if task.report else "not asked"
    record = {
        "pose_ran": not cached,
        "landmarks_from_cache": cached,
        "landmarker_calls": 0 if cached else int(run.poses.meta.get("landmarker_calls_total", 0)),
        "frames": int(run.poses.n_frames),
        "n_steps": result.summary.n_steps,
        "verdict": result.verdict.label if result.verdict else None,
        "report": report,
        "model_loads": model_loads(),
    }
    write_json(out / DONE_FILE, {"done_key": task.done_key, "clip": task.clip,
                                 "name": task.name, **record})
    return record


def report_function(name: str):
    """``stridecam.report.<name>`` and None, or None and a note saying why it is unavailable
    (the report package is optional for batches: absent, incomplete or missing a dependency)."""
    import importlib
    import importlib.util

    if importlib.util.find_spec("stridecam.report") is None:
        return None, "skipped: stridecam.report is not installed"
    try:
        return getattr(importlib.import_module("stridecam.report"), name), ""
    except (ImportError, AttributeError) as exc:
        return None, f"skipped: stridecam.report.{name} not available ({exc})"


class ReportFailed(StridecamError):
    """The analysis outputs are written but the PDF report raised."""


def write_run_pdf(result: RunResult, pdf: Path) -> str:
    """``report.pdf`` of one run via ``stridecam.report.write_run_report``, atomically.

    Returns "written" or a note saying why there is none; raises ``ReportFailed`` (naming the
    cause) if the report function itself fails."""
    from stridecam.io.store import atomic_path

    write, note = report_function("write_run_report")
    if write is None:
        return note
    try:
        with atomic_path(pdf) as tmp:
            write(result, tmp)
    except StridecamError:
        raise
    except Exception as exc:  # noqa: BLE001 - any report bug becomes this clip's reason
        raise ReportFailed(f"{pdf}: the analysis files are written but the PDF report failed "
                           f"({type(exc).__name__}: {exc})") from exc
    return "written"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _write_traceback(out_dir: str) -> None:
    from stridecam.io.store import atomic_write

    with contextlib.suppress(OSError), atomic_write(Path(out_dir) / TRACEBACK_FILE, "w") as fh:
        fh.write(traceback.format_exc())
