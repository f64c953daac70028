"""Sagittal-plane kinematics of a sprinter, continuous in time (pure numpy).

How the motion is built, so that it is physically consistent by construction:

1. ``timeline``: every touchdown (TD) and toe-off (TO), feet alternating.
2. Pelvis forward position x(t) from the speed profile.
3. Stance: the toe tip of the stance foot is pinned to the ground at ``toe_x_m[i]`` from TD to TO
   (it never slides); the foot pivots about it (pitch profile: touchdown, mid-stance, toe-off
   values); the ankle follows from the foot; the knee from two-link inverse kinematics between
   hip and ankle. The toe is placed ``td_ahead_m`` ahead of the hip at TD, a distance chosen so
   that the hip is as high at TD as at TO of a nominal contact; with a constant speed it is the
   same for every contact, so the step length (toe to toe) equals the pelvis travel between
   touchdowns exactly.
4. Pelvis height: at each TD and TO, the height at which the stance leg has the prescribed knee
   flexion; ballistic (free fall, g) in flight; a cubic matching height and vertical velocity in
   stance. The hip-ankle distance never exceeds the leg (checked: ``max_reach_ratio``).
5. Swing: thigh angle, knee flexion and ankle plantarflexion are keyframe curves (``curves``):
   the thigh's maximum is the keyframe ``peak_thigh_deg`` at TO + recovery time exactly; the knee
   folds to ``knee_flexion_max_deg``, unfolds and extends before TD. At TO and TD the swing curves
   meet the stance pose exactly. At TO the knee and foot rates are continuous and the toe leaves
   the ground moving forward at ``TOE_OFF_TOE_VX_FRAC`` x speed and upward; at TD the toe
   arrives moving forward at ``TOUCHDOWN_TOE_VX_FRAC`` x speed (less if needed) and downward at
   >= ``TOE_VY_MIN_M_S``, the foot holding its landing angle. Each swing is checked to keep the
   foot above the ground; if the first shape does not, fuller knee folds, later extensions and
   faster landings are tried (``swing.SWING_SHAPES``); if none does, ``ConfigError``.

Angles: segment directions are measured from straight down, forward (+x) positive, in degrees
outside and radians inside. thigh = hip->knee, shank = knee->ankle = thigh - knee flexion, foot
elevation (heel->toe above horizontal) = shank - plantarflexion; foot pitch = -foot elevation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from stridecam.model.errors import ConfigError
from stridecam.simulate.anthropometry import Body, body_from_height
from stridecam.simulate.curves import Hermite, hermite
from stridecam.simulate.params import AthleteParams
from stridecam.simulate.swing import build_swings, swing_pose
from stridecam.simulate.timeline import SpeedProfile, Timeline, make_timeline, relax, speed_profile

G_M_S2 = 9.81
MAX_REACH_FRAC = 0.99
PITCH_MID_AT_CONTACT_FRAC = 0.35
#: foot pitch rates at touchdown (heel dropping) and toe-off (heel rising), deg/s
PITCH_RATE_TD_DEG_S = -700.0
PITCH_RATE_TO_DEG_S = 1600.0


@dataclass(frozen=True)
class LegPose:
    """One leg at times t: 2-D points (n, 2) in the sagittal plane (x forward, y up, metres)
    and joint angles in degrees; ``stance`` (n,) bool. ``toe`` is the sole's front tip (the
    ground pivot in stance); ``foot_index`` and ``heel`` are the landmarks."""

    hip: np.ndarray
    knee: np.ndarray
    ankle: np.ndarray
    heel: np.ndarray
    toe: np.ndarray
    foot_index: np.ndarray
    thigh_deg: np.ndarray
    knee_flexion_deg: np.ndarray
    stance: np.ndarray


def _dirv(angle_rad: np.ndarray) -> np.ndarray:
    """Unit vector at ``angle`` from straight down, forward positive: (sin a, -cos a)."""
    return np.stack([np.sin(angle_rad), -np.cos(angle_rad)], axis=-1)


def knee_ik(hip: np.ndarray, ankle: np.ndarray, body: Body, eps: float = 1e-12
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two-link inverse kinematics of the leg, knee bending forward: (thigh angle from
    vertical (rad, forward positive), inner knee angle (rad, pi = straight), knee position (m))
    for hip and ankle positions (n, 2) in metres (x forward, y up). An ankle out of reach is
    taken at full extension (``eps``)."""
    d = ankle - hip
    dist = np.hypot(d[:, 0], d[:, 1])
    lt, ls = body.thigh_m, body.shank_m
    dist = np.minimum(dist, (lt + ls) * (1 - eps))
    line = np.arctan2(d[:, 0], -d[:, 1])
    alpha = np.arccos(np.clip((lt * lt + dist**2 - ls * ls) / (2 * lt * dist), -1, 1))
    inner = np.arccos(np.clip((lt * lt + ls * ls - dist**2) / (2 * lt * ls), -1, 1))
    thigh = line + alpha
    return thigh, inner, hip + lt * _dirv(thigh)


def _knee_distance(body: Body, knee_flexion_rad: float) -> float:
    lt, ls = body.thigh_m, body.shank_m
    return float(np.sqrt(lt * lt + ls * ls + 2 * lt * ls * np.cos(knee_flexion_rad)))


class RunnerModel:
    """The sprinter's motion; ``leg(foot, t)`` and ``pelvis(t)`` evaluate it at any clip time
    inside ``valid_range_s``."""

    def __init__(self, athlete: AthleteParams, duration_s: float, seed: int) -> None:
        self.athlete = athlete.validate()
        self.body = body_from_height(athlete.height_m)
        self.duration_s = float(duration_s)
        rng = np.random.default_rng(seed)
        self.timeline: Timeline = make_timeline(athlete, duration_s, rng)
        self.speed: SpeedProfile = speed_profile(athlete)
        self._place_feet()
        self._pelvis_heights()
        self._build_swings()
        self.max_reach_ratio = self._check_reach()
        if self.max_reach_ratio > 0.999:
            raise ConfigError(
                f"athlete: the stance leg cannot reach the planted foot (hip-ankle distance "
                f"{self.max_reach_ratio:.3f} x leg length); change the contact or speed settings")

    # ------------------------------------------------------------------ geometry helpers
    def _ankle_from_toe(self, toe_x: np.ndarray, pitch_rad: np.ndarray) -> np.ndarray:
        """Ankle (n, 2) of a foot whose toe tip is on the ground at toe_x, pitched heel-up."""
        b = self.body
        gam = -np.asarray(pitch_rad)
        ef = np.stack([np.cos(gam), np.sin(gam)], -1)
        nf = np.stack([-np.sin(gam), np.cos(gam)], -1)
        toe = np.stack([np.asarray(toe_x) * np.ones_like(gam), np.zeros_like(gam)], -1)
        return toe - b.toe_to_ankle_m * ef + b.ankle_height_m * nf

    def _knee_flex_td(self, t: float) -> float:
        a = self.athlete
        return float(relax(a, t, a.start_knee_flexion_td_deg, a.knee_flexion_td_deg))

    # ------------------------------------------------------------------ 3. foot placement
    def _td_ahead(self, t_td: float, contact_s: float) -> float:
        """Toe ahead of the hip at TD for which hip height at TD equals that at TO."""
        a = self.athlete
        xs = self.speed.position(np.array([t_td, t_td + contact_s]))
        c = float(xs[1] - xs[0])  # contact length
        d_td = _knee_distance(self.body, np.radians(self._knee_flex_td(t_td)))
        d_to = _knee_distance(self.body, np.radians(a.knee_flexion_to_deg))
        an_td = self._ankle_from_toe(np.zeros(1), np.radians([a.foot_pitch_td_deg]))[0]
        an_to = self._ankle_from_toe(np.zeros(1), np.radians([a.foot_pitch_to_deg]))[0]

        def heights(d: float) -> tuple[float, float]:
            dx_td = d + an_td[0]
            dx_to = d - c + an_to[0]
            return (an_td[1] + np.sqrt(max(d_td**2 - dx_td**2, 0.0)),
                    an_to[1] + np.sqrt(max(d_to**2 - dx_to**2, 0.0)))

        lo = max(-d_td - an_td[0], c - an_to[0] - d_to) + 1e-6
        hi = min(d_td - an_td[0], c - an_to[0] + d_to) - 1e-6
        if lo >= hi:
            raise ConfigError(
                f"athlete: a contact of {c:.2f} m ({contact_s:.3f} s) is longer than the leg "
                f"({self.body.leg_length_m:.2f} m) can span; shorten contact_time_s or v_max_m_s")
        f_lo = np.subtract(*heights(lo))
        f_hi = np.subtract(*heights(hi))
        if f_lo * f_hi > 0:
            return lo if abs(f_lo) < abs(f_hi) else hi
        return float(brentq(lambda d: np.subtract(*heights(d)), lo, hi, xtol=1e-10))

    def _place_feet(self) -> None:
        a, tl = self.athlete, self.timeline
        self.td_ahead_m = np.empty(tl.n)
        for i in range(tl.n):
            tc = float(relax(a, tl.td_s[i], a.start_contact_time_s, a.contact_time_s))
            self.td_ahead_m[i] = self._td_ahead(tl.td_s[i], tc)
            self.td_ahead_m[i] += float(relax(a, tl.td_s[i], a.start_touchdown_shift_m, 0.0))
        self.toe_x_m = self.speed.position(tl.td_s) + self.td_ahead_m
        self._pitch: list[Hermite] = []
        for i in range(tl.n):
            td, to = tl.td_s[i], tl.to_s[i]
            mid = float(relax(a, td, a.start_foot_pitch_mid_deg, a.foot_pitch_mid_deg))
            self._pitch.append(hermite(
                [td, td + PITCH_MID_AT_CONTACT_FRAC * (to - td), to],
                [a.foot_pitch_td_deg, mid, a.foot_pitch_to_deg],
                [PITCH_RATE_TD_DEG_S, 0.0, PITCH_RATE_TO_DEG_S]))

    # ------------------------------------------------------------------ 4. pelvis height
    def _hip_height_for(self, i: int, t: float, knee_flex_deg: float) -> float:
        pitch = np.radians(self._pitch[i](np.array([t])))
        ankle = self._ankle_from_toe(np.array([self.toe_x_m[i]]), pitch)[0]
        dx = float(self.speed.position(np.array([t]))[0]) - ankle[0]
        reach = _knee_distance(self.body, np.radians(knee_flex_deg))
        if abs(dx) >= reach:
            raise ConfigError(
                f"athlete: contact {i} needs the hip {abs(dx):.2f} m from the ankle, beyond the "
                f"leg ({reach:.2f} m); shorten contact_time_s or lower v_max_m_s")
        return float(ankle[1] + np.sqrt(reach * reach - dx * dx))

    def _pelvis_heights(self) -> None:
        a, tl = self.athlete, self.timeline
        self.h_td = np.array([self._hip_height_for(i, tl.td_s[i], self._knee_flex_td(tl.td_s[i]))
                              for i in range(tl.n)])
        self.h_to = np.array([self._hip_height_for(i, tl.to_s[i], a.knee_flexion_to_deg)
                              for i in range(tl.n)])
        tf = tl.td_s[1:] - tl.to_s[:-1]
        self.v_up = (self.h_td[1:] - self.h_to[:-1]) / tf + G_M_S2 * tf / 2  # at TO i
        v_down = self.v_up - G_M_S2 * tf  # at TD i+1
        self.v_land = np.concatenate([[-G_M_S2 * tf[0] / 2], v_down])
        self.v_up = np.concatenate([self.v_up, [G_M_S2 * tf[-1] / 2]])
        self.sink_m = np.zeros(tl.n)
        for i in range(tl.n):
            self.sink_m[i] = self._sink_for_reach(i)

    def _sink_for_reach(self, i: int) -> float:
        """Extra mid-stance lowering of the pelvis (m, a sin^2 bump) that keeps the stance
        hip-ankle distance within MAX_REACH_FRAC of the leg (0 when already inside)."""
        tl = self.timeline
        t = np.linspace(tl.td_s[i], tl.to_s[i], 41)[1:-1]
        limit = MAX_REACH_FRAC * self.body.leg_length_m
        lo, hi = 0.0, 0.15
        if self._stance(i, t)["dist"].max() <= limit:
            return 0.0
        for _ in range(40):
            mid = 0.5 * (lo + hi)
            self.sink_m[i] = mid
            if self._stance(i, t)["dist"].max() <= limit:
                hi = mid
            else:
                lo = mid
        return hi

    def pelvis(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Hip mid-point (x, y) and velocity (vx, vy) at times t (m, m/s)."""
        t = np.asarray(t, dtype=np.float64)
        tl = self.timeline
        i = np.clip(np.searchsorted(tl.td_s, t, side="right") - 1, 0, tl.n - 1)
        td, to = tl.td_s[i], tl.to_s[i]
        stance = t <= to
        # stance: cubic Hermite in time
        h = to - td
        s = np.clip((t - td) / h, 0.0, 1.0)
        y0, y1, m0, m1 = self.h_td[i], self.h_to[i], self.v_land[i] * h, self.v_up[i] * h
        s2, s3 = s * s, s * s * s
        sink = self.sink_m[i]
        ys = (2 * s3 - 3 * s2 + 1) * y0 + (s3 - 2 * s2 + s) * m0 + (3 * s2 - 2 * s3) * y1 \
            + (s3 - s2) * m1 - sink * np.sin(np.pi * s) ** 2
        vs = ((6 * s2 - 6 * s) * y0 + (3 * s2 - 4 * s + 1) * m0 + (6 * s - 6 * s2) * y1
              + (3 * s2 - 2 * s) * m1 - sink * np.pi * np.sin(2 * np.pi * s)) / h
        # flight: ballistic from TO i
        tau = t - to
        yf = self.h_to[i] + self.v_up[i] * tau - 0.5 * G_M_S2 * tau * tau
        vf = self.v_up[i] - G_M_S2 * tau
        y = np.where(stance, ys, yf)
        vy = np.where(stance, vs, vf)
        return self.speed.position(t), y, self.speed.speed(t), vy

    # ------------------------------------------------------------------ stance leg
    def _stance(self, i: int, t: np.ndarray) -> dict[str, np.ndarray]:
        b = self.body
        px, py, _, _ = self.pelvis(t)
        hip = np.stack([px, py], -1)
        phi_deg, dphi_deg = self._pitch[i].evaluate(t)
        gam = -np.radians(phi_deg)
        ankle = self._ankle_from_toe(np.full_like(t, self.toe_x_m[i]), -gam)
        d = ankle - hip
        dist = np.hypot(d[:, 0], d[:, 1])
        thigh, inner, knee = knee_ik(hip, ankle, b)
        kflex = np.pi - inner
        return {"hip": hip, "knee": knee, "ankle": ankle, "thigh": thigh, "kflex": kflex,
                "gamma": gam, "dgamma": -np.radians(dphi_deg), "dist": dist}

    # ------------------------------------------------------------------ 5. swing (swing.py)
    def _build_swings(self) -> None:
        self._swings = build_swings(self)

    def _swing(self, i: int, t: np.ndarray) -> dict[str, np.ndarray]:
        return swing_pose(self, i, t)

    # ------------------------------------------------------------------ evaluation
    @property
    def valid_range_s(self) -> tuple[float, float]:
        tl = self.timeline
        return float(tl.to_s[1]), float(tl.td_s[-1])

    def leg(self, foot: str, t: np.ndarray) -> LegPose:
        """The leg of ``foot`` at clip times ``t`` (inside ``valid_range_s``)."""
        t = np.asarray(t, dtype=np.float64)
        lo, hi = self.valid_range_s
        if t.size and (t.min() < lo or t.max() > hi):
            raise ValueError(f"times {t.min():.3f}..{t.max():.3f} s outside {lo:.3f}..{hi:.3f}")
        b, tl = self.body, self.timeline
        n = t.shape[0]
        out: dict[str, np.ndarray] = {k: np.full((n, 2), np.nan) for k in ("hip", "knee", "ankle")}
        out.update({k: np.full(n, np.nan) for k in ("thigh", "kflex", "gamma")})
        stance = np.zeros(n, bool)
        mine = np.array([f == foot for f in tl.foot])
        for i in map(int, np.flatnonzero(mine)):
            m_st = (t >= tl.td_s[i]) & (t <= tl.to_s[i])
            if m_st.any():
                r = self._stance(i, t[m_st])
                for k in out:
                    out[k][m_st] = r[k]
                stance |= m_st
            if i + 2 < tl.n:
                m_sw = (t > tl.to_s[i]) & (t < tl.td_s[i + 2])
                if m_sw.any():
                    r = self._swing(i, t[m_sw])
                    for k in out:
                        out[k][m_sw] = r[k]
        gam = out["gamma"]
        ef = np.stack([np.cos(gam), np.sin(gam)], -1)
        nf = np.stack([-np.sin(gam), np.cos(gam)], -1)
        toe = out["ankle"] + b.toe_to_ankle_m * ef - b.ankle_height_m * nf
        heel = toe - b.heel_back_m * ef + b.heel_height_m * nf
        tip = toe + b.toe_tip_height_m * nf
        return LegPose(out["hip"], out["knee"], out["ankle"], heel, toe, tip,
                       np.degrees(out["thigh"]), np.degrees(out["kflex"]), stance)

    def _check_reach(self) -> float:
        """Largest stance hip-ankle distance / leg length over contacts touching the clip."""
        tl = self.timeline
        worst = 0.0
        for i in map(int, np.flatnonzero((tl.to_s >= 0) & (tl.td_s <= self.duration_s))):
            t = np.linspace(tl.td_s[i], tl.to_s[i], 41)
            d = self._stance(i, t)["dist"]
            worst = max(worst, float(d.max() / self.body.leg_length_m))
        return worst

    def trunk_lean_deg(self, t: np.ndarray) -> np.ndarray:
        a = self.athlete
        return relax(a, np.asarray(t, dtype=np.float64), a.start_trunk_lean_deg, a.trunk_lean_deg)

    def stride_phase(self, foot: str, t: np.ndarray) -> np.ndarray:
        """Fraction (0..1) of the stride of ``foot`` elapsed at t (0 at its touchdowns)."""
        tl = self.timeline
        tds = tl.td_s[np.array([f == foot for f in tl.foot])]
        j = np.clip(np.searchsorted(tds, t, side="right") - 1, 0, len(tds) - 2)
        return (np.asarray(t) - tds[j]) / (tds[j + 1] - tds[j])
