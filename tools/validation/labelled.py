"""Real clips labelled by eye (``tests/data/blockstart_contacts.json``,
``tests/data/treadmill_contacts.json``): contacts found, events within one frame, block exits,
the set position, the treadmill's shortest contact and cadence against the hand count (the
``labelled`` section; ``tests/test_real_labelled.py`` holds the bars on the same numbers).

Landmarks are the ones stored in ``tests/data/landmarks`` (``tools/snapshots.py --capture``;
the pose stage's output for these clips), else the pose cache (``CACHE/real/<clip>``, filled
on first use); the analysis is the one ``stridecam analyse`` runs, image evidence included.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from snapshots import stored_poses

from stridecam.analysis.labels import LabelScore, frame_off, score_contacts
from stridecam.analysis.run import analyse_poses
from stridecam.model.result import RunResult
from stridecam.model.settings import AnalysisSettings, PoseSettings
from stridecam.pipeline import get_poses, image_refiner
from validation.common import CACHE, REPO

DATA = REPO / "tests" / "data"
VIDEOS = REPO.parent / "shared" / "videos"
BLOCKS = "blockstart_contacts.json"
TREADMILL = "treadmill_contacts.json"


def labels() -> dict[str, dict]:
    """Every labelled clip: name -> its labels (contacts, and block or hand-count fields)."""
    out: dict[str, dict] = {}
    for name in (BLOCKS, TREADMILL):
        data = json.loads((DATA / name).read_text())
        out.update({k: v for k, v in data.items() if not k.startswith("_")})
    return out


@dataclass(frozen=True)
class ClipResult:
    """One labelled clip analysed: the run, its score against the labels, and the block exits'
    frame offsets (None where the clip has none)."""

    name: str
    result: RunResult
    score: LabelScore
    rear_exit_off: int | None
    front_exit_off: int | None
    set_is_contact: bool


def analyse_labelled(name: str, label: dict, clip: Path | None = None,
                     settings: AnalysisSettings = AnalysisSettings()) -> ClipResult:
    """Analyse one labelled clip as ``stridecam analyse`` would and score it."""
    clip = clip or VIDEOS / f"{name}.mp4"
    stored = DATA / "landmarks" / name
    if (stored / "poses.npz").exists():
        poses = stored_poses(stored)
    else:
        poses, _ = get_poses(clip, CACHE / "real" / name, PoseSettings())
    result = analyse_poses(poses, settings=settings, refine=image_refiner(clip, settings))
    t, fi = poses.time_s, poses.frame_index
    score = score_contacts(result.contacts, label["contacts"], t, fi)
    block = result.block_start
    rear = front = None
    if block is not None:
        rear = frame_off(block.rear_exit_s, label, "rear_block_exit_frame", t, fi)
        front = frame_off(block.front_exit_s, label, "front_block_exit_frame", t, fi)
    set_frames = label.get("set_frames")
    set_is_contact = False
    if set_frames and len(result.contacts):
        td = np.asarray(result.contacts["touchdown_time_s"], float)
        first, last = (float(t[np.searchsorted(fi, f)]) for f in set_frames)
        set_is_contact = bool(np.any(td <= last + 1e-9))
    return ClipResult(name, result, score, rear, front, set_is_contact)


def honest(r: ClipResult) -> tuple[int, int]:
    """(events within twice their stated 1-sigma uncertainty of the label, events) over the
    matched contacts; the label, a whole frame, adds half a frame of its own."""
    c, s = r.result.contacts, r.score
    if not len(c) or "touchdown_unc_s" not in c:
        return 0, 0
    dt = 1.0 / r.result.summary.effective_fps
    ok = n = 0
    for row, td_off, to_off in zip(s.detected_row, s.td_off, s.to_off):
        for off, unc in ((td_off, c["touchdown_unc_s"].iloc[row]),
                         (to_off, c["toe_off_unc_s"].iloc[row])):
            if np.isfinite(unc):
                n += 1
                ok += abs(off) * dt <= 2 * unc + 0.5 * dt + 1e-9
    return ok, n


def spread(result: RunResult) -> str:
    """The per-step cadence's spread on a steady run beside what the frame rate alone gives
    (each touchdown quantised to a frame: step time SD = frame / sqrt(6))."""
    st = result.steps.dropna(subset=["cadence_spm"])
    if len(st) < 3:
        return "n/a"
    cad, step = st["cadence_spm"].to_numpy(float), st["step_time_s"].to_numpy(float)
    frame_only = float(np.median(cad)) / result.summary.effective_fps / np.sqrt(6) \
        / float(np.median(step))
    sd = float(np.std(cad, ddof=1))
    clear = st["cadence_unc_spm"].to_numpy(float) < 0.05 * cad
    sd_clear = float(np.std(cad[clear], ddof=1)) if clear.sum() >= 3 else float("nan")
    return (f"SD {sd:.1f} steps/min over {len(cad)} steps ({sd_clear:.1f} over the "
            f"{int(clear.sum())} whose uncertainty is under 5%) against {frame_only:.1f} from "
            "the frame rate alone")


def section_labelled(quick: bool) -> str:
    rows, pooled = [], {"n": 0, "found": 0, "false": 0, "td": 0, "to": 0, "matched": 0,
                        "honest": 0, "events": 0}
    exits: list[int] = []
    extra: list[str] = []
    for name, label in labels().items():
        if not (VIDEOS / f"{name}.mp4").exists():
            rows.append(f"| {name} | missing | | | | | | | |")
            continue
        r = analyse_labelled(name, label)
        s = r.score
        pooled.update(n=pooled["n"] + s.n_labelled, found=pooled["found"] + s.found,
                      false=pooled["false"] + len(s.false), td=pooled["td"] + s.td_within1,
                      to=pooled["to"] + s.to_within1, matched=pooled["matched"] + s.found)
        ok, n_ev = honest(r)
        pooled.update(honest=pooled["honest"] + ok, events=pooled["events"] + n_ev)
        ex = "" if r.rear_exit_off is None else f"{r.rear_exit_off:+d} / {r.front_exit_off:+d}"
        exits += [x for x in (r.rear_exit_off, r.front_exit_off) if x is not None]
        sources = r.result.contacts["touchdown_source"].eq("image").mean() \
            if len(r.result.contacts) else float("nan")
        rows.append(f"| {name} | {s.found} / {s.n_labelled} | {len(s.false)} | "
                    f"{s.td_within1} / {s.found} | {s.to_within1} / {s.found} | {ex} | "
                    f"{'yes' if r.set_is_contact else 'no'} | {100 * sources:.0f}% | "
                    f"{ok} / {n_ev} |")
        if s.missed or s.false:
            extra.append(f"- {name}: missed {', '.join(s.missed) or 'none'}; false "
                         f"{', '.join(s.false) or 'none'}")
        hand = label.get("hand_count")
        if hand:
            c = r.result.contacts["contact_time_s"]
            cad = r.result.summary.metrics.cadence_spm
            extra.append(
                f"- {name}: shortest contact {1000 * c.min():.0f} ms; run cadence "
                f"{cad.value:.1f} ± {cad.uncertainty:.1f} steps/min against "
                f"{hand['cadence_spm']:.1f} counted by hand "
                f"({100 * (cad.value / hand['cadence_spm'] - 1):+.1f}%); per-step cadence "
                f"{spread(r.result)}")
    m = max(pooled["matched"], 1)
    lines = [
        "Every contact of the real clips labelled by eye (frames of the decoded video, criteria "
        "in the labels' `_about`), analysed as `stridecam analyse` does (landmarks, then the "
        "image evidence). A detected contact matches a labelled one when they overlap by at "
        "least half its length; an event is within one frame when its frame is at most one "
        "from the label or its close-call alternative. Block exits: frames from the label "
        "(rear / front foot). 'image' is the share of touchdowns timed from the frames. "
        "'Within 2 sigma': touchdowns and toe-offs whose label lies within twice the event's "
        "stated 1-sigma uncertainty (plus half a frame, the label's own rounding): about 95% "
        "if the per-step uncertainties the report uses are honest.", "",
        "| clip | found / labelled | false | touchdowns within 1 frame | toe-offs within 1 "
        "frame | block exits (frames) | set position a contact | image | within 2 sigma |",
        "|---|---|---|---|---|---|---|---|---|", *rows,
        f"| **all** | **{pooled['found']} / {pooled['n']} "
        f"({100 * pooled['found'] / max(pooled['n'], 1):.0f}%)** | **{pooled['false']}** | "
        f"**{100 * pooled['td'] / m:.0f}%** | **{100 * pooled['to'] / m:.0f}%** | "
        f"**{sum(abs(x) <= 1 for x in exits)} of {len(exits)} within 1** | | | "
        f"**{100 * pooled['honest'] / max(pooled['events'], 1):.0f}%** |", "", *extra]
    return "\n".join(lines)
