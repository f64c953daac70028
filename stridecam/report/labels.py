"""Where text labels go: inside the frame, never on top of each other (pure geometry).

Used by the overlay video (event words next to the athlete, the contact-foot letters) and by
the kinogram (angles beside the joints). Units are whatever the caller draws in (pixels, mm).

``place_labels`` puts each label, in order, at the first free spot among candidates around its
anchor (a point or a box): beside it in the preferred order of sides, then in rings further
out; a candidate is shifted into the frame, and is free when it overlaps neither an obstacle nor
a label already placed. When no spot around the anchor is free, the frame is scanned row by row;
only a frame too small to hold every label makes labels overlap (``Placement.overlapping``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Box:
    """An axis-aligned box, ``x0 <= x1``, ``y0 <= y1`` (y down, as in images and fpdf2)."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def w(self) -> float:
        return self.x1 - self.x0

    @property
    def h(self) -> float:
        return self.y1 - self.y0

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    def overlaps(self, other: Box, gap: float = 0.0) -> bool:
        """True when the boxes (each grown by ``gap`` / 2) share any area."""
        return (self.x0 < other.x1 + gap and other.x0 < self.x1 + gap
                and self.y0 < other.y1 + gap and other.y0 < self.y1 + gap)

    def inside(self, frame: Box, tol: float = 1e-6) -> bool:
        return (self.x0 >= frame.x0 - tol and self.y0 >= frame.y0 - tol
                and self.x1 <= frame.x1 + tol and self.y1 <= frame.y1 + tol)

    def moved_into(self, frame: Box) -> Box:
        """The box shifted (not resized) into ``frame``; top-left aligned when it is larger."""
        dx = max(frame.x0 - self.x0, 0.0) or min(frame.x1 - self.x1, 0.0)
        dy = max(frame.y0 - self.y0, 0.0) or min(frame.y1 - self.y1, 0.0)
        b = Box(self.x0 + dx, self.y0 + dy, self.x1 + dx, self.y1 + dy)
        if b.x0 < frame.x0 or b.y0 < frame.y0:  # larger than the frame
            b = Box(frame.x0, frame.y0, frame.x0 + self.w, frame.y0 + self.h)
        return b

    @staticmethod
    def around(x: float, y: float, w: float = 0.0, h: float = 0.0) -> Box:
        """A box of size ``w`` x ``h`` centred on (x, y)."""
        return Box(x - w / 2, y - h / 2, x + w / 2, y + h / 2)


#: Sides tried around an anchor, in order, when the caller gives none.
SIDES = ("above", "right", "left", "below")


def _beside(anchor: Box, w: float, h: float, side: str, d: float) -> Box:
    """A w x h box beside ``anchor`` at distance ``d`` on ``side``."""
    if side == "above":
        return Box(anchor.cx - w / 2, anchor.y0 - d - h, anchor.cx + w / 2, anchor.y0 - d)
    if side == "below":
        return Box(anchor.cx - w / 2, anchor.y1 + d, anchor.cx + w / 2, anchor.y1 + d + h)
    if side == "right":
        return Box(anchor.x1 + d, anchor.cy - h / 2, anchor.x1 + d + w, anchor.cy + h / 2)
    if side == "left":
        return Box(anchor.x0 - d - w, anchor.cy - h / 2, anchor.x0 - d, anchor.cy + h / 2)
    raise ValueError(f"unknown side {side!r}")


@dataclass(frozen=True)
class Placement:
    boxes: list[Box]
    overlapping: bool  # True only when the frame could not hold every label apart


def place_labels(sizes: Sequence[tuple[float, float]], anchors: Sequence[Box], frame: Box, *,
                 obstacles: Sequence[Box] = (), gap: float = 2.0,
                 sides: Sequence[Sequence[str]] | Sequence[str] | None = None,
                 rings: int = 6) -> Placement:
    """Boxes for labels of ``sizes`` (w, h), each beside its anchor box (module docstring).

    ``sides``: the order of sides to try, one sequence for all labels or one per label;
    ``gap``: the clearance kept from anchors, obstacles and other labels; ``rings``: how many
    steps further out (each a label height plus the gap) to try before scanning the frame."""
    placed: list[Box] = []
    blocked = list(obstacles)
    clash = False
    per_label = _sides_per_label(sides, len(sizes))
    for (w, h), anchor, order in zip(sizes, anchors, per_label, strict=True):
        box = _first_free(w, h, anchor, order, frame, blocked, gap, rings)
        if box is None:
            box = _scan(w, h, anchor, frame, blocked, gap)
        if box is None:
            box = _beside(anchor, w, h, order[0], gap).moved_into(frame)
            clash = True
        placed.append(box)
        blocked.append(box)
    return Placement(placed, clash)


def _sides_per_label(sides, n: int) -> list[Sequence[str]]:
    if sides is None:
        return [SIDES] * n
    if all(isinstance(s, str) for s in sides):
        return [tuple(sides)] * n
    return [tuple(s) for s in sides]


def _free(box: Box, frame: Box, blocked: Sequence[Box], gap: float) -> bool:
    return box.inside(frame) and not any(box.overlaps(b, gap) for b in blocked)


def _first_free(w, h, anchor, order, frame, blocked, gap, rings) -> Box | None:
    for ring in range(rings):
        d = gap + ring * (h + gap)
        for side in order:
            box = _beside(anchor, w, h, side, d).moved_into(frame)
            if _free(box, frame, blocked, gap):
                return box
    return None


def _scan(w, h, anchor, frame, blocked, gap) -> Box | None:
    """The free spot nearest the anchor on a grid over the whole frame, or None."""
    step_x, step_y = max(w / 4, 1e-3), max(h / 2, 1e-3)
    best, best_d = None, float("inf")
    y = frame.y0
    while y + h <= frame.y1 + 1e-9:
        x = frame.x0
        while x + w <= frame.x1 + 1e-9:
            box = Box(x, y, x + w, y + h)
            if _free(box, frame, blocked, gap):
                d = (box.cx - anchor.cx) ** 2 + (box.cy - anchor.cy) ** 2
                if d < best_d:
                    best, best_d = box, d
            x += step_x
        y += step_y
    return best
