"""Video ingest: a clip file to a stream of upright, distinct, truly timestamped frames.

Edge module (PyAV + OpenCV). What it guarantees to the pose stage:

- frames come upright: the container's display rotation (portrait phone clips) is applied;
- ``Frame.time_s`` is the frame's own presentation timestamp from the container, relative to the
  first frame and scaled to capture time for slow-motion clips (never ``index / fps``);
- repeated frames (an image held for several frames by the export: decoded images that differ by
  less than ``repeat_threshold`` grey levels on average) are dropped and counted;
- memory stays constant in clip length: a decode thread fills a bounded queue while the caller
  runs pose inference, so wall time approaches max(decode, inference) rather than their sum.

Bad input raises ``InputError`` with one line naming the file and the problem.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import av
import cv2
import numpy as np

from stridecam.model.errors import InputError
from stridecam.model.frames import Frame, VideoInfo

#: Largest frame side accepted (8K); anything above is treated as a broken or hostile header.
MAX_SIDE_PX = 8192
#: Smallest frame side accepted: a person cannot be found in less.
MIN_SIDE_PX = 64
#: Metadata keys that carry the real capture rate of slow-motion phone clips.
CAPTURE_FPS_KEYS = ("com.android.capture.fps", "com.apple.quicktime.capture.fps")
#: Mean absolute grey-level difference (0-255) below which a frame repeats the previous one.
#: Measured here: export repeats differ by 0.00-0.05, a still scene with a real new frame by
#: >= 0.24.
REPEAT_THRESHOLD = 0.1
_THUMB_SIZE = (160, 90)


def _fail(path: Path | str, problem: str) -> InputError:
    return InputError(f"{path}: {problem}")


def _open(path: Path) -> av.container.InputContainer:
    if not path.exists():
        raise _fail(path, "no such file")
    if path.is_dir():
        raise _fail(path, "is a folder, not a video file")
    if path.stat().st_size == 0:
        raise _fail(path, "file is empty (0 bytes)")
    try:
        return av.open(str(path))
    except PermissionError as exc:
        raise _fail(path, "cannot be read (permission denied)") from exc
    except (av.error.InvalidDataError, av.error.FFmpegError, UnicodeDecodeError) as exc:
        raise _fail(path, f"not a readable video file ({exc.__class__.__name__})") from exc


def _capture_fps_tag(container: av.container.InputContainer, stream) -> float | None:
    for meta in (stream.metadata, container.metadata):
        for key in CAPTURE_FPS_KEYS:
            if key in meta:
                try:
                    value = float(meta[key])
                except ValueError:
                    continue
                if value > 0:
                    return value
    return None


def probe(path: str | Path, capture_fps: float | None = None) -> VideoInfo:
    """Read what the container says about ``path`` without decoding it all.

    ``capture_fps`` overrides the capture rate (``--capture-fps``). Raises ``InputError`` for a
    missing, empty, non-video, audio-only, zero-frame or absurdly sized file.
    """
    path = Path(path)
    with _open(path) as container:
        if not container.streams.video:
            kinds = sorted({str(s.type) for s in container.streams}) or ["no streams"]
            raise _fail(path, f"has no video stream (found: {', '.join(kinds)})")
        stream = container.streams.video[0]
        cc = stream.codec_context
        width, height = int(cc.width or 0), int(cc.height or 0)
        first = _first_frame(path, container, stream)
        rotation = int(first.rotation or 0)
        if rotation % 180:
            width, height = height, width
        if min(width, height) < MIN_SIDE_PX or max(width, height) > MAX_SIDE_PX:
            raise _fail(path, f"frame size {width}x{height} px is outside "
                              f"{MIN_SIDE_PX}..{MAX_SIDE_PX} px: not a usable clip")
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        nominal = float(rate) if rate else 0.0
        if not np.isfinite(nominal) or nominal <= 0:
            raise _fail(path, "container gives no frame rate")
        tag = _capture_fps_tag(container, stream)
        if capture_fps is not None:
            if not capture_fps > 0:
                raise _fail(path, f"--capture-fps must be positive, got {capture_fps}")
            cap, source = float(capture_fps), "user (--capture-fps)"
        elif tag is not None:
            cap, source = tag, "container tag"
        else:
            cap, source = nominal, "container frame rate"
        duration = float(stream.duration * stream.time_base) if (
            stream.duration and stream.time_base) else (
            float(container.duration) / 1e6 if container.duration else 0.0)
        created = str(container.metadata.get("creation_time")
                      or stream.metadata.get("creation_time") or "")
        recorded = None
        if len(created) >= 10 and created[:4].isdigit() and not created.startswith("1970"):
            recorded = created.replace("T", " ").split(".")[0].rstrip("Z")
        return VideoInfo(
            path=str(path), width=width, height=height, rotation_deg=rotation,
            nominal_fps=nominal, capture_fps=cap, capture_fps_source=source,
            n_frames=int(stream.frames or 0), duration_s=duration, codec=cc.name or "?",
            recorded=recorded,
        )


def _first_frame(path: Path, container, stream):
    try:
        for frame in container.decode(stream):
            return frame
    except av.error.FFmpegError as exc:
        raise _fail(path, f"first frame cannot be decoded ({exc.__class__.__name__}): "
                          "the file is truncated or corrupt") from exc
    raise _fail(path, "0 frames decoded: the file is truncated or not a video")


_ROTATE = {90: cv2.ROTATE_90_COUNTERCLOCKWISE, -90: cv2.ROTATE_90_CLOCKWISE,
           180: cv2.ROTATE_180, -180: cv2.ROTATE_180, 270: cv2.ROTATE_90_CLOCKWISE}


def upright(image: np.ndarray, rotation_deg: int) -> np.ndarray:
    """Apply a display rotation (degrees counter-clockwise, FFmpeg's sign) to an image."""
    code = _ROTATE.get(int(rotation_deg))
    return image if code is None else cv2.rotate(image, code)


def is_repeat(thumb: np.ndarray, previous: np.ndarray | None,
              threshold: float = REPEAT_THRESHOLD) -> bool:
    """True if grey thumbnail ``thumb`` differs from ``previous`` by < ``threshold`` levels on
    average."""
    if previous is None:
        return False
    return float(np.mean(np.abs(thumb.astype(np.float32) - previous))) < threshold


def thumbnail(image: np.ndarray) -> np.ndarray:
    """Small float32 grey copy of an RGB image, for repeat detection."""
    small = cv2.resize(image, _THUMB_SIZE, interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(small, cv2.COLOR_RGB2GRAY).astype(np.float32)


@dataclass
class DecodeStats:
    """Counts filled in while a clip is decoded (read them after iteration ends)."""

    n_decoded: int = 0
    n_repeats: int = 0
    n_kept: int = 0
    decode_errors: list[str] = field(default_factory=list)

    @property
    def repeat_fraction(self) -> float:
        return self.n_repeats / self.n_decoded if self.n_decoded else 0.0


_END = object()


class VideoReader:
    """Iterate a clip's distinct upright frames with capture-time timestamps.

    >>> reader = VideoReader("clip.mp4")            # doctest: +SKIP
    >>> for frame in reader: ...                     # doctest: +SKIP
    >>> reader.stats.n_repeats                        # doctest: +SKIP

    ``prefetch`` frames are decoded ahead in a background thread (0 decodes in the caller's
    thread). ``drop_repeats`` False keeps every decoded frame.
    """

    def __init__(self, path: str | Path, capture_fps: float | None = None, *,
                 prefetch: int = 8, drop_repeats: bool = True,
                 repeat_threshold: float = REPEAT_THRESHOLD, decode_threads: int = 0):
        self.path = Path(path)
        self.info = probe(self.path, capture_fps)
        self.prefetch = prefetch
        self.drop_repeats = drop_repeats
        self.repeat_threshold = repeat_threshold
        self.decode_threads = decode_threads
        self.stats = DecodeStats()

    # ------------------------------------------------------------------ decoding
    def _decode(self) -> Iterator[Frame]:
        info, stats = self.info, self.stats
        scale = info.time_scale  # container seconds -> capture seconds
        with _open(self.path) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            if self.decode_threads:
                stream.thread_count = self.decode_threads
            t0: float | None = None
            last_t = -np.inf
            prev_thumb = None
            index = -1
            try:
                for av_frame in container.decode(stream):
                    index += 1
                    stats.n_decoded += 1
                    if av_frame.time is None:
                        continue
                    t = float(av_frame.time)
                    if t0 is None:
                        t0 = t
                    time_s = (t - t0) * scale
                    if time_s <= last_t:  # out-of-order or duplicate timestamp: not a new instant
                        stats.n_repeats += 1
                        continue
                    image = upright(av_frame.to_ndarray(format="rgb24"), info.rotation_deg)
                    thumb = thumbnail(image) if self.drop_repeats else None
                    if thumb is not None and is_repeat(thumb, prev_thumb, self.repeat_threshold):
                        stats.n_repeats += 1
                        continue
                    prev_thumb = thumb
                    last_t = time_s
                    stats.n_kept += 1
                    yield Frame(index=index, time_s=time_s, image=np.ascontiguousarray(image))
            except av.error.FFmpegError as exc:
                stats.decode_errors.append(f"frame {index + 1}: {exc.__class__.__name__}")
        if stats.n_kept == 0:
            raise _fail(self.path, "0 frames decoded: the file is truncated or not a video")

    def __iter__(self) -> Iterator[Frame]:
        if self.prefetch <= 0:
            yield from self._decode()
            return
        yield from _threaded(self._decode, self.prefetch)


def _threaded(make_iter, maxsize: int) -> Iterator:
    """Run the iterator ``make_iter()`` in a daemon thread feeding a bounded queue.

    Exceptions in the producer are re-raised in the consumer. If the consumer stops early, the
    producer is told to stop and the thread ends.
    """
    q: queue.Queue = queue.Queue(maxsize=maxsize)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in make_iter():
                while not stop.is_set():
                    try:
                        q.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put(_END)
        except BaseException as exc:  # handed to the consumer, re-raised there
            q.put(exc)

    thread = threading.Thread(target=produce, name="stridecam-decode", daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)
