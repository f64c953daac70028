"""The per-run PDF report (``reports/<clip>/report.pdf``).

Pages: (1) athlete and clip, the verdict with its confidence and explanation, the headline
metrics beside their reference ranges, data-quality flags; (2) the per-step table; then the
figures (rhythm, speed, timing by leg, thigh-angle traces, kinogram), the advice for the
verdict, the method (definitions, limits, references) and the provenance.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass
from pathlib import Path

from stridecam import __version__
from stridecam.analysis.advice import advice_for
from stridecam.io.store import atomic_path
from stridecam.report import content as C
from stridecam.report import figures as F
from stridecam.report.document import FONT, Doc
from stridecam.report.kinogram_draw import kinogram_section
from stridecam.report.load import RunData, from_result, load_run_data
from stridecam.report.method import method_page, provenance
from stridecam.report.who import who_frame


@dataclass(frozen=True)
class RunReport:
    """What ``write_run_report`` wrote: the file, its page count, the verdict label."""

    path: Path
    n_pages: int
    label: str


def write_run_report(result_or_folder, out_pdf: str | Path, *, clip: str | Path | None = None,
                     poses=None) -> RunReport:
    """Write the run report of a saved run folder, a ``RunData`` or a ``RunResult`` to
    ``out_pdf`` (atomically). For a ``RunResult`` the landmarks (for the kinogram) are read
    from ``out_pdf``'s folder unless ``poses`` is given; ``clip`` overrides the video path."""
    out_pdf = Path(out_pdf)
    if isinstance(result_or_folder, RunData):
        data = result_or_folder
    elif isinstance(result_or_folder, (str, Path)):
        data = load_run_data(result_or_folder, clip)
    else:
        data = from_result(result_or_folder, out_pdf.parent, poses=poses, clip=clip)
    doc = build(data)
    with atomic_path(out_pdf) as tmp:
        doc.output(str(tmp))
    label = data.verdict.label if data.verdict is not None else "none"
    return RunReport(out_pdf, doc.pages_count, label)


def build(data: RunData) -> Doc:
    """Lay out every page of the report of ``data``."""
    doc = Doc(f"stridecam · {data.name}")
    doc.set_subject("Sprint step-by-step report")
    doc.add_page()
    page_one(doc, data)
    step_pages(doc, data)
    figure_pages(doc, data)
    advice_page(doc, data)
    method_page(doc, data)
    provenance(doc, data)
    return doc


# ----------------------------------------------------------------------------- page 1
def clip_facts(clip: Path | None) -> dict[str, str]:
    """Recording date, duration and frame size read from the video, when it is at hand."""
    if clip is None:
        return {}
    from stridecam.io.video import probe

    info = probe(clip)
    facts = {"size": f"{info.width} × {info.height} px", "duration": f"{info.duration_s:.2f} s"}
    if info.recorded:
        facts["recorded"] = f"{info.recorded} (from the video)"
    else:
        mtime = dt.datetime.fromtimestamp(clip.stat().st_mtime)
        facts["recorded"] = f"{mtime:%Y-%m-%d %H:%M} (file date; the video holds no date)"
    return facts


def page_one(doc: Doc, data: RunData) -> None:
    run, v = data.result, data.verdict
    s = run.summary
    facts = clip_facts(data.clip)
    doc.start_section("Summary", level=0)
    doc.set_font(FONT, "B", 17)
    doc.cell(0, 9, "Sprint report", new_x="LMARGIN", new_y="NEXT")
    doc.set_font(FONT, size=10)
    doc.cell(0, 5.5, f"{data.name} · made {dt.date.today():%d %b %Y} with stridecam "
             f"{__version__}", new_x="LMARGIN", new_y="NEXT")
    doc.ln(2)
    height = run.athlete.height_m
    who = run.athlete.name or "not given (use --athlete NAME)"
    if height is not None:
        who += f", height {height:.2f} m"
    lines = [
        ("Athlete", who),
        ("Clip", f"{run.source or '?'}" + (f" · {facts['size']}, {facts['duration']}"
                                           if facts else " (video not found)")),
        ("Recorded", facts.get("recorded", "unknown (video not found)")),
        ("Frame rate", C.timing_text(run)),
        ("Calibration", C.calibration_text(run)),
        ("Run", f"{s.n_steps} steps measured, {C.phase_words(run)}, running "
                f"{'left to right' if run.direction > 0 else 'right to left'}, athlete found "
                f"on {100 * run.provenance.detection_rate:.0f}% of frames"),
    ]
    room = who_picture(doc, data)
    doc.key_values(lines, key_width=26, width=doc.text_width - room[0])
    doc.set_y(max(doc.get_y(), room[1]))
    doc.ln(2)
    headline, why = C.priority(run)
    doc.para(headline, size=12, style="B", height=6)
    if why:
        doc.para(why, size=8.5, grey=True, height=4)
    doc.ln(1)
    verdict_box(doc, v, C.phase_words(run))
    doc.h2("Headline metrics beside the reference ranges")
    rows = C.headline_rows(run)
    table, bold = [], []
    for i, r in enumerate(rows):
        pos = {"above": "above ▲", "below": "below ▼"}.get(r.position, r.position)
        table.append([r.group if i == 0 or rows[i - 1].group != r.group else "", r.measure,
                      r.value, r.reference or "–", pos or "–", r.points_to or "–",
                      f"[{r.ref}]" if r.ref else ""])
        if r.strong:
            bold.append(i)
    doc.grid(["Side", "Measure (unit)", "This run", "Reference", "Run vs range", "Verdict use",
              "Src"], table, (24, 66, 16, 26, 21, 23, 10), size=7.5, bold_rows=bold,
             align=("LEFT", "LEFT", "RIGHT", "CENTER", "CENTER", "CENTER", "CENTER"))
    doc.para("This run: cadence, step length and speed over the run's consecutive steps (steps / "
             "time, distance / steps); other values the median of the steps. Bold rows point to "
             "a limiter. 'within error': "
             "outside the range by less than the measurement uncertainty. Sources [n]: see "
             "the method page.", size=7, grey=True, height=3.5)
    for note in C.unused_notes(v):
        doc.para(f"Not used: {note}", size=7, grey=True, height=3.5)
    doc.h2("Data quality")
    flags = C.flag_lines(run)
    if flags:
        doc.bullets([f"{word}: {msg}" for word, msg in flags], size=8, bold_prefix=True)
    else:
        doc.para("No data-quality problems were found.", size=8)
    for note in data.notes:
        doc.bullets([f"Report: {note}"], size=8, bold_prefix=True)


def who_picture(doc: Doc, data: RunData, width_mm: float = 46.0, most_h_mm: float = 40.0
                ) -> tuple[float, float]:
    """The frame with the analysed person boxed (``report.who``), top right of page 1; returns
    (width taken incl. the gap, mm; the page y below it). Nothing without video or landmarks."""
    who = who_frame(data)
    top = doc.get_y()
    if who is None:
        return 0.0, top
    from PIL import Image

    h, w = who.image.shape[:2]
    width = min(width_mm, most_h_mm * w / h)
    height = width * h / w
    x = doc.l_margin + doc.text_width - width
    buf = io.BytesIO()
    Image.fromarray(who.image).save(buf, format="JPEG", quality=85)
    doc.image(buf, x=x, y=top, w=width, h=height)
    doc.set_xy(x - 4, top + height + 0.5)
    doc.set_font(FONT, size=6.5)
    doc.multi_cell(width + 8, 3, f"analysed: the boxed person ({who.time_s:.2f} s)", align="C",
                   new_x="LMARGIN", new_y="NEXT")
    bottom = doc.get_y()
    doc.set_xy(doc.l_margin, top)
    return width + 4, bottom


def verdict_box(doc: Doc, v, phase: str) -> None:
    """The verdict label, confidence, phase and basis, and its two-sentence explanation."""
    doc.set_fill_color(238, 238, 238)
    doc.set_draw_color(40)
    doc.set_line_width(0.5)
    y0 = doc.get_y()
    x, w = doc.l_margin, doc.text_width
    doc.set_xy(x + 3, y0 + 2.5)
    doc.set_font(FONT, size=8)
    doc.cell(0, 4, "LIMITER VERDICT (screening, not a diagnosis)", new_x="LMARGIN", new_y="NEXT")
    doc.set_x(x + 3)
    doc.set_font(FONT, "B", 15)
    label = C.LABELS.get(v.label, v.label) if v else "No verdict (run analysed without one)"
    doc.cell(0, 8, label, new_x="LMARGIN", new_y="NEXT")
    if v is not None:
        doc.set_x(x + 3)
        doc.set_font(FONT, size=8.5)
        conf = (f"Confidence: {v.confidence_word} ({v.confidence:.2f} of 1)"
                if math.isfinite(v.confidence) else "Confidence: none")
        scores = ""
        if math.isfinite(v.recycling_score) and math.isfinite(v.force_score):
            scores = (f" · re-cycling score {v.recycling_score:.2f}, force score "
                      f"{v.force_score:.2f} (0 = within range)")
        doc.multi_cell(w - 6, 4.3, f"{conf} · phase: {phase} · judged "
                       f"against {v.basis}{scores}", new_x="LMARGIN", new_y="NEXT")
        doc.set_x(x + 3)
        doc.set_font(FONT, size=9)
        doc.multi_cell(w - 6, 4.6, v.explanation, new_x="LMARGIN", new_y="NEXT")
        for note in v.notes:
            doc.set_x(x + 3)
            doc.set_font(FONT, "I", 7.5)
            doc.multi_cell(w - 6, 3.8, note, new_x="LMARGIN", new_y="NEXT")
    y1 = doc.get_y() + 2.5
    doc.rect(x, y0, w, y1 - y0, style="D")
    doc.set_line_width(0.2)
    doc.set_font(FONT, size=9)
    doc.set_y(y1 + 2)


# ----------------------------------------------------------------------------- steps, figures
def step_pages(doc: Doc, data: RunData) -> None:
    doc.add_page()
    doc.h1("Step by step")
    headers, rows = C.step_table(data.steps, data.result)
    if not rows:
        doc.para("No complete step was found in this clip.")
        return
    doc.para("One row per step: touchdown of the foot named to the touchdown of the other "
             "foot. Left-foot rows are shaded. Swing, recovery and knee drive belong to the "
             "same foot's following swing. Blank (n/a): not measurable at the clip's edges.",
             size=8, grey=True, height=3.8)
    left = [i for i, r in enumerate(rows) if r[1] == "Left"]
    widths = (9, 11) + ((doc.text_width - 20.5) / (len(headers) - 2),) * (len(headers) - 2)
    doc.grid(headers, rows, widths, size=7.2, shaded_rows=left,
             align=("CENTER", "LEFT") + ("RIGHT",) * (len(headers) - 2))
    found, within, few = C.asymmetry_lines(data.result)
    if found:
        doc.para("Left-right asymmetry beyond measurement error, 100 × (left − right) / mean of "
                 "the leg medians (± 1 SD): " + ", ".join(found) + ".", size=8)
    if within:
        doc.para("Within measurement error (no left-right difference shown by this clip): "
                 + ", ".join(within) + ".", size=8, grey=True)
    if few:
        doc.para("Too few steps per leg to compare the legs (4 needed): " + ", ".join(few) + ".",
                 size=8, grey=True)


def figure_pages(doc: Doc, data: RunData) -> None:
    run, steps = data.result, data.steps
    doc.start_section("Figures", level=0)
    if not len(steps):
        doc.para("No steps, no figures.")
        return
    doc.figure(F.to_svg(F.rhythm(steps, run)),
               "Each point is one step; the dotted line is the run's median. Cadence = 60 / "
               "step time. Step length = forward travel of the hips from one touchdown to the "
               "next" + ("." if C.length_unit(run) == "m"
                         else ", in leg lengths (no calibration)."))
    doc.figure(F.to_svg(F.speed(steps, run)),
               "Speed of each step = step length / step time, at the middle of the step."
               + (" Dash-dot: v(t) = v_max (1 − e^(−(t − t0)/τ)) fitted to the steps."
                  if run.summary.velocity_fit else ""))
    fv_section(doc, run)
    doc.figure(F.to_svg(F.timing(steps)),
               "Contact: touchdown to toe-off. Flight: toe-off to the other foot's touchdown. "
               "Swing: toe-off to the same foot's next touchdown (re-cycling of the leg).")
    if data.track is not None and data.track.n:
        doc.figure(F.to_svg(F.traces(data.track, steps, data.contacts, run)),
                   "Thigh angle: hip-to-knee line from vertical, forward positive. Front / "
                   "back thigh: the more forward / backward of the two thighs at each moment "
                   "(the tracker's left/right labels are not trusted; the contacts below name "
                   "the feet). Stars: each step's peak knee drive, at toe-off + recovery time. "
                   "Knee height: the higher knee minus hip height (0 = knee at hip level).")
    kinogram_section(doc, data)


def fv_section(doc: Doc, run) -> None:
    """The force-velocity profile of an acceleration (Samozino et al. 2016), or one line saying
    why there is none (nothing for a run that is not an acceleration)."""
    fv = run.fv_profile
    if fv is None or fv.status == "not_acceleration":
        return
    doc.h2("Force-velocity profile of the acceleration")
    if not fv.ok:
        doc.para(fv.note, size=8, grey=True)
        return
    doc.grid(["", "Value (± 1 SD)", "What it is"], C.fv_rows(fv), (24, 56, 106), size=8)
    doc.para("From the fitted v(t) and the athlete's height (air resistance), as MySprint does "
             "from split times; " + ("absolute values from the body mass given." if fv.mass_kg
                                     else "per kg of body mass (give --mass-kg for N and W).")
             + " Force-side evidence: a low F0 or RF max with a normal V0 points at force "
             "production at the start.", size=8, grey=True)


# ----------------------------------------------------------------------------- advice, method
def advice_page(doc: Doc, data: RunData) -> None:
    v = data.verdict
    doc.add_page()
    doc.h1("What to train")
    if v is None:
        doc.para("This run has no limiter verdict, so there is no advice.")
        return
    a = advice_for(v)
    doc.para(a.headline, size=11, style="B", height=5.5)
    doc.ln(1)
    doc.para(a.why)
    if a.exercises:
        doc.h2("Exercises")
        doc.grid(["Exercise", "How", "Dose"], [[e.name, e.how, e.dose] for e in a.exercises],
                 (45, 105, 36), size=8)
    if a.plan:
        doc.h2("Plan")
        doc.para(a.plan)
    if a.next_steps:
        doc.h2("Next")
        doc.bullets(a.next_steps)
    doc.ln(1)
    doc.para(a.caveat, size=8, grey=True, height=4)
