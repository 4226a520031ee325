"""The map as a PDF a manager can act on: page 1 has the title, persona, legend and the journey
(reports.export.journey: the lanes someone filled in, heat-coloured notes under their stage, the
emotion curve); a summary of where to act follows on its own page.

`render_pdf(report)` works from plain data (reports.export.report) and touches no database, so it
can run in a worker thread: `render_in_worker` is what views and commands call.
"""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from reportlab.lib.pagesizes import A3, A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from reports.analysis import Gap, RankedNote

from .fonts import BODY, BOLD, markup, register_fonts
from .journey import FitToPage, journey
from .layout import Cell, Grid, Row, Span, cell_lines, draw_text_line
from .report import Report, WorkshopReport
from .segments_pdf import divergence_rows, only_rows, persona_panels
from .style import (
    BODY_TEXT,
    CRITICAL,
    EMPTY_SECTION,
    H2,
    LABEL_BG,
    MUTED,
    MUTED_TEXT,
    NEUTRAL,
    RULE,
    SMALL,
    TAG_COLOURS,
    TAG_NAMES,
    TITLE,
    counted,
    p,
    score,
    tinted,
)

PAPER = {"a4": landscape(A4), "a3": landscape(A3)}
STAGES_PER_PAGE = {"a4": 6, "a3": 9}
MARGIN = 12 * mm
PERSONA_SHARE = 0.6  # of the page's width, beside the legend
MAX_PERSONA_FRONT = 64  # points of persona details that may stand on page 1; more go to the back


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
    height = doc.height - 12
    details = _persona_details(report)
    front = (
        details is not None
        and details.wrap(width * PERSONA_SHARE - 12, height)[1] <= MAX_PERSONA_FRONT
    )
    overview = _overview(report, width, details if front else None)
    parts = journey(report.stages, width, STAGES_PER_PAGE[paper], height)
    at_back = details is not None and not front
    if _map_needs_a_page_of_its_own(overview, parts, width, height):
        # Page 1 would hold the overview alone: the summary fills it, and the map follows
        # whole on the next page.
        summary = _summary(report, width, persona_at_back=at_back, workshop=False)
        story = [*overview, Spacer(1, 8), *summary, PageBreak(), *parts]
    else:
        summary = _summary(report, width, persona_at_back=at_back)
        story = [*overview, *parts, PageBreak(), *summary]
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


def _map_needs_a_page_of_its_own(
    overview: list[Flowable], parts: list[Flowable], width: float, height: float
) -> bool:
    """True when the journey's first part fits a whole page but not the room under the
    overview on page 1."""
    first = parts[0] if parts else None
    if not isinstance(first, FitToPage):
        return False
    used = sum(flowable.wrap(width, height)[1] for flowable in overview)
    room = height - used - first.getSpaceBefore()
    return not first.fits(width, room) and first.fits(width, height)


# Renders run one at a time: reportlab keeps per-font state shared between documents, and one
# worker bounds the memory a burst of downloads can take. The worker never touches the database.
_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pdf-render")


def render_in_worker(report: Report, paper: str = "a4") -> bytes:
    return _executor.submit(render_pdf, report, paper).result()


# --- the top of page 1: what map this is, whose journey, how to read it ---------------------


def _overview(report: Report, width: float, details: Paragraph | None) -> list[Flowable]:
    """One band: the map, the workshop and the persona on the left, the legend on the right."""
    facts = [report.state_label]
    if report.scope:
        facts.append(f"Scope: {report.scope}")
    facts.append(f"Exported {report.exported_at:%d %b %Y}")
    facts.append(f"revision {report.revision}")
    left: list[Flowable] = [
        Paragraph(markup(report.title), TITLE),
        p(" · ".join(facts), BODY_TEXT),
        _workshop_line(report.workshop),
        Spacer(1, 3),
        *_persona_panel(report),
        *persona_panels(report.segments),
    ]
    if details is not None:
        left += [Spacer(1, 1), details]
    left_width = width * PERSONA_SHARE
    band = Table(
        [[left, _legend(width - left_width)]],
        colWidths=[left_width, width - left_width],
        style=TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (0, 0), 12),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        ),
    )
    return [band]


def _workshop_line(w: WorkshopReport | None) -> Paragraph:
    if w is None:
        return p(
            "No workshop has been run on this map yet: heat colours appear after voting.",
            MUTED_TEXT,
        )
    voted = f"{w.voters} voted" if w.voters else "no votes revealed yet"
    people = f"{counted(w.participants, 'participant')}, {voted}"
    return p(f"Workshop: {w.title} · {w.date:%d %b %Y} · {people}", BODY_TEXT)


def _persona_panel(report: Report) -> list[Flowable]:
    persona = report.persona
    if persona is None:
        return [
            p(
                "No persona is set for this map: add one on the board so readers know whose journey this is.",
                MUTED_TEXT,
            )
        ]
    who = f"<b>Persona: {markup(persona.name)}</b>"
    if persona.role:
        who += f" · {markup(persona.role)}"
    out: list[Flowable] = [Paragraph(who, BODY_TEXT)]
    if persona.quote:
        out.append(Paragraph(f"<i>“{markup(persona.quote)}”</i>", BODY_TEXT))
    return out


def _persona_details(report: Report) -> Paragraph | None:
    """Demographics, psychographics, behaviour, goals and expectations as one flowing paragraph,
    each after its label."""
    if report.persona is None or not report.persona.rows:
        return None
    muted = MUTED.hexval()[2:]
    parts = [
        f'<font color="#{muted}">{label}:</font> {markup(value)}'
        for label, value in report.persona.rows
    ]
    return Paragraph(f' <font color="#{muted}">·</font> '.join(parts), SMALL)


def _persona_table(report: Report, width: float) -> Grid:
    """The persona's details as label and text, for a persona too long for page 1."""
    assert report.persona is not None
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


def _legend(width: float) -> Table:
    """The four note colours in a row, the two marks, then what a swatch cannot say."""
    swatch = 8
    names = [TAG_NAMES[tag] for tag in TAG_COLOURS] + ["No votes yet"]
    fills = [tinted(colour, 0.6) for colour in TAG_COLOURS.values()] + [NEUTRAL]
    widths: list[float] = []
    for name in names:
        widths += [swatch, stringWidth(name, BODY, SMALL.fontSize) + 8]
    widths[-1] += width - sum(widths)
    chips = [cell for name in names for cell in ("", Paragraph(name, SMALL))]
    critical = Paragraph("<b>★ Critical</b>: a make-or-break touchpoint", SMALL)
    reading = Paragraph(
        "A deeper colour means more voters gave that tag. ⚠ Inconsistent: many found it "
        "painful and many delightful. Emotion curve: solid line = how the customer feels now, "
        "dashed = our aim (−2 … +2).",
        SMALL,
    )
    last = len(widths) - 1
    styles = [
        ("SPAN", (1, 1), (last, 1)),
        ("SPAN", (0, 2), (last, 2)),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("LEFTPADDING", (0, 2), (0, 2), 0),
        ("BOX", (6, 0), (6, 0), 0.5, RULE),
        ("LINEBEFORE", (0, 1), (0, 1), 3, CRITICAL),
    ]
    styles += [("BACKGROUND", (2 * i, 0), (2 * i, 0), fill) for i, fill in enumerate(fills)]
    rows = [chips, ["", critical] + [""] * (last - 1), [reading] + [""] * last]
    return Table(rows, colWidths=widths, style=TableStyle(styles), hAlign="LEFT")


# --- the summary: where to put resources ----------------------------------------------------


@dataclass
class Section:
    """One table of the summary; sections are printed in order, each under its title."""

    title: str
    header: list[str]
    rows: list[list[str]]
    empty: str  # what to print, and to do, when there are no rows
    shares: tuple[float, ...] = (0.46, 0.2, 0.34)  # of the width, per column


def summary_sections(report: Report) -> list[Section]:
    sections = [
        Section(
            "Top pain points",
            ["Touchpoint", "Stage", "Pain votes"],
            [[r.note.text, r.note.stage, _votes(r)] for r in report.top_pain],
            "No revealed pain points yet: run a workshop's vote, then reveal the votes.",
        ),
        Section(
            "Moments of truth",
            ["Touchpoint", "Stage", "Truth votes"],
            [
                [("★ " if r.note.critical else "") + r.note.text, r.note.stage, _votes(r)]
                for r in report.top_truth
            ],
            "No revealed moments of truth yet.",
        ),
        Section(
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
        ),
        Section(
            "Largest gaps to customer feedback",
            ["Touchpoint", "Stage", "Team vs customers"],
            [[g.note.text, g.note.stage, _gap_text(g)] for g in report.gaps],
            "No customer feedback imported yet: add survey, interview or ticket results per touchpoint.",
        ),
        Section(
            "Who is accountable at each stage",
            ["Stage", "Personnel involved", "Departments owning touchpoints"],
            [
                [stage, personnel or "–", ", ".join(depts) or "–"]
                for stage, personnel, depts in report.accountability
            ],
            "No stages yet.",
            shares=(0.2, 0.4, 0.4),
        ),
        _action_items(report),
    ]
    sections += segment_sections(report)
    if report.discussion:
        # Only when a thread is open: an empty line here would push small summaries onto a
        # second page, and "no discussion" asks nobody to do anything.
        sections.append(_discussion(report))
    if report.comparison is not None:
        comp = report.comparison
        sections.append(
            Section(
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
                shares=(0.3, 0.2, 0.25, 0.25),
            )
        )
    return sections


def segment_sections(report: Report) -> list[Section]:
    """The personas compared (issue 20), in one table: where the further ones part most from
    the primary, then the touchpoints each persona meets alone. None on a map of one persona."""
    segments = report.segments
    if segments is None:
        return []
    stages = [s.name for s in report.stages]
    primary = [(s.emotion_now, s.emotion_aspiration) for s in report.stages]
    rows = divergence_rows(segments, stages, primary)
    rows += [
        [f"Only {whose} meets", "; ".join(texts), counted(len(texts), "touchpoint")]
        for whose, texts in only_rows(segments)
    ]
    return [
        Section(
            "The personas compared",
            ["Who", "Where", ""],
            rows,
            "No difference yet: give each persona emotion scores, and say whose journey a "
            "touchpoint is on where it is not everyone's.",
            shares=(0.26, 0.58, 0.16),
        )
    ]


def _summary(
    report: Report, width: float, *, persona_at_back: bool, workshop: bool = True
) -> list[Flowable]:
    """The summary's sections; `workshop` puts the workshop's line under its title (not
    needed when the summary follows the overview, which has it)."""
    out: list[Flowable] = [Paragraph("Summary", TITLE)]
    if workshop:
        out.append(_workshop_line(report.workshop))
    for section in summary_sections(report):
        out += _section(section, width)
    if persona_at_back and report.persona is not None:
        heading = Paragraph(f"The persona: {markup(report.persona.name)}", H2)
        out += [CondPageBreak(80), heading, _persona_table(report, width)]
    return out


def _votes(ranked: RankedNote) -> str:
    heat = ranked.heat
    count = heat.counts.get(ranked.tag, 0)
    return f"{count} of {counted(heat.voters, 'voter')} ({ranked.share:.0%})"


def _gap_text(gap: Gap) -> str:
    direction = "more" if gap.difference > 0 else "less"
    return (
        f"{TAG_NAMES[gap.tag]}: team {gap.team_share:.0%}, customers {gap.customer_share:.0%} "
        f"({counted(gap.customer_rows, 'response')}): "
        f"customers report it {direction} than the team thinks"
    )


def _section(section: Section, width: float) -> list[Flowable]:
    if not section.rows:
        # One line, not a heading over one line: an empty summary is a list of what to do
        # next, and two lines each pushed the demo's summary onto a second page.
        title = f'<font name="{BOLD}" color="#1f2937">{markup(section.title)}</font>'
        return [Paragraph(f"{title} · {markup(section.empty)}", EMPTY_SECTION)]
    heading = Paragraph(markup(section.title), H2)
    widths = [width * share for share in section.shares]
    head = Row(
        [
            Cell(cell_lines([[Span(h, 7.2, True)]], w), LABEL_BG)
            for h, w in zip(section.header, widths, strict=True)
        ]
    )
    body = [
        Row(
            [Cell(cell_lines([[Span(c, 7.2)]], w)) for c, w in zip(row, widths, strict=True)],
            rule_below=RULE,
        )
        for row in section.rows
    ]
    return [CondPageBreak(80), heading, Grid(widths, head, body)]


def _action_items(report: Report) -> Section:
    """Who does what by when: the action items the team agreed, soonest due first."""
    return Section(
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
        shares=(0.35, 0.3, 0.15, 0.2),
    )


def _discussion(report: Report) -> Section:
    """Notes whose threads are unresolved: what the team is still discussing."""
    return Section(
        "Discussion",
        ["Touchpoint", "Stage", "Open thread (latest comments)"],
        [
            [
                d.touchpoint,
                d.stage,
                f"{counted(d.comments, 'comment')}: "
                + " · ".join(f"{author}: {text}" for author, text in d.latest),
            ]
            for d in report.discussion
        ],
        "",
        shares=(0.3, 0.15, 0.55),
    )


__all__ = ["PAPER", "render_in_worker", "render_pdf", "summary_sections"]
