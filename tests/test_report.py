"""Reports: the run PDF read back (pypdf), its pages rendered (pdftoppm), the overlay video's
frame count, ``stridecam report DIR`` without pose estimation, and the squad PDF.

The runs are simulated (exact landmarks, no MediaPipe): one at maximal velocity, rendered to a
small clip and saved as a run folder exactly as ``pipeline.analyse_clip`` writes it (metres,
athlete height given); one accelerating, uncalibrated (leg lengths), with no video, reported
straight from its ``RunResult``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import re
import shutil

import av
import numpy as np
import pandas as pd
import pytest

pypdf = pytest.importorskip("pypdf")

from stridecam.analysis.limiter import SPECS  # noqa: E402
from stridecam.analysis.run import analyse_poses  # noqa: E402
from stridecam.io.config import load_reference  # noqa: E402
from stridecam.io.store import save_poses, write_run  # noqa: E402
from stridecam.model.errors import StridecamError  # noqa: E402
from stridecam.model.result import RunResult  # noqa: E402
from stridecam.model.serial import from_jsonable, to_jsonable  # noqa: E402
from stridecam.model.settings import Calibration  # noqa: E402
from stridecam.model.verdict import Verdict  # noqa: E402
from stridecam.report import content, write_overlay, write_run_report, write_squad_report  # noqa: E402
from stridecam.report.command import add_report_arguments, cmd_report  # noqa: E402
from stridecam.report.load import load_run_data  # noqa: E402
from stridecam.report.squad import squad_frame  # noqa: E402
from stridecam.simulate import AthleteParams, CameraParams, simulate  # noqa: E402

pytestmark = pytest.mark.slow  # renders video / runs MediaPipe


# ----------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    """A saved run folder (steps, contacts, summary, landmarks) of a rendered simulated clip."""
    from stridecam.simulate import render_clip, to_poses

    root = tmp_path_factory.mktemp("report")
    run = simulate(AthleteParams(), CameraParams(width_px=426, height_px=240, fps=120),
                   duration_s=1.6, seed=3)
    clip = render_clip(run, root / "sprint.mp4", include_landmarks=False)
    poses = to_poses(run).replace(source=str(clip), model="ground_truth")
    calib = Calibration(height_m=1.80)
    result = analyse_poses(poses, calib, athlete="Test Runner", reference=load_reference())
    folder = root / "sprint"
    save_poses(poses, folder, key="test")
    write_run(result, folder)
    return folder, clip, result


@pytest.fixture(scope="module")
def run_pdf(run_folder, tmp_path_factory):
    folder, clip, _ = run_folder
    report = write_run_report(folder, folder / "report.pdf")
    return report, pypdf.PdfReader(str(report.path))


@pytest.fixture(scope="module")
def accel_result():
    """An accelerating run without calibration (lengths in leg lengths) and without video."""
    from stridecam.simulate import to_poses

    athlete = AthleteParams(v_max_m_s=10.5, speed_profile="accelerating", step_frequency_hz=4.5,
                            contact_time_s=0.1, start_offset_s=0.65)
    run = simulate(athlete, CameraParams(width_px=640, height_px=360), duration_s=1.8, seed=2)
    return analyse_poses(to_poses(run), Calibration(), reference=load_reference())


def pdf_text(reader) -> list[str]:
    return [page.extract_text() or "" for page in reader.pages]


def norm(text: str) -> str:
    """Whitespace collapsed (extraction puts line breaks where the layout wraps)."""
    return re.sub(r"\s+", " ", text)


def previews(pdf, out_dir, dpi: int = 30) -> list:
    """Page PNGs through ``command.write_previews`` (pdftoppm): required in CI."""
    if shutil.which("pdftoppm") is None:
        if os.environ.get("CI"):
            pytest.fail("pdftoppm (poppler-utils) is required in CI")
        pytest.skip("pdftoppm not installed")
    from stridecam.report.command import write_previews

    return write_previews(pdf, out_dir, dpi)


def count_frames(path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


# ----------------------------------------------------------------------------- run PDF
def test_first_page_has_verdict_confidence_and_every_headline_value(run_pdf, run_folder):
    report, reader = run_pdf
    saved = json.loads((run_folder[0] / "summary.json").read_text())
    summary = saved["summary"]
    page1 = norm(pdf_text(reader)[0])
    verdict = saved["verdict"]
    assert content.LABELS[verdict["label"]] in page1
    assert f"Confidence: {verdict['confidence_word']} ({verdict['confidence']:.2f}" in page1
    assert "Test Runner" in page1 and "height 1.80 m" in page1
    # headline run values (over chained steps), formatted here from the summary, not from the
    # report's own rows
    m = summary["metrics"]
    expected = {"Cadence (steps/min)": f"{m['cadence_spm']['run']:.0f}",
                "Step length (m)": f"{m['step_length_m']['run']:.2f}",
                "Top speed (m/s)": f"{summary['top_speed_m_s']:.2f}"}
    for name, value in expected.items():
        assert re.search(re.escape(name) + r".{0,40}?" + re.escape(value), page1), (name, value)
    evidence = verdict["evidence"]
    assert len(evidence) == len(SPECS)
    for ind in evidence:
        digits = SPECS[ind["name"]].digits
        value = "n/a" if ind["value"] is None else f"{ind['value']:.{digits}f}"
        ref = f"{ind['reference_low']:.{digits}f} to {ind['reference_high']:.{digits}f}"
        assert f"{value} {ref}" in page1, (ind["name"], value, ref)
    for flag in saved["flags"]:
        assert norm(flag["message"])[:60] in page1


def test_first_page_shows_who_was_analysed(run_pdf, run_folder):
    """A frame of the clip with the analysed person boxed, top right of page 1 (issue 17)."""
    from stridecam.report.load import load_run_data
    from stridecam.report.who import BOX_RGB, who_frame

    _, reader = run_pdf
    assert "analysed: the boxed person" in norm(pdf_text(reader)[0])
    assert len(reader.pages[0].images) == 1
    who = who_frame(load_run_data(run_folder[0]))
    assert who is not None and who.image.shape[1] == 480
    boxed = np.all(np.abs(who.image.astype(int) - BOX_RGB) < 40, axis=2)
    assert boxed.sum() > 200  # the box is drawn


def test_page_count_sections_and_step_table(run_pdf, run_folder):
    report, reader = run_pdf
    texts = [norm(t) for t in pdf_text(reader)]
    n = len(reader.pages)
    assert report.n_pages == n >= 6
    for k, text in enumerate(texts, 1):
        assert f"page {k} of {n}" in text
    whole = " ".join(texts)
    for section in ("Step by step", "Kinogram", "What to train", "Method and limits",
                    "Limits of the measurement", "Provenance"):
        assert section in whole, section
    steps = pd.read_csv(run_folder[0] / "steps.csv")
    table = texts[1]
    assert len(re.findall(r"\b(Left|Right)\b", table)) >= len(steps)
    for _, s in steps.iterrows():
        assert f"{s['contact_time_s']:.3f}" in table
    assert "Video frames as filmed" in whole  # the clip was found: real frames


def test_pages_render_and_are_not_blank(run_pdf, tmp_path):
    from PIL import Image

    report, reader = run_pdf
    pngs = previews(report.path, tmp_path)
    assert len(pngs) == len(reader.pages)
    for png in pngs:
        grey = np.asarray(Image.open(png).convert("L"), float)
        ink = float(np.mean(grey < 200))
        assert ink > 0.01, f"{png.name} looks blank ({ink:.3%} ink)"


def test_leg_length_units_fit_and_skeleton_kinogram(accel_result, tmp_path):
    r = accel_result
    assert r.summary.length_units == "leg" and r.summary.velocity_fit is not None
    report = write_run_report(r, tmp_path / "accel.pdf")
    whole = norm(" ".join(pdf_text(pypdf.PdfReader(str(report.path)))))
    assert "Step length (leg lengths)" in whole
    assert "Step length (m)" not in whole and "Speed (m/s)" not in whole
    assert "lengths are in leg lengths (hip to ankle), not metres" in whole
    assert "Dash-dot: v(t)" in whole  # the fitted acceleration curve is drawn and explained
    assert "Skeleton of the cleaned landmarks" in whole  # no video: skeleton kinogram


# ----------------------------------------------------------------------------- overlay, command
def test_overlay_has_as_many_frames_as_the_clip_and_is_annotated(run_folder, tmp_path):
    folder, clip, _ = run_folder
    out = write_overlay(clip, folder, tmp_path / "overlay.mp4")
    n_clip = count_frames(clip)
    assert out.n_frames == out.n_source_frames == n_clip
    assert count_frames(out.path) == n_clip
    with av.open(str(clip)) as a, av.open(str(out.path)) as b:
        fa = [f.to_ndarray(format="rgb24") for _, f in zip(range(40), a.decode(video=0))]
        fb = [f.to_ndarray(format="rgb24") for _, f in zip(range(40), b.decode(video=0))]
    diff = [float(np.mean(np.abs(x.astype(int) - y.astype(int)))) for x, y in zip(fa, fb)]
    assert min(diff) > 1.0  # every frame carries annotations (skeleton, panel)


def test_report_command_rerenders_without_pose_estimation(run_folder, tmp_path, monkeypatch,
                                                          capsys):
    import stridecam.pipeline

    def no_pose(*a, **k):
        raise AssertionError("pose estimation must not run")

    monkeypatch.setattr(stridecam.pipeline, "extract", no_pose)
    folder, clip, _ = run_folder
    parser = argparse.ArgumentParser()
    add_report_arguments(parser)
    out = tmp_path / "again.pdf"
    assert cmd_report(parser.parse_args([str(folder), "-o", str(out)])) == 0
    assert out.exists() and len(pypdf.PdfReader(str(out)).pages) >= 6
    assert "pages, verdict" in capsys.readouterr().out
    with pytest.raises(StridecamError, match="summary.json"):
        cmd_report(parser.parse_args([str(tmp_path)]))


def test_load_run_reads_back_what_was_saved(run_folder):
    folder, clip, result = run_folder
    data = load_run_data(folder)
    assert data.clip == clip and data.track is not None and not data.notes
    assert len(data.steps) == len(result.steps)
    v = from_jsonable(Verdict, json.loads(json.dumps(to_jsonable(result.verdict))))
    assert v.label == result.verdict.label
    assert [i.name for i in v.evidence] == [i.name for i in result.verdict.evidence]
    for a, b in zip(v.evidence, result.verdict.evidence):
        assert (math.isnan(a.value) and math.isnan(b.value)) or a.value == pytest.approx(b.value)


# ----------------------------------------------------------------------------- pure content
def test_headline_rows_units_and_positions(accel_result):
    rows = content.headline_rows(accel_result)
    names = [r.measure for r in rows]
    assert "Step length (leg lengths)" in names and "Top speed (leg lengths/s)" in names
    for r, ind in zip(rows[4:], [i for s in ("force", "recycling")
                                 for i in accel_result.verdict.evidence if i.side == s]):
        if math.isfinite(ind.value):
            want = ("above" if ind.value > ind.reference_high else
                    "below" if ind.value < ind.reference_low else "in range")
            assert r.position == want, ind.name
    in_m = with_summary(accel_result, length_units="m")
    assert content.label("step_length_m", in_m) == "Step length (m)"
    assert content.label("speed_m_s", accel_result) == "Speed (leg lengths/s)"


# ----------------------------------------------------------------------------- squad
def with_summary(run: RunResult, **changes) -> RunResult:
    """``run`` with some summary fields changed."""
    return run.replace(summary=dataclasses.replace(run.summary, **changes))


def test_squad_report_ranks_runs_and_adds_history_pages(run_folder, tmp_path):
    base = run_folder[2]
    rows, sums = [], []
    plan = [("Ada", 1.00, "2026-03-01"), ("Ada", 0.95, "2026-01-15"), ("Ben", 1.05, "2026-02-01"),
            ("Cy", 0.90, "2026-02-03")]
    for k, (name, f, date) in enumerate(plan):
        m = base.summary.metrics
        step = dataclasses.replace(m.step_length_m, median=m.step_length_m.median * f)
        s = with_summary(base, metrics=dataclasses.replace(m, step_length_m=step),
                         top_speed_m_s=base.summary.top_speed_m_s * f,
                         length_units="leg" if name == "Cy" else "m")
        s = s.replace(provenance=dataclasses.replace(s.provenance, source=f"clips/run{k}.mp4"))
        sums.append(s)
        rows.append({"athlete": name, "date": date, "clip": f"run{k}.mp4"})
    table = pd.DataFrame(rows)
    df = squad_frame(table, sums)
    assert list(df["athlete"]) == ["Ben", "Ada", "Ada", "Cy"]  # fastest first, leg units last
    out = write_squad_report(table, sums, tmp_path / "squad.pdf")
    reader = pypdf.PdfReader(str(out.path))
    whole = norm(" ".join(pdf_text(reader)))
    assert out.n_pages == len(reader.pages) == 3  # table, figures, Ada's history
    assert "History: Ada" in whole and "History: Ben" not in whole
    assert f"{base.summary.top_speed_m_s * 1.05:.2f}" in whole
    # Cy's uncalibrated lengths sit under a leg-lengths header, never under a metres one
    assert "Top speed (leg lengths/s)" in re.sub(r"/\s+", "/", whole)
    assert f"{base.summary.top_speed_leg_s:.2f}" in whole
    label = content.LABELS[base.verdict.label]
    assert f"2026-01-15: {label}" in whole and f"2026-03-01: {label}" in whole


def test_squad_report_reads_the_batch_squad_table(run_folder, tmp_path):
    batch_squad = pytest.importorskip("stridecam.batch.squad")
    base = run_folder[2]
    leg = with_summary(base, length_units="leg")
    runs = {"m.mp4": ("Ann", base), "leg.mp4": ("", leg)}
    table = batch_squad.squad_table(
        batch_squad.squad_row(s, athlete=a, date="2026-05-01", clip=c, notes=None, output=c)
        for c, (a, s) in runs.items())
    sums = [runs[c][1] for c in table["clip"]]
    df = squad_frame(table, sums).set_index("clip")
    assert df.at["leg.mp4", "length_units"] == "leg" and df.at["m.mp4", "length_units"] == "m"
    assert math.isnan(df.at["leg.mp4", "step_length_m"])  # no metres without a scale
    assert df.at["leg.mp4", "step_length_leg"] == pytest.approx(
        leg.summary.metrics.step_length_leg.value)
    assert df.at["leg.mp4", "athlete"] == "(no name)"
    out = write_squad_report(table, sums, tmp_path / "squad.pdf")
    whole = norm(" ".join(pdf_text(pypdf.PdfReader(str(out.path)))))
    assert "Step length (leg lengths)" in whole and " LL" not in whole
    assert f"{leg.summary.metrics.step_length_leg.value:.2f}" in whole


def test_page_one_leads_with_one_priority_and_no_arrows_when_unscored(tmp_path):
    """A 30 fps clip gets no verdict: page 1 says what to change in the filming first, and the
    reference table shows no above/below arrows for measures that were not scored."""
    from stridecam.simulate import to_poses

    run = simulate(AthleteParams(), CameraParams(width_px=640, height_px=360, fps=30),
                   duration_s=1.6, seed=4)
    result = analyse_poses(to_poses(run), Calibration(height_m=1.8), reference=load_reference())
    assert result.verdict is not None and result.verdict.label == "inconclusive"
    report = write_run_report(result, tmp_path / "r.pdf")
    page1 = norm(pdf_text(pypdf.PdfReader(str(report.path)))[0])
    assert "Priority for the next clip: film in slow motion at 120 fps" in page1
    assert "▲" not in page1 and "▼" not in page1
    assert "not scored" in page1
    scored = write_run_report(analyse_poses(to_poses(simulate(
        AthleteParams(), CameraParams(width_px=640, height_px=360, fps=120), duration_s=2.0,
        seed=4)), Calibration(height_m=1.8), reference=load_reference()), tmp_path / "s.pdf")
    text = norm(pdf_text(pypdf.PdfReader(str(scored.path)))[0])
    assert "Priority:" in text and "maximal velocity" in text
