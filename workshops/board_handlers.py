"""Websocket handlers for map changes in a live workshop (docs/protocol.md, "Operations").

Each handler checks the message's shape (which keys, never trusted values: the operation
validates those), runs the operation once per op_id, and returns the ack's fields: the new
revision and the event. A resend of an applied operation gets the same ack with
`duplicate: true` and changes nothing.

Notes and lanes are everyone's in the editing phases; the spine's structure (adding, moving or
deleting stages) is the facilitator's, as it is prepared before the workshop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from maps import operations as ops
from maps.models import MapEvent
from maps.operations import OperationError
from maps.serializers import STAGE_LANES, TOUCHPOINT_FIELDS

from .handlers import EDIT_PHASES, FACILITATOR, Context, event_ack, handler

ENVELOPE = frozenset({"type", "op_id"})
MAX_GROUP_MEMBERS = 500


def fields_of(data: dict[str, Any], required: set[str], optional: set[str]) -> dict[str, Any]:
    """The message's fields minus the envelope, refusing missing and unknown keys."""
    fields = {key: value for key, value in data.items() if key not in ENVELOPE}
    missing = required - fields.keys()
    if missing:
        raise OperationError("invalid", f"Missing field: {sorted(missing)[0]}.")
    unknown = fields.keys() - required - optional
    if unknown:
        raise OperationError("invalid", f"Unknown field: {sorted(unknown)[0][:40]}.")
    return fields


def applied(ctx: Context, data: dict[str, Any], operation: Callable[[str], MapEvent]) -> dict:
    """Run `operation(op_id)` once per op_id; the ack's fields."""
    op_id = data["op_id"]
    event, new = ops.run_once(ctx.journey_map.pk, op_id, lambda: operation(op_id))
    return event_ack(event, duplicate=not new)


def index_of(fields: dict[str, Any]) -> int | None:
    index = fields.pop("index", None)
    if index is not None and (isinstance(index, bool) or not isinstance(index, int)):
        raise OperationError("invalid", "index must be a whole number.")
    return index


# --- touchpoints ----------------------------------------------------------------------------

NOTE_FIELDS = {*TOUCHPOINT_FIELDS, "group"}


@handler("touchpoint.add", phases=EDIT_PHASES)
def add_touchpoint(ctx: Context, data: dict[str, Any]) -> dict:
    fields = fields_of(data, {"stage", "text"}, {"index", *NOTE_FIELDS})
    index = index_of(fields)
    return applied(
        ctx,
        data,
        lambda op_id: ops.add_touchpoint(
            ctx.actor, ctx.journey_map, index=index, op_id=op_id, **fields
        ),
    )


@handler("touchpoint.update", phases=EDIT_PHASES)
def update_touchpoint(ctx: Context, data: dict[str, Any]) -> dict:
    fields = fields_of(data, {"touchpoint"}, {"base_version", *NOTE_FIELDS})
    touchpoint = fields.pop("touchpoint")
    return applied(
        ctx,
        data,
        lambda op_id: ops.update_touchpoint(
            ctx.actor, ctx.journey_map, touchpoint, op_id=op_id, **fields
        ),
    )


@handler("touchpoint.move", phases=EDIT_PHASES)
def move_touchpoint(ctx: Context, data: dict[str, Any]) -> dict:
    fields = fields_of(data, {"touchpoint", "stage", "index"}, set())
    return applied(
        ctx,
        data,
        lambda op_id: ops.move_touchpoint(
            ctx.actor,
            ctx.journey_map,
            fields["touchpoint"],
            stage=fields["stage"],
            index=fields["index"],
            op_id=op_id,
        ),
    )


@handler("touchpoint.delete", phases=EDIT_PHASES)
def delete_touchpoint(ctx: Context, data: dict[str, Any]) -> dict:
    fields = fields_of(data, {"touchpoint"}, set())
    return applied(
        ctx,
        data,
        lambda op_id: ops.delete_touchpoint(
            ctx.actor, ctx.journey_map, fields["touchpoint"], op_id=op_id
        ),
    )


# --- stages ---------------------------------------------------------------------------------

STAGE_FIELDS = {"name", *STAGE_LANES, "loops_back_to"}


@handler("stage.add", roles=(FACILITATOR,), phases=EDIT_PHASES)
def add_stage(ctx: Context, data: dict[str, Any]) -> dict:
    fields = fields_of(data, {"name"}, {"index", *STAGE_LANES})
    index = index_of(fields)
    name = fields.pop("name")
    return applied(
        ctx,
        data,
        lambda op_id: ops.add_stage(
            ctx.actor, ctx.journey_map, name=name, index=index, op_id=op_id, **fields
        ),
    )


@handler("stage.update", phases=EDIT_PHASES)
def update_stage(ctx: Context, data: dict[str, Any]) -> dict:
    fields = fields_of(data, {"stage"}, STAGE_FIELDS)
    stage = fields.pop("stage")
    return applied(
        ctx,
        data,
        lambda op_id: ops.update_stage(ctx.actor, ctx.journey_map, stage, op_id=op_id, **fields),
    )


@handler("stage.move", roles=(FACILITATOR,), phases=EDIT_PHASES)
def move_stage(ctx: Context, data: dict[str, Any]) -> dict:
    fields = fields_of(data, {"stage", "index"}, set())
    return applied(
        ctx,
        data,
        lambda op_id: ops.move_stage(
            ctx.actor, ctx.journey_map, fields["stage"], index=fields["index"], op_id=op_id
        ),
    )


@handler("stage.delete", roles=(FACILITATOR,), phases=EDIT_PHASES)
def delete_stage(ctx: Context, data: dict[str, Any]) -> dict:
    fields = fields_of(data, {"stage"}, {"move_notes_to", "delete_notes"})
    delete_notes = fields.get("delete_notes", False)
    if not isinstance(delete_notes, bool):
        raise OperationError("invalid", "delete_notes must be true or false.")
    return applied(
        ctx,
        data,
        lambda op_id: ops.delete_stage(
            ctx.actor,
            ctx.journey_map,
            fields["stage"],
            move_notes_to=fields.get("move_notes_to"),
            delete_notes=delete_notes,
            op_id=op_id,
        ),
    )


# --- groups ---------------------------------------------------------------------------------


@handler("group.add", phases=EDIT_PHASES)
def add_group(ctx: Context, data: dict[str, Any]) -> dict:
    fields = fields_of(data, {"name"}, {"touchpoints"})
    members = fields.get("touchpoints", [])
    if not isinstance(members, list) or len(members) > MAX_GROUP_MEMBERS:
        raise OperationError("invalid", "touchpoints must be a list of note ids.")
    return applied(
        ctx,
        data,
        lambda op_id: ops.add_group(
            ctx.actor, ctx.journey_map, name=fields["name"], touchpoints=members, op_id=op_id
        ),
    )


@handler("group.rename", phases=EDIT_PHASES)
def rename_group(ctx: Context, data: dict[str, Any]) -> dict:
    fields = fields_of(data, {"group", "name"}, set())
    return applied(
        ctx,
        data,
        lambda op_id: ops.rename_group(
            ctx.actor, ctx.journey_map, fields["group"], name=fields["name"], op_id=op_id
        ),
    )


@handler("group.delete", phases=EDIT_PHASES)
def delete_group(ctx: Context, data: dict[str, Any]) -> dict:
    fields = fields_of(data, {"group"}, set())
    return applied(
        ctx,
        data,
        lambda op_id: ops.delete_group(ctx.actor, ctx.journey_map, fields["group"], op_id=op_id),
    )
