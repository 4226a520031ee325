"""The registry of websocket message handlers, and the one place that decides whether a
workshop member may send a given message now (role, phase, lock).

A handler is a plain sync function `(ctx, data) -> dict | None`, run in a database thread by the
consumer. It validates `data` (never trusted), calls an operation, and returns the ack's extra
fields. It raises maps.operations.OperationError to refuse; the consumer turns that into an
error message with the same code. Modules that define handlers are imported by
workshops.consumers so that registration happens at start-up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from maps.models import JourneyMap, MapEvent
from maps.operations import Actor, OperationError, applied_event, broadcast_to_group

from .access import load_member
from .models import Participant, Phase, Workshop

FACILITATOR = Participant.Role.FACILITATOR
PARTICIPANT = Participant.Role.PARTICIPANT
OBSERVER = Participant.Role.OBSERVER

# Phases in which participants may change the board's notes and stages. The facilitator may
# edit in any open phase; nobody may change anything once the workshop is closed.
EDIT_PHASES = frozenset({Phase.GATHER, Phase.GROUP, Phase.DISCUSS})
VOTE_PHASES = frozenset({Phase.VOTE})


@dataclass(frozen=True)
class Context:
    """Who sends a message, in which workshop, on which map (fresh from the database)."""

    workshop: Workshop
    participant: Participant
    journey_map: JourneyMap

    @property
    def actor(self) -> Actor:
        return Actor(
            user=self.participant.user,
            name=self.participant.display_name,
            participant_id=self.participant.pk,
        )

    @property
    def is_facilitator(self) -> bool:
        return self.participant.role == FACILITATOR


HandlerFn = Callable[[Context, dict[str, Any]], dict[str, Any] | None]


def event_ack(event: MapEvent, *, duplicate: bool) -> dict[str, Any]:
    """The ack's fields for an operation that made `event` (now, or before: `duplicate`)."""
    return {"revision": event.revision, "event": event.as_message(), "duplicate": duplicate}


@dataclass(frozen=True)
class Handler:
    fn: HandlerFn
    roles: frozenset[str]
    phases: frozenset[str] | None  # None: any phase but closed
    allowed_when_locked: bool


HANDLERS: dict[str, Handler] = {}


def handler(
    message_type: str,
    *,
    roles: tuple[str, ...] = (FACILITATOR, PARTICIPANT),
    phases: frozenset[str] | None = None,
    allowed_when_locked: bool = False,
) -> Callable[[HandlerFn], HandlerFn]:
    """Register `fn` for client messages of `message_type`."""

    def register(fn: HandlerFn) -> HandlerFn:
        if message_type in HANDLERS:
            raise RuntimeError(f"Two handlers for {message_type!r}")
        HANDLERS[message_type] = Handler(fn, frozenset(roles), phases, allowed_when_locked)
        return fn

    return register


def check_allowed(entry: Handler, ctx: Context) -> None:
    """Refuse a message the sender may not send now. Facilitators pass phase and lock gates."""
    if ctx.participant.role not in entry.roles:
        raise OperationError("forbidden", "Your role in this workshop does not allow that.")
    if ctx.workshop.phase == Phase.CLOSED:
        raise OperationError("closed", "This workshop has ended; the board is read-only.")
    if ctx.is_facilitator:
        return
    if ctx.workshop.locked and not entry.allowed_when_locked:
        raise OperationError("locked", "The facilitator has locked the board.")
    if entry.phases is not None and ctx.workshop.phase not in entry.phases:
        phase = Phase(ctx.workshop.phase).label
        raise OperationError("wrong_phase", f"That is not possible in the {phase} phase.")


def admit(entry: Handler, participant_id: int, op_id: str) -> Context | dict[str, Any]:
    """Who sends operation `op_id`, and may they now? A fresh look per message: the phase, the
    lock or the role may have changed since the last one. The context to run the handler in,
    or the ack of an operation applied before (a resend); raises OperationError to refuse."""
    participant = load_member(participant_id)
    if participant is None:
        raise OperationError("forbidden", "You are no longer in this workshop.")
    workshop = participant.workshop
    ctx = Context(workshop=workshop, participant=participant, journey_map=workshop.map)
    try:
        check_allowed(entry, ctx)
    except OperationError:
        # A resend of an operation already applied is acknowledged again, whatever the gates
        # say now: it happened before the board was locked, and the client must stop
        # resending it. (Allowed resends are recognised by the handler's run_once.)
        done = applied_event(workshop.map_id, op_id)
        if done is None:
            raise
        return event_ack(done, duplicate=True)
    return ctx


# --- messages that are not map events -------------------------------------------------------
# Workshop state (phase, timer, lock, revealed results, presence) goes to everyone in the
# workshop; a participant's own votes go only to that participant's connections (their tabs).


def workshop_group(workshop_id: int) -> str:
    return f"workshop.{workshop_id}"


def participant_group(participant_id: int) -> str:
    return f"participant.{participant_id}"


def notify_workshop(workshop_id: int, message: dict[str, Any]) -> None:
    """Send `message` to every connection of the workshop, after the transaction commits."""
    transaction.on_commit(lambda: broadcast_to_group(workshop_group(workshop_id), message))


def notify_participant(participant_id: int, message: dict[str, Any]) -> None:
    """Send `message` to one participant's connections only, after commit."""
    transaction.on_commit(lambda: broadcast_to_group(participant_group(participant_id), message))
