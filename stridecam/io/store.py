"""Files on disk: atomic writes, ``Poses`` as Parquet + JSON, and the landmark cache key.

Edge module. Every file stridecam writes goes through ``atomic_write`` (temp file in the same
folder, then ``os.replace``), so a killed run never leaves a half-written output.

Landmarks layout (``landmarks.parquet``, zstd): one row per kept frame, columns ``time_s``,
``frame_index``, then per landmark ``<name>_x_px``, ``<name>_y_px``, ``<name>_z_rel``,
``<name>_visibility``, ``<name>_world_x_m``, ``<name>_world_y_m``, ``<name>_world_z_m``.
``landmarks.json`` beside it holds everything else of the ``Poses`` plus the cache key.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stridecam import __version__
from stridecam.model.columns import EVENT_COLUMNS, STEP_COLUMNS
from stridecam.model.errors import StridecamError
from stridecam.model.landmarks import NAMES
from stridecam.model.poses import Flag, Poses
from stridecam.model.result import RunResult
from stridecam.model.serial import run_from_json, run_to_json, to_jsonable

_UMASK = os.umask(0)
os.umask(_UMASK)

LANDMARKS_FILE = "landmarks.parquet"
LANDMARKS_META = "landmarks.json"
_PER_LANDMARK = ("x_px", "y_px", "z_rel", "visibility", "world_x_m", "world_y_m", "world_z_m")


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temp file name beside ``path``; on success rename it over ``path``, else delete it.

    For writers that want a file name (Parquet, PDF, video); see ``atomic_write`` for a handle.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".part{path.suffix}",
                               dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; outputs get the usual mode
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "wb") -> Iterator[Any]:
    """Open a temp file beside ``path`` for writing; renamed over ``path`` only on success."""
    with atomic_path(path) as tmp, open(tmp, mode) as fh:
        yield fh


def write_json(path: str | Path, data: Any) -> None:
    """Write ``data`` as indented UTF-8 JSON, atomically (NaN becomes null)."""
    text = json.dumps(to_jsonable(data), indent=2, ensure_ascii=False, allow_nan=False)
    with atomic_write(path, "w") as fh:
        fh.write(text + "\n")


def file_sha256(path: str | Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes, read in chunks (constant memory)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def cache_key(clip_sha256: str, model_sha256: str, settings: dict[str, Any]) -> str:
    """Key of a landmark extraction: clip content + model content + settings that change output."""
    blob = json.dumps({"clip": clip_sha256, "model": model_sha256,
                       "settings": to_jsonable(settings)}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


# ------------------------------------------------------------------------------- Poses I/O
def poses_to_frame(poses: Poses) -> pd.DataFrame:
    """The wide landmarks table (see module docstring)."""
    cols: dict[str, np.ndarray] = {"time_s": poses.time_s, "frame_index": poses.frame_index}
    per = (poses.xy_px[:, :, 0], poses.xy_px[:, :, 1], poses.z_rel, poses.visibility,
           poses.world_m[:, :, 0], poses.world_m[:, :, 1], poses.world_m[:, :, 2])
    for j, name in enumerate(NAMES):
        for suffix, arr in zip(_PER_LANDMARK, per):
            cols[f"{name}_{suffix}"] = arr[:, j]
    return pd.DataFrame(cols)


def save_poses(poses: Poses, folder: str | Path, key: str | None = None) -> Path:
    """Write ``landmarks.parquet`` and ``landmarks.json`` into ``folder``; returns the Parquet
    path."""
    folder = Path(folder)
    table = poses_to_frame(poses)
    parquet = folder / LANDMARKS_FILE
    with atomic_path(parquet) as tmp:
        table.to_parquet(tmp, compression="zstd", index=False)
    write_json(folder / LANDMARKS_META, {
        "schema": "stridecam.landmarks/1",
        "stridecam_version": __version__,
        "cache_key": key,
        "frame_size_px": list(poses.frame_size_px),
        "source": poses.source,
        "model": poses.model,
        "nominal_fps": poses.nominal_fps,
        "capture_fps": poses.capture_fps,
        "flags": [f.to_dict() for f in poses.flags],
        "meta": poses.meta,
    })
    return parquet


def load_poses(folder: str | Path) -> Poses:
    """Read what ``save_poses`` wrote. Raises ``StridecamError`` naming the file if unreadable."""
    folder = Path(folder)
    meta_path, parquet = folder / LANDMARKS_META, folder / LANDMARKS_FILE
    try:
        meta = json.loads(meta_path.read_text())
        table = pd.read_parquet(parquet)
    except (OSError, ValueError) as exc:
        raise StridecamError(f"{folder}: saved landmarks cannot be read ({exc})") from exc
    n = len(table)

    def grid(suffix: str) -> np.ndarray:
        return np.stack([table[f"{name}_{suffix}"].to_numpy(float) for name in NAMES], axis=1) \
            if n else np.zeros((0, len(NAMES)))

    return Poses(
        time_s=table["time_s"].to_numpy(float),
        frame_index=table["frame_index"].to_numpy(np.int64),
        xy_px=np.stack([grid("x_px"), grid("y_px")], axis=2),
        z_rel=grid("z_rel"),
        visibility=grid("visibility"),
        world_m=np.stack([grid("world_x_m"), grid("world_y_m"), grid("world_z_m")], axis=2),
        frame_size_px=tuple(meta["frame_size_px"]),
        source=meta["source"],
        model=meta["model"],
        nominal_fps=meta["nominal_fps"],
        capture_fps=meta["capture_fps"],
        flags=tuple(Flag(**f) for f in meta.get("flags", [])),
        meta=meta.get("meta", {}),
    )


def cached_key(folder: str | Path) -> str | None:
    """The cache key stored with saved landmarks in ``folder``, or None if there are none."""
    meta_path = Path(folder) / LANDMARKS_META
    if not (meta_path.exists() and (Path(folder) / LANDMARKS_FILE).exists()):
        return None
    try:
        return json.loads(meta_path.read_text()).get("cache_key")
    except (OSError, ValueError):
        return None


# ------------------------------------------------------------------------------- run outputs
STEPS_FILE = "steps.csv"
EVENTS_FILE = "contacts.csv"
SUMMARY_FILE = "summary.json"


def write_table(table: pd.DataFrame, path: str | Path) -> None:
    """Write a table as CSV (UTF-8, no index), atomically."""
    with atomic_write(path, "w") as fh:
        table.to_csv(fh, index=False, float_format="%.6g")


def write_run(result: RunResult, folder: str | Path) -> dict[str, Path]:
    """Write a ``RunResult``'s steps CSV, contacts CSV and summary JSON into ``folder``."""
    folder = Path(folder)
    paths = {"steps": folder / STEPS_FILE, "contacts": folder / EVENTS_FILE,
             "summary": folder / SUMMARY_FILE}
    write_table(result.steps, paths["steps"])
    write_table(result.contacts, paths["contacts"])
    write_json(paths["summary"], run_to_json(result))
    return paths


def _read_table(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    if not path.exists():
        return pd.DataFrame({c: pd.Series(dtype=float) for c in columns})
    try:
        return pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise StridecamError(f"{path}: cannot be read as a table ({exc})") from exc


def load_run(folder: str | Path) -> RunResult:
    """The ``RunResult`` saved in a run folder (``summary.json`` + the two tables; no track).

    Raises ``StridecamError`` naming the folder or file when it is missing or unreadable."""
    folder = Path(folder)
    path = folder / SUMMARY_FILE
    if not folder.is_dir():
        raise StridecamError(f"{folder}: no such folder")
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise StridecamError(f"{folder}: no {SUMMARY_FILE} here; analyse the clip first "
                             f"(stridecam analyse CLIP -o {folder})") from exc
    except (OSError, ValueError) as exc:
        raise StridecamError(f"{path}: cannot be read ({exc})") from exc
    return run_from_json(data, _read_table(folder / STEPS_FILE, STEP_COLUMNS),
                         _read_table(folder / EVENTS_FILE, EVENT_COLUMNS), where=str(path))


def write_marked_section(path: str | Path, key: str, title: str, body: str,
                         header: str = "") -> None:
    """Put ``## title`` + ``body`` between ``<!-- section:key -->`` markers of a Markdown file
    (replacing that section if present, else appending it; ``header`` starts a new file), so
    scripts that measure different things can each keep their own part of one document."""
    path = Path(path)
    start, end = f"<!-- section:{key} -->", f"<!-- /section:{key} -->"
    block = f"{start}\n## {title}\n\n{body.strip()}\n{end}"
    text = path.read_text() if path.exists() else header
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    with atomic_write(path, "w") as fh:
        fh.write(text)
