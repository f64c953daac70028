"""``stridecam report DIR``: re-render a run's PDF (and optionally its overlay video) from the
results saved in DIR, without running pose estimation again. DIR may also be a batch's output
folder: every run is then judged again against the squad and the athletes' earlier runs
(``batch.compare``) and the squad table and PDF are rewritten.

Wiring (cli.py)::

    from stridecam.report.report import command as report_command
    p = sub.add_parser("report", help="re-render the PDF report of an analysed clip")
    report_command.add_report_arguments(p)
    p.set_defaults(func=report_command.cmd_report)
"""

from __future__ import annotations

import argparse
from pathlib import Path

from stridecam.model.errors import StridecamError

REPORT_FILE = "report.pdf"
OVERLAY_FILE = "overlay.mp4"


def add_report_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", metavar="DIR",
                        help="a run folder written by `stridecam analyse` (reports/<clip>/), or "
                             "a batch's output folder (each run judged against the others)")
    parser.add_argument("--reference", metavar="TOML",
                        help="your own limiter reference ranges (a batch folder only)")
    parser.add_argument("-o", "--output", metavar="PDF",
                        help=f"where to write the report (default DIR/{REPORT_FILE})")
    parser.add_argument("--clip", metavar="VIDEO",
                        help="the analysed video, when it is no longer where the summary says "
                             "(used for the kinogram frames and the overlay)")
    parser.add_argument("--previews", type=int, metavar="DPI", nargs="?", const=100,
                        help="also write PNG previews of the pages beside the PDF "
                             "(page-1.png, ...; default 100 dpi; needs pdftoppm from "
                             "poppler-utils)")
    parser.add_argument("--overlay", action="store_true",
                        help=f"also write DIR/{OVERLAY_FILE}: the clip with the skeleton, "
                             "contact markers and live step numbers")


def cmd_report(args: argparse.Namespace) -> int:
    from stridecam.report.load import load_run_data
    from stridecam.report.pdf import write_run_report

    folder = Path(args.folder)
    if not (folder / "summary.json").exists() and (folder / "squad_summary.csv").exists():
        return rejudge(folder, args.reference)
    data = load_run_data(folder, args.clip)
    out = Path(args.output) if args.output else folder / REPORT_FILE
    report = write_run_report(data, out)
    print(f"{out}: {report.n_pages} pages, verdict {report.label.replace('_', ' ')}"
          + ("" if data.clip else " (video not found: skeleton kinogram; pass --clip VIDEO)"))
    for note in data.notes:
        print(f"  [note] {note}")
    if args.previews:
        pngs = write_previews(out, out.parent, args.previews)
        print(f"{out.parent}: {len(pngs)} page previews at {args.previews} dpi")
    if args.overlay:
        if data.clip is None:
            raise StridecamError(f"{folder}: the analysed video was not found; pass --clip VIDEO "
                                 "to write the overlay")
        from stridecam.report.overlay import write_overlay

        video = write_overlay(data.clip, data, folder / OVERLAY_FILE,
                              zoom=getattr(args, "overlay_zoom", None),
                              slowmo=getattr(args, "overlay_slowmo", None))
        print(f"{video.path}: {video.n_frames} frames (clip: {video.n_source_frames})")
    return 0


def rejudge(folder: Path, reference: str | None) -> int:
    """A batch folder: each run judged again against the others; the squad table and PDF."""
    from stridecam.batch.compare import rejudge_batch
    from stridecam.io.config import load_reference

    table, note = rejudge_batch(folder, load_reference(reference))
    for row in table.to_dict("records"):
        who = f"{row['athlete']}: " if row["athlete"] else ""
        print(f"  {who}{row['clip']}: {row['verdict_vs_others']} against the "
              f"{row['others_basis']}")
    print(f"{folder}: {len(table)} runs judged against each other -> squad_summary.csv; "
          f"squad report: {note}")
    return 0


def write_previews(pdf: str | Path, folder: str | Path, dpi: int = 100) -> list[Path]:
    """PNG previews ``page-<n>.png`` of every page of ``pdf`` in ``folder`` (pdftoppm, then a
    128-colour palette to keep them small), each written atomically."""
    import shutil
    import subprocess
    import tempfile

    from PIL import Image

    from stridecam.io.store import atomic_path

    exe = shutil.which("pdftoppm")
    if exe is None:
        raise StridecamError("pdftoppm not found: install poppler-utils for page previews")
    folder = Path(folder)
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([exe, "-r", str(int(dpi)), "-png", str(pdf), str(Path(tmp) / "page")],
                       check=True, capture_output=True)
        pages = sorted(Path(tmp).glob("page-*.png"), key=lambda p: int(p.stem.split("-")[-1]))
        for k, page in enumerate(pages, 1):
            target = folder / f"page-{k}.png"
            image = Image.open(page).convert("RGB").quantize(
                colors=128, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
            with atomic_path(target) as part:
                image.save(part, format="PNG", optimize=True)
            out.append(target)
    for stale in folder.glob("page-*.png"):
        if stale not in out:
            stale.unlink()
    return out
