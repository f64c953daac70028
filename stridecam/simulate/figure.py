"""Draw a solid, shaded humanoid from the 3-D body points projected by the camera (OpenCV).

Every shape is built in 3-D (limb radii in metres at the joints, the torso and head outlines in
the athlete's sagittal plane, the shoes in the foot's plane) and projected with the camera, so
perspective and size are consistent with the landmarks. Limbs are tapered capsules shaded in
three bands (shadow, base, highlight) towards the light (from above); far-side limbs are drawn
first and darker. Clothing: singlet, shorts, shoes with soles; head with hair, ear, eye,
brow, nose and mouth (colours: ``Look``, from the named kits and skin tones of ``looks``).

Drawing works on RGB images and on premultiplied RGBA layers (OpenCV's anti-aliased fill blends
every channel, so coverage lands in alpha), which the renderer averages over sub-frame times for
motion blur. ``draw_shadows`` casts the body (capsules) onto the ground along the sun and marks
the feet's contact shadows, into masks the renderer softens and applies.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from stridecam.simulate.anthropometry import Body

SHIFT = 4  # fixed-point bits for sub-pixel OpenCV drawing
_SCALE = float(1 << SHIFT)
#: direction of the light in the image (from above, slightly right) for the shaded shapes
_LIGHT = np.array([0.35, -1.0])
_LIGHT.flags.writeable = False


@dataclass(frozen=True)
class Look:
    """Colours (RGB) of the athlete (``athlete_look`` makes one from a named kit and skin)."""

    skin: tuple[int, int, int] = (176, 120, 88)
    hair: tuple[int, int, int] = (34, 26, 22)
    singlet: tuple[int, int, int] = (30, 80, 200)
    shorts: tuple[int, int, int] = (28, 28, 36)
    shoe: tuple[int, int, int] = (240, 90, 30)
    sole: tuple[int, int, int] = (235, 235, 235)
    far_shade: float = 0.72


def athlete_look(kit: str, skin_tone: str) -> Look:
    """The ``Look`` of a kit of ``looks.KITS`` worn by a skin tone of ``looks.SKIN_TONES``."""
    from stridecam.simulate.looks import KITS, SKIN_TONES

    k = KITS[kit]
    skin, hair = SKIN_TONES[skin_tone]
    return Look(skin=skin, hair=hair, singlet=k.singlet, shorts=k.shorts, shoe=k.shoe,
                sole=k.sole)


def _c(col: tuple[int, int, int], k: float = 1.0) -> tuple[int, int, int]:
    r, g, b = (min(255, max(0, int(v * k))) for v in col)
    return r, g, b


def _fix(p: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(p) * _SCALE).astype(np.int32)


def _opaque(img: np.ndarray, colour):
    """An RGB colour made opaque on a 4-channel (premultiplied RGBA) layer."""
    if img.ndim == 3 and img.shape[2] == 4 and len(colour) == 3:
        return (*colour, 255)
    return colour


def fill_poly(img: np.ndarray, pts: np.ndarray, colour) -> None:
    cv2.fillPoly(img, [_fix(pts).reshape(-1, 1, 2)], _opaque(img, colour), cv2.LINE_AA, SHIFT)


def fill_circle(img: np.ndarray, c: np.ndarray, r: float, colour) -> None:
    cv2.circle(img, (int(round(float(c[0]) * _SCALE)), int(round(float(c[1]) * _SCALE))),
               int(max(r, 0.5) * _SCALE), _opaque(img, colour), -1, cv2.LINE_AA, SHIFT)


def capsule(img: np.ndarray, p1: np.ndarray, p2: np.ndarray, r1: float, r2: float,
            colour) -> None:
    """A tapered limb: circles of radius r1 at p1 and r2 at p2 joined by their tangents."""
    x1, y1, x2, y2 = float(p1[0]), float(p1[1]), float(p2[0]), float(p2[1])
    r1, r2 = float(r1), float(r2)
    length = math.hypot(x2 - x1, y2 - y1)
    colour = _opaque(img, colour)
    if length < 1e-6:
        fill_circle(img, p1, max(r1, r2), colour)
        return
    ux, uy = (x2 - x1) / length, (y2 - y1) / length
    sin_a = min(max((r1 - r2) / length, -0.99), 0.99)
    cos_a = math.sqrt(1 - sin_a * sin_a)
    # n1, n2: the tangent points' directions, either side of the axis
    n1x, n1y = -uy * cos_a + ux * sin_a, ux * cos_a + uy * sin_a
    n2x, n2y = uy * cos_a + ux * sin_a, -ux * cos_a + uy * sin_a
    s = _SCALE
    poly = np.array([[x1 + r1 * n1x, y1 + r1 * n1y], [x2 + r2 * n1x, y2 + r2 * n1y],
                     [x2 + r2 * n2x, y2 + r2 * n2y], [x1 + r1 * n2x, y1 + r1 * n2y]]) * s
    cv2.fillPoly(img, [np.round(poly).astype(np.int32).reshape(-1, 1, 2)], colour, cv2.LINE_AA,
                 SHIFT)
    for x, y, r in ((x1, y1, r1), (x2, y2, r2)):
        cv2.circle(img, (int(round(x * s)), int(round(y * s))), int(max(r, 0.5) * s), colour, -1,
                   cv2.LINE_AA, SHIFT)


def shaded_capsule(img, p1, p2, r1, r2, colour, light: np.ndarray = _LIGHT) -> None:
    """A capsule in three bands: dark rim, base colour, highlight towards ``light``."""
    shaded_chain(img, [(p1, p2, r1, r2)], colour, light)


def shaded_chain(img, segments, colour, light: np.ndarray = _LIGHT) -> None:
    """Joined capsules (p1, p2, r1, r2) shaded as one limb: every segment's rim first, then
    every base band, then every highlight, so no seams show at the joints."""
    bands = ((0.72, 0.0, 1.0), (1.0, 0.18, 0.78), (1.16, 0.42, 0.32))
    for shade, shift, scale in bands:
        for p1, p2, r1, r2 in segments:
            d = p2 - p1
            length = float(np.hypot(*d)) + 1e-9
            nrm = np.array([-d[1], d[0]]) / length
            if nrm @ light < 0:
                nrm = -nrm
            capsule(img, p1 + nrm * shift * r1, p2 + nrm * shift * r2, scale * r1, scale * r2,
                    _c(colour, shade))


def shaded_poly(img, pts: np.ndarray, colour, light: np.ndarray = _LIGHT,
                highlight: bool = True) -> None:
    """A polygon with a darker outline band and a lighter inset towards the light."""
    fill_poly(img, pts, _c(colour, 0.75))
    c = pts.mean(axis=0)
    size = float(np.ptp(pts, axis=0).max()) + 1e-9
    inner = c + (pts - c) * 0.86 + light / np.hypot(*light) * 0.03 * size
    fill_poly(img, inner, _c(colour))
    if not highlight:
        return
    hi = c + (pts - c) * 0.45 + light / np.hypot(*light) * 0.2 * size
    fill_poly(img, hi, _c(colour, 1.12))


# ---------------------------------------------------------------------- the athlete
#: limb radii (m) for a 1.80 m athlete, scaled with height
R = {"thigh_hip": 0.088, "thigh_knee": 0.054, "quad": 0.078, "shank_knee": 0.051,
     "calf": 0.061, "ankle": 0.032, "upper_arm": 0.05, "elbow": 0.037, "wrist": 0.026,
     "hand": 0.042, "neck": 0.055}

#: torso outline (s up the trunk from the hip mid-point, front, back) in metres at 1.80 m
TORSO = ((-0.10, 0.05, -0.09), (0.0, 0.095, -0.13), (0.12, 0.10, -0.095), (0.26, 0.13, -0.10),
         (0.40, 0.125, -0.11), (0.49, 0.08, -0.09), (0.545, 0.045, -0.045))
SHORTS_TOP = 0.10

#: shoe outline in the foot frame (along the sole from the toe tip, up from the sole), metres
SHOE = ((0.006, 0.02), (0.004, 0.008), (-0.012, 0.0), (-0.27, 0.0), (-0.29, 0.01),
        (-0.296, 0.03), (-0.293, 0.07), (-0.28, 0.098), (-0.24, 0.116), (-0.19, 0.113),
        (-0.15, 0.094), (-0.09, 0.07), (-0.04, 0.058), (-0.01, 0.045))
SOLE_M = 0.02


class Projector:
    """Projects world points at one frame of a ``CameraTrack``; ``px(m, depth)`` sizes."""

    def __init__(self, track, i: int, origin_px: tuple[float, float] = (0.0, 0.0)) -> None:
        """``origin_px``: image pixel that is (0, 0) of the target (the corner of a crop)."""
        self.c = track.center_m
        self.r, self.u, self.f = track.right[i], track.up[i], track.forward[i]
        self.fpx = track.f_px
        self.cx, self.cy = track.cx_px - origin_px[0], track.cy_px - origin_px[1]

    def __call__(self, p: np.ndarray) -> np.ndarray:
        d = np.atleast_2d(p) - self.c
        z = d @ self.f
        return np.stack([self.cx + self.fpx * (d @ self.r) / z,
                         self.cy - self.fpx * (d @ self.u) / z], -1)

    def radius(self, p: np.ndarray, r_m: float) -> float:
        return float(self.fpx * r_m / ((np.asarray(p) - self.c) @ self.f))


def _perp(d: np.ndarray) -> np.ndarray:
    """(n, 3) sagittal-plane normal of direction d: rotated +90 deg in the x-y plane."""
    n = np.array([-d[1], d[0], 0.0])
    return n / (np.linalg.norm(n) + 1e-12)


def _leg(img, prj: Projector, p: dict, side: str, look: Look, k: float, s: float,
         foot_angle: float) -> None:
    hip, knee, ankle = p[f"{side}_hip"], p[f"{side}_knee"], p[f"{side}_ankle"]
    toe, heel = p[f"{side}_sole_tip"], p[f"{side}_heel"]
    rad = lambda q, key: prj.radius(q, R[key] * s)  # noqa: E731
    skin = _c(look.skin, k)
    # shank with calf bulge behind, thigh with quadriceps bulge in front: one shaded limb
    d = (ankle - knee) / (np.linalg.norm(ankle - knee) + 1e-12)
    calf = knee + 0.3 * (ankle - knee) - _perp(d) * 0.012 * s
    d = (knee - hip) / (np.linalg.norm(knee - hip) + 1e-12)
    quad = hip + 0.45 * (knee - hip) + _perp(d) * 0.015 * s
    h2, q2, k2, c2, a2 = (prj(q)[0] for q in (hip, quad, knee, calf, ankle))
    shaded_chain(img, [(k2, c2, rad(knee, "shank_knee"), rad(calf, "calf")),
                       (c2, a2, rad(calf, "calf"), rad(ankle, "ankle")),
                       (h2, q2, rad(hip, "thigh_hip"), rad(quad, "quad")),
                       (q2, k2, rad(quad, "quad"), rad(knee, "thigh_knee"))], skin)
    # shorts sleeve over the upper thigh
    sl = hip + 0.36 * (knee - hip)
    shaded_capsule(img, h2, prj(sl)[0], rad(hip, "thigh_hip") * 1.12,
                   rad(sl, "quad") * 1.1, _c(look.shorts, k))
    # shoe in the foot's plane
    v = toe - ankle
    ang = np.arctan2(v[1], v[0]) + foot_angle
    ef = np.array([np.cos(ang), np.sin(ang), 0.0])
    nf = np.array([-np.sin(ang), np.cos(ang), 0.0])
    outline = np.array([toe + (a * s) * ef + (b * s) * nf for a, b in SHOE])
    shaded_poly(img, prj(outline), _c(look.shoe, k), highlight=False)
    sole = np.array([toe + (a * s) * ef + (min(b, SOLE_M) * s) * nf for a, b in SHOE[:6]]
                    + [toe + (-0.296 * s) * ef + SOLE_M * s * nf, toe + 0.005 * s * ef
                       + SOLE_M * s * nf])
    fill_poly(img, prj(sole), _c(look.sole, k))
    _ = heel


def _arm(img, prj: Projector, p: dict, side: str, look: Look, k: float, s: float) -> None:
    sh, el, wr = p[f"{side}_shoulder"], p[f"{side}_elbow"], p[f"{side}_wrist"]
    tip = p[f"{side}_hand_tip"]
    skin = _c(look.skin, k)
    rad = lambda q, key: prj.radius(q, R[key] * s)  # noqa: E731
    hand_c = wr + 0.45 * (tip - wr)
    s2, e2, w2, h2 = (prj(q)[0] for q in (sh, el, wr, hand_c))
    shaded_chain(img, [(s2, e2, rad(sh, "upper_arm"), rad(el, "elbow")),
                       (e2, w2, rad(el, "elbow"), rad(wr, "wrist")),
                       (w2, h2, rad(wr, "wrist"), rad(hand_c, "hand"))], skin)


def _torso(img, prj: Projector, p: dict, look: Look, s: float) -> None:
    pel, lean = p["pelvis"], np.radians(float(p["trunk_lean_deg"]))
    up = np.array([np.sin(lean), np.cos(lean), 0.0])
    fw = np.array([np.cos(lean), -np.sin(lean), 0.0])
    front = [pel + (a * s) * up + (b * s) * fw for a, b, _ in TORSO]
    back = [pel + (a * s) * up + (c * s) * fw for a, _, c in TORSO]
    outline = np.array(front + back[::-1])
    shaded_poly(img, prj(outline), look.singlet)
    lo = [q for q in TORSO if q[0] <= SHORTS_TOP] + [(SHORTS_TOP, 0.10, -0.095)]
    sh_out = np.array([pel + (a * s) * up + (b * s) * fw for a, b, _ in lo]
                      + [pel + (a * s) * up + (c * s) * fw for a, _, c in lo[::-1]])
    shaded_poly(img, prj(sh_out), look.shorts)
    neck_top = p["head_center"] - 0.06 * s * np.array([np.sin(lean * 0.6), np.cos(lean * 0.6), 0])
    shaded_capsule(img, prj(p["neck"] - 0.03 * s * up)[0], prj(neck_top)[0],
                   prj.radius(p["neck"], R["neck"] * s), prj.radius(neck_top, R["neck"] * s * 0.9),
                   look.skin)


#: head profile in the head frame (forward, up) from the ear canal, metres at 1.80 m:
#: top, forehead, brow, nose, lips, chin, jaw, nape, back of the skull
HEAD_PROFILE = ((0.0, 0.126), (0.045, 0.118), (0.075, 0.096), (0.093, 0.062), (0.1, 0.036),
                (0.095, 0.019), (0.106, 0.002), (0.121, -0.017), (0.112, -0.029),
                (0.099, -0.033), (0.104, -0.045), (0.097, -0.054), (0.101, -0.063),
                (0.091, -0.073), (0.097, -0.089), (0.085, -0.104), (0.05, -0.109),
                (0.012, -0.088), (-0.035, -0.072), (-0.075, -0.045), (-0.097, 0.0),
                (-0.095, 0.05), (-0.07, 0.095), (-0.035, 0.12))
HAIR = ((0.082, 0.093), (0.075, 0.103), (0.046, 0.124), (0.0, 0.133), (-0.04, 0.126),
        (-0.075, 0.1), (-0.101, 0.05), (-0.103, 0.0), (-0.08, -0.045), (-0.05, -0.062),
        (-0.03, -0.03), (-0.022, 0.03), (0.02, 0.06), (0.055, 0.075))


def _head(img, prj: Projector, p: dict, side: str, look: Look, s: float) -> None:
    tilt = np.radians(float(p["head_tilt_deg"]))
    up = np.array([np.sin(tilt), np.cos(tilt), 0.0])
    fw = np.array([np.cos(tilt), -np.sin(tilt), 0.0])
    ear = p[f"{side}_ear"]
    ear_c = ear.copy()
    ear_c[2] = p["head_center"][2]

    def pts(coords, origin=ear_c):
        return np.array([origin + s * (a * fw + b * up) for a, b in coords])

    def ellipse(c, a, b, n=20):
        t = np.linspace(0, 2 * np.pi, n, endpoint=False)
        return np.array([c + s * (a * np.cos(v) * fw + b * np.sin(v) * up) for v in t])

    shaded_poly(img, prj(pts(HEAD_PROFILE)), look.skin)
    shaded_poly(img, prj(pts(HAIR)), look.hair)
    fill_poly(img, prj(ellipse(ear + s * (-0.004 * fw), 0.019, 0.031)), _c(look.skin, 0.82))
    fill_poly(img, prj(ellipse(ear + s * (-0.002 * fw), 0.008, 0.016)), _c(look.skin, 0.6))
    eye = p[f"{side}_eye"]
    fill_poly(img, prj(pts(((-0.012, 0.0), (-0.002, 0.006), (0.01, 0.003), (0.012, 0.0),
                            (0.002, -0.005)), eye)), (240, 236, 228))
    fill_circle(img, prj(eye + s * (0.004 * fw))[0], prj.radius(eye, 0.0048 * s), (35, 24, 18))
    fill_poly(img, prj(pts(((-0.013, 0.0), (-0.002, 0.0075), (0.012, 0.004), (0.011, 0.0065),
                            (-0.002, 0.0105)), eye)), _c(look.hair, 1.2))
    fill_poly(img, prj(pts(((-0.016, 0.016), (0.014, 0.02), (0.014, 0.026), (-0.016, 0.022)),
                           eye)), look.hair)
    fill_circle(img, prj(ear_c + s * (0.104 * fw - 0.027 * up))[0],
                prj.radius(ear_c, 0.004 * s), _c(look.skin, 0.45))
    fill_poly(img, prj(pts(((0.101, -0.045), (0.106, -0.046), (0.1, -0.054), (0.103, -0.062),
                            (0.097, -0.064), (0.093, -0.054)))), (150, 70, 66))
    fill_poly(img, prj(pts(((0.078, -0.053), (0.1, -0.053), (0.1, -0.056), (0.078, -0.056)))),
              (90, 40, 40))


def draw_athlete(img: np.ndarray, prj: Projector, p: dict, near: str, look: Look,
                 body: Body) -> None:
    """Draw the athlete whose body points at this frame are ``p`` (name -> (3,) or scalar)."""
    s = body.height_m / 1.80
    # angle from (sole tip - ankle) to the sole direction
    fa = float(np.arctan2(body.ankle_height_m, body.toe_to_ankle_m))
    far = "left" if near == "right" else "right"
    _arm(img, prj, p, far, look, look.far_shade, s)
    _leg(img, prj, p, far, look, look.far_shade, s, fa)
    _torso(img, prj, p, look, s)
    _head(img, prj, p, near, look, s)
    _leg(img, prj, p, near, look, 1.0, s, fa)
    _arm(img, prj, p, near, look, 1.0, s)


#: body parts casting the sun shadow: (point, point, radius in metres at 1.80 m); "{s}" = side
SHADOW_CAPSULES = (("{s}_hip", "{s}_knee", 0.075), ("{s}_knee", "{s}_ankle", 0.05),
                   ("{s}_ankle", "{s}_heel", 0.04), ("{s}_heel", "{s}_sole_tip", 0.045),
                   ("{s}_shoulder", "{s}_elbow", 0.045), ("{s}_elbow", "{s}_wrist", 0.035),
                   ("{s}_wrist", "{s}_hand_tip", 0.035))
SHADOW_BODY = (("pelvis", "shoulder_mid", 0.13), ("left_hip", "right_hip", 0.09),
               ("left_shoulder", "right_shoulder", 0.07), ("neck", "head_center", 0.06),
               ("head_center", "head_center", 0.105))
#: contact shadow: a foot's footprint darkens fully on the ground, fading out by this height
CONTACT_SHADOW_FADE_M = 0.1
CONTACT_SHADOW_HALF_WIDTH_M = 0.06


def _ground_capsules(a: np.ndarray, b: np.ndarray, r: np.ndarray, n: int = 9) -> np.ndarray:
    """Outlines (k, 2n, 3) on the ground (y = 0) of capsules of radii r (k,) between points
    a and b (k, 2) given as (x, z)."""
    d = b - a
    base = np.where(np.hypot(d[:, 0], d[:, 1]) > 1e-9, np.arctan2(d[:, 1], d[:, 0]), 0.0)
    half = np.linspace(-np.pi / 2, np.pi / 2, n)
    ang = base[:, None] + np.concatenate([half, half + np.pi])[None, :]
    ends = np.concatenate([np.repeat(b[:, None], n, 1), np.repeat(a[:, None], n, 1)], axis=1)
    x = ends[..., 0] + r[:, None] * np.cos(ang)
    z = ends[..., 1] + r[:, None] * np.sin(ang)
    return np.stack([x, np.zeros_like(x), z], -1)


def sun_direction(elevation_deg: float, azimuth_deg: float, side: float) -> np.ndarray:
    """Unit ground-plane (x, z) direction in which shadows fall, and its length per metre of
    height, as (dx, dz) * cot(elevation): azimuth 0 = towards the camera (at z = side * d)."""
    a, e = np.radians(azimuth_deg), np.radians(elevation_deg)
    return np.array([np.sin(a), side * np.cos(a)]) / np.tan(e)


def draw_shadows(sun_mask: np.ndarray, contact_mask: np.ndarray, prj: Projector, p: dict,
                 s: float, sun_xz_per_m: np.ndarray) -> None:
    """Draw the athlete's sun shadow (255 where shadowed) into ``sun_mask`` and the feet's
    contact shadows (255 on the footprint of a foot on the ground, fading with its height) into
    ``contact_mask``; both uint8 single-channel, hard-edged (blur them afterwards).

    ``sun_xz_per_m``: ground offset (x, z) of the shadow of a point per metre of its height."""
    caps = [(a.format(s=side), b.format(s=side), r) for side in ("left", "right")
            for a, b, r in SHADOW_CAPSULES] + list(SHADOW_BODY)
    pa = np.array([p[a] for a, _, _ in caps])
    pb = np.array([p[b] for _, b, _ in caps])
    cast = lambda q: q[:, [0, 2]] + q[:, 1:2] * sun_xz_per_m[None, :]  # noqa: E731
    outlines = _ground_capsules(cast(pa), cast(pb), np.array([r for _, _, r in caps]) * s)
    k, m = outlines.shape[:2]
    polys = prj(outlines.reshape(-1, 3)).reshape(k, m, 2)
    for poly in polys:
        fill_poly(sun_mask, poly, 255)
    for side in ("left", "right"):
        heel, tip = p[f"{side}_heel"], p[f"{side}_sole_tip"]
        h = max(0.0, min(float(heel[1]), float(tip[1])))
        w = (1.0 - min(h / CONTACT_SHADOW_FADE_M, 1.0)) ** 2
        if w <= 0.0:
            continue
        foot = _ground_capsules(np.array([[heel[0], heel[2]]]), np.array([[tip[0], tip[2]]]),
                                np.array([CONTACT_SHADOW_HALF_WIDTH_M * s]))[0]
        fill_poly(contact_mask, prj(foot), int(round(255 * w)))
