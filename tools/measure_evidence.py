"""Measure the image-evidence stage against contacts labelled by eye.

For every labelled clip (tests/data/blockstart_contacts.json: 8 block starts at 30 fps, still
camera; tests/data/treadmill_contacts.json: a 60 fps treadmill clip) this gets the landmarks
from the project's pose cache (STRIDECAM_VALIDATION_CACHE, default /tmp/stridecam_validation,
then real/<clip>; extracted once if missing), the landmark contacts
(``analyse_poses(poses).contacts``), and the refined contacts
(``stridecam.io.evidence.refine_contacts``, timed). A detected contact matches a labelled one
when its landmark or refined touchdown is within 3 frames of the label (one to one, nearest
first). Printed per clip and pooled (all clips, and per clip type): contacts found / labelled /
false, and the share of touchdowns and of toe-offs within 1 frame of the label (or of its
``*_alt`` frame) for the landmark timing and for the refined timing (image where it decided,
landmarks elsewhere), how many edges the image decided and how many of those were within 1
frame, and the wall time the stage added.

    python tools/measure_evidence.py                     # all nine clips
    python tools/measure_evidence.py --clips a1 b7       # some (short names or stems)
    python tools/measure_evidence.py --figures /tmp/ev   # also PNGs of a few contacts
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
VIDEOS = REPO.parent / "shared" / "videos"
CACHE = Path(os.environ.get("STRIDECAM_VALIDATION_CACHE", "/tmp/stridecam_validation")) / "real"
MATCH_FRAMES = 3
TRUTH_FILES = {"blockstart": REPO / "tests" / "data" / "blockstart_contacts.json",
               "treadmill": REPO / "tests" / "data" / "treadmill_contacts.json"}


@dataclass
class ClipScore:
    """Counts for one clip (``*_lm`` landmark timing, ``*_ev`` refined timing)."""

    name: str
    kind: str
    labelled: int = 0
    found: int = 0
    false: int = 0
    td_lm: int = 0
    to_lm: int = 0
    td_ev: int = 0
    to_ev: int = 0
    td_img: int = 0
    to_img: int = 0
    td_img_ok: int = 0
    to_img_ok: int = 0
    wall_s: float = 0.0
    misses: list[str] = field(default_factory=list)

    def add(self, other: ClipScore) -> None:
        for key in ("labelled", "found", "false", "td_lm", "to_lm", "td_ev", "to_ev", "td_img",
                    "to_img", "td_img_ok", "to_img_ok", "wall_s"):
            setattr(self, key, getattr(self, key) + getattr(other, key))


def load_truth() -> dict[str, tuple[str, dict]]:
    """clip stem -> (kind, its truth entry)."""
    out = {}
    for kind, path in TRUTH_FILES.items():
        for name, entry in json.loads(path.read_text()).items():
            if not name.startswith("_"):
                out[name] = (kind, entry)
    return out


def poses_of(stem: str):
    from stridecam.model.settings import PoseSettings
    from stridecam.pipeline import get_poses

    poses, _ = get_poses(VIDEOS / f"{stem}.mp4", CACHE / stem, PoseSettings())
    return poses


def within(frame: int, label: dict, kind: str, tol: int = 1) -> bool:
    targets = [label[f"{kind}_frame"]] + ([label[f"{kind}_alt"]] if f"{kind}_alt" in label else [])
    return min(abs(frame - t) for t in targets) <= tol


def match(det_td: list[tuple[int, int]], labels: list[dict]) -> dict[int, int]:
    """Detected row -> label index; ``det_td`` holds (landmark, refined) touchdown frames."""
    pairs = []
    for i, tds in enumerate(det_td):
        for j, lab in enumerate(labels):
            targets = [lab["touchdown_frame"]] + ([lab["touchdown_alt"]]
                                                  if "touchdown_alt" in lab else [])
            d = min(abs(a - b) for a in tds for b in targets)
            if d <= MATCH_FRAMES:
                pairs.append((d, i, j))
    out: dict[int, int] = {}
    used: set[int] = set()
    for _, i, j in sorted(pairs):
        if i not in out and j not in used:
            out[i] = j
            used.add(j)
    return out


def score_clip(stem: str, kind: str, truth: dict, figures: Path | None,
               settings=None) -> ClipScore:
    from stridecam.analysis.run import analyse_poses
    from stridecam.io.evidence import DEFAULT_SETTINGS, collect_evidence, evidence_table

    settings = settings or DEFAULT_SETTINGS

    poses = poses_of(stem)
    contacts = analyse_poses(poses).contacts
    started = time.perf_counter()
    evidence = collect_evidence(VIDEOS / f"{stem}.mp4", poses, contacts, settings,
                                keep_frames=figures is not None)
    table = evidence_table(poses, contacts, evidence, settings)
    wall = time.perf_counter() - started
    fi = poses.frame_index
    labels = truth["contacts"]
    partial_td = [p["touchdown_frame"] for p in truth.get("partial", [])
                  if isinstance(p, dict) and p.get("touchdown_frame") is not None]
    det = [(int(fi[a]), int(fi[b])) for a, b in zip(contacts["touchdown_frame"],
                                                    table["touchdown_frame"])]
    pairs = match(det, labels)
    sc = ClipScore(stem, kind, labelled=len(labels), found=len(pairs), wall_s=wall)
    clearance = truth.get("block_clearance_frame", -10**9)
    for i, (lm_td, _) in enumerate(det):
        if i in pairs:
            continue
        if lm_td > clearance and any(abs(lm_td - p) <= MATCH_FRAMES for p in partial_td):
            continue  # a contact the labeller saw only partly (clip end)
        sc.false += 1
    for i, j in pairs.items():
        lab = labels[j]
        lm = (int(fi[contacts["touchdown_frame"].iat[i]]),
              int(fi[contacts["toe_off_frame"].iat[i]]))
        ev = (int(fi[table["touchdown_frame"].iat[i]]), int(fi[table["toe_off_frame"].iat[i]]))
        src = (table["touchdown_source"].iat[i], table["toe_off_source"].iat[i])
        for n, kind_ in enumerate(("touchdown", "toe_off")):
            ok_lm, ok_ev = within(lm[n], lab, kind_), within(ev[n], lab, kind_)
            short = "td" if n == 0 else "to"
            setattr(sc, f"{short}_lm", getattr(sc, f"{short}_lm") + ok_lm)
            setattr(sc, f"{short}_ev", getattr(sc, f"{short}_ev") + ok_ev)
            if src[n] == "image":
                setattr(sc, f"{short}_img", getattr(sc, f"{short}_img") + 1)
                setattr(sc, f"{short}_img_ok", getattr(sc, f"{short}_img_ok") + ok_ev)
            if not ok_ev:
                alt = lab.get(f"{kind_}_alt")
                sc.misses.append(f"{kind_} label {lab[f'{kind_}_frame']}"
                                 f"{'/' + str(alt) if alt is not None else ''}: landmarks "
                                 f"{lm[n]}, {src[n]} {ev[n]} ({table['evidence_note'].iat[i]})")
    if figures is not None:
        save_figures(figures, stem, poses, evidence, labels, pairs)
    return sc


def save_figures(folder: Path, stem: str, poses, evidence, labels, pairs,
                 per_clip: int = 2) -> list[Path]:
    """PNGs of ``per_clip`` matched contacts of a clip (the first and the middle one): the
    frames around touchdown and toe-off, enlarged, cut to the foot box moved with the ground,
    corners marked (green: planted in that frame, red: not (yet), grey: ground), and below the
    NCC of the mid-stance foot patch and the count of planted corners per frame, with the
    label's, the landmarks' and the image's frames marked."""
    import cv2
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    fi = poses.frame_index
    rows = sorted(pairs)
    chosen = rows if per_clip >= len(rows) else sorted({rows[0], rows[len(rows) // 2]})
    saved = []
    for row in chosen[:per_clip]:
        ev, lab = evidence[row], labels[pairs[row]]
        p, g, pl = ev.plan, ev.ground, ev.planted
        if pl is None or not ev.frames or g is None:
            continue
        decode = [int(fi[k]) for k in p.window]
        x0, y0, x1, y1 = g.box
        m = max(2, (y1 - y0) // 2)
        box = (x0 - m, y0 - m, x1 + m, y1 + m)
        want = [i for i in range(len(decode))
                if min(abs(decode[i] - lab["touchdown_frame"]),
                       abs(decode[i] - lab["toe_off_frame"])) <= 2]
        tiles = []
        for i in want:
            dx, dy = (int(round(v)) for v in g.shift[i])
            img = cv2.cvtColor(ev.frames[i], cv2.COLOR_GRAY2RGB)
            h, w = img.shape[:2]
            cx0, cy0 = max(box[0] + dx, 0), max(box[1] + dy, 0)
            cut = img[cy0:min(box[3] + dy, h), cx0:min(box[2] + dx, w)].copy()
            if cut.size == 0:
                continue
            k = max(1.0, 160.0 / cut.shape[0])
            cut = cv2.resize(cut, None, fx=k, fy=k, interpolation=cv2.INTER_CUBIC)
            for c, st, en, foot in zip(pl.corners, pl.starts, pl.ends, pl.on_foot):
                planted = (st <= i or st < 0) and (i <= en or en >= len(decode))
                color = (150, 150, 150) if not foot else ((0, 200, 0) if planted else (230, 0, 0))
                x = (c[0] + g.shift[i][0] - cx0) * k
                y = (c[1] + g.shift[i][1] - cy0) * k
                cv2.circle(cut, (int(x), int(y)), 3, color, -1)
            tiles.append((decode[i], cut))
        fig = plt.figure(figsize=(2.0 * max(len(tiles), 4) / 2 + 2, 6.5))
        n = max(len(tiles), 1)
        for j, (f, cut) in enumerate(tiles):
            ax = fig.add_subplot(2, n, j + 1)
            ax.imshow(cut)
            mark = (" TD" if f in (lab["touchdown_frame"], lab.get("touchdown_alt")) else "") + (
                " TO" if f in (lab["toe_off_frame"], lab.get("toe_off_alt")) else "")
            ax.set_title(f"{f}{mark}", fontsize=8)
            ax.axis("off")
        ax = fig.add_subplot(2, 1, 2)
        ax.plot(decode, pl.ncc, "o-", label="NCC of mid-stance foot patch")
        count = [np.sum(pl.on_foot & ((pl.starts <= i) | (pl.starts < 0))
                        & ((pl.ends >= i) | (pl.ends >= len(decode)))) for i in range(len(decode))]
        ax.plot(decode, np.array(count) / max(1, int(pl.on_foot.sum())), "s-",
                label="share of foot corners planted")
        for f, name in ((lab["touchdown_frame"], "label"), (lab["toe_off_frame"], None)):
            ax.axvline(f, color="k", lw=2, label=name)
        lm = evidence_landmark_frames(poses, ev)
        for f, name in zip(lm, ("landmarks", None)):
            ax.axvline(f, color="tab:orange", ls="--", label=name)
        for pos, name in ((pl.touchdown, "image"), (pl.toe_off, None)):
            if pos >= 0:
                ax.axvline(decode[pos], color="tab:green", ls=":", lw=2, label=name)
        ax.set_xlabel("frame (decode index)")
        ax.set_ylim(-0.5, 1.05)
        ax.legend(fontsize=7, loc="lower center")
        ax.set_title(f"{stem}: contact {row} ({g.mode}, {pl.reason or 'ok'})", fontsize=9)
        fig.tight_layout()
        path = folder / f"{stem}_contact{row}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        saved.append(path)
    return saved


def evidence_landmark_frames(poses, ev) -> tuple[int, int]:
    """Decode frames of the landmark touchdown and toe-off of a contact (from its plan)."""
    fi = poses.frame_index
    return int(fi[ev.plan.landmark_frames[0]]), int(fi[ev.plan.landmark_frames[1]])


def pct(a: int, b: int) -> str:
    return f"{100 * a / b:5.1f}%" if b else "   - "


def line(sc: ClipScore) -> str:
    f = sc.found
    return (f"{sc.name:28s} {sc.found:3d}/{sc.labelled:<3d} {sc.false:3d}  "
            f"td {pct(sc.td_lm, f)} -> {pct(sc.td_ev, f)}   to {pct(sc.to_lm, f)} -> "
            f"{pct(sc.to_ev, f)}   image td {sc.td_img_ok:2d}/{sc.td_img:<2d} "
            f"to {sc.to_img_ok:2d}/{sc.to_img:<2d}  {sc.wall_s:5.2f} s")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clips", nargs="*", help="short names (a1, b7, treadmill) or stems")
    ap.add_argument("--figures", type=Path, help="folder for PNG figures of a few contacts")
    ap.add_argument("-v", "--verbose", action="store_true", help="list every miss")
    ap.add_argument("--set", nargs="*", default=[], metavar="NAME=VALUE",
                    help="override EvidenceSettings fields (to check a change on every clip)")
    args = ap.parse_args(argv)
    from stridecam.io.evidence import EvidenceSettings

    overrides: dict[str, Any] = {}
    for item in args.set:
        key, value = item.split("=", 1)
        overrides[key] = int(value) if key.endswith(("features", "frames")) else float(value)
    settings = EvidenceSettings(**overrides)
    truth = load_truth()
    stems = sorted(truth, key=lambda s: (truth[s][0], s))
    if args.clips:
        stems = [s for s in stems if any(c == s or f"_{c}_" in s or s.startswith(c)
                                         for c in args.clips)]
    print(f"{'clip':28s} found/lab false  within 1 frame: landmarks -> refined"
          "                 image-decided (ok/n)   stage wall time")
    scores = []
    for stem in stems:
        kind, entry = truth[stem]
        sc = score_clip(stem, kind, entry, args.figures, settings)
        scores.append(sc)
        print(line(sc), flush=True)
        if args.verbose:
            for m in sc.misses:
                print("     miss:", m)
    print()
    for kind in sorted({s.kind for s in scores}):
        total = ClipScore(f"pooled {kind}", kind)
        for sc in scores:
            if sc.kind == kind:
                total.add(sc)
        print(line(total))
    total = ClipScore("pooled all", "all")
    for sc in scores:
        total.add(sc)
    print(line(total))
    return 0


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    raise SystemExit(main())
