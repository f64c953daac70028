"""Squad PDF: headers state the unit actually in their column (a run without a scale in leg
lengths under a leg-lengths header, never under "(m/s)"), the cadence-step length plot drawn in
leg lengths when some run has no scale (or a sentence saying why there is none), and clip names
and words wrapped between words, never cut inside one. Squad tables as ``stridecam batch``
writes them (``squad_summary.csv`` columns), read back from the PDF with pypdf."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from stridecam.report.squad import squad_frame, table_cells, write_squad_report
from stridecam.report.squad_figures import scatter_units
from stridecam.report.textfit import ELLIPSIS, column_widths, pieces, wrap

pypdf = pytest.importorskip("pypdf")
NAN = float("nan")


def run(athlete, clip, *, top_m, top_leg, len_m, len_leg, units, date="2026-05-01",
        verdict="inconclusive"):
    return {"athlete": athlete, "date": date, "clip": clip, "length_units": units,
            "cadence_spm": 240.0, "contact_time_s": 0.15, "flight_time_s": 0.09,
            "peak_thigh_flexion_deg": 60.0, "recovery_time_s": 0.25,
            "step_length_m": len_m, "step_length_leg": len_leg,
            "top_speed_m_s": top_m, "top_speed_leg_s": top_leg,
            "verdict": verdict, "confidence": 0.4, "warnings": 1}


MIXED = pd.DataFrame([
    run("ken", "ken/track_blockstart_a1_side.mp4", top_m=6.22, top_leg=7.24, len_m=1.26,
        len_leg=1.47, units="m"),
    run("ken", "ken/track_blockstart_b1_side.mp4", top_m=6.82, top_leg=7.94, len_m=1.37,
        len_leg=1.59, units="m", date="2026-05-08", verdict="recycling_limited"),
    run("mia", "mia/treadmill_phone60fps_side.mp4", top_m=NAN, top_leg=6.86, len_m=NAN,
        len_leg=1.45, units="leg"),
])


def pdf_text(path) -> str:
    return "\n".join(p.extract_text() or "" for p in pypdf.PdfReader(str(path)).pages)


def joined(text: str) -> str:
    """Extracted text with the line breaks that wrapping put after "_", "/" and between words
    taken out (a name wrapped at its underscores reads back whole)."""
    return re.sub(r"\s+", " ", re.sub(r"([_/])\s+", r"\1", text))


def test_headers_state_the_unit_in_their_column():
    df = squad_frame(MIXED)
    headers, rows = table_cells(df)
    by_clip = {r[3]: dict(zip(headers, r)) for r in rows}
    mia = by_clip["treadmill_phone60fps_side"]
    assert mia["Top speed (m/s)"] == "–" and mia["Step length (m)"] == "–"
    assert mia["Top speed (leg lengths/s)"] == "6.86"
    assert mia["Step length (leg lengths)"] == "1.45"
    ken = by_clip["track_blockstart_b1_side"]
    assert ken["Top speed (m/s)"] == "6.82" and ken["Top speed (leg lengths/s)"] == "7.94"
    assert list(df["clip"]) == [  # metres first by m/s, then the run without a scale
        "ken/track_blockstart_b1_side.mp4", "ken/track_blockstart_a1_side.mp4",
        "mia/treadmill_phone60fps_side.mp4"]
    # an old-style table that put leg lengths under the metre names: moved, not shown as m
    old = MIXED.drop(columns=["top_speed_leg_s", "step_length_leg"]).copy()
    old.loc[2, ["top_speed_m_s", "step_length_m"]] = [6.86, 1.45]
    d = squad_frame(old).set_index("clip")
    assert np.isnan(d.at["mia/treadmill_phone60fps_side.mp4", "top_speed_m_s"])
    assert d.at["mia/treadmill_phone60fps_side.mp4", "top_speed_leg_s"] == 6.86


def test_mixed_squad_pdf_reads_back_units_and_whole_names(tmp_path):
    out = write_squad_report(MIXED, [], tmp_path / "squad.pdf")
    raw = pdf_text(out.path)
    text = joined(raw)
    for header in ("Top speed (m/s)", "Top speed (leg lengths/s)", "Step length (m)",
                   "Step length (leg lengths)"):
        assert header in text, header
    assert " LL" not in text  # no unit marks squeezed into a metres column
    for name in ("track_blockstart_a1_side", "track_blockstart_b1_side",
                 "treadmill_phone60fps_side"):
        assert name in text, name
    assert re.search(r"\binconclusive\b", raw) and re.search(r"\bre-cycling\b", text)
    assert not re.search(r"inconclusiv\s+e|track_block\s+sta|re-cyclin\s", raw)
    assert ELLIPSIS not in raw
    assert "every run is shown in leg lengths" in text  # the scatter keeps the no-scale run


def test_squad_without_any_scale_has_no_metres_and_plots_leg_lengths(tmp_path):
    legs = MIXED.assign(top_speed_m_s=NAN, step_length_m=NAN, length_units="leg")
    headers, _ = table_cells(squad_frame(legs))
    assert "Top speed (leg lengths/s)" in headers and "Top speed (m/s)" not in headers
    assert scatter_units(squad_frame(legs))[0] == "leg"
    out = write_squad_report(legs, [], tmp_path / "legs.pdf")
    text = joined(pdf_text(out.path))
    assert "(m/s)" not in text and "Step length (m)" not in text
    assert "Top speed (leg lengths/s)" in text
    assert "every run is shown in leg lengths" in text


def test_no_lengths_at_all_says_why_there_is_no_plot(tmp_path):
    bare = MIXED.assign(top_speed_m_s=NAN, step_length_m=NAN, top_speed_leg_s=NAN,
                        step_length_leg=NAN, length_units="leg")
    units, why = scatter_units(squad_frame(bare))
    assert units is None and "no cadence-step length plot" in why
    text = joined(pdf_text(write_squad_report(bare, [], tmp_path / "bare.pdf").path))
    assert "so there is no cadence-step length plot" in text


# ----------------------------------------------------------------------------- textfit
def width(text: str) -> float:
    return float(len(text))


def test_wrap_breaks_between_words_and_at_underscores_only():
    assert pieces("track_blockstart_a1_side") == ["track_", "blockstart_", "a1_", "side"]
    assert pieces("-0.31 m") == ["-0.31 ", "m"]  # a minus sign is no break
    lines = wrap("track_blockstart_a1_side", 12, width).split("\n")
    assert "".join(lines) == "track_blockstart_a1_side"
    assert all(len(x) <= 12 for x in lines)
    assert wrap("inconclusive", 12, width) == "inconclusive"
    short = wrap("inconclusive", 8, width)  # too narrow for the word: ellipsis, not a break
    assert short.endswith(ELLIPSIS) and "\n" not in short and len(short) <= 8


def test_column_widths_give_each_column_its_widest_word():
    headers = ["Clip", "Verdict", "n"]
    rows = [["track_blockstart_a1_side", "inconclusive", "1"]]
    w = column_widths(headers, rows, 60.0, width, width, pad=2)
    assert sum(w) == pytest.approx(60.0)
    assert w[1] >= len("inconclusive") + 2 and w[0] >= len("blockstart_") + 2
