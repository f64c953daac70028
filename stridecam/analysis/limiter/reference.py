"""The limiter's reference ranges and thresholds, validated from the tables of a TOML file.

The package ships ``stridecam/data/limiter_reference.toml`` (commented, with the source of every
number). ``stridecam.io.config.load_reference(path)`` reads a user's TOML *on top of* it
(``merge_tables``): any key the user leaves out keeps the shipped value; this module validates the
merged tables (pure: no file is read here). Unknown keys, wrong types and inverted ranges are a
``ConfigError`` whose one-line message names the file, the key and the closest valid key.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from stridecam.model.errors import ConfigError, unknown_key

PHASES = ("max_velocity", "acceleration")

#: Indicator names and the extra keys each may hold beyond weight / phases / source.
INDICATOR_EXTRAS: dict[str, tuple[str, ...]] = {
    "contact_time": (),
    "contact_time_for_speed": (),
    "duty_factor": (),
    "vertical_force_bw": (),
    "flight_time": (),
    "recovery_time": (),
    "swing_time": (),
    "peak_thigh_flexion": (),
    "peak_knee_height": (),
    "max_thigh_angular_velocity": (),
    "thigh_separation_td": (),
    "step_frequency": ("reference_height_m", "step_length_per_height"),
}


@dataclass(frozen=True)
class Gates:
    """When the verdict must be "inconclusive" (see the TOML for each meaning)."""

    min_steps: int
    min_step_frequency_hz: float
    min_fps_timing: float
    min_values_per_metric: int
    max_mean_acceleration_m_s2: float
    min_indicators_per_side: int
    blocking_flags: tuple[str, ...]
    block_on_error_flags: bool


@dataclass(frozen=True)
class Scoring:
    """Tolerances, score thresholds and confidence settings (see the TOML)."""

    timing_tolerance_frames: float
    angle_tolerance_deg: float
    knee_height_tolerance_leg: float
    angular_velocity_tolerance_rel: float
    max_excess: float
    min_score: float
    margin: float
    confidence_scale: float
    max_confidence: float
    good_steps: int
    below_120fps_factor: float
    acceleration_factor: float
    unknown_view_factor: float
    moderate_from: float
    high_from: float


@dataclass(frozen=True)
class History:
    """z-score settings for the athlete-history and squad bases."""

    min_runs: int
    z_threshold: float
    z_per_unit: float
    sd_floor_fraction: float


@dataclass(frozen=True)
class IndicatorRef:
    """One indicator's weight, per-phase ``(low, high)`` ranges, source, ``scale`` (distance
    beyond the limit that counts as one unit of evidence; None = the range width) and extras."""

    weight: float
    ranges: dict[str, tuple[float, float]]
    source: str
    scale: float | None = None
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)

    def range_for(self, phase: str) -> tuple[float, float] | None:
        return self.ranges.get(phase)


@dataclass(frozen=True)
class Reference:
    """Everything the verdict is judged against; ``path`` says where it came from."""

    gates: Gates
    scoring: Scoring
    history: History
    indicators: dict[str, IndicatorRef]
    path: str


def _fail(where: str, message: str) -> ConfigError:
    return ConfigError(f"limiter reference {where}: {message}")


def _check_keys(where: str, given: dict, valid: list[str], prefix: str) -> None:
    for key in given:
        if key not in valid:
            raise _fail(where, unknown_key(key, valid, prefix))


def merge_tables(base: dict, over: dict) -> dict:
    """``base`` with ``over``'s keys put in, table by table (a deep copy)."""
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge_tables(out[key], value)
        else:
            out[key] = value
    return out


def _number(where: str, key: str, value: Any, *, integer: bool = False,
            minimum: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _fail(where, f"'{key}' must be a number, not {value!r}")
    if integer and int(value) != value:
        raise _fail(where, f"'{key}' must be a whole number, not {value!r}")
    if minimum is not None and value < minimum:
        raise _fail(where, f"'{key}' must be >= {minimum}, not {value!r}")
    return int(value) if integer else float(value)


def _range(where: str, key: str, value: Any) -> tuple[float, float]:
    if not isinstance(value, list) or len(value) != 2:
        raise _fail(where, f"'{key}' must be a [low, high] pair, not {value!r}")
    low, high = (_number(where, key, v) for v in value)
    if not low < high:
        raise _fail(where, f"'{key}' = [{low}, {high}]: low must be below high")
    return low, high


def _section(where: str, data: dict, cls: type, name: str) -> Any:
    fields = dataclasses.fields(cls)
    valid = [f.name for f in fields]
    _check_keys(where, data, valid, f"{name}.")
    missing = [k for k in valid if k not in data]
    if missing:
        raise _fail(where, f"missing key '{name}.{missing[0]}'")
    values: dict[str, Any] = {}
    for f in fields:
        v, key = data[f.name], f"{name}.{f.name}"
        if f.type in ("int", int):
            values[f.name] = _number(where, key, v, integer=True, minimum=0)
        elif f.type in ("float", float):
            values[f.name] = _number(where, key, v)
        elif f.type in ("bool", bool):
            if not isinstance(v, bool):
                raise _fail(where, f"'{key}' must be true or false, not {v!r}")
            values[f.name] = v
        else:  # tuple[str, ...]
            if not isinstance(v, list) or not all(isinstance(s, str) for s in v):
                raise _fail(where, f"'{key}' must be a list of strings, not {v!r}")
            values[f.name] = tuple(v)
    return cls(**values)


def _indicator(where: str, name: str, data: dict) -> IndicatorRef:
    extras = INDICATOR_EXTRAS[name]
    prefix = f"indicators.{name}."
    _check_keys(where, data, ["weight", "scale", *PHASES, "source", *extras], prefix)
    if "weight" not in data or "source" not in data:
        raise _fail(where, f"'indicators.{name}' needs 'weight' and 'source'")
    weight = _number(where, prefix + "weight", data["weight"], minimum=0.0)
    if not isinstance(data["source"], str):
        raise _fail(where, f"'{prefix}source' must be a string")
    ranges = {p: _range(where, prefix + p, data[p]) for p in PHASES if p in data}
    scale = None
    if "scale" in data:
        scale = _number(where, prefix + "scale", data["scale"])
        if scale <= 0:
            raise _fail(where, f"'{prefix}scale' must be > 0, not {scale}")
    extra: dict[str, Any] = {}
    if "reference_height_m" in extras:
        extra["reference_height_m"] = _number(where, prefix + "reference_height_m",
                                              data.get("reference_height_m", 1.80), minimum=1.0)
    if "step_length_per_height" in extras:
        sub = data.get("step_length_per_height", {})
        if not isinstance(sub, dict):
            raise _fail(where, f"'{prefix}step_length_per_height' must be a table")
        _check_keys(where, sub, list(PHASES), prefix + "step_length_per_height.")
        extra["step_length_per_height"] = {
            p: _range(where, f"{prefix}step_length_per_height.{p}", sub[p]) for p in sub}
    return IndicatorRef(weight=weight, ranges=ranges, source=data["source"], scale=scale,
                        extra=extra)


def reference_from_dict(data: dict, where: str = "(dict)") -> Reference:
    """Validate a complete reference dict (as read from TOML) into a ``Reference``."""
    _check_keys(where, data, ["version", "gates", "scoring", "history", "indicators"], "")
    if data.get("version", 1) != 1:
        raise _fail(where, f"version {data.get('version')!r} is not supported (use 1)")
    for name in ("gates", "scoring", "history", "indicators"):
        if not isinstance(data.get(name), dict):
            raise _fail(where, f"missing table [{name}]")
    indicators = data["indicators"]
    _check_keys(where, indicators, list(INDICATOR_EXTRAS), "indicators.")
    missing = [k for k in INDICATOR_EXTRAS if k not in indicators]
    if missing:
        raise _fail(where, f"missing table [indicators.{missing[0]}]")
    for name, table in indicators.items():
        if not isinstance(table, dict):
            raise _fail(where, f"'indicators.{name}' must be a table")
    return Reference(
        gates=_section(where, data["gates"], Gates, "gates"),
        scoring=_section(where, data["scoring"], Scoring, "scoring"),
        history=_section(where, data["history"], History, "history"),
        indicators={n: _indicator(where, n, indicators[n]) for n in INDICATOR_EXTRAS},
        path=where,
    )
