"""Measure MediaPipe pose on rendered simulator clips against their ground truth.

Usage: python tools/measure_simulated.py CLIP.mp4 [CLIP2.mp4 ...] [--model PATH] [--png DIR]

For each clip (with CLIP.truth.json beside it, holding landmarks_px), runs the PoseLandmarker
(Tasks API, VIDEO mode, num_poses=1) on every frame and prints the detection rate and the
median pixel error per joint (hips, knees, ankles, heels, toes) as-is and after choosing the
better of the left/right assignment per frame (MediaPipe swaps legs in side views).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DEFAULT_MODEL = REPO.parent / "shared" / "models" / "pose_landmarker_full.task"
JOINTS = ("hip", "knee", "ankle", "heel", "foot_index")


def run_mediapipe(path: Path, model: Path) -> tuple[np.ndarray, float]:
    """(n, 33, 2) pixel landmarks (NaN where none) and seconds per frame of inference."""
    import av
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    opts = vision.PoseLandmarkerOptions(base_options=BaseOptions(model_asset_path=str(model)),
                                        running_mode=vision.RunningMode.VIDEO, num_poses=1)
    out = []
    spent = 0.0
    with vision.PoseLandmarker.create_from_options(opts) as lm, av.open(str(path)) as c:
        stream = c.streams.video[0]
        for frame in c.decode(stream):
            rgb = frame.to_ndarray(format="rgb24")
            h, w = rgb.shape[:2]
            ts = int(round(float((frame.pts or 0) * (stream.time_base or 0)) * 1000))
            t0 = time.perf_counter()
            res = lm.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb), ts)
            spent += time.perf_counter() - t0
            if res.pose_landmarks:
                out.append([[p.x * w, p.y * h] for p in res.pose_landmarks[0]])
            else:
                out.append(np.full((33, 2), np.nan).tolist())
    arr = np.asarray(out, dtype=float)
    return arr, spent / max(len(arr), 1)


def errors(mp_px: np.ndarray, truth_px: np.ndarray) -> dict[str, dict[str, float]]:
    from stridecam.model.landmarks import IDX

    ok = np.isfinite(mp_px).all(axis=(1, 2))
    res: dict[str, dict[str, float]] = {}
    err_as = {}
    for j in JOINTS:
        for side in ("left", "right"):
            i = IDX[f"{side}_{j}"]
            err_as[f"{side}_{j}"] = np.linalg.norm(mp_px[ok, i] - truth_px[ok, i], axis=1)
    # per frame: swap legs if that fits better (sum over the leg joints)
    leg_l = [IDX[f"left_{j}"] for j in JOINTS]
    leg_r = [IDX[f"right_{j}"] for j in JOINTS]
    a = mp_px[ok]
    t = truth_px[ok]
    same = (np.linalg.norm(a[:, leg_l] - t[:, leg_l], axis=2).sum(1)
            + np.linalg.norm(a[:, leg_r] - t[:, leg_r], axis=2).sum(1))
    swap = (np.linalg.norm(a[:, leg_r] - t[:, leg_l], axis=2).sum(1)
            + np.linalg.norm(a[:, leg_l] - t[:, leg_r], axis=2).sum(1))
    sw = swap < same
    b = a.copy()
    b[sw][:, leg_l] = a[sw][:, leg_r]
    b[np.ix_(sw, leg_l)] = a[np.ix_(sw, leg_r)]
    b[np.ix_(sw, leg_r)] = a[np.ix_(sw, leg_l)]
    for j in JOINTS:
        for side in ("left", "right"):
            i = IDX[f"{side}_{j}"]
            e2 = np.linalg.norm(b[:, i] - t[:, i], axis=1)
            res[f"{side}_{j}"] = {"median_px": float(np.median(err_as[f"{side}_{j}"])),
                                  "median_px_lr_best": float(np.median(e2))}
    res["_frames_swapped_frac"] = {"value": float(sw.mean())}
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("clips", nargs="+", type=Path)
    ap.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    ap.add_argument("--json", type=Path, help="write the numbers here")
    ap.add_argument("--npz", type=Path, help="save MediaPipe pixels per clip in this folder")
    args = ap.parse_args(argv)
    report = {}
    for clip in args.clips:
        truth = json.loads(clip.with_name(clip.stem + ".truth.json").read_text())
        tpx = np.asarray(truth["landmarks_px"])
        t0 = time.perf_counter()
        mp_px, per_frame = run_mediapipe(clip, args.model)
        det = np.isfinite(mp_px).all(axis=(1, 2))
        if args.npz:
            args.npz.mkdir(parents=True, exist_ok=True)
            np.savez(args.npz / (clip.stem + ".npz"), mediapipe_px=mp_px, truth_px=tpx)
        # only frames where the whole athlete is inside the image count for the error
        w, h = truth["camera"]["width_px"], truth["camera"]["height_px"]
        inside = ((tpx[..., 0] >= 0) & (tpx[..., 0] < w) & (tpx[..., 1] >= 0)
                  & (tpx[..., 1] < h)).all(axis=1)
        entry = {"frames": int(len(mp_px)), "detected_frac": float(det.mean()),
                 "detected_frac_in_view": float(det[inside].mean()) if inside.any() else None,
                 "athlete_height_px": float(np.median(np.ptp(tpx[:, :, 1], axis=1))),
                 "mediapipe_ms_per_frame": round(per_frame * 1000, 1),
                 "seconds": round(time.perf_counter() - t0, 1),
                 "errors": errors(mp_px[inside], tpx[inside])}
        report[str(clip)] = entry
        print(clip.name, f"detected {entry['detected_frac']:.3f}",
              f"in view {entry['detected_frac_in_view']}", "missed frames",
              np.flatnonzero(~det).tolist()[:40],
              f"height {entry['athlete_height_px']:.0f}px", file=sys.stderr)
        for k, v in errors(mp_px[inside], tpx[inside]).items():
            print(f"  {k:20s} {v}", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
