"""Simulated sprinter with exact ground truth: stridecam's test oracle.

Public API::

    from stridecam.simulate import (AthleteParams, CameraParams, Degradations, RenderParams,
                                    PRESETS, simulate, simulate_preset, to_poses, render_clip,
                                    load_truth)

    run = simulate(AthleteParams(), CameraParams(panning=True), duration_s=3.0, seed=0)
    run.events, run.steps            # ground truth (columns of stridecam.model.columns)
    poses = to_poses(run)            # a stridecam.model.poses.Poses in pixels, no video needed
    render_clip(run, "out.mp4")      # H.264 clip + out.truth.json next to it
    render_clip(run, "dark.mp4", params=RenderParams(kit="black", track_surface="charcoal"))

The model is pure numpy (``runner``, ``skeleton``, ``camera``, ``truth``, ``degrade``); only
``render`` touches OpenCV and PyAV (imported on first use).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from stridecam.simulate.params import AthleteParams, CameraParams, Degradations, RenderParams

if TYPE_CHECKING:
    from stridecam.simulate.degrade import to_poses
    from stridecam.simulate.presets import PRESETS, simulate_preset
    from stridecam.simulate.render import render_clip
    from stridecam.simulate.simrun import SimRun, simulate
    from stridecam.simulate.truth import Truth, load_truth, write_truth

__all__ = ["AthleteParams", "CameraParams", "Degradations", "RenderParams", "SimRun", "Truth",
           "simulate", "load_truth", "write_truth", "to_poses", "render_clip", "PRESETS",
           "simulate_preset"]


#: Names imported on first use (scipy for the model; cv2 and av for rendering): the command
#: line's parser and landmark-only imports need none of them.
_LAZY = {"SimRun": "simrun", "simulate": "simrun", "Truth": "truth", "load_truth": "truth",
         "write_truth": "truth", "to_poses": "degrade", "render_clip": "render",
         "PRESETS": "presets", "simulate_preset": "presets"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"stridecam.simulate.{_LAZY[name]}"), name)
    raise AttributeError(name)
