"""The map as a PDF a manager can act on: persona, spine with every lane, heat-coloured notes,
emotion curve, legend, and a summary page.

`render_pdf(report)` works from plain data (reports.export.report) and touches no database, so it
can run in a worker thread: `render_in_worker` is what views and commands call.
"""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A3, A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from reports.analysis import Gap, RankedNote

from .fonts import BODY, BOLD, markup, register_fonts
from .layout import RULE_WIDTH, Cell, Grid, Row, Span, cell_lines, draw_text_line
from .report import NoteReport, Report, StageReport

PAPER = {"a4": landscape(A4), "a3": landscape(A3)}
STAGES_PER_PAGE = {"a4": 5, "a3": 7}
MARGIN = 12 * mm
LABEL_WIDTH = 62
MAX_PERSONA_BESIDE = 260  # points of persona details that may stand beside the legend

INK = colors.HexColor("#111827")
MUTED = colors.HexColor("#4b5563")
RULE = colors.HexColor("#d1d5db")
HEADER = colors.HexColor("#1f2937")
LABEL_BG = colors.HexColor("#f3f4f6")
NEUTRAL = colors.HexColor("#f9fafb")
CRITICAL = colors.HexColor("#991b1b")
NOTE_GUTTER = 1.5
# One hue per heat-map tag; a note takes the hue of its strongest tag, deeper as more voters gave it.
TAG_COLOURS = {
    "pain": colors.HexColor("#dc2626"),
    "delight": colors.HexColor("#16a34a"),
    "truth": colors.HexColor("#2563eb"),
}
TAG_NAMES = {"pain": "Pain point", "delight": "Moment of delight", "truth": "Moment of truth"}
NOW_COLOUR = colors.HexColor("#111827")
AIM_COLOUR = colors.HexColor("#2563eb")

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


def _style(name: str, size: float, **extra: Any) -> ParagraphStyle:
    base: dict[str, Any] = {"fontName": BODY, "leading": size * 1.25, "textColor": INK}
    return ParagraphStyle(name, fontSize=size, **{**base, **extra})


TITLE = _style("title", 18, fontName=BOLD, spaceAfter=4)
H2 = _style("h2", 12, fontName=BOLD, spaceBefore=8, spaceAfter=4)
BODY_TEXT = _style("body", 8.5)
SMALL = _style("small", 7.2)
NOTE = _style("note", 7)
MUTED_TEXT = _style("muted", 7.2, textColor=MUTED)
STAGE_HEAD = _style("stagehead", 8.5, fontName=BOLD, textColor=colors.white)


def p(text: str, style: ParagraphStyle = SMALL) -> Paragraph:
    """A paragraph of user text (escaped, with font fallback)."""
    return Paragraph(markup(text), style)


def score(value: int | None) -> str:
    return "–" if value is None else f"{value:+d}" if value else "0"


def heat_colour(note: NoteReport) -> colors.Color:
    if not note.heat.voters:
        return NEUTRAL
    tag = max(TAG_COLOURS, key=note.share)
    share = note.share(tag)
    if share == 0:
        return NEUTRAL
    # Light enough at full heat for dark text to keep its contrast.
    return colors.linearlyInterpolatedColor(
        colors.white, TAG_COLOURS[tag], 0, 1, 0.15 + 0.45 * share
    )


# --- the document ---------------------------------------------------------------------------


def render_pdf(report: Report, paper: str = "a4") -> bytes:
    register_fonts()
    pagesize = PAPER[paper]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4,
        title=report.title,
        author="Journeymap",
        subject=f"Customer journey map ({report.state_label})",
    )
    # The frame keeps 6 pt of padding on each side inside the margins.
    width = pagesize[0] - 2 * MARGIN - 12
    story: list[Flowable] = []
    story += _overview(report, width)
    story += _spine(report, width, STAGES_PER_PAGE[paper])
    story += _summary(report, width)
    footer = [
        Span(
            f"{report.title} · {report.state_label} · exported {report.exported_at:%Y-%m-%d}",
            7,
            colour=MUTED,
        )
    ]

    def on_page(canvas, document) -> None:
        canvas.saveState()
        draw_text_line(canvas, MARGIN, MARGIN / 2, footer, width - 60)
        canvas.setFont(BODY, 7)
        canvas.setFillColor(MUTED)
        canvas.drawRightString(pagesize[0] - MARGIN, MARGIN / 2, f"Page {document.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()


# Renders run one at a time: reportlab keeps per-font state shared between documents, and one
# worker bounds the memory a burst of downloads can take. The worker never touches the database.
_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pdf-render")


def render_in_worker(report: Report, paper: str = "a4") -> bytes:
    return _executor.submit(render_pdf, report, paper).result()


# --- page 1: what map this is, whose journey, how to read it --------------------------------


def _overview(report: Report, width: float) -> list[Flowable]:
    facts = [report.state_label]
    if report.scope:
        facts.append(f"Scope: {report.scope}")
    facts.append(f"Exported {report.exported_at:%d %b %Y}")
    facts.append(f"revision {report.revision}")
    head = [Paragraph(markup(report.title), TITLE), p(" · ".join(facts), BODY_TEXT)]
    right = [_legend(), Spacer(1, 6), *_workshop_facts(report)]
    left_width = width * 0.62
    left = _persona_panel(report)
    details = _persona_details(report, left_width)
    below: list[Flowable] = []
    # Beside the legend when it fits the top of the page; long personas (each field may hold
    # 2,000 characters) go below at full width, in a table that may continue on the next page.
    if details is not None and details.wrap(left_width, 10_000)[1] < MAX_PERSONA_BESIDE:
        left += [Spacer(1, 3), details]
    elif details is not None:
        below = [Spacer(1, 4), _persona_details(report, width)]
    panel = Table(
        [[left, right]],
        colWidths=[left_width, width - left_width],
        style=TableStyle(
            [("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]
        ),
    )
    return [*head, Spacer(1, 6), panel, *below]


def _persona_panel(report: Report) -> list[Flowable]:
    persona = report.persona
    if persona is None:
        return [
            p(
                "No persona is set for this map: add one on the board so readers know whose journey this is.",
                MUTED_TEXT,
            )
        ]
    out: list[Flowable] = [Paragraph(f"<b>Persona: {markup(persona.name)}</b>", BODY_TEXT)]
    if persona.role:
        out.append(p(persona.role, BODY_TEXT))
    if persona.quote:
        out.append(Paragraph(f"<i>“{markup(persona.quote)}”</i>", BODY_TEXT))
    return out


def _persona_details(report: Report, width: float) -> Grid | None:
    """Demographics, psychographics, behaviour, goals and expectations, as label and text."""
    if report.persona is None or not report.persona.rows:
        return None
    widths = [84.0, width - 84.0]
    rows = [
        Row(
            [
                Cell(cell_lines([[Span(label, 7.5, colour=MUTED)]], widths[0])),
                Cell(cell_lines([[Span(value, 7.5)]], widths[1])),
            ]
        )
        for label, value in report.persona.rows
    ]
    return Grid(widths, None, rows)


def _legend() -> Table:
    rows = [[Paragraph("<b>How to read the notes</b>", SMALL), ""]]
    styles = [("SPAN", (0, 0), (1, 0)), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
    for i, (tag, colour) in enumerate(TAG_COLOURS.items(), start=1):
        rows.append(["", p(f"{TAG_NAMES[tag]}: deeper colour = more voters gave this tag")])
        light = colors.linearlyInterpolatedColor(colors.white, colour, 0, 1, 0.5)
        styles.append(("BACKGROUND", (0, i), (0, i), light))
    n = len(rows)
    rows.append(["", p("No votes yet")])
    styles.append(("BACKGROUND", (0, n), (0, n), NEUTRAL))
    styles.append(("BOX", (0, n), (0, n), 0.5, RULE))
    rows.append(["", Paragraph("<b>★ Critical</b>: a make-or-break touchpoint", SMALL)])
    styles.append(("LINEBEFORE", (0, n + 1), (0, n + 1), 3, CRITICAL))
    rows.append(["", p("⚠ Inconsistent: many found it painful and many delightful")])
    rows.append(
        [
            "",
            p("Emotion curve: solid line = how the customer feels now, dashed = our aim (−2 … +2)"),
        ]
    )
    return Table(rows, colWidths=[14, None], style=TableStyle(styles))


def _workshop_facts(report: Report) -> list[Flowable]:
    w = report.workshop
    if w is None:
        return [
            p(
                "No workshop has been run on this map yet: heat colours appear after voting.",
                MUTED_TEXT,
            )
        ]
    return [
        Paragraph("<b>Workshop</b>", SMALL),
        p(f"{w.title} · {w.date:%d %b %Y} · {w.participants} participants, {w.voters} voted"),
    ]


# --- the spine: one column per stage, a row per lane, then the notes ------------------------


def _spine(report: Report, width: float, per_page: int) -> list[Flowable]:
    stages = report.stages
    if not stages:
        return [
            Spacer(1, 8),
            p("This map has no stages yet: add the journey's stages on the board.", MUTED_TEXT),
        ]
    out: list[Flowable] = []
    for start in range(0, len(stages), per_page):
        chunk = stages[start : start + per_page]
        label = f"The journey: stages {start + 1}–{start + len(chunk)} of {len(stages)}"
        out += [CondPageBreak(200) if start == 0 else PageBreak(), Paragraph(label, H2)]
        out.append(_spine_table(chunk, start, width))
    return out


def _lane_cell(stage: StageReport, lane: str, width: float) -> Cell:
    if lane == "feelings":
        scores = f"now {score(stage.emotion_now)} · aim {score(stage.emotion_aspiration)}"
        paragraphs = [[Span(stage.feelings)]] if stage.feelings else []
        paragraphs.append([Span(scores, colour=MUTED)])
    elif lane == "metrics":
        parts = []
        if stage.conversion_pct is not None:
            parts.append(f"{stage.conversion_pct}% go on to the next stage")
        if stage.time_in_stage:
            parts.append(f"typically {stage.time_in_stage}")
        paragraphs = [[Span("; ".join(parts))]]
    else:
        paragraphs = [[Span(getattr(stage, lane))]]
    return Cell(cell_lines(paragraphs, width))


SHORT_TAG = {"pain": "Pain", "delight": "Delight", "truth": "Truth"}


def _note_cell(note: NoteReport, width: float) -> Cell:
    first = [Span("★ Critical ", bold=True, colour=CRITICAL)] if note.critical else []
    meta = " · ".join(part for part in (note.channel, note.department) if part)
    if note.group:
        meta += f" · group: {note.group}"
    # Meta lines differ from the note's text by size, not colour: one colour for the whole
    # note means one colour operator per note in the PDF instead of three.
    paragraphs = [[*first, Span(note.text)], [Span(meta, size=6.2)]]
    heat = note.heat
    if heat.voters:
        counts = " · ".join(f"{SHORT_TAG[t]} {heat.counts.get(t, 0)}" for t in TAG_COLOURS)
        paragraphs.append([Span(f"{counts} of {heat.voters} voters", 6.2)])
    if heat.inconsistent:
        paragraphs.append([Span("⚠ Inconsistent", size=6.2, bold=True)])
    return Cell(
        cell_lines(paragraphs, width - 2 * NOTE_GUTTER - (RULE_WIDTH if note.critical else 0)),
        background=heat_colour(note),
        rule=CRITICAL if note.critical else None,
        inset=NOTE_GUTTER,
    )


def _label(text: str) -> Cell:
    return Cell(cell_lines([[Span(text, colour=MUTED)]], LABEL_WIDTH), background=LABEL_BG)


def _spine_table(chunk: list[StageReport], offset: int, width: float) -> Grid:
    column = (width - LABEL_WIDTH) / len(chunk)
    widths = [LABEL_WIDTH] + [column] * len(chunk)
    head = [Cell(cell_lines([[Span("Stage", 8.5, True, colors.white)]], LABEL_WIDTH), HEADER)]
    for i, stage in enumerate(chunk, start=offset + 1):
        sub = f"{len(stage.notes)} touchpoints"
        if stage.loops_back_to:
            sub += f" · loops back to {stage.loops_back_to}"
        paragraphs = [
            [Span(f"{i}. ", 8.5, True, colors.white), Span(stage.name, 8.5, True, colors.white)],
            [Span(sub, 6.5, False, colors.white)],
        ]
        head.append(Cell(cell_lines(paragraphs, column), HEADER))
    rows: list[Row] = []
    for lane, label in LANES:
        if lane == "curve":
            cells = [_label(label), Cell(drawing=_curve(chunk, column))]
        else:
            cells = [_label(label)] + [_lane_cell(s, lane, column) for s in chunk]
        rows.append(Row(cells, rule_below=RULE))
    depth = max(len(s.notes) for s in chunk)
    for i in range(max(depth, 1)):
        cells = [_label("Touchpoints") if i == 0 else Cell(background=LABEL_BG)]
        for stage in chunk:
            if i < len(stage.notes):
                cells.append(_note_cell(stage.notes[i], column))
            elif i == 0:
                empty = [[Span("No customer-visible touchpoints", colour=MUTED)]]
                cells.append(Cell(cell_lines(empty, column)))
            else:
                cells.append(Cell())
        rows.append(Row(cells))
    return Grid(widths, Row(head), rows)


def _curve(chunk: list[StageReport], column: float) -> Drawing:
    """Now vs aspiration, one point per stage, centred under the stage's column."""
    height = 54
    drawing = Drawing(column * len(chunk) - 8, height)

    def y(value: int) -> float:
        return height / 2 + value * (height / 2 - 8) / 2

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
            drawing.add(PolyLine(flat, strokeColor=colour, strokeWidth=1.4, strokeDashArray=dash))
        for x, py in points:
            drawing.add(Circle(x, py, 2.2, fillColor=colour, strokeColor=colour))
    for i, s in enumerate(chunk):
        if s.emotion_now is not None:
            x = i * column + column / 2 + 2
            drawing.add(
                String(x, y(s.emotion_now) + 3, score(s.emotion_now), fontName=BODY, fontSize=6.5)
            )
    drawing.add(String(0, height - 7, "+2", fontName=BODY, fontSize=6, fillColor=MUTED))
    drawing.add(String(0, 1, "−2", fontName=BODY, fontSize=6, fillColor=MUTED))
    return drawing


# --- the summary: where to put resources ----------------------------------------------------


def _summary(report: Report, width: float) -> list[Flowable]:
    out: list[Flowable] = [PageBreak(), Paragraph("Summary", TITLE)]
    out += _section(
        "Top pain points",
        ["Touchpoint", "Stage", "Pain votes"],
        [[r.note.text, r.note.stage, _votes(r)] for r in report.top_pain],
        "No revealed pain points yet: run a workshop's vote, then reveal the votes.",
        width,
    )
    out += _section(
        "Moments of truth",
        ["Touchpoint", "Stage", "Truth votes"],
        [
            [("★ " if r.note.critical else "") + r.note.text, r.note.stage, _votes(r)]
            for r in report.top_truth
        ],
        "No revealed moments of truth yet.",
        width,
    )
    out += _section(
        "Inconsistent touchpoints",
        ["Touchpoint", "Stage", "Painful / delightful for"],
        [
            [
                r.note.text,
                r.note.stage,
                f"{r.heat.share('pain'):.0%} / {r.heat.share('delight'):.0%} of voters",
            ]
            for r in report.inconsistent
        ],
        "None: no touchpoint was both painful and delightful to many voters.",
        width,
    )
    out += _section(
        "Largest gaps to customer feedback",
        ["Touchpoint", "Stage", "Team vs customers"],
        [[g.note.text, g.note.stage, _gap_text(g)] for g in report.gaps],
        "No customer feedback imported yet: add survey, interview or ticket results per touchpoint.",
        width,
    )
    out += _section(
        "Who is accountable at each stage",
        ["Stage", "Personnel involved", "Departments owning touchpoints"],
        [
            [stage, personnel or "–", ", ".join(depts) or "–"]
            for stage, personnel, depts in report.accountability
        ],
        "No stages yet.",
        width,
    )
    out += _action_items(report, width)
    out += _section(
        "Workshop",
        ["Workshop", "Date", "People"],
        [
            [w.title, f"{w.date:%d %b %Y}", f"{w.participants} participants, {w.voters} voted"]
            for w in [report.workshop]
            if w is not None
        ],
        "No workshop has been run on this map yet.",
        width,
    )
    if report.comparison is not None:
        comp = report.comparison
        out += _section(
            f"Compared with the current state: {comp.current_title}",
            [
                "Stage",
                "Emotion now (current map)",
                "Emotion now / aim (this map)",
                "Touchpoints (current → this)",
            ],
            [
                [
                    row.stage,
                    score(row.current_now),
                    f"{score(row.future_now)} / {score(row.future_aspiration)}",
                    f"{row.current_notes} → {row.future_notes}",
                ]
                for row in comp.rows
            ],
            "Neither map has stages yet.",
            width,
        )
    return out


def _votes(ranked: RankedNote) -> str:
    heat = ranked.heat
    return f"{heat.counts.get(ranked.tag, 0)} of {heat.voters} voters ({ranked.share:.0%})"


def _gap_text(gap: Gap) -> str:
    direction = "more" if gap.difference > 0 else "less"
    return (
        f"{TAG_NAMES[gap.tag]}: team {gap.team_share:.0%}, customers {gap.customer_share:.0%} "
        f"({gap.customer_rows} {'response' if gap.customer_rows == 1 else 'responses'}): "
        f"customers report it {direction} than the team thinks"
    )


def _section(
    title: str, header: list[str], rows: list[list[str]], empty: str, width: float
) -> list[Flowable]:
    heading = Paragraph(markup(title), H2)
    if not rows:
        return [KeepTogether([heading, p(empty, MUTED_TEXT)])]
    shares = [0.46, 0.2, 0.34] if len(header) == 3 else [0.3, 0.2, 0.25, 0.25]
    widths = [width * share for share in shares]
    head = Row(
        [
            Cell(cell_lines([[Span(h, 7.2, True)]], w), LABEL_BG)
            for h, w in zip(header, widths, strict=True)
        ]
    )
    body = [
        Row(
            [Cell(cell_lines([[Span(c, 7.2)]], w)) for c, w in zip(row, widths, strict=True)],
            rule_below=RULE,
        )
        for row in rows
    ]
    return [CondPageBreak(80), heading, Grid(widths, head, body)]


def _action_items(report: Report, width: float) -> list[Flowable]:
    """Who does what by when: the action items the team agreed, soonest due first."""
    return _section(
        "Who does what by when",
        ["Action", "Touchpoint", "Who", "By when"],
        [
            [
                a.text,
                f"{a.touchpoint} ({a.stage})",
                a.owner or "nobody yet",
                f"{a.due:%d %b %Y} · {a.status}" if a.due else f"no date · {a.status}",
            ]
            for a in report.actions
        ],
        "No action items yet: in the Discuss phase, turn the touchpoints that matter into actions.",
        width,
    )
