"""The result of one run, as typed data: ``RunResult`` and the parts of its summary.

The analysis (``stridecam.analysis.run.analyse_poses``) makes it; the pipeline and the batch
write it (``stridecam.model.serial`` turns it into ``summary.json`` and back, with a schema
version); the reports, the squad tables and the command line read its fields. Nothing reads a
run's numbers by string key outside ``serial``.

Units: every metric keeps the unit of its column (``stridecam.model.columns``); lengths are in
``RunResult.scale.units`` (metres, or leg lengths when no scale was given: ``length_units``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from stridecam.model.columns import ASYMMETRY, SUMMARISED
from stridecam.model.errors import ConfigError
from stridecam.model.fv import FVProfile
from stridecam.model.poses import Flag
from stridecam.model.settings import Settings
from stridecam.model.timescale import TimeScale
from stridecam.model.track import Cleaning, Scale, Track
from stridecam.model.verdict import Verdict

if TYPE_CHECKING:  # the tables are pandas DataFrames; the limiter reads no table
    import pandas as pd

NAN = float("nan")


@dataclass(frozen=True)
class MetricStat:
    """One per-step metric over the run: ``median`` and ``iqr`` of the step values, ``n``
    values, and ``run``: the value over the longest chain of consecutive steps (steps / time,
    distance / steps: cadence, step time and frequency, step length, speed), where touchdown
    errors inside the chain cancel; NaN for metrics without one. ``uncertainty``: 1-sigma
    uncertainty of ``value`` (the run value: from its two end touchdowns; a median: its
    standard error from the spread of the steps and their measurement uncertainty)."""

    median: float = NAN
    iqr: float = NAN
    n: int = 0
    run: float = NAN
    uncertainty: float = NAN

    @property
    def value(self) -> float:
        """The run's figure: the run value where there is one, else the median."""
        return self.run if math.isfinite(self.run) else self.median

    @property
    def is_run_value(self) -> bool:
        """True when ``value`` is the chained-steps run value (else it is the median)."""
        return math.isfinite(self.run)


@dataclass(frozen=True)
class Metrics:
    """A ``MetricStat`` per summarised step column (definitions: ``stridecam.model.columns``)."""

    contact_time_s: MetricStat = MetricStat()
    flight_time_s: MetricStat = MetricStat()
    step_time_s: MetricStat = MetricStat()
    cadence_spm: MetricStat = MetricStat()
    step_frequency_hz: MetricStat = MetricStat()
    step_length_m: MetricStat = MetricStat()
    step_length_leg: MetricStat = MetricStat()
    stride_length_m: MetricStat = MetricStat()
    stride_length_leg: MetricStat = MetricStat()
    speed_m_s: MetricStat = MetricStat()
    speed_leg_s: MetricStat = MetricStat()
    swing_time_s: MetricStat = MetricStat()
    recovery_time_s: MetricStat = MetricStat()
    peak_thigh_flexion_deg: MetricStat = MetricStat()
    peak_knee_height_leg: MetricStat = MetricStat()
    thigh_separation_td_deg: MetricStat = MetricStat()
    trunk_lean_deg: MetricStat = MetricStat()
    max_thigh_angular_velocity_deg_s: MetricStat = MetricStat()
    touchdown_distance_m: MetricStat = MetricStat()
    touchdown_distance_leg: MetricStat = MetricStat()
    shin_angle_td_deg: MetricStat = MetricStat()
    knee_angle_td_deg: MetricStat = MetricStat()
    thigh_front_to_deg: MetricStat = MetricStat()
    thigh_back_to_deg: MetricStat = MetricStat()
    heel_recovery_leg: MetricStat = MetricStat()

    def of(self, column: str) -> MetricStat:
        """The statistics of a summarised column (``KeyError`` for any other name)."""
        if column not in SUMMARISED:
            raise KeyError(column)
        stat: MetricStat = getattr(self, column)
        return stat

    def items(self) -> Iterator[tuple[str, MetricStat]]:
        for f in dataclasses.fields(self):
            yield f.name, getattr(self, f.name)


@dataclass(frozen=True)
class AsymmetryStat:
    """Left/right asymmetry of one metric, percent: ``pct`` = 100 (left - right) / mean of the
    two feet's medians, ``unc_pct`` its 1-sigma uncertainty from the spread and number of each
    foot's values; NaN when a side has no value."""

    pct: float = NAN
    unc_pct: float = NAN

    @property
    def beyond_error(self) -> bool:
        """True when the asymmetry exceeds twice its uncertainty: a finding, not noise."""
        return math.isfinite(self.pct) and math.isfinite(self.unc_pct) and \
            abs(self.pct) > 2.0 * self.unc_pct


@dataclass(frozen=True)
class Asymmetry:
    """Left/right asymmetry per metric (``AsymmetryStat``)."""

    contact_time_s: AsymmetryStat = AsymmetryStat()
    flight_time_s: AsymmetryStat = AsymmetryStat()
    step_length_leg: AsymmetryStat = AsymmetryStat()
    swing_time_s: AsymmetryStat = AsymmetryStat()
    recovery_time_s: AsymmetryStat = AsymmetryStat()
    peak_thigh_flexion_deg: AsymmetryStat = AsymmetryStat()
    peak_knee_height_leg: AsymmetryStat = AsymmetryStat()

    def items(self) -> Iterator[tuple[str, AsymmetryStat]]:
        for f in dataclasses.fields(self):
            yield f.name, getattr(self, f.name)


@dataclass(frozen=True)
class VelocityFit:
    """v(t) = v_max (1 - exp(-(t - t0) / tau)) fitted to the step speeds of an acceleration
    (``v_max_leg_s`` and ``rms_residual_leg_s`` in leg lengths per second, ``tau_s`` and
    ``t0_s`` in seconds of clip time)."""

    v_max_leg_s: float
    tau_s: float
    t0_s: float
    rms_residual_leg_s: float


@dataclass(frozen=True)
class RunSummary:
    """The run's numbers from its steps table: ``n_steps`` complete steps, ``length_units``
    ("m" when a scale was given, else "leg": the ``_m`` values are then NaN), the distinct-frame
    rate (``effective_fps``) and what one frame is in milliseconds, the ``metrics``, left/right
    ``asymmetry_pct``, the top speed (m/s and leg lengths/s), the ``phase`` ("acceleration",
    "max_velocity" or "unknown") from the Theil-Sen slope of the step speeds (the mean
    acceleration and the low end of its 95% interval in leg lengths/s^2, and in m/s^2 with a
    scale) and the fitted ``velocity_fit`` of an acceleration."""

    n_steps: int = 0
    length_units: str = "leg"
    effective_fps: float = NAN
    timing_resolution_ms: float = NAN
    metrics: Metrics = Metrics()
    asymmetry_pct: Asymmetry = Asymmetry()
    top_speed_m_s: float = NAN
    top_speed_leg_s: float = NAN
    phase: str = "unknown"
    mean_acceleration_m_s2: float = NAN
    mean_acceleration_leg_s2: float = NAN
    mean_acceleration_low95_leg_s2: float = NAN
    velocity_fit: VelocityFit | None = None


@dataclass(frozen=True)
class BlockStart:
    """A start from blocks (seconds of clip time): the set position from ``set_start_s`` to the
    first movement, and when the rear and the front foot left their blocks (the last instant
    each was on its pedal), each with its source ("image" or "landmarks") and 1-sigma
    uncertainty (s); ``rear_side``: the tracker's label ("left"/"right") of the foot on the
    rear pedal in the set position."""

    set_start_s: float
    first_movement_s: float
    rear_exit_s: float
    front_exit_s: float
    source: str = "landmarks"
    rear_exit_unc_s: float = NAN
    front_exit_unc_s: float = NAN
    rear_side: str = ""

    @property
    def rear_block_time_s(self) -> float:
        """First movement to the rear foot leaving its block (s)."""
        return self.rear_exit_s - self.first_movement_s

    @property
    def front_block_time_s(self) -> float:
        """First movement to the front foot leaving its block: the push's duration (s)."""
        return self.front_exit_s - self.first_movement_s


@dataclass(frozen=True)
class ViewCheck:
    """Is this a side view? (None: not checked.) ``width_leg``: median horizontal hip +
    shoulder width in leg lengths; ``detail``: one sentence with the numbers."""

    is_side_view: bool | None = None
    width_leg: float = NAN
    detail: str = ""


#: Plausible body mass, kg.
MASS_RANGE_KG = (20.0, 250.0)


@dataclass(frozen=True)
class Athlete:
    """Who ran: a name for the report, the standing height in metres and the body mass in kg
    (None = not given; without a mass the force-velocity profile is per kg)."""

    name: str | None = None
    height_m: float | None = None
    mass_kg: float | None = None

    def __post_init__(self) -> None:
        low, high = MASS_RANGE_KG
        if self.mass_kg is not None and not (math.isfinite(self.mass_kg)
                                             and low <= self.mass_kg <= high):
            raise ConfigError(f"--mass-kg {self.mass_kg}: expected a body mass in kilograms "
                              f"({low:g}-{high:g})")


@dataclass(frozen=True)
class Provenance:
    """Where the numbers came from: the clip (``source``: a path, or "simulated:<preset>"),
    the pose model, the share of frames with the athlete found, the container's frame rate and
    the capture rate used for time, and the stridecam version."""

    source: str = ""
    model: str = ""
    detection_rate: float = NAN
    nominal_fps: float = NAN
    capture_fps: float = NAN
    stridecam_version: str = ""


@dataclass(frozen=True)
class RunResult:
    """Everything computed for one run. ``contacts`` and ``steps`` are tables with the columns
    of ``stridecam.model.columns``; ``track`` (the cleaned landmarks) is kept in memory for the
    report and is not saved (it is recomputed from the saved landmarks); ``fv_profile``: the
    horizontal force-velocity profile (``stridecam.model.fv``; None: not computed);
    ``timescale``: the clip's time scale found from the motion (slow motion, held images:
    ``stridecam.model.timescale``; None: not looked at)."""

    provenance: Provenance
    athlete: Athlete
    summary: RunSummary
    scale: Scale
    direction: int
    cleaning: Cleaning
    view: ViewCheck
    contacts: pd.DataFrame
    steps: pd.DataFrame
    flags: tuple[Flag, ...] = ()
    verdict: Verdict | None = None
    settings: Settings = field(default_factory=Settings)
    block_start: BlockStart | None = None
    track: Track | None = None
    fv_profile: FVProfile | None = None
    timescale: TimeScale | None = None

    @property
    def source(self) -> str:
        return self.provenance.source

    @property
    def name(self) -> str:
        """The clip's file name without suffix, or the simulated preset (a report's title)."""
        src = self.provenance.source
        if src.startswith("simulated:") or not src:
            return src or "run"
        return src.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]

    def replace(self, **changes: object) -> RunResult:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


assert tuple(f.name for f in dataclasses.fields(Metrics)) == SUMMARISED
assert tuple(f.name for f in dataclasses.fields(Asymmetry)) == ASYMMETRY
