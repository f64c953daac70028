"""Slow motion recognised by physics: the clip's capture rate from gravity and from rhythm.

Phones export slow motion as 30 fps files and many drop the capture-rate tag; a clip slowed k
times then says a sprinter took 1 step a second. ``retime`` is the first stage of the analysis:

1. Held images: an export that shows each image for several frames, irregularly (3, 3, 6, 2+1
   ...), gives the distinct images the time they first appear, which is off their capture grid.
   When the images are held for 2 or more frames, each is put on the grid (its slot = the
   number of holds since the first image, rounded) and a near-copy sharing a slot loses its
   landmarks (a gap between the slots), so repeats neither add samples nor move events.
2. Gravity: in flight the trunk falls freely; in a clip slowed k times its apparent vertical
   acceleration is g / k^2, so k = sqrt(9.81 / apparent g) (``analysis.flight``), in metres from
   the athlete's height when given, else from a typical leg length (with its spread).
3. Rhythm: a runner takes 2.5-5.5 steps a second with 0.08-0.35 s contacts; a candidate factor
   is plausible when the clip's own cadence and contacts, scaled by it, are those of a runner.
4. Choice among the candidates (the usual factors 1, 2, 4, 8, the file's tag, the hold): the
   rhythm-plausible one nearest the gravity factor, taken when within ``snap_ratio`` (else the
   gravity factor itself, when its rhythm is plausible). A clip is re-timed (``time_s / k``) only
   when the file gave no rate, gravity excludes real time (k above ``min_factor`` by
   ``exclude_sigmas``) and the rhythm is implausible at real time: a real-time clip is never
   taken for slow motion on one line of evidence. When the motion disagrees with a tag or
   ``--capture-fps``, the given rate is kept and a flag says so.
"""

from __future__ import annotations

import math

import numpy as np

from stridecam.analysis import scale as scale_mod
from stridecam.analysis.clean import reject_outliers
from stridecam.analysis.flight import FreeFall, contact_and_cadence, flight_windows, free_fall
from stridecam.model.poses import Flag, Poses
from stridecam.model.settings import Calibration
from stridecam.model.timescale import TimeScale
from stridecam.model.timescale_settings import TimeScaleSettings
from stridecam.model.track import LEG_FRACTION_OF_HEIGHT

G_M_S2 = 9.81
NAN = float("nan")
#: ``Poses.meta["capture_fps_source"]`` values that mean a rate was given (not estimated).
GIVEN_SOURCES = ("container tag", "user (--capture-fps)")
#: What ``retime`` writes to ``Poses.meta["capture_fps_source"]`` when it re-times a clip.
ESTIMATED_SOURCE = "estimated from the motion (gravity and rhythm)"
#: The default settings (one frozen value, shared).
DEFAULTS = TimeScaleSettings()


def retime(poses: Poses, calib: Calibration = Calibration(),
           settings: TimeScaleSettings = DEFAULTS) -> tuple[Poses, TimeScale]:
    """The poses on their capture time and what was found (see the module docstring). The
    returned poses carry the flags of the finding (re-timed, slow motion likely, rate in
    doubt, held images)."""
    given, source = given_factor(poses)
    if not settings.detect or poses.n_frames < 8:
        return poses, TimeScale(status="off", factor=given, given_factor=given,
                                given_source=source)
    held, hold, copies = distinct_times(poses) if settings.retime_holds else (poses, 1.0, 0)
    ts = estimate(held, calib, settings, given=given, source=source, hold=hold)
    ts = _with_holds(ts, hold, copies, held is not poses)
    out = held
    if ts.applied:
        out = apply_factor(held, ts.factor / given)
    flags = _flags(ts, poses)
    return (out.with_flags(*flags) if flags else out), ts


def given_factor(poses: Poses) -> tuple[float, str]:
    """(slow-motion factor the file or the user set, where it came from): capture rate over
    container rate, and "container frame rate" (factor 1) when nothing set one."""
    source = str(poses.meta.get("capture_fps_source", ""))
    factor = poses.capture_fps / poses.nominal_fps
    if source not in GIVEN_SOURCES:
        source = "container tag" if abs(factor - 1.0) > 1e-3 else "container frame rate"
    return (factor if source in GIVEN_SOURCES else 1.0), source


def apply_factor(poses: Poses, factor: float) -> Poses:
    """The poses with capture time divided by ``factor`` (and the capture rate multiplied)."""
    meta = dict(poses.meta, capture_fps_source=ESTIMATED_SOURCE,
                timescale_factor=float(factor))
    return poses.replace(time_s=poses.time_s / factor, capture_fps=poses.capture_fps * factor,
                         meta=meta)


def replay(poses: Poses, ts: TimeScale | None) -> Poses:
    """The same poses a saved run analysed: held images on their grid and, when the run was
    re-timed, capture time divided by its factor (for reports that re-read the landmarks;
    poses already re-timed are returned as they are)."""
    if ts is None or "timescale_factor" in poses.meta:
        return poses
    if ts.holds_retimed:
        poses = distinct_times(poses)[0]
    return apply_factor(poses, ts.factor / ts.given_factor) if ts.applied else poses


# ------------------------------------------------------------------------------ held images
def distinct_times(poses: Poses) -> tuple[Poses, float, int]:
    """(poses with held images on their capture grid, container frames per image, near-copies
    found). Unchanged when images are not held (median hold under 2 frames) or every image
    already sits on its grid (within a quarter of a frame). A near-copy (a second image in a
    grid slot) keeps its row, so rows still match the decoded frames, but loses its landmarks
    and sits between the slots (a gap: it adds no sample and moves no event)."""
    f = poses.frame_index.astype(float)
    if poses.n_frames < 4 or float(np.median(np.diff(f))) < 2:
        return poses, 1.0, 0
    slot, hold, offset = grid_slots(f)
    if np.ptp(slot) <= 0:
        return poses, hold, 0
    keep = _one_per_slot(slot, offset)
    slope, icpt = np.polyfit(slot[keep], poses.time_s[keep], 1)
    grid = icpt + slope * _spread_copies(slot, keep)
    if keep.all() and np.all(np.abs(grid - poses.time_s) < 0.25 * slope / hold):
        return poses, hold, 0
    copies = ~keep
    xy, z, vis, world = (a.copy() for a in (poses.xy_px, poses.z_rel, poses.visibility,
                                             poses.world_m))
    for arr in (xy, z, vis, world):
        arr[copies] = np.nan
    out = poses.replace(time_s=grid - grid[0] + poses.time_s[0], xy_px=xy, z_rel=z,
                        visibility=vis, world_m=world,
                        meta=dict(poses.meta, hold_frames=hold,
                                  n_near_copies=int(copies.sum())))
    return out, hold, int(copies.sum())


def _spread_copies(slot: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Slot numbers with the near-copies of a slot moved off it, in their frame order, to
    within half a slot before or after the kept image (times stay strictly increasing)."""
    out = slot.astype(float).copy()
    for value in np.unique(slot[~keep]):
        rows = np.flatnonzero(slot == value)
        k = int(np.flatnonzero(keep[rows])[0])
        out[rows] = value + 0.5 * (np.arange(len(rows)) - k) / len(rows)
    return out


def grid_slots(frames: np.ndarray) -> tuple[np.ndarray, float, np.ndarray]:
    """(grid slot of each image, container frames per slot, each image's offset from its slot
    in frames) for the container frame numbers at which distinct images first appear: the hold
    starts as the mean of the usual holds (within half of the median), then slots, hold and
    phase are fitted together (a fractional hold such as 4, 5, 4, 5 is one grid; a hold twice
    the usual one is a lost capture frame, two images in one slot are a near-copy)."""
    steps = np.diff(frames)
    usual = float(np.median(steps))
    hold = float(np.mean(steps[(steps >= 0.5 * usual) & (steps <= 1.5 * usual)]))
    phase = 0.0
    slot = np.zeros(len(frames))
    for _ in range(3):
        turn = np.exp(2j * np.pi * frames / hold)
        phase = float(hold * np.angle(turn.mean()) / (2 * np.pi))
        slot = np.round((frames - phase) / hold)
        slot -= slot.min()
        on = np.abs(frames - phase - hold * slot) <= 0.25 * hold  # near-copies off the grid
        if np.ptp(slot[on]) <= 0:
            break
        hold, phase = (float(v) for v in np.polyfit(slot[on], frames[on], 1))
    return slot, hold, frames - (phase + hold * slot)


def _one_per_slot(slot: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """Mask keeping, of the images that share a grid slot, the one nearest the slot's time."""
    keep = np.ones(len(slot), dtype=bool)
    for value in np.unique(slot):
        rows = np.flatnonzero(slot == value)
        if len(rows) > 1:
            keep[rows] = False
            keep[rows[np.argmin(np.abs(offset[rows]))]] = True
    return keep


# ------------------------------------------------------------------------------ evidence
def estimate(poses: Poses, calib: Calibration, s: TimeScaleSettings, *, given: float = 1.0,
             source: str = "container frame rate", hold: float = 1.0) -> TimeScale:
    """The finding for poses on the time the file (or the user) gave: ``factor`` stays
    ``given`` unless ``applied``."""
    leg_px, _ = scale_mod.leg_length_px(poses.xy_px)
    if not np.isfinite(leg_px):
        return TimeScale(status="inconclusive", factor=given, given_factor=given,
                         given_source=source, evidence=("The athlete's legs were not found.",))
    xy, _ = reject_outliers(poses.xy_px, leg_px)
    flights = flight_windows(xy, s.flight_clearance_leg, top_share=s.top_share,
                             max_top_period=s.max_top_period)
    contact_s, cadence_hz = contact_and_cadence(poses.time_s, flights)
    leg_m, leg_rel = _leg_length_m(calib, s)
    fall = free_fall(poses.time_s, xy, flights, leg_m, min_samples=s.min_window_samples)
    k_g, k_unc = _gravity_factor(fall, leg_rel, s)
    k_g, k_unc = k_g * given, k_unc * given  # of the container's time
    cadence_c, contact_c = cadence_hz / given, contact_s * given
    candidates = sorted({*s.usual_factors, given, *([round(hold, 2)] if hold >= 1.5 else [])})
    plausible = tuple(c for c in candidates if _rhythm_ok(cadence_c, contact_c, c, s))
    best = _best(k_g, k_unc, candidates, plausible, cadence_c, contact_c, s)
    if not math.isfinite(k_g) and round(hold, 2) in plausible:
        best = round(hold, 2)  # images repeated k times: a clip slowed by repetition?
    ts = TimeScale(
        factor=given, given_factor=given, given_source=source, best_factor=best,
        gravity_factor=k_g, gravity_factor_unc=k_unc,
        apparent_g_m_s2=fall.accel_m_s2 / given ** 2 if fall else NAN,
        apparent_g_unc_m_s2=fall.unc_m_s2 / given ** 2 if fall else NAN,
        n_flights=fall.n_flights if fall else 0, cadence_container_hz=cadence_c,
        contact_container_s=contact_c, plausible_factors=plausible,
        hold_frames=round(hold, 2) if hold >= 1.5 else 1.0)
    return _decide(ts, s)


def _leg_length_m(calib: Calibration, s: TimeScaleSettings) -> tuple[float, float]:
    """(leg length m, its 1-sigma relative uncertainty): from the height, else typical."""
    if calib.height_m is not None:
        return calib.height_m * LEG_FRACTION_OF_HEIGHT, scale_mod.LEG_FRACTION_REL_SD
    return s.typical_leg_m, s.typical_leg_rel_sd


def _gravity_factor(fall: FreeFall | None, leg_rel: float, s: TimeScaleSettings
                    ) -> tuple[float, float]:
    """(k = sqrt(g / apparent g), its 1-sigma uncertainty): the fit, the leg length and the
    systematic error in quadrature; NaN with too few flights or no measurable fall."""
    if fall is None or fall.n_flights < s.min_flights or not fall.accel_m_s2 > 2 * fall.unc_m_s2:
        return NAN, NAN
    k = math.sqrt(G_M_S2 / fall.accel_m_s2)
    rel = math.sqrt((0.5 * fall.unc_m_s2 / fall.accel_m_s2) ** 2 + (0.5 * leg_rel) ** 2
                    + s.gravity_rel_sd ** 2)
    return k, k * rel


def _rhythm_ok(cadence_hz: float, contact_s: float, factor: float, s: TimeScaleSettings) -> bool:
    """A runner's rhythm at ``factor``: cadence (and contacts, when measured) in range."""
    m = s.contact_margin
    if not s.min_step_frequency_hz <= cadence_hz * factor <= s.max_step_frequency_hz:
        return False
    contact = contact_s / factor
    return not math.isfinite(contact) or \
        s.min_contact_s * (1 - m) <= contact <= s.max_contact_s * (1 + m)


def _best(k_g: float, k_unc: float, candidates: list[float], plausible: tuple[float, ...],
          cadence_hz: float, contact_s: float, s: TimeScaleSettings) -> float:
    """The factor the evidence points to: the rhythm-plausible candidate nearest the gravity
    factor within ``snap_ratio`` (or 2.5 sigma); else the gravity factor itself (to 0.1) when
    the rhythm is plausible there; else, when the rhythm could not be measured, the nearest
    candidate within that tolerance. Without gravity: the only plausible candidate. NaN when
    nothing fits."""
    if not math.isfinite(k_g):
        return plausible[0] if len(plausible) == 1 else NAN
    tol = max(math.log(s.snap_ratio), 2.5 * k_unc / k_g)
    pool = plausible if math.isfinite(cadence_hz) else tuple(candidates)
    if pool:
        near = min(pool, key=lambda c: abs(math.log(k_g / c)))
        if abs(math.log(k_g / near)) <= tol:
            return float(near)
    if _rhythm_ok(cadence_hz, contact_s, k_g, s):
        return float(round(k_g, 1))
    return NAN


def _decide(ts: TimeScale, s: TimeScaleSettings) -> TimeScale:
    """Status, factor, confidence and evidence from the measures (module docstring, step 4)."""
    given, best, k_g, k_unc = ts.given_factor, ts.best_factor, ts.gravity_factor, \
        ts.gravity_factor_unc
    has_g = math.isfinite(k_g)
    z_given = abs(math.log(k_g / given)) / (k_unc / k_g) if has_g else 0.0
    given_ok = given in ts.plausible_factors
    evidence = _evidence(ts, s)
    conf = _confidence(ts, s)
    tagged = ts.given_source in GIVEN_SOURCES
    other = math.isfinite(best) and abs(math.log(best / given)) > math.log(1.2)
    gravity_excludes = has_g and k_g / given > s.min_factor and z_given >= s.exclude_sigmas
    if tagged:
        if other and (not given_ok) and z_given >= s.exclude_sigmas:
            status = "rate_doubtful"
        else:
            status = "rate_confirmed" if (given_ok or (has_g and z_given < 2)) else "inconclusive"
        return _replace(ts, status=status, confidence=conf, evidence=evidence)
    if given_ok:  # a runner's rhythm at real time: gravity alone never makes slow motion
        ts = _replace(ts, best_factor=given) if not math.isfinite(best) else ts
        return _replace(ts, status="real_time", confidence=_confidence(ts, s),
                        evidence=evidence)
    if other and best > given and not has_g and best == ts.hold_frames:
        return _replace(ts, status="suggested", confidence=min(conf, 0.3), evidence=evidence)
    if not (other and best > given and gravity_excludes):
        return _replace(ts, status="inconclusive", confidence=0.0, evidence=evidence)
    if s.apply and k_unc / k_g <= s.max_rel_unc:
        return _replace(ts, status="applied", factor=best, applied=True, confidence=conf,
                        evidence=evidence)
    return _replace(ts, status="suggested", confidence=conf, evidence=evidence)


def _confidence(ts: TimeScale, s: TimeScaleSettings) -> float:
    """0-1, half from each line of evidence about ``best_factor``: rhythm (1 when only it is
    plausible among the candidates, 0.6 when others are too or it is no usual factor, 0 when
    implausible) and gravity (how close the gravity factor is to it, in sigmas, times the
    share of six flights; 0 without gravity)."""
    best = ts.best_factor
    if not math.isfinite(best):
        return 0.0
    rhythm = 1.0 if ts.plausible_factors == (best,) else \
        0.6 if _rhythm_ok(ts.cadence_container_hz, ts.contact_container_s, best, s) else 0.0
    gravity = 0.0
    if math.isfinite(ts.gravity_factor):
        z = abs(math.log(ts.gravity_factor / best)) / (ts.gravity_factor_unc / ts.gravity_factor)
        gravity = math.exp(-0.5 * z * z) * min(1.0, ts.n_flights / 6)
    return round(0.5 * rhythm + 0.5 * gravity, 2)


def _evidence(ts: TimeScale, s: TimeScaleSettings) -> tuple[str, ...]:
    """One sentence per line of evidence, with the numbers."""
    out = []
    if math.isfinite(ts.gravity_factor):
        out.append(f"Gravity: over {ts.n_flights} flight phases the trunk falls at "
                   f"{ts.apparent_g_m_s2:.2f} +/- {ts.apparent_g_unc_m_s2:.2f} m/s^2 of the "
                   f"file's time instead of {G_M_S2} m/s^2, which is slow motion x"
                   f"{ts.gravity_factor:.1f} +/- {ts.gravity_factor_unc:.1f}.")
    else:
        out.append(f"Gravity: {ts.n_flights} usable flight phase(s) (at least {s.min_flights} "
                   "long enough to fit are needed): no estimate.")
    if math.isfinite(ts.cadence_container_hz):
        contact = (f" and {ts.contact_container_s:.2f} s contacts"
                   if math.isfinite(ts.contact_container_s) else "")
        fits = ", ".join(f"x{c:g}" for c in ts.plausible_factors) or "none of the candidates"
        out.append(f"Rhythm: {ts.cadence_container_hz:.2f} steps/s{contact} in the file's time; "
                   f"a runner's rhythm ({s.min_step_frequency_hz:g}-{s.max_step_frequency_hz:g}"
                   f" steps/s, {s.min_contact_s:g}-{s.max_contact_s:g} s contacts) at {fits}.")
    else:
        out.append("Rhythm: the feet do not repeat a step pattern: no cadence.")
    return tuple(out)


def _replace(ts: TimeScale, **changes: object) -> TimeScale:
    import dataclasses

    conf = float(changes.get("confidence", ts.confidence))  # type: ignore[arg-type]
    word = "high" if conf >= 0.7 else "moderate" if conf >= 0.4 else "low"
    return dataclasses.replace(ts, confidence_word=word, **changes)  # type: ignore[arg-type]


def _with_holds(ts: TimeScale, hold: float, dropped: int, retimed: bool) -> TimeScale:
    import dataclasses

    if hold < 1.5:
        return ts
    note = (f"Held images: each image is shown for {hold:.1f} container frames; "
            + (f"the distinct images were put on their capture grid ({dropped} near-copies "
               "left out)." if retimed else "they already sit on their capture grid."))
    return dataclasses.replace(ts, n_near_copies=dropped,
                               holds_retimed=retimed, evidence=ts.evidence + (note,))


def _flags(ts: TimeScale, poses: Poses) -> list[Flag]:
    """The data-quality flags of a finding (none for a plain real-time clip)."""
    why = " ".join(ts.evidence[:2])
    rate = poses.nominal_fps
    flags = []
    if ts.status == "applied":
        flags.append(Flag("slow_motion_detected", "warning",
                          f"The file gives no capture rate, but the motion is slow motion "
                          f"x{ts.factor:g} ({rate * ts.factor:.0f} fps; confidence "
                          f"{ts.confidence_word}): times were divided by {ts.factor:g}. {why} "
                          "Give --capture-fps if this is wrong."))
    elif ts.status == "suggested":
        flags.append(Flag("possible_slow_motion", "warning",
                          f"This may be slow motion x{ts.best_factor:g} "
                          f"({rate * ts.best_factor:.0f} fps); the evidence is not clear "
                          f"enough to re-time the clip. {why} If so, give --capture-fps "
                          f"{rate * ts.best_factor:.0f}."))
    elif ts.status == "rate_doubtful":
        flags.append(Flag("capture_rate_doubtful", "warning",
                          f"The capture rate {poses.capture_fps:g} fps ({ts.given_source}) "
                          f"disagrees with the motion, which points to x{ts.best_factor:g} "
                          f"({rate * ts.best_factor:.0f} fps); the given rate was kept. {why}"))
    if ts.holds_retimed:
        flags.append(Flag("held_frames_retimed", "info", ts.evidence[-1]))
    return flags
