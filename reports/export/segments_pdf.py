"""Several personas in the PDF (issue 20): what the report reads of the map's further personas
(their cards, their scores per stage, the notes on some journeys only), the persona panel of
each, and the summary's comparison. A map of one persona prints as it always did.

Read from the database in reports.export.report (the caller's thread); drawn by pdf.py and
journey.py (`_curve`: one more line per further persona, in its colour).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reportlab.lib import colors
from reportlab.platypus import Flowable, Paragraph

from maps.models import JourneyMap
from maps.segments_board import PERSONA_COLOURS, map_persona_views, note_scopes

from .fonts import markup
from .style import BODY_TEXT, NOW_COLOUR, score

# Summary rows, at most: the stages where a further persona parts most from the primary.
DIVERGENCE_ROWS = 3


@dataclass
class SegmentReport:
    """A further persona of the map, as the PDF shows it."""

    name: str
    role: str
    quote: str
    colour: str  # "#rrggbb", a fixed palette value
    # (now, aspiration) per stage, in the report's stage order
    scores: list[tuple[int | None, int | None]] = field(default_factory=list)


@dataclass
class SegmentsReport:
    primary: str  # the primary's name
    others: list[SegmentReport] = field(default_factory=list)
    # notes on some journeys only: (text, stage, whose names)
    scoped: list[tuple[str, str, str]] = field(default_factory=list)


def read_segments(journey_map: JourneyMap, internal: set[int]) -> SegmentsReport | None:
    """The further personas, or None on a map of one persona (or none). `internal`: the ids
    of internal notes, which the PDF never shows."""
    stages = list(journey_map.stages.order_by("position", "id"))
    views = map_persona_views(journey_map, stages)
    if len(views) < 2:
        return None
    report = SegmentsReport(primary=views[0].persona.name)
    for view in views[1:]:
        blank = ("", None, None)
        report.others.append(
            SegmentReport(
                view.persona.name,
                view.persona.role,
                view.persona.quote,
                view.colour,
                [view.feelings.get(s.pk, blank)[1:] for s in stages],
            )
        )
    names = {view.pk: view.persona.name for view in views}
    rank = {view.pk: i for i, view in enumerate(views)}
    scopes = note_scopes(journey_map)
    stage_names = {s.pk: (i, s.name) for i, s in enumerate(stages)}
    notes = journey_map.touchpoints.filter(pk__in=[int(k) for k in scopes]).exclude(pk__in=internal)
    for note in sorted(notes, key=lambda n: (stage_names[n.stage_id][0], n.position, n.pk)):
        whose = sorted(scopes[str(note.pk)], key=rank.__getitem__)
        report.scoped.append(
            (note.text, stage_names[note.stage_id][1], ", ".join(names[p] for p in whose))
        )
    return report


def persona_panels(segments: SegmentsReport | None) -> list[Flowable]:
    """One short panel per further persona, under the primary's: name in its curve's colour,
    role, quote."""
    if segments is None:
        return []
    out: list[Flowable] = []
    for other in segments.others:
        who = f'<font color="{other.colour}"><b>Persona: {markup(other.name)}</b></font>'
        if other.role:
            who += f" · {markup(other.role)}"
        out.append(Paragraph(who, BODY_TEXT))
        if other.quote:
            out.append(Paragraph(f"<i>“{markup(other.quote)}”</i>", BODY_TEXT))
    names = ", ".join(f'<font color="{o.colour}">{markup(o.name)}</font>' for o in segments.others)
    out.append(
        Paragraph(
            f"Emotion curves: {markup(segments.primary)} in black, {names} in colour.",
            BODY_TEXT,
        )
    )
    return out


def curve_lines(stage_scores: list[list[tuple[str, int | None, int | None]]]) -> list:
    """Per further persona: (colour, now per stage, aspiration per stage) for a chunk of
    stages, from each stage's `others` [(colour, now, aim)]."""
    if not stage_scores or not stage_scores[0]:
        return []
    lines = []
    for k in range(len(stage_scores[0])):
        colour = colors.HexColor(stage_scores[0][k][0])
        lines.append((colour, [s[k][1] for s in stage_scores], [s[k][2] for s in stage_scores]))
    return lines


def divergence_rows(segments: SegmentsReport, stages, primary_scores) -> list[list[str]]:
    """Per further persona, one row: the stages where it feels furthest from the primary now
    (widest first, at most DIVERGENCE_ROWS), with both scores, and the widest gap."""
    rows = []
    for other in segments.others:
        apart = [
            (abs(their - now), stage, now, their)
            for stage, (now, _), (their, _) in zip(
                stages, primary_scores, other.scores, strict=True
            )
            if now is not None and their is not None and now != their
        ]
        if not apart:
            continue
        apart.sort(key=lambda row: -row[0])
        parts = [
            f"{stage}: {score(now)} vs {score(their)}"
            for _, stage, now, their in apart[:DIVERGENCE_ROWS]
        ]
        rows.append(
            [
                f"{other.name} parts from {segments.primary}",
                " · ".join(parts),
                f"{apart[0][0]} apart at most",
            ]
        )
    return rows


def only_rows(segments: SegmentsReport) -> list[tuple[str, list[str]]]:
    """Whose journey alone, with its touchpoints (text and stage), in the map's order."""
    by_whose: dict[str, list[str]] = {}
    for text, stage, whose in segments.scoped:
        by_whose.setdefault(whose, []).append(f"{text} ({stage})")
    return list(by_whose.items())


__all__ = [
    "NOW_COLOUR",
    "PERSONA_COLOURS",
    "SegmentReport",
    "SegmentsReport",
    "curve_lines",
    "divergence_rows",
    "only_rows",
    "persona_panels",
    "read_segments",
]
