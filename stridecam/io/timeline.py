"""A clip's frame timeline read from its packets (demux only, no decoding): how many frames the
file really holds, how many its header promised, and the frame grid its timestamps sit on.

Edge module (PyAV). Two jobs, both before any frame is decoded:

- **integrity**: the frames present in the file (packets) against the frames the header says
  (the frame count of MP4/MOV/AVI, or duration x rate for Matroska/WebM): a truncated copy
  holds fewer. ``video.check_clip`` refuses a clip with too little left; ``DecodeStats``
  counts what the decoder then got, and says when the file did not decode whole.
- **timing**: containers store timestamps in integer ticks of a time base. Matroska/WebM use
  1 ms, Apple's MOV often 1/600 s: a 120 fps clip then reads 0, 8, 17, 25 ms... and a
  29.97 fps clip 20 or 21 ticks apart. That rounding is not variable timing. ``frame_grid``
  finds the frame rate whose grid every timestamp is a rounding of (within ``GRID_TOLERANCE``
  ticks, gaps allowed for dropped frames), and ``Timeline.seconds`` then gives grid times.
  Timestamps that fit no grid (genuinely variable frame rate: phones) are kept as they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction

import av
import numpy as np

#: Frame rates of cameras and encoders: the candidate grids after the container's own rates.
STANDARD_FPS: tuple[Fraction, ...] = tuple(sorted({
    Fraction(v) for v in (24, 25, 30, 48, 50, 60, 90, 100, 120, 180, 200, 240, 300, 480, 960)
} | {Fraction(v * 1000, 1001) for v in (24, 30, 60, 120, 240)}))
#: Timestamps fit a grid when their residuals from it span at most this many time-base ticks
#: (1 for one rounding; 1.5 leaves room for a re-mux that rounded twice).
GRID_TOLERANCE = 1.5
#: Frames missing from a file before it counts as truncated: exact header counts may differ
#: from decodable frames by an edit list's frame or two; duration-based estimates by more.
_MISSING_TOLERANCE = {True: (2, 0.01), False: (3, 0.03)}
#: A grid fits only if the frames fill at least this fraction of its slots (else a finer grid
#: than the real one would fit anything).
GRID_MIN_OCCUPANCY = 0.6


@dataclass(frozen=True)
class Timeline:
    """What a clip's packets say (see the module docstring).

    ``pts``: presentation timestamps of the video packets present in the file, sorted (stream
    time base ``time_base``); ``expected_frames``: the header's frame count (``exact``) or
    duration x rate (not exact), 0 when the header says neither; ``grid_fps`` and
    ``grid_offset_s``: the frame grid the timestamps are a rounding of, or None.
    """

    pts: np.ndarray
    time_base: Fraction
    expected_frames: int
    exact: bool
    grid_fps: Fraction | None = None
    grid_offset_s: float = 0.0

    @property
    def n_packets(self) -> int:
        return int(self.pts.size)

    @property
    def tick_s(self) -> float:
        return float(self.time_base)

    def seconds(self, pts: int) -> float:
        """Container seconds of a frame with timestamp ``pts``, on the frame grid when there
        is one (its nearest grid slot), else as stored."""
        t = float(pts * self.time_base)
        if self.grid_fps is None:
            return t
        period = 1.0 / float(self.grid_fps)
        return self.grid_offset_s + round((t - self.grid_offset_s) / period) * period

    @property
    def span_s(self) -> float:
        """Container seconds from the first packet to the end of the last (one frame period
        added); 0 for no packets."""
        if not self.n_packets:
            return 0.0
        period = 1.0 / float(self.grid_fps) if self.grid_fps else (
            float(np.median(np.diff(self.pts))) * self.tick_s if self.n_packets > 1 else 0.0)
        return float((self.pts[-1] - self.pts[0]) * self.time_base) + period

    def describe(self) -> str:
        """One phrase for ``Poses.meta``: how the frame times were read."""
        tb = str(self.time_base)
        if self.grid_fps is None:
            return f"container timestamps as stored (time base {tb} s; no regular frame grid)"
        return (f"container timestamps snapped to the {float(self.grid_fps):.6g} fps frame grid "
                f"they were rounded from (time base {tb} s)")


def frame_grid(t: np.ndarray, tick_s: float, rates: Iterable[Fraction]
               ) -> tuple[Fraction, float] | None:
    """The first of ``rates`` whose frame grid the sorted times ``t`` (seconds) are a rounding of
    to ``tick_s``, and the grid's offset (seconds); None if none fits.

    A rate fits when every time lies within ``GRID_TOLERANCE`` ticks of one grid slot (the
    residuals' range), no two times share a slot, and the times fill at least
    ``GRID_MIN_OCCUPANCY`` of the slots from first to last.
    """
    t = np.asarray(t, dtype=np.float64)
    if t.size < 3:
        return None
    tol = GRID_TOLERANCE * tick_s + 1e-9
    for rate in rates:
        if rate <= 0:
            continue
        period = 1.0 / float(rate)
        if period <= 2 * tol:  # a grid finer than the rounding: anything would fit
            continue
        k = np.round((t - t[0]) / period)
        if np.any(np.diff(k) < 1) or t.size < GRID_MIN_OCCUPANCY * (k[-1] + 1):
            continue
        resid = t - t[0] - k * period
        low, high = float(resid.min()), float(resid.max())
        if high - low <= tol:
            return rate, float(t[0]) + 0.5 * (low + high)
    return None


def _rates(stream) -> list[Fraction]:
    """Candidate grid rates: the container's own first, then the standard ones."""
    own = []
    for rate in (stream.base_rate, stream.average_rate, stream.guessed_rate):
        if rate and rate > 0 and Fraction(rate) not in own:
            own.append(Fraction(rate))
    return own + [r for r in STANDARD_FPS if r not in own]


def scan(container: av.container.InputContainer, stream) -> Timeline:
    """Demux every video packet of ``stream`` (no decoding) into a ``Timeline``.

    Raises ``av.error.FFmpegError`` only if the container cannot be read from the start; a
    read error later (a truncated or damaged file) ends the scan there.
    """
    pts: list[int] = []
    try:
        for packet in container.demux(stream):
            if packet.pts is not None and packet.size:
                pts.append(int(packet.pts))
    except av.error.FFmpegError:
        if not pts:
            raise
    time_base = Fraction(stream.time_base) if stream.time_base else Fraction(1, 1000)
    arr = np.array(sorted(pts), dtype=np.int64)
    expected, exact = int(stream.frames or 0), True
    if not expected:
        exact = False
        rate = stream.average_rate or stream.base_rate
        duration = (float(stream.duration * time_base) if stream.duration else
                    float(container.duration) / 1e6 if container.duration else 0.0)
        expected = int(round(duration * float(rate))) if rate and duration > 0 else 0
    grid = frame_grid(arr * float(time_base), float(time_base), _rates(stream))
    if grid is None:
        return Timeline(arr, time_base, expected, exact)
    return Timeline(arr, time_base, expected, exact, grid_fps=grid[0], grid_offset_s=grid[1])


@dataclass
class DecodeStats:
    """Counts filled in while a clip is decoded (read them after iteration ends).

    ``n_expected``: frames the container's header promises (0 = it does not say);
    ``expected_exact``: a frame count (True) or duration x rate (False);
    ``decode_errors``: one entry per packet that failed to decode (skipped);
    ``last_time_s``: capture time of the last frame decoded."""

    n_decoded: int = 0
    n_repeats: int = 0
    n_kept: int = 0
    decode_errors: list[str] = field(default_factory=list)
    n_expected: int = 0
    expected_exact: bool = True
    last_time_s: float = 0.0

    @property
    def repeat_fraction(self) -> float:
        return self.n_repeats / self.n_decoded if self.n_decoded else 0.0

    @property
    def n_missing(self) -> int:
        """Frames promised by the header but not decoded (0 when within the tolerance)."""
        if not self.n_expected:
            return 0
        missing = self.n_expected - self.n_decoded
        floor, fraction = _MISSING_TOLERANCE[self.expected_exact]
        return missing if missing > max(floor, fraction * self.n_expected) else 0

    def integrity_problem(self) -> str | None:
        """One sentence when the file did not decode whole (truncated or damaged), else None."""
        if self.n_missing:
            return (f"The file is truncated or damaged: only {self.n_decoded} of the "
                    f"{self.n_expected} frames its header promises could be decoded; the clip "
                    f"was analysed up to {self.last_time_s:.2f} s.")
        if self.decode_errors:
            return (f"The file is damaged: {len(self.decode_errors)} packet(s) could not be "
                    f"decoded and were skipped ({self.decode_errors[0]}).")
        return None
