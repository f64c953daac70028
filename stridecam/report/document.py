"""The PDF document shared by the run and squad reports (fpdf2, A4 portrait).

Fonts: DejaVu Sans from matplotlib's font folder, embedded (subset) so that symbols (°, ±, ×,
▲, ▼, →) render and text extracts back (tests read it with pypdf). Figures go in as SVG:
vector, drawn by fpdf2. Every page has a footer "<title> · page N of M".
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.enums import TableBordersLayout
from fpdf.fonts import FontFace

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT = "DejaVu"
GREY_FILL = (236, 236, 236)
DARK = (40, 40, 40)
# fpdf2 logs every SVG tag it skips (matplotlib's <metadata>): not news for a reader
logging.getLogger("fpdf.svg").setLevel(logging.ERROR)


def svg_size_pt(svg: bytes) -> tuple[float, float]:
    """(width, height) in points of a matplotlib SVG (its root ``width``/``height``)."""
    head = svg[:2000].decode("utf-8", "replace")
    w = re.search(r'<svg[^>]*\swidth="([\d.]+)pt"', head, re.S)
    h = re.search(r'<svg[^>]*\sheight="([\d.]+)pt"', head, re.S)
    if not (w and h):
        raise ValueError("SVG without width/height in points")
    return float(w.group(1)), float(h.group(1))


class Doc(FPDF):
    """A4 report with the embedded font, a running footer and a few layout helpers (mm)."""

    def __init__(self, title: str):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.report_title = title
        self.set_margins(12, 12, 12)
        self.set_auto_page_break(True, margin=15)
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.add_font(FONT, "I", str(FONT_DIR / "DejaVuSans-Oblique.ttf"))
        self.set_font(FONT, size=9)
        self.set_title(title)
        self.set_creator("stridecam")
        self.set_text_color(*DARK)

    # ----------------------------------------------------------------- page furniture
    def footer(self) -> None:
        self.set_y(-11)
        self.set_font(FONT, size=7)
        self.set_text_color(110)
        self.cell(0, 5, f"{self.report_title} · page {self.page_no()} of {{nb}}", align="C")
        self.set_text_color(*DARK)

    @property
    def text_width(self) -> float:
        return self.w - self.l_margin - self.r_margin

    def room(self) -> float:
        """Height left on the current page above the bottom margin (mm)."""
        return self.page_break_trigger - self.get_y()

    def need(self, height_mm: float) -> None:
        """Start a new page unless ``height_mm`` fits below the cursor."""
        if self.room() < height_mm:
            self.add_page()

    # ----------------------------------------------------------------- text
    def h1(self, text: str, section: bool = True) -> None:
        self.need(20)
        if section:
            self.start_section(text, level=0)
        self.set_font(FONT, "B", 14)
        self.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
        self.set_draw_color(60)
        self.line(self.l_margin, self.get_y() + 0.5, self.w - self.r_margin, self.get_y() + 0.5)
        self.ln(3)
        self.set_font(FONT, size=9)

    def h2(self, text: str) -> None:
        self.need(14)
        self.ln(1.5)
        self.set_font(FONT, "B", 10.5)
        self.multi_cell(0, 5.5, text, new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT, size=9)
        self.ln(0.5)

    def para(self, text: str, size: float = 9, style: str = "", height: float = 4.4,
             grey: bool = False) -> None:
        self.set_font(FONT, style, size)
        if grey:
            self.set_text_color(90)
        self.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(*DARK)
        self.set_font(FONT, size=9)

    def bullets(self, items: Iterable[str], size: float = 9, bold_prefix: bool = False) -> None:
        """One paragraph per item with a hanging "•"; ``bold_prefix``: the text before the
        first ": " of each item is bold."""
        left = self.l_margin
        for item in items:
            self.set_font(FONT, size=size)
            self.set_x(left)
            self.cell(4, size * 0.49, "•")
            self.set_left_margin(left + 4)
            try:
                head, rest = item.split(": ", 1) if bold_prefix and ": " in item else ("", item)
                if head:
                    self.set_font(FONT, "B", size)
                    self.write(size * 0.49, head + ": ")
                    self.set_font(FONT, size=size)
                self.write(size * 0.49, rest)
            finally:
                self.set_left_margin(left)
            self.ln(size * 0.49 + 0.8)
        self.set_font(FONT, size=9)

    def key_values(self, pairs: Sequence[tuple[str, str]], key_width: float = 38,
                   width: float | None = None) -> None:
        """A borderless two-column list: bold key, wrapped value; ``width`` (mm, default the
        text width) leaves room on the right."""
        width = self.text_width if width is None else width
        for key, value in pairs:
            self.set_font(FONT, "B", 8.5)
            y = self.get_y()
            self.multi_cell(key_width, 4.3, key, new_x="RIGHT", new_y="TOP")
            self.set_font(FONT, size=8.5)
            self.set_xy(self.l_margin + key_width, y)
            self.multi_cell(width - key_width, 4.3, value, new_x="LMARGIN",
                            new_y="NEXT", align="L")
        self.set_font(FONT, size=9)

    # ----------------------------------------------------------------- tables and figures
    def grid(self, headers: Sequence[str], rows: Sequence[Sequence[str]],
             widths: Sequence[float], *, size: float = 8, align: Sequence[str] | None = None,
             bold_rows: Iterable[int] = (), shaded_rows: Iterable[int] = (),
             line_height: float | None = None) -> None:
        """A table that paginates (headings repeated on each page). ``bold_rows`` /
        ``shaded_rows``: row positions drawn bold / on a grey fill."""
        bold, shaded = set(bold_rows), set(shaded_rows)
        self.set_font(FONT, size=size)
        head = FontFace(emphasis="BOLD", size_pt=size - 0.9, fill_color=(215, 215, 215))
        with self.table(col_widths=tuple(widths), width=sum(widths), align="LEFT",
                        headings_style=head, line_height=line_height or size * 0.5,
                        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
                        text_align=tuple(align) if align else "LEFT",
                        padding=(0.6, 1, 0.6, 1), v_align="MIDDLE") as table:
            r = table.row()
            for h in headers:
                r.cell(h, align="CENTER")
            for i, row in enumerate(rows):
                style = FontFace(emphasis="BOLD" if i in bold else None,
                                 fill_color=GREY_FILL if i in shaded else (255, 255, 255))
                r = table.row()
                for text in row:
                    r.cell(text, style=style)
        self.set_font(FONT, size=9)
        self.ln(1.5)

    def fitted_grid(self, headers: Sequence[str], rows: Sequence[Sequence[str]], *,
                    size: float = 8, width: float | None = None,
                    align: Sequence[str] | None = None,
                    most: Sequence[float | None] | None = None, **kw) -> list[float]:
        """``grid`` with column widths from the text (``textfit.column_widths``) and every cell
        wrapped between words (never inside one; a word too long for any width is shortened
        with "…"). Returns the widths (mm)."""
        from stridecam.report.textfit import column_widths, wrap

        def body(text: str) -> float:
            self.set_font(FONT, size=size)
            return float(self.get_string_width(text))

        def head(text: str) -> float:
            self.set_font(FONT, "B", size - 0.9)
            return float(self.get_string_width(text))

        pad = 2.4  # the grid's cell padding (1 mm a side) and a little air
        total = (width or self.text_width) - 0.01  # rounding must not exceed the page width
        widths = column_widths(headers, rows, total, body, head, pad=pad, most=most)
        heads = [wrap(h, w - pad, head) for h, w in zip(headers, widths)]
        cells = [[wrap(c, w - pad, body) for c, w in zip(r, widths)] for r in rows]
        self.grid(heads, cells, widths, size=size, align=align, **kw)
        return widths

    def figure(self, svg: bytes, caption: str | None = None, width_mm: float | None = None) -> None:
        """Place a vector figure at full text width (new page when it does not fit)."""
        w_pt, h_pt = svg_size_pt(svg)
        width = min(width_mm or self.text_width, self.text_width)
        height = width * h_pt / w_pt
        self.need(height + (8 if caption else 2))
        self.image(io.BytesIO(svg), x=self.l_margin + (self.text_width - width) / 2, w=width)
        if caption:
            self.para(caption, size=7.5, grey=True, height=3.8)
        self.ln(2)

