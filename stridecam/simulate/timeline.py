"""The event timeline (every touchdown and toe-off) and the pelvis speed profile.

Times are clip time in seconds (frame k of the clip is at k / fps). The timeline starts before
clip time 0 (a pre-roll of a few steps) so that every limb is mid-cycle when the clip begins;
an accelerating run is held at its clip-start speed and gait during that unseen pre-roll.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stridecam.simulate.params import AthleteParams

#: Pre-roll before clip time 0 and margin after the clip end, in seconds.
PRE_ROLL_S = 0.8
POST_ROLL_S = 0.8
#: Accelerating profile: the gait functions are evaluated no earlier than this after the start.
MIN_TIME_SINCE_START_S = 0.08
MIN_FLIGHT_S = 0.015


@dataclass(frozen=True)
class SpeedProfile:
    """Pelvis forward position x(t) and speed v(t); x(0) = 0 at clip time 0."""

    profile: str
    v_max_m_s: float
    tau_s: float
    offset_s: float  # time since the start signal at clip time 0 (accelerating only)

    def _since(self, t: np.ndarray) -> np.ndarray:
        """Time since the start signal; before clip time 0 (the unseen pre-roll) the run is
        held at its clip-start state."""
        return np.maximum(np.asarray(t, dtype=np.float64), 0.0) + self.offset_s

    def speed(self, t: np.ndarray) -> np.ndarray:
        t = np.asarray(t, dtype=np.float64)
        if self.profile == "constant":
            return np.full_like(t, self.v_max_m_s)
        ts = np.maximum(self._since(t), MIN_TIME_SINCE_START_S)
        return self.v_max_m_s * (1.0 - np.exp(-ts / self.tau_s))

    def _x_since(self, ts: np.ndarray) -> np.ndarray:
        t0 = MIN_TIME_SINCE_START_S
        tc = np.maximum(ts, t0)
        x = self.v_max_m_s * (tc - self.tau_s * (1.0 - np.exp(-tc / self.tau_s)))
        v0 = self.v_max_m_s * (1.0 - np.exp(-t0 / self.tau_s))
        return np.where(ts < t0, x + v0 * (ts - t0), x)

    def position(self, t: np.ndarray) -> np.ndarray:
        t = np.asarray(t, dtype=np.float64)
        if self.profile == "constant":
            return self.v_max_m_s * t
        x = self._x_since(self._since(t)) - self._x_since(np.array(self.offset_s))
        return np.where(t < 0, self.speed(np.zeros_like(t)) * t, x)


def speed_profile(a: AthleteParams) -> SpeedProfile:
    return SpeedProfile(a.speed_profile, a.v_max_m_s, a.accel_tau_s, a.start_offset_s)


def relax(a: AthleteParams, t: np.ndarray | float, start: float, final: float) -> np.ndarray:
    """A gait value at clip time ``t``: ``final`` at constant speed; for the accelerating
    profile ``start`` at the start signal relaxing to ``final`` with time constant accel_tau_s."""
    t = np.asarray(t, dtype=np.float64)
    if a.speed_profile == "constant":
        return np.full_like(t, final)
    ts = np.maximum(np.maximum(t, 0.0) + a.start_offset_s, MIN_TIME_SINCE_START_S)
    return final + (start - final) * np.exp(-ts / a.accel_tau_s)


@dataclass(frozen=True)
class Timeline:
    """Contacts in time order; contact i belongs to ``foot[i]`` and feet alternate.

    ``td_s[i]``/``to_s[i]``: touchdown and toe-off; the step i runs from td_s[i] to td_s[i+1].
    ``peak_thigh_deg[i]``/``recovery_s[i]``: the knee-drive target of the swing that follows
    toe-off i (of foot[i]).
    """

    foot: tuple[str, ...]
    td_s: np.ndarray
    to_s: np.ndarray
    peak_thigh_deg: np.ndarray
    recovery_s: np.ndarray

    @property
    def n(self) -> int:
        return len(self.td_s)


def make_timeline(a: AthleteParams, duration_s: float, rng: np.random.Generator) -> Timeline:
    """Touchdowns and toe-offs from PRE_ROLL_S before 0 to POST_ROLL_S after ``duration_s``
    (an accelerating run is held at its clip-start gait and speed during the pre-roll).

    Step time = 1 / step_frequency (x (1 + cv N(0,1)) with variability); contact time likewise,
    x (1 + contact_asymmetry) for the left foot; flight is what remains (>= MIN_FLIGHT_S).
    """
    t = -PRE_ROLL_S
    feet, td, to, pk, rec = [], [], [], [], []
    foot = a.first_foot
    cv = a.step_variability_cv
    while t < duration_s + POST_ROLL_S:
        freq = float(relax(a, t, a.start_step_frequency_hz, a.step_frequency_hz))
        tc = float(relax(a, t, a.start_contact_time_s, a.contact_time_s))
        noise_step, noise_contact = rng.standard_normal(2)
        step_time = (1.0 / freq) * (1.0 + cv * noise_step)
        contact = tc * (1.0 + cv * noise_contact)
        if foot == "left":
            contact *= 1.0 + a.contact_asymmetry
        step_time = max(step_time, contact + MIN_FLIGHT_S)
        peak = a.peak_thigh_flexion_deg - (a.knee_drive_asymmetry_deg if foot == "left" else 0.0)
        feet.append(foot)
        td.append(t)
        to.append(t + contact)
        pk.append(peak)
        rec.append(a.recovery_time_s)
        t += step_time
        foot = "right" if foot == "left" else "left"
    return Timeline(tuple(feet), np.array(td), np.array(to), np.array(pk), np.array(rec))
