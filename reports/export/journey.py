"""The journey table: one column per stage, a row per lane someone filled in, the emotion curve,
and each stage's notes stacked under it like sticky notes on the board.

A workshop-sized map (5-6 stages, up to 8 notes a stage) is drawn whole on one landscape A4
page: `FitToPage` picks the largest text size at which the table fits the room left on the page.
Bigger maps are drawn at the normal size and continue on the next pages, under their header.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, String
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, Paragraph, Spacer

from .fonts import BODY, markup
from .layout import RULE_WIDTH, Cell, Grid, Row, Span, cell_lines
from .report import NoteReport, StageReport
from .segments_pdf import curve_lines
from .style import (
    AIM_COLOUR,
    CRITICAL,
    H2,
    HEADER,
    LABEL_BG,
    MUTED,
    MUTED_TEXT,
    NEUTRAL,
    NOW_COLOUR,
    RULE,
    SHORT_TAG,
    TAG_COLOURS,
    counted,
    p,
    score,
    tinted,
)

LABEL_WIDTH = 54
NOTE_GUTTER = 1.5
# Text sizes the table may be drawn at, largest first: the smallest still reads on paper.
SIZES = (7.0, 6.5, 6.0)
# No note is shorter than this at the smallest size (a line of text, one of channel, padding):
# a stage with more notes than a page holds at this height is not worth trying to fit.
MIN_NOTE_HEIGHT = 19.0

# The heading has no space above it of its own: FitToPage keeps that space, and a heading
# returned by a split must fit the room the split was given.
HEADING = ParagraphStyle("journey", parent=H2, spaceBefore=0)

# (lane, label); "curve" is the emotion curve drawn across the stage columns.
LANES = (
    ("actions", "Does"),
    ("thoughts", "Thinks"),
    ("feelings", "Feels"),
    ("curve", "Emotion"),
    ("goals", "Goals"),
    ("personnel", "Personnel involved"),
    ("value_point", "Value point"),
    ("metrics", "Metrics"),
)


@dataclass(frozen=True)
class Scale:
    """The table's sizes, all derived from its body text size."""

    text: float = SIZES[0]

    @property
    def small(self) -> float:
        return self.text * 0.885

    @property
    def head(self) -> float:
        return self.text + 1.5

    @property
    def curve(self) -> float:
        return self.text * 5.6


def journey(
    stages: list[StageReport], width: float, per_page: int, page_height: float
) -> list[Flowable]:
    if not stages:
        return [
            Spacer(1, 8),
            p("This map has no stages yet: add the journey's stages on the board.", MUTED_TEXT),
        ]
    lanes = lanes_with_content(stages)
    out: list[Flowable] = []
    for start, chunk in chunks(stages, per_page):
        label = f"The journey: stages {start + 1}–{start + len(chunk)} of {len(stages)}"
        out.append(
            FitToPage(
                Paragraph(markup(label), HEADING),
                lambda size, chunk=chunk, start=start: journey_table(
                    chunk, start, width, lanes, Scale(size)
                ),
                page_height,
                hopeless=max(len(s.notes) for s in chunk) * MIN_NOTE_HEIGHT > page_height,
            )
        )
    return out


def chunks(stages: list[StageReport], per_page: int) -> list[tuple[int, list[StageReport]]]:
    """Stages in page-wide groups of even size: 7 stages are 4 + 3, never 6 + 1."""
    size = math.ceil(len(stages) / math.ceil(len(stages) / per_page))
    return [(start, stages[start : start + size]) for start in range(0, len(stages), size)]


def has_content(stage: StageReport, lane: str) -> bool:
    if lane == "curve":
        others = any(now is not None or aim is not None for _, now, aim in stage.others)
        return stage.emotion_now is not None or stage.emotion_aspiration is not None or others
    if lane == "feelings":
        return bool(stage.feelings.strip()) or has_content(stage, "curve")
    if lane == "metrics":
        return stage.conversion_pct is not None or bool(stage.time_in_stage.strip())
    return bool(getattr(stage, lane).strip())


def lanes_with_content(stages: list[StageReport]) -> list[tuple[str, str]]:
    """The lanes someone filled in for any stage of the map. Decided for the whole map, so every
    page of a long journey has the same rows."""
    return [(lane, label) for lane, label in LANES if any(has_content(s, lane) for s in stages)]


class FitToPage(Flowable):
    """A heading and a journey table at the largest size in SIZES that fits the room left on the
    page. One that does not fit here but would fit a whole page starts on the next page; one
    that fits no page is drawn at the first size and split between pages, starting here if at
    least half a page is left."""

    def __init__(
        self,
        heading: Paragraph,
        build: Callable[[float], Grid],
        page_height: float,
        *,
        hopeless: bool = False,
    ) -> None:
        super().__init__()
        self.heading = heading
        self.spaceBefore = H2.spaceBefore
        self.build = build
        self.page_height = page_height
        self.sizes = SIZES[:1] if hopeless else SIZES
        self._grids: dict[float, Grid] = {}
        self._head = 0.0
        self.grid: Grid | None = None

    def _grid(self, size: float) -> Grid:
        if size not in self._grids:
            self._grids[size] = self.build(size)
        return self._grids[size]

    def fits(self, width: float, height: float) -> bool:
        """Whether the table fits `height` at one of its sizes."""
        self._measure_heading(width, height)
        return self._fitting(width, height) is not None

    def _measure_heading(self, width: float, height: float) -> None:
        self._head = self.heading.wrap(width, height)[1] + self.heading.style.spaceAfter

    def _fitting(self, width: float, height: float) -> Grid | None:
        for size in self.sizes:
            grid = self._grid(size)
            if self._head + grid.wrap(width, height)[1] <= height:
                return grid
        return None

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self._measure_heading(available_width, available_height)
        fitting = self._fitting(available_width, available_height)
        self.grid = fitting or self._grid(self.sizes[0])
        self.width, grid_height = self.grid.wrap(available_width, available_height)
        self.height = self._head + grid_height
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        self.wrap(available_width, available_height)
        if available_height < self.page_height - 1 and (
            available_height < self.page_height / 2
            or self._fitting(available_width, self.page_height) is not None
        ):
            return []
        rest = self._grid(self.sizes[0]).split(available_width, available_height - self._head)
        if not rest:
            return []
        return [self.heading, *rest]

    def draw(self) -> None:
        assert self.grid is not None
        self.heading.drawOn(self.canv, 0, self.height - self.heading.height)
        self.grid.drawOn(self.canv, 0, 0)


def journey_table(
    chunk: list[StageReport],
    offset: int,
    width: float,
    lanes: list[tuple[str, str]],
    scale: Scale,
) -> Grid:
    column = (width - LABEL_WIDTH) / len(chunk)
    widths = [LABEL_WIDTH] + [column] * len(chunk)
    rows: list[Row] = []
    for lane, label in lanes:
        if lane == "curve":
            cells = [_label(label, scale), Cell(drawing=_curve(chunk, column, scale))]
        else:
            cells = [_label(label, scale)] + [_lane_cell(s, lane, column, scale) for s in chunk]
        rows.append(Row(cells, rule_below=RULE))
    notes = [_label("Touchpoints", scale)]
    for stage in chunk:
        if stage.notes:
            notes.append(Cell(parts=[_note_box(note, column, scale) for note in stage.notes]))
        else:
            empty = [[Span("No customer-visible touchpoints", scale.text, colour=MUTED)]]
            notes.append(Cell(cell_lines(empty, column)))
    rows.append(Row(notes))
    return Grid(widths, _header(chunk, offset, column, scale), rows)


def _header(chunk: list[StageReport], offset: int, column: float, scale: Scale) -> Row:
    white = colors.white
    head = [Cell(cell_lines([[Span("Stage", scale.head, True, white)]], LABEL_WIDTH), HEADER)]
    for i, stage in enumerate(chunk, start=offset + 1):
        sub = counted(len(stage.notes), "touchpoint")
        if stage.loops_back_to:
            sub += f" · loops back to {stage.loops_back_to}"
        paragraphs = [
            [Span(f"{i}. ", scale.head, True, white), Span(stage.name, scale.head, True, white)],
            [Span(sub, scale.small, False, white)],
        ]
        head.append(Cell(cell_lines(paragraphs, column), HEADER))
    return Row(head)


def _label(text: str, scale: Scale) -> Cell:
    return Cell(
        cell_lines([[Span(text, scale.text, colour=MUTED)]], LABEL_WIDTH), background=LABEL_BG
    )


def _lane_cell(stage: StageReport, lane: str, width: float, scale: Scale) -> Cell:
    size = scale.text
    paragraphs: list[list[Span]] = []
    if lane == "feelings":
        if stage.feelings:
            paragraphs.append([Span(stage.feelings, size)])
        if has_content(stage, "curve"):
            scores = f"now {score(stage.emotion_now)} · aim {score(stage.emotion_aspiration)}"
            paragraphs.append([Span(scores, size, colour=MUTED)])
    elif lane == "metrics":
        parts = []
        if stage.conversion_pct is not None:
            parts.append(f"{stage.conversion_pct}% go on to the next stage")
        if stage.time_in_stage:
            parts.append(f"typically {stage.time_in_stage}")
        paragraphs.append([Span("; ".join(parts), size)])
    else:
        paragraphs.append([Span(getattr(stage, lane), size)])
    return Cell(cell_lines(paragraphs, width))


def heat_colour(note: NoteReport) -> colors.Color:
    if not note.heat.voters:
        return NEUTRAL
    tag = max(TAG_COLOURS, key=note.share)
    share = note.share(tag)
    return tinted(TAG_COLOURS[tag], share) if share else NEUTRAL


def heat_line(note: NoteReport) -> str:
    """The counts of the tags this note got, or "" when it got none."""
    heat = note.heat
    counts = [f"{SHORT_TAG[t]} {heat.counts[t]}" for t in TAG_COLOURS if heat.counts.get(t)]
    if not counts:
        return ""
    return f"{' · '.join(counts)} of {counted(heat.voters, 'voter')}"


def _note_box(note: NoteReport, width: float, scale: Scale) -> Cell:
    size, small = scale.text, scale.small
    first = [Span("★ Critical ", size, bold=True, colour=CRITICAL)] if note.critical else []
    meta = " · ".join(part for part in (note.channel, note.department) if part)
    if note.group:
        meta += f" · group: {note.group}"
    # Meta lines differ from the note's text by size, not colour: one colour for the whole
    # note means one colour operator per note in the PDF instead of three.
    paragraphs = [[*first, Span(note.text, size)], [Span(meta, small)]]
    heat = heat_line(note)
    if heat:
        paragraphs.append([Span(heat, small)])
    if note.heat.inconsistent:
        paragraphs.append([Span("⚠ Inconsistent", small, bold=True)])
    inner = width - 2 * NOTE_GUTTER - (RULE_WIDTH if note.critical else 0)
    return Cell(
        cell_lines(paragraphs, inner),
        background=heat_colour(note),
        rule=CRITICAL if note.critical else None,
        inset=NOTE_GUTTER,
    )


def _curve(chunk: list[StageReport], column: float, scale: Scale) -> Drawing:
    """Now vs aspiration, one point per stage, centred under the stage's column."""
    height = scale.curve
    drawing = Drawing(column * len(chunk) - 8, height)
    label = scale.small

    def y(value: int) -> float:
        return height / 2 + value * (height / 2 - 5) / 2

    drawing.add(Line(0, y(0), drawing.width, y(0), strokeColor=RULE, strokeDashArray=[2, 2]))
    for attr, colour, dash in (
        ("emotion_aspiration", AIM_COLOUR, [4, 3]),
        ("emotion_now", NOW_COLOUR, None),
    ):
        points = [
            (i * column + column / 2 - 4, y(getattr(s, attr)))
            for i, s in enumerate(chunk)
            if getattr(s, attr) is not None
        ]
        if len(points) > 1:
            flat = [coord for point in points for coord in point]
            drawing.add(PolyLine(flat, strokeColor=colour, strokeWidth=1.3, strokeDashArray=dash))
        for x, py in points:
            drawing.add(Circle(x, py, 2, fillColor=colour, strokeColor=colour))
    # The further personas' curves (issue 20), each in its colour, under the primary's labels.
    for colour, nows, aims in curve_lines([s.others for s in chunk]):
        for values, dash in ((aims, [4, 3]), (nows, None)):
            points = [
                (i * column + column / 2 - 4, y(v)) for i, v in enumerate(values) if v is not None
            ]
            if len(points) > 1:
                flat = [coord for point in points for coord in point]
                drawing.add(
                    PolyLine(flat, strokeColor=colour, strokeWidth=1.1, strokeDashArray=dash)
                )
            for x, py in points:
                drawing.add(Circle(x, py, 1.6, fillColor=colour, strokeColor=colour))
    for i, s in enumerate(chunk):
        if s.emotion_now is not None:
            # The score goes on the side away from the aim's point, so the two never overlap.
            below = s.emotion_aspiration is not None and s.emotion_aspiration > s.emotion_now
            top = y(s.emotion_now) + 3
            if below and top - label - 6 >= 0:
                top -= label + 6
            x = i * column + column / 2
            drawing.add(String(x, top, score(s.emotion_now), fontName=BODY, fontSize=label))
    drawing.add(String(0, height - label, "+2", fontName=BODY, fontSize=label, fillColor=MUTED))
    drawing.add(String(0, 1, "−2", fontName=BODY, fontSize=label, fillColor=MUTED))
    return drawing
