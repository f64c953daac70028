"""``TimeScaleSettings``: the settings of ``stridecam.analysis.timescale`` (slow motion
recognised from the motion), part of ``stridecam.model.settings.AnalysisSettings`` (kept apart
so ``settings`` stays short). Units in the names: ``_hz`` steps per second, ``_s`` seconds,
``_leg`` leg lengths, ``_m`` metres; ``factor`` = capture rate / container rate."""

from __future__ import annotations

import math
from dataclasses import dataclass

from stridecam.model.errors import ConfigError


@dataclass(frozen=True)
class TimeScaleSettings:
    """``stridecam.analysis.timescale``: slow motion recognised from the motion itself.

    ``detect``: look at all; ``apply``: re-time a clip without a capture-rate tag when the
    evidence is clear (else only report it). Candidates: ``usual_factors`` (slow-motion factor
    = capture rate / container rate), the file's tag and the hold of repeated images. A
    runner's rhythm: ``min_step_frequency_hz``-``max_step_frequency_hz`` steps per second and
    ``min_contact_s``-``max_contact_s`` contacts (widened by ``contact_margin``, 0.25 = 25%:
    contacts from the landmarks are coarse). Gravity: a flight is where the lowest foot is more
    than ``flight_clearance_leg`` leg lengths above the ground; the fall is fitted in windows
    around each peak of the upper body's height, ``top_share`` of the median flight each side
    (at most ``max_top_period`` of a step), of at least ``min_window_samples`` samples, in at
    least ``min_flights`` flights; without a height the leg is ``typical_leg_m`` metres (1-sigma
    ``typical_leg_rel_sd``); ``gravity_rel_sd`` is the systematic 1-sigma relative error of the
    gravity factor (pose tracker's smoothing, trunk vs centre of mass: VALIDATION.md). A usual
    factor within ``snap_ratio`` of the gravity factor is taken. Re-timing needs the gravity
    factor above ``min_factor``, real time excluded by ``exclude_sigmas`` and a relative
    uncertainty of at most ``max_rel_unc``. ``retime_holds``: put held images on their grid."""

    detect: bool = True
    apply: bool = True
    usual_factors: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0)
    min_step_frequency_hz: float = 2.5
    max_step_frequency_hz: float = 5.5
    min_contact_s: float = 0.08
    max_contact_s: float = 0.35
    contact_margin: float = 0.25
    flight_clearance_leg: float = 0.1
    top_share: float = 0.5
    max_top_period: float = 0.25
    min_window_samples: int = 5
    min_flights: int = 4
    typical_leg_m: float = 0.86
    typical_leg_rel_sd: float = 0.06
    gravity_rel_sd: float = 0.12
    snap_ratio: float = 1.42
    min_factor: float = 1.5
    exclude_sigmas: float = 3.0
    max_rel_unc: float = 0.25
    retime_holds: bool = True

    def __post_init__(self) -> None:
        if not self.usual_factors or not all(math.isfinite(f) and f >= 1.0
                                             for f in self.usual_factors):
            raise ConfigError(f"timescale.usual_factors {self.usual_factors}: give factors "
                              ">= 1 (1 = real time)")
        for low, high in (("min_step_frequency_hz", "max_step_frequency_hz"),
                          ("min_contact_s", "max_contact_s")):
            a, b = getattr(self, low), getattr(self, high)
            if not (math.isfinite(a) and math.isfinite(b) and 0 < a < b):
                raise ConfigError(f"timescale.{low} {a} and {high} {b}: need 0 < low < high")
        if not (self.snap_ratio > 1.0 and self.min_factor > 1.0 and self.typical_leg_m > 0):
            raise ConfigError("timescale: snap_ratio and min_factor must exceed 1, "
                              "typical_leg_m must be positive")
        if self.min_window_samples < 4 or self.min_flights < 1:
            raise ConfigError("timescale: min_window_samples must be >= 4 (a parabola and its "
                              "error need them), min_flights >= 1")
