"""The group phase's gestures on the board: stack a note onto another, take it out of its
stack, move a whole stack. (Naming, renaming and dissolving a group are in notes.py.)

A group shows on the board as a stack: its notes next to each other in a stage. These
operations keep them so: a stacked note goes right under its stack, a moved group's notes
travel together. Each records ordinary note and group events (docs/design.md, "Events"), so
every board already knows how to apply them; the ack carries the moved note's event.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat

from .. import positions
from ..errors import Actor, OperationError
from ..models import JourneyMap, MapEvent, Touchpoint, TouchpointGroup
from ..permissions import When, Who
from ..serializers import group_data, touchpoint_data
from .clean import clean_index
from .log import lock_map, record
from .notes import get_group, get_touchpoint
from .order import respace_notes
from .registry import ID, INDEX, Field, operation
from .stages import get_stage

# A new stack's name until someone names it: "Group 1", "Group 2", … (names are unique).
NEW_GROUP = "Group {}"


@operation(
    "touchpoint.stack",
    Field("touchpoint", ID, required=True),
    Field("onto", ID, required=True, note="the note it is dropped on"),
    who=Who.EDITORS,
    when=When.GROUPING,
)
def stack_touchpoint(
    actor: Actor, journey_map: JourneyMap, touchpoint: Any, *, onto: Any, op_id: str | None = None
) -> MapEvent:
    """Drop a note onto another: it joins that note's group, or a new group ("Group n") of the
    two, and goes to the bottom of that stack. Events: group.added (a new group, with the note
    dropped on), touchpoint.updated (the note: group, stage, position; acknowledged), and
    group.deleted when the note left a group that is now empty."""
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        note = get_touchpoint(locked, touchpoint)
        target = get_touchpoint(locked, onto)
        if note.pk == target.pk:
            raise OperationError("invalid", "A note cannot be stacked onto itself.", field="onto")
        left = note.group_id
        if target.group_id is None:
            group = TouchpointGroup.objects.create(map=locked, name=_new_group_name(locked))
            target.group = group
            target.save(update_fields=["group", "updated_at"])
            payload = {"group": group_data(group), "touchpoints": [target.pk]}
            record(locked, actor, "group.added", payload, None)
        note.group_id = target.group_id
        note.stage_id = target.stage_id
        note.position = _key_under_stack(locked, actor, target, without=note.pk)
        note.save(update_fields=["group", "stage", "position", "updated_at"])
        event = record(
            locked, actor, "touchpoint.updated", {"touchpoint": touchpoint_data(note)}, op_id
        )
        _drop_if_empty(locked, actor, left)
        return event


@operation(
    "touchpoint.ungroup",
    Field("touchpoint", ID, required=True),
    Field("stage", ID, note="with index: where it goes (dragged out); default: it stays"),
    Field("index", INDEX, note="among the stage's other notes"),
    who=Who.EDITORS,
    when=When.GROUPING,
)
def ungroup_touchpoint(
    actor: Actor,
    journey_map: JourneyMap,
    touchpoint: Any,
    *,
    stage: Any = None,
    index: Any = None,
    op_id: str | None = None,
) -> MapEvent:
    """Take a note out of its stack, at `index` of `stage` (dragged out) or else just under the
    stack (one from the middle would split it in two): one touchpoint.updated, and
    group.deleted when its group is left empty."""
    if (stage is None) != (index is None):
        raise OperationError("invalid", "A place out of the stack needs both stage and index.")
    at = None if index is None else clean_index(index)
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        note = get_touchpoint(locked, touchpoint)
        target = get_stage(locked, stage) if stage is not None else None
        left = note.group_id
        if left is None:
            raise OperationError("invalid", "This note is in no group.")
        if target is None:
            note.position = _key_out_of_run(locked, actor, note)
        note.group = None
        if target is not None and at is not None:
            keys = _keys(target.pk, without={note.pk})
            note.stage_id = target.pk
            note.position = _key_at(locked, actor, target.pk, keys, at, {note.pk})
        note.save(update_fields=["group", "stage", "position", "updated_at"])
        event = record(
            locked, actor, "touchpoint.updated", {"touchpoint": touchpoint_data(note)}, op_id
        )
        _drop_if_empty(locked, actor, left)
        return event


@operation(
    "group.move",
    Field("group", ID, required=True),
    Field("stage", ID, required=True),
    Field("index", INDEX, required=True, note="among the stage's notes outside the group"),
    who=Who.EDITORS,
    when=When.GROUPING,
)
def move_group(
    actor: Actor,
    journey_map: JourneyMap,
    group: Any,
    *,
    stage: Any,
    index: Any,
    op_id: str | None = None,
) -> MapEvent:
    """Move a whole stack: all the group's notes, in board order, go together to `index`
    among the other notes of `stage`. One touchpoint.moved per note, the last acknowledged."""
    index = clean_index(index)
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        moving = get_group(locked, group)
        target = get_stage(locked, stage)
        members = list(
            Touchpoint.objects.filter(group=moving, map=locked)
            .order_by("stage__position", "stage_id", "position", "id")
            .values_list("pk", flat=True)
        )
        if not members:
            raise OperationError("invalid", "This group has no notes to move.")
        others = _keys(target.pk, without=set(members))
        at = max(0, min(index, len(others)))
        keys = positions.spread(
            others[at - 1] if at else None, others[at] if at < len(others) else None, len(members)
        )
        if positions.needs_respacing(keys[-1]):
            respace_notes(locked.pk, target.pk, actor)
            others = _keys(target.pk, without=set(members))
            keys = positions.spread(
                others[at - 1] if at else None,
                others[at] if at < len(others) else None,
                len(members),
            )
        placed = list(zip(members, keys, strict=True))
        # Keys are unique per stage and checked row by row: each note first takes a stand-in
        # no key can equal ("-" and its id, as order.py does), then its key.
        Touchpoint.objects.filter(pk__in=members).update(
            stage_id=target.pk, position=Concat(Value("-"), Cast("id", output_field=CharField()))
        )
        Touchpoint.objects.bulk_update(
            [Touchpoint(pk=pk, position=key) for pk, key in placed], ["position"]
        )
        event = None
        for pk, key in placed:
            payload = {"id": pk, "stage": target.pk, "position": key}
            is_last = pk == placed[-1][0]
            event = record(locked, actor, "touchpoint.moved", payload, op_id if is_last else None)
        return event


# --- helpers ---------------------------------------------------------------------------------


def _new_group_name(journey_map: JourneyMap) -> str:
    taken = set(journey_map.groups.values_list("name", flat=True))
    number = 1
    while NEW_GROUP.format(number) in taken:
        number += 1
    return NEW_GROUP.format(number)


def _keys(stage_id: int, *, without: set[int]) -> list[str]:
    rows = Touchpoint.objects.filter(stage_id=stage_id).exclude(pk__in=without)
    return sorted(rows.values_list("position", flat=True))


def _key_under_stack(
    journey_map: JourneyMap, actor: Actor, target: Touchpoint, *, without: int
) -> str:
    """The key right under the run of `target`'s group that holds `target`, in its stage."""
    rows = list(
        Touchpoint.objects.filter(stage_id=target.stage_id)
        .exclude(pk=without)
        .order_by("position", "id")
        .values_list("pk", "group_id", "position")
    )
    at = next(i for i, (pk, _, _) in enumerate(rows) if pk == target.pk) + 1
    while at < len(rows) and rows[at][1] == target.group_id:
        at += 1
    keys = [key for _, _, key in rows]
    return _key_at(journey_map, actor, target.stage_id, keys, at, {without})


def _key_out_of_run(journey_map: JourneyMap, actor: Actor, note: Touchpoint) -> str:
    """Where a note taken out of its stack in place goes: where it is when no note of its
    stack is below it, else just under the stack's last note."""
    rows = list(
        Touchpoint.objects.filter(stage_id=note.stage_id)
        .order_by("position", "id")
        .values_list("pk", "group_id", "position")
    )
    at = next(i for i, (pk, _, _) in enumerate(rows) if pk == note.pk)
    end = at + 1
    while end < len(rows) and rows[end][1] == note.group_id:
        end += 1
    if end == at + 1:
        return note.position
    keys = [key for pk, _, key in rows if pk != note.pk]
    return _key_at(journey_map, actor, note.stage_id, keys, end - 1, {note.pk})


def _key_at(
    journey_map: JourneyMap,
    actor: Actor,
    stage_id: int,
    keys: list[str],
    at: int,
    without: set[int],
) -> str:
    """The key at `at` among `keys` (a stage's keys, the note excluded), the stage respaced
    first when that key would grow too long."""
    key = positions.key_for_index(keys, at)
    if not positions.needs_respacing(key):
        return key
    placed = respace_notes(journey_map.pk, stage_id, actor)
    return positions.key_for_index([k for pk, k in placed if pk not in without], at)


def _drop_if_empty(journey_map: JourneyMap, actor: Actor, group_id: int | None) -> None:
    """A stack whose last note left is gone: delete its group (group.deleted, no notes)."""
    if group_id is None or Touchpoint.objects.filter(group_id=group_id).exists():
        return
    TouchpointGroup.objects.filter(pk=group_id, map=journey_map).delete()
    record(journey_map, actor, "group.deleted", {"id": group_id, "touchpoints": []}, None)
