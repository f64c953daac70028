"""Decode only the frames around each contact: PyAV seeking by timestamp, grey crops.

Edge module (PyAV + OpenCV). The evidence stage needs perhaps a third of a clip's frames, in
short windows, and only a small region of each. ``WindowReader`` demuxes the container once
(packets only, no decoding: cheap) to learn every frame's presentation timestamp and where the
keyframes are; then, window by window in time order, it either keeps decoding forward or seeks
to the keyframe before the window when that saves decoding (a clip with one keyframe every
250 frames is decoded straight through, never twice). Frames are identified by their decode
index (0-based position in presentation order, as ``stridecam.io.video`` counts them and
``Poses.frame_index`` stores them). Only the requested crop of each wanted frame is kept, as
``uint8`` grey: memory is one window of crops, whatever the clip's length.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np

from stridecam.io.video import upright
from stridecam.model.errors import InputError

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in upright-frame pixels, end exclusive


@dataclass(frozen=True)
class Window:
    """Frames ``indices`` (decode indices, increasing) wanted, cropped to ``box``."""

    key: int
    indices: tuple[int, ...]
    box: Box


@dataclass
class ReadStats:
    """What reading cost: frames decoded (wanted or passed through) and seeks made."""

    n_decoded: int = 0
    n_kept: int = 0
    n_seeks: int = 0


def crop(image: np.ndarray, box: Box) -> np.ndarray:
    """``image[y0:y1, x0:x1]`` with the box clipped to the image; parts outside are 0."""
    x0, y0, x1, y1 = box
    h, w = image.shape[:2]
    out = np.zeros((y1 - y0, x1 - x0) + image.shape[2:], dtype=image.dtype)
    cx0, cy0, cx1, cy1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if cx1 > cx0 and cy1 > cy0:
        out[cy0 - y0:cy1 - y0, cx0 - x0:cx1 - x0] = image[cy0:cy1, cx0:cx1]
    return out


class WindowReader:
    """Grey crops of chosen frames of one clip (see the module docstring).

    >>> reader = WindowReader("clip.mp4")                          # doctest: +SKIP
    >>> for key, crops in reader.read([Window(0, (10, 11, 12), (0, 0, 64, 64))]): ...  # +SKIP
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.stats = ReadStats()
        try:
            with av.open(str(self.path)) as container:
                stream = container.streams.video[0]
                self.time_base = stream.time_base
                pts, keys = [], []
                for packet in container.demux(stream):
                    if packet.pts is None or packet.size == 0:
                        continue
                    pts.append(int(packet.pts))
                    if packet.is_keyframe:
                        keys.append(int(packet.pts))
        except (av.error.FFmpegError, IndexError, UnicodeDecodeError) as exc:
            raise InputError(f"{self.path}: cannot be read for image evidence "
                             f"({exc.__class__.__name__})") from exc
        if not pts:
            raise InputError(f"{self.path}: no video packets: the file is truncated or not a video")
        #: presentation timestamp (stream time base) of each decode index
        self.pts = np.array(sorted(pts), dtype=np.int64)
        self.keyframe_pts = np.array(sorted(keys), dtype=np.int64)

    @property
    def n_frames(self) -> int:
        return int(self.pts.size)

    def read(self, windows: Iterable[Window]) -> Iterator[tuple[int, dict[int, np.ndarray]]]:
        """Yield ``(window.key, {decode index: grey crop})`` per window, in order of first frame.

        A frame beyond the clip's end is missing from its window's dict. Windows may overlap:
        frames the next window also needs are kept (whole, grey) until it has been read.
        """
        todo = sorted(windows, key=lambda w: (w.indices[0] if w.indices else -1, w.key))
        with av.open(str(self.path)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            state = _DecodeState()
            for n, window in enumerate(todo):
                later = set(todo[n + 1].indices) if n + 1 < len(todo) else set()
                yield window.key, self._window(container, stream, state, window, later)

    # ------------------------------------------------------------------ internals
    def _window(self, container, stream, state: _DecodeState, window: Window,
                later: set[int]) -> dict[int, np.ndarray]:
        wanted = [i for i in window.indices if 0 <= i < self.n_frames]
        out = {i: crop(state.cache[i], window.box) for i in wanted if i in state.cache}
        need = [i for i in wanted if i not in out]
        cache: dict[int, np.ndarray] = {i: state.cache[i] for i in out if i in later}
        if need:
            first_pts = int(self.pts[need[0]])
            if self._should_seek(state.last_pts, first_pts):
                container.seek(first_pts, stream=stream, backward=True, any_frame=False)
                self.stats.n_seeks += 1
                state.iterator = None
            if state.iterator is None:
                state.iterator = _decode(container, stream)
                state.last_pts = None
            last_needed = int(self.pts[need[-1]])
            need_pts = {int(self.pts[i]): i for i in need}
            for frame in state.iterator:
                if frame.pts is None:
                    continue
                self.stats.n_decoded += 1
                state.last_pts = int(frame.pts)
                index = need_pts.get(state.last_pts)
                if index is not None:
                    grey = upright(_luma(frame), int(frame.rotation or 0))
                    out[index] = crop(grey, window.box)
                    self.stats.n_kept += 1
                    if index in later:
                        cache[index] = grey.copy()
                if state.last_pts >= last_needed:
                    break
        state.cache = cache
        return out

    def _should_seek(self, last_pts: int | None, first_pts: int) -> bool:
        """Seek when nothing has been decoded yet, when the window starts at or behind the
        current position, or when a keyframe lies after the current position and at or before
        the window's first frame (decoding from it skips frames)."""
        if last_pts is None or first_pts <= last_pts:
            return True
        k = int(np.searchsorted(self.keyframe_pts, first_pts, side="right")) - 1
        return k >= 0 and int(self.keyframe_pts[k]) > last_pts


#: Pixel formats whose first plane is the full-resolution luma (grey) image.
_LUMA_FIRST = {"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "nv12",
               "nv21", "gray"}


def _luma(frame) -> np.ndarray:
    """The frame's grey image: a view of its luma plane where the format has one (no
    conversion: ~100x cheaper than ``to_ndarray(format="gray")`` at 1080p), else converted."""
    if frame.format.name in _LUMA_FIRST:
        plane = frame.planes[0]
        rows = np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)
        return rows[:, :plane.width]
    return frame.to_ndarray(format="gray")


def _decode(container, stream) -> Iterator:
    """Decoded frames from the container's current position; a broken packet ends the run."""
    try:
        yield from container.decode(stream)
    except av.error.FFmpegError:
        return


@dataclass
class _DecodeState:
    last_pts: int | None = None
    iterator: Iterator | None = None
    cache: dict[int, np.ndarray] = field(default_factory=dict)
