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
from stridecam.model.result import MetricStat, RunResult
from stridecam.options import (
    add_calibration_options,
    add_pose_options,
    pose_from_args,
    settings_from_args,
)


def cmd_pose(args: argparse.Namespace) -> int:
    from stridecam.pipeline import get_poses, output_dir_for

    out = Path(args.output) if args.output else output_dir_for(args.clip)
    poses, cached = get_poses(args.clip, out, pose_from_args(args), progress=True,
                              force=args.force)
    how = "reused cached landmarks" if cached else "extracted landmarks"
    print(f"{args.clip}: {how} for {poses.n_frames} frames "
          f"({poses.detection_rate:.0%} with the athlete found) -> {out}")
    for flag in poses.flags:
        print(f"  [{flag.level}] {flag.message}")
    return 0


def cmd_analyse(args: argparse.Namespace) -> int:
    from stridecam.pipeline import analyse_clip, output_dir_for

    out = Path(args.output) if args.output else output_dir_for(args.clip)
    settings = settings_from_args(args)
    result = analyse_clip(args.clip, out, settings, athlete=args.athlete,
                          reference=args.reference, progress=True, force=args.force).result
    print(format_summary(result, args.clip, out))
    if not args.no_report:
        from stridecam.report import write_run_report

        report = write_run_report(result, out / "report.pdf", clip=args.clip)
        print(f"  report: {report.path} ({report.n_pages} pages)")
    if args.overlay:
        from stridecam.report import write_overlay

        overlay = write_overlay(args.clip, out, out / "overlay.mp4")
        print(f"  overlay video: {overlay.path} ({overlay.n_frames} frames)")
    return 0


def format_summary(result: RunResult, clip: str | Path, out: Path) -> str:
    """A few lines for the terminal: steps found, the run's figures (the same numbers as page 1
    of the report and ``summary.json``: run values over consecutive steps, medians named as
    medians), the verdict, flags and where the files went."""
    s = result.summary
    m = s.metrics
    in_m = s.length_units == "m"
    unit = "m" if in_m else "leg lengths"
    length, speed = (m.step_length_m, m.speed_m_s) if in_m else (m.step_length_leg,
                                                                  m.speed_leg_s)

    def fig(stat: MetricStat, fmt: str) -> str:
        v = stat.value
        if v != v:
            return "n/a"
        unc = format(stat.uncertainty, fmt) if stat.uncertainty == stat.uncertainty else ""
        return format(v, fmt) + (f" ± {unc}" if unc and float(unc) > 0 else "")

    over = (f"over {m.cadence_spm.n} steps" if not m.cadence_spm.is_run_value else
            "over the consecutive steps")
    lines = [
        f"{clip}: {s.n_steps} steps, phase {s.phase}, {s.effective_fps:.0f} fps effective",
        f"  cadence {fig(m.cadence_spm, '.0f')} steps/min, step length "
        f"{fig(length, '.2f')} {unit}, speed {fig(speed, '.2f')} {unit}/s "
        f"({over})",
        f"  medians: contact {fig(m.contact_time_s, '.3f')} s | flight "
        f"{fig(m.flight_time_s, '.3f')} s | peak thigh flexion "
        f"{fig(m.peak_thigh_flexion_deg, '.0f')} deg | recovery {fig(m.recovery_time_s, '.3f')} s",
    ]
    b = result.block_start
    if b is not None:
        lines.append(f"  block start: rear foot off {b.rear_block_time_s:.2f} s, front foot off "
                     f"{b.front_block_time_s:.2f} s after the first movement")
    v = result.verdict
    if v is not None:
        lines.append(f"  verdict: {v.label.replace('_', ' ')} "
                     f"(confidence {v.confidence_word}) - {v.explanation}")
    lines += [f"  [{f.level}] {f.message}" for f in result.flags]
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
    add_pose_options(p)
    p.set_defaults(func=cmd_pose)

    p = sub.add_parser("analyse", aliases=["analyze"],
                       help="analyse a sprint clip: steps table, summary, report")
    p.add_argument("clip", help="video file (side view)")
    p.add_argument("-o", "--output", metavar="DIR", help="output folder (default reports/<clip>)")
    p.add_argument("--athlete", metavar="NAME", help="athlete's name for the report")
    p.add_argument("--reference", metavar="TOML",
                   help="your own limiter reference ranges (default: the shipped, commented "
                        "stridecam/data/limiter_reference.toml)")
    add_calibration_options(p)
    p.add_argument("--overlay", action="store_true",
                   help="also write overlay.mp4: the clip with skeleton, contacts and step numbers")
    p.add_argument("--no-report", action="store_true", help="skip report.pdf")
    add_pose_options(p)
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
