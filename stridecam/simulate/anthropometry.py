"""Segment lengths and body widths from standing height.

Lengths follow the classic proportional body model (segment length as a fraction of standing
height H; D. A. Winter, *Biomechanics and Motor Control of Human Movement*): thigh 0.245 H,
shank 0.246 H, hip height 0.530 H, shoulder height 0.818 H, upper arm 0.186 H, forearm 0.146 H,
foot length 0.152 H, ankle height 0.039 H. A shoe adds ``SHOE_SOLE_M`` under the foot and
``SHOE_EXTRA_LENGTH_M`` to its length. Lateral widths (z) and radii are for drawing and for the
out-of-plane landmark offsets.

Foot geometry (in the foot's own frame: origin at the front tip of the shoe's sole, u forward
along the sole, n up from the sole): ankle joint at (-toe_to_ankle_m, ankle_height_m); heel
landmark (back of the heel) at (-heel_back_m, heel_height_m); foot_index landmark (toe tip) at
(0, toe_tip_height_m), the front of the toe box. The sole's front tip is the ground pivot in
stance (it does not move from touchdown to toe-off).
"""

from __future__ import annotations

from dataclasses import dataclass

SHOE_SOLE_M = 0.02
SHOE_EXTRA_LENGTH_M = 0.02


@dataclass(frozen=True)
class Body:
    """Segment lengths (m) of one athlete; ``leg_length_m`` = hip to ankle, standing."""

    height_m: float
    thigh_m: float
    shank_m: float
    foot_length_m: float
    toe_to_ankle_m: float
    ankle_height_m: float
    heel_height_m: float
    heel_back_m: float
    toe_tip_height_m: float
    trunk_m: float  # hip joint mid-point to shoulder joint mid-point
    upper_arm_m: float
    forearm_m: float
    hand_m: float
    neck_to_ear_m: float  # shoulder mid-point to ear level along the head axis
    hip_half_width_m: float
    shoulder_half_width_m: float
    head_radius_m: float

    @property
    def leg_length_m(self) -> float:
        return self.thigh_m + self.shank_m

    @property
    def standing_hip_height_m(self) -> float:
        return self.leg_length_m + self.ankle_height_m

    def to_dict(self) -> dict[str, float]:
        d = {k: float(v) for k, v in self.__dict__.items()}
        d["leg_length_m"] = self.leg_length_m
        d["standing_hip_height_m"] = self.standing_hip_height_m
        return d


def body_from_height(height_m: float) -> Body:
    """Segment lengths for a standing height (metres), shoes on."""
    h = float(height_m)
    foot = 0.152 * h + SHOE_EXTRA_LENGTH_M
    heel_to_ankle = 0.036 * h
    return Body(
        height_m=h,
        thigh_m=0.245 * h,
        shank_m=0.246 * h,
        foot_length_m=foot,
        toe_to_ankle_m=foot - heel_to_ankle,
        ankle_height_m=0.039 * h + SHOE_SOLE_M,
        heel_height_m=0.012 * h + SHOE_SOLE_M * 0.5,
        heel_back_m=foot - 0.008 * h / 1.8,
        toe_tip_height_m=0.015 * h / 1.8,
        trunk_m=0.288 * h,
        upper_arm_m=0.186 * h,
        forearm_m=0.146 * h,
        hand_m=0.05 * h,
        neck_to_ear_m=0.10 * h,
        hip_half_width_m=0.05 * h,
        shoulder_half_width_m=0.105 * h,
        head_radius_m=0.058 * h,
    )
