"""Regenerate the bundled sample clips in sample_videos/ (same as ``stridecam simulate --samples``).

Usage: python tools/make_samples.py [OUT_DIR]

Each sample is a simulator preset rendered at 120 fps with the preset's fixed seed, written as
``<name>.mp4`` with ``<name>.truth.json`` (events, steps, per-frame landmarks) beside it. Prints
the render time and file size of each.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from stridecam.simulate.command import make_sample
from stridecam.simulate.presets import SAMPLES

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    out_dir = Path(argv[0]) if argv else REPO / "sample_videos"
    for name in SAMPLES:
        t0 = time.perf_counter()
        path = make_sample(name, out_dir)
        print(f"{path}: {path.stat().st_size / 1e6:.2f} MB, {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
