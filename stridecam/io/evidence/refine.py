"""Refine landmark contacts with image evidence: the public entry of ``stridecam.io.evidence``.

For each contact of the landmark contacts table:

1. *Plan* (landmarks only): the stance foot is the foot point (heel or toe of either foot, the
   tracker's left/right labels are not trusted) lowest in the image at mid-contact; its heel and
   toe give the box whose corners are tracked; the window of frames runs from ``margin_s``
   before the landmark touchdown to ``margin_s`` after the landmark toe-off; the region read
   covers the foot and, on moving ground, its path over the window (landmark velocity).
2. *Read*: only those frames, only that region (``frames.WindowReader``).
3. *Ground*: how the ground moves under the foot (``ground.ground_shift``).
4. *Planted*: first and last frame the shoe is at its place on the ground
   (``planted.find_planted``).
5. *Decide*: an image edge replaces the landmark edge when enough corners bound it and it lies
   within ``max_shift_s`` of the landmark edge; otherwise the landmark edge is kept. Rows
   with ``search`` True are windows where a contact is looked for, their edges guesses: the
   image edge is taken wherever it lies in the window.

Times: an image touchdown in frame ``k`` (the first frame on the ground) happened during the
frame interval before it, so its time is ``time_s[k] - dt/2``; an image toe-off in frame ``k``
(the last frame on the ground) at ``time_s[k] + dt/2``; ``*_frame`` columns hold ``k`` itself.
Uncertainty (1-sigma, seconds): ``dt * sqrt(image_sigma_frames**2 + a**2)``, where ``a``
(frames) is 0 when at least two corners agree on the edge frame and otherwise half the gap to
the next corner's edge (capped at 1); landmark edges keep the uncertainty the landmark timing
gave them (``analysis.events.detect.landmark_event_sd_s``).
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import pandas as pd

from stridecam.io.evidence.frames import Box, Window, WindowReader
from stridecam.io.evidence.ground import GroundMotion, ground_shift
from stridecam.io.evidence.planted import Planted, find_planted
from stridecam.io.evidence.search import (
    alternatives,
    best,
    foot_points,
    searched,
    toe_off_only,
)
from stridecam.model.columns import EVENT_EVIDENCE_COLUMNS
from stridecam.model.evidence_settings import DEFAULT_SETTINGS, EvidenceSettings
from stridecam.model.landmarks import IDX
from stridecam.model.poses import Poses

SIDES = ("left", "right")
_FOOT = {side: (IDX[f"{side}_heel"], IDX[f"{side}_foot_index"]) for side in SIDES}
_HIPS = (IDX["left_hip"], IDX["right_hip"])
#: Columns added to the contacts table.
EVIDENCE_COLUMNS = EVENT_EVIDENCE_COLUMNS


@dataclass(frozen=True)
class Plan:
    """Where and when to look for one contact (from the landmarks). ``window``: Poses indices
    read; ``mid``: position of the mid-contact frame in ``window``; boxes in frame pixels."""

    row: int
    window: tuple[int, ...]
    mid: int
    roi: Box
    feature_box: Box
    strip: Box
    foot_px: float
    velocity_px: tuple[float, float]
    problem: str = ""
    landmark_frames: tuple[int, int] = (0, 0)  # Poses indices of the landmark edges


@dataclass
class ContactEvidence:
    """Everything the stage saw for one contact (for the table, and for figures)."""

    plan: Plan
    ground: GroundMotion | None = None
    planted: Planted | None = None
    frames: list[np.ndarray] = field(default_factory=list)  # kept only when asked


def _clip_foot_px(poses: Poses) -> float:
    """The clip's median heel-to-toe distance in pixels (NaN if never seen)."""
    d = np.concatenate([np.linalg.norm(poses.xy_px[:, h] - poses.xy_px[:, t], axis=1)
                        for h, t in _FOOT.values()])
    d = d[np.isfinite(d)]
    return float(np.median(d)) if d.size else float("nan")


def _mean_of(points: np.ndarray) -> np.ndarray:
    """Mean over axis 1 of (n, k, ...) points ignoring NaN; NaN where all are NaN (no warning)."""
    ok = np.isfinite(points)
    count = ok.sum(axis=1)
    total = np.where(ok, points, 0.0).sum(axis=1)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _hip_speed_px(poses: Poses, at: list[int], half: int = 2) -> float:
    """Median image speed of the hips' mid-point (pixels per frame) over the Poses indices
    within ``half`` of those in ``at`` (the contacts: a block start's set position, where the
    hips stand still, must not count)."""
    x = _mean_of(poses.xy_px[:, list(_HIPS), 0])
    v = np.abs(np.diff(x))
    near = sorted({k for a in at for k in range(a - half, a + half) if 0 <= k < len(v)})
    v = v[near]
    v = v[np.isfinite(v)]
    return float(np.median(v)) if v.size else float("nan")


def _nearest_side_distance(poses: Poses, k: int, side: str, point: np.ndarray) -> float:
    """Pixels from ``point`` to the nearer of ``side``'s heel and toe at Poses index ``k``."""
    pts = np.array([poses.xy_px[k, i] for i in _FOOT[side]])
    d = np.linalg.norm(pts - point[None, :], axis=1)
    return float(np.nanmin(d)) if np.isfinite(d).any() else float("nan")


def _stance_side(poses: Poses, k: int) -> tuple[int, np.ndarray] | None:
    """(side index, lowest foot point) of the stance foot at Poses index ``k``: the foot point
    (heel or toe of either foot) lowest in the image; None if no foot point is seen."""
    pts = np.array([poses.xy_px[k, i] for side in SIDES for i in _FOOT[side]])
    if not np.isfinite(pts[:, 1]).any():
        return None
    j = int(np.nanargmax(pts[:, 1]))
    return j // 2, pts[j]


def plan_contact(poses: Poses, row: int, td_k: int, to_k: int, mid_t: float, foot_px: float,
                 s: EvidenceSettings, speed_floor_px: float = 0.0,
                 foot_at: tuple[float, float] | None = None) -> Plan:
    """Where and when to look for the contact whose landmark edges are at Poses indices
    ``td_k``/``to_k`` (module docstring, step 1). On moving ground the region read follows the
    foot at its landmark speed, or at least ``speed_floor_px`` pixels per frame (the clip's
    typical stance-foot speed: one contact's landmarks may say much less). ``foot_at``: the
    planted foot's image point when the caller knows it (a foot in the blocks), instead of
    the lowest foot point."""
    n = poses.n_frames
    dt = float(np.median(np.diff(poses.time_s))) if n > 1 else float("nan")
    mid_k = int(np.clip(np.searchsorted(poses.time_s, mid_t), 0, max(n - 1, 0)))
    empty = Plan(row, (), 0, (0, 0, 0, 0), (0, 0, 0, 0), (0, 0, 0, 0), foot_px, (0.0, 0.0),
                 landmark_frames=(td_k, to_k))
    if not (math.isfinite(dt) and dt > 0):
        return _with(empty, "too_few_frames")
    if not (math.isfinite(foot_px) and foot_px >= s.min_foot_px):
        return _with(empty, "foot_too_small")
    stance = None
    if foot_at is not None and all(math.isfinite(v) for v in foot_at):
        stance = (0, np.array(foot_at, float))
    for k in (mid_k, mid_k - 1, mid_k + 1):
        if stance is not None:
            break
        if 0 <= k < n and (stance := _stance_side(poses, k)) is not None:
            mid_k = k
    if stance is None:
        return _with(empty, "foot_not_seen")
    side, low = stance
    if foot_at is not None:  # the side whose foot is nearest the given point moves it
        dist = np.array([_nearest_side_distance(poses, mid_k, sd, low) for sd in SIDES])
        side = int(np.nanargmin(dist)) if np.isfinite(dist).any() else 0
    heel, toe = (poses.xy_px[mid_k, i] for i in _FOOT[SIDES[side]])
    if foot_at is not None:
        heel = toe = np.array([np.nan, np.nan])  # the point is known; the landmarks may be off
    pts = np.array([p for p in (heel, toe, low) if np.isfinite(p).all()])
    # the stance foot's image velocity through mid-contact (pixels per frame)
    track = _mean_of(poses.xy_px[:, list(_FOOT[SIDES[side]])])
    near = np.arange(max(mid_k - 2, 0), min(mid_k + 3, n))
    steps = np.diff(track[near], axis=0)
    steps = steps[np.isfinite(steps).all(axis=1)]
    vel = np.median(steps, axis=0) if len(steps) else np.zeros(2)
    margin = max(int(s.min_margin_frames), int(math.ceil(s.margin_s / dt)))
    first, last = max(min(td_k, mid_k) - margin, 0), min(max(to_k, mid_k) + margin, n - 1)
    window = tuple(range(first, last + 1))
    mid = mid_k - first
    # MediaPipe's toe point sits behind the tip of the shoe: grow the box more on the toe's side
    m = s.feature_box_margin_foot * foot_px
    ahead = s.feature_box_toe_foot * foot_px
    toe_right = np.isfinite(toe).all() and np.isfinite(heel).all() and toe[0] >= heel[0]
    toe_left = np.isfinite(toe).all() and np.isfinite(heel).all() and toe[0] < heel[0]
    fx0 = pts[:, 0].min() - (ahead if toe_left else m)
    fx1 = pts[:, 0].max() + (ahead if toe_right else m)
    fy0 = low[1] - s.feature_box_above_foot * foot_px
    fy1 = low[1] + s.feature_box_below_foot * foot_px
    w, h = poses.frame_size_px
    if fx0 < 0 or fy0 < 0 or fx1 > w or fy1 > h:
        return Plan(row, window, mid, (0, 0, 0, 0), (0, 0, 0, 0), (0, 0, 0, 0), foot_px,
                    (float(vel[0]), float(vel[1])), "out_of_frame", (td_k, to_k))
    speed = np.abs(vel) * max(1.0, speed_floor_px / max(float(np.hypot(*vel)), 1e-9))
    reach = speed * max(mid, len(window) - 1 - mid) * 1.3 + 0.5 * foot_px
    rx0 = int(math.floor(min(fx0, low[0] - s.roi_half_width_foot * foot_px) - reach[0]))
    rx1 = int(math.ceil(max(fx1, low[0] + s.roi_half_width_foot * foot_px) + reach[0]))
    ry0 = int(math.floor(low[1] - s.roi_above_foot * foot_px - reach[1]))
    ry1 = int(math.ceil(low[1] + s.roi_below_foot * foot_px + reach[1]))
    roi = (max(rx0, 0), max(ry0, 0), min(rx1, w), min(ry1, h))
    feature_box = (int(fx0) - roi[0], int(fy0) - roi[1], int(math.ceil(fx1)) - roi[0],
                   int(math.ceil(fy1)) - roi[1])
    strip_top = int(low[1] + 0.15 * foot_px) - roi[1]
    strip = (0, strip_top, roi[2] - roi[0], min(roi[3] - roi[1], strip_top + int(0.6 * foot_px)))
    return Plan(row, window, mid, roi, feature_box, strip, foot_px,
                (float(vel[0]), float(vel[1])), landmark_frames=(td_k, to_k))


def _with(plan: Plan, problem: str) -> Plan:
    return dataclasses.replace(plan, problem=problem)


def _scale_box(box: Box, k: float) -> Box:
    return (int(round(box[0] * k)), int(round(box[1] * k)), int(round(box[2] * k)),
            int(round(box[3] * k)))


def work_scale(plan: Plan, s: EvidenceSettings) -> tuple[float, Plan]:
    """(factor, plan in working pixels): crops of a large foot are shrunk so the foot is
    ``work_foot_px`` long (every threshold is in foot lengths; fewer pixels, faster tracking,
    less motion blur per pixel)."""
    k = min(1.0, s.work_foot_px / plan.foot_px) if plan.foot_px > 0 else 1.0
    if k >= 1.0:
        return 1.0, plan
    return k, dataclasses.replace(
        plan, feature_box=_scale_box(plan.feature_box, k), strip=_scale_box(plan.strip, k),
        foot_px=plan.foot_px * k, velocity_px=(plan.velocity_px[0] * k, plan.velocity_px[1] * k))


def collect_evidence(clip_path: str | Path, poses: Poses, contacts: pd.DataFrame,
                     settings: EvidenceSettings = DEFAULT_SETTINGS, *,
                     keep_frames: bool = False) -> list[ContactEvidence]:
    """The image evidence for each row of ``contacts`` (in row order); ``keep_frames`` keeps
    the grey crops read (for figures)."""
    s = settings
    foot_px = _clip_foot_px(poses)
    edges = [(int(c.touchdown_frame), int(c.toe_off_frame),
              0.5 * (float(c.touchdown_time_s) + float(c.toe_off_time_s)))
             for c in contacts.itertuples(index=False)]
    at = foot_points(contacts)
    only_toe_off = toe_off_only(contacts)
    plans = [plan_contact(poses, row, *e, foot_px, s, foot_at=at[row])
             for row, e in enumerate(edges)]
    todo = [p for p in plans if not p.problem]
    if not todo:
        return [ContactEvidence(p) for p in plans]
    # does the athlete travel across the image (still camera) or stay (pan, treadmill)? (from
    # the contacts the landmarks found; search rows and feet in the blocks are guesses)
    guessed = searched(contacts)
    known = [p for p in todo if not guessed[p.row]] or todo
    foot_speed = float(np.median([np.hypot(*p.velocity_px) for p in known]))
    hip_speed = _hip_speed_px(poses, [p.window[p.mid] for p in known])
    hip_ratio = hip_speed / foot_speed if foot_speed > 0 else float("inf")
    if not math.isfinite(hip_ratio):  # hips never seen: assume the common case, a still camera
        hip_ratio = float("inf")
    # the stance foot's typical image motion (a seed for tracking; one contact's landmarks
    # can be far off)
    typical_v = np.median(np.array([p.velocity_px for p in known]), axis=0)
    if hip_ratio < s.still_hip_ratio:  # moving ground: read wide enough to follow the foot
        plans = [plan_contact(poses, row, *e, foot_px, s, foot_speed, foot_at=at[row])
                 for row, e in enumerate(edges)]
        todo = [p for p in plans if not p.problem]
    out = [ContactEvidence(p) for p in plans]
    dt = float(np.median(np.diff(poses.time_s)))
    reader = WindowReader(clip_path)
    windows = [Window(p.row, tuple(int(poses.frame_index[k]) for k in p.window), p.roi)
               for p in todo]
    by_row = {p.row: p for p in todo}
    for row, crops in reader.read(windows):
        plan = by_row[row]
        keys = [int(poses.frame_index[k]) for k in plan.window]
        if any(k not in crops for k in keys):
            out[row].plan = _with(plan, "frames_missing")
            continue
        k, work = work_scale(plan, s)
        frames = [crops[i] for i in keys]
        if k < 1.0:
            frames = [cv2.resize(f, None, fx=k, fy=k, interpolation=cv2.INTER_AREA)
                      for f in frames]
        ground = ground_shift(frames, work.mid, work.feature_box, work.strip, typical_v * k,
                              hip_ratio, work.foot_px, dt, s)
        out[row].ground = ground
        if ground.mode != "unknown":
            out[row].planted = find_planted(frames, ground.mid, ground.box, ground.shift,
                                            work.foot_px, dt, s, only_toe_off[row])
        if keep_frames:
            out[row].frames = frames
    return out


def _uncertainty(dt: float, base_frames: float, support: int, edge: int, nxt: int) -> float:
    """1-sigma (seconds) of an image edge: ``base_frames`` frame intervals, plus half the gap
    to the next corner's edge (at most one frame) when only one corner supports it."""
    a = 0.0 if support >= 2 or nxt < 0 else min(1.0, abs(nxt - edge) / 2)
    return dt * math.sqrt(base_frames ** 2 + a * a)


def evidence_table(poses: Poses, contacts: pd.DataFrame, evidence: list[ContactEvidence],
                   settings: EvidenceSettings = DEFAULT_SETTINGS) -> pd.DataFrame:
    """The contacts table with image edges where the evidence decides (module docstring)."""
    s = settings
    table = contacts.copy().reset_index(drop=True)
    dt = float(np.median(np.diff(poses.time_s))) if poses.n_frames > 1 else float("nan")
    lm_sigma = dt / math.sqrt(12) if math.isfinite(dt) else float("nan")
    for col, value in (("touchdown_source", "landmarks"), ("toe_off_source", "landmarks"),
                       ("touchdown_unc_s", lm_sigma), ("toe_off_unc_s", lm_sigma),
                       ("evidence_note", "")):
        if col not in table:  # landmark edges keep what the landmark timing gave them
            table[col] = value
    is_search = searched(table)
    # the ground moves the same way under every contact of a clip (a still camera, a pan, a
    # belt): a contact whose ground was read otherwise was misread
    modes = [ev.ground.mode for ev in evidence if ev.ground is not None
             and ev.ground.mode != "unknown" and not ev.plan.problem]
    usual = max(set(modes), key=modes.count) if modes else ""
    for ev in evidence:
        r, plan = ev.plan.row, ev.plan
        if plan.problem:
            table.at[r, "evidence_note"] = plan.problem
            continue
        if ev.ground is None or ev.ground.mode == "unknown" or ev.planted is None:
            table.at[r, "evidence_note"] = "ground_motion_unknown"
            continue
        if ev.ground.mode == "strip" and not s.pan_camera:
            table.at[r, "evidence_note"] = "pan_camera_off"
            continue
        if ev.ground.mode != usual:
            table.at[r, "evidence_note"] = f"{ev.ground.mode}_unlike_{usual}"
            continue
        p = ev.planted
        notes = [ev.ground.mode] + ([p.reason] if p.reason else [])
        before = table.loc[r].copy()
        for name, pos, support, nxt, sign in (
                ("touchdown", p.touchdown, p.touchdown_support, p.touchdown_next, -1),
                ("toe_off", p.toe_off, p.toe_off_support, p.toe_off_next, +1)):
            if pos < 0:
                continue
            k = plan.window[pos]
            t = float(poses.time_s[k]) + sign * dt / 2
            shift = t - float(table.at[r, f"{name}_time_s"])
            if not is_search[r] and abs(shift) > s.max_shift_s:
                # the landmark time stays, but the frames disagree: the event is no better
                # known than that disagreement (2 sigma reaches the image's time)
                notes.append(f"{name}_far_from_landmarks({1000 * shift:+.0f}ms)")
                table.at[r, f"{name}_unc_s"] = max(float(table.at[r, f"{name}_unc_s"]),
                                                   abs(shift) / 2)
                continue
            table.at[r, f"{name}_time_s"] = t
            table.at[r, f"{name}_frame"] = k
            table.at[r, f"{name}_source"] = "image"
            table.at[r, f"{name}_unc_s"] = _uncertainty(
                dt, s.image_sigma_frames, support, pos, nxt)
        if not table.at[r, "toe_off_time_s"] > table.at[r, "touchdown_time_s"]:
            table.loc[r] = before  # one image edge crossed the other landmark edge: keep both
            notes.append("edges_crossed")
        table.at[r, "evidence_note"] = ";".join(notes)
    table["contact_time_s"] = table["toe_off_time_s"] - table["touchdown_time_s"]
    table["contact_time_unc_s"] = np.hypot(table["touchdown_unc_s"].to_numpy(float),
                                           table["toe_off_unc_s"].to_numpy(float))
    return table


def refine_contacts(clip_path: str | Path, poses: Poses, contacts: pd.DataFrame,
                    settings: EvidenceSettings = DEFAULT_SETTINGS) -> pd.DataFrame:
    """The landmark ``contacts`` table of ``poses`` (from ``clip_path``) with touchdowns and
    toe-offs refined from the frames: the columns of ``model.columns.CONTACT_COLUMNS``, with
    ``touchdown_source`` / ``toe_off_source`` "image" where the frames decided, their 1-sigma
    uncertainty (``*_unc_s``, seconds) and ``evidence_note`` (the ground motion followed, or why
    the image could not decide). Frames are Poses indices, as in ``contacts``. A ``search`` row
    without a known foot point is looked at on either foot at three moments of its window
    (``search.alternatives``), and the best-supported planted run is kept.
    """
    started = time.perf_counter()
    table, owner = alternatives(poses, contacts.reset_index(drop=True))
    evidence = collect_evidence(clip_path, poses, table, settings)
    refined = best(evidence_table(poses, table, evidence, settings),
                   [ev.planted for ev in evidence], owner)
    refined = refined[list(contacts.columns) + [c for c in EVIDENCE_COLUMNS
                                                if c not in contacts.columns]]
    refined.attrs["evidence_wall_s"] = time.perf_counter() - started
    return refined
