"""Ground truth of a simulated run, measured on the generated trajectories, and its JSON file.

Event times are the model's own touchdowns and toe-offs (the instants the toe lands on and
leaves the ground). Everything else is measured on the landmark trajectories the model produces,
sampled every ``DENSE_DT_S`` (and refined by a parabola through the three samples around a
peak), with the definitions of ``stridecam.model.columns``:

- step length: toe tip (``foot_index``) ground position of contact i+1 minus that of contact i,
  taken at mid-contact;
- thigh angle: hip -> knee from vertical in the sagittal (x, y) plane, forward positive;
- peak knee height: (knee y - hip y) / leg length (hip to ankle, standing), maximum in swing;
- trunk lean: hip mid-point -> shoulder mid-point from vertical, forward positive, mean over
  the step;
- the coaching kinematics at touchdown (the landing leg's heel / foot_index landmarks, knee,
  ankle; the hip mid-point), the thighs at toe-off and the recovering heel's peak height, as
  ``stridecam.model.columns`` defines them.

Only events fully inside the clip (0 .. last frame time) are reported; a step needs its two
touchdowns inside; swing quantities (swing, recovery, peak thigh flexion, peak knee height,
max thigh angular velocity) and stride length need the next touchdown of the same foot inside
too, else NaN. Frames: frame k is at k / fps; an event's frame is the nearest frame.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stridecam.model.columns import EVENT_COLUMNS, STEP_COLUMNS
from stridecam.model.errors import InputError
from stridecam.simulate.runner import RunnerModel

SCHEMA = "stridecam.truth/1"
DENSE_DT_S = 0.0005


def _thigh_deg(leg) -> np.ndarray:
    d = leg.knee - leg.hip
    return np.degrees(np.arctan2(d[:, 0], -d[:, 1]))


def _peak(t: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(time, value) of the maximum of samples y(t), refined by a parabola."""
    k = int(np.argmax(y))
    if 0 < k < len(y) - 1:
        y0, y1, y2 = y[k - 1], y[k], y[k + 1]
        den = y0 - 2 * y1 + y2
        if den < 0:
            off = 0.5 * (y0 - y2) / den
            return float(t[k] + off * (t[1] - t[0])), float(y1 - 0.25 * (y0 - y2) * off)
    return float(t[k]), float(y[k])


def _swing_values(model: RunnerModel, foot: str, to: float, td_next: float) -> dict[str, float]:
    t = np.arange(to, td_next, DENSE_DT_S)
    leg = model.leg(foot, t)
    th = _thigh_deg(leg)
    t_pk, pk = _peak(t, th)
    knee_h = (leg.knee[:, 1] - leg.hip[:, 1]) / model.body.leg_length_m
    _, knee_pk = _peak(t, knee_h)
    return {"swing_time_s": td_next - to, "recovery_time_s": t_pk - to,
            "peak_thigh_flexion_deg": pk, "peak_knee_height_leg": knee_pk,
            "max_thigh_angular_velocity_deg_s": float(np.max(np.gradient(th, t)))}


def _trunk_lean(model: RunnerModel, t0: float, t1: float) -> float:
    from stridecam.simulate.skeleton import body_points

    t = np.linspace(t0, t1, 25)
    p = body_points(model, t)
    hip_mid = 0.5 * (p["left_hip"] + p["right_hip"])
    sh_mid = 0.5 * (p["left_shoulder"] + p["right_shoulder"])
    d = sh_mid - hip_mid
    return float(np.mean(np.degrees(np.arctan2(d[:, 0], d[:, 1]))))


def _coaching(model: RunnerModel, foot: str, other: str, td: float, to: float,
              to_next: float) -> dict[str, float]:
    """Touchdown distance, shin and knee angle at touchdown, thighs at toe-off, heel recovery
    (definitions: ``stridecam.model.columns``)."""
    from stridecam.simulate.skeleton import body_points

    leg_m = model.body.leg_length_m
    land = model.leg(foot, np.array([td]))
    p = body_points(model, np.array([td]))
    hip_x = float(0.5 * (p["left_hip"][0, 0] + p["right_hip"][0, 0]))
    low = land.heel[0] if land.heel[0, 1] < land.foot_index[0, 1] else land.foot_index[0]
    shank = land.ankle[0] - land.knee[0]
    thigh = land.knee[0] - land.hip[0]
    cos = np.dot(thigh, shank) / (np.linalg.norm(thigh) * np.linalg.norm(shank))
    at_to = np.array([to])
    thighs = [float(_thigh_deg(model.leg(f, at_to))[0]) for f in (foot, other)]
    lo, hi = model.valid_range_s
    heel = float("nan")
    if np.isfinite(to_next) and lo <= to and to_next <= hi:
        t = np.arange(to, to_next, DENSE_DT_S)
        heel = _peak(t, model.leg(foot, t).heel[:, 1] / leg_m)[1]
    distance = float(low[0] - hip_x)
    return {"touchdown_distance_m": distance, "touchdown_distance_leg": distance / leg_m,
            "shin_angle_td_deg": float(np.degrees(np.arctan2(shank[0], -shank[1]))),
            "knee_angle_td_deg": float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))),
            "thigh_front_to_deg": max(thighs), "thigh_back_to_deg": min(thighs),
            "heel_recovery_leg": heel}


def compute_truth(model: RunnerModel, fps: int, n_frames: int) -> tuple[pd.DataFrame,
                                                                         pd.DataFrame]:
    """(events, steps) DataFrames for a clip of ``n_frames`` frames at ``fps``."""
    tl = model.timeline
    t_last = (n_frames - 1) / float(fps)
    inside = (tl.td_s >= 0) & (tl.to_s <= t_last)
    frame = lambda x: int(round(x * fps))  # noqa: E731 - nearest frame
    events = [{"foot": tl.foot[i], "touchdown_time_s": float(tl.td_s[i]),
               "toe_off_time_s": float(tl.to_s[i]), "touchdown_frame": frame(tl.td_s[i]),
               "toe_off_frame": frame(tl.to_s[i]), "contact_time_s": float(tl.to_s[i] - tl.td_s[i])}
              for i in np.flatnonzero(inside)]
    # stance toe positions measured on the trajectories at mid-contact
    toe_x = np.full(tl.n, np.nan)
    for i in range(tl.n):
        tm = 0.5 * (tl.td_s[i] + tl.to_s[i])
        lo, hi = model.valid_range_s
        if lo <= tm <= hi:
            toe_x[i] = model.leg(tl.foot[i], np.array([tm])).toe[0, 0]
    rows: list[dict[str, Any]] = []
    for i in range(tl.n - 1):
        td, to, td1 = tl.td_s[i], tl.to_s[i], tl.td_s[i + 1]
        if not (td >= 0 and td1 <= t_last):
            continue
        foot, other = tl.foot[i], tl.foot[i + 1]
        step_time = td1 - td
        length = toe_x[i + 1] - toe_x[i]
        row: dict[str, Any] = {
            "step_index": len(rows), "foot": foot, "touchdown_time_s": td, "toe_off_time_s": to,
            "next_touchdown_time_s": td1, "touchdown_frame": frame(td),
            "toe_off_frame": frame(to), "contact_time_s": to - td, "flight_time_s": td1 - to,
            "step_time_s": step_time, "cadence_spm": 60.0 / step_time,
            "step_frequency_hz": 1.0 / step_time, "step_length_m": length,
            "stride_length_m": np.nan, "speed_m_s": length / step_time}
        swing_keys = ("swing_time_s", "recovery_time_s", "peak_thigh_flexion_deg",
                      "peak_knee_height_leg", "max_thigh_angular_velocity_deg_s")
        row.update({k: np.nan for k in swing_keys})
        if i + 2 < tl.n and tl.td_s[i + 2] <= t_last:
            row["stride_length_m"] = toe_x[i + 2] - toe_x[i]
            row.update(_swing_values(model, foot, to, tl.td_s[i + 2]))
        at_td = np.array([td])
        row["thigh_separation_td_deg"] = float(
            _thigh_deg(model.leg(other, at_td))[0] - _thigh_deg(model.leg(foot, at_td))[0])
        row["trunk_lean_deg"] = _trunk_lean(model, td, td1)
        row.update(_coaching(model, foot, other, td, to,
                             tl.to_s[i + 1] if i + 1 < tl.n else np.nan))
        rows.append(row)
    ev = pd.DataFrame(events, columns=list(EVENT_COLUMNS))
    st = pd.DataFrame(rows, columns=list(STEP_COLUMNS))
    return ev.astype({"touchdown_frame": "int64", "toe_off_frame": "int64"}), \
        st.astype({"step_index": "int64", "touchdown_frame": "int64", "toe_off_frame": "int64"})


# ---------------------------------------------------------------------- JSON I/O
@dataclass(frozen=True)
class Truth:
    """A truth file loaded: its dict, plus ``events``/``steps`` as DataFrames and, when the file
    holds them, landmarks ``world_m`` (n, 33, 3) and ``px`` (n, 33, 2)."""

    data: dict[str, Any]
    events: pd.DataFrame
    steps: pd.DataFrame
    world_m: np.ndarray | None
    px: np.ndarray | None

    @property
    def fps(self) -> int:
        return int(self.data["fps"])

    @property
    def n_frames(self) -> int:
        return int(self.data["n_frames"])


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for rec in df.to_dict(orient="records"):
        out.append({k: (None if isinstance(v, float) and not np.isfinite(v) else
                        (v.item() if hasattr(v, "item") else v)) for k, v in rec.items()})
    return out


def truth_dict(run, include_landmarks: bool = False) -> dict[str, Any]:
    """The JSON-ready truth of a ``SimRun`` (schema ``stridecam.truth/1``)."""
    from stridecam.simulate.params import to_dict

    athlete = to_dict(run.athlete)
    athlete.update({"leg_length_m": run.model.body.leg_length_m,
                    "body": run.model.body.to_dict()})
    camera = to_dict(run.camera)
    camera.update(run.track.to_dict())
    camera["x_center_m"] = run.x_center_m
    camera["yaw_deg_per_frame"] = [round(float(v), 5) for v in run.track.yaw_deg]
    data: dict[str, Any] = {
        "schema": SCHEMA, "preset": run.preset, "seed": run.seed, "athlete": athlete,
        "camera": camera, "fps": run.fps, "n_frames": run.n_frames,
        "duration_s": run.duration_s, "world_frame": "metres; x forward, y up, z athlete's "
        "right; ground y = 0", "events": _records(run.events), "steps": _records(run.steps)}
    render = run.extras.get("render")
    if render:  # how the clip was rendered (pixels only), without its timing
        data["render"] = {k: v for k, v in render.items() if k != "seconds"}
    if include_landmarks:
        data["landmarks_world_m"] = np.round(run.world_m, 4).tolist()  # 0.1 mm
        data["landmarks_px"] = np.round(run.px, 2).tolist()  # 0.01 px
    return data


def write_truth(run, path: str | Path, include_landmarks: bool = False) -> Path:
    """Write the truth JSON of ``run`` to ``path`` (temp file + rename)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    data = truth_dict(run, include_landmarks)
    arrays = {k: data.pop(k) for k in ("landmarks_world_m", "landmarks_px") if k in data}
    text = json.dumps(data, indent=1)
    if arrays:  # big arrays on one line each, the rest readable
        text = text[:-2] + "".join(f',\n "{k}": {json.dumps(v, separators=(",", ":"))}'
                                   for k, v in arrays.items()) + "\n}"
    tmp.write_text(text + "\n")
    tmp.replace(path)
    return path


def load_truth(path: str | Path) -> Truth:
    """Read a truth JSON written by ``write_truth``."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: cannot read a truth file ({exc})") from exc
    if data.get("schema") != SCHEMA:
        raise InputError(f"{path}: schema {data.get('schema')!r} is not {SCHEMA!r}")
    events = pd.DataFrame(data["events"], columns=list(EVENT_COLUMNS))
    steps = pd.DataFrame(data["steps"], columns=list(STEP_COLUMNS)).astype(
        {c: "float64" for c in STEP_COLUMNS if c.endswith(("_s", "_m", "_deg", "_hz", "_spm",
                                                             "_leg", "_deg_s"))})
    world = np.asarray(data["landmarks_world_m"]) if "landmarks_world_m" in data else None
    px = np.asarray(data["landmarks_px"]) if "landmarks_px" in data else None
    return Truth(data, events, steps, world, px)
