"""Table text that fits its column: wrapped between words, never inside one (pure).

A cell's text is cut into pieces that may end a line: after a space, an underscore, a hyphen or
a slash ("track_blockstart_a1_side" -> "track_", "blockstart_", "a1_", "side"). Lines are filled
piece by piece; a piece wider than the column on its own is shortened with an ellipsis ("…"),
so a word is never broken in two ("inconclusiv / e"). A "\\n" in the text is a forced break.
``column_widths`` gives each column at least its widest piece, when the table's width allows.
``measure(text)`` returns a text's width in the caller's units (fpdf2: ``get_string_width``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

Measure = Callable[[str], float]
#: A piece: up to and including a run of break characters (a hyphen only after a letter, so
#: that "-0.3" stays whole).
_PIECE = re.compile(r"(?:[^ _/-]|(?<![A-Za-z])-)*(?:(?:[ _/]|(?<=[A-Za-z])-)+|$)")
ELLIPSIS = "…"
EPS = 1e-6  # rounding slack in width comparisons


def pieces(text: str) -> list[str]:
    """The pieces of one line of ``text`` that may end a line (module docstring)."""
    return [p for p in _PIECE.findall(text) if p]


def shorten(text: str, width: float, measure: Measure) -> str:
    """``text`` if it fits ``width``, else its longest start that fits with an ellipsis."""
    if measure(text) <= width + EPS:
        return text
    for n in range(len(text) - 1, 0, -1):
        short = text[:n].rstrip() + ELLIPSIS
        if measure(short) <= width + EPS:
            return short
    return ELLIPSIS


def wrap(text: str, width: float, measure: Measure) -> str:
    """``text`` with line breaks ("\\n") so that every line fits ``width``."""
    lines: list[str] = []
    for para in str(text).split("\n"):
        line = ""
        for piece in pieces(para):
            if measure((line + piece).rstrip()) <= width + EPS:
                line += piece
                continue
            if line:
                lines.append(line.rstrip())
            fits = measure(piece.rstrip()) <= width + EPS
            line = piece if fits else shorten(piece.rstrip(), width, measure) + " "
        lines.append(line.rstrip())
    return "\n".join(lines)


def widest_piece(text: str, measure: Measure) -> float:
    return max((measure(p.rstrip()) for line in str(text).split("\n") for p in pieces(line)),
               default=0.0)


def widest_line(text: str, measure: Measure) -> float:
    return max((measure(line) for line in str(text).split("\n")), default=0.0)


def column_widths(headers: Sequence[str], rows: Sequence[Sequence[str]], total: float,
                  measure_body: Measure, measure_head: Measure, pad: float = 2.2,
                  most: Sequence[float | None] | None = None) -> list[float]:
    """Widths adding up to ``total``: each column gets its widest piece (header or cell) plus
    ``pad`` (scaled down together only when even that does not fit), then what is left goes
    to the columns whose full lines are longer, in proportion to what they lack; ``most``:
    an optional cap per column on that extra."""
    n = len(headers)
    cols = [[headers[j]] + [r[j] for r in rows] for j in range(n)]
    need = [max(widest_piece(headers[j], measure_head),
                max((widest_piece(c, measure_body) for c in cols[j][1:]), default=0.0)) + pad
            for j in range(n)]
    full = [max(widest_line(headers[j], measure_head),
                max((widest_line(c, measure_body) for c in cols[j][1:]), default=0.0)) + pad
            for j in range(n)]
    if sum(need) >= total:
        return [w * total / sum(need) for w in need]
    caps = list(most) if most is not None else [None] * n
    lack = []
    for f, w, cap in zip(full, need, caps):
        extra = max(f - w, 0.0)
        lack.append(extra if cap is None else min(extra, max(cap - w, 0.0)))
    spare = total - sum(need)
    if sum(lack) > 0:
        give = [spare * x / sum(lack) if sum(lack) > spare else x for x in lack]
    else:
        give = [0.0] * n
    widths = [w + g for w, g in zip(need, give)]
    rest = total - sum(widths)
    return [w + rest / n for w in widths]
