"""Plain-dict views of the domain, as carried by events, acks and snapshots (docs/protocol.md)."""

from __future__ import annotations

from typing import Any

from journeymap.realtime import to_wire  # noqa: F401 (the wire format, for callers)

from .discussion import discussion_snapshot
from .models import (
    ActionItem,
    JourneyMap,
    MapPersona,
    Persona,
    Stage,
    StageFeeling,
    Touchpoint,
    TouchpointGroup,
)

STAGE_LANES = (
    "actions",
    "thoughts",
    "feelings",
    "emotion_now",
    "emotion_aspiration",
    "goals",
    "personnel",
    "value_point",
    "conversion_pct",
    "time_in_stage",
)


TOUCHPOINT_FIELDS = ("text", "channel", "department", "critical", "internal", "colour")
PERSONA_FIELDS = (
    "name",
    "role",
    "quote",
    "demographics",
    "personality",
    "lifestyle",
    "social_class",
    "buyer_type",
    "purchase_frequency",
    "purchase_reason",
    "goals",
    "expectations",
)


def stage_data(stage: Stage) -> dict[str, Any]:
    data: dict[str, Any] = {"id": stage.pk, "position": stage.position, "name": stage.name}
    data.update({lane: getattr(stage, lane) for lane in STAGE_LANES})
    data["loops_back_to"] = stage.loops_back_to_id
    return data


def touchpoint_data(touchpoint: Touchpoint) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": touchpoint.pk,
        "stage": touchpoint.stage_id,
        "position": touchpoint.position,
        "group": touchpoint.group_id,
        "version": touchpoint.version,
    }
    data.update({field: getattr(touchpoint, field) for field in TOUCHPOINT_FIELDS})
    # Who added it: shown on the board, written once (never a field a client may set).
    data["author"] = touchpoint.author_name
    data["author_colour"] = touchpoint.author_colour
    return data


def group_data(group: TouchpointGroup) -> dict[str, Any]:
    return {"id": group.pk, "name": group.name}


def action_owner(action: ActionItem) -> str:
    """The owner as operations take it: "member:<user id>", "participant:<participant id>",
    or "" (nobody, or a name only: an imported owner, or one whose account is gone)."""
    if action.owner_user_id is not None:
        return f"member:{action.owner_user_id}"
    if action.owner_participant is not None:
        return f"participant:{action.owner_participant}"
    return ""


def action_data(action: ActionItem) -> dict[str, Any]:
    return {
        "id": action.pk,
        "touchpoint": action.touchpoint_id,
        "text": action.text,
        "owner": action_owner(action),
        "owner_name": action.owner_name,
        "due": action.due.isoformat() if action.due else None,
        "status": action.status,
        "version": action.version,
    }


def persona_data(persona: Persona | None) -> dict[str, Any] | None:
    if persona is None:
        return None
    data: dict[str, Any] = {"id": persona.pk}
    data.update({field: getattr(persona, field) for field in PERSONA_FIELDS})
    return data


def feeling_data(feeling: StageFeeling, persona_id: int | None) -> dict[str, Any]:
    """How one further persona feels at one stage (the primary's is in stage_data)."""
    return {
        "stage": feeling.stage_id,
        "persona": persona_id,
        "feelings": feeling.feelings,
        "emotion_now": feeling.emotion_now,
        "emotion_aspiration": feeling.emotion_aspiration,
    }


def segments_data(journey_map: JourneyMap) -> dict[str, Any]:
    """Every persona of the map, primary first, with the further ones' feelings per stage and
    the notes that name whose journey they are on (a note not listed is everyone's)."""
    segments = list(MapPersona.objects.filter(map=journey_map).order_by("id"))
    ids = ([journey_map.persona_id] if journey_map.persona_id else []) + [
        s.persona_id for s in segments
    ]
    rows = Persona.objects.in_bulk(ids)
    by_segment = {s.pk: s.persona_id for s in segments}
    feelings = StageFeeling.objects.filter(segment__map=journey_map).order_by("segment", "stage")
    scopes: dict[str, list[int]] = {}
    links = Touchpoint.personas.through.objects.filter(touchpoint__map=journey_map)
    for note_id, persona_id in links.order_by("touchpoint_id", "persona_id").values_list(
        "touchpoint_id", "persona_id"
    ):
        scopes.setdefault(str(note_id), []).append(persona_id)
    return {
        "personas": [
            {**persona_data(rows[pk]), "primary": pk == journey_map.persona_id}
            for pk in ids
            if pk in rows
        ],
        "feelings": [feeling_data(f, by_segment[f.segment_id]) for f in feelings],
        "scopes": scopes,
    }


def map_fields(journey_map: JourneyMap) -> dict[str, Any]:
    return {
        "id": journey_map.pk,
        "title": journey_map.title,
        "scope": journey_map.scope,
        "state": journey_map.state,
        "persona": journey_map.persona_id,
        "source_map": journey_map.source_map_id,
    }


def map_snapshot(journey_map: JourneyMap) -> dict[str, Any]:
    """The whole board in eight queries, whatever its size. Ordered as shown."""
    stages = list(journey_map.stages.order_by("position", "id"))
    touchpoints = list(journey_map.touchpoints.order_by("stage_id", "position", "id"))
    groups = list(journey_map.groups.order_by("name", "id"))
    actions = list(journey_map.actions.order_by("id"))
    persona = Persona.objects.filter(pk=journey_map.persona_id).first()
    return {
        "map": map_fields(journey_map),
        "revision": journey_map.revision,
        "persona": persona_data(persona),
        "stages": [stage_data(s) for s in stages],
        "touchpoints": [touchpoint_data(t) for t in touchpoints],
        "groups": [group_data(g) for g in groups],
        "actions": [action_data(a) for a in actions],
        # threads, comments, reaction counts (maps.discussion): three more queries
        **discussion_snapshot(journey_map),
        **segments_data(journey_map),
    }
