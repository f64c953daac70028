"""Exports for scientists (edge module): per-frame angles and positions, a workbook, a TRC file.

Written beside ``steps.csv`` by ``write_exports`` (every file atomically, ``store.atomic_path``):

- ``frames.csv``: one row per sample of the cleaned track (its uniform grid, capture time):
  ``time_s``; ``frame_index``: the video frame of the nearest kept frame; the joint and segment
  angles of ``analysis.angles`` (deg); per landmark ``<name>_x_<u>``, ``<name>_y_<u>``: the
  cleaned track (x forward in the running direction with camera pan removed, y up from the
  ground line; ``<u>`` is ``m``, or ``leg`` (leg lengths) without a scale) and
  ``<name>_x_px``, ``<name>_y_px``: where the tracker put it in that video frame (image
  pixels, x right, y down; not cleaned). Empty = missing.
- ``run.xlsx``: sheets ``steps`` and ``contacts`` (the CSV tables, a units row under the
  header) and ``summary`` (every value of ``summary.json`` as a dotted key, its value and unit).
- ``landmarks.trc``: the cleaned 2-D track as OpenSim markers (the 33 landmark names), tab
  separated, ``Units`` m (leg lengths, "leg", without a scale: OpenSim cannot convert those).
  Axes: X forward (running direction), Y up (0 = ground line), Z = 0 (the camera's image
  plane: OpenSim's lateral axis); ``DataRate`` the track's sample rate; missing values NaN.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stridecam.analysis.angles import joint_angles
from stridecam.io.store import atomic_path, atomic_write, write_table
from stridecam.model.landmarks import NAMES
from stridecam.model.poses import Poses
from stridecam.model.result import RunResult
from stridecam.model.serial import run_to_json
from stridecam.model.track import Track

FRAMES_FILE = "frames.csv"
WORKBOOK_FILE = "run.xlsx"
TRC_FILE = "landmarks.trc"

#: Unit of a name by its ending (longest first), as the column names spell them.
_SUFFIX_UNITS = (
    ("n_s_m_kg", "N s/m/kg"), ("pct_s_m", "%/(m/s)"), ("n_s_m", "N s/m"), ("deg_s", "deg/s"),
    ("m_s2", "m/s^2"), ("leg_s2", "leg/s^2"), ("m_s", "m/s"), ("leg_s", "leg/s"),
    ("n_kg", "N/kg"), ("w_kg", "W/kg"), ("spm", "steps/min"), ("hz", "Hz"), ("fps", "1/s"),
    ("ms", "ms"), ("deg", "deg"), ("pct", "%"), ("px", "px"), ("kg", "kg"), ("leg", "leg"),
    ("frame", "frame"), ("frac", "fraction"), ("m", "m"), ("s", "s"), ("n", "N"), ("w", "W"),
)
#: Names whose unit the ending does not tell (summary keys).
_NAMED_UNITS = {"units_per_px": "{units}/px", "leg_length": "{units}", "n": "count",
                "n_steps": "count", "ground_slope": "px/px", "pan_ratio": "ratio",
                "detection_rate": "fraction", "direction_agreement": "fraction",
                "confidence": "0-1", "frames": "count"}


def unit_of(name: str, units: str = "m") -> str:
    """Unit of a column or summary key by its name ("" when it has none); ``units`` is the
    run's length unit ("m" or "leg") for the few names that take it."""
    if name in _NAMED_UNITS:
        return _NAMED_UNITS[name].format(units=units)
    for suffix, unit in _SUFFIX_UNITS:
        if name == suffix or name.endswith("_" + suffix):
            return unit
    return ""


def frames_table(result: RunResult, poses: Poses | None = None) -> pd.DataFrame:
    """The ``frames.csv`` table (module docstring); pixel columns only with ``poses``."""
    track = _track(result)
    u = track.scale.units
    angles = joint_angles(track)
    k = np.asarray(track.frame_of_sample, dtype=np.int64)
    cols: dict[str, Any] = {"time_s": track.time_s}
    cols["frame_index"] = poses.frame_index[k] if poses is not None else k
    cols.update({c: angles[c].to_numpy() for c in angles.columns if c != "time_s"})
    for j, name in enumerate(NAMES):
        cols[f"{name}_x_{u}"] = track.xy[:, j, 0]
        cols[f"{name}_y_{u}"] = track.xy[:, j, 1]
    if poses is not None:
        for j, name in enumerate(NAMES):
            cols[f"{name}_x_px"] = poses.xy_px[k, j, 0]
            cols[f"{name}_y_px"] = poses.xy_px[k, j, 1]
    return pd.DataFrame(cols)


def _track(result: RunResult) -> Track:
    if result.track is None:
        raise ValueError("the run has no track (a run read back from disk): re-analyse it")
    return result.track


# ----------------------------------------------------------------------------------- TRC
def write_trc(track: Track, path: str | Path) -> Path:
    """Write the track as an OpenSim TRC marker file (module docstring), atomically."""
    path = Path(path)
    n, m = track.n, len(NAMES)
    fps = track.fps if math.isfinite(track.fps) else 0.0
    lines = [f"PathFileType\t4\t(X/Y/Z)\t{path.name}",
             "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\t"
             "OrigDataStartFrame\tOrigNumFrames",
             f"{fps:.6g}\t{fps:.6g}\t{n}\t{m}\t{track.scale.units}\t{fps:.6g}\t1\t{n}",
             "Frame#\tTime\t" + "\t\t\t".join(NAMES),
             "\t\t" + "\t".join(f"{a}{i}" for i in range(1, m + 1) for a in "XYZ"),
             ""]
    xyz = np.concatenate([track.xy, np.zeros((n, m, 1))], axis=2).reshape(n, 3 * m)
    xyz[np.repeat(~np.isfinite(track.xy).all(axis=2), 3, axis=1)] = np.nan
    for i in range(n):
        values = "\t".join("NaN" if not math.isfinite(v) else f"{v:.6f}" for v in xyz[i])
        lines.append(f"{i + 1}\t{track.time_s[i]:.6f}\t{values}")
    with atomic_write(path, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    return path


# ------------------------------------------------------------------------------ workbook
def flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """(dotted key, value) of every leaf of a JSON-ready value; lists by index (``flags.0``)."""
    if isinstance(value, dict):
        out = []
        for k, v in value.items():
            out += flatten(v, f"{prefix}.{k}" if prefix else str(k))
        return out
    if isinstance(value, list):
        if not value:
            return [(prefix, "")]
        out = []
        for i, v in enumerate(value):
            out += flatten(v, f"{prefix}.{i}")
        return out
    return [(prefix, value)]


def summary_rows(result: RunResult) -> list[tuple[str, Any, str]]:
    """(key, value, unit) of every value in ``summary.json``: the unit from the key's last part
    that names one (``summary.metrics.contact_time_s.median`` -> s)."""
    units = result.scale.units
    rows = []
    for key, value in flatten(run_to_json(result)):
        unit = ""
        if not isinstance(value, (bool, str)):  # numbers, and None for a missing number
            for part in reversed(key.split(".")):
                if not part.isdigit() and (unit := unit_of(part, units)):
                    break
        rows.append((key, value, unit))
    return rows


def _cell(value: Any) -> Any:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def _sheet(wb: Any, title: str, table: pd.DataFrame, units: str) -> None:
    ws = wb.create_sheet(title)
    ws.append(list(table.columns))
    ws.append([unit_of(str(c), units) for c in table.columns])
    for row in table.itertuples(index=False):
        ws.append([_cell(v) for v in row])
    ws.freeze_panes = "A3"


def write_workbook(result: RunResult, path: str | Path) -> Path:
    """Write ``run.xlsx`` (module docstring), atomically."""
    from openpyxl import Workbook

    path = Path(path)
    wb = Workbook()
    wb.remove(wb.active)
    units = result.scale.units
    _sheet(wb, "steps", result.steps, units)
    _sheet(wb, "contacts", result.contacts, units)
    ws = wb.create_sheet("summary")
    ws.append(["key", "value", "unit"])
    for key, value, unit in summary_rows(result):
        ws.append([key, _cell(value), unit])
    ws.freeze_panes = "A2"
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return path


def write_exports(result: RunResult, folder: str | Path, poses: Poses | None = None
                  ) -> dict[str, Path]:
    """Write ``frames.csv``, ``run.xlsx`` and ``landmarks.trc`` into ``folder`` (the per-frame
    files only when the run has its track); returns their paths by name."""
    folder = Path(folder)
    paths = {"workbook": write_workbook(result, folder / WORKBOOK_FILE)}
    if result.track is not None:
        write_table(frames_table(result, poses), folder / FRAMES_FILE)
        paths["frames"] = folder / FRAMES_FILE
        paths["trc"] = write_trc(result.track, folder / TRC_FILE)
    return paths
