"""Cost of the image evidence (timing contacts from the frames) within ``stridecam analyse``.

    python benchmarks/bench_evidence.py CLIP [CLIP ...] [--repeats N] [--write]

For each clip, alternated runs (each in a new process, landmarks extracted afresh, no PDF) of
the per-clip job ``pipeline.analyse_clip`` with the image evidence on and off; the figure is
the median wall time with it over the median without it (target: at most 1.20, the image stage
adding at most 20%). The machine's load average is printed beside it.
``--write`` replaces the evidence section of BENCHMARKS.md with the table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from stridecam.io.store import write_marked_section  # noqa: E402

JOB = """
import sys, time
from stridecam.model.settings import AnalysisSettings, Settings
from stridecam.pipeline import analyse_clip
t0 = time.perf_counter()
analyse_clip(sys.argv[1], sys.argv[2], Settings(analysis=AnalysisSettings(
    image_evidence=sys.argv[3] == "on")), force=True)
print(time.perf_counter() - t0)
"""


def one_run(clip: Path, image: bool) -> float:
    """Wall seconds of one analyse job (new process, fresh landmarks), imports included."""
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", JOB, str(clip), out, "on" if image else "off"],
                       check=True, capture_output=True, env={**os.environ,
                                                             "GLOG_minloglevel": "2"})
        return time.perf_counter() - t0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clips", nargs="+", type=Path)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    rows = []
    for clip in args.clips:
        on, off = [], []
        for _ in range(args.repeats):
            off.append(one_run(clip, False))
            on.append(one_run(clip, True))
        ratio = statistics.median(on) / statistics.median(off)
        load = os.getloadavg()[0]
        rows.append(f"| {clip.name} | {statistics.median(off):.1f} | {statistics.median(on):.1f} "
                    f"| {statistics.median(on) - statistics.median(off):+.1f} | **{ratio:.2f}** "
                    f"| {load:.1f} |")
        print(rows[-1], flush=True)
    body = "\n".join([
        "`python benchmarks/bench_evidence.py CLIP ...`: `analyse` (landmarks extracted afresh, "
        f"no PDF, new process per run; {args.repeats} alternated runs each, medians) with the "
        "image evidence off and on. Target: ratio <= 1.20.", "",
        "| clip | without s | with s | image stage s | ratio | load average |",
        "|---|---|---|---|---|---|", *rows,
        "", f"_Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores._"])
    if args.write:
        write_marked_section(REPO / "BENCHMARKS.md", "evidence",
                             "Image evidence cost (`benchmarks/bench_evidence.py`)", body)
    print(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
