"""What the board page shows: the spine, each stage's lanes and notes, the emotion curve.

Built from a fixed number of queries whatever the map's size (tests/maps/test_board_queries.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import Any

from django.db.models import F
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe

from .discussion import board_discussion
from .models import (
    ACTION_MAX,
    ActionItem,
    Channel,
    JourneyMap,
    NoteColour,
    Stage,
    Touchpoint,
    ValuePoint,
)
from .segments_board import (
    MapPersonaView,
    map_persona_views,
    note_scopes,
    persona_feelings_by_stage,
)
from .serializers import action_owner

# The curve's SVG is drawn in a viewBox of STAGE_WIDTH units per stage and CURVE_HEIGHT units
# high, stretched (preserveAspectRatio="none") across the stage grid: the grid's columns are
# equal and gapless, so stage i's centre is at (i + 0.5) * STAGE_WIDTH whatever the screen size.
# The live page never redraws it in the browser: a stage event makes it re-fetch the board.
STAGE_WIDTH = 100
CURVE_HEIGHT = 100
CURVE_MARGIN = 10


@dataclass
class StageColumn:
    stage: Stage
    touchpoints: list[Touchpoint] = field(default_factory=list)
    lanes: str = ""  # stage_lanes(), once the whole spine is known


def curve_y(score: int) -> float:
    """-2 at the bottom, +2 at the top, 0 in the middle."""
    return CURVE_HEIGHT / 2 - score * (CURVE_HEIGHT / 2 - CURVE_MARGIN) / 2


def curve_points(scores: list[int | None]) -> str:
    """SVG polyline points for one score per stage column, in spine order (None: no point)."""
    return " ".join(
        f"{i * STAGE_WIDTH + STAGE_WIDTH // 2},{curve_y(score):g}"
        for i, score in enumerate(scores)
        if score is not None
    )


def emotion_curve(stages: list[Stage]) -> dict[str, Any]:
    """SVG polyline points for the emotion scores, now and aspiration, one x per stage column."""

    def points(attr: str) -> str:
        return curve_points([getattr(stage, attr) for stage in stages])

    return {
        "width": max(1, len(stages)) * STAGE_WIDTH,
        "height": CURVE_HEIGHT,
        "stage_width": STAGE_WIDTH,
        "now": points("emotion_now"),
        "aspiration": points("emotion_aspiration"),
        "zero": CURVE_HEIGHT / 2,
        "top": curve_y(2),
        "bottom": curve_y(-2),
        "scored": any(
            s.emotion_now is not None or s.emotion_aspiration is not None for s in stages
        ),
    }


def draw_persona_curve(view: MapPersonaView, stages: list[Stage]) -> None:
    """One persona's polylines, and its scores in words (the curve's accessible title)."""
    scores = [view.feelings.get(stage.pk, ("", None, None)) for stage in stages]
    view.now = curve_points([now for _, now, _ in scores])
    view.aspiration = curve_points([aim for _, _, aim in scores])

    def said(score: int | None) -> str:
        return "unscored" if score is None else str(score)

    view.summary = "; ".join(
        f"{stage.name} now {said(now)}, aspiration {said(aim)}"
        for stage, (_, now, aim) in zip(stages, scores, strict=True)
    )


# The lanes under each stage's name, in the board's order: (hook, label, the stage fields whose
# content the lane shows). A lane no stage fills is left out unless the viewer asks for every
# lane (static/js/board-view.js): on most maps only a few are used, and empty rows pushed the
# notes below the fold.
LANES = (
    ("actions", "Does", ("actions",)),
    ("thoughts", "Thinks", ("thoughts",)),
    ("feelings", "Feels", ("feelings", "emotion_now", "emotion_aspiration")),
    ("goals", "Goals", ("goals",)),
    ("personnel", "Personnel", ("personnel",)),
    ("value_point", "Value point", ("value_point",)),
    ("conversion_pct", "Conversion", ("conversion_pct",)),
    ("time_in_stage", "Time in stage", ("time_in_stage",)),
)


def lanes_used(stages: list[Stage]) -> set[str]:
    """The lanes at least one stage fills."""
    return {
        lane
        for lane, _label, fields in LANES
        if any(getattr(stage, name) not in ("", None) for stage in stages for name in fields)
    }


# A stage's lanes, built in Python like its notes (maps/markup.py says why): eight lane rows per
# stage through the template engine cost a few ms on a board of 12 stages. The hooks are those of
# docs/design.md, "Board markup": [data-lane="<field>"] holds each lane's text. A lane's text is
# also its title: the compact view shows one line of it.
LANE = '<div class="lane{}"><dt>{}</dt><dd data-lane="{}" title="{}">{}</dd></div>'
FEELS = (
    '<div class="lane{}"><dt>Feels</dt><dd><span data-lane="feelings">{}</span>\n'
    '      <span class="score">now <span data-lane="emotion_now">{}</span> · aim '
    '<span data-lane="emotion_aspiration">{}</span></span>{}</dd></div>'
)
# How a further persona feels at the stage, under the primary's (issue 20): its name in its
# colour (a fixed palette value, maps.segments_board.PERSONA_COLOURS), then its words and scores.
PERSONA_FEELS = (
    '<span class="persona-feel" data-persona-feel="{}" style="--persona:{}">'
    '<span class="persona-name">{}</span> {}<span class="score">now {} · aim {}</span></span>'
)
VALUE_POINT = '<div class="lane{}"><dt>Value point</dt><dd data-lane="value_point" data-value="{}">{}</dd></div>'
CONVERSION = (
    '<div class="lane{}"><dt>Conversion</dt><dd><span data-lane="conversion_pct">{}</span>{}'
    "</dd></div>"
)
VALUE_POINT_LABELS = dict(ValuePoint.choices)


def stage_lanes(
    stage: Stage, used: set[str], others: list[dict[str, Any]] | None = None
) -> SafeString:
    """The `<dl>` of a stage's lanes; a lane no stage fills is marked "unused". `others`: how
    the map's further personas feel here (maps.segments_board.persona_feelings_by_stage)."""

    def unused(lane: str) -> str:
        return "" if lane in used else " unused"

    def score(value: int | None) -> str:
        return "" if value is None else str(value)

    rows = []
    for lane, label, _fields in LANES:
        if lane == "feelings":
            rows.append(
                FEELS.format(
                    unused(lane),
                    escape(stage.feelings),
                    score(stage.emotion_now),
                    score(stage.emotion_aspiration),
                    "".join(_persona_feel(other) for other in others or ()),
                )
            )
        elif lane == "value_point":
            shown = VALUE_POINT_LABELS.get(stage.value_point, "") if stage.value_point else ""
            rows.append(VALUE_POINT.format(unused(lane), escape(stage.value_point), escape(shown)))
        elif lane == "conversion_pct":
            pct = stage.conversion_pct
            after = "% to the next stage" if pct is not None else ""
            rows.append(CONVERSION.format(unused(lane), score(pct), after))
        else:
            text = escape(getattr(stage, lane))
            rows.append(LANE.format(unused(lane), label, lane, text, text))
    return mark_safe('<dl class="lanes">' + "".join(rows) + "</dl>")  # noqa: S308 (escaped above)


def _persona_feel(other: dict[str, Any]) -> str:
    def score(value: int | None) -> str:
        return "–" if value is None else str(value)

    view = other["view"]
    words = escape(other["feelings"]) + " " if other["feelings"] else ""
    return PERSONA_FEELS.format(
        view.pk,
        view.colour,
        escape(view.persona.name),
        words,
        score(other["now"]),
        score(other["aspiration"]),
    )


def editor_urls(journey_map: JourneyMap) -> dict[str, str]:
    """Every edit URL of the board, reversed once per page (not once per note)."""
    names = [
        "stage_add",
        "stage_update",
        "stage_move",
        "stage_delete",
        "stage_form",
        "stage_delete_form",
        "note_add",
        "note_update",
        "note_move",
        "board_operate",
        "note_delete",
        "note_group",
        "note_form",
        "action_add",
        "action_update",
        "action_delete",
        "map_undo",
        "map_redo",
    ]
    return {name: reverse(name, args=[journey_map.pk]) for name in names}


def channel_options(selected: str = Channel.OTHER) -> str:
    """The channel <option>s of every stage's add-note form, built once per page."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (value, " selected" if value == selected else "", label)
            for value, label in Channel.choices
        ),
    )


def action_items(journey_map: JourneyMap) -> list[ActionItem]:
    """The map's actions as every list shows them: soonest due first, undated last."""
    return list(
        journey_map.actions.select_related("touchpoint__stage").order_by(
            F("due").asc(nulls_last=True), "id"
        )
    )


def action_context(
    journey_map: JourneyMap, extra_owners: list[tuple[str, str]] | None = None
) -> dict[str, Any]:
    """The action list and what its forms offer as owners: the map's members, and the
    `extra_owners` the caller knows (the live page: the workshop's guests). Each action knows
    its owner's value and whether it is among those offered (else its form keeps it as is)."""
    members = journey_map.memberships.select_related("user").order_by("user__username")
    owners = [(f"member:{m.user_id}", m.user.get_username()) for m in members]
    owners += extra_owners or []
    offered = {value for value, _ in owners}
    actions = action_items(journey_map)
    for action in actions:
        action.owner_value = action_owner(action)
        action.owner_listed = action.owner_value in offered or not action.owner_name
    return {
        "actions": actions,
        "owner_choices": owners,
        "action_statuses": ActionItem.Status.choices,
        "action_max": ACTION_MAX,
        # Folded on the map's page, so the board keeps the screen (its summary row says how
        # many; board-view.js keeps a person's choice). The live page opens it in Discuss.
        "actions_open": False,
    }


def board_context(
    journey_map: JourneyMap, role: str, extra_owners: list[tuple[str, str]] | None = None
) -> dict[str, Any]:
    stages = list(journey_map.stages.order_by("position", "id"))
    columns = {stage.pk: StageColumn(stage) for stage in stages}
    names = {stage.pk: stage.name for stage in stages}
    for stage in stages:
        # Shown as "loops back to …" without a query per stage.
        stage.loop_name = names.get(stage.loops_back_to_id, "")
    personas = map_persona_views(journey_map, stages)
    others = persona_feelings_by_stage(personas)
    used = lanes_used(stages) | ({"feelings"} if others else set())
    for column in columns.values():
        column.lanes = stage_lanes(column.stage, used, others.get(column.stage.pk))
    curve = emotion_curve(stages)
    for view in personas:
        draw_persona_curve(view, stages)
        curve["scored"] = curve["scored"] or bool(view.now or view.aspiration)
    notes = journey_map.touchpoints.select_related("group").order_by("position", "id")
    for note in notes:
        columns[note.stage_id].touchpoints.append(note)
    return {
        "map": journey_map,
        "persona": journey_map.persona,
        "role": role,
        "can_edit": role in ("owner", "editor"),
        # The htmx edit controls (board page). The live page sets can_edit for participants
        # but edits through its websocket (static/js/live/), and marks itself with live=True.
        "htmx_edit": role in ("owner", "editor"),
        "is_owner": role == "owner",
        "columns": list(columns.values()),
        # Named on the board: a stack's head takes its name from here (static/js/live/stacks.js).
        "groups": journey_map.groups.order_by("pk"),
        "lanes_used": used,
        "note_colours": NoteColour.choices,
        "curve": curve,
        # Several personas (issue 20): one curve each, a legend, the filter, their cards.
        "personas": personas,
        "segmented": len(personas) > 1,
        "note_scopes": note_scopes(journey_map) if len(personas) > 1 else {},
        "urls": editor_urls(journey_map),
        # The history panel's partial (the live page points it at its workshop's URL).
        "history_url": reverse("map_history", args=[journey_map.pk]),
        "channel_options": channel_options(),
        "value_points": ValuePoint.choices,
        # Forms that change action items: editors and owners here; the live page decides its own.
        "action_forms": role in ("owner", "editor"),
        **action_context(journey_map, extra_owners),
        # The conversation's badges (static/js/live/comments.js reads them: _board.html).
        "discussion": board_discussion(journey_map, None),
    }
