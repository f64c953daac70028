"""Reports a coach reads in a minute: the per-run PDF, the overlay video and the squad PDF.

Edge package (matplotlib, fpdf2, OpenCV, PyAV). Public entry points::

    from stridecam.report import write_run_report, write_overlay, write_squad_report, load_run_data

    write_run_report("reports/balanced_pan", "reports/balanced_pan/report.pdf")  # saved folder
    write_run_report(result, "reports/balanced_pan/report.pdf")                  # a RunResult
    write_overlay("clip.mp4", "reports/clip", "reports/clip/overlay.mp4")
    write_squad_report(table, runs, "reports/squad.pdf")

Modules: ``load`` (a saved run folder or a ``RunResult`` into ``RunData``), ``content`` (pure text:
labels with units, headline rows, flags, step table), ``figures`` (matplotlib, vector), ``sides``
(the left/right colour pair used everywhere, and which tracked leg is which foot), ``labels``
(label placement: inside the frame, apart), ``kinogram`` (the five sprint positions of one
stride, their angles and crops) with ``kinogram_draw`` (video frames, PDF layout) and
``kinogram_vector`` (skeleton without the video), ``pdf`` (fpdf2 layout), ``overlay`` (annotated
video; ``overlay_paint`` draws a frame, ``follow`` the athlete's box and zoom window), ``squad``
(squad PDF; ``squad_figures``, ``textfit``: cells wrapped between words), ``command``
(``stridecam report DIR``).
"""

from __future__ import annotations

from typing import Any

__all__ = ["write_run_report", "write_overlay", "write_squad_report", "load_run_data", "RunData"]


def __getattr__(name: str) -> Any:  # lazy: matplotlib / fpdf2 / av only when used
    if name == "write_run_report":
        from stridecam.report.pdf import write_run_report
        return write_run_report
    if name == "write_overlay":
        from stridecam.report.overlay import write_overlay
        return write_overlay
    if name == "write_squad_report":
        from stridecam.report.squad import write_squad_report
        return write_squad_report
    if name in ("load_run_data", "RunData"):
        from stridecam.report import load
        return getattr(load, name)
    raise AttributeError(name)
