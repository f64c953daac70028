"""The ``stridecam`` command line. Edge module: parses arguments, calls the pipeline, prints.

Every user error ends as one line on stderr (``stridecam: <file>: <problem>``) and exit code 2;
``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from pathlib import Path

from stridecam import __version__
from stridecam.model.errors import StridecamError
from stridecam.model.result import Athlete, MetricStat, RunResult
from stridecam.options import (
    add_calibration_options,
    add_pose_options,
    pose_from_args,
    settings_from_args,
)


def _waiting(message: str) -> None:
    print(f"stridecam: {message}", file=sys.stderr)


def cmd_pose(args: argparse.Namespace) -> int:
    from stridecam.io.store import output_folder
    from stridecam.io.video import check_clip
    from stridecam.pipeline import get_poses, output_dir_for

    out = Path(args.output) if args.output else output_dir_for(args.clip)
    settings = pose_from_args(args)
    check_clip(args.clip, settings.capture_fps)  # before the output folder is made
    with output_folder(out, on_wait=_waiting):
        poses, cached = get_poses(args.clip, out, settings, progress=True, force=args.force)
    how = "reused cached landmarks" if cached else "extracted landmarks"
    print(f"{args.clip}: {how} for {poses.n_frames} frames "
          f"({poses.detection_rate:.0%} with the athlete found) -> {out}")
    for flag in poses.flags:
        print(f"  [{flag.level}] {flag.message}")
    return 0


def cmd_analyse(args: argparse.Namespace) -> int:
    from stridecam.io.checks import check_inputs
    from stridecam.io.config import load_reference
    from stridecam.io.store import output_folder
    from stridecam.pipeline import analyse_clip, output_dir_for

    out = Path(args.output) if args.output else output_dir_for(args.clip)
    settings = settings_from_args(args)
    Athlete(name=args.athlete, mass_kg=args.mass_kg)  # checks --mass-kg before any work
    reference = load_reference(args.reference)
    check_inputs(args.clip, out, settings)  # every user-input problem before any pose work
    with output_folder(out, on_wait=_waiting):  # one run at a time writes into ``out``
        result = analyse_clip(args.clip, out, settings, athlete=args.athlete,
                              reference=reference, progress=True, force=args.force,
                              mass_kg=args.mass_kg).result
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
    fv = result.fv_profile
    if fv is not None and fv.status != "not_acceleration":
        lines.append(f"  force-velocity: F0 {fv.f0_n_kg:.1f} N/kg, V0 {fv.v0_m_s:.2f} m/s, Pmax "
                     f"{fv.pmax_w_kg:.1f} W/kg" if fv.ok else f"  {fv.note}")
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
    p.add_argument("--mass-kg", type=float, metavar="KG",
                   help="athlete's body mass: the force-velocity profile of an acceleration in "
                        "N and W (default: per kg only)")
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
    try:
        parser = build_parser()
    except (KeyboardInterrupt, ImportError) as exc:  # Ctrl-C while the libraries load
        if not _interrupted(exc):
            raise
        print("stridecam: interrupted", file=sys.stderr)
        return 130
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
    except OSError as exc:  # a file or folder the system refused: one line too
        if args.debug:
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"stridecam: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2


def _interrupted(exc: BaseException | None) -> bool:
    """True if ``exc`` is a Ctrl-C, or was caused by one (a native module's import fails with
    ImportError when interrupted)."""
    while exc is not None:
        if isinstance(exc, KeyboardInterrupt):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def entry() -> None:
    """The console command: once ``main`` has answered, a late Ctrl-C is ignored, so a run that
    finished is not turned into a crash while the interpreter shuts down (MediaPipe and logging
    clean up in exit handlers)."""
    code = main()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    entry()
