"""Command-line options shared by ``stridecam analyse`` and ``stridecam batch``, and the
``Settings`` they make (edge module: argparse only; every check is the settings' own)."""

from __future__ import annotations

import argparse

from stridecam.model.errors import ConfigError
from stridecam.model.settings import MODEL_VARIANTS, POSE_MODES, Calibration, PoseSettings, Settings


def add_pose_options(p: argparse.ArgumentParser, *, force: bool = True) -> None:
    """The pose options (and ``--force``: ignore cached landmarks, unless ``force`` is False)."""
    default = PoseSettings()
    g = p.add_argument_group("pose estimation")
    g.add_argument("--model-variant", choices=MODEL_VARIANTS, default=default.model_variant,
                   help=f"MediaPipe pose model (default: {default.model_variant}, shipped with "
                        "stridecam)")
    g.add_argument("--model", metavar="PATH", help="a pose_landmarker .task file to use instead")
    g.add_argument("--pose-mode", choices=POSE_MODES, default=default.mode,
                   help="MediaPipe running mode: video (tracking and smoothing; default, measured "
                        "to time ground contacts better) or image (detector every frame, more "
                        "accurate landmarks)")
    g.add_argument("--capture-fps", type=float, metavar="N",
                   help="real capture rate of a slow-motion clip (overrides the container)")
    if force:
        g.add_argument("--force", action="store_true", help="ignore cached landmarks")


def add_calibration_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("scale (pixels to metres; without any, lengths are in leg lengths)")
    g.add_argument("--height-m", type=float, metavar="H",
                   help="athlete's standing height in metres")
    g.add_argument("--two-points", metavar="X1,Y1,X2,Y2",
                   help="two image points (px) a known distance apart, at the athlete's depth")
    g.add_argument("--two-points-m", type=float, metavar="D", help="their distance in metres")
    g.add_argument("--ground-rect", metavar="X1,Y1,...,X4,Y4",
                   help="four image corners (px, in order) of a rectangle on the ground")
    g.add_argument("--ground-rect-m", metavar="W,L", help="its width and length in metres")


def _floats(text: str, count: int, what: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in text.replace(";", ",").split(","))
    except ValueError:
        values = ()
    if len(values) != count:
        raise ConfigError(f"{what} needs {count} comma-separated numbers, got {text!r}")
    return values


def calibration_from_args(args: argparse.Namespace) -> Calibration:
    """The ``Calibration`` of the scale options (checked when made: ``ConfigError``)."""
    two = rect = size = None
    if args.two_points:
        v = _floats(args.two_points, 4, "--two-points")
        two = ((v[0], v[1]), (v[2], v[3]))
    if args.ground_rect:
        v = _floats(args.ground_rect, 8, "--ground-rect")
        rect = ((v[0], v[1]), (v[2], v[3]), (v[4], v[5]), (v[6], v[7]))
    if args.ground_rect_m:
        w, length = _floats(args.ground_rect_m, 2, "--ground-rect-m")
        size = (w, length)
    return Calibration(height_m=args.height_m, two_points_px=two, two_points_m=args.two_points_m,
                       ground_rect_px=rect, ground_rect_m=size)


def pose_from_args(args: argparse.Namespace) -> PoseSettings:
    return PoseSettings(model_variant=args.model_variant, model_path=args.model,
                        mode=args.pose_mode, capture_fps=args.capture_fps)


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Every setting the options give (defaults for the rest)."""
    return Settings(pose=pose_from_args(args), calibration=calibration_from_args(args))
