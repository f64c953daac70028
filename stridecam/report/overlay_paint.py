"""What the overlay draws on each frame (OpenCV), in the output frame's pixels.

- the skeleton: left leg blue, right leg orange (``sides``: the legs named as the contacts table
  names them, not by the tracker's labels, which swap as the legs pass), trunk, arms and head
  white;
- under the foot on the ground, from touchdown to toe-off, a triangle in that foot's colour
  with its letter "L" / "R";
- "TOUCHDOWN R" / "TOE-OFF L" for ``EVENT_HOLD_S`` after each event, on a label of the foot's
  colour beside the athlete;
- a panel in the corner the athlete crosses least: clip time, the live step with its contact
  time, cadence and step length (units stated), the slow-motion factor, and the colour legend.

Text size follows the athlete's height in the output (not the frame's): a 150 px athlete in a
1280 px frame gets small labels next to it, not large ones in the sky. Every label is placed by
``labels.place_labels``: inside the frame and apart from the others and from the panel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stridecam.model.errors import StridecamError
from stridecam.model.landmarks import IDX
from stridecam.model.poses import Poses
from stridecam.report.follow import athlete_boxes, follow_windows, standing_height_px
from stridecam.report.labels import Box, place_labels
from stridecam.report.load import RunData
from stridecam.report.sides import (
    ON_SIDE_RGB,
    SIDE_RGB,
    draw_bones,
    leg_swaps,
    swap_legs,
)

#: How long the TOUCHDOWN / TOE-OFF words stay on screen (s of capture time).
EVENT_HOLD_S = 0.1
FONT = 0  # cv2.FONT_HERSHEY_SIMPLEX
#: Cap height of FONT at scale 1 (px), to turn a wanted text height into a font scale.
CAP_PX = 22.0
#: Label text cap height as a fraction of the athlete's height in the output, and its bounds
#: (px) as a fraction of the output height.
LABEL_OF_ATHLETE, LABEL_MIN_PX, LABEL_MAX_OF_FRAME = 0.045, 9.0, 0.03
JOINTS = ("left_hip", "left_knee", "left_ankle", "right_hip", "right_knee", "right_ankle")
LEGEND_ITEMS = (("left leg", "left"), ("right leg", "right"))


@dataclass
class Layout:
    """What goes on one output frame: the panel's box and lines, the contact triangles (polygon,
    side), the labels (text, side, box), the label cap height, line thickness and the
    landmarks in output pixels."""

    panel: Box
    lines: list[str]
    triangles: list[tuple[np.ndarray, str]]
    labels: list[tuple[str, str, Box]]
    cap: float
    thick: int
    points: np.ndarray


def font_scale(cap_px: float) -> float:
    return cap_px / CAP_PX


def text_box_size(cv2, text: str, cap_px: float) -> tuple[int, int, int]:
    """(width, height, baseline offset) of ``text`` drawn as a filled label of cap ``cap_px``."""
    thick = max(1, round(cap_px / 11))
    (tw, th), base = cv2.getTextSize(text, FONT, font_scale(cap_px), thick)
    pad = max(2, round(0.35 * cap_px))
    return tw + 2 * pad, th + base + 2 * pad, pad


def draw_label(cv2, img: np.ndarray, text: str, box: Box, cap_px: float,
               fill: tuple[int, int, int], ink: tuple[int, int, int]) -> None:
    """``text`` on a filled box (black border) at ``box`` (from ``place_labels``)."""
    thick = max(1, round(cap_px / 11))
    x0, y0, x1, y1 = (int(round(v)) for v in (box.x0, box.y0, box.x1, box.y1))
    cv2.rectangle(img, (x0, y0), (x1 - 1, y1 - 1), fill, -1)
    cv2.rectangle(img, (x0, y0), (x1 - 1, y1 - 1), (0, 0, 0), 1)
    (_, th), base = cv2.getTextSize(text, FONT, font_scale(cap_px), thick)
    pad = (box.w - cv2.getTextSize(text, FONT, font_scale(cap_px), thick)[0][0]) / 2
    cv2.putText(img, text, (int(x0 + pad), int(y0 + (box.h + th - base) / 2)), FONT,
                font_scale(cap_px), ink, thick, cv2.LINE_AA)


class Painter:
    """Draws one output frame's annotations from the run's poses, contacts and steps.

    ``zoom`` > 1: the output frame of ``out_size`` (w, h) shows a window following the athlete
    (``windows``: x0, y0, scale per pose row, ``follow.follow_windows``); ``slowmo``: the
    slow-motion factor shown in the panel."""

    def __init__(self, data: RunData, out_size: tuple[int, int], zoom: float = 1.0,
                 slowmo: float = 1.0):
        poses = data.poses
        if poses is None:
            raise StridecamError(f"{data.folder}: no saved landmarks to draw")
        self.poses: Poses = poses
        self.out_w, self.out_h = out_size
        n = poses.n_frames
        self.slowmo = slowmo
        self.units = "m" if data.result.summary.length_units == "m" else "leg"
        self.steps = data.steps
        self.direction = int(data.result.direction) or 1
        c = data.contacts
        rows = lambda col: np.clip(c[col].to_numpy(int), 0, n - 1)  # noqa: E731
        self.td_t = c["touchdown_time_s"].to_numpy(float)
        self.to_t = c["toe_off_time_s"].to_numpy(float)
        td_row = rows("touchdown_frame") if len(c) else np.zeros(0, int)
        to_row = rows("toe_off_frame") if len(c) else np.zeros(0, int)
        self.td_frame, self.to_frame = poses.frame_index[td_row], poses.frame_index[to_row]
        self.foot = c["foot"].to_numpy(str)
        self.swaps = leg_swaps(poses.xy_px, td_row, to_row, self.foot, self.direction)
        self.athlete_px = standing_height_px(data.result.scale.leg_length_px, poses.xy_px)
        self.boxes = athlete_boxes(poses.xy_px, poses.time_s, size_px=self.athlete_px)
        self.windows = follow_windows(self.boxes, poses.time_s, poses.frame_size_px, zoom)
        self.corner = self._corner()

    # ------------------------------------------------------------------ geometry
    def row_of(self, decode_index: int) -> int:
        """Pose row shown on a decoded frame: the last distinct frame at or before it."""
        k = int(np.searchsorted(self.poses.frame_index, decode_index, side="right")) - 1
        return max(k, 0)

    def to_out(self, row: int, pts: np.ndarray) -> np.ndarray:
        x0, y0, s = self.windows[row]
        return (np.asarray(pts, float) - (x0, y0)) * s

    def athlete_box(self, row: int) -> Box | None:
        b = self.boxes[row]
        if not np.isfinite(b).all():
            return None
        (x0, y0), (x1, y1) = self.to_out(row, b[:2]), self.to_out(row, b[2:])
        return Box(x0, y0, x1, y1)

    def label_cap(self, row: int) -> float:
        """Label cap height (px) for the athlete's size in the output at ``row``."""
        size = self.athlete_px * self.windows[row, 2]
        cap = LABEL_OF_ATHLETE * size if np.isfinite(size) else LABEL_MIN_PX
        return float(np.clip(cap, LABEL_MIN_PX, max(LABEL_MIN_PX,
                                                    LABEL_MAX_OF_FRAME * self.out_h)))

    def panel_cap(self) -> float:
        return float(np.clip(self.out_h / 52, LABEL_MIN_PX, 20.0))

    def _corner(self) -> str:
        """The corner ("tl", "tr", "bl", "br") the athlete's box overlaps least over the clip."""
        w, h = 0.32 * self.out_w, 0.3 * self.out_h
        corners = {"tl": Box(0, 0, w, h), "tr": Box(self.out_w - w, 0, self.out_w, h),
                   "bl": Box(0, self.out_h - h, w, self.out_h),
                   "br": Box(self.out_w - w, self.out_h - h, self.out_w, self.out_h)}
        hits = dict.fromkeys(corners, 0)
        for row in range(0, len(self.boxes), max(1, len(self.boxes) // 200)):
            box = self.athlete_box(row)
            for k, c in corners.items():
                hits[k] += int(box is not None and box.overlaps(c))
        return min(corners, key=lambda k: (hits[k], list(corners).index(k)))

    # ------------------------------------------------------------------ layout
    def frame_points(self, decode_index: int) -> tuple[int, float, np.ndarray, int]:
        """(pose row, its time, the landmarks in output pixels with the legs named as the
        contacts name them, line thickness) of a decoded frame."""
        row = self.row_of(decode_index)
        p = swap_legs(self.poses.xy_px[row]) if self.swaps[row] else self.poses.xy_px[row]
        size = self.athlete_px * self.windows[row, 2]
        thick = max(1, round(size / 110)) if np.isfinite(size) else 2
        return row, float(self.poses.time_s[row]), self.to_out(row, p), thick

    def layout(self, cv2, decode_index: int) -> Layout:
        """Everything placed on a frame: the panel, the contact triangles and every label."""
        row, t, q, thick = self.frame_points(decode_index)
        lines = self._panel_lines(t)
        panel = self.panel_box(cv2, lines)
        frame = Box(0, 0, self.out_w, self.out_h)
        cap = self.label_cap(row)
        athlete = self.athlete_box(row)
        obstacles = [panel]
        triangles: list[tuple[np.ndarray, str]] = []
        texts: list[tuple[str, str, Box]] = []  # text, side, anchor
        index = decode_index
        for k in np.flatnonzero((self.td_frame <= index) & (index <= self.to_frame)):
            side = self.foot[k]
            pts = q[[IDX[f"{side}_{n}"] for n in ("heel", "foot_index", "ankle")]]
            pts = pts[np.isfinite(pts).all(axis=1)]
            if not len(pts):
                continue
            x, y = float(np.mean(pts[:, 0])), float(pts[:, 1].max()) + 2 * thick
            s = max(4.0, 0.8 * cap)
            tri = Box(x - s, y, x + s, y + 1.6 * s)
            triangles.append((np.array([[x, y], [x - s, y + 1.6 * s], [x + s, y + 1.6 * s]],
                                       np.int32), side))
            obstacles.append(tri)
            texts.append((side[0].upper(), side, tri))
        gap = max(2.0, 0.3 * cap)
        letters = place_labels([text_box_size(cv2, x, cap)[:2] for x, _, _ in texts],
                               [a for _, _, a in texts], frame, obstacles=obstacles, gap=gap,
                               sides=("right", "left", "below", "above")).boxes
        labels = [(text, side, box) for (text, side, _), box in zip(texts, letters)]
        events = []
        for times, word in ((self.td_t, "TOUCHDOWN"), (self.to_t, "TOE-OFF")):
            for k in np.flatnonzero((times <= t + 1e-9) & (t - times < EVENT_HOLD_S))[-1:]:
                events.append((float(times[k]), f"{word} {self.foot[k][0].upper()}",
                               self.foot[k]))
        if events:
            events.sort()
            anchor = athlete if athlete is not None else Box.around(self.out_w / 2,
                                                                    self.out_h / 2)
            front = "right" if self.direction > 0 else "left"
            back = "left" if front == "right" else "right"
            spots = place_labels([text_box_size(cv2, x, cap)[:2] for _, x, _ in events],
                                 [anchor] * len(events), frame,
                                 obstacles=obstacles + letters + ([athlete] if athlete else []),
                                 gap=gap, sides=("above", front, back, "below"))
            labels += [(text, side, box) for (_, text, side), box in zip(events, spots.boxes)]
        return Layout(panel, lines, triangles, labels, cap, thick, q)

    # ------------------------------------------------------------------ drawing
    def draw(self, cv2, img: np.ndarray, decode_index: int) -> Layout:
        lay = self.layout(cv2, decode_index)
        self._skeleton(cv2, img, lay.points, lay.thick)
        self._panel(cv2, img, lay.panel, lay.lines)
        for poly, side in lay.triangles:
            cv2.fillPoly(img, [poly], SIDE_RGB[side], cv2.LINE_AA)
            cv2.polylines(img, [poly], True, (0, 0, 0), 1, cv2.LINE_AA)
        for text, side, box in lay.labels:
            draw_label(cv2, img, text, box, lay.cap, SIDE_RGB[side], ON_SIDE_RGB[side])
        return lay

    def _skeleton(self, cv2, img, q: np.ndarray, thick: int) -> None:
        draw_bones(cv2, img, q, thick)
        for name in JOINTS:
            v = q[IDX[name]]
            if np.isfinite(v).all():
                cv2.circle(img, (int(v[0]), int(v[1])), thick + 1,
                           SIDE_RGB[name.split("_")[0]], -1, cv2.LINE_AA)
                cv2.circle(img, (int(v[0]), int(v[1])), thick + 1, (0, 0, 0), 1, cv2.LINE_AA)

    def _panel_lines(self, t: float) -> list[str]:
        lines = [f"t = {t:.3f} s" + (f"  (x{self.slowmo:g} slow motion)" if self.slowmo > 1
                                     else "")]
        s = self.steps
        if len(s):
            td = s["touchdown_time_s"].to_numpy(float)
            nxt = s["next_touchdown_time_s"].to_numpy(float)
            k = np.flatnonzero((td <= t) & (t < nxt))
            if len(k):
                r = s.iloc[int(k[0])]
                unit, col = ("m", "step_length_m") if self.units == "m" else \
                    ("leg lengths", "step_length_leg")
                lines += [f"step {int(r['step_index']) + 1}  ({r['foot']} foot)",
                          f"contact {r['contact_time_s']:.3f} s",
                          f"cadence {r['cadence_spm']:.0f} steps/min",
                          f"step length {r[col]:.2f} {unit}"]
        return lines

    def _panel_metrics(self, cv2) -> tuple[float, float, int, int, int]:
        cap = self.panel_cap()
        return cap, font_scale(cap), max(1, round(cap / 11)), int(round(cap * 1.9)), \
            int(1.6 * cap)

    def panel_box(self, cv2, lines: list[str]) -> Box:
        """The panel's box (in its corner, inside the frame) for ``lines`` and the legend."""
        cap, scale, thick, line_h, swatch = self._panel_metrics(cv2)
        widths = [cv2.getTextSize(x, FONT, scale, thick)[0][0] for x in lines]
        legend_w = sum(swatch + 6 + cv2.getTextSize(x, FONT, scale, thick)[0][0] + int(cap)
                       for x, _ in LEGEND_ITEMS)
        box_w = min(self.out_w, max(widths + [legend_w]) + int(1.4 * cap))
        box_h = min(self.out_h, line_h * (len(lines) + 1) + line_h // 2)
        m = int(0.02 * min(self.out_w, self.out_h))
        x0 = m if self.corner[1] == "l" else self.out_w - m - box_w
        y0 = m if self.corner[0] == "t" else self.out_h - m - box_h
        x0, y0 = max(0, x0), max(0, y0)
        return Box(x0, y0, x0 + box_w, y0 + box_h)

    def _panel(self, cv2, img, box: Box, lines: list[str]) -> None:
        """Draw the panel (dark, translucent) with its lines and the colour legend."""
        cap, scale, thick, line_h, swatch = self._panel_metrics(cv2)
        x0, y0 = int(box.x0), int(box.y0)
        roi = img[y0:int(box.y1), x0:int(box.x1)]
        roi[:] = (roi * 0.3).astype(np.uint8)
        pad = int(0.7 * cap)
        for i, text in enumerate(lines):
            cv2.putText(img, text, (x0 + pad, y0 + line_h * (i + 1)), FONT, scale,
                        (255, 255, 255), thick, cv2.LINE_AA)
        x, y = x0 + pad, y0 + line_h * (len(lines) + 1)
        for text, side in LEGEND_ITEMS:
            cv2.rectangle(img, (x, y - int(cap * 0.8)), (x + swatch, y), SIDE_RGB[side], -1)
            cv2.rectangle(img, (x, y - int(cap * 0.8)), (x + swatch, y), (255, 255, 255), 1)
            x += swatch + 6
            cv2.putText(img, text, (x, y), FONT, scale, (255, 255, 255), thick, cv2.LINE_AA)
            x += cv2.getTextSize(text, FONT, scale, thick)[0][0] + int(cap)
