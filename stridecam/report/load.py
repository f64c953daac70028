"""What a report needs, from a saved run folder or from a fresh ``RunResult``.

A run folder (``reports/<clip>/``, written by ``pipeline.analyse_clip``) holds ``summary.json``,
``steps.csv``, ``contacts.csv`` and the cached landmarks (``landmarks.parquet`` + ``.json``).
The numbers a report prints come from the saved run (``io.store.load_run``), exactly as written.
The time series (thigh angles, knee heights, the skeleton) are not saved, so the track is
recomputed by cleaning the cached landmarks with the saved settings (``analysis.clean``; no
pose inference, no video).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from stridecam.io.store import LANDMARKS_FILE, LANDMARKS_META, load_poses, load_run
from stridecam.model.errors import StridecamError
from stridecam.model.poses import Poses
from stridecam.model.result import RunResult
from stridecam.model.track import Track
from stridecam.model.verdict import Verdict


@dataclass
class RunData:
    """One run, ready to report: the ``result`` and what only the report needs beside it.
    ``poses`` is None when no landmarks are saved; ``clip`` is None when the video cannot be
    found (the kinogram then draws the skeleton)."""

    result: RunResult
    poses: Poses | None = None
    clip: Path | None = None
    folder: Path | None = None
    landmarks_meta: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def steps(self) -> pd.DataFrame:
        return self.result.steps

    @property
    def contacts(self) -> pd.DataFrame:
        return self.result.contacts

    @property
    def verdict(self) -> Verdict | None:
        return self.result.verdict

    @property
    def track(self) -> Track | None:
        return self.result.track

    @property
    def name(self) -> str:
        """The clip's name without suffix (the report's title)."""
        return self.result.name if self.result.source else (
            self.folder.name if self.folder else "run")


def find_clip(source: str | None, folder: Path | None = None,
              explicit: str | Path | None = None) -> Path | None:
    """The video of a run: ``explicit`` if given (must exist), else ``source`` as saved
    (relative to the working folder), beside the run folder, or relative to the folder that
    holds ``reports/``. None when not found."""
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise StridecamError(f"{path}: no such video file")
        return path
    if not source or str(source).startswith("simulated:"):
        return None
    src = Path(str(source))
    candidates = [src]
    if folder is not None:
        candidates += [folder / src.name, folder.parent / src.name]
        if not src.is_absolute():
            candidates += [p / src for p in folder.resolve().parents[:3]]
    for path in candidates:
        if path.is_file():
            return path
    return None


def load_run_data(folder: str | Path, clip: str | Path | None = None, *,
                  reanalyse: bool = True) -> RunData:
    """Read a saved run folder (see the module docstring). ``clip`` overrides the video path.

    Raises ``StridecamError`` when ``summary.json`` is missing or unreadable.
    """
    folder = Path(folder)
    result = load_run(folder)
    data = RunData(result=result, folder=folder)
    if (folder / LANDMARKS_FILE).exists() and (folder / LANDMARKS_META).exists():
        data.poses = _on_capture_time(load_poses(folder), result)
        data.landmarks_meta = json.loads((folder / LANDMARKS_META).read_text())
        if reanalyse:
            from stridecam.analysis.clean import clean

            s = result.settings
            data.result = result.replace(track=clean(data.poses, s.calibration, s.analysis.clean))
    else:
        data.notes.append("No saved landmarks: the angle traces and the skeleton are left out.")
    data.clip = find_clip(result.source, folder, clip)
    return data


def from_result(result: RunResult, folder: str | Path | None = None, *,
                poses: Poses | None = None, clip: str | Path | None = None) -> RunData:
    """``RunData`` of a fresh ``RunResult``; its landmarks are read from ``folder`` when
    ``poses`` is not given and the folder's landmarks belong to the same source."""
    folder = Path(folder) if folder is not None else None
    meta: dict[str, Any] = {}
    if folder is not None and (folder / LANDMARKS_META).exists():
        meta = json.loads((folder / LANDMARKS_META).read_text())
        if poses is None and meta.get("source") == result.source:
            poses = load_poses(folder)
    poses = _on_capture_time(poses, result) if poses is not None else None
    return RunData(result=result, poses=poses, clip=find_clip(result.source, folder, clip),
                   folder=folder, landmarks_meta=meta)


def _on_capture_time(poses: Poses, result: RunResult) -> Poses:
    """The landmarks on the time the run was analysed on (held images on their grid, a clip
    recognised as slow motion re-timed: ``analysis.timescale.replay``), so their times match
    the contacts'."""
    from stridecam.analysis.timescale import replay

    return replay(poses, result.timescale)
