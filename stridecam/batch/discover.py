"""Which clips a batch runs, for which athlete, with which per-clip settings.

Two sources (pure apart from reading the folder listing, the CSV and the TOML):

- a **roster CSV**, one row per clip. Columns (header row, any order; only ``clip`` is
  required): ``athlete``, ``clip`` (path relative to the roster file), ``height_m`` (standing
  height, metres), ``mass_kg`` (body mass: the force-velocity profile in N and W), ``capture_fps``
  (real capture rate of a slow-motion clip), ``date``, ``notes``.
- a **folder**: every video file in it (recursively, hidden entries skipped). A clip in a
  sub-folder belongs to the athlete named by its first sub-folder; a clip directly in the folder
  has no athlete. Per-clip settings come from an optional TOML (default ``<folder>/batch.toml``)::

      height_m = 1.80            # every clip (all keys optional)
      capture_fps = 240
      date = "2025-06-01"
      [athletes.anna]            # clips of sub-folder anna/
      height_m = 1.68
      mass_kg = 58
      [clips."anna/run3.mp4"]    # one clip, path relative to the folder
      capture_fps = 120
      notes = "headwind"

Unknown columns or keys are an error naming the closest valid one. Each clip gets an output
folder ``<out>/<athlete>/<clip stem>/`` (``<out>/<clip stem>/`` without athlete); two clips that
would share one get the file suffix, then a number, appended.
"""

from __future__ import annotations

import csv
import difflib
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from stridecam.model.errors import ConfigError
from stridecam.model.result import MASS_RANGE_KG

VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".3gp", ".mts",
                            ".mpg", ".mpeg", ".wmv"})
ROSTER_COLUMNS = ("athlete", "clip", "height_m", "mass_kg", "capture_fps", "date", "notes")
CLIP_KEYS = ("height_m", "mass_kg", "capture_fps", "date", "notes")
#: The number-valued keys, each checked by ``_number``.
NUMBER_KEYS = ("height_m", "mass_kg", "capture_fps")
DEFAULT_SETTINGS_FILE = "batch.toml"


@dataclass(frozen=True)
class ClipEntry:
    """One clip to run. ``name``: as shown to the user; ``rel_out``: output folder relative to
    the batch output root; ``problem``: a one-line reason this row cannot run (bad value in the
    roster), or None."""

    name: str
    clip: Path
    rel_out: str
    athlete: str | None = None
    height_m: float | None = None
    mass_kg: float | None = None
    capture_fps: float | None = None
    date: str | None = None
    notes: str | None = None
    problem: str | None = None


@dataclass
class Plan:
    """What a source holds: the entries in a stable order, and where it came from."""

    source: Path
    kind: str  # "roster" or "folder"
    entries: list[ClipEntry] = field(default_factory=list)


def _closest(word: str, valid) -> str:
    near = difflib.get_close_matches(word, list(valid), n=1, cutoff=0.5)
    return f"did you mean {near[0]!r}?" if near else f"valid: {', '.join(valid)}"


def discover(source: str | Path, *, settings_toml: str | Path | None = None,
             skip: Path | None = None) -> Plan:
    """A ``Plan`` from a roster CSV or a folder (see the module docstring).

    ``skip``: a folder not to look into (the batch's own output folder). Raises ``ConfigError``
    for a missing source, an unreadable or malformed roster or TOML.
    """
    source = Path(source)
    if not source.exists():
        raise ConfigError(f"{source}: no such folder or roster file")
    if source.is_dir():
        return _from_folder(source, settings_toml, skip)
    if source.suffix.lower() != ".csv":
        raise ConfigError(f"{source}: expected a folder of clips or a roster .csv file")
    if settings_toml is not None:
        raise ConfigError(f"{settings_toml}: a settings TOML goes with a folder; a roster "
                          "carries its settings in its columns")
    return _from_roster(source)


# ------------------------------------------------------------------ roster
def _from_roster(roster: Path) -> Plan:
    try:
        with open(roster, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
            rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ConfigError(f"{roster}: roster cannot be read ({exc})") from exc
    for col in header:
        if col not in ROSTER_COLUMNS:
            raise ConfigError(f"{roster}: unknown roster column {col!r}; "
                              f"{_closest(col, ROSTER_COLUMNS)}")
    if "clip" not in header:
        raise ConfigError(f"{roster}: the roster needs a header row with a 'clip' column "
                          f"(columns: {', '.join(ROSTER_COLUMNS)})")
    entries = []
    for line, raw in enumerate(rows, start=2):
        row = {k.strip().lower(): (v or "").strip() for k, v in raw.items()
               if k is not None and not isinstance(v, list)}
        if not any(row.values()):
            continue
        clip_text = row.get("clip", "")
        athlete = row.get("athlete") or None
        name = clip_text or f"row {line}"
        problem = None if clip_text else f"{roster} line {line}: empty 'clip' cell"
        values = {}
        for key in NUMBER_KEYS:
            try:
                values[key] = _number(row.get(key, ""), key)
            except ValueError as exc:
                problem = problem or f"{roster} line {line}: {exc}"
                values[key] = None
        clip = (roster.parent / clip_text) if clip_text else Path(f"row_{line}")
        entries.append(ClipEntry(name=name, clip=clip, rel_out="", athlete=athlete,
                                 date=row.get("date") or None, notes=row.get("notes") or None,
                                 problem=problem, **values))
    return Plan(roster, "roster", _assign_outputs(entries))


def _number(text: str, key: str) -> float | None:
    """A positive finite number from a cell, None if empty; ValueError naming the column."""
    if text == "":
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{key} {text!r} is not a number") from None
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{key} {text!r} must be a positive number")
    if key == "height_m" and not 1.0 <= value <= 2.5:
        raise ValueError(f"height_m {text!r}: expected an adult height in metres (1.0-2.5)")
    low, high = MASS_RANGE_KG
    if key == "mass_kg" and not low <= value <= high:
        raise ValueError(f"mass_kg {text!r}: expected a body mass in kilograms "
                         f"({low:g}-{high:g})")
    return value


# ------------------------------------------------------------------ folder
def _from_folder(folder: Path, settings_toml, skip: Path | None) -> Plan:
    toml_path = Path(settings_toml) if settings_toml else folder / DEFAULT_SETTINGS_FILE
    conf = _read_settings(toml_path, required=settings_toml is not None)
    defaults = {k: conf[k] for k in CLIP_KEYS if k in conf}
    athletes, clips = conf.get("athletes", {}), conf.get("clips", {})
    skip = skip.resolve() if skip is not None else None
    entries = []
    for path in sorted(_videos(folder, skip)):
        rel = path.relative_to(folder)
        athlete = rel.parts[0] if len(rel.parts) > 1 else None
        values = dict(defaults)
        values.update(athletes.get(athlete, {}) if athlete else {})
        values.update(clips.get(rel.as_posix(), {}))
        problem = None
        numbers = {}
        for key in NUMBER_KEYS:
            try:
                numbers[key] = _number(str(values[key]), key) if key in values else None
            except ValueError as exc:
                problem = problem or f"{toml_path}: {rel.as_posix()}: {exc}"
                numbers[key] = None
        entries.append(ClipEntry(name=rel.as_posix(), clip=path, rel_out="", athlete=athlete,
                                 date=_text(values.get("date")), notes=_text(values.get("notes")),
                                 problem=problem, **numbers))
    return Plan(folder, "folder", _assign_outputs(entries))


def _text(value) -> str | None:
    return None if value is None else str(value)


def _videos(folder: Path, skip: Path | None):
    for path in folder.rglob("*"):
        rel = path.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if skip is not None and (path.resolve() == skip or skip in path.resolve().parents):
            continue
        if path.suffix.lower() in VIDEO_SUFFIXES and not path.is_dir():
            yield path


def _read_settings(path: Path, *, required: bool) -> dict:
    if not path.exists():
        if required:
            raise ConfigError(f"{path}: settings file not found")
        return {}
    try:
        conf = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: settings cannot be read ({exc})") from exc
    valid_top = CLIP_KEYS + ("athletes", "clips")
    for key, value in conf.items():
        if key not in valid_top:
            raise ConfigError(f"{path}: unknown key {key!r}; {_closest(key, valid_top)}")
        if key in ("athletes", "clips"):
            if not isinstance(value, dict):
                raise ConfigError(f"{path}: [{key}] must be a table of tables")
            for sub, table in value.items():
                if not isinstance(table, dict):
                    raise ConfigError(f"{path}: [{key}.{sub}] must be a table")
                for k in table:
                    if k not in CLIP_KEYS:
                        raise ConfigError(f"{path}: [{key}.{sub}] unknown key {k!r}; "
                                          f"{_closest(k, CLIP_KEYS)}")
    return conf


# ------------------------------------------------------------------ output folders
_UNSAFE = re.compile(r"[^\w.\- ]+")


def safe_name(text: str) -> str:
    """A folder name from free text (athlete names): path separators and odd characters -> _."""
    cleaned = _UNSAFE.sub("_", text).strip(" .")
    return cleaned or "_"


def _assign_outputs(entries: list[ClipEntry]) -> list[ClipEntry]:
    """Give every entry its own ``rel_out`` (stable: depends only on the entries' order)."""
    taken: set[str] = set()
    out = []
    for e in entries:
        base = safe_name(e.clip.stem)
        prefix = f"{safe_name(e.athlete)}/" if e.athlete else ""
        candidates = [prefix + base, prefix + f"{base}_{e.clip.suffix.lstrip('.').lower()}"]
        rel = next((c for c in candidates if c.lower() not in taken), None)
        n = 2
        while rel is None or rel.lower() in taken:
            rel, n = f"{candidates[0]}_{n}", n + 1
        taken.add(rel.lower())
        out.append(ClipEntry(**{**e.__dict__, "rel_out": rel}))
    return out
