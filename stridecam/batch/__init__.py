"""Squad batches: many clips, in parallel, resumable, with squad outputs; local or on Dask.

``run_batch(source, out_root, workers=2, scheduler=None, force=False, ...) -> BatchOutcome``
(``run.py``). Modules:

- ``discover``: roster CSV or folder (+ optional ``batch.toml``) -> ``ClipEntry`` list with
  unique output folders ``<out>/<athlete>/<clip stem>/``;
- ``job``: ``ClipTask`` and ``process_clip(task) -> status dict``, the per-clip work that every
  executor runs (the model is loaded once per worker), done-markers;
- ``executor``: local spawned worker processes (survives a dying worker) or a Dask cluster;
- ``squad``: ``squad_summary.csv``, ``errors.csv``, ``batch_status.csv``, ``squad_report.pdf``;
- ``run``: the orchestration (keys, skipping, progress, exit code); ``command``: the CLI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from stridecam.batch.discover import ClipEntry, Plan, discover

if TYPE_CHECKING:
    from stridecam.batch.job import ClipTask, process_clip
    from stridecam.batch.run import BatchOutcome, run_batch

#: Names imported on first use: ``stridecam --help`` and the parser need none of them.
_LAZY = {"ClipTask": "job", "process_clip": "job", "BatchOutcome": "run", "run_batch": "run"}

__all__ = ["BatchOutcome", "ClipEntry", "ClipTask", "Plan", "discover", "process_clip",
           "run_batch"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"stridecam.batch.{_LAZY[name]}"), name)
    raise AttributeError(name)
