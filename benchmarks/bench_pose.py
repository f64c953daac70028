"""Pose-stage speed on one clip, as ratios against a bare MediaPipe loop.

    python benchmarks/bench_pose.py CLIP [CLIP ...] [--write]

For each clip, ms per decoded frame of:
- ``decode``: PyAV decode to RGB arrays, nothing else;
- ``bare``: decode then MediaPipe PoseLandmarker (IMAGE mode, full model, one pose), one frame
  after the other in one thread: the loop anyone would write first;
- ``stridecam``: ``stridecam pose`` end to end as a user runs it (new process: decode thread,
  athlete tracking, Parquet + JSON written), with the cache cleared first.
The figure is the ratio to the bare loop in the same running mode (target <= 0.75 on 2 cores:
decoding overlaps inference).
``--write`` replaces the pose section of BENCHMARKS.md with the table.
"""

from __future__ import annotations

import argparse
import json
import os
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
import numpy as np  # noqa: E402
from mediapipe.tasks.python import BaseOptions, vision  # noqa: E402

from stridecam.io.model_files import resolve_model  # noqa: E402
from stridecam.io.store import write_marked_section  # noqa: E402


def decode_only(clip: Path) -> tuple[int, float]:
    t0 = time.perf_counter()
    n = 0
    with av.open(str(clip)) as c:
        for frame in c.decode(video=0):
            frame.to_ndarray(format="rgb24")
            n += 1
    return n, time.perf_counter() - t0


def bare_mediapipe(clip: Path, mode: str = "image") -> tuple[int, float]:
    """Decode then detect, one frame after the other; ``mode`` "image" or "video"."""
    video = mode == "video"
    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(resolve_model("full"))),
        running_mode=vision.RunningMode.VIDEO if video else vision.RunningMode.IMAGE,
        num_poses=1)
    landmarker = vision.PoseLandmarker.create_from_options(options)
    t0 = time.perf_counter()
    n = 0
    try:
        with av.open(str(clip)) as c:
            for frame in c.decode(video=0):
                image = mp.Image(image_format=mp.ImageFormat.SRGB,
                                 data=np.ascontiguousarray(frame.to_ndarray(format="rgb24")))
                if video:
                    landmarker.detect_for_video(image, n * 10)  # any increasing ms will do
                else:
                    landmarker.detect(image)
                n += 1
    finally:
        landmarker.close()
    return n, time.perf_counter() - t0


def stridecam_pose(clip: Path) -> tuple[float, float]:
    """(wall seconds of ``stridecam pose`` as a new process, seconds spent in the pose stage
    itself as it reports in landmarks.json: decoding thread + tracking + inference)."""
    out = Path(tempfile.mkdtemp(prefix="bench_pose_"))
    try:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "stridecam.cli", "pose", str(clip), "-o", str(out),
                        "--force"], check=True, capture_output=True)
        wall = time.perf_counter() - t0
        meta = json.loads((out / "landmarks.json").read_text())["meta"]
        return wall, meta["pose_ms_per_frame"] * meta["frames"] / 1000.0
    finally:
        shutil.rmtree(out, ignore_errors=True)


def bench(clip: Path) -> dict:
    """Whole clip, every way; times per decoded frame."""
    n_dec, t_dec = decode_only(clip)
    n_img, t_img = bare_mediapipe(clip, "image")
    n_vid, t_vid = bare_mediapipe(clip, "video")
    t_sc, t_stage = stridecam_pose(clip)
    per = lambda t, n: 1000.0 * t / n  # noqa: E731
    assert n_dec == n_img == n_vid, "decode and bare loops saw different frame counts"
    return {"clip": clip.name, "frames": n_dec, "decode_ms": per(t_dec, n_dec),
            "bare_image_ms": per(t_img, n_dec), "bare_video_ms": per(t_vid, n_dec),
            "stage_ms": per(t_stage, n_dec), "stridecam_ms": per(t_sc, n_dec),
            "ratio_stage": t_stage / t_vid, "ratio": t_sc / t_vid}


def table(rows: list[dict]) -> str:
    lines = ["| clip | frames | decode | bare loop, IMAGE mode | bare loop, VIDEO mode | "
             "pose stage "
             "in process | `stridecam pose` end to end | stage / bare VIDEO | end to end / bare "
             "VIDEO |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['clip']} | {r['frames']} | {r['decode_ms']:.1f} | "
                     f"{r['bare_image_ms']:.1f} | {r['bare_video_ms']:.1f} | {r['stage_ms']:.1f} | "
                     f"{r['stridecam_ms']:.1f} | {r['ratio_stage']:.2f} | {r['ratio']:.2f} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clips", nargs="+", type=Path)
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = parser.parse_args(argv)
    load0 = f"{os.getloadavg()[0]:.2f}"
    rows = [bench(c) for c in args.clips]
    text = table(rows)
    print(text)
    if args.write:
        write_marked_section(
            REPO / "BENCHMARKS.md", "pose", "Pose stage (`benchmarks/bench_pose.py`)",
            f"Measured {time.strftime('%Y-%m-%d')} on this project's 2-core machine, "
            f"{os.cpu_count()} CPUs visible; ms per decoded frame, lower is better. Bare loops: "
            "decode then detect, one frame after the other, one pose. Pose stage in "
            "process: decode thread + athlete tracking + inference as `stridecam pose` "
            "reports it (default VIDEO mode, plus a people count once a second and searches "
            "while the athlete is out of view). End to end: a new `stridecam pose` process: "
            "Python start-up and the MediaPipe import (~2-3 s), model load, all of the "
            "above, Parquet + JSON written. Ratios are against the bare VIDEO-mode loop "
            f"(the same running mode). Load average before/after: {load0} / "
            f"{os.getloadavg()[0]:.2f} (other work shared the machine).\n\n" + text,
            header="# Benchmarks\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
