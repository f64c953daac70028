"""Typed data to JSON-ready values and back: the one place a run's numbers are read by key.

``to_jsonable`` turns dataclasses (and tuples, numpy scalars, paths) into plain JSON values, NaN
into null; ``from_jsonable(cls, data)`` rebuilds a dataclass from them, guided by its type
hints (null back to NaN for floats; missing keys take the field's default; keys the class does
not know are ignored, so a file with extra, derived keys still reads). ``run_to_json`` /
``run_from_json`` are the ``summary.json`` layout of a ``RunResult`` (schema ``SCHEMA``).
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from stridecam.model.errors import InputError
from stridecam.model.fv import FVProfile
from stridecam.model.poses import Flag
from stridecam.model.result import (
    Athlete,
    BlockStart,
    Provenance,
    RunResult,
    RunSummary,
    ViewCheck,
)
from stridecam.model.settings import Settings
from stridecam.model.timescale import TimeScale
from stridecam.model.track import Cleaning, Scale
from stridecam.model.verdict import Verdict

#: Layout of ``summary.json``; the major number changes when a reader of the old one would
#: misread the new one.
SCHEMA = "stridecam.run/2"
DIRECTIONS = {1: "left_to_right", -1: "right_to_left"}

T = TypeVar("T")


def to_jsonable(value: Any) -> Any:
    """Plain JSON value of ``value`` (dataclasses by field, NaN and inf as None)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.ndarray):
        return to_jsonable(value.tolist())
    if isinstance(value, Path):
        return str(value)
    return value


def from_jsonable(cls: type[T], data: Any) -> T:
    """A ``cls`` (a dataclass) rebuilt from ``to_jsonable`` output (see the module docstring).

    Raises ``ValueError`` when ``data`` does not fit the type."""
    return typing.cast(T, _build(cls, data))


def _build(tp: Any, data: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(tp)
        if data is None and type(None) in options:
            return None
        for option in options:
            if option is type(None):
                continue
            try:
                return _build(option, data)
            except (TypeError, ValueError):
                continue
        raise ValueError(f"{data!r} fits none of {tp}")
    if origin is tuple:
        args = typing.get_args(tp)
        if not isinstance(data, (list, tuple)):
            raise ValueError(f"expected a list for {tp}, got {data!r}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_build(args[0], v) for v in data)
        if len(args) != len(data):
            raise ValueError(f"expected {len(args)} values for {tp}, got {len(data)}")
        return tuple(_build(a, v) for a, v in zip(args, data, strict=True))
    if origin is dict:
        _, value_tp = typing.get_args(tp)
        if not isinstance(data, dict):
            raise ValueError(f"expected a table for {tp}, got {data!r}")
        return {str(k): _build(value_tp, v) for k, v in data.items()}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if not isinstance(data, dict):
            raise ValueError(f"expected a table for {tp.__name__}, got {data!r}")
        hints = typing.get_type_hints(tp)
        values = {f.name: _build(hints[f.name], data[f.name])
                  for f in dataclasses.fields(tp) if f.init and f.name in data}
        return tp(**values)
    if tp is float:
        if data is None:
            return float("nan")
        if isinstance(data, bool) or not isinstance(data, (int, float)):
            raise ValueError(f"expected a number, got {data!r}")
        return float(data)
    if tp is int:
        if isinstance(data, bool) or not isinstance(data, int):
            raise ValueError(f"expected a whole number, got {data!r}")
        return data
    if tp is bool:
        if not isinstance(data, bool):
            raise ValueError(f"expected true or false, got {data!r}")
        return data
    if tp is str:
        if not isinstance(data, str):
            raise ValueError(f"expected text, got {data!r}")
        return data
    if tp is Any:
        return data
    raise TypeError(f"cannot rebuild {tp}")


def run_to_json(result: RunResult) -> dict[str, Any]:
    """The ``summary.json`` content of a run (everything but the tables and the track)."""
    scale = to_jsonable(result.scale)
    scale["leg_length"] = to_jsonable(result.scale.leg_length)  # derived, for human readers
    return {
        "schema": SCHEMA,
        "provenance": to_jsonable(result.provenance),
        "athlete": to_jsonable(result.athlete),
        "summary": to_jsonable(result.summary),
        "scale": scale,
        "direction": DIRECTIONS.get(result.direction, "left_to_right"),
        "cleaning": to_jsonable(result.cleaning),
        "view": to_jsonable(result.view),
        "flags": to_jsonable(result.flags),
        "verdict": to_jsonable(result.verdict),
        "block_start": to_jsonable(result.block_start),
        "fv_profile": to_jsonable(result.fv_profile),
        "timescale": to_jsonable(result.timescale),
        "settings": to_jsonable(result.settings),
    }


def run_from_json(data: dict[str, Any], steps: pd.DataFrame | None = None,
                  contacts: pd.DataFrame | None = None, where: str = "summary.json"
                  ) -> RunResult:
    """A ``RunResult`` from ``run_to_json`` output and the saved tables (empty when None).

    Raises ``InputError`` naming ``where`` for another schema or content that does not fit."""
    schema = data.get("schema") if isinstance(data, dict) else None
    if schema != SCHEMA:
        raise InputError(f"{where}: written by another stridecam version (schema {schema!r}, "
                         f"this version reads {SCHEMA!r}); run `stridecam analyse` again")
    try:
        direction = {v: k for k, v in DIRECTIONS.items()}.get(str(data.get("direction")), 1)
        return RunResult(
            provenance=from_jsonable(Provenance, data.get("provenance", {})),
            athlete=from_jsonable(Athlete, data.get("athlete", {})),
            summary=from_jsonable(RunSummary, data.get("summary", {})),
            scale=from_jsonable(Scale, data["scale"]),
            direction=direction,
            cleaning=from_jsonable(Cleaning, data.get("cleaning", {})),
            view=from_jsonable(ViewCheck, data.get("view", {})),
            flags=tuple(from_jsonable(Flag, f) for f in data.get("flags") or ()),
            verdict=(from_jsonable(Verdict, data["verdict"]) if data.get("verdict") else None),
            settings=from_jsonable(Settings, data.get("settings", {})),
            block_start=(from_jsonable(BlockStart, data["block_start"])
                         if data.get("block_start") else None),
            fv_profile=(from_jsonable(FVProfile, data["fv_profile"])
                        if data.get("fv_profile") else None),
            timescale=(from_jsonable(TimeScale, data["timescale"])
                       if data.get("timescale") else None),
            contacts=contacts if contacts is not None else pd.DataFrame(),
            steps=steps if steps is not None else pd.DataFrame(),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{where}: does not hold a stridecam run ({exc})") from exc
