"""Analysis of one run, from ``Poses`` to ``RunResult`` (pure: no video, no MediaPipe; the only
file read is the limiter's reference TOML).

``analyse_poses`` chains the computation stages: clean -> events -> metrics -> summary ->
limiter verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from stridecam import __version__
from stridecam.analysis.clean import Calibration, clean
from stridecam.analysis.events.detect import detect_contacts
from stridecam.analysis.limiter import Verdict, assess
from stridecam.analysis.metrics import compute_steps
from stridecam.model.poses import Flag, Poses
from stridecam.analysis.summary import summarise
from stridecam.model.track import Track
from stridecam.analysis.view import view_check

#: Fewest complete steps for medians worth reporting.
MIN_STEPS = 3


@dataclass(frozen=True)
class RunResult:
    """Everything computed for one run. ``summary`` is JSON-ready; tables use ``columns.py``."""

    source: str
    track: Track
    contacts: pd.DataFrame
    steps: pd.DataFrame
    summary: dict[str, Any]
    flags: tuple[Flag, ...] = ()
    settings: dict[str, Any] = field(default_factory=dict)
    verdict: Verdict | None = None


def analyse_poses(poses: Poses, calib: Calibration = Calibration(), *, athlete: str | None = None,
                  reference=None, **clean_options) -> RunResult:
    """Clean, detect contacts, measure steps, summarise and judge one athlete's run.

    ``reference``: limiter reference ranges (a ``limiter.Reference`` or a TOML path; None =
    the shipped defaults).
    """
    track = clean(poses, calib, **clean_options)
    view = view_check(poses.xy_px, track.scale.leg_length_px)
    contacts, event_flags = detect_contacts(track)
    steps = compute_steps(track, contacts)
    fps = poses.effective_fps
    summary = summarise(steps, fps=fps, leg_length=track.scale.leg_length, units=track.scale.units)
    summary.update(
        stridecam_version=__version__,
        source=poses.source, model=poses.model, detection_rate=poses.detection_rate,
        nominal_fps=poses.nominal_fps, capture_fps=poses.capture_fps,
        scale={"method": track.scale.method, "units": track.scale.units,
               "units_per_px": track.scale.units_per_px,
               "rel_uncertainty": track.scale.rel_uncertainty,
               "leg_length": track.scale.leg_length, "detail": track.scale.detail},
        direction="left_to_right" if track.direction > 0 else "right_to_left",
        cleaning=track.meta,
        view=view,
        athlete={"name": athlete, "height_m": calib.height_m},
    )
    flags = list(poses.flags) + list(track.flags) + event_flags
    if not view["is_side_view"]:
        flags.append(Flag("not_side_view", "error",
                          f"This does not look like a side view ({view['detail']}): step "
                          "lengths and joint angles cannot be measured from it."))
    if len(steps) < MIN_STEPS:
        flags.append(Flag("few_steps", "warning",
                          f"Only {len(steps)} complete step(s) were found; at least {MIN_STEPS} "
                          "are needed for reliable medians."))
    if fps < 60:
        flags.append(Flag("low_frame_rate", "warning",
                          f"{fps:.0f} distinct frames per second: event times are known to "
                          f"+/- {1000 / fps / 2:.0f} ms, so contact and flight times of sprinting "
                          "(~100 ms) are coarse; film at 120-240 fps for timing."))
    summary["flags"] = [f.to_dict() for f in flags]
    verdict = assess(summary, reference)
    summary["verdict"] = verdict.to_dict()
    return RunResult(source=poses.source, track=track, contacts=contacts, steps=steps,
                     summary=summary, flags=tuple(flags), verdict=verdict)
