"""The overlay video: the clip with the tracked skeleton, contact markers and live step numbers.

Edge module (PyAV decode/encode, OpenCV drawing). Every decoded frame of the clip is written,
repeated frames included, so the overlay has exactly as many frames as the clip. A frame whose
image repeats the previous one (dropped before pose estimation) shows the skeleton of the last
distinct frame. What is drawn on each frame: ``overlay_paint`` (left leg blue, right leg orange;
labels inside the frame, apart, sized to the athlete).

Options: ``zoom`` (a factor, or "auto") crops a window that follows the athlete and scales it
to the clip's frame size; ``slowmo`` (a factor > 1) stretches every frame's timestamp, so the
video plays that many times slower (frame rate divided by the factor, no frame invented).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, cast

import numpy as np

from stridecam.io.store import atomic_path
from stridecam.model.errors import StridecamError
from stridecam.report.follow import auto_zoom, standing_height_px
from stridecam.report.load import RunData, load_run_data
from stridecam.report.overlay_paint import EVENT_HOLD_S, Painter

if TYPE_CHECKING:
    import av

__all__ = ["EVENT_HOLD_S", "Overlay", "write_overlay", "zoom_factor"]
#: Largest zoom and slow-motion factors accepted.
MAX_ZOOM, MAX_SLOWMO = 8.0, 20.0


@dataclass(frozen=True)
class Overlay:
    """What ``write_overlay`` wrote: the file, frames written, frames decoded from the clip,
    the zoom used (1 = whole frame) and the slow-motion factor."""

    path: Path
    n_frames: int
    n_source_frames: int
    zoom: float = 1.0
    slowmo: float = 1.0


def _encoder() -> str:
    import av

    for name in ("libx264", "libopenh264", "mpeg4"):
        try:
            av.codec.Codec(name, "w")
            return name
        except (av.error.FFmpegError, ValueError):  # codec not built into this FFmpeg
            continue
    raise StridecamError("no H.264 or MPEG-4 video encoder in this PyAV build")


def zoom_factor(zoom: float | str | None, athlete_px: float, frame_h: int) -> float:
    """The zoom to use: 1 for None, ``auto_zoom`` for "auto", else the number (1 to
    ``MAX_ZOOM``). Raises ``StridecamError`` for anything else."""
    if zoom is None:
        return 1.0
    if isinstance(zoom, str):
        if zoom.strip().lower() == "auto":
            return auto_zoom(athlete_px, frame_h)
        try:
            zoom = float(zoom)
        except ValueError:
            raise StridecamError(f"overlay zoom {zoom!r}: give a number (1-{MAX_ZOOM:g}) or "
                                 "'auto'") from None
    if not 1.0 <= zoom <= MAX_ZOOM:
        raise StridecamError(f"overlay zoom {zoom:g}: must be between 1 and {MAX_ZOOM:g}")
    return float(zoom)


def _slowmo_factor(slowmo: float | None) -> Fraction:
    if slowmo is None:
        return Fraction(1)
    if not 1.0 <= float(slowmo) <= MAX_SLOWMO:
        raise StridecamError(f"overlay slow motion x{slowmo:g}: must be between 1 and "
                             f"{MAX_SLOWMO:g}")
    return Fraction(float(slowmo)).limit_denominator(100)


def write_overlay(clip: str | Path, folder: str | Path | RunData, out_mp4: str | Path, *,
                  crf: int = 23, zoom: float | str | None = None,
                  slowmo: float | None = None,
                  on_frame: Callable[[int, int], None] | None = None) -> Overlay:
    """Write the annotated video of ``clip`` from the run saved in ``folder`` (or a
    ``RunData``) to ``out_mp4`` (atomically). ``zoom``: None (whole frame), a factor 1-8 or
    "auto" (the athlete about 60% of the height), the window following the athlete;
    ``slowmo``: play that many times slower (1-20); ``on_frame(done, total)``: called after
    each frame written (``total``: the container's frame count, 0 when unknown). Raises
    ``StridecamError`` without saved landmarks or for a bad option."""
    import av
    import cv2

    from stridecam.io.video import probe, upright

    clip, out_mp4 = Path(clip), Path(out_mp4)
    factor = _slowmo_factor(slowmo)
    data = folder if isinstance(folder, RunData) else load_run_data(folder, clip, reanalyse=False)
    poses = data.poses
    if poses is None or poses.n_frames == 0:
        raise StridecamError(f"{data.folder}: no saved landmarks to draw; analyse the clip first")
    info = probe(clip)
    if (info.width, info.height) != tuple(poses.frame_size_px):
        raise StridecamError(f"{clip}: frame size {info.width}x{info.height} differs from the "
                             f"saved landmarks' {poses.frame_size_px}: not the same clip")
    out_w, out_h = info.width + info.width % 2, info.height + info.height % 2
    z = zoom_factor(zoom, standing_height_px(data.result.scale.leg_length_px, poses.xy_px),
                    info.height)
    painter = Painter(data, (out_w, out_h), zoom=z, slowmo=float(factor))
    encoder = _encoder()
    n = n_src = 0
    with atomic_path(out_mp4) as tmp, av.open(str(clip)) as src, \
            av.open(str(tmp), "w", format="mp4") as dst:
        in_stream = src.streams.video[0]
        in_stream.thread_type = "AUTO"
        tb = in_stream.time_base or Fraction(1, 1000)
        rate = in_stream.average_rate or Fraction(round(info.nominal_fps * 1000), 1000)
        out = cast("av.VideoStream", dst.add_stream(encoder, rate=Fraction(rate) / factor))
        out.width, out.height = out_w, out_h
        out.pix_fmt = "yuv420p"
        out.codec_context.time_base = tb
        if encoder == "libx264":
            out.options = {"crf": str(crf), "preset": "veryfast"}
        first_pts = last_pts = None
        for index, frame in enumerate(src.decode(in_stream)):
            n_src += 1
            img = np.ascontiguousarray(upright(frame.to_ndarray(format="rgb24"),
                                               info.rotation_deg))
            x0, y0, s = painter.windows[painter.row_of(index)]
            if s > 1.0:
                m = np.array([[s, 0.0, -s * x0], [0.0, s, -s * y0]])
                img = cv2.warpAffine(img, m, (out_w, out_h), flags=cv2.INTER_LINEAR,
                                     borderMode=cv2.BORDER_REPLICATE)
            elif img.shape[1] != out_w or img.shape[0] != out_h:
                img = cv2.copyMakeBorder(img, 0, out_h - img.shape[0], 0, out_w - img.shape[1],
                                         cv2.BORDER_REPLICATE)
            painter.draw(cv2, img, index)
            vf = av.VideoFrame.from_ndarray(img, format="rgb24")
            pts = frame.pts if frame.pts is not None else (last_pts or 0) + 1
            if first_pts is None:
                first_pts = pts
            pts = first_pts + round((pts - first_pts) * factor)
            if last_pts is not None and pts <= last_pts:
                pts = last_pts + 1
            vf.pts, vf.time_base, last_pts = pts, tb, pts
            for packet in out.encode(vf):
                dst.mux(packet)
            n += 1
            if on_frame is not None:
                on_frame(n, int(in_stream.frames or 0))
        for packet in out.encode():
            dst.mux(packet)
    return Overlay(out_mp4, n, n_src, zoom=z, slowmo=float(factor))
