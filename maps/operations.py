"""The one path for every change to a map.

Every operation, whether it comes from an htmx form, a websocket message, an import or a
management command: validates its input → writes in one transaction with the map row locked →
bumps the map's revision → appends a MapEvent → broadcasts the event to the map's group after
commit (never on rollback). Callers stay thin and get back the MapEvent.

Permissions are the caller's job (maps.permissions, workshops.access): an operation trusts its
actor but never its input.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Coroutine, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from asgiref.sync import async_to_sync
from channels import DEFAULT_CHANNEL_LAYER
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Model, QuerySet
from django.utils import timezone

from . import positions
from .models import (
    DEPARTMENT_MAX,
    LANE_MAX,
    NAME_MAX,
    NOTE_MAX,
    SHORT_MAX,
    Channel,
    JourneyMap,
    MapEvent,
    MapMembership,
    Persona,
    Stage,
    Touchpoint,
    TouchpointGroup,
    ValuePoint,
)
from .serializers import (
    PERSONA_FIELDS,
    STAGE_LANES,
    group_data,
    map_fields,
    stage_data,
    to_wire,
    touchpoint_data,
)

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Actor:
    """Who makes a change: an account, a workshop guest, or the system (imports, seeding)."""

    user: Any = None
    name: str = "system"
    participant_id: int | None = None

    @classmethod
    def for_user(cls, user) -> Actor:
        return cls(user=user, name=user.get_username())


SYSTEM = Actor()


class OperationError(Exception):
    """A refused operation. `code` is stable (docs/protocol.md); `message` is for people."""

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


# --- input validation -----------------------------------------------------------------------
# Input may come from a websocket message: never trust its type, size or shape.


def clean_text(value: Any, field: str, maximum: int, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise OperationError("invalid", f"{field} must be text.", field=field)
    # NUL cannot be stored by PostgreSQL and is never meaningful in a note.
    value = value.replace("\x00", "").strip()
    # JSON can carry lone surrogates ("\ud800"), which no UTF-8 database can store.
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise OperationError("invalid", f"{field} is not valid text.", field=field) from None
    if required and not value:
        raise OperationError("invalid", f"{field} cannot be empty.", field=field)
    if len(value) > maximum:
        raise OperationError(
            "too_long", f"{field} is limited to {maximum} characters.", field=field
        )
    return value


def clean_score(value: Any, field: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise OperationError("invalid", f"{field} must be a whole number from -2 to +2.")
    try:
        score = int(value)
    except ValueError:
        raise OperationError(
            "invalid", f"{field} must be a whole number from -2 to +2.", field=field
        ) from None
    if not -2 <= score <= 2:
        raise OperationError("invalid", f"{field} must be from -2 to +2.", field=field)
    return score


def clean_bool(value: Any, field: str) -> bool:
    if isinstance(value, bool):
        return value
    raise OperationError("invalid", f"{field} must be true or false.", field=field)


def clean_choice(value: Any, field: str, choices: Iterable[str]) -> str:
    if not isinstance(value, str) or value not in set(choices):
        raise OperationError("invalid", f"{field} is not one of the allowed values.", field=field)
    return value


def clean_percent(value: Any, field: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise OperationError("invalid", f"{field} must be a percentage.", field=field) from None
    if isinstance(value, bool) or not 0 <= number <= 100:
        raise OperationError("invalid", f"{field} must be from 0 to 100.", field=field)
    return number


def clean_id(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise OperationError("invalid", f"{field} must be an id.", field=field)
    return value


# --- the transaction, the event and the broadcast -------------------------------------------

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
    with connection.cursor() as cursor:
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
) -> MapEvent:
    """Bump the revision, append the event, schedule its broadcast. Inside the transaction,
    with the map locked (lock_map)."""
    journey_map.updated_at = timezone.now()
    journey_map.revision = claim_revision(journey_map.pk, journey_map.updated_at)
    return append_event(journey_map.pk, journey_map.revision, actor, event_type, payload, op_id)


def append_event(
    map_id: int,
    revision: int,
    actor: Actor,
    event_type: str,
    payload: dict[str, Any],
    op_id: str | None = None,
) -> MapEvent:
    """Append the event of `revision` (already taken: record, claim_revision) and schedule its
    broadcast. Inside the transaction."""
    event = MapEvent.objects.create(
        map_id=map_id,
        revision=revision,
        type=event_type,
        payload=payload,
        actor=actor.user if actor.user is not None and actor.user.is_authenticated else None,
        actor_name=actor.name[:NAME_MAX],
        op_id=op_id or None,
    )
    message = event.as_message()
    transaction.on_commit(lambda: broadcast(map_id, message))
    return event


def group_name(map_id: int) -> str:
    return f"map.{map_id}"


# The channel layer that carries map events when settings configure one (with Redis: pub/sub),
# else the default layer.
ROOMS = "rooms"


def room_layer() -> Any:
    return get_channel_layer(ROOMS if ROOMS in settings.CHANNEL_LAYERS else DEFAULT_CHANNEL_LAYER)


_pending_sends: set[asyncio.Task] = set()
# The event loop that broadcasts from this thread are handed to (see publishing_on).
_publisher = threading.local()


@contextmanager
def publishing_on(loop: asyncio.AbstractEventLoop) -> Iterator[None]:
    """In a worker thread of `loop`: broadcasts are handed to `loop` and not waited for.

    The websocket consumer runs operations in worker threads. Waiting for each broadcast
    (async_to_sync) held the thread, and on SQLite the one writer's turn, until the busy event
    loop got round to it: the room's moves queued behind its own deliveries
    (bench/live_room.py). Handed over in commit order, they are sent in that order."""
    previous = getattr(_publisher, "loop", None)
    _publisher.loop = loop
    try:
        yield
    finally:
        _publisher.loop = previous


def broadcast(map_id: int, message: dict[str, Any]) -> None:
    """Send a map event to everyone on the map. A failure here loses no data: clients notice
    the revision gap on the next event (or reconnect) and fetch what they missed."""
    broadcast_to_group(group_name(map_id), message, envelope_type="map.event", layer=room_layer())


def broadcast_to_group(
    group: str, message: dict[str, Any], envelope_type: str = "workshop.event", layer: Any = None
) -> None:
    """Send `message` to a channel-layer group, encoded once as the websocket's text: the
    consumer batches `map.event` envelopes per tick and forwards `workshop.event` ones as
    they are, without decoding or encoding again per connection."""
    layer = layer or get_channel_layer()
    if layer is None:
        return
    envelope = {"type": envelope_type, "text": to_wire(message)}
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    try:
        if running is not None:
            # Called from a thread that runs an event loop (e.g. a test driving a browser):
            # async_to_sync cannot be used there, so the send is scheduled on that loop.
            _spawn(layer.group_send(group, envelope))
        elif getattr(_publisher, "loop", None) is not None:
            _publisher.loop.call_soon_threadsafe(_spawn, layer.group_send(group, envelope))
        else:
            async_to_sync(layer.group_send)(group, envelope)
    except Exception:
        logger.exception("Broadcast to %s failed: %s", group, message.get("type"))


def _spawn(send: Coroutine[Any, Any, None]) -> None:
    """Run a group send on the running loop, keeping a reference until it is done."""
    task = asyncio.get_running_loop().create_task(send)
    _pending_sends.add(task)
    task.add_done_callback(_sent)


def _sent(task: asyncio.Task) -> None:
    _pending_sends.discard(task)
    if not task.cancelled() and task.exception() is not None:
        logger.error("Broadcast failed", exc_info=task.exception())


def run_once(
    map_id: int, op_id: str | None, operation: Callable[[], MapEvent]
) -> tuple[MapEvent, bool]:
    """Apply `operation` unless an operation with `op_id` was already applied to this map.

    Returns the event and whether it is new. The log is not searched first, since nearly every
    operation is new: a resend applied again meets the unique (map, op_id) constraint when it
    appends its event, and its transaction rolls back whole; one that no longer applies (its
    note deleted since, its text edit now a conflict) is refused. Either way the log is
    searched then, and the operation applied before is the answer.
    """
    try:
        return operation(), True
    except (IntegrityError, OperationError):
        existing = applied_event(map_id, op_id) if op_id else None
        if existing is None:
            raise
        return existing, False


def applied_event(map_id: int, op_id: str) -> MapEvent | None:
    """The event of the operation `op_id` applied to this map, if it was."""
    return one_or_none(MapEvent.objects.filter(map_id=map_id, op_id=op_id))


# --- personas (not map-scoped: they have no event log of their own) ------------------------

PERSONA_LIMITS = {
    "name": NAME_MAX,
    "role": NAME_MAX,
    "quote": SHORT_MAX,
    "social_class": NAME_MAX,
    "purchase_frequency": NAME_MAX,
}


def clean_persona_fields(fields: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for field, value in fields.items():
        if field not in PERSONA_FIELDS:
            raise OperationError("invalid", f"Unknown persona field {field!r}.")
        if field == "buyer_type":
            cleaned[field] = clean_choice(value or "", field, Persona.BuyerType.values)
        else:
            limit = PERSONA_LIMITS.get(field, LANE_MAX)
            cleaned[field] = clean_text(value, field, limit, required=field == "name")
    return cleaned


def create_persona(owner, **fields: Any) -> Persona:
    cleaned = clean_persona_fields(fields)
    if "name" not in cleaned:
        raise OperationError("invalid", "name cannot be empty.", field="name")
    return Persona.objects.create(owner=owner, **cleaned)


def update_persona(actor: Actor, persona: Persona, **fields: Any) -> list[MapEvent]:
    """Change a persona; every map showing it gets a map.updated event so boards refresh."""
    cleaned = clean_persona_fields(fields)
    events = []
    with transaction.atomic():
        for name, value in cleaned.items():
            setattr(persona, name, value)
        persona.save()
        for map_id in persona.maps.values_list("pk", flat=True):
            journey_map = lock_map(map_id)
            events.append(record(journey_map, actor, "persona.updated", {"persona": persona.pk}))
    return events


# --- maps -----------------------------------------------------------------------------------


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
        else:
            raise OperationError("invalid", f"Unknown map field {field!r}.")
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        for name, value in cleaned.items():
            setattr(locked, name, value)
        locked.save()
        return record(locked, actor, "map.updated", map_fields(locked), op_id)


# --- stages ---------------------------------------------------------------------------------


def clean_stage_fields(fields: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for field, value in fields.items():
        if field == "name":
            cleaned[field] = clean_text(value, "stage name", NAME_MAX, required=True)
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


def get_stage(journey_map: JourneyMap, stage_id: Any) -> Stage:
    """A stage of this map; ids of another map's stages are refused like unknown ones."""
    stage = one_or_none(Stage.objects.filter(pk=clean_id(stage_id, "stage"), map=journey_map))
    if stage is None:
        raise OperationError("not_found", STAGE_NOT_FOUND)
    return stage


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
        position = positions.key_for_index(keys, len(keys) if index is None else index)
        stage = Stage.objects.create(map=locked, position=position, **cleaned)
        return record(locked, actor, "stage.added", {"stage": stage_data(stage)}, op_id)


def update_stage(
    actor: Actor, journey_map: JourneyMap, stage_id: Any, *, op_id: str | None = None, **fields: Any
) -> MapEvent:
    cleaned = clean_stage_fields(fields)
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        stage = get_stage(locked, stage_id)
        if "loops_back_to" in fields:
            cleaned["loops_back_to"] = _loop_target(locked, stage, fields["loops_back_to"])
        for name, value in cleaned.items():
            setattr(stage, name, value)
        stage.save()
        return record(locked, actor, "stage.updated", {"stage": stage_data(stage)}, op_id)


def _loop_target(journey_map: JourneyMap, stage: Stage, target_id: Any) -> Stage | None:
    """A stage may loop back only to an earlier stage of the same map."""
    if target_id in (None, ""):
        return None
    target = get_stage(journey_map, target_id)
    if target.position >= stage.position:
        raise OperationError("invalid", "A stage can only loop back to an earlier stage.")
    return target


def move_stage(
    actor: Actor, journey_map: JourneyMap, stage_id: Any, *, index: Any, op_id: str | None = None
) -> MapEvent:
    if isinstance(index, bool) or not isinstance(index, int):
        raise OperationError("invalid", "index must be a whole number.")
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        stage = get_stage(locked, stage_id)
        keys = list(
            locked.stages.exclude(pk=stage.pk)
            .order_by("position")
            .values_list("position", flat=True)
        )
        stage.position = positions.key_for_index(keys, index)
        stage.save(update_fields=["position"])
        payload = {"id": stage.pk, "position": stage.position}
        return record(locked, actor, "stage.moved", payload, op_id)


def delete_stage(
    actor: Actor,
    journey_map: JourneyMap,
    stage_id: Any,
    *,
    move_notes_to: Any = None,
    delete_notes: bool = False,
    op_id: str | None = None,
) -> MapEvent:
    """Delete a stage. A stage holding notes must say where they go (`move_notes_to`, they are
    appended there) or that they go too (`delete_notes`): a note is never lost by accident."""
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        stage = get_stage(locked, stage_id)
        moved: list[dict[str, Any]] = []
        if move_notes_to not in (None, ""):
            target = get_stage(locked, move_notes_to)
            if target.pk == stage.pk:
                raise OperationError("invalid", "Notes cannot move to the stage being deleted.")
            moved = _append_notes(stage, target)
        elif not delete_notes and stage.touchpoints.exists():
            raise OperationError(
                "stage_not_empty", "This stage holds notes: say where they go, or delete them."
            )
        deleted = list(stage.touchpoints.values_list("pk", flat=True))
        payload = {"id": stage.pk, "moved_touchpoints": moved, "deleted_touchpoints": deleted}
        stage.delete()
        return record(locked, actor, "stage.deleted", payload, op_id)


def _append_notes(source: Stage, target: Stage) -> list[dict[str, Any]]:
    last = target.touchpoints.order_by("-position").values_list("position", flat=True).first()
    notes = list(source.touchpoints.order_by("position", "id"))
    for note, key in zip(notes, positions.keys_after(last, len(notes)), strict=True):
        note.stage = target
        note.position = key
    Touchpoint.objects.bulk_update(notes, ["stage", "position"])
    return [{"id": n.pk, "stage": target.pk, "position": n.position} for n in notes]


# --- touchpoints ----------------------------------------------------------------------------


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
        elif field != "group":  # the group is resolved against the map by the caller
            raise OperationError("invalid", f"Unknown touchpoint field {field!r}.", field=field)
    return cleaned


NOTE_NOT_FOUND = "That note is not on this map (it may have been deleted)."
STAGE_NOT_FOUND = "That stage is not on this map."


def get_touchpoint(journey_map: JourneyMap, touchpoint_id: Any) -> Touchpoint:
    touchpoint = one_or_none(
        Touchpoint.objects.filter(pk=clean_id(touchpoint_id, "touchpoint"), map=journey_map)
    )
    if touchpoint is None:
        raise OperationError("not_found", NOTE_NOT_FOUND)
    return touchpoint


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
        position = positions.key_for_index(keys, len(keys) if index is None else index)
        touchpoint = Touchpoint.objects.create(
            map=locked,
            stage=target,
            position=position,
            group=get_group(locked, group) if group not in (None, "") else None,
            **cleaned,
        )
        payload = {"touchpoint": touchpoint_data(touchpoint)}
        return record(locked, actor, "touchpoint.added", payload, op_id)


def update_touchpoint(
    actor: Actor,
    journey_map: JourneyMap,
    touchpoint_id: Any,
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
        touchpoint = get_touchpoint(locked, touchpoint_id)
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
            )
        if "text" in cleaned and cleaned["text"] != touchpoint.text:
            touchpoint.version += 1
        for name, value in cleaned.items():
            setattr(touchpoint, name, value)
        touchpoint.save()
        payload = {"touchpoint": touchpoint_data(touchpoint)}
        return record(locked, actor, "touchpoint.updated", payload, op_id)


def move_touchpoint(
    actor: Actor,
    journey_map: JourneyMap,
    touchpoint_id: Any,
    *,
    stage: Any,
    index: Any,
    op_id: str | None = None,
) -> MapEvent:
    """Put a note at `index` among the other notes of `stage`. The server picks the key, so
    concurrent moves end in the same order everywhere."""
    if isinstance(index, bool) or not isinstance(index, int):
        raise OperationError("invalid", "index must be a whole number.")
    note_id = clean_id(touchpoint_id, "touchpoint")
    stage_id = clean_id(stage, "stage")
    # The live room's most frequent operation, and moves on one map queue on its lock, so it
    # makes four statements under the lock: take the revision, read the stage's notes' keys
    # (which also proves the stage is on the map), one UPDATE that also proves the note is, and
    # the event.
    with transaction.atomic():
        now = timezone.now()
        revision = claim_revision(journey_map.pk, now)
        keys = stage_keys(journey_map.pk, stage_id, without=note_id)
        position = positions.key_for_index(keys, index)
        moved = Touchpoint.objects.filter(pk=note_id, map_id=journey_map.pk).update(
            stage_id=stage_id, position=position, updated_at=now
        )
        if not moved:
            raise OperationError("not_found", NOTE_NOT_FOUND)
        payload = {"id": note_id, "stage": stage_id, "position": position}
        return append_event(journey_map.pk, revision, actor, "touchpoint.moved", payload, op_id)


def stage_keys(map_id: int, stage_id: int, *, without: int) -> list[str]:
    """The order keys of a stage's notes other than `without`, in order, in one query; a
    stage not on the map is not found. (The stage LEFT JOIN its notes: an empty stage is one
    row of NULLs, no row at all means no such stage here.)"""
    rows = list(
        Stage.objects.filter(pk=stage_id, map_id=map_id)
        .order_by()
        .values_list("touchpoints__pk", "touchpoints__position")
    )
    if not rows:
        raise OperationError("not_found", STAGE_NOT_FOUND)
    # Sorted here, not by the database: the key alphabet sorts the same in both (positions.py).
    return sorted(key for pk, key in rows if pk is not None and pk != without)


def delete_touchpoint(
    actor: Actor, journey_map: JourneyMap, touchpoint_id: Any, *, op_id: str | None = None
) -> MapEvent:
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        touchpoint = get_touchpoint(locked, touchpoint_id)
        payload = {"id": touchpoint.pk, "touchpoint": touchpoint_data(touchpoint)}
        touchpoint.delete()
        return record(locked, actor, "touchpoint.deleted", payload, op_id)


# --- groups ---------------------------------------------------------------------------------


def get_group(journey_map: JourneyMap, group_id: Any) -> TouchpointGroup:
    group = one_or_none(
        TouchpointGroup.objects.filter(pk=clean_id(group_id, "group"), map=journey_map)
    )
    if group is None:
        raise OperationError("not_found", "That group is not on this map.")
    return group


def add_group(
    actor: Actor,
    journey_map: JourneyMap,
    *,
    name: str,
    touchpoints: Iterable[Any] = (),
    op_id: str | None = None,
) -> MapEvent:
    """A named group, optionally gathering notes at once (the group phase's main gesture)."""
    name = clean_text(name, "group name", NAME_MAX, required=True)
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        if locked.groups.filter(name=name).exists():
            raise OperationError("duplicate", f"There is already a group called {name!r}.")
        group = TouchpointGroup.objects.create(map=locked, name=name)
        members = [get_touchpoint(locked, tp) for tp in touchpoints]
        for member in members:
            member.group = group
        Touchpoint.objects.bulk_update(members, ["group"])
        payload = {"group": group_data(group), "touchpoints": [m.pk for m in members]}
        return record(locked, actor, "group.added", payload, op_id)


def rename_group(
    actor: Actor, journey_map: JourneyMap, group_id: Any, *, name: str, op_id: str | None = None
) -> MapEvent:
    name = clean_text(name, "group name", NAME_MAX, required=True)
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        group = get_group(locked, group_id)
        if locked.groups.filter(name=name).exclude(pk=group.pk).exists():
            raise OperationError("duplicate", f"There is already a group called {name!r}.")
        group.name = name
        group.save(update_fields=["name"])
        return record(locked, actor, "group.renamed", {"group": group_data(group)}, op_id)


def delete_group(
    actor: Actor, journey_map: JourneyMap, group_id: Any, *, op_id: str | None = None
) -> MapEvent:
    """Ungroup: the group goes, its notes stay."""
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        group = get_group(locked, group_id)
        members = list(group.touchpoints.values_list("pk", flat=True))
        payload = {"id": group.pk, "touchpoints": members}
        group.delete()
        return record(locked, actor, "group.deleted", payload, op_id)


# --- the editor's map-level operations ------------------------------------------------------


def step_touchpoint(
    actor: Actor,
    journey_map: JourneyMap,
    touchpoint_id: Any,
    direction: str,
    *,
    op_id: str | None = None,
) -> MapEvent:
    """Move a note one step: `up`/`down` within its stage, `previous`/`next` to the neighbouring
    stage at the same row (clamped). The keyboard's way of moving; one touchpoint.moved event."""
    if direction not in ("up", "down", "previous", "next"):
        raise OperationError("invalid", "A note moves up, down, or to the previous or next stage.")
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        touchpoint = get_touchpoint(locked, touchpoint_id)
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


def step_stage(
    actor: Actor,
    journey_map: JourneyMap,
    stage_id: Any,
    direction: str,
    *,
    op_id: str | None = None,
) -> MapEvent:
    """Move a stage one place left (`previous`) or right (`next`) along the spine."""
    if direction not in ("previous", "next"):
        raise OperationError("invalid", "A stage moves to the previous or next place.")
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        stage = get_stage(locked, stage_id)
        spine = list(locked.stages.order_by("position", "id").values_list("pk", flat=True))
        index = spine.index(stage.pk) + (-1 if direction == "previous" else 1)
        if not 0 <= index < len(spine):
            edge = "first" if direction == "previous" else "last"
            raise OperationError("invalid", f"{stage.name} is already the {edge} stage.")
        return move_stage(actor, locked, stage.pk, index=index, op_id=op_id)


def _copy_board(source: JourneyMap, target: JourneyMap) -> None:
    """Copy stages (with lanes and loops), groups and touchpoints of `source` into `target`."""
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
    Touchpoint.objects.bulk_create(
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
        for note in source.touchpoints.all()
    )


def duplicate_map(actor: Actor, source: JourneyMap, *, title: str | None = None) -> JourneyMap:
    """A new map (owned by the actor) with the source's persona, scope, state and whole board.
    Its one event is map.created; the source map is not changed and gets no event."""
    title = title if title is not None else f"Copy of {source.title}"[:NAME_MAX]
    with transaction.atomic():
        copy = create_map(
            actor,
            title=title,
            persona=source.persona,
            scope=source.scope,
            state=source.state,
            source_map=source.source_map,
        )
        _copy_board(source, copy)
    return copy


def create_future_state(actor: Actor, current: JourneyMap) -> JourneyMap:
    """The future-state map of a current-state map: a copy of its board, linked by source_map
    so the two can be compared. Its one event is map.created (payload names the source)."""
    if current.state != JourneyMap.State.CURRENT:
        raise OperationError("invalid", "A future-state map is made from a current-state map.")
    title = f"{current.title} (future state)"[:NAME_MAX]
    with transaction.atomic():
        future = create_map(
            actor,
            title=title,
            persona=current.persona,
            scope=current.scope,
            state=JourneyMap.State.FUTURE,
            source_map=current,
        )
        _copy_board(current, future)
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
        transaction.on_commit(lambda: broadcast(map_id, message))
    return message


def delete_persona(persona: Persona) -> None:
    """Delete a persona nobody's map uses; a persona in use is refused, never silently unset."""
    in_use = persona.maps.count()
    if in_use:
        maps = "a map" if in_use == 1 else f"{in_use} maps"
        raise OperationError(
            "in_use",
            f"{persona.name} is the persona of {maps}: give those maps another persona first.",
        )
    persona.delete()


# --- members --------------------------------------------------------------------------------

MEMBER_ROLES = (MapMembership.Role.EDITOR, MapMembership.Role.VIEWER)


def _member_data(membership: MapMembership) -> dict[str, Any]:
    return {
        "user": membership.user_id,
        "username": membership.user.get_username(),
        "role": membership.role,
    }


def add_member(actor: Actor, journey_map: JourneyMap, user, role: str) -> MapEvent:
    role = clean_choice(role, "role", MEMBER_ROLES)
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        if locked.memberships.filter(user=user).exists():
            raise OperationError("duplicate", f"{user.get_username()} is already a member.")
        membership = MapMembership.objects.create(map=locked, user=user, role=role)
        return record(locked, actor, "member.added", _member_data(membership))


def _get_membership(journey_map: JourneyMap, user_id: Any) -> MapMembership:
    membership = (
        journey_map.memberships.select_related("user")
        .filter(user_id=clean_id(user_id, "user"))
        .first()
    )
    if membership is None:
        raise OperationError("not_found", "That person is not a member of this map.")
    if membership.role == MapMembership.Role.OWNER:
        raise OperationError("invalid", "The owner's role cannot be changed or removed.")
    return membership


def change_member_role(actor: Actor, journey_map: JourneyMap, user_id: Any, role: str) -> MapEvent:
    role = clean_choice(role, "role", MEMBER_ROLES)
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        membership = _get_membership(locked, user_id)
        membership.role = role
        membership.save(update_fields=["role"])
        return record(locked, actor, "member.updated", _member_data(membership))


def remove_member(actor: Actor, journey_map: JourneyMap, user_id: Any) -> MapEvent:
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        membership = _get_membership(locked, user_id)
        payload = _member_data(membership)
        membership.delete()
        return record(locked, actor, "member.removed", payload)


# --- import ---------------------------------------------------------------------------------


def import_map(actor: Actor, document: Any) -> tuple[JourneyMap, MapEvent]:
    """A new map, owned by the actor, from a JSON export (maps.export.json_io).

    The whole document is checked first and every problem reported (DocumentInvalid, an
    OperationError with `errors`); then everything is written in one transaction, ending with
    the map's two events: map.created, then map.imported with what was created.
    """
    # Imported here: json_io builds on this module's cleaners.
    from .export.json_io import clean_document, write_document

    if actor.user is None:
        raise OperationError("invalid", "An imported map needs an owner account.")
    cleaned = clean_document(document)
    with transaction.atomic():
        persona = None
        if cleaned.persona is not None:
            persona = Persona.objects.create(owner=actor.user, **cleaned.persona)
        journey_map = JourneyMap.objects.create(
            title=cleaned.map["title"],
            scope=cleaned.map["scope"],
            state=cleaned.map["state"],
            persona=persona,
            created_by=actor.user,
        )
        MapMembership.objects.create(
            map=journey_map, user=actor.user, role=MapMembership.Role.OWNER
        )
        counts = write_document(journey_map, cleaned)
        record(journey_map, actor, "map.created", map_fields(journey_map))
        event = record(journey_map, actor, "map.imported", {"created": counts})
    return journey_map, event


def import_touchpoints(
    actor: Actor, journey_map: JourneyMap, rows: list[dict[str, Any]]
) -> list[MapEvent]:
    """Add notes from a spreadsheet (maps.export.csv_io) at the end of their stages.

    Each row names its stage by name; every row is checked first, and one refused row refuses
    them all (OperationError `invalid_rows` with `errors`, each naming its line). Groups named
    in the rows are created when the map has none of that name. Each note gets the event an
    added note gets, so open boards show them at once.
    """
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        stages = {stage.name: stage for stage in locked.stages.order_by("position", "id")}
        groups = {group.name: group for group in locked.groups.all()}
        errors: list[str] = []
        cleaned: list[tuple[Stage, str, dict[str, Any]]] = []
        for row in rows:
            line = row.get("line", "?")
            stage = stages.get(row.get("stage", ""))
            if stage is None:
                errors.append(f"line {line}: stage {row.get('stage', '')!r} is not on this map")
            try:
                fields = clean_touchpoint_fields(
                    {
                        k: row[k]
                        for k in ("text", "channel", "department", "critical", "internal")
                        if k in row
                    }
                )
                group = clean_text(row.get("group", ""), "group name", NAME_MAX)
            except OperationError as problem:
                errors.append(f"line {line}: {problem.message}")
                continue
            if "text" not in fields:
                errors.append(f"line {line}: text cannot be empty.")
            if stage is not None and "text" in fields:
                cleaned.append((stage, group, fields))
        if errors:
            raise OperationError(
                "invalid_rows", f"{len(errors)} row(s) cannot be imported.", errors=errors
            )
        events = []
        for stage, group_name, fields in cleaned:
            group = groups.get(group_name) if group_name else None
            if group_name and group is None:
                group = groups[group_name] = TouchpointGroup.objects.create(
                    map=locked, name=group_name
                )
                payload = {"group": group_data(group), "touchpoints": []}
                events.append(record(locked, actor, "group.added", payload))
            last = stage.touchpoints.order_by("-position").values_list("position", flat=True)
            position = positions.key_between(last.first(), None)
            touchpoint = Touchpoint.objects.create(
                map=locked, stage=stage, position=position, group=group, **fields
            )
            payload = {"touchpoint": touchpoint_data(touchpoint)}
            events.append(record(locked, actor, "touchpoint.added", payload))
        return events
