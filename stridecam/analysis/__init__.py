"""The analysis: pure functions from ``Poses`` to a ``RunResult`` (numpy, scipy, pandas only;
no file, video, MediaPipe or plotting library: ``tests/test_layout.py`` keeps it so).

Stages, in pipeline order: ``clean`` (with ``ground``, ``scale``), ``view``, ``events``,
``metrics``, ``summary``, ``limiter`` (with ``advice``); ``run.analyse_poses`` chains them.
``validation`` matches detected events to ground truth (tests and ``tools/validate.py``).
"""

from __future__ import annotations

from typing import Any

__all__ = ["RunResult", "analyse_poses"]


def __getattr__(name: str) -> Any:  # lazy: importing one stage does not import them all
    if name in __all__:
        from stridecam.analysis import run

        return getattr(run, name)
    raise AttributeError(name)
