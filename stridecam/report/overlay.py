"""The overlay video: the clip with the tracked skeleton, contact markers and live step numbers.

Edge module (PyAV decode/encode, OpenCV drawing). Every decoded frame of the clip is written,
repeated frames included, with its own timestamp, so the overlay has exactly as many frames as
the clip and plays in sync with it. The skeleton is the tracker's landmarks as saved, drawn in
one colour: the tracker's left/right labels are not trusted (it exchanges the legs for a few
frames as they pass), so sides are named only where stridecam names them, at the contacts. A
frame whose image repeats the previous one (dropped before pose estimation) shows the skeleton
of the last distinct frame.

Drawn on each frame:
- a filled triangle under the foot on the ground from touchdown to toe-off, with its side
  ("L" / "R", named from the alternation of contacts as in the steps table);
- "TOUCHDOWN L" / "TOE-OFF L" for ~0.1 s after each event;
- a panel with the clip time, the live step number with its foot, and that step's contact time,
  cadence and step length (units stated; lengths in leg lengths when uncalibrated).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, cast

import numpy as np

from stridecam.io.store import atomic_path
from stridecam.model.errors import StridecamError
from stridecam.model.landmarks import IDX, SKELETON
from stridecam.model.poses import Poses
from stridecam.report.load import RunData, load_run_data

if TYPE_CHECKING:
    import av

BONE_RGB, JOINT_RGB, CONTACT_RGB = (255, 255, 255), (255, 200, 0), (255, 255, 0)
#: How long the TOUCHDOWN / TOE-OFF words stay on screen (s of capture time).
EVENT_HOLD_S = 0.1
FEET = ("left_heel", "left_foot_index", "left_ankle", "right_heel", "right_foot_index",
        "right_ankle")


@dataclass(frozen=True)
class Overlay:
    """What ``write_overlay`` wrote: the file, frames written, frames decoded from the clip."""

    path: Path
    n_frames: int
    n_source_frames: int


def _encoder() -> str:
    import av

    for name in ("libx264", "libopenh264", "mpeg4"):
        try:
            av.codec.Codec(name, "w")
            return name
        except (av.error.FFmpegError, ValueError):  # codec not built into this FFmpeg
            continue
    raise StridecamError("no H.264 or MPEG-4 video encoder in this PyAV build")


def _text(cv2, img, text: str, org: tuple[int, int], scale: float, colour=(255, 255, 255),
          thick: int = 1, outline: bool = True) -> None:
    """Text, with a dark outline unless on the dark panel (readable on any background)."""
    if outline:
        cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), thick + 1,
                    cv2.LINE_AA)
    cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, colour, thick, cv2.LINE_AA)


class _Painter:
    """Draws one frame's annotations from the run's poses, contacts and steps."""

    def __init__(self, data: RunData):
        poses = data.poses
        if poses is None:
            raise StridecamError(f"{data.folder}: no saved landmarks to draw")
        self.poses: Poses = poses
        self.xy = poses.xy_px
        self.units = "m" if data.result.summary.length_units == "m" else "leg"
        self.steps = data.steps
        c = data.contacts
        rows = lambda col: np.clip(c[col].to_numpy(int), 0, poses.n_frames - 1)  # noqa: E731
        self.td_t = c["touchdown_time_s"].to_numpy(float)
        self.to_t = c["toe_off_time_s"].to_numpy(float)
        self.td_frame = poses.frame_index[rows("touchdown_frame")] if len(c) else np.zeros(0, int)
        self.to_frame = poses.frame_index[rows("toe_off_frame")] if len(c) else np.zeros(0, int)
        self.foot = c["foot"].to_numpy(str)

    def row_of(self, decode_index: int) -> int:
        """Pose row shown on a decoded frame: the last distinct frame at or before it."""
        k = int(np.searchsorted(self.poses.frame_index, decode_index, side="right")) - 1
        return max(k, 0)

    def draw(self, cv2, img: np.ndarray, decode_index: int) -> None:
        h = img.shape[0]
        thick = max(2, round(h / 360))
        row = self.row_of(decode_index)
        t = float(self.poses.time_s[row])
        p = self.xy[row]
        bones = [(p[IDX[a]], p[IDX[b]]) for a, b in SKELETON]
        bones = [(tuple(int(v) for v in pa), tuple(int(v) for v in pb)) for pa, pb in bones
                 if np.isfinite(pa).all() and np.isfinite(pb).all()]
        for colour, width in (((0, 0, 0), thick + 2), (BONE_RGB, thick)):
            for pa, pb in bones:
                cv2.line(img, pa, pb, colour, width, cv2.LINE_AA)
        for name in ("left_knee", "right_knee", "left_ankle", "right_ankle", "left_hip",
                     "right_hip"):
            q = p[IDX[name]]
            if np.isfinite(q).all():
                cv2.circle(img, (int(q[0]), int(q[1])), thick + 1, JOINT_RGB, -1, cv2.LINE_AA)
        self._contacts(cv2, img, decode_index, t, p, thick)
        self._panel(cv2, img, t, thick)

    def _contacts(self, cv2, img, index: int, t: float, p: np.ndarray, thick: int) -> None:
        h = img.shape[0]
        on = np.flatnonzero((self.td_frame <= index) & (index <= self.to_frame))
        feet = np.array([p[IDX[n]] for n in FEET])
        ok = np.isfinite(feet).all(axis=1)
        for k in on:
            if not ok.any():
                break
            low = feet[ok][np.argmax(feet[ok][:, 1])]  # lowest foot point: the stance foot
            x, y = int(low[0]), int(low[1]) + 2 * thick
            s = 6 * thick
            tri = np.array([[x, y], [x - s, y + 2 * s], [x + s, y + 2 * s]], np.int32)
            cv2.fillPoly(img, [tri], CONTACT_RGB, cv2.LINE_AA)
            cv2.polylines(img, [tri], True, (0, 0, 0), 1, cv2.LINE_AA)
            _text(cv2, img, self.foot[k][0].upper(), (x + s + 2, y + 2 * s), h / 900, thick=1)
        for times, word in ((self.td_t, "TOUCHDOWN"), (self.to_t, "TOE-OFF")):
            recent = np.flatnonzero((times <= t + 1e-9) & (t - times < EVENT_HOLD_S))
            for k in recent[-1:]:
                _text(cv2, img, f"{word} {self.foot[k][0].upper()}",
                      (int(0.62 * img.shape[1]), int(0.09 * h) + (0 if word == "TOUCHDOWN"
                                                                   else int(0.06 * h))),
                      h / 600, CONTACT_RGB, thick=max(1, thick // 2))

    def _panel(self, cv2, img, t: float, thick: int) -> None:
        h, w = img.shape[:2]
        s = self.steps
        lines = [f"t = {t:.3f} s"]
        if len(s):
            td = s["touchdown_time_s"].to_numpy(float)
            nxt = s["next_touchdown_time_s"].to_numpy(float)
            k = np.flatnonzero((td <= t) & (t < nxt))
            if len(k):
                r = s.iloc[int(k[0])]
                unit, col = ("m", "step_length_m") if self.units == "m" else \
                    ("leg", "step_length_leg")
                lines += [f"step {int(r['step_index']) + 1}  ({r['foot']} foot)",
                          f"contact {r['contact_time_s']:.3f} s",
                          f"cadence {r['cadence_spm']:.0f} steps/min",
                          f"step length {r[col]:.2f} {unit}"]
        scale = h / 720 * 0.7
        line_h = int(30 * h / 720)
        box_w, box_h = int(w * 0.3), line_h * len(lines) + line_h // 2
        x0, y0 = int(0.02 * w), int(0.03 * h)
        roi = img[y0:y0 + box_h, x0:x0 + box_w]
        roi[:] = (roi * 0.35).astype(np.uint8)
        for i, text in enumerate(lines):
            _text(cv2, img, text, (x0 + line_h // 3, y0 + line_h * (i + 1)), scale,
                  thick=max(1, thick // 2), outline=False)


def write_overlay(clip: str | Path, folder: str | Path | RunData, out_mp4: str | Path, *,
                  crf: int = 23) -> Overlay:
    """Write the annotated video of ``clip`` from the run saved in ``folder`` (or a
    ``RunData``) to ``out_mp4`` (atomically). Raises ``StridecamError`` without saved
    landmarks."""
    import av
    import cv2

    from stridecam.io.video import probe, upright

    clip, out_mp4 = Path(clip), Path(out_mp4)
    data = folder if isinstance(folder, RunData) else load_run_data(folder, clip, reanalyse=False)
    if data.poses is None or data.poses.n_frames == 0:
        raise StridecamError(f"{data.folder}: no saved landmarks to draw; analyse the clip first")
    info = probe(clip)
    if (info.width, info.height) != tuple(data.poses.frame_size_px):
        raise StridecamError(f"{clip}: frame size {info.width}x{info.height} differs from the "
                             f"saved landmarks' {data.poses.frame_size_px}: not the same clip")
    painter = _Painter(data)
    encoder = _encoder()
    n = n_src = 0
    with atomic_path(out_mp4) as tmp, av.open(str(clip)) as src, \
            av.open(str(tmp), "w", format="mp4") as dst:
        in_stream = src.streams.video[0]
        in_stream.thread_type = "AUTO"
        tb = in_stream.time_base or Fraction(1, 1000)
        rate = in_stream.average_rate or Fraction(round(info.nominal_fps * 1000), 1000)
        out = cast("av.VideoStream", dst.add_stream(encoder, rate=rate))
        out.width, out.height = info.width + info.width % 2, info.height + info.height % 2
        out.pix_fmt = "yuv420p"
        out.codec_context.time_base = tb
        if encoder == "libx264":
            out.options = {"crf": str(crf), "preset": "veryfast"}
        last_pts = None
        for index, frame in enumerate(src.decode(in_stream)):
            n_src += 1
            img = np.ascontiguousarray(upright(frame.to_ndarray(format="rgb24"),
                                               info.rotation_deg))
            if img.shape[1] != out.width or img.shape[0] != out.height:
                img = cv2.copyMakeBorder(img, 0, out.height - img.shape[0], 0,
                                         out.width - img.shape[1], cv2.BORDER_REPLICATE)
            painter.draw(cv2, img, index)
            vf = av.VideoFrame.from_ndarray(img, format="rgb24")
            pts = frame.pts if frame.pts is not None else (last_pts or 0) + 1
            if last_pts is not None and pts <= last_pts:
                pts = last_pts + 1
            vf.pts, vf.time_base, last_pts = pts, tb, pts
            for packet in out.encode(vf):
                dst.mux(packet)
            n += 1
        for packet in out.encode():
            dst.mux(packet)
    return Overlay(out_mp4, n, n_src)
