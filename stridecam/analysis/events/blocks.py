"""A start from blocks, from a ``Track`` (pure numpy): the set position, the first movement and
when each foot leaves its block.

In the set position the hands are on the track, the hips raised and still, both feet on the
block pedals. The first movement is where the hips start to travel forward for good (before it
they may sway, never travel). After it the rear foot leaves its block first, the front foot
later: each block exit is the last sample a foot is still at its set position (toe within
``block_tol_leg`` of where a toe was in the set position, in both directions). The push from
the blocks is not a step: contacts that overlap the set position or start before the front foot
leaves are not ground contacts (``ground_contacts``).

Heights and distances are in leg lengths, so the thresholds hold for any camera and scale.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from stridecam.analysis.ground import runs
from stridecam.model.landmarks import IDX
from stridecam.model.result import BlockStart
from stridecam.model.track import Track, hip_mid_x

SIDES = ("left", "right")


@dataclass(frozen=True)
class BlockSettings:
    """``hands_down_leg``: the lower wrist within this height of the ground; ``still_leg_s``:
    hip speed below this (leg lengths per second) is still; ``min_set_s``: the shortest set
    position; ``moving_leg_s``: forward hip speed of the first movement; ``block_tol_leg``:
    how far a toe may be from its set position and still be on the block; ``set_drop_leg``:
    the set position's hips are at most this much below their height at the first movement
    (lower, the athlete is still "on your marks")."""

    hands_down_leg: float = 0.2
    still_leg_s: float = 0.5
    min_set_s: float = 0.3
    moving_leg_s: float = 0.5
    block_tol_leg: float = 0.1
    set_drop_leg: float = 0.1


def find_block_start(track: Track, s: BlockSettings = BlockSettings()) -> BlockStart | None:
    """The block start in ``track`` (times in seconds of the clip), or None when the clip
    shows no set position."""
    leg = track.scale.leg_length
    if track.n < 10 or not np.isfinite(leg) or leg <= 0:
        return None
    t = track.time_s
    xy = track.xy / leg  # leg lengths
    hip_x = hip_mid_x(xy)
    speed = np.gradient(_filled(hip_x, t), t)
    wrist = np.fmin(xy[:, IDX["left_wrist"], 1], xy[:, IDX["right_wrist"], 1])
    hands_down = np.nan_to_num(wrist, nan=np.inf) < s.hands_down_leg
    still = np.abs(speed) < s.still_leg_s
    stretches = [(a, b) for a, b in runs(hands_down & still) if t[b - 1] - t[a] >= s.min_set_s]
    if not stretches:
        return None
    first, last = stretches[-1]
    go = _first_movement(speed, last - 1, s.moving_leg_s)
    if go is None:
        return None
    # "on your marks" is hands down and still too, the hips lower: the set position begins
    # where the hips rose to within ``set_drop_leg`` of their height at the first movement
    hips = xy[:, [IDX["left_hip"], IDX["right_hip"]], 1]
    count = np.isfinite(hips).sum(axis=1)
    hip_y = np.where(count > 0, np.nansum(hips, axis=1) / np.maximum(count, 1), np.nan)
    raised = np.nan_to_num(hip_y, nan=-np.inf) >= hip_y[go] - s.set_drop_leg
    while first < go and not raised[first:go + 1].all():
        first += 1
    toes = np.stack([xy[:, IDX[f"{side}_foot_index"]] for side in SIDES])  # (2, n, 2)
    set_pos = np.nanmedian(toes[:, first:go], axis=1)  # (2, 2): each toe's set position
    if not np.isfinite(set_pos).all():
        return None
    near = _on_block(toes, set_pos, s.block_tol_leg)  # (n, 2): a toe at block k
    rear_k, front_k = np.argsort(set_pos[:, 0])  # x is forward: the rear toe is behind
    exits = {}
    for name, k in (("rear", rear_k), ("front", front_k)):
        on = near[:, k]
        end = go
        while end + 1 < track.n and on[end + 1]:
            end += 1
        exits[name] = float(t[end])
    rear, front = sorted((exits["rear"], exits["front"]))
    return BlockStart(set_start_s=float(t[first]), first_movement_s=float(t[go]),
                      rear_exit_s=rear, front_exit_s=front, source="landmarks",
                      rear_exit_unc_s=_frame_sd(t), front_exit_unc_s=_frame_sd(t),
                      rear_side=SIDES[int(rear_k)])


def exit_rows(block: BlockStart, xy_px: np.ndarray, time_s: np.ndarray,
               lead_s: float = 0.2) -> pd.DataFrame:
    """Two rows for the image stage, one per foot in the blocks (rear first): the toe's image
    point in the set position (``foot_x_px``, ``foot_y_px``: median over the set position's
    frames of ``xy_px``, Poses pixels at ``time_s``), the window from ``lead_s`` before the
    first movement to the landmark exit, and only the toe-off (the block exit) to find."""
    rows = []
    set_rows = (time_s >= block.set_start_s) & (time_s <= block.first_movement_s)
    front_side = "right" if block.rear_side == "left" else "left"
    for side, exit_s in ((block.rear_side, block.rear_exit_s), (front_side, block.front_exit_s)):
        toe = xy_px[set_rows, IDX[f"{side}_foot_index"]]
        ok = np.isfinite(toe).all(axis=1)
        x, y = np.median(toe[ok], axis=0) if ok.any() else (np.nan, np.nan)
        start = block.first_movement_s - lead_s
        rows.append({"foot": side, "touchdown_time_s": start, "toe_off_time_s": exit_s,
                     "touchdown_frame": int(np.searchsorted(time_s, start)),
                     "toe_off_frame": int(np.clip(np.searchsorted(time_s, exit_s), 0,
                                                  len(time_s) - 1)),
                     "contact_time_s": exit_s - start, "search": True, "edges": "toe_off",
                     "foot_x_px": float(x), "foot_y_px": float(y)})
    return pd.DataFrame(rows)


def refined_exits(block: BlockStart, rows: pd.DataFrame) -> BlockStart:
    """``block`` with the exits the frames timed (``rows``: ``exit_rows`` after the image
    stage; an exit the frames did not decide keeps its landmark time)."""
    times, uncs, image = [], [], []
    for (_, row), (t, unc) in zip(rows.iterrows(), ((block.rear_exit_s, block.rear_exit_unc_s),
                                                     (block.front_exit_s,
                                                      block.front_exit_unc_s)), strict=True):
        from_image = row["toe_off_source"] == "image"
        times.append(float(row["toe_off_time_s"]) if from_image else t)
        uncs.append(float(row["toe_off_unc_s"]) if from_image else unc)
        image.append(from_image)
    rear, front = times
    source = "image" if all(image) else "image and landmarks" if any(image) else "landmarks"
    return dataclasses.replace(block, rear_exit_s=min(rear, front), front_exit_s=max(rear, front),
                               rear_exit_unc_s=uncs[0], front_exit_unc_s=uncs[1], source=source)


def ground_contacts(contacts: pd.DataFrame, block: BlockStart | None) -> pd.DataFrame:
    """The contacts that are steps: none in the set position or the push from the blocks
    (a contact must begin after the front foot left its block)."""
    if block is None or not len(contacts):
        return contacts
    keep = contacts["touchdown_time_s"] > block.front_exit_s - 1e-9
    return contacts[keep].reset_index(drop=True)


def _filled(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    ok = np.isfinite(x)
    return np.interp(t, t[ok], x[ok]) if ok.sum() >= 2 else np.zeros_like(t)


def _first_movement(speed: np.ndarray, start: int, moving: float) -> int | None:
    """The last sample, from ``start`` on, before the hips travel forward for good (speed above
    ``moving`` from then on for at least a few samples)."""
    k = start
    n = len(speed)
    while k < n and speed[k] <= moving:
        k += 1
    if k >= n:
        return None
    return max(start, k - 1)


def _on_block(toes: np.ndarray, set_pos: np.ndarray, tol: float) -> np.ndarray:
    """(n, 2) bool: some toe (either label: the tracker may swap them) is within ``tol`` of
    block k's set position in both directions."""
    out = np.zeros((toes.shape[1], 2), dtype=bool)
    for k in range(2):
        d = np.abs(toes - set_pos[k][None, None, :])  # (2, n, 2)
        out[:, k] = np.any(np.all(np.nan_to_num(d, nan=np.inf) <= tol, axis=2), axis=0)
    return out


def _frame_sd(t: np.ndarray) -> float:
    """1-sigma of an event known to the nearest sample: a frame interval / sqrt(12), doubled
    for the tracker's scatter at the push."""
    return float(2.0 * np.median(np.diff(t)) / np.sqrt(12.0)) if len(t) > 1 else float("nan")
