"""Maps as a whole: create (blank, from template stages, as a copy or a future state), change
the title, scope or persona, delete."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from .. import positions
from ..errors import Actor, OperationError
from ..models import (
    NAME_MAX,
    SHORT_MAX,
    JourneyMap,
    MapEvent,
    MapMembership,
    Persona,
    Stage,
    Touchpoint,
    TouchpointGroup,
)
from ..permissions import role_for
from ..serializers import PERSONA_FIELDS, STAGE_LANES, map_fields
from .clean import clean_choice, clean_text
from .log import lock_map, publish_on_commit, record
from .segments import copy_segments
from .states import map_state


def create_map(
    actor: Actor,
    *,
    title: str,
    persona: Persona | None = None,
    scope: str = "",
    state: str = JourneyMap.State.CURRENT,
    stage_names: Iterable[str] = (),
    source_map: JourneyMap | None = None,
) -> JourneyMap:
    """A new map owned by the actor, with its first stages; its first event is map.created."""
    title = clean_text(title, "title", NAME_MAX, required=True)
    scope = clean_text(scope, "scope", SHORT_MAX)
    state = clean_choice(state, "state", JourneyMap.State.values)
    names = [clean_text(name, "stage name", NAME_MAX, required=True) for name in stage_names]
    with transaction.atomic():
        journey_map = JourneyMap.objects.create(
            title=title,
            persona=persona,
            scope=scope,
            state=state,
            source_map=source_map,
            created_by=actor.user,
        )
        if actor.user is not None:
            MapMembership.objects.create(
                map=journey_map, user=actor.user, role=MapMembership.Role.OWNER
            )
        keys = positions.keys_after(None, len(names))
        Stage.objects.bulk_create(
            Stage(map=journey_map, name=name, position=key)
            for name, key in zip(names, keys, strict=True)
        )
        record(journey_map, actor, "map.created", map_fields(journey_map))
    return journey_map


def update_map(
    actor: Actor, journey_map: JourneyMap, *, op_id: str | None = None, **fields: Any
) -> MapEvent:
    cleaned: dict[str, Any] = {}
    for field, value in fields.items():
        if field == "title":
            cleaned[field] = clean_text(value, "title", NAME_MAX, required=True)
        elif field == "scope":
            cleaned[field] = clean_text(value, "scope", SHORT_MAX)
        elif field == "persona":
            cleaned[field] = value if value is None or isinstance(value, Persona) else None
            if cleaned[field] is None and journey_map.segments.exists():
                raise OperationError(
                    "invalid",
                    "This map has further personas: make one of them primary instead.",
                    field="persona",
                )
            if cleaned[field] is not None and journey_map.segments.filter(persona=value).exists():
                # One persona once per map: a further persona becomes the primary by swapping
                # (maps.operations.segments.make_primary), which keeps everyone's feelings.
                raise OperationError(
                    "duplicate",
                    f"{value.name} is already on this map: make it primary on the board.",
                    field="persona",
                )
        else:
            raise OperationError("invalid", f"Unknown map field {field!r}.")
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        before = map_state(locked)
        for name, value in cleaned.items():
            setattr(locked, name, value)
        locked.save()
        return record(locked, actor, "map.updated", map_fields(locked), op_id, before)


def _copy_board(source: JourneyMap, target: JourneyMap, actor: Actor) -> None:
    """Copy stages (with lanes and loops), groups, touchpoints and further personas (with
    their feelings and the notes' scopes) of `source` into `target`."""
    stages = list(source.stages.order_by("position", "id"))
    copies = Stage.objects.bulk_create(
        Stage(
            map=target,
            position=stage.position,
            name=stage.name,
            **{lane: getattr(stage, lane) for lane in STAGE_LANES},
        )
        for stage in stages
    )
    stage_ids = {old.pk: new.pk for old, new in zip(stages, copies, strict=True)}
    looping = [
        Stage(pk=stage_ids[s.pk], loops_back_to_id=stage_ids[s.loops_back_to_id])
        for s in stages
        if s.loops_back_to_id in stage_ids
    ]
    Stage.objects.bulk_update(looping, ["loops_back_to"])
    groups = list(source.groups.all())
    group_copies = TouchpointGroup.objects.bulk_create(
        TouchpointGroup(map=target, name=group.name) for group in groups
    )
    group_ids = {old.pk: new.pk for old, new in zip(groups, group_copies, strict=True)}
    notes = list(source.touchpoints.order_by("id"))
    note_copies = Touchpoint.objects.bulk_create(
        Touchpoint(
            map=target,
            stage_id=stage_ids[note.stage_id],
            position=note.position,
            group_id=group_ids.get(note.group_id),
            text=note.text,
            channel=note.channel,
            department=note.department,
            critical=note.critical,
            internal=note.internal,
        )
        for note in notes
    )
    note_ids = {old.pk: new.pk for old, new in zip(notes, note_copies, strict=True)}
    copy_segments(source, target, stage_ids, note_ids, lambda p: _persona_for(actor, p))


def _persona_for(actor: Actor, persona: Persona | None) -> Persona | None:
    """The persona of a map the actor makes from another: the same one if it is theirs (or
    the system acts), else their own copy of it. A persona belongs to its owner's library: a
    map someone else made from it would show the owner's later edits and keep the owner from
    deleting it, long after that someone lost access to the owner's map."""
    if persona is None or actor.user is None or persona.owner_id == actor.user.pk:
        return persona
    fields = {name: getattr(persona, name) for name in PERSONA_FIELDS}
    return Persona.objects.create(owner=actor.user, **fields)


def _may_see(actor: Actor, journey_map: JourneyMap) -> bool:
    return actor.user is None or role_for(actor.user, journey_map) is not None


def duplicate_map(actor: Actor, source: JourneyMap, *, title: str | None = None) -> JourneyMap:
    """A new map (owned by the actor) with the source's persona (their own copy of it if it is
    not theirs), scope, state and whole board. A copy of a future-state map stays linked to its
    current-state map only if the actor may see that map: the link shows it (the PDF's
    comparison). Its one event is map.created; the source map is not changed and gets no event."""
    title = title if title is not None else f"Copy of {source.title}"[:NAME_MAX]
    origin = source.source_map
    with transaction.atomic():
        copy = create_map(
            actor,
            title=title,
            persona=_persona_for(actor, source.persona),
            scope=source.scope,
            state=source.state,
            source_map=origin if origin is not None and _may_see(actor, origin) else None,
        )
        _copy_board(source, copy, actor)
    return copy


def create_future_state(actor: Actor, current: JourneyMap) -> JourneyMap:
    """The future-state map of a current-state map: a copy of its board, linked by source_map
    so the two can be compared, with the same persona (the actor's own copy of it if it is not
    theirs). Its one event is map.created (payload names the source)."""
    if current.state != JourneyMap.State.CURRENT:
        raise OperationError("invalid", "A future-state map is made from a current-state map.")
    title = f"{current.title} (future state)"[:NAME_MAX]
    with transaction.atomic():
        future = create_map(
            actor,
            title=title,
            persona=_persona_for(actor, current.persona),
            scope=current.scope,
            state=JourneyMap.State.FUTURE,
            source_map=current,
        )
        _copy_board(current, future, actor)
    return future


def delete_map(actor: Actor, journey_map: JourneyMap) -> dict[str, Any]:
    """Delete a map with everything on it. Its event log goes too, so the map.deleted message is
    only broadcast (after commit) to whoever still has the board open; it is returned."""
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        message = {
            "type": "event",
            "event": "map.deleted",
            "map": locked.pk,
            "revision": locked.revision + 1,
            "payload": {"id": locked.pk},
            "actor": actor.name[:NAME_MAX],
            "op_id": None,
        }
        map_id = locked.pk
        locked.delete()
        publish_on_commit(map_id, message)
    return message
