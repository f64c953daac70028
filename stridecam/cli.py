"""The ``stridecam`` command line. Edge module: parses arguments, calls the pipeline, prints.

Every user error ends as one line on stderr (``stridecam: <file>: <problem>``) and exit code 2;
``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from stridecam import __version__
from stridecam.model.errors import StridecamError


def _add_pose_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("pose estimation")
    g.add_argument("--model-variant", choices=("lite", "full", "heavy"), default="full",
                   help="MediaPipe pose model (default: full, shipped with stridecam)")
    g.add_argument("--model", metavar="PATH", help="a pose_landmarker .task file to use instead")
    g.add_argument("--pose-mode", choices=("video", "image"), default="video",
                   help="MediaPipe running mode: video (tracking and smoothing; default, measured "
                        "to time ground contacts better) or image (detector every frame, more "
                        "accurate landmarks)")
    g.add_argument("--capture-fps", type=float, metavar="N",
                   help="real capture rate of a slow-motion clip (overrides the container)")
    g.add_argument("--force", action="store_true", help="ignore cached landmarks")


def _pose_settings(args: argparse.Namespace):
    from stridecam.pipeline import PoseSettings

    return PoseSettings(model_variant=args.model_variant, model_path=args.model,
                        mode=args.pose_mode, capture_fps=args.capture_fps)


def cmd_pose(args: argparse.Namespace) -> int:
    from stridecam.pipeline import get_poses, output_dir_for

    out = Path(args.output) if args.output else output_dir_for(args.clip)
    poses, cached = get_poses(args.clip, out, _pose_settings(args), progress=True,
                              force=args.force)
    how = "reused cached landmarks" if cached else "extracted landmarks"
    print(f"{args.clip}: {how} for {poses.n_frames} frames "
          f"({poses.detection_rate:.0%} with the athlete found) -> {out}")
    for flag in poses.flags:
        print(f"  [{flag.level}] {flag.message}")
    return 0


def _floats(text: str, count: int, what: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in text.replace(";", ",").split(","))
    except ValueError:
        values = ()
    if len(values) != count:
        raise StridecamError(f"{what} needs {count} comma-separated numbers, got {text!r}")
    return values


def _calibration(args: argparse.Namespace):
    from stridecam.analysis.clean import Calibration

    two = rect = None
    if args.two_points:
        v = _floats(args.two_points, 4, "--two-points")
        two = ((v[0], v[1]), (v[2], v[3]))
    if args.ground_rect:
        v = _floats(args.ground_rect, 8, "--ground-rect")
        rect = tuple((v[i], v[i + 1]) for i in range(0, 8, 2))
    if (two is None) != (args.two_points_m is None):
        raise StridecamError("--two-points and --two-points-m go together")
    if (rect is None) != (args.ground_rect_m is None):
        raise StridecamError("--ground-rect and --ground-rect-m go together")
    size = _floats(args.ground_rect_m, 2, "--ground-rect-m") if args.ground_rect_m else None
    if args.height_m is not None and not 1.0 <= args.height_m <= 2.5:
        raise StridecamError(f"--height-m {args.height_m}: expected an adult height in metres (1.0-2.5)")
    return Calibration(height_m=args.height_m, two_points_px=two, two_points_m=args.two_points_m,
                       ground_rect_px=rect, ground_rect_m=size)


def cmd_analyse(args: argparse.Namespace) -> int:
    from stridecam.pipeline import analyse_clip, output_dir_for

    out = Path(args.output) if args.output else output_dir_for(args.clip)
    result = analyse_clip(args.clip, out, _pose_settings(args), _calibration(args),
                          athlete=args.athlete, reference=args.reference, progress=True,
                          force=args.force)
    print(format_summary(result.summary, args.clip, out))
    if not args.no_report:
        from stridecam.report import write_run_report

        report = write_run_report(result, out / "report.pdf", clip=args.clip)
        print(f"  report: {report.path} ({report.n_pages} pages)")
    if args.overlay:
        from stridecam.report import write_overlay

        overlay = write_overlay(args.clip, out, out / "overlay.mp4")
        print(f"  overlay video: {overlay.path} ({overlay.n_frames} frames)")
    return 0


def format_summary(summary: dict, clip, out: Path) -> str:
    """A few lines for the terminal: steps found, headline medians, flags, where files went."""
    m = summary["metrics"]
    unit = "m" if summary["length_units"] == "m" else "leg lengths"

    def med(col, fmt):
        v = m[col]["median"]
        return format(v, fmt) if v is not None and v == v else "n/a"

    lines = [
        f"{clip}: {summary['n_steps']} steps, phase {summary['phase']}, "
        f"{summary['effective_fps']:.0f} fps effective",
        f"  cadence {med('cadence_spm', '.0f')} steps/min | step length "
        f"{med('step_length_m', '.2f')} {unit} | contact {med('contact_time_s', '.3f')} s | "
        f"flight {med('flight_time_s', '.3f')} s",
        f"  peak thigh flexion {med('peak_thigh_flexion_deg', '.0f')} deg | recovery "
        f"{med('recovery_time_s', '.3f')} s | swing {med('swing_time_s', '.3f')} s",
    ]
    verdict = summary.get("verdict")
    if verdict:
        lines.append(f"  verdict: {verdict['label'].replace('_', ' ')} "
                     f"(confidence {verdict['confidence_word']}) - {verdict['explanation']}")
    lines += [f"  [{f['level']}] {f['message']}" for f in summary.get("flags", [])]
    lines.append(f"  -> {out}")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stridecam",
        description="Phone video of a sprinter to a step-by-step biomechanics report.")
    parser.add_argument("--version", action="version", version=f"stridecam {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("pose", help="extract per-frame pose landmarks from a clip")
    p.add_argument("clip", help="video file")
    p.add_argument("-o", "--output", metavar="DIR", help="output folder (default reports/<clip>)")
    _add_pose_options(p)
    p.set_defaults(func=cmd_pose)

    p = sub.add_parser("analyse", aliases=["analyze"],
                       help="analyse a sprint clip: steps table, summary, report")
    p.add_argument("clip", help="video file (side view)")
    p.add_argument("-o", "--output", metavar="DIR", help="output folder (default reports/<clip>)")
    p.add_argument("--athlete", metavar="NAME", help="athlete's name for the report")
    p.add_argument("--reference", metavar="TOML",
                   help="your own limiter reference ranges (default: the shipped, commented "
                        "stridecam/data/limiter_reference.toml)")
    g = p.add_argument_group("scale (pixels to metres; without any, lengths are in leg lengths)")
    g.add_argument("--height-m", type=float, metavar="H", help="athlete's standing height in metres")
    g.add_argument("--two-points", metavar="X1,Y1,X2,Y2",
                   help="two image points (px) a known distance apart, at the athlete's depth")
    g.add_argument("--two-points-m", type=float, metavar="D", help="their distance in metres")
    g.add_argument("--ground-rect", metavar="X1,Y1,...,X4,Y4",
                   help="four image corners (px, in order) of a rectangle on the ground")
    g.add_argument("--ground-rect-m", metavar="W,L", help="its width and length in metres")
    p.add_argument("--overlay", action="store_true",
                   help="also write overlay.mp4: the clip with skeleton, contacts and step numbers")
    p.add_argument("--no-report", action="store_true", help="skip report.pdf")
    _add_pose_options(p)
    p.set_defaults(func=cmd_analyse)

    from stridecam.report import command as report_command

    p = sub.add_parser("report", help="re-render report.pdf from a saved run folder (no pose work)")
    report_command.add_report_arguments(p)
    p.set_defaults(func=report_command.cmd_report)

    from stridecam.batch import command as batch_command

    p = sub.add_parser("batch", help="analyse a squad's folder or roster of clips in parallel")
    batch_command.add_arguments(p)
    p.set_defaults(func=batch_command.run)

    from stridecam.simulate import command as simulate_command

    p = sub.add_parser("simulate", help="render simulated sprinters with exact ground truth")
    simulate_command.add_arguments(p)
    p.set_defaults(func=simulate_command.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args) or 0)
    except StridecamError as exc:
        if args.debug:
            raise
        print(f"stridecam: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("stridecam: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
