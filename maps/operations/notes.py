"""Touchpoints (the sticky notes under each stage) and the groups that cluster them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import Any

from django.db import transaction
from django.utils import timezone

from .. import positions, rows
from ..errors import Actor, OperationError
from ..models import (
    AUTHOR_MAX,
    DEPARTMENT_MAX,
    NAME_MAX,
    NOTE_MAX,
    Channel,
    JourneyMap,
    MapEvent,
    NoteColour,
    Stage,
    Touchpoint,
    TouchpointGroup,
)
from ..permissions import When, Who
from ..serializers import group_data, touchpoint_data
from .clean import clean_bool, clean_choice, clean_id, clean_index, clean_name, clean_text
from .log import append_event, claim_revision, lock_map, one_or_none, record
from .order import respace_notes
from .registry import BOOL, CHOICE, ID, IDS, INDEX, OPTIONAL_ID, TEXT, Field, operation
from .stages import STAGE_NOT_FOUND, get_stage
from .states import capture, created

NOTE_NOT_FOUND = "That note is not on this map (it may have been deleted)."
HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")

# A note's own fields as operation fields (the group is resolved against the map).
NOTE_FIELDS = (
    Field("channel", CHOICE, note="a channel"),
    Field("department", TEXT, note=f"≤ {DEPARTMENT_MAX}"),
    Field("critical", BOOL),
    Field("internal", BOOL),
    Field(
        "colour", CHOICE, note='the note\'s paper: "" (yellow), pink, orange, green, blue, purple'
    ),
)


def text_author(journey_map: JourneyMap, touchpoint: Touchpoint) -> str:
    """Who wrote a note's current text ("" when the log does not say): a conflict tells the
    person whose save was refused whose words won ("Alex saved: …"). Only a new text bumps the
    version, so the first event showing this version wrote it; later ones changed the rest."""
    written = MapEvent.objects.filter(
        map=journey_map,
        type__in=("touchpoint.added", "touchpoint.updated"),
        payload__touchpoint__id=touchpoint.pk,
        payload__touchpoint__version=touchpoint.version,
    ).order_by("revision")
    return written.values_list("actor_name", flat=True).first() or ""


def clean_touchpoint_fields(fields: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for field, value in fields.items():
        if field == "text":
            cleaned[field] = clean_text(value, "text", NOTE_MAX, required=True)
        elif field == "channel":
            cleaned[field] = clean_choice(value, "channel", Channel.values)
        elif field == "department":
            cleaned[field] = clean_text(value, "department", DEPARTMENT_MAX)
        elif field in ("critical", "internal"):
            cleaned[field] = clean_bool(value, field)
        elif field == "colour":
            cleaned[field] = clean_choice(value, "colour", NoteColour.values)
        elif field != "group":  # the group is resolved against the map by the caller
            raise OperationError("invalid", f"Unknown touchpoint field {field!r}.", field=field)
    return cleaned


def authorship(actor: Actor) -> dict[str, str]:
    """Who a new note shows as its author (Touchpoint.author_*): nobody for the system (imports,
    seeding); the actor's name otherwise, with their colour when it is a well-formed one."""
    if actor.user is None and actor.participant_id is None:
        return {"author_name": "", "author_colour": ""}
    colour = actor.colour if HEX_COLOUR.fullmatch(actor.colour) else ""
    return {"author_name": actor.name[:AUTHOR_MAX], "author_colour": colour}


def get_touchpoint(journey_map: JourneyMap, touchpoint_id: Any) -> Touchpoint:
    touchpoint = one_or_none(
        Touchpoint.objects.filter(pk=clean_id(touchpoint_id, "touchpoint"), map=journey_map)
    )
    if touchpoint is None:
        raise OperationError("not_found", NOTE_NOT_FOUND)
    return touchpoint


@operation(
    "touchpoint.add",
    Field("stage", ID, required=True),
    Field("text", TEXT, required=True, note=f"≤ {NOTE_MAX}"),
    Field("index", INDEX, note="default: last"),
    *NOTE_FIELDS,
    Field("group", OPTIONAL_ID),
    who=Who.EDITORS,
    when=When.EDITING,
)
def add_touchpoint(
    actor: Actor,
    journey_map: JourneyMap,
    *,
    stage: Any,
    text: str,
    index: int | None = None,
    group: Any = None,
    op_id: str | None = None,
    **fields: Any,
) -> MapEvent:
    cleaned = clean_touchpoint_fields({"text": text, **fields})
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        target = get_stage(locked, stage)
        keys = list(target.touchpoints.order_by("position").values_list("position", flat=True))
        at = len(keys) if index is None else clean_index(index)
        position = positions.key_for_index(keys, at)
        if positions.needs_respacing(position):
            keys = [key for _, key in respace_notes(locked.pk, target.pk, actor)]
            position = positions.key_for_index(keys, at)
        touchpoint = Touchpoint.objects.create(
            map=locked,
            stage=target,
            position=position,
            group=get_group(locked, group) if group not in (None, "") else None,
            **authorship(actor),
            **cleaned,
        )
        payload = {"touchpoint": touchpoint_data(touchpoint)}
        before = created("touchpoints", touchpoint.pk)
        return record(locked, actor, "touchpoint.added", payload, op_id, before)


@operation(
    "touchpoint.update",
    Field("touchpoint", ID, required=True),
    Field("base_version", INDEX, note="the version the edit is based on"),
    Field("text", TEXT, note=f"≤ {NOTE_MAX}"),
    *NOTE_FIELDS,
    Field("group", OPTIONAL_ID, note="null: out of its group"),
    who=Who.EDITORS,
    when=When.EDITING,
)
def update_touchpoint(
    actor: Actor,
    journey_map: JourneyMap,
    touchpoint: Any,
    *,
    base_version: Any = None,
    op_id: str | None = None,
    **fields: Any,
) -> MapEvent:
    """Edit a note. With `base_version`, a text edit based on an older version is refused with
    a `conflict` error carrying the current note, so nobody's words are silently overwritten."""
    cleaned = clean_touchpoint_fields(fields)
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        touchpoint = get_touchpoint(locked, touchpoint)
        before = {"touchpoints": {str(touchpoint.pk): touchpoint_data(touchpoint)}}
        if "group" in fields:
            group_id = fields["group"]
            touchpoint.group = get_group(locked, group_id) if group_id not in (None, "") else None
        if (
            "text" in cleaned
            and base_version is not None
            and base_version != touchpoint.version
            and cleaned["text"] != touchpoint.text
        ):
            raise OperationError(
                "conflict",
                "Someone else changed this note while you were editing it.",
                current=touchpoint_data(touchpoint),
                by=text_author(locked, touchpoint),
            )
        if "text" in cleaned and cleaned["text"] != touchpoint.text:
            touchpoint.version += 1
        for name, value in cleaned.items():
            setattr(touchpoint, name, value)
        touchpoint.save()
        payload = {"touchpoint": touchpoint_data(touchpoint)}
        return record(locked, actor, "touchpoint.updated", payload, op_id, before)


@operation(
    "touchpoint.move",
    Field("touchpoint", ID, required=True),
    Field("stage", ID, required=True),
    Field("index", INDEX, required=True, note="among the stage's other notes; past the end: last"),
    who=Who.EDITORS,
    when=When.EDITING,
)
def move_touchpoint(
    actor: Actor,
    journey_map: JourneyMap,
    touchpoint: Any,
    *,
    stage: Any,
    index: Any,
    op_id: str | None = None,
) -> MapEvent:
    """Put a note at `index` among the other notes of `stage`. The server picks the key, so
    concurrent moves end in the same order everywhere."""
    index = clean_index(index)
    note_id = clean_id(touchpoint, "touchpoint")
    stage_id = clean_id(stage, "stage")
    # The live room's most frequent operation, and moves on one map queue on its lock, so it
    # makes three statements under the lock: take the revision; read the note as it was (what
    # an undo puts back, which also proves the note is on the map) with the keys of the
    # stage's notes (which also proves the stage is); the UPDATE with the event's INSERT (one
    # statement on PostgreSQL). Now and then its stage is respaced first (order.py), under the
    # revision taken. The statements are written out (maps.rows): the ORM's compiling them
    # cost more CPU than running them, and each round trip costs the database more CPU than
    # the work it carries (bench/operation_cost.py).
    with transaction.atomic():
        now = timezone.now()
        revision = claim_revision(journey_map.pk, now)
        was, keys = _note_and_stage_keys(journey_map.pk, note_id, stage_id)
        before = {"touchpoints": {str(note_id): touchpoint_data(was)}}
        position = positions.key_for_index(keys, index)
        if positions.needs_respacing(position):
            placed = respace_notes(journey_map.pk, stage_id, actor, revision)
            revision = claim_revision(journey_map.pk, now)
            keys = [key for pk, key in placed if pk != note_id]
            position = positions.key_for_index(keys, index)
        update = [stage_id, position, rows.prepared(Touchpoint, "updated_at", now), note_id]
        payload = {"id": note_id, "stage": stage_id, "position": position}
        return append_event(
            journey_map.pk,
            revision,
            actor,
            "touchpoint.moved",
            payload,
            op_id,
            before,
            alongside=(_sql()["move"], update),
        )


def _note_and_stage_keys(map_id: int, note_id: int, stage_id: int) -> tuple[Touchpoint, list[str]]:
    """The note as it is, and the order keys of the stage's other notes, in one query. The keys
    are sorted here, not by the database: the key alphabet sorts the same in both
    (positions.py). An empty stage is one row of NULLs (the LEFT JOIN); none, no such stage."""
    if note_id > rows.MAX_ID:
        raise OperationError("not_found", NOTE_NOT_FOUND)
    if stage_id > rows.MAX_ID:
        raise OperationError("not_found", STAGE_NOT_FOUND)
    with rows.cursor() as cursor:
        cursor.execute(_sql()["note_and_keys"], [note_id, map_id, stage_id, map_id])
        found = cursor.fetchall()
    notes = [row[1:] for row in found if row[0] == 1]
    if not notes:
        raise OperationError("not_found", NOTE_NOT_FOUND)
    at = 1 + _POSITION_COLUMN  # the key's place in a row (after the row's kind)
    stage_rows = [(row[1], row[at]) for row in found if row[0] == 2]
    if not stage_rows:
        raise OperationError("not_found", STAGE_NOT_FOUND)
    keys = sorted(key for pk, key in stage_rows if pk is not None and pk != note_id)
    return rows.instance(Touchpoint, notes[0]), keys


_POSITION_COLUMN = [f.name for f in Touchpoint._meta.concrete_fields].index("position")


@cache
def _sql() -> dict[str, str]:
    """The move's statements (the backend's quoting is known once Django is set up)."""
    note, stage = rows.table(Touchpoint), rows.table(Stage)
    note_id, stage_id = rows.column(Touchpoint, "id"), rows.column(Stage, "id")
    note_map, note_stage = rows.column(Touchpoint, "map"), rows.column(Touchpoint, "stage")
    position, updated = rows.column(Touchpoint, "position"), rows.column(Touchpoint, "updated_at")
    stage_map = rows.column(Stage, "map")
    # The stage's notes (LEFT JOIN: an empty stage is one row of NULLs; no row, no such stage)
    # in the note's columns: id and position where the note has them, the rest NULL.
    key_columns = ", ".join(
        f"k.{rows.quote(f.column)}" if f.name in ("id", "position") else "NULL"
        for f in Touchpoint._meta.concrete_fields
    )
    assert [f.name for f in Touchpoint._meta.concrete_fields][:1] == ["id"]
    keys_from = (
        f"FROM {stage} s LEFT JOIN {note} k ON k.{note_stage} = s.{stage_id} "
        f"WHERE s.{stage_id} = %s AND s.{stage_map} = %s"
    )
    # S608: our own table and column names, quoted by the backend.
    return {
        # 1: the note's row; 2: the stage's notes.
        "note_and_keys": f"SELECT 1, {rows.columns(Touchpoint, 't')} FROM {note} t "  # noqa: S608
        f"WHERE t.{note_id} = %s AND t.{note_map} = %s "
        f"UNION ALL SELECT 2, {key_columns} {keys_from}",
        # The note was read under the map's lock, and only operations on this map change it.
        "move": f"UPDATE {note} SET {note_stage} = %s, {position} = %s, {updated} = %s "  # noqa: S608
        f"WHERE {note_id} = %s",
    }


@operation(
    "touchpoint.delete",
    Field("touchpoint", ID, required=True),
    who=Who.EDITORS,
    when=When.EDITING,
)
def delete_touchpoint(
    actor: Actor, journey_map: JourneyMap, touchpoint: Any, *, op_id: str | None = None
) -> MapEvent:
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        touchpoint = get_touchpoint(locked, touchpoint)
        payload = {"id": touchpoint.pk, "touchpoint": touchpoint_data(touchpoint)}
        # Its actions, customer feedback and votes go with it: kept, for an undo.
        before = capture(locked.pk, going=[touchpoint.pk])
        touchpoint.delete()
        return record(locked, actor, "touchpoint.deleted", payload, op_id, before)


# --- groups ---------------------------------------------------------------------------------


def get_group(journey_map: JourneyMap, group_id: Any) -> TouchpointGroup:
    group = one_or_none(
        TouchpointGroup.objects.filter(pk=clean_id(group_id, "group"), map=journey_map)
    )
    if group is None:
        raise OperationError("not_found", "That group is not on this map.")
    return group


@operation(
    "group.add",
    Field("name", TEXT, required=True, note=f"≤ {NAME_MAX}"),
    Field("touchpoints", IDS, note="notes to gather into it"),
    who=Who.EDITORS,
    when=When.GROUPING,
)
def add_group(
    actor: Actor,
    journey_map: JourneyMap,
    *,
    name: str,
    touchpoints: Iterable[Any] = (),
    op_id: str | None = None,
) -> MapEvent:
    """A named group, optionally gathering notes at once (the group phase's main gesture)."""
    name = clean_name(name, "group name", NAME_MAX, required=True)
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        if locked.groups.filter(name=name).exists():
            raise OperationError("duplicate", f"There is already a group called {name!r}.")
        group = TouchpointGroup.objects.create(map=locked, name=name)
        members = [get_touchpoint(locked, tp) for tp in touchpoints]
        before = created("groups", group.pk)
        before["touchpoints"] = {str(m.pk): touchpoint_data(m) for m in members}
        for member in members:
            member.group = group
        Touchpoint.objects.bulk_update(members, ["group"])
        payload = {"group": group_data(group), "touchpoints": [m.pk for m in members]}
        return record(locked, actor, "group.added", payload, op_id, before)


@operation(
    "group.rename",
    Field("group", ID, required=True),
    Field("name", TEXT, required=True, note=f"≤ {NAME_MAX}"),
    who=Who.EDITORS,
    when=When.GROUPING,
)
def rename_group(
    actor: Actor, journey_map: JourneyMap, group: Any, *, name: str, op_id: str | None = None
) -> MapEvent:
    name = clean_name(name, "group name", NAME_MAX, required=True)
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        group = get_group(locked, group)
        if locked.groups.filter(name=name).exclude(pk=group.pk).exists():
            raise OperationError("duplicate", f"There is already a group called {name!r}.")
        before = {"groups": {str(group.pk): group_data(group)}}
        group.name = name
        group.save(update_fields=["name"])
        payload = {"group": group_data(group)}
        return record(locked, actor, "group.renamed", payload, op_id, before)


@operation(
    "group.delete",
    Field("group", ID, required=True, note="ungroup: the notes stay"),
    who=Who.EDITORS,
    when=When.GROUPING,
)
def delete_group(
    actor: Actor, journey_map: JourneyMap, group: Any, *, op_id: str | None = None
) -> MapEvent:
    """Ungroup: the group goes, its notes stay."""
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        group = get_group(locked, group)
        members = list(group.touchpoints.values_list("pk", flat=True))
        payload = {"id": group.pk, "touchpoints": members}
        before = capture(locked.pk, groups=[group.pk], touchpoints=members)
        group.delete()
        return record(locked, actor, "group.deleted", payload, op_id, before)


@operation(
    "touchpoint.group",
    Field("touchpoint", ID, required=True),
    Field("name", TEXT, required=True, note=f'≤ {NAME_MAX}; "": out of its group'),
    who=Who.EDITORS,
    when=When.GROUPING,
)
def group_touchpoint(
    actor: Actor, journey_map: JourneyMap, touchpoint: Any, *, name: str, op_id: str | None = None
) -> MapEvent:
    """Put a note in the group called `name`, made if the map has none of that name; an empty
    name takes it out of its group. One event: group.added for a new group, else
    touchpoint.updated."""
    name = clean_text(name, "group name", NAME_MAX, field="name")
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        note = get_touchpoint(locked, touchpoint)
        group = one_or_none(locked.groups.filter(name=name)) if name else None
        if name and group is None:
            return add_group(actor, locked, name=name, touchpoints=[note.pk], op_id=op_id)
        before = {"touchpoints": {str(note.pk): touchpoint_data(note)}}
        note.group = group
        note.save(update_fields=["group", "updated_at"])
        payload = {"touchpoint": touchpoint_data(note)}
        return record(locked, actor, "touchpoint.updated", payload, op_id, before)


# --- the keyboard's move ---------------------------------------------------------------------


@operation(
    "touchpoint.step",
    Field("touchpoint", ID, required=True),
    Field("to", CHOICE, required=True, note='"up", "down", "previous" or "next"'),
    who=Who.EDITORS,
    when=When.EDITING,
)
def step_touchpoint(
    actor: Actor,
    journey_map: JourneyMap,
    touchpoint: Any,
    to: str,
    *,
    op_id: str | None = None,
) -> MapEvent:
    """Move a note one step: `up`/`down` within its stage, `previous`/`next` to the neighbouring
    stage at the same row (clamped). The keyboard's way of moving, on the map page and the live
    board alike; one touchpoint.moved event."""
    direction = to
    if direction not in ("up", "down", "previous", "next"):
        raise OperationError("invalid", "A note moves up, down, or to the previous or next stage.")
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        touchpoint = get_touchpoint(locked, touchpoint)
        siblings = list(
            Touchpoint.objects.filter(stage_id=touchpoint.stage_id)
            .order_by("position", "id")
            .values_list("pk", flat=True)
        )
        row = siblings.index(touchpoint.pk)
        target_stage = touchpoint.stage_id
        if direction in ("up", "down"):
            index = row - 1 if direction == "up" else row + 1
            if not 0 <= index < len(siblings):
                edge = "top" if direction == "up" else "bottom"
                raise OperationError("invalid", f"This note is already at the {edge} of its stage.")
        else:
            spine = list(locked.stages.order_by("position", "id").values_list("pk", flat=True))
            at = spine.index(touchpoint.stage_id) + (-1 if direction == "previous" else 1)
            if not 0 <= at < len(spine):
                edge = "first" if direction == "previous" else "last"
                raise OperationError("invalid", f"This note is already in the {edge} stage.")
            target_stage, index = spine[at], row
        return move_touchpoint(
            actor, journey_map, touchpoint.pk, stage=target_stage, index=index, op_id=op_id
        )
