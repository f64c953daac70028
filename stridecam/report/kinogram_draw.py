"""Kinogram drawn: the video frames of the positions (``kinogram.stride_moments``), cropped to the
whole athlete at one scale, with the skeleton on them (left leg blue, right leg orange) and the
angles written beside the joints; without the video, the cleaned skeleton as a vector figure.

``kinogram_section(doc, data)`` lays it out in the run report: one row of five panels per step
of the stride, angle labels as PDF text (``labels.place_labels``: inside the panel, apart).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from stridecam.model.landmarks import IDX
from stridecam.report.follow import standing_height_px
from stridecam.report.kinogram import Moment, athlete_box, crop_windows, stride_moments
from stridecam.report.labels import Box, place_labels
from stridecam.report.load import RunData
from stridecam.report.sides import LEGEND, SIDE_RGB, draw_bones, leg_swaps, swap_legs

#: Width (px) of each panel's image.
PANEL_PX = 360
GREY = (200, 200, 200)


@dataclass
class Panel:
    """One position: its crop (RGB) and where its joints are in it (fractions of the width and
    height, legs named as the contacts name them)."""

    moment: Moment
    image: np.ndarray
    joints: dict[str, tuple[float, float]] = field(default_factory=dict)
    frame_time_s: float = float("nan")  # time of the frame shown


def decode_frames(clip: str | Path, indices: set[int]) -> dict[int, np.ndarray]:
    """Upright RGB images of the decode-order frame ``indices`` (``io.video.VideoReader``, every
    frame kept so that the indices are those of the saved landmarks)."""
    from stridecam.io.video import VideoReader

    out: dict[int, np.ndarray] = {}
    if not indices:
        return out
    last = max(indices)
    for frame in VideoReader(clip, drop_repeats=False, prefetch=0):
        if frame.index in indices:
            out[frame.index] = frame.image
        if frame.index >= last:
            break
    return out


def contact_swaps(data: RunData) -> np.ndarray:
    """Per pose row, whether the tracker's leg labels are swapped against the contacts."""
    poses, c = data.poses, data.contacts
    assert poses is not None
    n = poses.n_frames
    if not len(c):
        return np.zeros(n, bool)
    return leg_swaps(poses.xy_px, np.clip(c["touchdown_frame"].to_numpy(int), 0, n - 1),
                     np.clip(c["toe_off_frame"].to_numpy(int), 0, n - 1),
                     c["foot"].to_numpy(str), int(data.result.direction) or 1)


def video_panels(data: RunData, rows: list[list[Moment]]) -> tuple[list[list[Panel]], float] | None:
    """The crops of every position (same scale), or None when the video or the athlete at a
    position cannot be read."""
    import cv2

    poses = data.poses
    if data.clip is None or poses is None:
        return None
    swaps = contact_swaps(data)
    size = standing_height_px(data.result.scale.leg_length_px, poses.xy_px)
    flat = [m for row in rows for m in row]
    points = [swap_legs(poses.xy_px[m.row]) if swaps[m.row] else poses.xy_px[m.row] for m in flat]
    boxes = [athlete_box(p, size) for p in points]
    if any(b is None for b in boxes) or not np.isfinite(size):
        return None
    windows, aspect = crop_windows([b for b in boxes if b is not None])
    frames = decode_frames(data.clip, {int(poses.frame_index[m.row]) for m in flat})
    h_px = int(round(PANEL_PX / aspect))
    panels = []
    for m, p, win in zip(flat, points, windows):
        image = frames.get(int(poses.frame_index[m.row]))
        if image is None:
            return None
        s = PANEL_PX / win.w
        affine = np.array([[s, 0, -s * win.x0], [0, s, -s * win.y0]])
        crop = cv2.warpAffine(image, affine, (PANEL_PX, h_px), flags=cv2.INTER_AREA,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=GREY)
        q = (p - (win.x0, win.y0)) * s
        draw_skeleton(cv2, crop, q, m)
        joints = {name: (float(q[i, 0] / PANEL_PX), float(q[i, 1] / h_px))
                  for name, i in IDX.items() if np.isfinite(q[i]).all()}
        panels.append(Panel(m, crop, joints, float(poses.time_s[m.row])))
    out, k = [], 0
    for row in rows:
        out.append(panels[k:k + len(row)])
        k += len(row)
    return out, aspect


def draw_skeleton(cv2, img: np.ndarray, q: np.ndarray, m: Moment) -> None:
    """Skeleton (black-edged; legs in their side's colour) and, at touchdown and full support,
    a dashed plumb line from the hips to the ground (the foot ahead of it or under it)."""
    thick = max(2, round(img.shape[0] / 170))
    draw_bones(cv2, img, q, thick)
    if m.name in ("Touchdown", "Full support"):
        hip = (q[IDX["left_hip"]] + q[IDX["right_hip"]]) / 2
        feet = q[[IDX[f"{m.foot}_{p}"] for p in ("heel", "foot_index")]]
        if np.isfinite(hip).all() and np.isfinite(feet).all():
            ground = float(feet[:, 1].max())
            y = float(hip[1])
            while y < ground:  # dashes
                cv2.line(img, (int(hip[0]), int(y)), (int(hip[0]), int(min(y + 6, ground))),
                         (255, 255, 255), max(1, thick // 2), cv2.LINE_AA)
                y += 11


# ----------------------------------------------------------------------------- PDF layout
def kinogram_section(doc, data: RunData) -> None:
    """The kinogram in the run report (module docstring)."""
    from stridecam.report.document import FONT

    track = data.track
    units = "m" if data.result.summary.length_units == "m" else "leg"
    rows = stride_moments(track, data.steps, data.contacts, units) if track is not None else []
    drawn = video_panels(data, rows) if rows else None
    svg = None
    if rows and drawn is None and track is not None and track.n:
        from stridecam.report.figures import to_svg
        from stridecam.report.kinogram_vector import skeleton_figure

        svg = to_svg(skeleton_figure(track, rows, data.contacts, units))
    gap = 2.0
    w = (doc.text_width - gap * 4) / 5
    h = w / drawn[1] if drawn is not None else 0.0
    if drawn is not None:
        doc.need(20 + (h + 13) * len(rows) + 20)
    elif svg is not None:
        from stridecam.report.document import svg_size_pt

        sw, sh = svg_size_pt(svg)
        doc.need(16 + doc.text_width * sh / sw + 16)
    else:
        doc.need(20)
    doc.h2("Kinogram: the sprint positions of one stride")
    if not rows:
        doc.para("No two consecutive contacts with their toe-offs: the kinogram cannot be drawn.",
                 size=8)
        return
    caption = ("One row per step of the stride closest to the run's medians. Toe-off: last frame "
               "on the ground. Max. vertical projection: hips highest in the flight. Strike: the "
               "frame before touchdown. Full support: mid-stance, the stance foot closest to "
               "under the hips in the middle third of the contact (dashed: the vertical through "
               "the hips). Angles in degrees: thigh from vertical, "
               "forward +; shin (knee to ankle) from vertical, + with the ankle ahead of the "
               "knee; knee flexion, 0 = straight; trunk from vertical, forward +. foot: "
               "touchdown distance, foot ahead of the hips + ("
               + ("m" if units == "m" else "LL = leg lengths") + "). Touchdown and toe-off "
               "values are the step table's; times are those of the frames shown.")
    if drawn is None:
        if svg is not None:
            doc.figure(svg, caption + " Skeleton of the cleaned landmarks (the video was not "
                       "found); " + LEGEND + " (right dashed).")
        else:
            doc.para("No video and no landmarks: the kinogram cannot be drawn.", size=8)
        return
    panels = drawn[0]
    legend(doc, FONT)
    direction = int(data.result.direction) or 1
    for row in panels:
        first = row[0].moment
        doc.set_font(FONT, "B", 8)
        doc.cell(0, 4.5, f"{first.foot.capitalize()} toe-off to {row[-1].moment.foot} full "
                 f"support ({row[0].frame_time_s:.2f} to {row[-1].frame_time_s:.2f} s)",
                 new_x="LMARGIN", new_y="NEXT")
        y = doc.get_y()
        for k, panel in enumerate(row):
            x = doc.l_margin + k * (w + gap)
            _panel(doc, FONT, panel, Box(x, y, x + w, y + h), direction)
        doc.set_xy(doc.l_margin, y + h + 8.5)
    doc.para(caption + " Video frames as filmed, cropped to the whole athlete at one scale.",
             size=7.5, grey=True, height=3.6)


def legend(doc, font: str) -> None:
    """A line of colour swatches: left leg, right leg."""
    doc.set_font(font, size=7.5)
    x, y = doc.l_margin, doc.get_y() + 0.8
    for side in ("left", "right"):
        doc.set_fill_color(*SIDE_RGB[side])
        doc.rect(x, y + 0.4, 6, 2.4, style="F")
        doc.set_xy(x + 7, y)
        text = f"{side} leg"
        doc.cell(doc.get_string_width(text) + 1, 3.2, text)
        x += 7 + doc.get_string_width(text) + 5
    doc.set_xy(x, y)
    doc.set_text_color(90)
    doc.cell(0, 3.2, "(legs named as in the contacts table; trunk and arms white)")
    doc.set_text_color(40)
    doc.set_xy(doc.l_margin, y + 4.5)


def _panel(doc, font: str, panel: Panel, box: Box, direction: int) -> None:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(panel.image).save(buf, format="JPEG", quality=85)
    doc.image(buf, x=box.x0, y=box.y0, w=box.w, h=box.h)
    m = panel.moment
    doc.set_xy(box.x0, box.y1 + 0.6)
    doc.set_font(font, "B", 7.2)
    doc.cell(box.w, 3.4, m.name, align="C")
    doc.set_font(font, size=6.6)
    sub = f"{m.foot} · {panel.frame_time_s:.3f} s"
    sw = doc.get_string_width(sub)
    x = box.cx - (sw + 3) / 2
    doc.set_fill_color(*SIDE_RGB[m.foot])
    doc.rect(x, box.y1 + 4.9, 2.2, 2.2, style="F")
    doc.set_xy(x + 3, box.y1 + 4.2)
    doc.cell(sw + 0.5, 3.4, sub)
    angle_labels(doc, font, panel, box, direction)


def angle_labels(doc, font: str, panel: Panel, box: Box, direction: int,
                 size_pt: float = 6.0) -> list[Box]:
    """Each angle of ``panel`` as text on a white box beside its joint, inside ``box`` and apart
    from the others (returns the boxes, in mm)."""
    doc.set_font(font, size=size_pt)
    items = [a for a in panel.moment.angles if a.landmark in panel.joints]
    if not items:
        return []
    h = size_pt * 0.3528 + 1.0
    sizes = [(doc.get_string_width(a.text) + 1.4, h) for a in items]
    anchors = [Box.around(box.x0 + panel.joints[a.landmark][0] * box.w,
                          box.y0 + panel.joints[a.landmark][1] * box.h) for a in items]
    front, back = ("right", "left") if direction > 0 else ("left", "right")
    sides = [(front if a.toward == "front" else back, "above", "below",
              back if a.toward == "front" else front) for a in items]
    spots = place_labels(sizes, anchors, box, gap=0.8, sides=sides).boxes
    for a, spot in zip(items, spots):
        side = a.landmark.split("_")[0]
        edge = SIDE_RGB[side] if side in SIDE_RGB and "shoulder" not in a.landmark else (60,) * 3
        with doc.local_context(fill_opacity=0.85):
            doc.set_fill_color(255, 255, 255)
            doc.set_draw_color(*edge)
            doc.set_line_width(0.35)
            doc.rect(spot.x0, spot.y0, spot.w, spot.h, style="DF")
        doc.set_xy(spot.x0, spot.y0)
        doc.set_text_color(20)
        doc.cell(spot.w, spot.h, a.text, align="C")
    doc.set_text_color(40)
    doc.set_line_width(0.2)
    return spots
