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
from stridecam.model.errors import ConfigError, StridecamError
from stridecam.model.result import Athlete, MetricStat, RunResult
from stridecam.options import (
    add_calibration_options,
    add_overlay_options,
    add_pose_options,
    add_scope_options,
    command_parser,
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
    """One or several clips: each analysed on its own (a bad clip is one line and the next
    goes on); exit 0 all done, 1 some failed, and a single clip's own code when it was alone."""
    from stridecam.io.config import load_reference

    settings = settings_from_args(args)
    Athlete(name=args.athlete, mass_kg=args.mass_kg)  # checks --mass-kg before any work
    reference = load_reference(args.reference)
    clips = args.clip
    if args.all_runners:
        if len(clips) != 1:
            raise ConfigError("--all-runners: give one clip")
        args.clip = clips[0]
        return cmd_analyse_all(args, _out_for(args, clips[0], 1), settings, reference)
    if len(clips) == 1:
        return _analyse_one(args, clips[0], _out_for(args, clips[0], 1), settings, reference)
    failed = 0
    for clip in clips:
        try:
            _analyse_one(args, clip, _out_for(args, clip, len(clips)), settings, reference)
        except StridecamError as exc:
            failed += 1
            print(f"stridecam: {exc}", file=sys.stderr)
    print(f"{len(clips) - failed} of {len(clips)} clips analysed")
    return 0 if not failed else 1 if failed < len(clips) else 2


def _out_for(args: argparse.Namespace, clip: str, n_clips: int) -> Path:
    """``-o DIR`` for one clip; ``DIR/<clip name>`` for each of several; else reports/<clip>."""
    from stridecam.pipeline import output_dir_for

    if args.output:
        return Path(args.output) if n_clips == 1 else Path(args.output) / Path(clip).stem
    return output_dir_for(clip)


def _analyse_one(args: argparse.Namespace, clip: str, out: Path, settings, reference) -> int:
    from stridecam.io.checks import check_inputs
    from stridecam.io.store import output_folder
    from stridecam.pipeline import analyse_clip

    check_inputs(clip, out, settings)  # every user-input problem before any pose work
    with output_folder(out, on_wait=_waiting):  # one run at a time writes into ``out``
        result = analyse_clip(clip, out, settings, athlete=args.athlete,
                              reference=reference, progress=True, force=args.force,
                              mass_kg=args.mass_kg).result
        print(format_summary(result, clip, out))
        if not args.no_pdf:
            from stridecam.report import write_run_report

            _stage("writing the report")
            report = write_run_report(result, out / "report.pdf", clip=clip)
            print(f"  report: {report.path} ({report.n_pages} pages)")
        if args.overlay:
            write_overlay_with_progress(clip, out, zoom=args.overlay_zoom,
                                        slowmo=args.overlay_slowmo)
    return 0


def _stage(what: str) -> None:
    """A line on stderr for a stage that shows no bar (only on a terminal)."""
    if sys.stderr.isatty():
        print(f"stridecam: {what}...", file=sys.stderr, flush=True)


def write_overlay_with_progress(clip: str | Path, out: Path, *, zoom=None, slowmo=None) -> None:
    """``overlay.mp4`` with a progress bar on a terminal."""
    from tqdm import tqdm

    from stridecam.report import write_overlay

    with tqdm(desc="overlay", unit="frame", disable=not sys.stderr.isatty(),
              leave=False) as bar:
        def on_frame(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        overlay = write_overlay(clip, out, out / "overlay.mp4", zoom=zoom, slowmo=slowmo,
                                on_frame=on_frame)
    print(f"  overlay video: {overlay.path} ({overlay.n_frames} frames)")


def cmd_frame(args: argparse.Namespace) -> int:
    """``stridecam frame CLIP --at S``: the frame with a pixel grid, for calibration points."""
    from stridecam.io.frame_grid import write_frame_png

    out = Path(args.output) if args.output else Path(
        f"{Path(args.clip).stem}_at_{args.at:g}s.png")
    path, w, h, step = write_frame_png(args.clip, args.at, out)
    print(f"{args.clip}: frame at {args.at:g} s ({w}x{h} px) with a grid every {step} px -> "
          f"{path}")
    return 0


def cmd_analyse_all(args: argparse.Namespace, out: Path, settings, reference) -> int:
    """``analyse --all-runners``: every runner in its own folder, and a comparison table."""
    from stridecam.io.checks import check_inputs
    from stridecam.io.store import output_folder
    from stridecam.runners import REPORT_FILE, TABLE_FILE, analyse_all_runners

    check_inputs(args.clip, out, settings)
    with output_folder(out, on_wait=_waiting):
        runs = analyse_all_runners(args.clip, out, settings, reference=reference,
                                   progress=True, force=args.force, pdf=not args.no_pdf)
        for run in runs:
            print(format_summary(run.result, f"{args.clip} runner {run.rank}", run.folder))
            if not args.no_pdf:
                from stridecam.report import write_run_report

                report = write_run_report(run.result, run.folder / "report.pdf",
                                          clip=args.clip, poses=run.poses)
                print(f"  report: {report.path} ({report.n_pages} pages)")
        pdf = "" if args.no_pdf else f" and {out / REPORT_FILE}"
        print(f"{len(runs)} runner(s) compared in {out / TABLE_FILE}{pdf}")
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
        description="Phone video of a sprinter to a step-by-step biomechanics report.",
        epilog="Run 'stridecam COMMAND --help' for a command's options and examples.")
    parser.add_argument("--version", action="version", version=f"stridecam {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = command_parser(sub, "pose", "extract per-frame pose landmarks from a clip")
    p.add_argument("clip", help="video file")
    p.add_argument("-o", "--output", metavar="DIR", help="output folder (default reports/<clip>)")
    add_pose_options(p)
    p.set_defaults(func=cmd_pose)

    p = command_parser(sub, "analyse", "analyse sprint clips: steps table, summary, report",
                 aliases=["analyze"])
    p.add_argument("clip", nargs="+", help="video file(s), side view")
    p.add_argument("-o", "--output", metavar="DIR",
                   help="output folder (default reports/<clip>; with several clips "
                        "DIR/<clip>)")
    p.add_argument("--athlete", metavar="NAME", help="athlete's name for the report")
    p.add_argument("--mass-kg", type=float, metavar="KG",
                   help="athlete's body mass: the force-velocity profile of an acceleration in "
                        "N and W (default: per kg only)")
    p.add_argument("--reference", metavar="TOML",
                   help="your own limiter reference ranges (default: the shipped, commented "
                        "stridecam/data/limiter_reference.toml)")
    add_calibration_options(p)
    add_scope_options(p)
    p.add_argument("--overlay", action="store_true",
                   help="also write overlay.mp4: the clip with skeleton, contacts and step numbers")
    add_overlay_options(p)
    p.add_argument("--no-pdf", "--no-report", dest="no_pdf", action="store_true",
                   help="no report.pdf (CSV, JSON and the exports only)")
    p.add_argument("--all-runners", action="store_true",
                   help="several people in view: analyse every runner, each into "
                        "DIR/runner-<k>/ (nearest the camera first), compared in "
                        "DIR/runners_summary.csv and runners_report.pdf")
    add_pose_options(p)
    p.set_defaults(func=cmd_analyse)

    p = command_parser(sub, "frame", "one frame as a PNG with a pixel grid, to read calibration "
                 "points from")
    p.add_argument("clip", help="video file")
    p.add_argument("--at", type=float, required=True, metavar="SECONDS",
                   help="time in the clip (seconds)")
    p.add_argument("-o", "--output", metavar="PNG",
                   help="output file (default <clip>_at_<SECONDS>s.png)")
    p.set_defaults(func=cmd_frame)

    from stridecam.report import command as report_command

    p = command_parser(sub, "report", "re-render report.pdf from a saved run folder (no pose work)")
    report_command.add_report_arguments(p)
    add_overlay_options(p)
    p.set_defaults(func=report_command.cmd_report)

    from stridecam.batch import command as batch_command

    p = command_parser(sub, "batch", "analyse a squad's folder or roster of clips in parallel")
    batch_command.add_arguments(p)
    p.set_defaults(func=batch_command.run)

    from stridecam.simulate import command as simulate_command

    p = command_parser(sub, "simulate", "render simulated sprinters with exact ground truth")
    simulate_command.add_arguments(p)
    p.set_defaults(func=simulate_command.run)
    parser.set_defaults(commands=dict(sub.choices))
    return parser


def apply_config(parser: argparse.ArgumentParser, argv: list[str] | None) -> None:
    """A ``--config`` TOML's values become the command's defaults (the command line wins)."""
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--config")
    known, rest = pre.parse_known_args(argv)
    if not known.config:
        return
    commands = parser.get_default("commands")
    name = next((a for a in rest if a in commands), None)
    if name not in ("analyse", "analyze", "batch"):
        raise ConfigError("--config: works with 'stridecam analyse' and 'stridecam batch'")
    from stridecam.io.config import option_config

    p = commands[name]
    options = {a.dest: a.option_strings[-1] for a in p._actions
               if a.option_strings and a.dest not in ("help", "config")}
    values, tables = option_config(known.config, options)
    p.set_defaults(**values, settings_tables=tables)


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
    try:
        apply_config(parser, argv)
    except StridecamError as exc:
        print(f"stridecam: {exc}", file=sys.stderr)
        return exc.exit_code
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


def redeliver_interrupts(args) -> None:
    """``sys.unraisablehook`` of the command: a Ctrl-C that lands inside a clean-up callback
    (a weakref callback or ``__del__`` run by the garbage collector) cannot stop the run there
    and Python would print it as an ignored traceback; it is delivered again a moment later,
    in the program's own code. Anything else goes to Python's default hook."""
    if isinstance(args.exc_value, KeyboardInterrupt):
        import _thread
        import threading

        threading.Timer(0.01, _thread.interrupt_main).start()
        return
    sys.__unraisablehook__(args)


def entry() -> None:
    """The console command: a Ctrl-C stops the run with one line (``redeliver_interrupts``);
    once ``main`` has answered, a late Ctrl-C is ignored, so a run that finished is not turned
    into a crash while the interpreter shuts down (MediaPipe and logging clean up in exit
    handlers)."""
    sys.unraisablehook = redeliver_interrupts
    code = main()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    entry()
