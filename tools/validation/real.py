"""The real clips of ../shared/videos: what a user sees (the ``real`` section)."""

from __future__ import annotations

from stridecam.analysis.run import analyse_poses
from stridecam.model.settings import AnalysisSettings, PoseSettings
from validation.common import CACHE, REPO

#: The first clips of a quick run (a full run takes every clip of ../shared/videos).
QUICK_CLIPS = ("treadmill_phone60fps_side.mp4", "treadmill_lab_slowmo_side.mp4",
               "track_maxvelocity_slowmo_side.mp4", "track_blockstart_a1_side.mp4")


def section_real(quick: bool) -> str:
    from stridecam.pipeline import get_poses, image_refiner

    videos = REPO.parent / "shared" / "videos"
    lines = ["The real clips of `../shared/videos` (MANIFEST.md there says what each shows), no "
             "calibration (lengths in leg lengths), default settings. No ground truth exists for "
             "them: this is what a user would see (the analysis `stridecam analyse` runs, image "
             "evidence included). Cadence: the run value over consecutive steps with its "
             "1-sigma uncertainty, the number the terminal, page 1 and summary.json show; "
             "contact and flight: medians.", "",
             "| clip | frames kept / decoded | athlete found | eff. fps | side view (hip+shoulder "
             "width, leg) | steps | cadence spm | contact s | flight s | flags |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    names = QUICK_CLIPS if quick else sorted(p.name for p in videos.glob("*.mp4"))
    for name in names:
        clip = videos / name
        if not clip.exists():
            lines.append(f"| {name} | missing | | | | | | | | |")
            continue
        poses, _ = get_poses(clip, CACHE / "real" / clip.stem, PoseSettings())
        settings = AnalysisSettings()
        r = analyse_poses(poses, settings=settings, refine=image_refiner(clip, settings))
        m, v = r.summary.metrics, r.view
        cad = m.cadence_spm
        cadence = (f"{cad.value:.1f} ± {cad.uncertainty:.1f}"
                   if cad.value is not None and cad.value == cad.value else "n/a")

        def med(col, fmt, m=m):
            x = m.of(col).median
            return format(x, fmt) if x == x else "n/a"

        flags = ", ".join(sorted({f.code for f in r.flags}))
        lines.append(
            f"| {name} | {poses.n_frames} / {poses.meta.get('n_frames_decoded', '?')} | "
            f"{100 * poses.detection_rate:.0f}% | {poses.effective_fps:.0f} | "
            f"{'yes' if v.is_side_view else 'no'} ({v.width_leg:.2f}) | "
            f"{r.summary.n_steps} | {cadence} | {med('contact_time_s', '.3f')} | "
            f"{med('flight_time_s', '.3f')} | {flags} |")
    return "\n".join(lines)


#: Athlete profiles for the limiter check: (low, high) ranges drawn uniformly per run. The
#: limited profiles sit clearly beyond the shipped reference ranges (max velocity: contact
#: 0.08-0.12 s, peak thigh flexion 65-85 deg, recovery 0.18-0.24 s); BORDERLINE athletes sit at
