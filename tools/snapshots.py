"""Snapshots of the analysis outputs of the three bundled samples (tests/test_snapshots.py).

The landmarks of each sample (from the pose stage, MediaPipe) are stored small in
``tests/data/snapshots/<sample>/poses.npz`` (x, y and visibility as float32; times, frame
indices and the facts the analysis reads in ``poses.json``); the expected ``steps.csv``,
``contacts.csv`` and ``summary.json`` beside them are what the analysis makes of those
landmarks with a height of 1.80 m and the shipped reference. A change that alters them on
purpose re-writes them here, and the diff shows what changed::

    python tools/snapshots.py --capture reports/balanced_pan ...   # landmarks from a run folder
    python tools/snapshots.py --write                              # expected outputs

The landmarks of the real clips labelled by eye are stored the same way in
``tests/data/landmarks`` (``--capture FOLDER ... --into tests/data/landmarks``), so the
labelled-clip tests need the videos (for the image evidence) but no pose inference.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from stridecam.analysis.run import analyse_poses  # noqa: E402
from stridecam.io.config import load_reference  # noqa: E402
from stridecam.io.store import load_poses, write_run  # noqa: E402
from stridecam.model.poses import Flag, Poses  # noqa: E402
from stridecam.model.result import RunResult  # noqa: E402
from stridecam.model.settings import Calibration  # noqa: E402

SNAPSHOTS = REPO / "tests" / "data" / "snapshots"
SAMPLES = ("balanced_pan", "slow_recycling", "acceleration_static")
HEIGHT_M = 1.80


def capture(run_folder: Path, out: Path) -> None:
    """Store the landmarks of a run folder compactly in folder ``out`` (poses.npz, poses.json)."""
    poses = load_poses(run_folder)
    out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out / "poses.npz", time_s=poses.time_s, frame_index=poses.frame_index,
                        xy_px=poses.xy_px.astype(np.float32),
                        visibility=poses.visibility.astype(np.float32))
    facts = {"frame_size_px": list(poses.frame_size_px), "source": poses.source,
             "model": poses.model, "nominal_fps": poses.nominal_fps,
             "capture_fps": poses.capture_fps, "flags": [vars(f) for f in poses.flags]}
    (out / "poses.json").write_text(json.dumps(facts, indent=2) + "\n")


def snapshot_poses(name: str) -> Poses:
    """The stored landmarks of snapshot ``name`` (``stored_poses``)."""
    return stored_poses(SNAPSHOTS / name)


def stored_poses(folder: Path) -> Poses:
    """Landmarks stored by ``capture`` as a ``Poses`` (depth and world coordinates, which the
    analysis does not read, are NaN)."""
    arrays = np.load(folder / "poses.npz")
    facts = json.loads((folder / "poses.json").read_text())
    n = len(arrays["time_s"])
    return Poses(time_s=arrays["time_s"], frame_index=arrays["frame_index"],
                 xy_px=arrays["xy_px"].astype(float), z_rel=np.full((n, 33), np.nan),
                 visibility=arrays["visibility"].astype(float),
                 world_m=np.full((n, 33, 3), np.nan), frame_size_px=tuple(facts["frame_size_px"]),
                 source=facts["source"], model=facts["model"], nominal_fps=facts["nominal_fps"],
                 capture_fps=facts["capture_fps"],
                 flags=tuple(Flag(**f) for f in facts["flags"]))


def analyse_snapshot(name: str) -> RunResult:
    return analyse_poses(snapshot_poses(name), Calibration(height_m=HEIGHT_M),
                         reference=load_reference())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--capture", nargs="*", type=Path, default=[],
                        help="run folders whose landmarks become the snapshot inputs (named "
                             "after the folder)")
    parser.add_argument("--into", type=Path, default=SNAPSHOTS,
                        help="where captured landmarks go (default: the snapshots folder)")
    parser.add_argument("--write", action="store_true", help="re-write the expected outputs")
    args = parser.parse_args(argv)
    for folder in args.capture:
        capture(folder, args.into / folder.name)
        print(f"captured {folder.name} into {args.into}")
    if args.write:
        for name in SAMPLES:
            write_run(analyse_snapshot(name), SNAPSHOTS / name)
            print(f"wrote {SNAPSHOTS / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
