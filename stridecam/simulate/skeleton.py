"""Whole-body 3-D points (the 33 MediaPipe landmarks and a few drawing points) from the model.

World frame: metres, x forward (running direction), y up, z to the athlete's right; ground y = 0.
Each leg moves in its own sagittal plane (z = +-hip half-width). The trunk leans forward by
``trunk_lean_deg``; arms swing opposite to the legs (each arm follows the other leg's stride
phase). Face points sit on a head whose axis leans with the trunk (60% of its lean).

Landmark placement follows MediaPipe's meaning: hip/knee/ankle/shoulder/elbow/wrist at the joint
centres, heel at the back of the shoe, foot_index at the toe tip, pinky/index at the knuckles,
thumb at its middle joint, ears at the ear canals, eyes on the face surface.
"""

from __future__ import annotations

import numpy as np

from stridecam.model.landmarks import IDX, N_LANDMARKS
from stridecam.simulate.runner import LegPose, RunnerModel

#: Arm swing: shoulder flexion relative to the trunk = mid + amp cos(2 pi (phase + lead)),
#: phase = stride phase of the opposite leg (0 at its touchdown).
ARM_MID_DEG = 8.0
ARM_PHASE_LEAD = 0.12
ELBOW_MID_DEG = 72.0
ELBOW_AMP_DEG = 20.0
HEAD_LEAN_FRAC = 0.6


def _p3(xy: np.ndarray, z: float) -> np.ndarray:
    return np.concatenate([xy, np.full((xy.shape[0], 1), z)], axis=1)


def _dir(angle_rad: np.ndarray) -> np.ndarray:
    """(n, 2) unit vectors at ``angle`` from straight down, forward positive."""
    return np.stack([np.sin(angle_rad), -np.cos(angle_rad)], -1)


def body_points(model: RunnerModel, t: np.ndarray) -> dict[str, np.ndarray]:
    """Named 3-D points (n, 3) at clip times ``t``: every landmark name of
    ``stridecam.model.landmarks.NAMES`` plus drawing points ``pelvis``, ``shoulder_mid``, ``neck``,
    ``head_center``, ``head_top``, ``chin`` and per-side ``{side}_sole_tip`` / ``{side}_hand_tip``;
    and (n,) arrays ``trunk_lean_deg``, ``head_tilt_deg``."""
    t = np.asarray(t, dtype=np.float64)
    b = model.body
    s = b.height_m / 1.80  # scale of the small face/hand offsets below (given for 1.80 m)
    pts: dict[str, np.ndarray] = {}
    px, py, _, _ = model.pelvis(t)
    pelvis = np.stack([px, py], -1)
    legs: dict[str, LegPose] = {side: model.leg(side, t) for side in ("left", "right")}
    zsign = {"left": -1.0, "right": 1.0}
    for side, leg in legs.items():
        z = zsign[side] * b.hip_half_width_m
        pts[f"{side}_hip"] = _p3(leg.hip, z)
        pts[f"{side}_knee"] = _p3(leg.knee, z)
        pts[f"{side}_ankle"] = _p3(leg.ankle, z)
        pts[f"{side}_heel"] = _p3(leg.heel, z)
        pts[f"{side}_foot_index"] = _p3(leg.foot_index, z)
        pts[f"{side}_sole_tip"] = _p3(leg.toe, z)
    # trunk
    lean = np.radians(model.trunk_lean_deg(t))
    up_t = np.stack([np.sin(lean), np.cos(lean)], -1)  # hip mid -> shoulder mid
    sh_mid = pelvis + b.trunk_m * up_t
    pts["pelvis"] = _p3(pelvis, 0.0)
    pts["shoulder_mid"] = _p3(sh_mid, 0.0)
    # head
    tilt = lean * HEAD_LEAN_FRAC
    up_h = np.stack([np.sin(tilt), np.cos(tilt)], -1)
    fw_h = np.stack([np.cos(tilt), -np.sin(tilt)], -1)
    neck = sh_mid + 0.035 * s * up_h
    ear_c = sh_mid + b.neck_to_ear_m * up_h + 0.005 * s * fw_h
    pts["neck"] = _p3(neck, 0.0)
    pts["head_center"] = _p3(ear_c + 0.02 * s * fw_h + 0.015 * s * up_h, 0.0)
    pts["head_top"] = _p3(ear_c + 0.125 * s * up_h, 0.0)
    pts["chin"] = _p3(ear_c + 0.075 * s * fw_h - 0.085 * s * up_h, 0.0)

    def face(fwd: float, up: float) -> np.ndarray:
        return ear_c + fwd * s * fw_h + up * s * up_h

    pts["nose"] = _p3(face(0.119, -0.018), 0.0)
    for side in ("left", "right"):
        zs = zsign[side]
        pts[f"{side}_eye_inner"] = _p3(face(0.092, 0.020), zs * 0.016 * s)
        pts[f"{side}_eye"] = _p3(face(0.084, 0.021), zs * 0.032 * s)
        pts[f"{side}_eye_outer"] = _p3(face(0.074, 0.021), zs * 0.047 * s)
        pts[f"{side}_ear"] = _p3(face(0.0, 0.0), zs * 0.075 * s)
        pts[f"mouth_{side}"] = _p3(face(0.088, -0.054), zs * 0.024 * s)
    # arms: each follows the opposite leg's stride phase
    for side, other in (("left", "right"), ("right", "left")):
        zs = zsign[side]
        phase = model.stride_phase(other, t)
        c = np.cos(2 * np.pi * (phase + ARM_PHASE_LEAD))
        amp = np.radians(model.athlete.arm_swing_deg / 2)
        shoulder_flex = np.radians(ARM_MID_DEG) + amp * c
        elbow_flex = np.radians(ELBOW_MID_DEG + ELBOW_AMP_DEG * c)
        upper = lean + shoulder_flex  # from straight down, forward +
        fore = upper + elbow_flex
        sh = sh_mid
        el = sh + b.upper_arm_m * _dir(upper)
        wr = el + b.forearm_m * _dir(fore)
        hand = _dir(fore + np.radians(15.0))
        palm = _dir(fore + np.radians(15.0) + np.pi / 2)
        pts[f"{side}_shoulder"] = _p3(sh, zs * b.shoulder_half_width_m)
        pts[f"{side}_elbow"] = _p3(el, zs * (b.shoulder_half_width_m + 0.01 * s))
        pts[f"{side}_wrist"] = _p3(wr, zs * (b.shoulder_half_width_m - 0.02 * s))
        pts[f"{side}_index"] = _p3(wr + 0.085 * s * hand + 0.01 * s * palm,
                                   zs * (b.shoulder_half_width_m - 0.04 * s))
        pts[f"{side}_pinky"] = _p3(wr + 0.075 * s * hand - 0.005 * s * palm,
                                   zs * (b.shoulder_half_width_m - 0.0 * s))
        pts[f"{side}_thumb"] = _p3(wr + 0.045 * s * hand + 0.03 * s * palm,
                                   zs * (b.shoulder_half_width_m - 0.05 * s))
        pts[f"{side}_hand_tip"] = _p3(wr + b.hand_m * 2.0 * hand, zs * (b.shoulder_half_width_m
                                                                      - 0.03 * s))
    pts["trunk_lean_deg"] = np.degrees(lean)
    pts["head_tilt_deg"] = np.degrees(tilt)
    return pts


def landmarks_world(points: dict[str, np.ndarray]) -> np.ndarray:
    """(n, 33, 3) array of the 33 landmarks in MediaPipe order from ``body_points``."""
    n = points["nose"].shape[0]
    out = np.empty((n, N_LANDMARKS, 3))
    for name, i in IDX.items():
        out[:, i] = points[name]
    return out
