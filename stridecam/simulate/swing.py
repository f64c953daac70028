"""Swing phase of the sprinter model: keyframed thigh, knee and ankle curves between a toe-off
and the next touchdown of the same foot, their boundary conditions and the ground-clearance
check (see ``runner`` for the whole construction). Functions take the ``RunnerModel``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from stridecam.model.errors import ConfigError
from stridecam.simulate.curves import Hermite, hermite

if TYPE_CHECKING:  # pragma: no cover
    from stridecam.simulate.runner import RunnerModel

TOE_OFF_TOE_VX_FRAC = 0.10
TOUCHDOWN_TOE_VX_FRAC = 0.15
KNEE_MAX_AT_RECOVERY_FRAC = 0.42
#: swing shapes tried in turn until the foot clears the ground: (least downward toe speed at
#: touchdown m/s, share of the knee fold kept at peak knee drive, share of the descent left
#: when the knee is most extended)
SWING_SHAPES = tuple((vy, fold, ext) for vy in (0.4, 0.8, 1.3)
                     for fold, ext in ((0.75, 0.2), (0.85, 0.15), (0.95, 0.1), (1.0, 0.06)))
MIN_DRIVE_ABOVE_TD_DEG = 12.0
KNEE_EXTENSION_BEFORE_TD_DEG = 8.0
#: swing ankle plantarflexion (deg): trailing just after toe-off, at peak knee flexion, at peak
#: thigh flexion (toe up)
SWING_PLANTAR_DEG = (35.0, 22.0, 2.0)
#: swing-side knee flexion rate arriving at touchdown, deg/s
KNEE_RATE_AT_TD_DEG_S = 150.0
#: least vertical toe speed leaving the ground at TO and arriving at TD (m/s)
TOE_VY_MIN_M_S = 0.4
MAX_RETRACTION_DEG_S = 900.0


def _dirv(angle_rad: np.ndarray) -> np.ndarray:
    return np.stack([np.sin(angle_rad), -np.cos(angle_rad)], axis=-1)


def boundary(model: RunnerModel, i: int, t: float, side: str, toe_vx: float,
              toe_vy_min: float = 0.0) -> dict[str, float]:
    """Swing-side angles and rates at the TO (side='to') or TD (side='td') of contact i.

    The foot's rotation rate is continuous at TO and zero at TD; the knee rate is continuous
    at TO and
    ``KNEE_RATE_AT_TD_DEG_S`` at TD; the thigh rate gives the toe the forward velocity
    ``toe_vx``. If that would not lift the toe off (TO) or bring it down (TD) at least
    ``toe_vy_min`` (at least ``TOE_VY_MIN_M_S``), that vertical velocity is imposed instead
    (knee rate free at TO, forward velocity free at TD)."""
    b = model.body
    eps = 1e-6
    tt = np.array([t - eps, t]) if side == "to" else np.array([t, t + eps])
    st = model._stance(i, tt)
    k = 1 if side == "to" else 0
    thigh, kflex, gam = st["thigh"][k], st["kflex"][k], st["gamma"][k]
    dk = max((st["kflex"][1] - st["kflex"][0]) / eps, 0.0)
    if side == "td":
        dk = np.radians(KNEE_RATE_AT_TD_DEG_S)
    dgam = st["dgamma"][k] if side == "to" else 0.0  # the foot lands with a steady angle
    psi = thigh - kflex
    lt, ls, a_, h_ = b.thigh_m, b.shank_m, b.toe_to_ankle_m, b.ankle_height_m
    w = np.array([-a_ * np.sin(gam) + h_ * np.cos(gam), a_ * np.cos(gam) + h_ * np.sin(gam)])
    _, _, vx, vy = model.pelvis(np.array([t]))
    # toe velocity = hip + A dthigh - B dk + w dgam  (x and y rows)
    a_row = np.array([lt * np.cos(thigh) + ls * np.cos(psi), lt * np.sin(thigh)
                      + ls * np.sin(psi)])
    b_row = np.array([ls * np.cos(psi), ls * np.sin(psi)])
    rhs_x = toe_vx - vx[0] - dgam * w[0]
    dthigh = (rhs_x + b_row[0] * dk) / a_row[0]
    toe_vy = vy[0] + a_row[1] * dthigh - b_row[1] * dk + w[1] * dgam
    vmin = max(toe_vy_min, TOE_VY_MIN_M_S)
    if side == "to" and toe_vy < vmin:
        rhs_y = vmin - vy[0] - dgam * w[1]
        m = np.array([[a_row[0], -b_row[0]], [a_row[1], -b_row[1]]])
        dthigh, dk = np.linalg.solve(m, np.array([rhs_x, rhs_y]))
    elif side == "td" and toe_vy > -vmin:
        rhs_y = -vmin - vy[0] - dgam * w[1]
        dthigh_y = (rhs_y + b_row[1] * dk) / a_row[1] if a_row[1] > 1e-3 else -np.inf
        if dthigh_y > -np.radians(MAX_RETRACTION_DEG_S):
            dthigh = dthigh_y  # faster thigh retraction brings the toe down
        else:  # leg under the hip: the knee must extend to bring the toe down
            m = np.array([[a_row[0], -b_row[0]], [a_row[1], -b_row[1]]])
            dthigh, dk = np.linalg.solve(m, np.array([rhs_x, rhs_y]))
    dpsi = dthigh - dk
    return {"thigh": thigh, "dthigh": dthigh, "kflex": kflex, "dkflex": dk,
            "plantar": psi - gam, "dplantar": dpsi - dgam}


def build_swings(model: RunnerModel) -> dict[int, tuple[Hermite, Hermite, Hermite]]:
    """The swing curves of every toe-off that has a next touchdown of the same foot."""
    tl = model.timeline
    swings: dict[int, tuple[Hermite, Hermite, Hermite]] = {}
    model._swings = swings
    for i in range(tl.n - 2):
        seen = tl.td_s[i + 2] > 0 and tl.to_s[i] < model.duration_s
        for vy_td, fold, ext in SWING_SHAPES:
            model._swings[i] = swing_curves(model, i, fold, ext, vy_td)
            if not seen or swing_clearance(model, i) > 0:
                break
        else:
            raise ConfigError(
                f"athlete: the {tl.foot[i]} swing foot after toe-off at {tl.to_s[i]:.2f} s "
                f"would touch the ground; raise peak_thigh_flexion_deg or "
                f"knee_flexion_max_deg, or shorten contact_time_s")
    return swings


def swing_clearance(model: RunnerModel, i: int) -> float:
    """Lowest height (m) of the toe tip, toe landmark and heel inside swing i."""
    tl = model.timeline
    t = np.linspace(tl.to_s[i], tl.td_s[i + 2], 400)[1:-1]
    r = swing_pose(model, i, t)
    b = model.body
    gam = r["gamma"]
    ef = np.stack([np.cos(gam), np.sin(gam)], -1)
    nf = np.stack([-np.sin(gam), np.cos(gam)], -1)
    toe = r["ankle"] + b.toe_to_ankle_m * ef - b.ankle_height_m * nf
    heel = toe - b.heel_back_m * ef + b.heel_height_m * nf
    sole_back = toe - b.foot_length_m * ef
    return float(min(toe[:, 1].min(), heel[:, 1].min(), sole_back[:, 1].min()))


def swing_curves(model: RunnerModel, i: int, fold: float, ext: float,
                  vy_td: float) -> tuple[Hermite, Hermite, Hermite]:
    """Thigh, knee and plantarflexion curves of the swing after toe-off i. ``fold``: how
    much of the peak knee flexion is kept at peak knee drive (0..1); ``ext``: fraction of
    the descent (peak knee drive to TD) left when the knee is most extended; ``vy_td``:
    least downward toe speed at touchdown (m/s)."""
    a, tl = model.athlete, model.timeline
    to, td = tl.to_s[i], tl.td_s[i + 2]
    v_to = float(model.speed.speed(np.array([to]))[0])
    v_td = float(model.speed.speed(np.array([td]))[0])
    s0 = boundary(model, i, to, "to", TOE_OFF_TOE_VX_FRAC * v_to)
    s1 = boundary(model, i + 2, td, "td", TOUCHDOWN_TOE_VX_FRAC * v_td, vy_td)
    peak = np.radians(tl.peak_thigh_deg[i])
    if peak < s1["thigh"] + np.radians(MIN_DRIVE_ABOVE_TD_DEG) and td > 0 \
            and to < model.duration_s:
        raise ConfigError(
            f"athlete: knee drive {np.degrees(peak):.0f} deg is under "
            f"{MIN_DRIVE_ABOVE_TD_DEG:.0f} deg above the touchdown thigh angle "
            f"({np.degrees(s1['thigh']):.0f} deg); raise peak_thigh_flexion_deg or "
            f"shorten the contact (contact_time_s x v_max_m_s)")
    rec = min(tl.recovery_s[i], 0.75 * (td - to))
    t_pk = to + rec
    t_kmax = to + KNEE_MAX_AT_RECOVERY_FRAC * rec
    t_ext = td - ext * (td - t_pk)
    thigh = hermite([to, t_pk, td], [s0["thigh"], peak, s1["thigh"]],
                    [s0["dthigh"], 0.0, s1["dthigh"]])
    kmax = np.radians(a.knee_flexion_max_deg)
    k_pk = kmax - (1.0 - fold) * (kmax - s0["kflex"])
    k_ext = max(np.radians(3.0), s1["kflex"] - np.radians(KNEE_EXTENSION_BEFORE_TD_DEG))
    if s1["dkflex"] >= 0:  # knee extends before TD, then starts to flex
        knee = hermite([to, t_kmax, t_pk, t_ext, td],
                       [s0["kflex"], kmax, k_pk, k_ext, s1["kflex"]],
                       [s0["dkflex"], 0.0, None, 0.0, s1["dkflex"]])
    else:  # still extending at TD (foot landing under the hip)
        knee = hermite([to, t_kmax, t_pk, td], [s0["kflex"], kmax, k_pk, s1["kflex"]],
                       [s0["dkflex"], 0.0, None, s1["dkflex"]])
    # plantarflexion: trailing after TO, toe up at peak knee drive, and from the knee's
    # last extension on the foot already holds its landing angle (world frame)
    t_trail = to + 0.2 * rec
    th_e, dth_e = thigh.evaluate(np.array([t_ext]))
    kn_e, dkn_e = knee.evaluate(np.array([t_ext]))
    psi_e, dpsi_e = th_e[0] - kn_e[0], dth_e[0] - dkn_e[0]
    gam_td = s1["thigh"] - s1["kflex"] - s1["plantar"]
    plantar = hermite([to, t_trail, t_kmax, t_pk, t_ext, td],
                      [s0["plantar"], max(s0["plantar"], np.radians(SWING_PLANTAR_DEG[0])),
                       np.radians(SWING_PLANTAR_DEG[1]),
                       np.radians(SWING_PLANTAR_DEG[2] - (25.0 if vy_td > 1.0 else 0.0)),
                       psi_e - gam_td, s1["plantar"]],
                      [s0["dplantar"], None, None, None, dpsi_e, s1["dplantar"]])
    return thigh, knee, plantar


def swing_pose(model: RunnerModel, i: int, t: np.ndarray) -> dict[str, np.ndarray]:
    b = model.body
    thigh_c, knee_c, plant_c = model._swings[i]
    thigh, kflex, plant = thigh_c(t), knee_c(t), plant_c(t)
    px, py, _, _ = model.pelvis(t)
    hip = np.stack([px, py], -1)
    knee = hip + b.thigh_m * _dirv(thigh)
    psi = thigh - kflex
    ankle = knee + b.shank_m * _dirv(psi)
    gam = psi - plant
    return {"hip": hip, "knee": knee, "ankle": ankle, "thigh": thigh, "kflex": kflex,
            "gamma": gam}
