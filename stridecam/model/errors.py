"""The one exception family of stridecam.

Every error a user can cause (bad file, bad setting) is a ``StridecamError`` whose message is a
single line that names the file or setting and says what was found and what to do. The CLI prints
that line and exits with ``exit_code``. Poor-but-legal data is not an error: it becomes a flag on
the result (see ``stridecam.model.poses.Flag``) and NaN values.
"""


class StridecamError(Exception):
    """Base class. ``exit_code`` is what the CLI returns when this error ends a command."""

    exit_code = 2


class InputError(StridecamError):
    """The input file cannot be used: unreadable, not a video, truncated, no frames, absurd size."""


class ModelError(StridecamError):
    """A pose model file cannot be found, downloaded, verified or loaded."""


class ConfigError(StridecamError):
    """A setting or configuration file is invalid."""


class OutputError(StridecamError):
    """An output folder or file cannot be created or written (not a folder, read-only, full)."""


def unknown_key(key: str, valid: list[str] | tuple[str, ...], prefix: str = "") -> str:
    """"unknown key 'x'; did you mean 'y'?" (or the list of valid keys when none is close)."""
    import difflib

    close = difflib.get_close_matches(key, list(valid), n=1, cutoff=0.5)
    hint = f"; did you mean '{prefix}{close[0]}'?" if close else f"; valid keys: {', '.join(valid)}"
    return f"unknown key '{prefix}{key}'{hint}"
