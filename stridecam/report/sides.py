"""Left and right legs: the one colour pair every report output uses, and which tracked leg is
which foot of the contacts table.

Colours (Okabe & Ito 2008, "Color Universal Design": a pair told apart with every common
colour-vision deficiency, and by lightness in grey print): **left = blue**, **right = orange**.
The overlay video, the kinogram and the per-leg plots all take them from here; each states
them in a legend.

Naming: the pose tracker's left/right labels swap for a few frames as the legs pass, while the
contacts table names feet by the alternation of contacts (``analysis.events.detect``). So that a
leg keeps its colour, ``leg_swaps`` finds the frames where the tracker's labels disagree with
the contacts: during a contact of foot F the leg whose foot is lowest is F; in the flight after
it the leg whose ankle trails (further back in the running direction) is F, the one that just
pushed off. Outside contacts and their flights the tracker's labels are kept.
"""

from __future__ import annotations

import numpy as np

from stridecam.model.landmarks import IDX, SKELETON

#: 0-255 RGB of each side (Okabe-Ito blue and orange).
SIDE_RGB: dict[str, tuple[int, int, int]] = {"left": (0, 114, 178), "right": (230, 159, 0)}
#: The same as matplotlib / HTML colours.
SIDE_HEX: dict[str, str] = {side: "#{:02X}{:02X}{:02X}".format(*rgb)
                            for side, rgb in SIDE_RGB.items()}
SIDE_WORD = {"left": "blue", "right": "orange"}
#: Text (black or white) that reads on a fill of each side's colour.
ON_SIDE_RGB: dict[str, tuple[int, int, int]] = {"left": (255, 255, 255), "right": (0, 0, 0)}
#: Trunk, arms and head: not coloured by side (arm labels are not used anywhere).
NEUTRAL_RGB = (255, 255, 255)
LEGEND = "left leg blue, right leg orange"

_FOOT = {side: [IDX[f"{side}_{p}"] for p in ("ankle", "heel", "foot_index")]
         for side in ("left", "right")}
#: Landmarks exchanged when a frame's leg labels are swapped (hip to toe of both legs).
LEG_PAIRS = tuple((IDX[f"left_{part}"], IDX[f"right_{part}"])
                  for part in ("hip", "knee", "ankle", "heel", "foot_index"))


def bone_side(a: str, b: str) -> str | None:
    """"left" / "right" for a bone of one leg (hip to toe), None for the rest of the body."""
    for side in ("left", "right"):
        if a.startswith(side) and b.startswith(side) and not any(
                part in a + b for part in ("shoulder", "elbow", "wrist", "ear", "eye")):
            return side
    return None


def swap_legs(points: np.ndarray) -> np.ndarray:
    """A copy of ``points`` (33, ...) with the two legs' landmarks exchanged."""
    out = np.array(points, copy=True)
    for a, b in LEG_PAIRS:
        out[[a, b]] = out[[b, a]]
    return out


def _lowest(p: np.ndarray, side: str) -> float:
    """Image y (down) of the lowest foot point of ``side``: larger is lower."""
    y = p[_FOOT[side], 1]
    return float(np.nanmax(y)) if np.isfinite(y).any() else np.nan


def leg_swaps(xy_px: np.ndarray, td_row: np.ndarray, to_row: np.ndarray, foot: np.ndarray,
              direction: int, max_flight_rows: int | None = None) -> np.ndarray:
    """(n,) True where the tracker's leg labels disagree with the contacts' feet (see the
    module docstring). ``xy_px``: (n, 33, 2) image pixels, y down; ``td_row`` / ``to_row``: each
    contact's touchdown and toe-off rows into ``xy_px``; ``foot``: "left"/"right" per contact;
    ``direction``: +1 running to the image's right, -1 to the left. A flight longer than
    ``max_flight_rows`` (default twice the median contact-to-contact gap) is not judged."""
    n = len(xy_px)
    out = np.zeros(n, bool)
    order = np.argsort(td_row, kind="stable")
    td, to = np.asarray(td_row, int)[order], np.asarray(to_row, int)[order]
    feet = np.asarray(foot, str)[order]
    if len(td) == 0:
        return out
    if max_flight_rows is None:
        gaps = np.diff(td)
        max_flight_rows = int(2 * np.median(gaps)) if len(gaps) else 0
    for k in range(len(td)):
        named = feet[k]
        other = "right" if named == "left" else "left"
        for r in range(max(td[k], 0), min(to[k], n - 1) + 1):  # contact: lowest foot is F
            a, b = _lowest(xy_px[r], named), _lowest(xy_px[r], other)
            if np.isfinite(a) and np.isfinite(b) and b > a:
                out[r] = True
        end = td[k + 1] if k + 1 < len(td) else min(n, to[k] + 1 + max_flight_rows)
        if end - to[k] - 1 > max_flight_rows:
            continue
        for r in range(max(to[k] + 1, 0), min(end, n)):  # flight: trailing ankle is F
            a = xy_px[r, IDX[f"{named}_ankle"], 0] * direction
            b = xy_px[r, IDX[f"{other}_ankle"], 0] * direction
            if np.isfinite(a) and np.isfinite(b) and a > b:
                out[r] = True
    return out


def draw_bones(cv2, img: np.ndarray, q: np.ndarray, thick: int) -> None:
    """The skeleton of landmarks ``q`` (33, 2) px onto ``img`` (OpenCV handed in): every bone
    with both ends found, black-edged, legs in their side's colour drawn over the rest."""
    bones = []
    for a, b in SKELETON:
        pa, pb = q[IDX[a]], q[IDX[b]]
        if np.isfinite(pa).all() and np.isfinite(pb).all():
            side = bone_side(a, b)
            bones.append((tuple(int(v) for v in pa), tuple(int(v) for v in pb),
                          SIDE_RGB[side] if side else NEUTRAL_RGB))
    for pa, pb, _ in bones:
        cv2.line(img, pa, pb, (0, 0, 0), thick + 2, cv2.LINE_AA)
    for pa, pb, colour in sorted(bones, key=lambda b: b[2] != NEUTRAL_RGB):
        cv2.line(img, pa, pb, colour, thick, cv2.LINE_AA)
