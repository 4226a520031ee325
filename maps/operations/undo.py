"""Undo and redo, per person and map, kept on the server (so they survive a reload).

A person's stack is read from the event log, never stored apart: their events on the map,
newest first. An ordinary event that can be undone (it has a `before`) and a `redo` each put
one change on the stack; an `undo` takes one off. Walking back from the newest:

- the change to undo is the first one not taken off by a later undo (each undo met on the
  way cancels one change further down);
- the change to redo is the first undo not already redone (each redo met cancels one undo),
  and none once an ordinary event is met: a new change clears the redo stack.

An undo restores its target's `before` (operations.states) and is itself an event, `undo`,
whose `before` is what it overwrote; a redo restores an undo's `before`, event `redo`. Both go
through record() like any operation, so every board hears them and the history shows them.

Never a silent overwrite: when another person has changed any of the objects since (their event
names one of them), or an object cannot be put back (its stage is gone, its group name taken),
the undo is refused with `conflict` and a sentence naming who and what.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from django.db import transaction
from django.db.models import QuerySet

from ..errors import Actor, OperationError
from ..models import JourneyMap, MapEvent
from ..permissions import When, Who
from .log import lock_map, record
from .registry import OPERATIONS, operation
from .states import State, capture_like, restore, subjects
from .summary import describe, touched

UNDO, REDO = "undo", "redo"

# Who may make each kind of change, and when: what a person must still be allowed to do to
# undo or redo it. Map settings and personas are changed on the map's pages only.
_MADE_BY = {
    "touchpoint.added": "touchpoint.add",
    "touchpoint.updated": "touchpoint.update",
    "touchpoint.moved": "touchpoint.move",
    "touchpoint.deleted": "touchpoint.delete",
    "group.added": "group.add",
    "group.renamed": "group.rename",
    "group.deleted": "group.delete",
    "stage.added": "stage.add",
    "stage.updated": "stage.update",
    "stage.moved": "stage.move",
    "stage.deleted": "stage.delete",
    "action.added": "action.add",
    "action.updated": "action.update",
    "action.deleted": "action.delete",
}

# A check of the person's right to make a change of this kind now: raises OperationError.
MayCheck = Callable[[Who, When], None]

Person = tuple[str, int | None]


def rights_for(event_type: str) -> tuple[Who, When]:
    """Who may make a change of `event_type`, and when (its operation's declaration)."""
    name = _MADE_BY.get(event_type)
    if name is None:  # map.updated, persona.updated: the facilitator's, or an editor's
        return Who.FACILITATOR, When.EDITING
    declared = OPERATIONS[name]
    return declared.who, declared.when


def person(actor: Actor) -> Person:
    if actor.user is not None and getattr(actor.user, "is_authenticated", False):
        return ("account", actor.user.pk)
    if actor.participant_id is not None:
        return ("guest", actor.participant_id)
    return ("system", None)


def event_person(event: MapEvent) -> Person:
    if event.actor_id is not None:
        return ("account", event.actor_id)
    if event.actor_participant is not None:
        return ("guest", event.actor_participant)
    return ("system", None)


def own_events(map_id: int, actor: Actor) -> QuerySet[MapEvent]:
    """The person's events on the map that undo and redo look at, newest first."""
    events = MapEvent.objects.filter(map_id=map_id, before__isnull=False)
    who, pk = person(actor)
    if who == "account":
        events = events.filter(actor_id=pk)
    elif who == "guest":
        events = events.filter(actor__isnull=True, actor_participant=pk)
    else:
        return events.none()
    return events.order_by("-revision").defer("before")


# A walk reads the person's events in pages of this many, newest first: nearly every walk ends
# within its first few events.
WALK_PAGE = 50


def _walk(events: QuerySet[MapEvent]) -> Iterator[MapEvent]:
    """`events` (newest first) page by page, each page after the last one's revision. Not
    `.iterator()`: on PostgreSQL that opens a server-side cursor, several round trips for
    each walk, and every websocket's hello walks twice (its Undo and Redo buttons): a fifth
    of a join storm's CPU (bench/capacity.py's profile of connecting)."""
    older_than: int | None = None
    while True:
        page = events if older_than is None else events.filter(revision__lt=older_than)
        found = list(page[:WALK_PAGE])
        yield from found
        if len(found) < WALK_PAGE:
            return
        older_than = found[-1].revision


def undo_target(map_id: int, actor: Actor) -> MapEvent | None:
    """The change `actor` would undo now: their latest change not undone yet."""
    return _undo_in(_walk(own_events(map_id, actor)))


def redo_target(map_id: int, actor: Actor) -> MapEvent | None:
    """The undo `actor` would redo now: their latest undo not redone, if no change of theirs
    came after it."""
    return _redo_in(_walk(own_events(map_id, actor)))


def _undo_in(events: Iterable[MapEvent]) -> MapEvent | None:
    skip = 0
    for event in events:
        if event.type == UNDO:
            skip += 1
        elif skip:
            skip -= 1
        else:
            return event
    return None


def _redo_in(events: Iterable[MapEvent]) -> MapEvent | None:
    skip = 0
    for event in events:
        if event.type == REDO:
            skip += 1
        elif event.type != UNDO:
            return None
        elif skip:
            skip -= 1
        else:
            return event
    return None


class _Replayable:
    """One walk of the log that two readers can each go through from the start: the pages are
    read once, when the first reader needs them."""

    def __init__(self, events: Iterator[MapEvent]) -> None:
        self.events = events
        self.read: list[MapEvent] = []

    def __iter__(self) -> Iterator[MapEvent]:
        index = 0
        while True:
            if index == len(self.read):
                following = next(self.events, None)
                if following is None:
                    return
                self.read.append(following)
            yield self.read[index]
            index += 1


def original_type(event: MapEvent) -> str:
    """The kind of change an event is, or undoes or redoes."""
    return event.payload.get("original", "") if event.type in (UNDO, REDO) else event.type


def stack_state(map_id: int, actor: Actor) -> dict[str, str | None]:
    """What the person's Undo and Redo would do now, in words (None: nothing)."""
    # One walk for both (every websocket's hello asks): its first page usually answers both.
    walk = _Replayable(_walk(own_events(map_id, actor)))
    to_undo, to_redo = _undo_in(walk), _redo_in(walk)
    return {
        "undo": _label(to_undo) if to_undo is not None else None,
        "redo": _label(to_redo) if to_redo is not None else None,
    }


def _label(event: MapEvent) -> str:
    if event.type in (UNDO, REDO):
        return event.payload.get("summary", "")
    return describe(event)


@operation("undo", who=Who.EDITORS, when=When.ANYTIME, reverts=True)
def undo(
    actor: Actor, journey_map: JourneyMap, *, op_id: str | None = None, may: MayCheck | None = None
) -> MapEvent:
    """Undo the actor's latest change on this map that is not undone yet."""
    return _revert(actor, journey_map, UNDO, op_id, may)


@operation("redo", who=Who.EDITORS, when=When.ANYTIME, reverts=True)
def redo(
    actor: Actor, journey_map: JourneyMap, *, op_id: str | None = None, may: MayCheck | None = None
) -> MapEvent:
    """Make again the change the actor undid last, unless they changed something since."""
    return _revert(actor, journey_map, REDO, op_id, may)


def _revert(
    actor: Actor, journey_map: JourneyMap, kind: str, op_id: str | None, may: MayCheck | None
) -> MapEvent:
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        find = undo_target if kind == UNDO else redo_target
        target = find(locked.pk, actor)
        if target is None:
            raise OperationError(f"nothing_to_{kind}", f"You have nothing to {kind} on this map.")
        original = original_type(target)
        if may is not None:
            may(*rights_for(original))
        state: State = MapEvent.objects.values_list("before", flat=True).get(pk=target.pk)
        _refuse_if_changed_since(locked.pk, target, actor, subjects(state))
        overwritten = capture_like(locked.pk, state)
        try:
            changes = restore(locked, state)
        except OperationError as refused:
            raise _blamed(locked.pk, target, refused) from None
        summary = _label(target)
        payload = {
            "of": target.revision,
            "original": original,
            "summary": summary,
            **changes.payload(),
        }
        event = record(locked, actor, kind, payload, op_id, overwritten)
        if changes.persona is not None:
            _tell_other_maps(locked.pk, changes.persona, actor)
        return event


def _later_events(map_id: int, target: MapEvent) -> Iterator[MapEvent]:
    later = MapEvent.objects.filter(map_id=map_id, revision__gt=target.revision)
    return later.order_by("-revision").iterator(chunk_size=200)


def _refuse_if_changed_since(map_id: int, target: MapEvent, actor: Actor, wanted: set[str]) -> None:
    """Refuse when someone else changed any object the undo would put back, after `target`."""
    mine = person(actor)
    wanted = wanted | {f"{key}:notes" for key in wanted if key.startswith("stages:")}
    for event in _later_events(map_id, target):
        if event_person(event) == mine:
            continue
        if event.type == "map.restored" or wanted & touched(event):
            raise _conflict(event)


def _blamed(map_id: int, target: MapEvent, refused: OperationError) -> OperationError:
    """A restore's refusal, naming who made the change in the way when the log says."""
    subject = refused.details.get("subject", "")
    for event in _later_events(map_id, target):
        if subject in touched(event):
            return _conflict(event, refused.message)
    return refused


def _conflict(event: MapEvent, why: str = "") -> OperationError:
    who = event.actor_name or "Someone"
    said = f"{who} {describe(event)} since"
    reason = why or "Undoing would overwrite their change."
    return OperationError(
        "conflict", f"Not possible: {said}. {reason}", by=who, revision=event.revision
    )


def _tell_other_maps(map_id: int, persona_id: int, actor: Actor) -> None:
    """A persona is shared by the maps showing it: the others hear it changed (their boards
    show the persona), without an undo of their own."""
    for other in JourneyMap.objects.filter(persona_id=persona_id).exclude(pk=map_id):
        record(lock_map(other.pk), actor, "persona.updated", {"persona": persona_id})
