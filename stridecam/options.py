"""Command-line options shared by ``stridecam analyse`` and ``stridecam batch``, and the
``Settings`` they make (edge module: argparse only; every check is the settings' own)."""

from __future__ import annotations

import argparse
from dataclasses import replace

from stridecam.model.errors import ConfigError
from stridecam.model.settings import (
    DIRECTIONS,
    MODEL_VARIANTS,
    POSE_MODES,
    Calibration,
    PoseSettings,
    Settings,
    settings_from_dict,
)


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
    g.add_argument("--athlete-at", metavar="X,Y[,T]",
                   help="several people in view: analyse the one at image point X,Y (pixels) at "
                        "T seconds into the clip (default: the first frame)")
    g.add_argument("--athlete-rank", type=int, metavar="N",
                   help="several people in view: analyse the Nth runner from the camera "
                        "(default: the runner nearest the camera)")
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
    text = getattr(args, "athlete_at", None)
    at = None
    if text is not None:
        n = len(text.replace(";", ",").split(","))
        if n not in (2, 3):
            raise ConfigError(f"--athlete-at {text}: give X,Y (image pixels) or X,Y,T (T: "
                              "seconds into the clip)")
        at = _floats(text, n, "--athlete-at")
    return PoseSettings(model_variant=args.model_variant, model_path=args.model,
                        mode=args.pose_mode, capture_fps=args.capture_fps, athlete_at=at,
                        athlete_rank=getattr(args, "athlete_rank", None))


def add_scope_options(p: argparse.ArgumentParser) -> None:
    """``--start``, ``--end``, ``--direction`` and ``--config`` (analyse and batch)."""
    g = p.add_argument_group("what to analyse")
    g.add_argument("--start", type=float, metavar="S", help="analyse from S seconds into the clip")
    g.add_argument("--end", type=float, metavar="S", help="analyse up to S seconds into the clip")
    g.add_argument("--direction", choices=DIRECTIONS, default="auto",
                   help="running direction as seen in the image (default: found from the motion)")
    g.add_argument("--config", metavar="TOML",
                   help="options from a TOML file (keys as the long options, e.g. height_m = "
                        "1.82, overlay = true; tables [analysis.<stage>] for the analysis "
                        "settings); options given on the command line win")


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Every setting the options give (defaults for the rest): pose, scale, the part of the clip
    and the running direction, and a ``--config`` file's ``[analysis.*]`` tables."""
    base = Settings(pose=pose_from_args(args), calibration=calibration_from_args(args))
    tables = getattr(args, "settings_tables", None)
    if tables:
        base = settings_from_dict(tables, where=f"config {args.config}", base=base)
    clean = base.analysis.clean
    start = getattr(args, "start", None)
    end = getattr(args, "end", None)
    direction = getattr(args, "direction", None) or "auto"
    clean = replace(clean, start_s=clean.start_s if start is None else start,
                    end_s=clean.end_s if end is None else end,
                    direction=clean.direction if direction == "auto" else direction)
    return replace(base, analysis=replace(base.analysis, clean=clean))


#: Usage examples shown at the end of each command's --help.
EXAMPLES = {
    "pose": """examples:
  stridecam pose run.mp4                      landmarks only, into reports/run/
  stridecam pose slowmo.mov --capture-fps 240 a slow-motion file without its rate""",
    "analyse": """examples:
  stridecam analyse sample_videos/balanced_pan.mp4 --height-m 1.80
  stridecam analyse a.mp4 b.mp4 c.mp4 -o reports/today   each into reports/today/<clip>/
  stridecam analyse run.mp4 --start 2.5 --end 6 --direction right_to_left --overlay
  stridecam analyse run.mp4 --two-points 412,880,1508,884 --two-points-m 5
  stridecam analyse run.mp4 --config athlete.toml    (keys as the long options, e.g.
                                                     height_m = 1.82, overlay = true)
  stridecam frame run.mp4 --at 3                      a frame with a pixel grid, to read
                                                     calibration points from""",
    "report": """examples:
  stridecam report reports/run                re-render report.pdf, no pose work
  stridecam report reports/run --overlay --overlay-zoom --overlay-slowmo 4""",
    "batch": """examples:
  stridecam batch squad_clips/ -j 2           athletes = sub-folder names
  stridecam batch roster.csv                  (columns athlete, clip, height_m, mass_kg,
                                               capture_fps, date, notes)
  stridecam batch squad_clips/ --config squad.toml --no-pdf""",
    "frame": """examples:
  stridecam frame run.mp4 --at 3.2            writes run_at_3.2s.png
  stridecam frame run.mp4 --at 0 -o first.png""",
}


def command_parser(sub, name: str, help_text: str, **kw) -> argparse.ArgumentParser:
    """A sub-command's parser, its help with the examples of ``EXAMPLES``."""
    return sub.add_parser(name, help=help_text, description=help_text, epilog=EXAMPLES.get(name),
                          formatter_class=argparse.RawDescriptionHelpFormatter, **kw)


def _zoom(text: str) -> float | str:
    """``--overlay-zoom`` value: "auto" or a number."""
    if text == "auto":
        return text
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"give a factor (1-8) or 'auto', not {text!r}") from None


def add_overlay_options(p: argparse.ArgumentParser) -> None:
    """``--overlay-zoom`` and ``--overlay-slowmo`` (analyse and report)."""
    p.add_argument("--overlay-zoom", nargs="?", const="auto", metavar="FACTOR", type=_zoom,
                   help="overlay: follow the athlete, zoomed FACTOR times (1-8; alone: auto)")
    p.add_argument("--overlay-slowmo", type=float, metavar="FACTOR",
                   help="overlay: played FACTOR times slower (1-20)")
