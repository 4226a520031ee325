"""The event log: every operation's transaction locks the map, takes the next revision, appends
a MapEvent and publishes it to the map's group after commit (journeymap.realtime), never on
rollback. `run_once` makes a resent client operation idempotent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from django.db import IntegrityError, connection
from django.db.models import Model, QuerySet
from django.utils import timezone

from journeymap import realtime

from .. import rows
from ..errors import Actor, OperationError
from ..models import NAME_MAX, JourneyMap, MapEvent

M = TypeVar("M", bound=Model)

MAP_EVENT = "map.event"  # the channel-layer message type map events travel as


MAP_NOT_FOUND = "This map no longer exists."


def one_or_none(queryset: QuerySet[M]) -> M | None:
    """The row a lookup by a unique key finds, or None. Unlike .first(), with no ORDER BY:
    the models' default orderings cost a sort per lookup (MapEvent's a join too), and these
    lookups run several times for every operation of a live room."""
    return next(iter(queryset.order_by()[:1]), None)


def lock_map(map_id: int) -> JourneyMap:
    """The map row, locked for this transaction: operations on one map are serialised."""
    journey_map = one_or_none(JourneyMap.objects.select_for_update().filter(pk=map_id))
    if journey_map is None:
        raise OperationError("not_found", MAP_NOT_FOUND)
    return journey_map


def claim_revision(map_id: int, now: datetime) -> int:
    """Lock the map row, take its next revision and stamp it updated `now`, in one statement.

    Moves on one map queue on this lock, so every round trip made while holding it limits the
    whole room: a note move takes the lock this way (lock_map's SELECT … FOR UPDATE and an
    UPDATE would be two). The value goes through the backend's adapter, as the ORM's would:
    SQLite stores naive UTC text, and a raw aware datetime would be stored with "+00:00"."""
    quote = connection.ops.quote_name
    table, pk = quote(JourneyMap._meta.db_table), quote(JourneyMap._meta.pk.column)
    with rows.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET revision = revision + 1, updated_at = %s "  # noqa: S608 (our table)
            f"WHERE {pk} = %s RETURNING revision",
            [connection.ops.adapt_datetimefield_value(now), map_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise OperationError("not_found", MAP_NOT_FOUND)
    return row[0]


def record(
    journey_map: JourneyMap,
    actor: Actor,
    event_type: str,
    payload: dict[str, Any],
    op_id: str | None = None,
    before: dict[str, Any] | None = None,
) -> MapEvent:
    """Bump the revision, append the event, schedule its broadcast. Inside the transaction,
    with the map locked (lock_map). `before`: the state an undo puts back (operations.states),
    None for what cannot be undone."""
    journey_map.updated_at = timezone.now()
    journey_map.revision = claim_revision(journey_map.pk, journey_map.updated_at)
    return append_event(
        journey_map.pk, journey_map.revision, actor, event_type, payload, op_id, before
    )


def append_event(
    map_id: int,
    revision: int,
    actor: Actor,
    event_type: str,
    payload: dict[str, Any],
    op_id: str | None = None,
    before: dict[str, Any] | None = None,
    alongside: tuple[str, list[Any]] | None = None,
) -> MapEvent:
    """Append the event of `revision` (already taken: record, claim_revision) and schedule its
    broadcast. Inside the transaction. `alongside`: the operation's own last statement, run
    with the INSERT (maps.rows.insert)."""
    event = MapEvent(
        map_id=map_id,
        revision=revision,
        type=event_type,
        payload=payload,
        actor=actor.user if actor.user is not None and actor.user.is_authenticated else None,
        actor_name=actor.name[:NAME_MAX],
        actor_participant=actor.participant_id,
        op_id=op_id or None,
        before=before,
    )
    rows.insert(event, alongside)  # every operation's statement: written out (maps.rows)
    message = event.as_message()
    publish_on_commit(map_id, message)
    return event


def group_name(map_id: int) -> str:
    return f"map.{map_id}"


def publish_on_commit(map_id: int, message: dict[str, Any]) -> None:
    """Send a map event to everyone on the map once the transaction commits. A lost send
    loses no data: clients notice the revision gap on the next event (or reconnect) and fetch
    what they missed."""
    realtime.publish_on_commit(
        group_name(map_id), message, MAP_EVENT, rooms=True, extra={"revision": message["revision"]}
    )


def run_once(
    map_id: int, op_id: str | None, operation: Callable[[], MapEvent], actor: Actor
) -> tuple[MapEvent, bool]:
    """Apply `operation` unless `actor` already applied an operation with `op_id` to this map.

    Returns the event and whether it is new. The log is not searched first, since nearly every
    operation is new: a resend applied again meets the unique (map, op_id) constraint when it
    appends its event, and its transaction rolls back whole; one that no longer applies (its
    note deleted since, its text edit now a conflict) is refused. Either way the log is
    searched then, and the operation applied before is the answer. An op_id someone else used
    is refused: it is no resend of theirs.
    """
    try:
        return operation(), True
    except (IntegrityError, OperationError):
        existing = applied_event(map_id, op_id, actor) if op_id else None
        if existing is None:
            raise
        return existing, False


def applied_event(map_id: int, op_id: str, actor: Actor) -> MapEvent | None:
    """The event of the operation `op_id` that `actor` applied to this map, if they did.
    An op_id that someone else used on this map is refused (`invalid`, field `op_id`)."""
    event = one_or_none(MapEvent.objects.filter(map_id=map_id, op_id=op_id))
    if event is not None and event.actor_participant != actor.participant_id:
        raise OperationError(
            "invalid", "That op_id is another person's operation: use a new one.", field="op_id"
        )
    return event
