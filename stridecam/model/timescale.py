"""``TimeScale``: what the clip's own motion says about its capture rate, as typed data.

Made by ``stridecam.analysis.timescale.retime`` at the start of the analysis, kept in
``RunResult.timescale`` and written to ``summary.json``.

The slow-motion ``factor`` k is the real capture rate over the container's (playback) rate:
a clip filmed at 120 fps and stored as a 30 fps file has k = 4, and one second of the file is a
quarter of a second of the run. Times ending in ``_container_s`` / ``_container_hz`` are in the
file's own time (before any slow-motion scaling); ``_m_s2`` is metres per second squared.
"""

from __future__ import annotations

from dataclasses import dataclass

NAN = float("nan")

#: ``TimeScale.status`` values: ``real_time`` (nothing says slow motion), ``applied`` (no
#: rate in the file, clear slow motion: times were divided by ``factor``), ``suggested`` (slow
#: motion is likely but the evidence is not clear enough to re-time), ``rate_confirmed`` (the
#: file's tag or ``--capture-fps`` fits the motion), ``rate_doubtful`` (the motion disagrees with
#: the given rate, which was kept), ``inconclusive`` (no usable evidence), ``off`` (not run).
STATUSES = ("real_time", "applied", "suggested", "rate_confirmed", "rate_doubtful",
            "inconclusive", "off")


@dataclass(frozen=True)
class TimeScale:
    """The clip's time scale and the evidence for it.

    ``status``: one of ``STATUSES``; ``factor``: the slow-motion factor the analysis used
    (1 = real time; the given one unless ``applied``); ``applied``: True when this estimate
    re-timed the clip; ``given_factor`` and ``given_source``: the factor the file's tag or
    ``--capture-fps`` set ("container frame rate" when nothing did: factor 1);
    ``best_factor``: the factor the evidence points to (NaN: none).

    Gravity: during flight the trunk falls freely, so in a clip slowed k times its apparent
    vertical acceleration is g / k^2. ``apparent_g_m_s2`` (+- ``apparent_g_unc_m_s2``, 1 sigma)
    is that acceleration in the file's time, fitted over ``n_flights`` flight phases;
    ``gravity_factor`` = sqrt(9.81 / apparent g) (+- ``gravity_factor_unc``; NaN without
    enough flights).

    Rhythm: ``cadence_container_hz`` (steps per second) and ``contact_container_s`` (median
    ground contact) in the file's time; ``plausible_factors``: the candidate factors at which
    they are those of a runner.

    Held images: ``hold_frames`` is how many container frames each distinct image is shown
    (1: none held); ``n_near_copies``: images the decoder kept that only repeat a held image
    (two in one grid slot: their landmarks are left out); the distinct images were put on
    their capture grid when ``holds_retimed``.

    ``confidence`` (0-1) and its word (low / moderate / high), ``evidence``: one sentence per
    finding, in words and numbers.
    """

    status: str = "off"
    factor: float = 1.0
    applied: bool = False
    given_factor: float = 1.0
    given_source: str = "container frame rate"
    best_factor: float = NAN
    gravity_factor: float = NAN
    gravity_factor_unc: float = NAN
    apparent_g_m_s2: float = NAN
    apparent_g_unc_m_s2: float = NAN
    n_flights: int = 0
    cadence_container_hz: float = NAN
    contact_container_s: float = NAN
    plausible_factors: tuple[float, ...] = ()
    hold_frames: float = 1.0
    n_near_copies: int = 0
    holds_retimed: bool = False
    confidence: float = 0.0
    confidence_word: str = "low"
    evidence: tuple[str, ...] = ()

    @property
    def slow_motion(self) -> bool:
        """True when the analysis treats the clip as slow motion (factor above 1)."""
        return self.factor > 1.0 + 1e-9
