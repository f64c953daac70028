"""The real clips of ../shared/videos: what a user sees (the ``real`` section)."""

from __future__ import annotations

from stridecam.analysis.run import analyse_poses
from stridecam.model.settings import PoseSettings
from validation.common import CACHE, REPO

REAL_CLIPS = ("treadmill_phone60fps_side.mp4", "treadmill_lab_slowmo_side.mp4",
              "track_maxvelocity_slowmo_side.mp4", "track_blockstart_a1_side.mp4",
              "track_blockstart_a10_side.mp4", "track_blockstart_b1_side.mp4",
              "grass_handheld_pace_progression_side.mp4", "indoortrack_oblique_pan_two_runners.mp4",
              "pitch_front_multi_person.mp4", "front_jog_in_place_vfr.mp4")


def section_real(quick: bool) -> str:
    from stridecam.pipeline import get_poses

    videos = REPO.parent / "shared" / "videos"
    lines = ["The real clips of `../shared/videos` (MANIFEST.md there says what each shows), no "
             "calibration (lengths in leg lengths), default settings. No ground truth exists for "
             "them: this is what a user would see.", "",
             "| clip | frames kept / decoded | athlete found | eff. fps | side view (hip+shoulder "
             "width, leg) | steps | cadence spm | contact s | flight s | flags |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for name in REAL_CLIPS[:4] if quick else REAL_CLIPS:
        clip = videos / name
        if not clip.exists():
            lines.append(f"| {name} | missing | | | | | | | | |")
            continue
        poses, _ = get_poses(clip, CACHE / "real" / clip.stem, PoseSettings())
        r = analyse_poses(poses)
        m, v = r.summary.metrics, r.view

        def med(col, fmt, m=m):
            x = m.of(col).median
            return format(x, fmt) if x == x else "n/a"

        flags = ", ".join(sorted({f.code for f in r.flags}))
        lines.append(
            f"| {name} | {poses.n_frames} / {poses.meta.get('n_frames_decoded', '?')} | "
            f"{100 * poses.detection_rate:.0f}% | {poses.effective_fps:.0f} | "
            f"{'yes' if v.is_side_view else 'no'} ({v.width_leg:.2f}) | "
            f"{r.summary.n_steps} | {med('cadence_spm', '.0f')} | {med('contact_time_s', '.3f')} | "
            f"{med('flight_time_s', '.3f')} | {flags} |")
    return "\n".join(lines)


#: Athlete profiles for the limiter check: (low, high) ranges drawn uniformly per run. The
#: limited profiles sit clearly beyond the shipped reference ranges (max velocity: contact
#: 0.08-0.12 s, peak thigh flexion 65-85 deg, recovery 0.18-0.24 s); BORDERLINE athletes sit at
