"""Fast text layout and a table flowable for big maps.

reportlab's Paragraph parses markup and measures word by word on every wrap: about 3 ms per
note, 3 s for a 10x100 map. Notes are plain text in a few styles, so they are laid out here
once (words measured with a cache, per-character font fallback as in reports.export.fonts) and
drawn straight onto the canvas. `Grid` is a table of such cells whose header row repeats on
every page and whose over-tall rows continue on the next page: nothing is clipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from reportlab.lib import colors
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Flowable

from .fonts import BODY, BOLD, PLACEHOLDER, _coverage, _visible, font_for, register_fonts

INK = colors.HexColor("#111827")
PAD = 3.0
RULE_WIDTH = 2.5
_TOKENS = re.compile(r"\S+|[ \t]+")


@dataclass(frozen=True)
class Span:
    """A piece of text in one style. A cell is a list of paragraphs, each a list of spans."""

    text: str
    size: float = 7.0
    bold: bool = False
    colour: colors.Color = INK


@dataclass
class Line:
    # (font, size, colour, text) runs, drawn left to right
    runs: list[tuple[str, float, colors.Color, str]] = field(default_factory=list)
    width: float = 0.0
    height: float = 0.0


@lru_cache(maxsize=65536)
def _width(text: str, font: str) -> float:
    """Width of `text` at size 1; words repeat across notes, so the cache does most of it."""
    return pdfmetrics.stringWidth(text, font, 1)


@lru_cache(maxsize=65536)
def _pieces(word: str, bold: bool) -> list[tuple[str, str, bool]]:
    """(text, font, can_break_after) for a word: one piece when the body font has every
    character, else one piece per character (CJK lines may break between any characters)."""
    cover = _coverage(BODY)
    base = BOLD if bold else BODY
    if cover.issuperset(map(ord, word)):
        return [(word, base, False)]
    pieces = []
    for char in word:
        font = font_for(char)
        if font is None:
            pieces.append((PLACEHOLDER, base, False))
        elif font == BODY:
            pieces.append((char, base, False))
        else:
            pieces.append((char, font, True))
    return pieces


def wrap(paragraph: list[Span], width: float) -> list[Line]:
    """Greedy line breaking at spaces (and between CJK characters); over-long words are cut."""
    register_fonts()
    # Metadata lines ("Website · Sales", vote counts) repeat across hundreds of notes.
    return _wrap(tuple(paragraph), round(width, 2))


def _one_font(paragraph: tuple[Span, ...], width: float) -> list[Line] | None:
    """The common case: one span, all in the body font, no word longer than a line. Words are
    measured whole (cached) and packed greedily; None sends anything else to the full path."""
    if len(paragraph) != 1:
        return None
    span = paragraph[0]
    words = span.text.split()
    if not words or not span.text.isprintable() or not _covered(span.text):
        return None
    font = BOLD if span.bold else BODY
    size, colour, height = span.size, span.colour, span.size * 1.25
    space = _width(" ", font) * size
    lines: list[Line] = []
    current: list[str] = []
    used = 0.0
    for word in words:
        w = _width(word, font) * size
        if w > width:
            return None
        if current and used + space + w > width:
            lines.append(Line([(font, size, colour, " ".join(current))], used, height))
            current, used = [word], w
        else:
            used += (space if current else 0.0) + w
            current.append(word)
    lines.append(Line([(font, size, colour, " ".join(current))], used, height))
    return lines


def _covered(text: str) -> bool:
    return _coverage(BODY).issuperset(map(ord, text))


@lru_cache(maxsize=8192)
def _wrap(paragraph: tuple[Span, ...], width: float) -> list[Line]:
    quick = _one_font(paragraph, width)
    if quick is not None:
        return quick
    lines: list[Line] = []
    # Items on the current line: (font, size, colour, text, width, is_space)
    items: list[tuple[str, float, colors.Color, str, float, bool]] = []
    line_width = 0.0

    def finish() -> None:
        nonlocal items, line_width
        while items and items[-1][5]:
            line_width -= items.pop()[4]
        current = Line(width=line_width)
        height = 0.0
        for font, size, colour, text, _, _ in items:
            height = max(height, size * 1.25)
            if current.runs and current.runs[-1][:3] == (font, size, colour):
                current.runs[-1] = (font, size, colour, current.runs[-1][3] + text)
            else:
                current.runs.append((font, size, colour, text))
        current.height = height or (paragraph[0].size * 1.25 if paragraph else 8.75)
        lines.append(current)
        items = []
        line_width = 0.0

    for span in paragraph:
        text = span.text
        if not text.isprintable():
            text = "".join(map(_visible, text))
        for token in _TOKENS.findall(text):
            if token[0] in " \t":
                if items:
                    w = _width(" ", BODY) * span.size
                    items.append((BODY, span.size, span.colour, " ", w, True))
                    line_width += w
                continue
            for piece, font, _ in _pieces(token, span.bold):
                w = _width(piece, font) * span.size
                if line_width + w > width and items:
                    # Break at the last space, or between CJK characters, or here.
                    cut = max((i for i, it in enumerate(items) if it[5]), default=-1)
                    if cut >= 0 and font in (BODY, BOLD):
                        rest = items[cut + 1 :]
                        del items[cut + 1 :]
                        finish()
                        items = rest
                        line_width = sum(it[4] for it in rest)
                    else:
                        finish()
                while w > width and len(piece) > 1:
                    # A word longer than the line: cut it where it overflows.
                    n = len(piece)
                    while n > 1 and _width(piece[:n], font) * span.size > width:
                        n = max(1, n * 3 // 4)
                    head, piece = piece[:n], piece[n:]
                    items.append((font, span.size, span.colour, head, 0.0, False))
                    finish()
                    w = _width(piece, font) * span.size
                items.append((font, span.size, span.colour, piece, w, False))
                line_width += w
    if items or not lines:
        finish()
    return lines


def cell_lines(paragraphs: list[list[Span]], width: float) -> list[Line]:
    out: list[Line] = []
    for paragraph in paragraphs:
        out.extend(wrap(paragraph, width - 2 * PAD))
    return out


@dataclass
class Cell:
    lines: list[Line] = field(default_factory=list)
    background: colors.Color | None = None
    rule: colors.Color | None = None  # a thick bar on the left (critical notes)
    inset: float = 0.0  # white gutter around the cell (notes look like separate sticky notes)
    drawing: Flowable | None = None  # spans all columns after the first (the emotion curve)
    continued: bool = False  # a repeated header's cell that already says "(continued)"

    @cached_property
    def height(self) -> float:
        if self.drawing is not None:
            return self.drawing.height + 2 * PAD
        return sum(line.height for line in self.lines) + 2 * PAD


@dataclass
class Row:
    cells: list[Cell]
    rule_below: colors.Color | None = None

    @cached_property
    def height(self) -> float:
        return max((cell.height for cell in self.cells), default=0.0)


class Grid(Flowable):
    """Rows of laid-out cells. The header row repeats on every page; a row taller than a whole
    page is split between its lines and continues on the next page."""

    def __init__(self, widths: list[float], header: Row | None, rows: list[Row]) -> None:
        super().__init__()
        self.widths = widths
        self.header = header
        self.rows = rows

    def _header_height(self) -> float:
        return self.header.height if self.header else 0.0

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = sum(self.widths)
        self.height = self._header_height() + sum(row.height for row in self.rows)
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        room = available_height - self._header_height()
        used, taken = 0.0, 0
        for row in self.rows:
            if used + row.height > room:
                break
            used += row.height
            taken += 1
        rest = self.rows[taken:]
        if not rest:
            return [self]
        if taken == 0:
            # Not even one row fits: split the first row's lines if a good part fits here,
            # otherwise start on the next page (where the row may still need splitting).
            head, tail = _split_row(rest[0], room)
            if head is None:
                return []
            return [
                Grid(self.widths, self.header, [head]),
                Grid(self.widths, self._continued_header(), [tail, *rest[1:]]),
            ]
        return [
            Grid(self.widths, self.header, self.rows[:taken]),
            Grid(self.widths, self._continued_header(), rest),
        ]

    def _continued_header(self) -> Row | None:
        """The header again, its first cell saying the table goes on from the page before."""
        if self.header is None or self.header.cells[0].drawing is not None:
            return self.header
        first = self.header.cells[0]
        if first.continued:
            return self.header
        runs = first.lines[-1].runs if first.lines else []
        _, _, colour, _ = runs[-1] if runs else (BODY, 6, INK, "")
        note = Line([(BODY, 6.0, colour, "(continued)")], 0.0, 7.5)
        cell = Cell([*first.lines, note], first.background, first.rule, first.inset, continued=True)
        return Row([cell, *self.header.cells[1:]], self.header.rule_below)

    def draw(self) -> None:
        """Shapes first, then all the text in one text object: font and colour changes are
        PDF operators, and one object carries its state from cell to cell."""
        canvas = self.canv
        placed = list(self._cells())
        for cell, x, y, width, height in placed:
            _draw_shapes(canvas, cell, x, y, width, height)
        y = self.height
        for row in self._all_rows():
            y -= row.height
            if row.rule_below is not None:
                canvas.setStrokeColor(row.rule_below)
                canvas.setLineWidth(0.4)
                canvas.line(0, y, self.width, y)
        writer = _TextWriter(canvas.beginText())
        for cell, x, y, _, height in placed:
            writer.cell(cell, x, y, height)
        canvas.drawText(writer.text)

    def _all_rows(self) -> list[Row]:
        return ([self.header] if self.header else []) + self.rows

    def _cells(self):
        y = self.height
        for row in self._all_rows():
            height = row.height
            y -= height
            x = 0.0
            for i, cell in enumerate(row.cells):
                width = self.widths[i] if cell.drawing is None else sum(self.widths[i:])
                yield cell, x, y, width, height
                x += self.widths[i]


def _split_row(row: Row, room: float) -> tuple[Row | None, Row]:
    if room < 60 or any(cell.drawing is not None for cell in row.cells):
        return None, row
    heads, tails = [], []
    for cell in row.cells:
        used, n = 2 * PAD, 0
        while n < len(cell.lines) and used + cell.lines[n].height <= room:
            used += cell.lines[n].height
            n += 1
        heads.append(Cell(cell.lines[:n], cell.background, cell.rule, cell.inset))
        more = (
            [Line(runs=[(BODY, 6, colors.grey, "(continued)")], height=7.5)]
            if n < len(cell.lines)
            else []
        )
        tails.append(Cell(more + cell.lines[n:], cell.background, cell.rule, cell.inset))
    if not any(h.lines for h in heads):
        return None, row
    return Row(heads, row.rule_below), Row(tails, row.rule_below)


def _draw_shapes(canvas, cell: Cell, x: float, y: float, width: float, height: float) -> None:
    inset = cell.inset
    if cell.background is not None:
        canvas.setFillColor(cell.background)
        canvas.rect(x + inset, y + inset, width - 2 * inset, height - 2 * inset, stroke=0, fill=1)
    if cell.rule is not None:
        canvas.setFillColor(cell.rule)
        canvas.rect(x + inset, y + inset, RULE_WIDTH, height - 2 * inset, stroke=0, fill=1)
    if cell.drawing is not None:
        cell.drawing.drawOn(canvas, x + PAD, y + PAD)


class _TextWriter:
    """Writes cells' lines into one text object, emitting a font or colour only on change."""

    def __init__(self, text) -> None:
        self.text = text
        self.style: tuple = ()
        self.painted: colors.Color | None = None

    def cell(self, cell: Cell, x: float, y: float, height: float) -> None:
        if cell.drawing is not None or not cell.lines:
            return
        text = self.text
        top = y + height - PAD - cell.inset / 2
        left = x + PAD + cell.inset + (RULE_WIDTH if cell.rule is not None else 0)
        for line in cell.lines:
            top -= line.height
            text.setTextOrigin(left, top + line.height * 0.22)
            for font, size, colour, run in line.runs:
                if self.style != (font, size):
                    text.setFont(font, size)
                    self.style = (font, size)
                if self.painted is not colour:
                    text.setFillColor(colour)
                    self.painted = colour
                text._textOut(run)  # no cursor tracking: each line sets its origin


def draw_text_line(canvas, x: float, y: float, spans: list[Span], width: float) -> None:
    """One line of user text at (x, y), with font fallback; cut to `width`, with an ellipsis
    to show it was cut."""
    lines = wrap(spans, width - 10)
    if not lines:
        return
    runs = list(lines[0].runs)
    if len(lines) > 1:
        _, size, colour, _ = runs[-1]
        runs.append((BODY, size, colour, " …"))
    text = canvas.beginText(x, y)
    for font, size, colour, run in runs:
        text.setFont(font, size)
        text.setFillColor(colour)
        text.textOut(run)
    canvas.drawText(text)
