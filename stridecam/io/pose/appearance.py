"""How a person looks: mean colours of a few body parts at the landmarks (pure numpy + OpenCV).

Two runners of similar size crossing each other are told apart by their kit and skin: torso,
shorts, thighs, shanks and head are each sampled as small squares (``PATCH_FRAC`` of the body's
extent) at a few points between the landmarks; a part's colour is the median over its squares
(an arm swinging across the singlet covers one or two of them), in CIE Lab with L scaled to
0-255 (a and b -127..127). Left and right limbs go into one part (the tracker's left/right
labels are not trusted). A part outside the frame is NaN.

``distance``: the mean over the parts both signatures have of the Lab distance, each capped at
``PART_CAP`` so that one occluded or mislocated part cannot decide alone.
"""

from __future__ import annotations

import numpy as np

from stridecam.io.pose.geometry import Candidate
from stridecam.model.landmarks import IDX

#: parts: (name, [(point a, point b, fractions from a to b)]); "mid_*" are left/right mid-points
PARTS: tuple[tuple[str, tuple[tuple[str, str, tuple[float, ...]], ...]], ...] = (
    ("torso", (("mid_shoulder", "mid_hip", (0.2, 0.35, 0.5, 0.65)),)),
    ("shorts", (("mid_shoulder", "mid_hip", (0.95,)), ("mid_hip", "mid_knee", (0.1, 0.25)))),
    ("thigh", (("left_hip", "left_knee", (0.65,)), ("right_hip", "right_knee", (0.65,)))),
    ("shank", (("left_knee", "left_ankle", (0.35, 0.55)),
               ("right_knee", "right_ankle", (0.35, 0.55)))),
    ("head", (("nose", "mid_ear", (0.3, 0.7)),)),
)
PATCH_FRAC = 0.025
N_PARTS = len(PARTS)
#: a part's distance counts at most this much (an arm across the singlet, a blurred shin)
PART_CAP = 60.0


def signature(image: np.ndarray, cand: Candidate) -> np.ndarray:
    """(N_PARTS, 3) Lab colour of each part of ``cand`` in ``image`` (RGB uint8): per part, the
    median over small squares at its sample points (NaN when none is inside the frame)."""
    import cv2

    h, w = image.shape[:2]
    r = max(1, int(round(PATCH_FRAC * cand.size_px / 2)))
    out = np.full((N_PARTS, 3), np.nan)
    parts, pts = _SAMPLES
    a = _endpoints(cand.xy_px, pts[:, 0])
    b = _endpoints(cand.xy_px, pts[:, 1])
    p = np.rint(a + pts[:, 2:3] * (b - a))
    ok = np.isfinite(p).all(axis=1)
    ok[ok] &= (p[ok, 0] >= r) & (p[ok, 0] < w - r) & (p[ok, 1] >= r) & (p[ok, 1] < h - r)
    if not ok.any():
        return out
    cols = np.full((len(parts), 3), np.nan)
    for i in np.flatnonzero(ok):
        x, y = int(p[i, 0]), int(p[i, 1])
        cols[i] = image[y - r:y + r + 1, x - r:x + r + 1].reshape(-1, 3).mean(axis=0)
    rgb = np.full((N_PARTS, 3), np.nan)
    for k in range(N_PARTS):
        mine = ok & (parts == k)
        if mine.any():
            rgb[k] = np.median(cols[mine], axis=0)
    have = np.isfinite(rgb[:, 0])
    lab = cv2.cvtColor((rgb[have] / 255.0).astype(np.float32).reshape(1, -1, 3),
                       cv2.COLOR_RGB2Lab).reshape(-1, 3)
    out[have] = lab * np.array([2.55, 1.0, 1.0])
    return out


def _endpoints(xy: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Points of ``_SAMPLES`` codes: a landmark index, or -1 - index of a left/right pair."""
    idx = codes.astype(int)
    out = np.empty((len(idx), 2))
    single = idx >= 0
    out[single] = xy[idx[single]]
    pair = -1 - idx[~single]
    out[~single] = 0.5 * (xy[_PAIRS[pair, 0]] + xy[_PAIRS[pair, 1]])
    return out


def _samples() -> tuple[np.ndarray, np.ndarray]:
    """(part of each sample point, (a code, b code, fraction)) flattened from ``PARTS``."""
    pairs = {"shoulder": 0, "hip": 1, "knee": 2, "ear": 3}
    parts, rows = [], []

    def code(name: str) -> int:
        return -1 - pairs[name[4:]] if name.startswith("mid_") else IDX[name]

    for k, (_, segments) in enumerate(PARTS):
        for a, b, fracs in segments:
            for f in fracs:
                parts.append(k)
                rows.append((code(a), code(b), f))
    return np.array(parts), np.array(rows, dtype=float)


_PAIRS = np.array([[IDX[f"left_{s}"], IDX[f"right_{s}"]] for s in ("shoulder", "hip", "knee",
                                                                     "ear")])
_SAMPLES = _samples()


def distance(a: np.ndarray | None, b: np.ndarray | None) -> float:
    """Mean over the parts both signatures have of the Lab distance, each capped at
    ``PART_CAP`` (NaN when they share no part)."""
    if a is None or b is None:
        return float("nan")
    d = np.linalg.norm(a - b, axis=1)
    d = d[np.isfinite(d)]
    return float(np.minimum(d, PART_CAP).mean()) if d.size else float("nan")


def blend(model: np.ndarray | None, new: np.ndarray, weight: float = 0.2) -> np.ndarray:
    """Running average of a person's signature (parts missing on one side keep the other)."""
    if model is None:
        return new.copy()
    out = np.where(np.isfinite(model), model, new)
    both = np.isfinite(model) & np.isfinite(new)
    out[both] = (1 - weight) * model[both] + weight * new[both]
    return out
