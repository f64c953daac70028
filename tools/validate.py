"""Measure stridecam's errors against ground truth and write VALIDATION.md.

    python tools/validate.py                 # every section (rendered clips take ~10-20 min)
    python tools/validate.py --sections landmarks,limiter --quick

Sections (each regenerates its own part of VALIDATION.md, between markers, so one can be
re-run alone):
- ``landmarks``: simulated sprinters projected to pixels (no video), with degradations, through
  clean -> events -> metrics, at 30/60/120/240 fps, fixed and panning camera;
- ``rendered``: the same athletes rendered to H.264 clips and run through the real pose stage
  (MediaPipe) and the whole pipeline: detection rate, landmark pixel error, events, metrics;
- ``real``: the real clips in ../shared/videos: steps found, cadence, contact time, flags;
- ``labelled``: the real clips labelled by eye: contacts found, events within one frame, block
  exits, set position, treadmill cadence against a hand count;
- ``kinematics``: per-step coaching values (touchdown distance, shin and knee angles, thighs at
  toe-off, heel recovery) against the simulator, and how often each per-step value lies within
  twice its stated uncertainty of the truth;
- ``timescale``: slow motion recognised by gravity and rhythm, on clips re-timed into 30 fps
  files without a tag, every real-time clip (factor must stay 1) and the real slow-motion clips;
- ``limiter``: the verdict on >= 50 simulated runs with realistic noise (confusion matrix).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tools")]

from validation.kinematics import section_kinematics  # noqa: E402
from validation.labelled import section_labelled  # noqa: E402
from validation.limiter import section_limiter  # noqa: E402
from validation.real import section_real  # noqa: E402
from validation.rendered import section_rendered  # noqa: E402
from validation.simulated import section_landmarks  # noqa: E402
from validation.timescale import timescale_section  # noqa: E402

from stridecam.io.store import write_marked_section  # noqa: E402

OUT = REPO / "VALIDATION.md"

SECTIONS = {"landmarks": ("Landmark level (no video)", section_landmarks),
            "kinematics": ("Per-step coaching values and uncertainties (no video)",
                           section_kinematics),
            "limiter": ("Limiter verdict on simulated athletes", section_limiter),
            "rendered": ("Rendered clips through MediaPipe", section_rendered),
            "real": ("Real clips", section_real),
            "labelled": ("Real clips labelled by eye", section_labelled),
            "timescale": ("Slow motion recognised from the motion",
                          lambda quick: timescale_section())}


HEADER = """# Validation: measured errors of stridecam

Produced by `python tools/validate.py` (re-run it to reproduce every figure here; each section
can be re-run alone with `--sections NAME`). Ground truth comes from the simulator
(`stridecam/simulate`: exact touchdown and toe-off times, step lengths, knee angles) and, for the
real clips, from what can be checked by eye. Nothing here is typed by hand.
"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", default=",".join(SECTIONS))
    parser.add_argument("--quick", action="store_true", help="fewer athletes and seeds")
    parser.add_argument("--out", type=Path, default=OUT,
                        help="Markdown file to write (default VALIDATION.md of the repo)")
    args = parser.parse_args(argv)
    for key in args.sections.split(","):
        title, make = SECTIONS[key]
        t0 = time.time()
        body = make(args.quick)
        body += (f"\n\n_Section computed in {time.time() - t0:.0f} s on "
                 f"{time.strftime('%Y-%m-%d')}._")
        write_marked_section(args.out, key, title, body, header=HEADER)
        print(f"{key}: done in {time.time() - t0:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
