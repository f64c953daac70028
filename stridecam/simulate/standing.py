"""A person standing still beside the track (a starter, a coach): the bystander of a group scene.

``StandingModel`` offers the part of ``RunnerModel``'s interface that ``skeleton.body_points``
and the renderer use (``body``, ``athlete``, ``pelvis``, ``leg``, ``trunk_lean_deg``,
``stride_phase``), so that the same skeleton and figure code draws it. The figure stands upright
in profile facing the running direction, knees almost straight, feet flat on the ground side by
side; it sways slowly (pelvis +-1.5 cm, arms a few degrees) so that it is a living person, not a
statue, but it never travels and never takes a step. Pure numpy, deterministic in its seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stridecam.simulate.anthropometry import Body, body_from_height
from stridecam.simulate.runner import LegPose, _knee_distance, knee_ik

#: knee flexion of the standing legs, degrees; slow sway of the pelvis (m, Hz)
STAND_KNEE_FLEXION_DEG = 4.0
SWAY_M = 0.015
SWAY_HZ = 0.25
#: arm swing amplitude (deg, peak to peak) and rate of the arms' slow drift (Hz)
ARM_DRIFT_DEG = 8.0
ARM_DRIFT_HZ = 0.2


@dataclass(frozen=True)
class _Arms:
    """What ``skeleton.body_points`` reads from ``model.athlete``."""

    arm_swing_deg: float


class StandingModel:
    """A standing person of ``height_m`` at ground position ``x_m`` (x forward, metres)."""

    def __init__(self, height_m: float = 1.78, x_m: float = 0.0, seed: int = 0) -> None:
        self.body: Body = body_from_height(height_m)
        self.athlete = _Arms(ARM_DRIFT_DEG)
        self.x_m = float(x_m)
        rng = np.random.default_rng(seed + 4099)
        self._phase = float(rng.uniform(0.0, 1.0))
        self.duration_s = np.inf
        self.valid_range_s = (-np.inf, np.inf)

    def _sway(self, t: np.ndarray) -> np.ndarray:
        return SWAY_M * np.sin(2 * np.pi * (SWAY_HZ * np.asarray(t, np.float64) + self._phase))

    def pelvis(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Hip mid-point (x, y) and velocity (vx, vy): still, but for the slow sway."""
        t = np.asarray(t, dtype=np.float64)
        b = self.body
        reach = _knee_distance(b, np.radians(STAND_KNEE_FLEXION_DEG))
        y = np.full_like(t, b.ankle_height_m + reach)
        x = self.x_m + self._sway(t)
        vx = 2 * np.pi * SWAY_HZ * SWAY_M * np.cos(2 * np.pi * (SWAY_HZ * t + self._phase))
        return x, y, vx, np.zeros_like(t)

    def leg(self, foot: str, t: np.ndarray) -> LegPose:
        """A straight leg from the (swaying) hip to a flat foot under the body."""
        t = np.asarray(t, dtype=np.float64)
        b = self.body
        n = t.shape[0]
        px, py, _, _ = self.pelvis(t)
        hip = np.stack([px, py], -1)
        toe_x = self.x_m + b.toe_to_ankle_m
        ankle = np.tile([self.x_m, b.ankle_height_m], (n, 1))
        toe = np.tile([toe_x, 0.0], (n, 1))
        heel = toe + np.array([-b.heel_back_m, b.heel_height_m])
        tip = toe + np.array([0.0, b.toe_tip_height_m])
        thigh, inner, knee = knee_ik(hip, ankle, b, eps=1e-9)  # knee bending forward
        return LegPose(hip, knee, ankle, heel, toe, tip, np.degrees(thigh),
                       np.degrees(np.pi - inner), np.ones(n, bool))

    def trunk_lean_deg(self, t: np.ndarray) -> np.ndarray:
        return np.zeros_like(np.asarray(t, dtype=np.float64))

    def stride_phase(self, foot: str, t: np.ndarray) -> np.ndarray:
        """Drives the arms' slow drift (``skeleton`` swings each arm with this phase)."""
        shift = 0.0 if foot == "left" else 0.5
        return (ARM_DRIFT_HZ * np.asarray(t, np.float64) + self._phase + shift) % 1.0
