"""Per-step metrics from contacts and the track (pure numpy/pandas).

One row per step, with the columns and definitions of ``stridecam.model.columns`` (read its
docstring: step vs stride, contact, flight, swing, recovery). Lengths are measured in the
track's units and written twice: in metres (``_m``; NaN when the run has no scale) and in leg
lengths (``_leg``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.signal import savgol_filter

from stridecam.analysis.clean import lowpass
from stridecam.analysis.events.signals import SIDES, lowest_foot
from stridecam.model.columns import LENGTH_PAIRS, STEP_TABLE_COLUMNS
from stridecam.model.landmarks import IDX
from stridecam.model.settings import StepSettings
from stridecam.model.track import Track, hip_mid_x


def thigh_angle_deg(track: Track, side: str) -> np.ndarray:
    """(n,) angle of the thigh (hip to knee) from vertical, forward positive, degrees."""
    hip, knee = track.point(IDX[f"{side}_hip"]), track.point(IDX[f"{side}_knee"])
    d = knee - hip
    return np.degrees(np.arctan2(d[:, 0], -d[:, 1]))


def trunk_angle_deg(track: Track) -> np.ndarray:
    """(n,) angle of the trunk (hip mid-point to shoulder mid-point) from vertical, forward +."""
    hip = (track.point(IDX["left_hip"]) + track.point(IDX["right_hip"])) / 2
    sh = (track.point(IDX["left_shoulder"]) + track.point(IDX["right_shoulder"])) / 2
    d = sh - hip
    return np.degrees(np.arctan2(d[:, 0], d[:, 1]))


def knee_height_leg(track: Track, side: str) -> np.ndarray:
    """(n,) knee height minus hip height, in leg lengths (0 = knee level with the hip)."""
    hip, knee = track.point(IDX[f"{side}_hip"]), track.point(IDX[f"{side}_knee"])
    return (knee[:, 1] - hip[:, 1]) / track.scale.leg_length


def thigh_envelopes(track: Track) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(front thigh angle, back thigh angle, top knee height) over time: the more forward and
    the more backward of the two thighs (deg) and the higher knee (leg lengths). Label-free: a
    tracker's left/right swap does not change them. NaN where neither side is known."""
    both = np.stack([thigh_angle_deg(track, s) for s in ("left", "right")])
    knees = np.stack([knee_height_leg(track, s) for s in ("left", "right")])
    front, back, top = (np.full(track.n, np.nan) for _ in range(3))
    ok = np.isfinite(both).any(axis=0)
    front[ok], back[ok] = np.nanmax(both[:, ok], axis=0), np.nanmin(both[:, ok], axis=0)
    ok_knee = np.isfinite(knees).any(axis=0)
    top[ok_knee] = np.nanmax(knees[:, ok_knee], axis=0)
    return front, back, top


def _derivative(t: np.ndarray, y: np.ndarray, window_s: float = 0.04) -> np.ndarray:
    """dy/dt by a Savitzky-Golay filter over ``window_s`` (at least 5 samples), NaN kept."""
    ok = np.isfinite(y)
    if len(t) < 5 or ok.sum() < 5:
        return np.full(len(t), np.nan)
    dt = float(np.median(np.diff(t)))
    window = max(5, int(round(window_s / dt)) | 1)
    if window > ok.sum():
        return np.full(len(t), np.nan)
    d = savgol_filter(np.interp(t, t[ok], y[ok]), window, 2, deriv=1, delta=dt)
    d[~ok] = np.nan
    return d


def _at(t: np.ndarray, y: np.ndarray, when: float) -> float:
    ok = np.isfinite(y)
    if ok.sum() < 2 or not np.isfinite(when):
        return float("nan")
    return float(np.interp(when, t[ok], y[ok], left=np.nan, right=np.nan))


def _window(t: np.ndarray, start: float, stop: float) -> np.ndarray:
    return np.flatnonzero((t >= start) & (t <= stop))


def _peak(t: np.ndarray, y: np.ndarray, start: float, stop: float) -> tuple[float, float]:
    """(value, time) of the maximum of ``y`` between two times; NaN if no finite sample."""
    idx = _window(t, start, stop)
    idx = idx[np.isfinite(y[idx])] if idx.size else idx
    if idx.size == 0:
        return float("nan"), float("nan")
    k = idx[np.argmax(y[idx])]
    # parabolic refinement of the peak between samples
    if 0 < k < len(y) - 1 and np.isfinite(y[k - 1]) and np.isfinite(y[k + 1]):
        denom = y[k - 1] - 2 * y[k] + y[k + 1]
        if denom < 0:
            off = 0.5 * (y[k - 1] - y[k + 1]) / denom
            value = float(y[k] - 0.25 * (y[k - 1] - y[k + 1]) * off)
            return value, float(t[k] + off * (t[1] - t[0]))
    return float(y[k]), float(t[k])


def _mean(t: np.ndarray, y: np.ndarray, start: float, stop: float) -> float:
    idx = _window(t, start, stop)
    vals = y[idx][np.isfinite(y[idx])] if idx.size else np.zeros(0)
    return float(vals.mean()) if vals.size else float("nan")


@dataclass(frozen=True)
class _Signals:
    """Label-free time series the step metrics are read from (see ``compute_steps``)."""

    t: np.ndarray
    front: np.ndarray  # the more forward thigh's angle, deg
    back: np.ndarray  # the more backward thigh's angle, deg
    knee_top: np.ndarray  # the higher knee relative to the hip, leg lengths
    omega: np.ndarray  # forward thigh angular velocity, deg/s (faster of the two thighs)
    trunk: np.ndarray  # trunk lean, deg
    hip: np.ndarray  # hip mid-point forward position, track units
    foot: np.ndarray  # the lowest foot's toe forward position (the stance foot), track units
    xy: np.ndarray  # (n, 33, 2) the track's points, track units
    heel_top: np.ndarray  # the higher heel's height above the ground, leg lengths


def _signals(track: Track, derivative_window_s: float, omega_cutoff_hz: float) -> _Signals:
    t = track.time_s
    # Swing-leg values without trusting the tracker's left/right labels (it exchanges them for
    # a few frames as the legs pass): the envelopes of both thighs do not change under a swap.
    # From the other foot's touchdown to this foot's next touchdown the other leg is in stance
    # (thigh at most ~30 deg forward), so the more forward thigh is the swing thigh; before
    # that, the swing thigh is the one rising. This assumes the peak knee drive comes after the
    # other foot lands (recovery longer than flight), as it does in running.
    front, back, knee_top = thigh_envelopes(track)
    fps = 1.0 / float(np.median(np.diff(t))) if len(t) > 1 else float("nan")
    omega = np.fmax(_derivative(t, lowpass(front, fps, omega_cutoff_hz), derivative_window_s),
                    _derivative(t, lowpass(back, fps, omega_cutoff_hz), derivative_window_s))
    return _Signals(t=t, front=front, back=back, knee_top=knee_top, omega=omega,
                    trunk=trunk_angle_deg(track), hip=hip_mid_x(track.xy),
                    foot=lowest_foot(track)[1], xy=track.xy,
                    heel_top=np.fmax(track.xy[:, IDX["left_heel"], 1],
                                     track.xy[:, IDX["right_heel"], 1]) / track.scale.leg_length)


def compute_steps(track: Track, contacts: pd.DataFrame,
                  settings: StepSettings = StepSettings()) -> pd.DataFrame:
    """The steps table: step i runs from contact i's touchdown to contact i+1's touchdown.

    Contact i+1 must be of the other foot (a repeated foot means a missed contact: no step),
    and the step no longer than ``settings.max_step_time_factor`` times the median touchdown
    interval (longer spans a missed contact). Swing/recovery values need the next contact of
    the same foot (i+2); NaN when the clip ends.
    """
    c = contacts.reset_index(drop=True)
    sig = _signals(track, settings.derivative_window_s, settings.omega_cutoff_hz)
    gaps = np.diff(c["touchdown_time_s"].to_numpy(float)) if len(c) > 1 else np.zeros(0)
    typical = float(np.median(gaps)) if len(gaps) else np.nan
    rows: list[dict] = []
    for i in range(len(c) - 1):
        if c.at[i, "foot"] == c.at[i + 1, "foot"]:
            continue
        step_time = c.at[i + 1, "touchdown_time_s"] - c.at[i, "touchdown_time_s"]
        if not (step_time > 0 and c.at[i, "toe_off_time_s"] > c.at[i, "touchdown_time_s"]):
            continue  # degenerate contacts (no duration): not a step that can be measured
        if step_time > settings.max_step_time_factor * typical:
            continue  # a contact was missed in between: this would be two steps, not one
        row = _step_row(c, i, sig, len(rows), settings.step_length_from)
        row.update(_uncertainties(c, i, row, settings.hip_sd_leg * track.scale.leg_length))
        rows.append(_in_units(row, track.scale.units, track.scale.leg_length))
    steps = pd.DataFrame(rows, columns=list(STEP_TABLE_COLUMNS))
    if len(steps) > 1:
        # stride = this step + the next one, when they are consecutive (same contact chain)
        chained = np.isclose(steps["next_touchdown_time_s"], steps["touchdown_time_s"].shift(-1))
        for col in LENGTH_PAIRS["stride_length"]:
            step = col.replace("stride", "step")
            steps[col] = np.where(chained, steps[step] + steps[step].shift(-1), np.nan)
    return steps


#: The track-unit keys of a step row and the column pair they become.
_LENGTH_KEYS = {"length": "step_length", "speed": "speed", "length_unc": "step_length_unc",
                "speed_unc": "speed_unc", "length_td": "touchdown_distance"}


def _in_units(row: dict, units: str, leg_length: float) -> dict:
    """The row with its lengths in metres (NaN without a scale) and in leg lengths."""
    for key, pair in _LENGTH_KEYS.items():
        value = row.pop(key)
        col_m, col_leg = LENGTH_PAIRS[pair]
        row[col_m] = value if units == "m" else float("nan")
        row[col_leg] = value / leg_length if units == "m" else value
    return row


def _event_sd(c: pd.DataFrame, i: int, column: str) -> float:
    """An event's 1-sigma uncertainty (s) from the contacts table; NaN when it has none."""
    return float(c.at[i, column]) if column in c else float("nan")


def _uncertainties(c: pd.DataFrame, i: int, row: dict, hip_sd: float) -> dict:
    """1-sigma measurement uncertainty of step i's values from its events' uncertainties
    (``*_unc_s`` of the contacts) and the hip mid-point's position scatter ``hip_sd`` (track
    units): times add in quadrature; a touchdown mistimed by dt misplaces the hip by
    speed x dt. The scale's own uncertainty, common to every step, is not included."""
    td, to = _event_sd(c, i, "touchdown_unc_s"), _event_sd(c, i, "toe_off_unc_s")
    td_next = _event_sd(c, i + 1, "touchdown_unc_s")
    step_time, v = row["step_time_s"], row["speed"]
    st_unc = float(np.hypot(td, td_next))
    length_unc = float(np.sqrt((v * td) ** 2 + (v * td_next) ** 2 + 2 * hip_sd ** 2))
    rel = np.hypot(length_unc / row["length"], st_unc / step_time) \
        if row["length"] else float("nan")
    return {
        "contact_time_unc_s": float(np.hypot(td, to)),
        "flight_time_unc_s": float(np.hypot(to, td_next)),
        "step_time_unc_s": st_unc,
        "cadence_unc_spm": 60.0 * st_unc / step_time ** 2,
        "length_unc": length_unc,
        "speed_unc": float(abs(v) * rel),
    }


def _stance_x(sig: _Signals, td: float, to: float) -> float:
    """The stance foot's forward position over a contact (median of its samples)."""
    idx = _window(sig.t, td, to)
    x = sig.foot[idx] if idx.size else np.zeros(0)
    x = x[np.isfinite(x)]
    return float(np.median(x)) if x.size else float("nan")


def _step_row(c: pd.DataFrame, i: int, sig: _Signals, step_index: int,
              length_from: str = "hip") -> dict:
    """One row of the steps table: contact i, the flight after it, and the swing that follows
    its toe-off (to the same foot's next touchdown, contact i+2, when there is one)."""
    t = sig.t
    foot = c.at[i, "foot"]
    td, to, td_next = (c.at[i, "touchdown_time_s"], c.at[i, "toe_off_time_s"],
                       c.at[i + 1, "touchdown_time_s"])
    step_time = td_next - td
    if length_from == "feet":
        step_length = (_stance_x(sig, td_next, c.at[i + 1, "toe_off_time_s"])
                       - _stance_x(sig, td, to))
    else:
        step_length = _at(t, sig.hip, td_next) - _at(t, sig.hip, td)
    same = i + 2 if i + 2 < len(c) and c.at[i + 2, "foot"] == foot else None
    swing_end = c.at[same, "touchdown_time_s"] if same is not None else np.nan
    peak_flex = t_peak = peak_knee = peak_omega = np.nan
    if same is not None:
        peak_flex, t_peak = _peak(t, sig.front, td_next, swing_end)
        peak_knee, _ = _peak(t, sig.knee_top, td_next, swing_end)
        peak_omega, _ = _peak(t, sig.omega, to, swing_end)
    return {
        "step_index": step_index,
        "foot": foot,
        "touchdown_time_s": td,
        "toe_off_time_s": to,
        "next_touchdown_time_s": td_next,
        "touchdown_frame": int(c.at[i, "touchdown_frame"]),
        "toe_off_frame": int(c.at[i, "toe_off_frame"]),
        "contact_time_s": to - td,
        "flight_time_s": td_next - to,
        "step_time_s": step_time,
        "cadence_spm": 60.0 / step_time,
        "step_frequency_hz": 1.0 / step_time,
        "length": step_length,
        "speed": step_length / step_time,
        "swing_time_s": swing_end - to,
        "recovery_time_s": t_peak - to,
        "peak_thigh_flexion_deg": peak_flex,
        "peak_knee_height_leg": peak_knee,
        "thigh_separation_td_deg": _at(t, sig.front, td) - _at(t, sig.back, td),
        "trunk_lean_deg": _mean(t, sig.trunk, td, td_next),
        "max_thigh_angular_velocity_deg_s": peak_omega,
        **_at_touchdown(sig, td),
        "thigh_front_to_deg": _at(t, sig.front, to),
        "thigh_back_to_deg": _at(t, sig.back, to),
        "heel_recovery_leg": _peak(t, sig.heel_top, to, c.at[i + 1, "toe_off_time_s"])[0],
    }


def _at_touchdown(sig: _Signals, td: float) -> dict:
    """Coaching kinematics of the landing leg (the foot further forward) at touchdown ``td``:
    touchdown distance (track units, from the hip mid-point to the foot's lowest point), shin
    angle from vertical and knee flexion (deg); see ``model.columns``."""
    t = sig.t
    toes = [_at(t, sig.xy[:, IDX[f"{s}_foot_index"], 0], td) for s in SIDES]
    if not np.isfinite(toes).any():
        return {"length_td": np.nan, "shin_angle_td_deg": np.nan, "knee_angle_td_deg": np.nan}
    side = SIDES[int(np.nanargmax(toes))]
    p = {name: np.array([_at(t, sig.xy[:, IDX[f"{side}_{name}"], k], td) for k in (0, 1)])
         for name in ("knee", "ankle", "heel", "foot_index")}
    low = p["heel"] if p["heel"][1] < p["foot_index"][1] else p["foot_index"]
    shank = p["ankle"] - p["knee"]
    thigh_dir = p["knee"] - np.array([_at(t, sig.xy[:, IDX[f"{side}_hip"], k], td)
                                      for k in (0, 1)])
    cos = np.dot(thigh_dir, shank) / (np.linalg.norm(thigh_dir) * np.linalg.norm(shank))
    return {"length_td": float(low[0] - _at(t, sig.hip, td)),
            "shin_angle_td_deg": float(np.degrees(np.arctan2(shank[0], -shank[1]))),
            "knee_angle_td_deg": float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))}
