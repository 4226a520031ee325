"""Segments: several personas on one map (issue 20).

A map's primary persona is `JourneyMap.persona`, and its feelings are the stage's own lanes
(`feelings`, `emotion_now`, `emotion_aspiration`); every further persona is a `MapPersona`
row whose feelings per stage are `StageFeeling` rows. A note is on every persona's journey
unless its `personas` name some of them. The personas come from their owners' libraries: a map
adds one of its actor's, and a persona on several maps is one row.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from ..errors import Actor, OperationError
from ..models import (
    LANE_MAX,
    PERSONAS_MAX,
    JourneyMap,
    MapEvent,
    MapPersona,
    Persona,
    Stage,
    StageFeeling,
    Touchpoint,
)
from ..permissions import When, Who
from ..serializers import feeling_data, persona_data, stage_data
from .clean import clean_id
from .log import lock_map, one_or_none, record
from .notes import get_touchpoint
from .registry import ID, IDS, SCORE, TEXT, Field, operation
from .stages import clean_stage_fields, get_stage

PERSONA_NOT_ON_MAP = "That persona is not on this map."
FEELING_FIELDS = ("feelings", "emotion_now", "emotion_aspiration")

Scoped = Touchpoint.personas.through


def persona_ids(journey_map: JourneyMap) -> list[int]:
    """The map's personas, primary first, then the others in the order they were added."""
    others = list(journey_map.segments.order_by("id").values_list("persona_id", flat=True))
    return ([journey_map.persona_id] if journey_map.persona_id else []) + others


def map_personas(journey_map: JourneyMap) -> list[Persona]:
    """The map's Persona rows in persona_ids' order (two queries)."""
    ids = persona_ids(journey_map)
    rows = Persona.objects.in_bulk(ids)
    return [rows[pk] for pk in ids if pk in rows]


def get_segment(journey_map: JourneyMap, persona_id: int) -> MapPersona:
    """A further (not primary) persona of this map; any other id is not found (one beyond
    any row too: a foreign key lookup does not clamp it as a primary key's does)."""
    if persona_id >= 2**63:
        raise OperationError("not_found", PERSONA_NOT_ON_MAP, field="persona")
    segment = one_or_none(MapPersona.objects.filter(map=journey_map, persona_id=persona_id))
    if segment is None:
        raise OperationError("not_found", PERSONA_NOT_ON_MAP, field="persona")
    return segment


def _library_persona(actor: Actor, persona_id: int) -> Persona:
    """A persona of the actor's own library (the system, importing, may add any)."""
    found = Persona.objects.filter(pk=persona_id)
    if actor.user is not None:
        found = found.filter(owner=actor.user)
    persona = one_or_none(found)
    if persona is None:
        raise OperationError("not_found", "That persona is not in your library.", field="persona")
    return persona


@operation(
    "persona.add",
    Field("persona", ID, required=True, note="one of the sender's library"),
    who=Who.FACILITATOR,
    when=When.EDITING,
)
def add_map_persona(
    actor: Actor, journey_map: JourneyMap, persona: Any, *, op_id: str | None = None
) -> MapEvent:
    """Put a persona of the actor's library on the map: its primary if it has none, else one
    more segment (at most PERSONAS_MAX in all)."""
    persona_id = clean_id(persona, "persona")
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        found = _library_persona(actor, persona_id)
        on_map = persona_ids(locked)
        if found.pk in on_map:
            raise OperationError("duplicate", f"{found.name} is already on this map.")
        if len(on_map) >= PERSONAS_MAX:
            raise OperationError(
                "invalid", f"A map has at most {PERSONAS_MAX} personas.", field="persona"
            )
        primary = locked.persona_id is None
        if primary:
            locked.persona = found
            locked.save(update_fields=["persona"])
        else:
            MapPersona.objects.create(map=locked, persona=found)
        payload = {"persona": persona_data(found), "primary": primary}
        return record(locked, actor, "persona.added", payload, op_id)


@operation(
    "persona.remove",
    Field("persona", ID, required=True, note="the primary only when it is the map's last"),
    who=Who.FACILITATOR,
    when=When.EDITING,
)
def remove_map_persona(
    actor: Actor, journey_map: JourneyMap, persona: Any, *, op_id: str | None = None
) -> MapEvent:
    """Take a persona off the map (never out of its owner's library): its feelings go, and
    notes it was named on stop naming it (a note named for it alone is then everyone's). The
    primary goes only last: another is made primary first, so the stage lanes stay someone's."""
    persona_id = clean_id(persona, "persona")
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        if persona_id == locked.persona_id:
            if locked.segments.exists():
                raise OperationError(
                    "invalid",
                    "Make another persona primary before taking this one off the map.",
                    field="persona",
                )
            locked.persona = None
            locked.save(update_fields=["persona"])
        else:
            get_segment(locked, persona_id).delete()
        links = Scoped.objects.filter(touchpoint__map=locked, persona_id=persona_id)
        notes = sorted(links.values_list("touchpoint_id", flat=True))
        links.delete()
        payload = {"persona": persona_id, "touchpoints": notes}
        return record(locked, actor, "persona.removed", payload, op_id)


@operation(
    "persona.primary",
    Field("persona", ID, required=True, note="a further persona of the map"),
    who=Who.FACILITATOR,
    when=When.EDITING,
)
def make_primary(
    actor: Actor, journey_map: JourneyMap, persona: Any, *, op_id: str | None = None
) -> MapEvent:
    """Make a segment the primary: its feelings move into the stage lanes and the old
    primary's become its segment's rows (the same MapPersona row, now naming the old primary),
    so nobody's scores are lost and the stage lanes stay the primary's."""
    persona_id = clean_id(persona, "persona")
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        segment = get_segment(locked, persona_id)
        previous = locked.persona_id
        theirs = {f.stage_id: f for f in segment.feelings.all()}
        stages = list(locked.stages.order_by("position", "id"))
        old = [_feeling_of(stage) for stage in stages]
        for stage in stages:
            mine = theirs.get(stage.pk)
            for name in FEELING_FIELDS:
                setattr(stage, name, getattr(mine, name) if mine else _blank(name))
        Stage.objects.bulk_update(stages, list(FEELING_FIELDS))
        segment.feelings.all().delete()
        segment.persona_id = previous
        segment.save(update_fields=["persona"])
        kept = [
            StageFeeling(stage=stage, segment=segment, **values)
            for stage, values in zip(stages, old, strict=True)
            if any(v not in ("", None) for v in values.values())
        ]
        StageFeeling.objects.bulk_create(kept)
        locked.persona_id = persona_id
        locked.save(update_fields=["persona"])
        payload = {
            "persona": persona_id,
            "previous": previous,
            "stages": [stage_data(stage) for stage in stages],
            "feelings": [feeling_data(f, previous) for f in kept],
        }
        return record(locked, actor, "persona.primary", payload, op_id)


def _feeling_of(stage: Stage) -> dict[str, Any]:
    return {name: getattr(stage, name) for name in FEELING_FIELDS}


def _blank(field: str) -> str | None:
    return "" if field == "feelings" else None


@operation(
    "stage.feel",
    Field("stage", ID, required=True),
    Field("persona", ID, required=True, note="a persona of the map"),
    Field("feelings", TEXT, note=f"≤ {LANE_MAX}"),
    Field("emotion_now", SCORE),
    Field("emotion_aspiration", SCORE),
    who=Who.EDITORS,
    when=When.EDITING,
)
def feel_stage(
    actor: Actor,
    journey_map: JourneyMap,
    stage: Any,
    persona: Any,
    *,
    op_id: str | None = None,
    **fields: Any,
) -> MapEvent:
    """Set how one persona feels at one stage (only the fields given). The primary's are the
    stage's own lanes, so its change is an ordinary `stage.updated`; another's is `stage.felt`."""
    cleaned = clean_stage_fields({k: v for k, v in fields.items() if k in FEELING_FIELDS})
    for name in fields.keys() - set(FEELING_FIELDS):
        raise OperationError("invalid", f"Unknown field: {name[:40]}.", field=name[:40])
    persona_id = clean_id(persona, "persona")
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        found = get_stage(locked, stage)
        if persona_id == locked.persona_id:
            for name, value in cleaned.items():
                setattr(found, name, value)
            found.save()
            return record(locked, actor, "stage.updated", {"stage": stage_data(found)}, op_id)
        segment = get_segment(locked, persona_id)
        feeling = one_or_none(StageFeeling.objects.filter(stage=found, segment=segment))
        feeling = feeling or StageFeeling(stage=found, segment=segment)
        for name, value in cleaned.items():
            setattr(feeling, name, value)
        feeling.save()
        payload = {"feeling": feeling_data(feeling, persona_id)}
        return record(locked, actor, "stage.felt", payload, op_id)


@operation(
    "touchpoint.scope",
    Field("touchpoint", ID, required=True),
    Field("personas", IDS, required=True, note="personas of the map; []: every persona"),
    who=Who.EDITORS,
    when=When.EDITING,
)
def scope_touchpoint(
    actor: Actor,
    journey_map: JourneyMap,
    touchpoint: Any,
    personas: Any,
    *,
    op_id: str | None = None,
) -> MapEvent:
    """Say whose journey a note is on. Naming every persona of the map is the same as naming
    none (stored as none): a persona added later meets the note too."""
    if not isinstance(personas, list):
        raise OperationError("invalid", "personas must be a list of ids.", field="personas")
    wanted = sorted({clean_id(p, "personas") for p in personas[: PERSONAS_MAX + 1]})
    if len(personas) > PERSONAS_MAX:
        raise OperationError("invalid", f"At most {PERSONAS_MAX} personas.", field="personas")
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        note = get_touchpoint(locked, touchpoint)
        on_map = set(persona_ids(locked))
        if not set(wanted) <= on_map:
            raise OperationError("not_found", PERSONA_NOT_ON_MAP, field="personas")
        if set(wanted) == on_map:
            wanted = []
        note.personas.set(wanted)
        payload = {"id": note.pk, "personas": wanted}
        return record(locked, actor, "touchpoint.scoped", payload, op_id)


def copy_segments(
    source: JourneyMap,
    target: JourneyMap,
    stage_ids: dict[int, int],
    note_ids: dict[int, int],
    persona_for: Any,
) -> None:
    """Copy the source's further personas (through `persona_for`: the copier's own copy of a
    persona not theirs), their feelings and the notes' scopes onto a copy of its board."""
    personas = {source.persona_id: target.persona_id} if source.persona_id else {}
    for segment in source.segments.select_related("persona").order_by("id"):
        copy = MapPersona.objects.create(map=target, persona=persona_for(segment.persona))
        personas[segment.persona_id] = copy.persona_id
        StageFeeling.objects.bulk_create(
            StageFeeling(stage_id=stage_ids[f.stage_id], segment=copy, **_feeling_of(f))
            for f in segment.feelings.all()
        )
    Scoped.objects.bulk_create(
        Scoped(touchpoint_id=note_ids[link.touchpoint_id], persona_id=personas[link.persona_id])
        for link in Scoped.objects.filter(touchpoint__map=source)
        if link.touchpoint_id in note_ids and link.persona_id in personas
    )
