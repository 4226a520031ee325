"""Everything the PDF shows, read from the database into plain data.

The PDF is drawn from a `Report` in a worker thread (reports.export.pdf): all database work happens
here, in the caller's thread, with a fixed number of queries whatever the map's size. Internal
notes (processes the customer never sees) are left out here, so no later step can leak them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import timezone

from maps.board import action_items
from maps.discussion_models import Comment
from maps.heat import Heat
from maps.models import Channel, JourneyMap, Persona, ValuePoint
from reports.analysis import (
    Gap,
    NoteRef,
    RankedNote,
    customer_heat,
    gap_ranking,
    inconsistent_notes,
    top_notes,
)
from workshops.tally import heat_for_map, latest_voted_workshop

from .segments_pdf import SegmentsReport, read_segments

SUMMARY_LIMIT = 5
CHANNEL_LABELS = dict(Channel.choices)
VALUE_POINT_LABELS = dict(ValuePoint.choices)

PERSONA_ROWS = (
    ("demographics", "Demographics"),
    ("personality", "Personality"),
    ("lifestyle", "Lifestyle"),
    ("social_class", "Social class"),
    ("buyer_type", "Buyer type"),
    ("purchase_frequency", "How often they buy"),
    ("purchase_reason", "Why they buy"),
    ("goals", "Goals"),
    ("expectations", "Expectations"),
)


@dataclass
class NoteReport:
    id: int
    text: str
    stage: str
    channel: str
    department: str
    critical: bool
    group: str
    heat: Heat

    def share(self, tag: str) -> float:
        return self.heat.share(tag)


@dataclass
class StageReport:
    name: str
    actions: str = ""
    thoughts: str = ""
    feelings: str = ""
    emotion_now: int | None = None
    emotion_aspiration: int | None = None
    goals: str = ""
    personnel: str = ""
    value_point: str = ""
    conversion_pct: int | None = None
    time_in_stage: str = ""
    loops_back_to: str = ""
    notes: list[NoteReport] = field(default_factory=list)
    # The further personas' (colour, now, aspiration) here, in the map's order (issue 20).
    others: list[tuple[str, int | None, int | None]] = field(default_factory=list)


@dataclass
class PersonaReport:
    name: str
    role: str
    quote: str
    rows: list[tuple[str, str]]


@dataclass
class WorkshopReport:
    title: str
    date: datetime
    participants: int
    voters: int


@dataclass
class ActionReport:
    """One action item: who does what by when, about which touchpoint."""

    text: str
    touchpoint: str
    stage: str
    owner: str
    due: date | None
    status: str


@dataclass
class DiscussionReport:
    """A note whose thread is still open: what is being said about it (the latest comments,
    each cut short: the PDF is a summary, the board has the whole thread)."""

    touchpoint: str
    stage: str
    comments: int
    latest: list[tuple[str, str]]  # (author, text)


@dataclass
class ComparisonRow:
    stage: str
    current_now: int | None
    future_now: int | None
    future_aspiration: int | None
    current_notes: int
    future_notes: int


@dataclass
class Comparison:
    current_title: str
    rows: list[ComparisonRow]


@dataclass
class Report:
    title: str
    scope: str
    state: str
    state_label: str
    exported_at: datetime
    revision: int
    persona: PersonaReport | None
    stages: list[StageReport]
    workshop: WorkshopReport | None = None
    top_pain: list[RankedNote] = field(default_factory=list)
    top_truth: list[RankedNote] = field(default_factory=list)
    inconsistent: list[RankedNote] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    comparison: Comparison | None = None
    actions: list[ActionReport] = field(default_factory=list)
    discussion: list[DiscussionReport] = field(default_factory=list)
    segments: SegmentsReport | None = None  # the further personas (issue 20)

    @property
    def notes(self) -> list[NoteReport]:
        return [note for stage in self.stages for note in stage.notes]

    @property
    def accountability(self) -> list[tuple[str, str, list[str]]]:
        """Per stage: the personnel lane, and the departments owning its notes."""
        rows = []
        for stage in self.stages:
            departments = sorted({n.department for n in stage.notes if n.department})
            rows.append((stage.name, stage.personnel, departments))
        return rows


def build_report(
    journey_map: JourneyMap, workshop=None, *, source: JourneyMap | None = None
) -> Report:
    """The report for `workshop`'s votes (default: the latest revealed workshop, so votes
    nobody has revealed yet never reach a download). A future-state map is compared with
    `source`, the current-state map it was made from, only when the caller passes it: the
    reader may see it (maps.permissions.visible_source).

    The ranking is reports.analysis's; the notes are read once here, as plain rows, and
    handed to its functions (model instances for 1,000 notes would double the read time).
    """
    if workshop is None:
        workshop = latest_voted_workshop(journey_map)
    heat = heat_for_map(journey_map, workshop) if workshop is not None else {}
    stages, refs = _stage_reports(journey_map, heat)
    voters = next(iter(heat.values())).voters if heat else 0
    customer = customer_heat(journey_map)
    gaps = gap_ranking(refs, heat, customer)
    internal = set(journey_map.touchpoints.filter(internal=True).values_list("pk", flat=True))
    segments = read_segments(journey_map, internal)
    for i, stage in enumerate(stages):
        stage.others = [(o.colour, *o.scores[i]) for o in segments.others] if segments else []
    return Report(
        title=journey_map.title,
        scope=journey_map.scope,
        state=journey_map.state,
        state_label=journey_map.get_state_display(),
        exported_at=timezone.now(),
        revision=journey_map.revision,
        persona=_persona_report(journey_map),
        stages=stages,
        workshop=_workshop_report(journey_map, workshop, voters),
        top_pain=top_notes(refs, heat, "pain", SUMMARY_LIMIT),
        top_truth=top_notes(refs, heat, "truth", SUMMARY_LIMIT),
        inconsistent=inconsistent_notes(refs, heat),
        gaps=[gap for gap in gaps if gap.difference != 0][:SUMMARY_LIMIT],
        comparison=_comparison(journey_map, stages, source),
        actions=_action_reports(journey_map),
        discussion=_discussion_reports(journey_map),
        segments=segments,
    )


# An internal note's text stays out of the PDF (see the module's docstring); its actions are
# the team's commitments and are printed, about "an internal process".
INTERNAL_NOTE = "(an internal process)"


def _action_reports(journey_map: JourneyMap) -> list[ActionReport]:
    """The map's action items, soonest due first (as the board lists them), in one query."""
    return [
        ActionReport(
            text=action.text,
            touchpoint=INTERNAL_NOTE if action.touchpoint.internal else action.touchpoint.text,
            stage=action.touchpoint.stage.name,
            owner=action.owner_name,
            due=action.due,
            status=action.get_status_display(),
        )
        for action in action_items(journey_map)
    ]


# How much of an open thread the PDF prints: its latest comments, each this long at most.
DISCUSSION_LATEST = 3
DISCUSSION_TEXT = 280


def _discussion_reports(journey_map: JourneyMap) -> list[DiscussionReport]:
    """Notes with an unresolved thread, in board order, in two queries. An internal note's
    thread stays out with the note (see the module's docstring)."""
    threads = list(
        journey_map.threads.filter(resolved=False, touchpoint__internal=False)
        .exclude(touchpoint=None)
        .select_related("touchpoint__stage")
        .order_by("touchpoint__stage__position", "touchpoint__position", "touchpoint_id")
    )
    comments: dict[int, list[Comment]] = {}
    for comment in Comment.objects.filter(thread__in=threads).order_by("created_at", "id"):
        comments.setdefault(comment.thread_id, []).append(comment)
    return [
        DiscussionReport(
            touchpoint=thread.touchpoint.text,
            stage=thread.touchpoint.stage.name,
            comments=len(comments.get(thread.pk, [])),
            latest=[
                (c.author_name or "Someone", _cut(c.body, DISCUSSION_TEXT))
                for c in comments.get(thread.pk, [])[-DISCUSSION_LATEST:]
            ],
        )
        for thread in threads
        if comments.get(thread.pk)
    ]


def _cut(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _persona_report(journey_map: JourneyMap) -> PersonaReport | None:
    persona = Persona.objects.filter(pk=journey_map.persona_id).first()
    if persona is None:
        return None
    rows = []
    for name, label in PERSONA_ROWS:
        value = persona.get_buyer_type_display() if name == "buyer_type" else getattr(persona, name)
        if value and value != "—":
            rows.append((label, value))
    return PersonaReport(persona.name, persona.role, persona.quote, rows)


def _stage_reports(
    journey_map: JourneyMap, heat: dict[int, Heat]
) -> tuple[list[StageReport], list[NoteRef]]:
    """The stages with their customer-visible notes, in board order; `heat` gets an empty
    entry for every note without one."""
    stages = list(journey_map.stages.order_by("position", "id"))
    names = {stage.pk: stage.name for stage in stages}
    reports: dict[int, StageReport] = {}
    for stage in stages:
        reports[stage.pk] = StageReport(
            name=stage.name,
            actions=stage.actions,
            thoughts=stage.thoughts,
            feelings=stage.feelings,
            emotion_now=stage.emotion_now,
            emotion_aspiration=stage.emotion_aspiration,
            goals=stage.goals,
            personnel=stage.personnel,
            value_point=VALUE_POINT_LABELS.get(stage.value_point, "") if stage.value_point else "",
            conversion_pct=stage.conversion_pct,
            time_in_stage=stage.time_in_stage,
            loops_back_to=names.get(stage.loops_back_to_id, ""),
        )
    rows = (
        journey_map.touchpoints.filter(internal=False)
        .order_by("position", "id")
        .values_list("pk", "stage_id", "text", "channel", "department", "critical", "group__name")
    )
    for pk, stage_id, text, channel, department, critical, group in rows:
        stage = reports[stage_id]
        stage.notes.append(
            NoteReport(
                id=pk,
                text=text,
                stage=stage.name,
                channel=CHANNEL_LABELS.get(channel, channel),
                department=department,
                critical=critical,
                group=group or "",
                heat=heat.setdefault(pk, Heat()),
            )
        )
    refs = [
        NoteRef(note.id, note.text, stage_id, report.name, note.department, note.critical)
        for stage_id, report in reports.items()
        for note in report.notes
    ]
    return list(reports.values()), refs


def _workshop_report(journey_map: JourneyMap, workshop, voters: int) -> WorkshopReport | None:
    if workshop is None:
        workshop = journey_map.workshops.order_by("-created_at", "-id").first()
        voters = 0
    if workshop is None:
        return None
    return WorkshopReport(
        title=str(workshop),  # never the join code: viewers download this
        date=workshop.created_at,
        participants=workshop.participants.count(),
        voters=voters,
    )


def _comparison(
    journey_map: JourneyMap, stages: list[StageReport], source: JourneyMap | None
) -> Comparison | None:
    """A future-state map against the current-state map it was made from, stage by stage."""
    if (
        journey_map.state != JourneyMap.State.FUTURE
        or source is None
        or source.pk != journey_map.source_map_id
    ):
        return None
    current = {s.name: s for s in _stage_reports(source, {})[0]}
    future = {s.name: s for s in stages}
    rows = []
    for name in list(current) + [n for n in future if n not in current]:
        before, after = current.get(name), future.get(name)
        rows.append(
            ComparisonRow(
                stage=name,
                current_now=before.emotion_now if before else None,
                future_now=after.emotion_now if after else None,
                future_aspiration=after.emotion_aspiration if after else None,
                current_notes=len(before.notes) if before else 0,
                future_notes=len(after.notes) if after else 0,
            )
        )
    return Comparison(current_title=source.title, rows=rows)


__all__ = ["Report", "build_report"]
