"""The live board's gate: a workshop member asks for an operation by name; may they now, and
what is the answer?

Every operation is declared once in maps.operations.registry (map operations in maps, the
facilitation and votes in workshops.facilitation). Here a declaration is applied to a member:
`check` asks maps.permissions (the one place that decides who may) with the role the member
acts with (capped by their map role) and the workshop's phase and lock, fresh from the
database; `run` checks the message's fields,
runs the operation (a map operation once per op_id) and returns the ack's fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from maps.errors import Actor
from maps.models import JourneyMap, MapEvent
from maps.operations import (
    OPERATIONS,
    Operation,
    OperationError,
    applied_event,
    run_once,
    stack_state,
)
from maps.permissions import When, Who, check_workshop

from . import standing
from .access import load_member
from .models import Participant, Workshop


@dataclass(frozen=True)
class Context:
    """Who sends a message, in which workshop, on which map (fresh from the database), and the
    role they act with now (workshops.access.acting_role: their map role caps it)."""

    workshop: Workshop
    participant: Participant
    journey_map: JourneyMap
    role: str

    @property
    def actor(self) -> Actor:
        return self.actor_of(self.participant)

    @staticmethod
    def actor_of(participant: Participant) -> Actor:
        return Actor(
            user=participant.user,
            name=participant.display_name,
            participant_id=participant.pk,
            colour=participant.colour,
        )


def find(message_type: str) -> Operation | None:
    """The operation a client message asks for, if there is one by that name."""
    return OPERATIONS.get(message_type)


def check(operation: Operation, ctx: Context) -> None:
    """Refuse (OperationError) what this member may not ask for now."""
    workshop = ctx.workshop
    check_workshop(operation.who, operation.when, ctx.role, workshop.phase, workshop.locked)


def admit(
    operation: Operation, participant_id: int, visitor_id: int | None, began_as: str, op_id: str
) -> Context | dict[str, Any]:
    """Who sends operation `op_id`, and may they now? A fresh look per message: the phase, the
    lock or the role may have changed since the last one. The context to run the operation in,
    or the ack of one applied before (a resend); raises OperationError to refuse, and
    standing.MemberGone when the member is out or acts in another role than the connection
    began with (`began_as`). `visitor_id`: the account signed in on the connection, if any."""
    participant = load_member(participant_id, visitor_id)
    if participant is None:
        raise OperationError("forbidden", "You are no longer in this workshop.")
    role = standing.role_now(participant, began_as)
    workshop = participant.workshop
    ctx = Context(workshop=workshop, participant=participant, journey_map=workshop.map, role=role)
    try:
        check(operation, ctx)
    except OperationError:
        # A resend of an operation already applied is acknowledged again, whatever the gates
        # say now: it happened before the board was locked, and the client must stop
        # resending it. (Allowed resends are recognised by run's run_once.)
        done = applied_event(workshop.map_id, op_id, ctx.actor)
        if done is None:
            raise
        return event_ack(done, duplicate=True)
    return ctx


def may_now(ctx: Context, who: Who, when: When) -> None:
    """May this member still make a change of this kind (its Who and When), now? An undo or a
    redo is the change again: a participant undoes a note's move only while notes may move."""
    check_workshop(who, when, ctx.role, ctx.workshop.phase, ctx.workshop.locked)


def event_ack(event: MapEvent, *, duplicate: bool) -> dict[str, Any]:
    """The ack's fields for an operation that made `event` (now, or before: `duplicate`)."""
    return {"revision": event.revision, "event": event.as_message(), "duplicate": duplicate}


def run(operation: Operation, ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Apply the operation a (checked) member asked for with message `data`; the ack's fields.

    A map operation runs once per op_id: a resend of one already applied gets the same ack
    with `duplicate: true` and changes nothing."""
    fields = operation.clean(data)
    if operation.target == "map":
        op_id = data["op_id"]
        if operation.reverts:
            fields["may"] = lambda who, when: may_now(ctx, who, when)
        event, new = run_once(
            ctx.journey_map.pk,
            op_id,
            lambda: operation.fn(ctx.actor, ctx.journey_map, op_id=op_id, **fields),
            ctx.actor,
        )
        ack = event_ack(event, duplicate=not new)
        if operation.reverts:  # what Undo and Redo would do next, for the buttons
            ack["stack"] = stack_state(ctx.journey_map.pk, ctx.actor)
        return ack
    ctx.participant.role = ctx.role  # the role they act with now, never saved
    target = ctx.workshop if operation.target == "workshop" else ctx.participant
    result = operation.fn(target, **fields)
    assert operation.ack is not None  # the registry insists on one for these
    return operation.ack(result, ctx.participant)
