"""Slow motion recognised by physics (issue 14): the ``timescale`` section.

Every clip is analysed as ``stridecam analyse CLIP`` would, with no option (no capture rate, no
height): the pose stage (cached), then the analysis with the image evidence. Three groups:

- the bundled 120 fps samples and 240 fps renders re-timed into 30 fps files without a tag
  (``ffmpeg -i in.mp4 -vf setpts=K*PTS -r 30 -map_metadata -1 out.mp4``: x2 keeps every other
  frame, x4 every frame, x8 repeats every frame once): the factor must be found (capture rate
  within 10%) and the run cadence must match the truth within 3%;
- real-time clips (the rendered samples, renders at 30-240 fps, every real-time clip of
  ../shared/videos): the factor must stay 1;
- the two slow-motion clips of ../shared/videos (no tag, true rate unknown).

    python tools/validation/timescale.py          # prints the section (markdown)
"""

from __future__ import annotations

import math
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

if __name__ == "__main__":  # run as a script: the repository and tools/ on the path
    sys.path[:0] = [str(Path(__file__).resolve().parents[2]),
                    str(Path(__file__).resolve().parents[1])]

from stridecam.analysis.run import analyse_poses  # noqa: E402
from stridecam.analysis.summary import run_values  # noqa: E402
from stridecam.model.result import RunResult  # noqa: E402
from stridecam.model.settings import AnalysisSettings, PoseSettings  # noqa: E402
from validation.common import CACHE, REPO  # noqa: E402

SAMPLES = REPO / "sample_videos"
VIDEOS = REPO.parent / "shared" / "videos"
WORK = CACHE / "timescale"
#: Slow-motion cases: (source clip, its capture fps, factor).
RETIMED = [("balanced_pan", 120, 2), ("balanced_pan", 120, 4), ("balanced_pan", 120, 8),
           ("slow_recycling", 120, 4), ("acceleration_static", 120, 4),
           ("slow_recycling", 120, 2), ("slow_recycling", 120, 8),
           ("acceleration_static", 120, 2), ("acceleration_static", 120, 8),
           ("balanced_still", 240, 8), ("acceleration_static", 240, 8)]
#: Real-time renders (preset, fps) beside the bundled samples.
RENDERS = [(p, f) for p in ("balanced_pan", "balanced_still", "force_limited")
           for f in (30, 60, 120, 240)]
SLOW_REAL = ("treadmill_lab_slowmo_side", "track_maxvelocity_slowmo_side")


@dataclass(frozen=True)
class Row:
    """One analysed clip: what it is, the true factor (NaN: unknown) and the truth's cadence
    (steps/min, NaN: none), and the result."""

    name: str
    true_factor: float
    true_cadence_spm: float
    result: RunResult
    second: RunResult | None = None


def retimed_clip(source: Path, factor: int) -> Path:
    """``source`` slowed ``factor`` times into a 30 fps file without metadata (cached)."""
    out = WORK / f"{source.stem}_x{factor}.mp4"
    if not out.exists():
        WORK.mkdir(parents=True, exist_ok=True)
        subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", str(source),
                        "-vf", f"setpts={factor}*PTS", "-r", "30", "-map_metadata", "-1",
                        str(out)], check=True)
    return out


def analyse(clip: Path, cache: Path, capture_fps: float | None = None) -> RunResult:
    """``clip`` as ``stridecam analyse`` would (pose cache in ``cache``, image evidence);
    ``capture_fps``: as with ``--capture-fps``."""
    from stridecam.pipeline import get_poses, image_refiner

    poses, _ = get_poses(clip, cache, PoseSettings(capture_fps=capture_fps))
    settings = AnalysisSettings()
    return analyse_poses(poses, settings=settings, refine=image_refiner(clip, settings))


def second_pass(clip: Path, cache: Path, result: RunResult) -> RunResult | None:
    """A clip found to be slow motion posed again at the found capture rate (the pose stage's
    tracking then sees real time, as with ``--capture-fps``) and analysed again; None when the
    clip was not re-timed."""
    ts = result.timescale
    if ts is None or not ts.applied:
        return None
    fps = round(result.provenance.nominal_fps * ts.factor, 3)
    return analyse(clip, cache.with_name(cache.name + "_at_found_rate"), fps)


def truth_cadence(truth_json: Path, start_s: float, end_s: float) -> float:
    """The truth's run cadence (steps/min) over its steps inside [start, end] s."""
    from stridecam.simulate import load_truth

    steps = load_truth(truth_json).steps
    inside = steps[(steps["touchdown_time_s"] >= start_s)
                   & (steps["next_touchdown_time_s"] <= end_s)]
    value = run_values(inside).get("cadence_spm", (math.nan, math.nan))[0]
    return float(value) if math.isfinite(value) else float(inside["cadence_spm"].median())


def source_clip(name: str, fps: int) -> Path:
    """A bundled sample (120 fps) or a cached render (``validation.rendered``)."""
    if fps == 120 and (SAMPLES / f"{name}.mp4").exists():
        return SAMPLES / f"{name}.mp4"
    from validation.rendered import rendered_clip

    return Path(rendered_clip(name, fps)[0])


def rows_retimed() -> list[Row]:
    rows = []
    for name, fps, factor in RETIMED:
        src = source_clip(name, fps)
        clip = retimed_clip(src, factor)
        result = analyse(clip, WORK / clip.stem)
        again = second_pass(clip, WORK / clip.stem, result)
        steps = (again or result).steps
        span = (0.0, math.inf) if not len(steps) else (
            float(steps["touchdown_time_s"].min()) - 0.01,
            float(steps["next_touchdown_time_s"].max()) + 0.01)
        truth = truth_cadence(src.with_suffix(".truth.json"), *span)
        rows.append(Row(f"{name} {fps} fps as x{factor}", float(factor), truth, result, again))
    return rows


def rows_real_time() -> list[Row]:
    rows = []
    for name in ("balanced_pan", "slow_recycling", "acceleration_static"):
        clip = SAMPLES / f"{name}.mp4"
        rows.append(Row(f"sample {name} (120 fps)", 1.0, math.nan,
                        analyse(clip, WORK / f"sample_{name}")))
    for name, fps in RENDERS:
        clip = source_clip(name, fps)
        rows.append(Row(f"render {name} {fps} fps", 1.0, math.nan,
                        analyse(clip, CACHE / f"{clip.stem}_video")))
    for clip in sorted(VIDEOS.glob("*.mp4")):
        if clip.stem not in SLOW_REAL:
            rows.append(Row(clip.stem, 1.0, math.nan, analyse(clip, CACHE / "real" / clip.stem)))
    return rows


def rows_slow_real() -> list[Row]:
    rows = []
    for name in SLOW_REAL:
        clip, cache = VIDEOS / f"{name}.mp4", CACHE / "real" / name
        if clip.exists():
            result = analyse(clip, cache)
            rows.append(Row(name, math.nan, math.nan, result, second_pass(clip, cache, result)))
    return rows


def _cadence(result: RunResult | None) -> float:
    return result.summary.metrics.cadence_spm.value if result is not None else math.nan


def table_row(row: Row) -> str:
    ts = row.result.timescale
    assert ts is not None
    cad, cad2 = _cadence(row.result), _cadence(row.second)
    grav = (f"{ts.gravity_factor:.2f} ± {ts.gravity_factor_unc:.2f} ({ts.n_flights})"
            if math.isfinite(ts.gravity_factor) else f"n/a ({ts.n_flights})")
    fps = row.result.provenance.capture_fps
    verdict = ""
    if math.isfinite(row.true_factor):
        factor_ok = abs(fps / (row.result.provenance.nominal_fps * row.true_factor) - 1) <= 0.10
        verdict = "pass" if factor_ok else "FAIL"
        if math.isfinite(row.true_cadence_spm):
            verdict = " / ".join(
                "pass" if factor_ok and math.isfinite(c)
                and abs(c / row.true_cadence_spm - 1) <= 0.03 else "FAIL" for c in (cad, cad2))
    truth = f" / {row.true_cadence_spm:.1f}" if math.isfinite(row.true_cadence_spm) else ""
    plausible = ", ".join(f"{c:g}" for c in ts.plausible_factors) or "none"
    true = f"{row.true_factor:g}" if math.isfinite(row.true_factor) else "?"
    cadence = " / ".join(f"{c:.1f}" if math.isfinite(c) else "n/a" for c in (cad, cad2))
    contacts = f"{len(row.result.contacts)}" + (f" / {len(row.second.contacts)}"
                                               if row.second is not None else "")
    shown = ts.best_factor if ts.status in ("suggested", "rate_doubtful") else ts.factor
    return (f"| {row.name} | {true} | {grav} | {ts.cadence_container_hz:.2f} ({plausible}) | "
            f"{ts.status} x{shown:g} ({ts.confidence_word}) | {fps:.0f} | {cadence}{truth} | "
            f"{contacts} | {verdict} |")


HEAD = ["| clip | true factor | gravity factor ± 1σ (flights) | cadence steps/s in the file "
        "(plausible factors) | chosen | capture fps used | run cadence spm: analysis / after "
        "re-posing at the found rate / truth | contacts | bar (analysis / re-posed) |",
        "|---|---|---|---|---|---|---|---|---|"]


def timescale_section() -> str:
    """The ``timescale`` section of VALIDATION.md (markdown)."""
    retimed, real_time, slow_real = rows_retimed(), rows_real_time(), rows_slow_real()
    n_ok = sum(r.result.timescale is not None and r.result.timescale.factor == 1.0
               for r in real_time)
    lines = [
        "Slow motion recognised from the motion (`analysis.timescale`): the gravity factor "
        "sqrt(9.81 / apparent fall acceleration of the upper body in flight), the rhythm "
        "(cadence 2.5-5.5 steps/s, contacts 0.08-0.35 s) at each candidate factor (1, 2, 4, 8, "
        "the tag, the hold of repeated images), and the choice. Every clip analysed with no "
        "option (no capture rate, no height: a typical 0.86 m leg), image evidence on. Bar for "
        "the re-timed clips: capture rate within 10% of the truth and run cadence within 3%. "
        "A clip found to be slow motion is also posed again at the found rate (MediaPipe's "
        "video-mode tracking smooths by time: fed the file's slowed time it smooths the "
        "landmarks differently) and analysed again: the second cadence.",
        "", "Re-timed into 30 fps files without a tag:", "", *HEAD,
        *(table_row(r) for r in retimed), "",
        f"Real-time clips (the factor must stay 1): {n_ok} of {len(real_time)} kept 1.", "",
        *HEAD, *(table_row(r) for r in real_time), "",
        "The slow-motion clips of ../shared/videos (no tag; the true rate is unknown):", "",
        *HEAD, *(table_row(r) for r in slow_real), ""]
    for r in slow_real:
        ts = r.result.timescale
        if ts is not None:
            lines.append(f"- `{r.name}`: " + " ".join(ts.evidence))
    return "\n".join(lines)


if __name__ == "__main__":
    print(timescale_section())
