"""The spine: stages and their lanes (actions, thoughts, feelings and emotion scores, goals,
personnel, value point, funnel metrics), in order, each optionally looping back."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from .. import positions
from ..errors import Actor, OperationError
from ..models import (
    DEPARTMENT_MAX,
    LANE_MAX,
    NAME_MAX,
    SHORT_MAX,
    JourneyMap,
    MapEvent,
    Stage,
    Touchpoint,
    ValuePoint,
)
from ..permissions import When, Who
from ..serializers import STAGE_LANES, stage_data
from .clean import (
    clean_bool,
    clean_choice,
    clean_id,
    clean_index,
    clean_percent,
    clean_score,
    clean_text,
)
from .log import lock_map, one_or_none, record
from .order import note_keys_to_append, respace_spine
from .registry import BOOL, CHOICE, ID, INDEX, OPTIONAL_ID, PERCENT, SCORE, TEXT, Field, operation
from .states import capture, created

STAGE_NOT_FOUND = "That stage is not on this map."

# The lanes as operation fields, with their limits for the protocol table.
LANE_FIELDS = (
    Field("actions", TEXT, note=f"≤ {LANE_MAX}"),
    Field("thoughts", TEXT, note=f"≤ {LANE_MAX}"),
    Field("feelings", TEXT, note=f"≤ {LANE_MAX}"),
    Field("emotion_now", SCORE),
    Field("emotion_aspiration", SCORE),
    Field("goals", TEXT, note=f"≤ {LANE_MAX}"),
    Field("personnel", TEXT, note=f"≤ {SHORT_MAX}"),
    Field("value_point", CHOICE, note='a value point or ""'),
    Field("conversion_pct", PERCENT),
    Field("time_in_stage", TEXT, note=f"≤ {DEPARTMENT_MAX}"),
)
if tuple(f.name for f in LANE_FIELDS) != STAGE_LANES:
    raise ImportError("LANE_FIELDS must list maps.serializers.STAGE_LANES, in order")


def clean_stage_fields(fields: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for field, value in fields.items():
        if field == "name":
            cleaned[field] = clean_text(value, "stage name", NAME_MAX, required=True, field="name")
        elif field in ("emotion_now", "emotion_aspiration"):
            cleaned[field] = clean_score(value, field)
        elif field == "value_point":
            cleaned[field] = clean_choice(value or "", field, ValuePoint.values)
        elif field == "conversion_pct":
            cleaned[field] = clean_percent(value, field)
        elif field == "personnel":
            cleaned[field] = clean_text(value, field, SHORT_MAX)
        elif field == "time_in_stage":
            cleaned[field] = clean_text(value, field, DEPARTMENT_MAX)
        elif field in STAGE_LANES:
            cleaned[field] = clean_text(value, field, LANE_MAX)
        elif field != "loops_back_to":
            raise OperationError("invalid", f"Unknown stage field {field!r}.", field=field)
    return cleaned


def get_stage(journey_map: JourneyMap, stage_id: Any, field: str = "stage") -> Stage:
    """A stage of this map; ids of another map's stages are refused like unknown ones."""
    stage = one_or_none(Stage.objects.filter(pk=clean_id(stage_id, field), map=journey_map))
    if stage is None:
        raise OperationError("not_found", STAGE_NOT_FOUND)
    return stage


@operation(
    "stage.add",
    Field("name", TEXT, required=True, note=f"≤ {NAME_MAX}"),
    Field("index", INDEX, note="default: last"),
    *LANE_FIELDS,
    who=Who.FACILITATOR,
    when=When.EDITING,
)
def add_stage(
    actor: Actor,
    journey_map: JourneyMap,
    *,
    name: str,
    index: int | None = None,
    op_id: str | None = None,
    **lanes: Any,
) -> MapEvent:
    cleaned = clean_stage_fields({"name": name, **lanes})
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        keys = list(locked.stages.order_by("position").values_list("position", flat=True))
        at = len(keys) if index is None else clean_index(index)
        position = positions.key_for_index(keys, at)
        if positions.needs_respacing(position):
            keys = [key for _, key in respace_spine(locked.pk, actor)]
            position = positions.key_for_index(keys, at)
        stage = Stage.objects.create(map=locked, position=position, **cleaned)
        payload, before = {"stage": stage_data(stage)}, created("stages", stage.pk)
        return record(locked, actor, "stage.added", payload, op_id, before)


@operation(
    "stage.update",
    Field("stage", ID, required=True),
    Field("name", TEXT, note=f"≤ {NAME_MAX}"),
    *LANE_FIELDS,
    Field("loops_back_to", OPTIONAL_ID, note="an earlier stage, or null"),
    who=Who.EDITORS,
    when=When.EDITING,
)
def update_stage(
    actor: Actor, journey_map: JourneyMap, stage: Any, *, op_id: str | None = None, **fields: Any
) -> MapEvent:
    cleaned = clean_stage_fields(fields)
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        stage = get_stage(locked, stage)
        before = {"stages": {str(stage.pk): stage_data(stage)}}
        if "loops_back_to" in fields:
            cleaned["loops_back_to"] = _loop_target(locked, stage, fields["loops_back_to"])
        for name, value in cleaned.items():
            setattr(stage, name, value)
        stage.save()
        payload = {"stage": stage_data(stage)}
        return record(locked, actor, "stage.updated", payload, op_id, before)


def _loop_target(journey_map: JourneyMap, stage: Stage, target_id: Any) -> Stage | None:
    """A stage may loop back only to an earlier stage of the same map."""
    if target_id in (None, ""):
        return None
    target = get_stage(journey_map, target_id, "loops_back_to")
    if target.position >= stage.position:
        raise OperationError("invalid", "A stage can only loop back to an earlier stage.")
    return target


@operation(
    "stage.move",
    Field("stage", ID, required=True),
    Field("index", INDEX, required=True, note="among the other stages"),
    who=Who.FACILITATOR,
    when=When.EDITING,
)
def move_stage(
    actor: Actor, journey_map: JourneyMap, stage: Any, *, index: Any, op_id: str | None = None
) -> MapEvent:
    index = clean_index(index)
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        stage = get_stage(locked, stage)
        before = {"stages": {str(stage.pk): stage_data(stage)}}
        keys = list(
            locked.stages.exclude(pk=stage.pk)
            .order_by("position")
            .values_list("position", flat=True)
        )
        stage.position = positions.key_for_index(keys, index)
        if positions.needs_respacing(stage.position):
            placed = respace_spine(locked.pk, actor)
            keys = [key for pk, key in placed if pk != stage.pk]
            stage.position = positions.key_for_index(keys, index)
        stage.save(update_fields=["position"])
        payload = {"id": stage.pk, "position": stage.position}
        return record(locked, actor, "stage.moved", payload, op_id, before)


@operation(
    "stage.delete",
    Field("stage", ID, required=True),
    Field("move_notes_to", OPTIONAL_ID, note="the stage its notes go to (appended)"),
    Field("delete_notes", BOOL, note="or true: its notes go too"),
    who=Who.FACILITATOR,
    when=When.EDITING,
)
def delete_stage(
    actor: Actor,
    journey_map: JourneyMap,
    stage: Any,
    *,
    move_notes_to: Any = None,
    delete_notes: bool = False,
    op_id: str | None = None,
) -> MapEvent:
    """Delete a stage. A stage holding notes must say where they go (`move_notes_to`, they are
    appended there) or that they go too (`delete_notes`): a note is never lost by accident."""
    delete_notes = clean_bool(delete_notes, "delete_notes")
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        stage = get_stage(locked, stage)
        before = _before_deleting(stage, going=move_notes_to in (None, ""))
        moved: list[dict[str, Any]] = []
        if move_notes_to not in (None, ""):
            target = get_stage(locked, move_notes_to, "move_notes_to")
            if target.pk == stage.pk:
                raise OperationError("invalid", "Notes cannot move to the stage being deleted.")
            moved = _append_notes(stage, target, actor)
        elif not delete_notes and stage.touchpoints.exists():
            raise OperationError(
                "stage_not_empty", "This stage holds notes: say where they go, or delete them."
            )
        deleted = list(stage.touchpoints.values_list("pk", flat=True))
        payload = {"id": stage.pk, "moved_touchpoints": moved, "deleted_touchpoints": deleted}
        stage.delete()
        return record(locked, actor, "stage.deleted", payload, op_id, before)


def _before_deleting(stage: Stage, *, going: bool) -> dict[str, Any]:
    """A stage before it goes: itself, its notes (with what goes with them, unless they move),
    and the stages that loop back to it (their loop goes too)."""
    notes = list(stage.touchpoints.values_list("pk", flat=True))
    looping = Stage.objects.filter(loops_back_to=stage).values_list("pk", flat=True)
    return capture(
        stage.map_id,
        stages=[stage.pk, *looping],
        touchpoints=notes,
        going=notes if going else (),
    )


def _append_notes(source: Stage, target: Stage, actor: Actor) -> list[dict[str, Any]]:
    last = target.touchpoints.order_by("-position").values_list("position", flat=True).first()
    notes = list(source.touchpoints.order_by("position", "id"))
    keys = note_keys_to_append(target.map_id, target.pk, last, len(notes), actor)
    for note, key in zip(notes, keys, strict=True):
        note.stage = target
        note.position = key
    Touchpoint.objects.bulk_update(notes, ["stage", "position"])
    return [{"id": n.pk, "stage": target.pk, "position": n.position} for n in notes]


@operation(
    "stage.step",
    Field("stage", ID, required=True),
    Field("to", CHOICE, required=True, note='"previous" or "next"'),
    who=Who.FACILITATOR,
    when=When.EDITING,
)
def step_stage(
    actor: Actor,
    journey_map: JourneyMap,
    stage: Any,
    to: str,
    *,
    op_id: str | None = None,
) -> MapEvent:
    """Move a stage one place left (`previous`) or right (`next`) along the spine."""
    direction = to
    if direction not in ("previous", "next"):
        raise OperationError("invalid", "A stage moves to the previous or next place.")
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        stage = get_stage(locked, stage)
        spine = list(locked.stages.order_by("position", "id").values_list("pk", flat=True))
        index = spine.index(stage.pk) + (-1 if direction == "previous" else 1)
        if not 0 <= index < len(spine):
            edge = "first" if direction == "previous" else "last"
            raise OperationError("invalid", f"{stage.name} is already the {edge} stage.")
        return move_stage(actor, locked, stage.pk, index=index, op_id=op_id)
