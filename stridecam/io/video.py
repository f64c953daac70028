"""Video ingest: a clip file to a stream of upright, distinct, truly timestamped frames.

Edge module (PyAV + OpenCV). What it guarantees to the pose stage:

- frames come upright: the container's display rotation (portrait phone clips) is applied;
- ``Frame.time_s`` is the frame's own presentation timestamp from the container, relative to the
  first frame and scaled to capture time for slow-motion clips (never ``index / fps``);
- repeated frames (an image held for several frames by the export: decoded images that differ by
  less than ``repeat_threshold`` grey levels on average) are dropped and counted;
- timestamps rounded to a coarse time base (Matroska/WebM 1 ms, MOV 1/600 s) are put back on
  the frame grid they were rounded from (``io.timeline``); variable frame timing is kept;
- a truncated or damaged file is decoded up to where it breaks (a bad packet is skipped, not
  the end), and the frames decoded are counted against the frames the header promised
  (``DecodeStats``); ``check_clip`` refuses, before decoding, a file with too little left;
- memory stays constant in clip length: a decode thread fills a bounded queue while the caller
  runs pose inference, so wall time approaches max(decode, inference) rather than their sum.

Bad input raises ``InputError`` with one line naming the file and the problem.
"""

from __future__ import annotations

import contextlib
import functools
import math
import queue
import threading
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np

from stridecam.io.timeline import DecodeStats, Timeline, scan
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
#: Version of how frames and their times are read; part of the landmark cache key.
DECODER = "timeline-grid/1"
#: Shortest clip that can hold one step: touchdown to the next touchdown at the fastest sprint
#: cadence (~5 steps/s), and frames enough to see it.
MIN_STEP_S = 0.2
MIN_STEP_FRAMES = 6
#: A truncated or damaged file is refused when less than this fraction of the frames its header
#: promises is left (or decodes); above it, it is analysed up to where it breaks, with a flag.
MIN_DECODABLE_FRACTION = 0.25
#: Demuxers that read one still image: a picture renamed to .mp4 is not a clip.
_IMAGE_FORMATS = ("image2", "png_pipe", "jpeg_pipe", "bmp_pipe", "tiff_pipe", "webp_pipe",
                  "gif", "gif_pipe", "svg_pipe", "pam_pipe", "pgm_pipe", "ppm_pipe", "qoi_pipe",
                  "jpegls_pipe", "j2k_pipe", "dpx_pipe", "exr_pipe", "psd_pipe")


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
        why = getattr(exc, "strerror", None) or exc.__class__.__name__
        raise _fail(path, f"not a readable video file ({exc.__class__.__name__}: {why}; the "
                          "file is damaged, truncated, or not a video)") from exc


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
        fmt = container.format.name if container.format else ""
        if fmt in _IMAGE_FORMATS:
            raise _fail(path, f"is a still image ({fmt.removesuffix('_pipe')}), not a video")
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


@functools.lru_cache(maxsize=64)
def _checked(path: str, size: int, mtime_ns: int, capture_fps: float | None
             ) -> tuple[VideoInfo, Timeline]:
    info = probe(path, capture_fps)
    with _open(Path(path)) as container:
        timeline = scan(container, container.streams.video[0])
    have, expected = timeline.n_packets, timeline.expected_frames
    if have == 0:
        raise _fail(path, "no frame can be read: the file is damaged or truncated")
    if expected and have < MIN_DECODABLE_FRACTION * expected:
        raise _fail(path, f"truncated: only {have} of the {expected} frames its header "
                          f"promises are in the file ({100 * have / expected:.0f}%), too little "
                          "to analyse; copy the whole file again")
    return info, timeline


def check_clip(path: str | Path, capture_fps: float | None = None
               ) -> tuple[VideoInfo, Timeline]:
    """``probe`` plus the packet timeline (``io.timeline.scan``), before any frame is decoded.

    Raises ``InputError`` (one line) for everything ``probe`` refuses and for a file with no
    readable frame or less than ``MIN_DECODABLE_FRACTION`` of its frames left (truncated).
    Cached per file version, so the checks before a run and the reader share one scan."""
    path = Path(path)
    if not path.is_file():
        probe(path, capture_fps)  # raises its one-line reason (missing, a folder...)
    st = path.stat()
    return _checked(str(path), st.st_size, st.st_mtime_ns, capture_fps)


def require_step(info: VideoInfo, timeline: Timeline) -> None:
    """Raise ``InputError`` if the clip is too short to hold one step (``MIN_STEP_S`` of capture
    time and ``MIN_STEP_FRAMES`` frames)."""
    n = timeline.n_packets
    span = max(timeline.span_s, n / info.nominal_fps) * info.time_scale
    need = max(MIN_STEP_FRAMES, math.ceil(MIN_STEP_S * info.capture_fps - 1e-9))
    if n < need or span < MIN_STEP_S - 1e-9:
        frames = f"{n} frame{'s' if n != 1 else ''}"
        raise _fail(info.path, f"only {frames} ({span:.2f} s): a step needs at least "
                               f"{MIN_STEP_S:g} s ({need} frames at {info.capture_fps:g} fps)")


def _first_frame(path: Path, container, stream):
    try:
        for frame in container.decode(stream):
            return frame
    except av.error.FFmpegError as exc:
        raise _fail(path, f"first frame cannot be decoded ({exc.__class__.__name__}): "
                          "the file is truncated or corrupt") from exc
    raise _fail(path, "0 frames decoded: the file is truncated or not a video")


#: Display rotation (degrees counter-clockwise) -> the name of OpenCV's rotation code.
_ROTATE = {90: "ROTATE_90_COUNTERCLOCKWISE", -90: "ROTATE_90_CLOCKWISE", 180: "ROTATE_180",
           -180: "ROTATE_180", 270: "ROTATE_90_CLOCKWISE"}


def upright(image: np.ndarray, rotation_deg: int) -> np.ndarray:
    """Apply a display rotation (degrees counter-clockwise, FFmpeg's sign) to an image."""
    code = _ROTATE.get(int(rotation_deg))
    if code is None:
        return image
    import cv2  # on first use: probing a clip needs no OpenCV

    return cv2.rotate(image, getattr(cv2, code))


def is_repeat(thumb: np.ndarray, previous: np.ndarray | None,
              threshold: float = REPEAT_THRESHOLD) -> bool:
    """True if grey thumbnail ``thumb`` differs from ``previous`` by < ``threshold`` levels on
    average."""
    if previous is None:
        return False
    return float(np.mean(np.abs(thumb.astype(np.float32) - previous))) < threshold


def thumbnail(image: np.ndarray) -> np.ndarray:
    """Small float32 grey copy of an RGB image, for repeat detection."""
    import cv2

    small = cv2.resize(image, _THUMB_SIZE, interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(small, cv2.COLOR_RGB2GRAY).astype(np.float32)


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
        self.info, self.timeline = check_clip(self.path, capture_fps)
        self.prefetch = prefetch
        self.drop_repeats = drop_repeats
        self.repeat_threshold = repeat_threshold
        self.decode_threads = decode_threads
        self.stats = DecodeStats(n_expected=self.timeline.expected_frames,
                                 expected_exact=self.timeline.exact)

    # ------------------------------------------------------------------ decoding
    def _decode(self) -> Iterator[Frame]:
        info, stats, timeline = self.info, self.stats, self.timeline
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
            for av_frame in self._frames(container, stream):
                index += 1
                stats.n_decoded += 1
                if av_frame.pts is None:
                    continue
                t = timeline.seconds(av_frame.pts)
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
                last_t = stats.last_time_s = time_s
                stats.n_kept += 1
                yield Frame(index=index, time_s=time_s, image=np.ascontiguousarray(image))
        if stats.n_kept == 0:
            raise _fail(self.path, "0 frames decoded: the file is truncated or not a video")
        if stats.n_expected and stats.n_decoded < MIN_DECODABLE_FRACTION * stats.n_expected:
            raise _fail(self.path, f"damaged: only {stats.n_decoded} of its {stats.n_expected} "
                                   "frames could be decoded, too few to analyse")

    def _frames(self, container, stream) -> Iterator:
        """Decoded frames, packet by packet: a packet that fails to decode is counted in
        ``stats.decode_errors`` and skipped (the frames after it still come); a read error of
        the container ends the clip there."""
        stats = self.stats
        packets = container.demux(stream)
        while True:
            try:
                packet = next(packets)
            except StopIteration:
                break
            except av.error.FFmpegError as exc:  # the container itself breaks off here
                stats.decode_errors.append(f"read error after frame {stats.n_decoded}: "
                                           f"{exc.__class__.__name__}")
                break
            try:
                frames = stream.decode(packet)
            except av.error.FFmpegError as exc:
                stats.decode_errors.append(f"packet after frame {stats.n_decoded}: "
                                           f"{exc.__class__.__name__}")
                if len(stats.decode_errors) > 1000:  # nothing decodes any more
                    break
                continue
            yield from frames
        rest: list = []
        with contextlib.suppress(av.error.FFmpegError):  # frames the decoder still holds
            rest = stream.decode(None)
        yield from rest

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
