"""Pose-stage speed on one clip, as ratios against a bare MediaPipe loop.

    python benchmarks/bench_pose.py CLIP [CLIP ...] [--write]

For each clip, ms per decoded frame of:
- ``decode``: PyAV decode to RGB arrays, nothing else;
- ``bare``: decode then MediaPipe PoseLandmarker (IMAGE mode, full model, one pose), one frame
  after the other in one thread: the loop anyone would write first;
- ``stridecam``: ``stridecam pose`` end to end as a user runs it (new process: decode thread,
  athlete tracking, Parquet + JSON written), with the cache cleared first.
The figure is ``stridecam / bare`` (target <= 0.75 on 2 cores: decoding overlaps inference).
``--write`` replaces the pose section of BENCHMARKS.md with the table.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("GLOG_minloglevel", "2")

import av  # noqa: E402
import mediapipe as mp  # noqa: E402
from mediapipe.tasks.python import BaseOptions, vision  # noqa: E402

from stridecam.model_files import resolve_model  # noqa: E402


def decode_only(clip: Path) -> tuple[int, float]:
    t0 = time.perf_counter()
    n = 0
    with av.open(str(clip)) as c:
        for frame in c.decode(video=0):
            frame.to_ndarray(format="rgb24")
            n += 1
    return n, time.perf_counter() - t0


def bare_mediapipe(clip: Path) -> tuple[int, float]:
    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(resolve_model("full"))),
        running_mode=vision.RunningMode.IMAGE, num_poses=1)
    landmarker = vision.PoseLandmarker.create_from_options(options)
    t0 = time.perf_counter()
    n = 0
    try:
        with av.open(str(clip)) as c:
            for frame in c.decode(video=0):
                image = frame.to_ndarray(format="rgb24")
                landmarker.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=image))
                n += 1
    finally:
        landmarker.close()
    return n, time.perf_counter() - t0


def stridecam_pose(clip: Path) -> float:
    out = Path(tempfile.mkdtemp(prefix="bench_pose_"))
    try:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "stridecam.cli", "pose", str(clip), "-o", str(out),
                        "--force"], check=True, capture_output=True)
        return time.perf_counter() - t0
    finally:
        shutil.rmtree(out, ignore_errors=True)


def bench(clip: Path) -> dict:
    """Whole clip, all three ways; times per decoded frame."""
    n_dec, t_dec = decode_only(clip)
    n_bare, t_bare = bare_mediapipe(clip)
    t_sc = stridecam_pose(clip)
    per = lambda t, n: 1000.0 * t / n  # noqa: E731
    assert n_dec == n_bare, "decode and bare loop saw different frame counts"
    return {"clip": clip.name, "frames": n_dec, "decode_ms": per(t_dec, n_dec),
            "bare_ms": per(t_bare, n_bare), "stridecam_ms": per(t_sc, n_dec),
            "ratio": (t_sc / n_dec) / (t_bare / n_bare)}


def table(rows: list[dict]) -> str:
    lines = ["| clip | frames | decode ms/frame | bare MediaPipe ms/frame | stridecam pose ms/frame "
             "| stridecam / bare |", "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['clip']} | {r['frames']} | {r['decode_ms']:.1f} | {r['bare_ms']:.1f} | "
                     f"{r['stridecam_ms']:.1f} | {r['ratio']:.2f} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clips", nargs="+", type=Path)
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = parser.parse_args(argv)
    rows = [bench(c) for c in args.clips]
    text = table(rows)
    print(text)
    if args.write:
        path = REPO / "BENCHMARKS.md"
        body = (f"<!-- section:pose -->\n## Pose stage (`benchmarks/bench_pose.py`)\n\n"
                f"Measured {time.strftime('%Y-%m-%d')} on this project's 2-core machine, "
                f"{os.cpu_count()} CPUs visible. `stridecam pose` includes process start-up, "
                "model load, athlete tracking and writing Parquet + JSON; bare = decode then "
                "IMAGE-mode detect, sequential. Lower is better.\n\n" + text +
                "\n<!-- /section:pose -->")
        old = path.read_text() if path.exists() else "# Benchmarks\n"
        if "<!-- section:pose -->" in old:
            new = re.sub(r"<!-- section:pose -->.*?<!-- /section:pose -->", lambda _: body, old,
                         flags=re.S)
        else:
            new = old.rstrip() + "\n\n" + body + "\n"
        path.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
