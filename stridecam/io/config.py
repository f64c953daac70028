"""Configuration files: the limiter's reference TOML and settings TOML files (edge module).

The files are read here and handed to the pure layer as data: ``load_reference`` merges a
user's reference TOML over the shipped ``stridecam/data/limiter_reference.toml`` and validates
it (``analysis.limiter.reference``); ``load_settings`` reads a settings file
(``model.settings.settings_from_dict``). Errors are one ``ConfigError`` line naming the file,
the key and the closest valid key.
"""

from __future__ import annotations

import functools
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from stridecam.analysis.limiter.reference import Reference, merge_tables, reference_from_dict
from stridecam.model.errors import ConfigError
from stridecam.model.settings import Settings, settings_from_dict

REFERENCE_NAME = "limiter_reference.toml"


def read_toml(path: str | Path, what: str) -> dict[str, Any]:
    """The tables of a TOML file; ``ConfigError`` ("<what> <path>: ...") when it is missing or
    not valid TOML."""
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{what} {path}: file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{what} {path}: is a folder, not a TOML file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{what} {path}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise ConfigError(f"{what} {path}: cannot be read ({exc.strerror})") from None


@functools.lru_cache(maxsize=1)
def _shipped_reference() -> dict[str, Any]:
    text = resources.files("stridecam").joinpath("data", REFERENCE_NAME).read_text("utf-8")
    return tomllib.loads(text)


def default_reference_path() -> str:
    """Where the shipped reference TOML lives (for display and for copying as a template)."""
    return str(resources.files("stridecam").joinpath("data", REFERENCE_NAME))


def load_reference(path: str | Path | None = None) -> Reference:
    """The shipped reference, or a user's TOML merged over it (missing keys keep the default).

    Raises ``ConfigError`` naming the file and key for unknown keys (with the closest valid
    key), wrong types, inverted ranges or unreadable files.
    """
    base = _shipped_reference()
    if path is None:
        return reference_from_dict(merge_tables(base, {}), where=f"(shipped {REFERENCE_NAME})")
    user = read_toml(path, "limiter reference")
    return reference_from_dict(merge_tables(base, user), where=str(path))


def load_settings(path: str | Path, base: Settings | None = None) -> Settings:
    """Settings from a TOML file (tables ``pose``, ``calibration``, ``analysis.<stage>``) over
    ``base`` (default: the defaults)."""
    return settings_from_dict(read_toml(path, "settings"), where=str(path), base=base)


#: Tables of a ``--config`` file that are settings, not command-line options.
SETTINGS_TABLES = ("analysis",)


def option_config(path: str | Path, options: dict[str, str]) -> tuple[dict[str, Any],
                                                                      dict[str, Any]]:
    """A command's ``--config`` TOML: (option values by argparse name, settings tables).

    ``options``: the command's option names (argparse ``dest``) -> the flag shown to users.
    Top-level keys are options, spelt either way (``height_m`` or ``height-m``); a list for an
    option that takes "X,Y,..." text is joined with commas; tables ``analysis.<stage>`` are
    settings (``model.settings``). An unknown key names the closest valid one."""
    from stridecam.model.errors import unknown_key

    data = read_toml(path, "config")
    values: dict[str, Any] = {}
    tables: dict[str, Any] = {}
    for key, value in data.items():
        name = key.replace("-", "_")
        if name in SETTINGS_TABLES and isinstance(value, dict):
            tables[name] = value
        elif name in options:
            if isinstance(value, list):
                value = ",".join(str(v) for v in value)
            values[name] = value
        else:
            raise ConfigError(f"config {path}: {unknown_key(key, [*options, *SETTINGS_TABLES])}")
    if tables:  # checked now, with the file named, before any work
        settings_from_dict(tables, where=f"config {path}")
    return values, tables
