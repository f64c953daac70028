"""Render a ``GroupRun`` (several people, one camera) to H.264 with its truth per person.

The background, camera, shutter and sun are those of the followed runner's own render
(``render.FrameRenderer`` of ``group.lead``); every member is then drawn over it, farthest from
the camera first (by hip depth at the frame time), with its own body, kit and shadows, and the
same motion blur (sub-frame renders, as many as the fastest landmark of any member needs).

The truth file (``<stem>.truth.json``, schema ``stridecam.truth/1``) holds the followed runner's
truth at the top level, as a single-runner file does (``load_truth`` reads it), plus
``"runners"``: one entry per member (index, role, lane, offset, kit, athlete, events, steps,
landmarks) that ``load_group_truth`` reads back as one ``Truth`` per member.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stridecam.model.columns import EVENT_COLUMNS, STEP_COLUMNS
from stridecam.model.landmarks import IDX
from stridecam.simulate.figure import Look, athlete_look
from stridecam.simulate.group import GroupRun
from stridecam.simulate.looks import KITS, SKIN_TONES
from stridecam.simulate.params import RenderParams, to_dict
from stridecam.simulate.render import FrameRenderer, encode_mp4, truth_path_for
from stridecam.simulate.truth import Truth, _records, truth_dict

HIPS = [IDX["left_hip"], IDX["right_hip"]]


def member_looks(group: GroupRun, params: RenderParams) -> list[tuple[str, str]]:
    """(kit, skin tone) of every member: named ones kept, the followed runner's from the seed as
    in a single render, the others drawn (seeded) from the kits nobody else wears."""
    from stridecam.simulate.looks import choose_look

    lead = choose_look(params, group.lead.seed, group.lead.preset)
    rng = np.random.default_rng([group.seed & 0xFFFFFFFF, 0x6A0B])
    taken = {m.spec.kit for m in group.members if m.spec.kit} | {lead.kit}
    out = []
    for m in group.members:
        if m.index == group.follow:
            out.append((lead.kit, lead.skin_tone))
            continue
        free = [k for k in KITS if k not in taken] or list(KITS)
        kit = m.spec.kit or free[int(rng.integers(len(free)))]
        taken.add(kit)
        skin = m.spec.skin_tone or list(SKIN_TONES)[int(rng.integers(len(SKIN_TONES)))]
        out.append((kit, skin))
    return out


class GroupRenderer:
    """Renders the frames of a ``GroupRun`` (set up once)."""

    def __init__(self, group: GroupRun, params: RenderParams | None = None,
                 only: tuple[int, ...] | None = None) -> None:
        self.group = group
        self.only = only
        self.base = FrameRenderer(group.lead, params)
        self.names = member_looks(group, self.base.params)
        self.looks: list[Look] = [athlete_look(k, s) for k, s in self.names]
        self.base.n_sub = self._sub_samples()

    def _sub_samples(self) -> np.ndarray:
        base, g = self.base, self.group
        p, n = base.params, g.n_frames
        if base.exposure_s <= 0 or p.blur_samples > 0 or n < 2:
            return base.n_sub
        px = np.concatenate([m.px for m in g.members], axis=1)
        vel = np.gradient(px, g.time_s, axis=0)
        move = np.nan_to_num(np.hypot(vel[..., 0], vel[..., 1])).max(axis=1) * base.exposure_s
        return np.clip(np.ceil(move / p.blur_step_px), 1, p.max_blur_samples).astype(int)

    def frame(self, k: int) -> np.ndarray:
        """RGB uint8 image of frame k."""
        g, base = self.group, self.base
        t = float(g.time_s[k])
        img = base.background(t)
        m = int(base.n_sub[k])
        offs = ((np.arange(m) + 0.5) / m - 0.5) * base.exposure_s if m > 1 else np.zeros(1)
        tt = t + offs
        track = g.camera_at(tt)
        drawn = [mr for mr in g.members if self.only is None or mr.index in self.only]
        order = sorted(drawn, key=lambda mr: -float(mr.depth_m[k, HIPS].mean()))
        for mr in order:
            base._draw_athlete(img, track, mr.body_points(tt), m, body=mr.model.body,
                               look=self.looks[mr.index])
        return img

    def info(self) -> dict:
        info = self.base.info()
        info["blur_samples_max"] = int(self.base.n_sub.max())
        info["members"] = [{"kit": k, "skin_tone": s} for k, s in self.names]
        return info


def render_group_clip(group: GroupRun, out_path: str | Path, params: RenderParams | None = None,
                      crf: int = 23, include_landmarks: bool = True,
                      only: tuple[int, ...] | None = None) -> Path:
    """Render ``group`` to ``out_path`` (.mp4) and write ``<stem>.truth.json`` beside it.
    ``only``: draw just these members (e.g. one runner alone in the same scene, as the
    single-runner reference of a multi-person test); the truth still lists every member."""
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    r = GroupRenderer(group, params, only)
    n, encoder = encode_mp4((r.frame(k) for k in range(group.n_frames)), out_path, group.fps,
                            crf=crf)
    group.extras["render"] = {**r.info(), "encoder": encoder, "frames": n, "crf": crf,
                              "drawn": list(only) if only is not None else None,
                              "seconds": round(time.perf_counter() - t0, 2)}
    write_group_truth(group, truth_path_for(out_path), include_landmarks=include_landmarks)
    return out_path


def group_truth_dict(group: GroupRun, include_landmarks: bool = False) -> dict[str, Any]:
    """The followed runner's truth (``truth_dict``) plus ``"runners"``: every member's."""
    render = group.extras.get("render")
    if render:
        group.lead.extras["render"] = {k: v for k, v in render.items() if k != "members"}
    data = truth_dict(group.lead, include_landmarks=False)
    kits = render.get("members") if render else None
    runners = []
    for m in group.members:
        entry: dict[str, Any] = {
            "index": m.index, "role": m.role, "followed": m.index == group.follow,
            "lane_m": m.spec.lane_m, "x_offset_m": m.spec.x_offset_m,
            "height_m": m.model.body.height_m,
            "leg_length_m": m.model.body.leg_length_m,
            "athlete": to_dict(m.spec.athlete) if m.role == "runner" else None,
            "look": kits[m.index] if kits else None,
            "events": _records(m.events), "steps": _records(m.steps)}
        if include_landmarks:
            entry["landmarks_px"] = np.round(m.px, 2).tolist()
        runners.append(entry)
    data["runners"] = runners
    return data


def write_group_truth(group: GroupRun, path: str | Path, include_landmarks: bool = True) -> Path:
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(group_truth_dict(group, include_landmarks),
                              separators=(",", ":")) + "\n")
    tmp.replace(path)
    return path


def load_group_truth(path: str | Path) -> list[Truth]:
    """One ``Truth`` per member of a group truth file (``data`` holds the member's entry plus
    the clip's ``fps`` and ``n_frames``; ``world_m`` is None)."""
    from stridecam.simulate.truth import load_truth

    top = load_truth(path)
    out = []
    for entry in top.data.get("runners", []):
        events = pd.DataFrame(entry["events"], columns=list(EVENT_COLUMNS))
        steps = pd.DataFrame(entry["steps"], columns=list(STEP_COLUMNS)).astype(
            {c: "float64" for c in STEP_COLUMNS
             if c.endswith(("_s", "_m", "_deg", "_hz", "_spm", "_leg", "_deg_s"))})
        px = np.asarray(entry["landmarks_px"], dtype=np.float64) \
            if "landmarks_px" in entry else None
        data = {**entry, "fps": top.fps, "n_frames": top.n_frames}
        data.pop("landmarks_px", None)
        out.append(Truth(data, events, steps, None, px))
    return out
