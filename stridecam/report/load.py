"""What a report needs, from a saved run folder or from a fresh ``RunResult``.

A run folder (``reports/<clip>/``, written by ``pipeline.analyse_clip``) holds ``summary.json``,
``steps.csv``, ``contacts.csv`` and the cached landmarks (``landmarks.parquet`` + ``.json``).
The numbers a report prints come from the saved tables and summary, exactly as written. The
time series (thigh angles, knee heights, the skeleton) are not saved, so they are recomputed
by running ``analysis.analyse_poses`` on the cached landmarks with the saved calibration (no
pose inference, well under a second); if that re-analysis finds other touchdowns than the saved
tables (an older stridecam wrote them), ``RunData.notes`` says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stridecam.model.columns import EVENT_COLUMNS, STEP_COLUMNS
from stridecam.model.errors import StridecamError
from stridecam.analysis.limiter import Indicator, Reason, Verdict
from stridecam.model.poses import Poses
from stridecam.io.store import (EVENTS_FILE, LANDMARKS_FILE, LANDMARKS_META, STEPS_FILE, SUMMARY_FILE,
                     load_poses)
from stridecam.model.track import Track

#: Touchdown times of a re-analysis within this many seconds of the saved ones agree.
SAME_EVENT_S = 0.002


@dataclass
class RunData:
    """One run, ready to report. ``track`` / ``poses`` are None when no landmarks are saved;
    ``clip`` is None when the video cannot be found (the kinogram then draws the skeleton)."""

    summary: dict[str, Any]
    steps: pd.DataFrame
    contacts: pd.DataFrame
    verdict: Verdict | None
    track: Track | None = None
    poses: Poses | None = None
    clip: Path | None = None
    folder: Path | None = None
    landmarks_meta: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The clip's name without suffix (the report's title)."""
        src = self.summary.get("source") or (self.folder.name if self.folder else "run")
        return Path(str(src)).stem if not str(src).startswith("simulated:") else str(src)


def _float(x: Any) -> float:
    return float("nan") if x is None else float(x)


def verdict_from_dict(data: dict[str, Any] | None) -> Verdict | None:
    """Rebuild a ``Verdict`` from its ``to_dict()`` form (None where JSON holds null floats)."""
    if not data:
        return None
    ev = []
    for item in data.get("evidence") or ():
        item = dict(item)
        for key in ("value", "reference_low", "reference_high", "weight", "score"):
            item[key] = _float(item.get(key))
        ev.append(Indicator(**item))
    reasons = tuple(Reason(**r) for r in data.get("reasons") or ())
    fields = {k: v for k, v in data.items() if k in Verdict.__dataclass_fields__}
    fields.update(evidence=tuple(ev), reasons=reasons, notes=tuple(data.get("notes") or ()),
                  confidence=_float(data.get("confidence")),
                  recycling_score=_float(data.get("recycling_score")),
                  force_score=_float(data.get("force_score")))
    return Verdict(**fields)


def _read_table(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    if not path.exists():
        return pd.DataFrame({c: pd.Series(dtype=float) for c in columns})
    try:
        return pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise StridecamError(f"{path}: cannot be read as a table ({exc})") from exc


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


def _calibration(summary: dict[str, Any]):
    from stridecam.analysis.clean import Calibration

    raw = ((summary.get("settings") or {}).get("calibration") or {})
    if not raw:
        raw = {"height_m": (summary.get("athlete") or {}).get("height_m")}

    def tup(v):
        return tuple(tup(x) for x in v) if isinstance(v, (list, tuple)) else v

    fields = {k: tup(v) for k, v in raw.items() if k in Calibration.__dataclass_fields__}
    return Calibration(**fields)


def _same_events(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    ta = a.get("touchdown_time_s", pd.Series(dtype=float)).to_numpy(float)
    tb = b.get("touchdown_time_s", pd.Series(dtype=float)).to_numpy(float)
    return len(ta) == len(tb) and bool(np.all(np.abs(ta - tb) <= SAME_EVENT_S))


def load_run(folder: str | Path, clip: str | Path | None = None, *,
             reanalyse: bool = True) -> RunData:
    """Read a saved run folder (see the module docstring). ``clip`` overrides the video path.

    Raises ``StridecamError`` when ``summary.json`` is missing or unreadable.
    """
    folder = Path(folder)
    path = folder / SUMMARY_FILE
    if not folder.is_dir():
        raise StridecamError(f"{folder}: no such folder")
    try:
        summary = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise StridecamError(f"{folder}: no {SUMMARY_FILE} here; analyse the clip first "
                             f"(stridecam analyse CLIP -o {folder})") from exc
    except (OSError, ValueError) as exc:
        raise StridecamError(f"{path}: cannot be read ({exc})") from exc
    steps = _read_table(folder / STEPS_FILE, STEP_COLUMNS)
    contacts = _read_table(folder / EVENTS_FILE, EVENT_COLUMNS)
    data = RunData(summary=summary, steps=steps, contacts=contacts,
                   verdict=verdict_from_dict(summary.get("verdict")), folder=folder)
    if (folder / LANDMARKS_FILE).exists() and (folder / LANDMARKS_META).exists():
        data.poses = load_poses(folder)
        data.landmarks_meta = json.loads((folder / LANDMARKS_META).read_text())
        if reanalyse:
            from stridecam.analysis.run import analyse_poses

            result = analyse_poses(data.poses, _calibration(summary))
            data.track = result.track
            if not _same_events(result.steps, steps):
                data.notes.append(
                    "Re-analysing the saved landmarks with this stridecam version finds other "
                    "touchdowns than the saved tables: the traces come from the re-analysis, "
                    "the numbers from the saved tables. Run `stridecam analyse` again to "
                    "refresh them.")
    else:
        data.notes.append("No saved landmarks: the angle traces and the skeleton are left out.")
    data.clip = find_clip(summary.get("source"), folder, clip)
    return data


def from_result(result, folder: str | Path | None = None, *, poses: Poses | None = None,
                clip: str | Path | None = None) -> RunData:
    """``RunData`` of a fresh ``RunResult``; its landmarks are read from ``folder`` when
    ``poses`` is not given and the folder's landmarks belong to the same source."""
    folder = Path(folder) if folder is not None else None
    meta: dict[str, Any] = {}
    if folder is not None and (folder / LANDMARKS_META).exists():
        meta = json.loads((folder / LANDMARKS_META).read_text())
        if poses is None and meta.get("source") == result.source:
            poses = load_poses(folder)
    return RunData(summary=result.summary, steps=result.steps, contacts=result.contacts,
                   verdict=result.verdict, track=result.track, poses=poses,
                   clip=find_clip(result.source, folder, clip), folder=folder,
                   landmarks_meta=meta)

