"""The live board's websocket: one connection per browser tab of a workshop member.

Thin by design (docs/protocol.md is the contract): it authenticates the member, checks each
message's size, JSON shape and rate, runs the registered handler in a database thread after the
role / phase / lock gate, answers with an ack or an error, and forwards workshop messages (map
events reach it through this process's room for the map, workshops/fanout.py). Presence (who is
online, who drags or edits which note) travels through the channel layer only: it is ephemeral
and never written to the database.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from asgiref.sync import SyncToAsync
from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.db import InterfaceError, close_old_connections, connections
from django.db import OperationalError as DBOperationalError

from journeymap.realtime import publishing_on, room_layer, to_wire
from maps.models import JourneyMap, MapEvent, Stage, Touchpoint
from maps.operations import Operation, OperationError, group_name, one_or_none
from maps.serializers import map_snapshot

from . import (
    facilitation,  # noqa: F401  (declares the facilitation and vote operations)
    fanout,
    gate,
)
from .access import (
    count_code_miss,
    find_participant,
    find_workshop,
    guessing_codes,
)
from .facilitation import hello_state
from .gate import Context
from .models import Participant
from .notify import participant_group, workshop_group

logger = logging.getLogger(__name__)

# A message larger than this is refused unread. The longest legitimate one is a stage update
# with every lane at its 2000-character limit (about 9 KB of JSON, more with escaped text).
MAX_MESSAGE_CHARS = 32_768
# Operation ids: client-generated, at most 64 characters (MapEvent.op_id), printable ASCII.
OP_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
# Token bucket per connection: a person never sends more than a few operations a second, plus
# drag positions the client throttles to 10 a second. Bursts (a keyboard held down) are fine.
RATE_PER_SECOND = 30.0
RATE_BURST = 60.0
# Drag positions are relayed at most this often per connection; the rest are dropped.
DRAG_INTERVAL = 0.1
# A client further behind than this gets a snapshot instead of the events it missed.
SYNC_EVENT_LIMIT = 500
# Group memberships are renewed on a ping at most this often (see _renew_groups).
GROUP_RENEW_INTERVAL = 5.0
# After a database connection error, connections are health-checked before use this long.
CAREFUL_SECONDS = 30.0


class OrmThread(SyncToAsync):
    """Channels' database_sync_to_async, minus a health check per message.

    That one calls close_old_connections() around every call, and each call re-arms Django's
    CONN_HEALTH_CHECKS: the next query first sends SELECT 1, a round trip and ORM work for
    every websocket message on PostgreSQL (a single daphne's 100 moves/s burst took 2.9 s to
    catch up with it, under 1 s without). Here a connection is looked at after a call only
    when it had an error or outlived CONN_MAX_AGE. After a connection error, every call checks
    its thread's connection first for CAREFUL_SECONDS: a restart or failover cut the other
    threads' connections too, and the consumer retries the failed operation once
    (bench/faults.py, fault c).
    """

    careful_until = 0.0

    def thread_handler(self, loop: Any, *args: Any, **kwargs: Any) -> Any:
        if time.monotonic() < OrmThread.careful_until:
            close_old_connections()  # re-arms the health check of this thread's connections
        try:
            return super().thread_handler(loop, *args, **kwargs)
        except (DBOperationalError, InterfaceError):
            OrmThread.careful_until = time.monotonic() + CAREFUL_SECONDS
            raise
        finally:
            now = time.monotonic()
            for conn in connections.all(initialized_only=True):
                if conn.errors_occurred or (conn.close_at is not None and now >= conn.close_at):
                    conn.close_if_unusable_or_obsolete()


# Reads and gate checks run in a pool of threads, not Channels' single shared one: a slow sync
# of one connection does not hold up everyone else's messages. Operations run on their map's
# thread (operation_thread, below).
in_db_thread = partial(OrmThread, thread_sensitive=False)
# Operations on one map wait for each other anyway (SQLite has one writer; PostgreSQL queues on
# the map's row lock). Run from a pool, they also took turns at the GIL around every query and a
# burst of moves crawled (bench/live_room.py). So each map's operations run one after another
# on one thread of this process; on PostgreSQL other maps' go on in parallel on the others.
_OPERATION_THREADS = [
    ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"operations-{n}")
    for n in range(1 if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") else 4)
]


def operation_thread(map_id: int) -> ThreadPoolExecutor:
    return _OPERATION_THREADS[map_id % len(_OPERATION_THREADS)]


# WebSocket close codes (4000-4999 are the application's): the client stops reconnecting.
CLOSE_NOT_A_MEMBER = 4403
CLOSE_UNKNOWN_WORKSHOP = 4404


class TokenBucket:
    def __init__(self, rate: float, burst: float) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


def error(code: str, message: str, op_id: str | None = None, **details: Any) -> dict[str, Any]:
    return {"type": "error", "op_id": op_id, "code": code, "message": message, **details}


class BoardConsumer(AsyncWebsocketConsumer):
    """ws/w/<code>/: the live board of one workshop."""

    workshop_id: int
    map_id: int
    participant_id: int
    me: dict[str, Any]

    async def connect(self) -> None:
        self.groups_joined: list[str] = []
        self.connection = uuid.uuid4().hex[:12]
        self.bucket = TokenBucket(RATE_PER_SECOND, RATE_BURST)
        self.last_drag = 0.0
        self.last_refusal = 0.0
        self.groups_renewed = time.monotonic()
        self.checked_ids: tuple[int, int | None] | None = None
        self.room: fanout.Room | None = None
        self.loop = asyncio.get_running_loop()  # where this connection's broadcasts are sent
        code = self.scope["url_route"]["kwargs"]["code"]
        found = await self._authenticate(code)
        if isinstance(found, int):
            # Accept-then-close so the browser sees our close code (a refused handshake shows
            # only as 1006), and stops reconnecting to a workshop it cannot enter.
            await self.accept()
            await self.close(code=found)
            return
        participant = found
        self.workshop_id = participant.workshop_id
        self.map_id = participant.workshop.map_id
        self.participant_id = participant.pk
        self.me = {
            "id": participant.pk,
            "name": participant.display_name,
            "colour": participant.colour,
            "role": participant.role,
        }
        # Map events come through this process's room for the map (workshops/fanout.py);
        # workshop and personal messages through this connection's own channel.
        self.room = await fanout.join(room_layer(), group_name(self.map_id), self)
        for group in (workshop_group(self.workshop_id), participant_group(self.participant_id)):
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_joined.append(group)
        await self.accept()
        await self.send_json(await self._hello())
        await self.channel_layer.group_send(
            workshop_group(self.workshop_id),
            {
                "type": "presence.join",
                "connection": self.connection,
                "reply_to": self.channel_name,
                "participant": self.me,
            },
        )

    async def disconnect(self, code: int) -> None:
        if getattr(self, "room", None) is not None:
            room, self.room = self.room, None
            await fanout.leave(room, self)
        if not getattr(self, "groups_joined", None):
            return
        await self.channel_layer.group_send(
            workshop_group(self.workshop_id),
            {"type": "presence.leave", "connection": self.connection, "participant": self.me},
        )
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)
        self.groups_joined = []

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' dispatch, minus its close_old_connections before every message: that is a
        hop to a database thread per message, and a room of 50 gets 50 of them per event. The
        ORM work here runs through in_db_thread, which closes stale connections itself."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    # --- client → server -------------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not self.bucket.take():
            await self._refuse_flood()
            return
        if text_data is None:
            await self.send_json(error("invalid", "Messages are JSON text, not binary."))
            return
        if len(text_data) > MAX_MESSAGE_CHARS:
            await self.send_json(
                error("too_large", f"Messages are limited to {MAX_MESSAGE_CHARS} characters.")
            )
            return
        try:
            data = json.loads(text_data)
        except (ValueError, RecursionError):  # RecursionError: "[[[[…" nested thousands deep
            await self.send_json(error("bad_json", "That message is not valid JSON."))
            return
        if not isinstance(data, dict) or not isinstance(data.get("type"), str):
            await self.send_json(error("invalid", 'A message is a JSON object with a "type".'))
            return
        await self._dispatch(data)

    async def _dispatch(self, data: dict[str, Any]) -> None:
        kind = data["type"]
        if kind == "ping":
            await self._renew_groups()
            await self.send_json({"type": "pong", "revision": await self._revision()})
        elif kind == "sync":
            await self._send_events_since(data)
        elif kind == "snapshot":
            await self.send_json(await self._snapshot())
        elif kind == "drag":
            await self._drag(data)
        elif kind == "focus":
            await self._focus(data)
        elif (operation := gate.find(kind)) is not None:
            await self._operation(operation, data)
        else:
            await self.send_json(
                error("unknown_type", "Unknown message type.", _op_id(data), message_type=kind[:40])
            )

    async def _operation(self, operation: Operation, data: dict[str, Any]) -> None:
        op_id = data.get("op_id")
        if not isinstance(op_id, str) or not OP_ID.match(op_id):
            await self.send_json(
                error("invalid", "Every operation needs an op_id (1-64 letters, digits, _.:-).")
            )
            return
        try:
            try:
                extra = await self._run(operation, data)
            except (DBOperationalError, InterfaceError):
                # The database connection died under us (a restarted or failed-over server):
                # the transaction rolled back, and the op_id check makes a second try safe
                # even if the commit had gone through. The retry opens a fresh connection.
                extra = await self._run(operation, data)
        except OperationError as refused:
            await self.send_json(error(refused.code, refused.message, op_id, **refused.details))
            return
        except Exception:
            logger.exception("Operation %s failed", operation.name)
            await self.send_json(
                error("server_error", "Something went wrong; nothing changed.", op_id)
            )
            return
        await self.send_json({"type": "ack", "op_id": op_id, **(extra or {})})

    async def _renew_groups(self) -> None:
        """Join this connection's groups again (idempotent). A restarted Redis forgets every
        group: without this, a connection that survived the restart would stay open but deaf
        (the fault run found 8 of 19). The browser pings every 10 s, so it hears again soon."""
        now = time.monotonic()
        if now - self.groups_renewed < GROUP_RENEW_INTERVAL:
            return
        self.groups_renewed = now
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        if self.room is not None:
            await self.room.renew()

    async def _refuse_flood(self) -> None:
        # One error a second at most: answering every message of a flood would be a flood.
        now = time.monotonic()
        if now - self.last_refusal >= 1.0:
            self.last_refusal = now
            await self.send_json(
                error("rate_limited", "Too many messages: slow down; some were not applied.")
            )

    async def _send_events_since(self, data: dict[str, Any]) -> None:
        since = data.get("since")
        if isinstance(since, bool) or not isinstance(since, int) or since < 0:
            await self.send_json(error("invalid", "sync needs since: a revision (0 or more)."))
            return
        await self.send_json(await self._events_since(since))

    async def _drag(self, data: dict[str, Any]) -> None:
        """Ephemeral drag positions: relayed (throttled), never stored."""
        now = time.monotonic()
        if now - self.last_drag < DRAG_INTERVAL:
            return
        touchpoint, stage, index = data.get("touchpoint"), data.get("stage"), data.get("index")
        if not all(_is_id(v) for v in (touchpoint, stage)) or not _is_index(index):
            await self.send_json(error("invalid", "drag needs touchpoint, stage and index."))
            return
        if not await self._on_this_map(touchpoint, stage):
            await self.send_json(error("not_found", "That note is not on this map."))
            return
        self.last_drag = now
        await self._presence(
            "presence.drag", {"touchpoint": touchpoint, "stage": stage, "index": index}
        )

    async def _focus(self, data: dict[str, Any]) -> None:
        """Who is on which note: `activity` is "dragging" or "editing"; touchpoint null ends it."""
        touchpoint, activity = data.get("touchpoint"), data.get("activity")
        if touchpoint is not None and not _is_id(touchpoint):
            await self.send_json(error("invalid", "focus needs a touchpoint id or null."))
            return
        if activity not in ("dragging", "editing", None):
            await self.send_json(error("invalid", 'activity is "dragging" or "editing".'))
            return
        if touchpoint is not None and not await self._on_this_map(touchpoint, None):
            await self.send_json(error("not_found", "That note is not on this map."))
            return
        await self._presence("presence.focus", {"touchpoint": touchpoint, "activity": activity})

    async def _presence(self, kind: str, fields: dict[str, Any]) -> None:
        """Relay a drag position or focus to the others, encoded once for all of them."""
        message = {
            "type": kind.removeprefix("presence."),
            "connection": self.connection,
            "participant": self.me,
            **fields,
        }
        await self.channel_layer.group_send(
            workshop_group(self.workshop_id),
            {"type": kind, "connection": self.connection, "text": to_wire(message)},
        )

    # --- server → client -------------------------------------------------------------------

    async def workshop_event(self, envelope: dict[str, Any]) -> None:
        await self.send(text_data=envelope["text"])

    async def presence_join(self, event: dict[str, Any]) -> None:
        if event["connection"] == self.connection:
            return
        await self.send_json(_presence_message("join", event))
        # Tell the newcomer we are here too: presence needs no shared storage, so it works the
        # same with one process or several behind Redis.
        await self.channel_layer.send(
            event["reply_to"],
            {"type": "presence.here", "connection": self.connection, "participant": self.me},
        )

    async def presence_here(self, event: dict[str, Any]) -> None:
        await self.send_json(_presence_message("here", event))

    async def presence_leave(self, event: dict[str, Any]) -> None:
        if event["connection"] != self.connection:
            await self.send_json(_presence_message("leave", event))

    async def presence_drag(self, event: dict[str, Any]) -> None:
        if event["connection"] != self.connection:
            await self.send(text_data=event["text"])

    presence_focus = presence_drag

    async def send_json(self, content: dict[str, Any]) -> None:
        await self.send(text_data=to_wire(content))

    # --- database work (in a thread) -------------------------------------------------------

    @in_db_thread
    def _authenticate(self, code: str) -> Participant | int:
        workshop = find_workshop(code)
        if workshop is None:
            # Unknown codes count against the address, as on the join page. Past the limit an
            # unknown code closes like a known one without a membership (4403), so the close
            # code no longer tells which codes exist. Members never touch the cache here (a
            # cache client per connection would cost a Redis connection each).
            address = (self.scope.get("client") or ["unknown"])[0]
            if guessing_codes(address):
                return CLOSE_NOT_A_MEMBER
            count_code_miss(address)
            return CLOSE_UNKNOWN_WORKSHOP
        participant = find_participant(
            workshop, self.scope.get("user"), self.scope.get("cookies", {})
        )
        return participant if participant is not None else CLOSE_NOT_A_MEMBER

    @in_db_thread
    def _hello(self) -> dict[str, Any]:
        participant = Participant.objects.select_related("workshop__map").get(
            pk=self.participant_id
        )
        workshop = participant.workshop
        return {
            "type": "hello",
            "connection": self.connection,
            "participant": self.me,
            "workshop": {
                "id": workshop.pk,
                "code": workshop.join_code,
                "phase": workshop.phase,
                "locked": workshop.locked,
            },
            "map": self.map_id,
            "revision": workshop.map.revision,
            # Phase, timer, budget, this participant's own votes, the heat once revealed.
            "facilitation": hello_state(workshop, participant),
        }

    async def _run(self, operation: Operation, data: dict[str, Any]) -> dict[str, Any]:
        allowed = await self._gate(operation, data)
        if not isinstance(allowed, Context):
            return allowed  # the ack of an operation applied before
        # Only the operation itself waits its turn on the map's thread (operation_thread): the
        # check above ran alongside other connections' operations.
        apply = OrmThread(
            self._apply, thread_sensitive=False, executor=operation_thread(self.map_id)
        )
        return await apply(operation, allowed, data)

    @in_db_thread
    def _gate(self, operation: Operation, data: dict[str, Any]) -> Context | dict[str, Any]:
        return gate.admit(operation, self.participant_id, data["op_id"])

    def _apply(self, operation: Operation, ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
        with publishing_on(self.loop):
            return gate.run(operation, ctx, data)

    @in_db_thread
    def _revision(self) -> int | None:
        # The pong carries the map's revision: a client that missed a broadcast (a restarted
        # channel layer drops them) and has nothing pending learns it is behind, and syncs.
        return one_or_none(
            JourneyMap.objects.filter(pk=self.map_id).values_list("revision", flat=True)
        )

    @in_db_thread
    def _snapshot(self) -> dict[str, Any]:
        """The whole board now: how a new client loads it (a map made from a template has
        stages the event log never saw, so replaying `sync` from 0 does not rebuild it)."""
        return {
            "type": "snapshot",
            "snapshot": map_snapshot(JourneyMap.objects.get(pk=self.map_id)),
        }

    @in_db_thread
    def _events_since(self, since: int) -> dict[str, Any]:
        journey_map = JourneyMap.objects.get(pk=self.map_id)
        if since > journey_map.revision:
            # The client is ahead of the server (a restored database): only a snapshot helps.
            return {"type": "snapshot", "snapshot": map_snapshot(journey_map)}
        events = list(
            MapEvent.objects.filter(map_id=self.map_id, revision__gt=since).order_by("revision")[
                : SYNC_EVENT_LIMIT + 1
            ]
        )
        if len(events) > SYNC_EVENT_LIMIT:
            return {"type": "snapshot", "snapshot": map_snapshot(journey_map)}
        return {
            "type": "sync",
            "since": since,
            "revision": events[-1].revision if events else since,
            "events": [event.as_message() for event in events],
        }

    @in_db_thread
    def _on_this_map_db(self, touchpoint: int, stage: int | None) -> bool:
        if not Touchpoint.objects.filter(pk=touchpoint, map_id=self.map_id).exists():
            return False
        if stage is None:
            return True
        return Stage.objects.filter(pk=stage, map_id=self.map_id).exists()

    async def _on_this_map(self, touchpoint: int, stage: int | None) -> bool:
        # A drag sends ten positions a second for one note: check its ids once per note/stage.
        key = (touchpoint, stage)
        if self.checked_ids == key:
            return True
        if await self._on_this_map_db(touchpoint, stage):
            self.checked_ids = key
            return True
        return False


def _presence_message(op: str, event: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "presence",
        "op": op,
        "connection": event["connection"],
        "participant": event["participant"],
    }


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63


def _is_index(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _op_id(data: dict[str, Any]) -> str | None:
    op_id = data.get("op_id")
    return op_id if isinstance(op_id, str) and OP_ID.match(op_id) else None
