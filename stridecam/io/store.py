"""Files on disk: atomic writes, ``Poses`` as Parquet + JSON, and the landmark cache key.

Edge module. Every file stridecam writes goes through ``atomic_write`` (temp file in the same
folder, then ``os.replace``), so a killed run never leaves a half-written output; a write that
fails (disk full, read-only) removes its temp file and raises ``OutputError`` naming the file.
A run holds ``output_folder(folder)`` while it writes: the folder is checked writable before any
work, two runs into one folder take turns (an advisory lock on the folder itself, released when
the process ends however it ends), and temp files a killed run left are removed.

Landmarks layout (``landmarks.parquet``, zstd): one row per kept frame, columns ``time_s``,
``frame_index``, then per landmark ``<name>_x_px``, ``<name>_y_px``, ``<name>_z_rel``,
``<name>_visibility``, ``<name>_world_x_m``, ``<name>_world_y_m``, ``<name>_world_z_m``.
``landmarks.json`` beside it holds everything else of the ``Poses`` plus the cache key and the
Parquet file's SHA-256: cached landmarks are used only when both files are whole, of this
schema and stridecam version, and belong together (``load_cached_poses``).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stridecam import __version__
from stridecam.model.columns import EVENT_COLUMNS, STEP_COLUMNS
from stridecam.model.errors import OutputError, StridecamError
from stridecam.model.landmarks import NAMES
from stridecam.model.poses import Flag, Poses
from stridecam.model.result import RunResult
from stridecam.model.serial import run_from_json, run_to_json, to_jsonable

_UMASK = os.umask(0)
os.umask(_UMASK)

log = logging.getLogger(__name__)

LANDMARKS_FILE = "landmarks.parquet"
LANDMARKS_META = "landmarks.json"
LANDMARKS_SCHEMA = "stridecam.landmarks/2"
#: Name pattern of the temp files ``atomic_path`` makes (``.<stem>.<random>.part<suffix>``).
TEMP_GLOB = ".*.part*"
#: errno values that mean "this cannot be written here" (not a bug): become ``OutputError``.
WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM,
                          errno.EFBIG, errno.EIO})
_PER_LANDMARK = ("x_px", "y_px", "z_rel", "visibility", "world_x_m", "world_y_m", "world_z_m")


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temp file name beside ``path``; on success rename it over ``path``, else delete it.

    For writers that want a file name (Parquet, PDF, video); see ``atomic_write`` for a handle.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".part{path.suffix}",
                                   dir=path.parent)
    except OSError as exc:
        raise _write_error(path, exc) from exc
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; outputs get the usual mode
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and exc.errno in WRITE_ERRNOS:
            raise _write_error(path, exc) from exc
        raise


def _write_error(path: Path, exc: OSError) -> OutputError:
    return OutputError(f"{path}: cannot be written ({exc.strerror or exc}); nothing was left "
                       "half-written")


def check_output_folder(folder: str | Path) -> Path:
    """Create ``folder`` if needed and check a file can be written in it; ``OutputError`` (one
    line naming the folder) if it is a file, under a file, read-only or otherwise unusable."""
    folder = Path(folder)
    existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():
        where = "is a file" if existing == folder else f"is under {existing}, which is a file"
        raise OutputError(f"output folder {folder}: {where}, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".stridecam-write-test.", suffix=".part", dir=folder)
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        raise OutputError(f"output folder {folder}: cannot be written "
                          f"({exc.strerror or exc})") from exc
    return folder


def remove_stale_temps(folder: str | Path) -> int:
    """Delete the temp files a killed writer left in ``folder`` (not in sub-folders); call it
    only while holding ``output_folder(folder)``. Returns how many were removed."""
    n = 0
    folder = Path(folder)
    if folder.is_dir():
        for tmp in folder.glob(TEMP_GLOB):
            with contextlib.suppress(OSError):
                tmp.unlink()
                n += 1
    return n


@contextlib.contextmanager
def output_folder(folder: str | Path, on_wait: Callable[[str], None] | None = None
                  ) -> Iterator[Path]:
    """Hold ``folder`` for one run's writes (see the module docstring): check it is writable
    (``check_output_folder``), wait while another stridecam process holds it (``on_wait`` is
    told once), remove stale temp files, yield it. The lock is ``flock`` on the folder itself
    (no lock file; the system drops it when the process ends, even on kill -9); where ``flock``
    is missing (Windows) runs are not serialised."""
    folder = check_output_folder(folder)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on POSIX
        remove_stale_temps(folder)
        yield folder
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait(f"{folder}: another stridecam run is writing here; waiting for it")
            fcntl.flock(fd, fcntl.LOCK_EX)
        remove_stale_temps(folder)
        yield folder
    finally:
        os.close(fd)  # releases the lock


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
    # the old metadata goes first: a run killed between the two files leaves no pair that
    # looks like a valid cache
    (folder / LANDMARKS_META).unlink(missing_ok=True)
    with atomic_path(parquet) as tmp:
        table.to_parquet(tmp, compression="zstd", index=False)
    write_json(folder / LANDMARKS_META, {
        "schema": LANDMARKS_SCHEMA,
        "stridecam_version": __version__,
        "cache_key": key,
        "parquet_sha256": file_sha256(parquet),
        "n_frames": poses.n_frames,
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
        raise StridecamError(f"{folder}: saved landmarks cannot be read "
                             f"({' '.join(str(exc).split())})") from exc
    n = len(table)
    if meta.get("n_frames", n) != n:
        raise StridecamError(f"{parquet}: holds {n} frames, {meta_path.name} says "
                             f"{meta['n_frames']}: the two files do not belong together")

    def grid(suffix: str) -> np.ndarray:
        return np.stack([table[f"{name}_{suffix}"].to_numpy(float) for name in NAMES], axis=1) \
            if n else np.zeros((0, len(NAMES)))

    try:
        return _poses_from(table, meta, grid)
    except (KeyError, TypeError, AttributeError) as exc:
        raise StridecamError(f"{folder}: saved landmarks are incomplete (missing {exc})") from exc


def _poses_from(table: pd.DataFrame, meta: dict, grid: Callable[[str], np.ndarray]) -> Poses:
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
    """The cache key stored with saved landmarks in ``folder``, or None if there are none, or
    they are not to be trusted: another schema or stridecam version, or a Parquet file that is
    not the one the metadata was written for (truncated, replaced, from a killed run)."""
    meta_path, parquet = Path(folder) / LANDMARKS_META, Path(folder) / LANDMARKS_FILE
    if not (meta_path.exists() and parquet.exists()):
        return None
    try:
        meta = json.loads(meta_path.read_text())
        if not (isinstance(meta, dict) and meta.get("schema") == LANDMARKS_SCHEMA
                and meta.get("stridecam_version") == __version__
                and meta.get("parquet_sha256") == file_sha256(parquet)):
            return None
        key = meta.get("cache_key")
    except (OSError, ValueError):
        return None
    return key if isinstance(key, str) else None


def load_cached_poses(folder: str | Path, key: str) -> Poses | None:
    """The landmarks saved in ``folder`` if they are whole and their cache key is ``key``; None
    (logged) when they are missing, stale or unreadable: the caller recomputes them."""
    if cached_key(folder) != key:
        return None
    try:
        return load_poses(folder)
    except StridecamError as exc:
        log.warning("%s: cached landmarks not used (%s)", folder, exc)
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
