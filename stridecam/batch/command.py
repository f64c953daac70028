"""``stridecam batch FOLDER|ROSTER.csv [-j N] [-o DIR] [--force] [--dask-scheduler ADDR]``.

Wiring for the main CLI::

    from stridecam.batch import command as batch_command
    p = sub.add_parser("batch", help="analyse a folder or roster of clips (a squad)")
    batch_command.add_arguments(p)
    p.set_defaults(func=batch_command.run)

``run(args)`` returns the exit code: 0 every clip analysed (or already done), 1 some failed
(reasons in ``errors.csv``), 2 none could be analysed. Setup errors (no such folder, bad roster,
missing model, unreachable scheduler) raise ``StridecamError``, which the CLI prints (exit 2).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from stridecam.model.errors import ConfigError
from stridecam.options import (
    add_calibration_options,
    add_pose_options,
    add_scope_options,
    settings_from_args,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the batch command's arguments to ``parser``."""
    parser.add_argument("source", metavar="FOLDER|ROSTER.csv",
                        help="a folder of clips (athlete = sub-folder name) or a roster CSV "
                             "(columns athlete, clip, height_m, mass_kg, capture_fps, date, "
                             "notes)")
    parser.add_argument("-j", "--jobs", type=int, metavar="N",
                        help="worker processes (default: the number of cores); each loads the "
                             "pose model once")
    parser.add_argument("-o", "--output", metavar="DIR",
                        help="output root (default reports/<folder or roster name>)")
    parser.add_argument("--force", action="store_true",
                        help="redo finished clips, landmarks included (default: skip clips "
                             "already done with the same content and settings)")
    parser.add_argument("--dask-scheduler", metavar="ADDR",
                        help="run the clips on a Dask cluster (tcp://HOST:PORT); clips and the "
                             "output folder must be on storage every worker sees")
    parser.add_argument("--settings", metavar="TOML",
                        help="per-athlete / per-clip settings for a folder (default "
                             "<folder>/batch.toml if present)")
    parser.add_argument("--reference", metavar="TOML",
                        help="your own limiter reference ranges (default: the shipped ones)")
    parser.add_argument("--no-pdf", "--no-report", dest="no_pdf", action="store_true",
                        help="no report.pdf per clip nor squad_report.pdf (CSV and JSON only)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    # the same options as 'stridecam analyse'; a roster's or TOML's capture_fps and height_m
    # win for their clips
    add_calibration_options(parser)
    add_scope_options(parser)
    add_pose_options(parser, force=False)


def default_output(source: str | Path) -> Path:
    """``reports/<folder name>`` or ``reports/<roster file name without .csv>``."""
    src = Path(source)
    return Path("reports") / (src.resolve().name if src.is_dir() else src.stem)


def run(args: argparse.Namespace) -> int:
    """Run the batch described by ``args``; returns the exit code (see module docstring)."""
    from stridecam.batch.run import cpu_cores, run_batch

    if args.jobs is not None and args.jobs < 1:
        raise ConfigError(f"-j {args.jobs}: the number of worker processes must be at least 1")
    settings = settings_from_args(args)
    out = Path(args.output) if args.output else default_output(args.source)
    outcome = run_batch(args.source, out, settings=settings, workers=args.jobs or cpu_cores(),
                        scheduler=args.dask_scheduler, reference=args.reference,
                        force=args.force, settings_toml=args.settings, pdf=not args.no_pdf,
                        progress=not args.no_progress)
    return outcome.exit_code
