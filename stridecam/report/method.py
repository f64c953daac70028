"""The method, limits, references and provenance pages of the per-run report."""

from __future__ import annotations

import datetime as dt
import json

from stridecam import __version__
from stridecam.analysis.limiter import SCREENING_NOTE
from stridecam.model.serial import to_jsonable
from stridecam.model.settings import AnalysisSettings
from stridecam.report import content as C
from stridecam.report.document import Doc
from stridecam.report.load import RunData


def method_page(doc: Doc, data: RunData) -> None:
    run, v = data.result, data.verdict
    doc.add_page()
    doc.h1("Method and limits")
    doc.para("stridecam finds the athlete in every frame with MediaPipe pose (33 body "
             "landmarks), removes camera panning, finds each touchdown and toe-off from the "
             "lowest point of either foot, then times each one from the frames themselves (the "
             "foot's pixels stop and start moving against the ground) where the image allows, "
             "names the feet from the alternation of contacts, and measures every step. Every "
             "per-step value carries its uncertainty, and a difference is reported as a finding "
             "only when it exceeds twice that. The definitions used throughout:", size=8.5)
    doc.ln(1)
    doc.bullets([f"{term}: {text}" for term, text in C.definitions()], size=7.8,
                bold_prefix=True)
    if C.length_unit(run) != "m":
        doc.para("This run has no calibration: every length (columns ending in _m) is in leg "
                 "lengths (hip to ankle, standing), and speeds in leg lengths per second.",
                 size=8.5, style="B")
    doc.h2("Limits of the measurement")
    eff = run.summary.effective_fps
    frame_ms = 1000.0 / eff if eff > 0 else float("nan")
    doc.bullets([
        f"Frame rate: {C.timing_text(run)}. A frame lasts {C.number(frame_ms, 1)} ms; a sprint "
        "contact lasts about 80-120 ms, so contact and flight times at 30 fps are coarse "
        "(120-240 fps is recommended).",
        "2-D view: one camera sees the run from the side. Angles are projected onto the image "
        "plane, the near and far leg stand at different depths, and a camera that is not square "
        "to the lane foreshortens lengths.",
        "MediaPipe: the landmarks are a model's estimate (a few pixels of error at the ankle "
        "and knee, more on blurred frames), and it exchanges left and right for a few frames as "
        "the legs pass; stridecam does not rely on those labels (feet are named from the "
        "alternation of contacts, swing values taken from the more forward thigh).",
        "Scale: " + C.calibration_text(run) + ".",
        SCREENING_NOTE,
    ], size=8)
    refs = C.references(v)
    doc.add_page()
    doc.h1("References and provenance")
    if refs:
        doc.h2("Reference ranges and their sources")
        doc.bullets([f"[{k}] {src}" for k, src in enumerate(refs, 1)], size=7.8)
        if v is not None and v.reference_path:
            doc.para(f"Ranges read from {v.reference_path}.", size=7.5, grey=True)


def _changed(values: dict, defaults: dict) -> dict:
    """The entries of ``values`` that differ from ``defaults`` (nested tables compared deeply)."""
    out = {}
    for key, value in values.items():
        if isinstance(value, dict):
            inner = _changed(value, defaults.get(key) or {})
            if inner:
                out[key] = inner
        elif value != defaults.get(key):
            out[key] = value
    return out


def flat(d: dict, prefix: str = "") -> str:
    """"a.b = 1; c = x" from a nested dict (nulls left out, floats to 4 significant digits)."""
    parts = []
    for key, value in d.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            inner = flat(value, name + ".")
            if inner:
                parts.append(inner)
        elif value is not None:
            text = f"{value:.4g}" if isinstance(value, float) else json.dumps(value, default=str) \
                if isinstance(value, (list, tuple)) else str(value)
            parts.append(f"{name} = {text}")
    return "; ".join(parts)


def provenance(doc: Doc, data: RunData) -> None:
    run = data.result
    doc.h2("Provenance")
    lm = data.landmarks_meta
    st = run.settings
    changed = flat(_changed(to_jsonable(st.analysis), to_jsonable(AnalysisSettings())))
    lines = [
        ("Report", f"stridecam {__version__}, {dt.datetime.now():%Y-%m-%d %H:%M}"),
        ("Landmarks", f"stridecam {lm.get('stridecam_version', '?')}, cache key "
                      f"{lm.get('cache_key', '?')}" if lm else "not saved"),
        ("Pose model", f"{run.provenance.model or '?'} (mode {st.pose.mode}, variant "
                       f"{st.pose.model_variant})"),
        ("Settings", flat(to_jsonable(st.pose)) + "; " + flat(to_jsonable(st.calibration))
         + "; analysis: " + (changed or "defaults")),
        ("Cleaning", flat(to_jsonable(run.cleaning))),
    ]
    if data.verdict is not None:
        lines.append(("Reference", data.verdict.reference_path or "shipped defaults"))
    doc.key_values(lines, key_width=24)

