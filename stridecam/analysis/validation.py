"""Compare detected contacts and steps with ground truth (pure pandas/numpy).

Used by the tests and by ``tools/validate.py`` (which writes VALIDATION.md). A detected contact
matches a true contact when their touchdowns are within ``tolerance_s``; each true contact is
matched at most once (nearest first). Whether the matched contact was given the right foot is
counted separately (``feet_correct``): finding a contact and naming its foot are different
questions. Counts follow gait-analysis usage: true positives, false positives (detected, no true
match), misses (true, not detected).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Per-step metrics compared with truth, and whether their error is relative (%) or absolute.
COMPARED = {
    "cadence_spm": "pct", "step_length_m": "pct", "speed_m_s": "pct", "step_time_s": "pct",
    "contact_time_s": "abs", "flight_time_s": "abs", "swing_time_s": "abs",
    "recovery_time_s": "abs", "peak_thigh_flexion_deg": "abs", "peak_knee_height_leg": "abs",
    "thigh_separation_td_deg": "abs", "trunk_lean_deg": "abs",
    "max_thigh_angular_velocity_deg_s": "abs",
}


@dataclass(frozen=True)
class EventMatch:
    """Outcome of matching contacts: counts and timing errors (detected - true, seconds)."""

    n_true: int
    n_detected: int
    true_positives: int
    touchdown_error_s: np.ndarray
    toe_off_error_s: np.ndarray
    matched: pd.DataFrame  # one row per match: true and detected times side by side

    @property
    def false_positives(self) -> int:
        return self.n_detected - self.true_positives

    @property
    def misses(self) -> int:
        return self.n_true - self.true_positives

    @property
    def feet_correct(self) -> int:
        """Matched contacts whose foot (left/right) was named correctly."""
        return int((self.matched["true_foot"] == self.matched["detected_foot"]).sum())

    @property
    def recall(self) -> float:
        return self.true_positives / self.n_true if self.n_true else float("nan")


def match_contacts(truth: pd.DataFrame, detected: pd.DataFrame, tolerance_s: float) -> EventMatch:
    """Match detected contacts to true ones (touchdowns within ``tolerance_s``, nearest first)."""
    t_td = truth["touchdown_time_s"].to_numpy(float)
    d_td = detected["touchdown_time_s"].to_numpy(float)
    pairs = []
    if len(t_td) and len(d_td):
        dist = np.abs(d_td[:, None] - t_td[None, :])
        used_t, used_d = set(), set()
        for flat in np.argsort(dist, axis=None):
            i, j = np.unravel_index(flat, dist.shape)
            if dist[i, j] > tolerance_s:
                break
            if i in used_d or j in used_t:
                continue
            used_d.add(i)
            used_t.add(j)
            pairs.append({"true_foot": truth["foot"].iat[j],
                          "detected_foot": detected["foot"].iat[i],
                          "true_touchdown_s": t_td[j], "detected_touchdown_s": d_td[i],
                          "true_toe_off_s": truth["toe_off_time_s"].iat[j],
                          "detected_toe_off_s": detected["toe_off_time_s"].iat[i]})
    matched = pd.DataFrame(pairs, columns=["true_foot", "detected_foot", "true_touchdown_s",
                                           "detected_touchdown_s", "true_toe_off_s",
                                           "detected_toe_off_s"]).sort_values("true_touchdown_s")
    return EventMatch(
        n_true=len(truth), n_detected=len(detected), true_positives=len(matched),
        touchdown_error_s=(matched["detected_touchdown_s"]
                           - matched["true_touchdown_s"]).to_numpy(float),
        toe_off_error_s=(matched["detected_toe_off_s"] - matched["true_toe_off_s"]).to_numpy(float),
        matched=matched)


def truth_in_window(truth_events: pd.DataFrame, start_s: float, stop_s: float) -> pd.DataFrame:
    """True contacts wholly inside the tracked time window (the only ones a detector can time)."""
    inside = ((truth_events["touchdown_time_s"] > start_s)
              & (truth_events["toe_off_time_s"] < stop_s))
    return truth_events[inside].reset_index(drop=True)


def compare_steps(truth_steps: pd.DataFrame, steps: pd.DataFrame,
                  tolerance_s: float) -> pd.DataFrame:
    """Per-step errors: for each detected step whose touchdown is within ``tolerance_s`` of a
    true step's, the error of every ``COMPARED`` metric (percent for relative ones, units of the
    metric for absolute ones). One row per matched step."""
    rows = []
    true_td = truth_steps["touchdown_time_s"].to_numpy(float)
    for _, s in steps.iterrows():
        if not len(true_td):
            break
        j = int(np.argmin(np.abs(true_td - s["touchdown_time_s"])))
        if abs(true_td[j] - s["touchdown_time_s"]) > tolerance_s:
            continue
        true = truth_steps.iloc[j]
        row = {"foot": true["foot"], "touchdown_time_s": true["touchdown_time_s"]}
        for col, kind in COMPARED.items():
            est, ref = float(s[col]), float(true[col])
            if not (np.isfinite(est) and np.isfinite(ref)):
                row[col] = np.nan
            elif kind == "pct":
                row[col] = 100.0 * (est - ref) / ref if ref else np.nan
            else:
                row[col] = est - ref
        rows.append(row)
    return pd.DataFrame(rows, columns=["foot", "touchdown_time_s", *COMPARED])
