"""Analysis of one run, from ``Poses`` to ``RunResult`` (pure: no file, video or MediaPipe).

``analyse_poses`` chains the computation stages: time scale (slow motion and held images,
recognised from the motion) -> clean -> view check -> block start -> events
-> (image evidence, handed in as a function by the edge that has the video:
``pipeline.analyse_clip``) -> metrics -> summary -> limiter verdict (when a reference is handed
in: the TOML is read at the edge, ``stridecam.io.config.load_reference``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from stridecam import __version__
from stridecam.analysis.clean import clean, within_range
from stridecam.analysis.events import detect_contacts
from stridecam.analysis.events.blocks import (
    exit_rows,
    find_block_start,
    ground_contacts,
    refined_exits,
)
from stridecam.analysis.events.candidates import accept, search_windows, too_short
from stridecam.analysis.events.detect import cut_at_end
from stridecam.analysis.fv_profile import fv_profile
from stridecam.analysis.identity import drop_doubtful
from stridecam.analysis.limiter import Reference, assess
from stridecam.analysis.metrics import compute_steps
from stridecam.analysis.summary import summarise
from stridecam.analysis.timescale import retime
from stridecam.analysis.view import view_check
from stridecam.model.poses import Flag, Poses
from stridecam.model.result import (
    Athlete,
    BlockStart,
    Provenance,
    RunResult,
    RunSummary,
    ViewCheck,
)
from stridecam.model.settings import AnalysisSettings, Calibration, PoseSettings, Settings
from stridecam.model.track import Track

#: Refines a contacts table from the video's frames (``io.evidence.refine_contacts`` bound to a
#: clip): (poses, contacts) -> contacts with image-timed edges, sources and uncertainties.
ContactRefiner = Callable[[Poses, pd.DataFrame], pd.DataFrame]


def analyse_poses(poses: Poses, calib: Calibration = Calibration(), *,
                  settings: AnalysisSettings = AnalysisSettings(), athlete: str | None = None,
                  reference: Reference | None = None,
                  pose_settings: PoseSettings = PoseSettings(),
                  refine: ContactRefiner | None = None,
                  mass_kg: float | None = None) -> RunResult:
    """Clean, detect contacts, measure steps, summarise and (with a ``reference``) judge one
    athlete's run. ``refine``: times the contacts' edges from the frames (none: landmark
    timing only). ``pose_settings`` only goes into the record of settings used. ``mass_kg``:
    body mass (kg) for the force-velocity profile in N and W (None: per kg). Slow motion without
    a capture-rate tag is recognised first (``analysis.timescale``) and the re-timed poses go
    on."""
    poses, timescale = retime(poses, calib, settings.timescale)  # the clock, from physics
    poses = within_range(poses, settings.clean)  # --start / --end
    track = clean(poses, calib, settings.clean)
    view = view_check(poses.xy_px, track.scale.leg_length_px, settings.view.max_side_width_leg)
    block = find_block_start(track)
    contacts, event_flags = detect_contacts(track, settings.contacts)
    contacts = ground_contacts(contacts, block)
    if refine is not None and len(contacts):
        contacts, block = _refined(poses, track, contacts, block, refine, settings)
        event_flags.append(_evidence_flag(contacts))
    contacts = drop_doubtful(contacts, poses)  # none where the identity is in doubt
    steps = compute_steps(track, contacts, settings.steps)
    if view.is_side_view is False:  # a front view's lengths and angles are not measurable
        steps = steps.iloc[:0]
    fps = poses.effective_fps
    summary = summarise(steps, fps=fps, leg_length=track.scale.leg_length,
                        units=track.scale.units, settings=settings.summary,
                        from_blocks=block is not None,
                        scale_rel_unc=track.scale.rel_uncertainty)
    who = Athlete(name=athlete, height_m=calib.height_m, mass_kg=mass_kg)
    fv = fv_profile(summary, steps, track.scale, who)  # force-side evidence (limiter: later)
    flags = [*poses.flags, *track.flags, *event_flags, *_run_flags(summary, view, settings)]
    result = RunResult(
        provenance=Provenance(source=poses.source, model=poses.model,
                              detection_rate=poses.detection_rate,
                              nominal_fps=poses.nominal_fps, capture_fps=poses.capture_fps,
                              stridecam_version=__version__),
        athlete=who,
        summary=summary, scale=track.scale, direction=track.direction,
        cleaning=track.cleaning, view=view, contacts=contacts, steps=steps, flags=tuple(flags),
        settings=Settings(pose=pose_settings, calibration=calib, analysis=settings),
        block_start=block, track=track, fv_profile=fv, timescale=timescale)
    if reference is None:
        return result
    return result.replace(verdict=assess(result, reference))


def _refined(poses: Poses, track: Track, contacts: pd.DataFrame, block: BlockStart | None,
             refine: ContactRefiner, settings: AnalysisSettings
             ) -> tuple[pd.DataFrame, BlockStart | None]:
    """The contacts timed from the frames, with the contacts the landmarks missed where the
    frames show one (``events.candidates``), and none too short to be a step; the block exits
    timed from the frames too (none of the contacts may start before the front foot left)."""
    frame_s = 1.0 / track.fps
    short = too_short(contacts)
    contacts, fragments = contacts[~short], contacts[short]
    search = search_windows(contacts, float(track.time_s[0]), float(track.time_s[-1]), block,
                            frame_s, cut_at_end(track, settings.contacts))
    for col in ("touchdown", "toe_off"):
        k = np.searchsorted(poses.time_s, search[f"{col}_time_s"].to_numpy(float))
        search[f"{col}_frame"] = np.clip(k, 0, poses.n_frames - 1)
    parts = [contacts.assign(search=False, kind="contact"), search.assign(kind="search"),
             fragments.assign(search=True, kind="fragment")]
    if block is not None:
        parts.append(exit_rows(block, poses.xy_px, poses.time_s).assign(kind="block"))
    refined = refine(poses, pd.concat([p for p in parts if len(p)], ignore_index=True))
    kind = refined["kind"].to_numpy()
    if block is not None:
        block = refined_exits(block, refined[kind == "block"])
    # a fragment the frames could not look at (panning camera off, foot too small or out of
    # frame) stays what the landmarks found; one they looked at and did not confirm goes
    unseen = np.isin(refined["evidence_note"].astype(str), UNSEEN) & (kind == "fragment")
    kept = fragments[unseen[kind == "fragment"]].assign(search=False)
    rows = pd.concat([refined[(kind != "block") & ~unseen], kept], ignore_index=True)
    accepted = accept(rows, (float(poses.time_s[0]), float(poses.time_s[-1])), frame_s)
    return ground_contacts(accepted, block), block


#: Evidence notes of rows the frames could not look at (``io.evidence``).
UNSEEN = ("pan_camera_off", "foot_too_small", "out_of_frame", "foot_not_seen", "too_few_frames",
          "frames_missing")


def _evidence_flag(contacts: pd.DataFrame) -> Flag:
    """How many touchdowns and toe-offs the frames timed (the rest: the landmarks)."""
    n = len(contacts)
    td = int((contacts["touchdown_source"] == "image").sum())
    to = int((contacts["toe_off_source"] == "image").sum())
    notes = contacts["evidence_note"].astype(str)
    if n and not td and not to and notes.str.contains("pan_camera_off").any():
        return Flag("image_evidence", "info",
                    "The camera pans: touchdowns and toe-offs are timed from the pose landmarks "
                    "(timing from the video frames is used with a still camera only; "
                    "contacts.csv gives each event's uncertainty).")
    return Flag("image_evidence", "info",
                f"Touchdowns timed from the video frames for {td} of {n} contacts, toe-offs for "
                f"{to} of {n}; the others from the pose landmarks (less precise: "
                "contacts.csv gives each event's source and uncertainty).")


def _run_flags(summary: RunSummary, view: ViewCheck, settings: AnalysisSettings) -> list[Flag]:
    """Flags about the run as a whole: view, number of steps, frame rate."""
    flags = []
    if view.is_side_view is False:
        flags.append(Flag("not_side_view", "error",
                          f"This does not look like a side view ({view.detail}): step "
                          "lengths and joint angles cannot be measured from it, so no step "
                          "values are given."))
    min_steps = settings.summary.min_steps
    if summary.n_steps < min_steps and view.is_side_view is not False:
        flags.append(Flag("few_steps", "warning",
                          f"Only {summary.n_steps} complete step(s) were found; at least "
                          f"{min_steps} are needed for reliable medians."))
    fps = summary.effective_fps
    if fps < settings.summary.low_fps:
        flags.append(Flag("low_frame_rate", "warning",
                          f"{fps:.0f} distinct frames per second: event times are known to "
                          f"+/- {1000 / fps / 2:.0f} ms, so contact and flight times of sprinting "
                          "(~100 ms) are coarse; film at 120-240 fps for timing."))
    return flags
