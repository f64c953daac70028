"""Checks of one run's inputs and outputs that can be made before any pose work, and the one
made right after it (is there a person at all?).

Edge module. Each failure is one ``StridecamError`` line naming the file, folder or option:

- the clip (``video.check_clip``: readable, a video, not a still image, not truncated past use;
  ``video.require_step``: long enough to hold one step);
- the scale options against the clip's frame (calibration points inside the picture);
- the output folder (``store.check_output_folder``: creatable and writable);
- after pose extraction: a person found on enough frames (``require_person``).
"""

from __future__ import annotations

from pathlib import Path

from stridecam.model.errors import ConfigError, InputError
from stridecam.model.frames import VideoInfo
from stridecam.model.poses import Poses
from stridecam.model.settings import Calibration, Settings

#: A clip whose athlete is found on fewer frames than this cannot be analysed at all.
MIN_PERSON_FRAMES = 3


def check_inputs(clip: str | Path, out_dir: str | Path, settings: Settings) -> VideoInfo:
    """Every check of a clip's run that needs no pose work (see the module docstring); returns
    what the container says about the clip."""
    from stridecam.io.store import check_output_folder
    from stridecam.io.video import check_clip, require_step

    info, timeline = check_clip(clip, settings.pose.capture_fps)
    require_step(info, timeline)
    check_calibration_fits(settings.calibration, info)
    check_output_folder(out_dir)
    return info


def check_calibration_fits(calib: Calibration, info: VideoInfo) -> None:
    """``ConfigError`` when a calibration point lies outside the (upright) frame of the clip:
    points are picked on the picture, so one outside it is a typo or another clip's."""
    w, h = info.width, info.height
    named = []
    if calib.two_points_px is not None:
        named += [("--two-points", p) for p in calib.two_points_px]
    if calib.ground_rect_px is not None:
        named += [("--ground-rect", p) for p in calib.ground_rect_px]
    for option, (x, y) in named:
        if not (0 <= x <= w and 0 <= y <= h):
            raise ConfigError(f"{option}: point ({x:g}, {y:g}) px is outside the {w}x{h} px "
                              f"frame of {info.path}")


def require_person(poses: Poses, clip: str | Path | None = None) -> None:
    """``InputError`` when the athlete was found on fewer than ``MIN_PERSON_FRAMES`` frames:
    nothing can be measured (a clip of an empty lane, or a person too small or dark)."""
    found = int(poses.detected.sum())
    if found >= MIN_PERSON_FRAMES:
        return
    where = ("no person was found on any" if found == 0 else
             f"a person was found on only {found}")
    name = clip if clip is not None else poses.source
    raise InputError(f"{name}: {where} of its {poses.n_frames} frames; the athlete must be in "
                     "view, lit, and taller than about 40 pixels")
