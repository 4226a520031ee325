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
from typing import Any

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from django.db import InterfaceError
from django.db import OperationalError as DBOperationalError

from journeymap.ratelimit import scope_client_address
from journeymap.realtime import room_layer, to_wire
from maps.models import JourneyMap, Stage, Touchpoint
from maps.operations import Operation, OperationError, group_name, one_or_none, stack_state
from maps.operations.members import account_group

from . import (
    catchup,
    facilitation,  # noqa: F401  (declares the facilitation and vote operations)
    fanout,
    gate,
    standing,
)
from .access import count_code_miss, find_workshop, guessing_codes
from .facilitation import hello_state
from .gate import Context
from .models import Participant
from .notify import facilitator_group, participant_group, workshop_group
from .standing import CLOSE_NOT_A_MEMBER, CLOSE_UNKNOWN_WORKSHOP, MemberGone
from .threads import in_db_thread, operation_thread, run_in

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
# Group memberships are renewed on a ping at most this often (see _renew_groups).
GROUP_RENEW_INTERVAL = 5.0
# A heartbeat checks in the database that its member may still be here at least this often
# (seconds); in between, its room may answer it (fanout.MapRoom.up_to_date). A removal or a
# changed role is pushed at once (participant.removed, access.changed): this is for a push the
# channel layer lost.
STANDING_RECHECK = 60.0


# Connections' leaving, kept until done (a task nobody refers to may be collected mid-way).
_leaving: set[asyncio.Future] = set()


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
    """ws/workshops/<id>/ (or ws/w/<code>/): the live board of one workshop."""

    workshop_id: int
    map_id: int
    participant_id: int
    me: dict[str, Any]
    # Frames the rooms hand this connection before its hello: sent after it, in order.
    early: list[str] | None = None

    async def __call__(self, scope, receive, send) -> None:
        """Leave the rooms and groups however this connection ends: normally (disconnect), or
        because something raised, which Channels ends without calling disconnect. Before,
        every crashed connection stayed a ghost in presence and in its rooms."""
        try:
            await super().__call__(scope, receive, send)
        finally:
            # Shielded: an ending task may be cancelled, and the room must still be left.
            leaving = asyncio.ensure_future(self._leave())
            _leaving.add(leaving)
            leaving.add_done_callback(_leaving.discard)
            await asyncio.shield(leaving)

    async def connect(self) -> None:
        self.groups_joined: list[str] = []
        self.connection = uuid.uuid4().hex[:12]
        self.bucket = TokenBucket(RATE_PER_SECOND, RATE_BURST)
        self.last_drag = 0.0
        self.last_refusal = 0.0
        self.groups_renewed = time.monotonic()
        self.standing_checked = asyncio.get_running_loop().time()  # connecting checks it
        self.checked_ids: tuple[int, int | None] | None = None
        self.room: fanout.MapRoom | None = None
        self.workshop_room: fanout.WorkshopRoom | None = None
        user = self.scope.get("user")
        self.visitor_id: int | None = (
            user.pk if user is not None and user.is_authenticated else None
        )
        route = self.scope["url_route"]["kwargs"]
        found = await self._authenticate(route.get("code"), route.get("workshop_id"))
        if not isinstance(found, int) and not standing.admit(found.pk, self):
            found = standing.CLOSE_TOO_MANY_CONNECTIONS
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
            "role": participant.role,  # the role it acts with (access.acting_role)
            "guest": participant.user_id is None,
        }
        # Map events, workshop messages and presence come through this process's rooms for the
        # map and the workshop (workshops/fanout.py); one's own votes through this connection's
        # channel in the participant's group, and so does word that an account's rights on a
        # map changed (maps.operations.account_group). The rooms may speak before the hello.
        self.early = []
        self.room = await fanout.join(room_layer(), group_name(self.map_id), self)
        self.workshop_room = await fanout.join_workshop(
            self.channel_layer, workshop_group(self.workshop_id), self
        )
        accounts = {participant.user_id, self.visitor_id} - {None}
        self.groups_joined.append(participant_group(self.participant_id))
        if participant.role == Participant.Role.FACILITATOR:  # the room's progress: theirs only
            self.groups_joined.append(facilitator_group(self.workshop_id))
        self.groups_joined.extend(account_group(user_id) for user_id in sorted(accounts))
        await self._add_to_groups()
        await self.accept()
        hello = await self._hello()
        early, self.early = self.early, None
        await self.send_json(hello)
        for text in early:
            await self.send(text_data=text)
        await self.workshop_room.announce(self)

    async def disconnect(self, code: int) -> None:
        await self._leave()

    async def _leave(self) -> None:
        """Leave rooms and groups (once, whoever calls first: disconnect or __call__)."""
        standing.release(getattr(self, "participant_id", -1), self)
        room, self.room = getattr(self, "room", None), None
        if room is not None:
            await fanout.leave(room, self)
        workshop_room, self.workshop_room = getattr(self, "workshop_room", None), None
        if workshop_room is not None:
            await workshop_room.depart(self)
            await fanout.leave(workshop_room, self)
        groups, self.groups_joined = getattr(self, "groups_joined", []), []
        for group in groups:
            try:
                await self.channel_layer.group_discard(group, self.channel_name)
            except Exception as error:
                fanout.trouble.report("Leaving a participant's group", error)

    async def _add_to_groups(self) -> None:
        for group in self.groups_joined:
            try:
                await self.channel_layer.group_add(group, self.channel_name)
            except Exception as error:
                # Deaf to one's own votes' echo until the next ping joins again.
                fanout.trouble.report("Joining a participant's group", error)

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
        elif kind in ("sync", "snapshot"):
            await self._catch_up(kind, data)
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
        except MemberGone as gone:
            if gone.code != standing.CLOSE_ROLE_CHANGED:
                # Out: the operation is refused for good. (A changed role leaves it unanswered:
                # the reloaded page resends it, to be judged in the new role.)
                message = "You are no longer in this workshop."
                await self.send_json(error("forbidden", message, op_id))
            await self.close(code=gone.code)
            return
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
        await self._add_to_groups()
        for room in (self.room, self.workshop_room):
            if room is not None:
                await room.renew()

    async def _refuse_flood(self) -> None:
        # One error a second at most: answering every message of a flood would be a flood.
        now = time.monotonic()
        if now - self.last_refusal >= 1.0:
            self.last_refusal = now
            await self.send_json(
                error("rate_limited", "Too many messages: slow down; some were not applied.")
            )

    async def _catch_up(self, kind: str, data: dict[str, Any]) -> None:
        since = data.get("since")
        if kind == "sync" and (isinstance(since, bool) or not isinstance(since, int) or since < 0):
            await self.send_json(error("invalid", "sync needs since: a revision (0 or more)."))
            return
        now = asyncio.get_running_loop().time()
        fresh_standing = now - self.standing_checked < STANDING_RECHECK
        if kind == "sync" and fresh_standing and self.room and self.room.up_to_date(since):
            # Nearly every heartbeat: answered without a trip to the database.
            await self.send(text_data=catchup.up_to_date_frame(since))
            return
        answer = await self._read_board(since if kind == "sync" else None)
        if isinstance(answer, int):
            await self.close(code=answer)
            return
        self.standing_checked = now
        if kind == "sync" and self.room is not None and answer == catchup.up_to_date_frame(since):
            self.room.confirm(since, now)
        await self.send(text_data=answer)

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
        # From the relay, not the arrival: the check above may take a while on a busy server,
        # and the positions that queued meanwhile are as stale as the interval says.
        self.last_drag = time.monotonic()
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
        if self.workshop_room is not None:
            await self.workshop_room.relay(self, kind, fields)

    # --- server → client -------------------------------------------------------------------

    async def workshop_event(self, envelope: dict[str, Any]) -> None:
        """A message to this participant's connections (their own votes)."""
        await self.send(text_data=envelope["text"])

    async def participant_removed(self, _envelope: dict[str, Any]) -> None:
        """The facilitator removed this participant (workshops.facilitation): every tab goes."""
        await self.close(code=standing.CLOSE_REMOVED)

    async def access_changed(self, envelope: dict[str, Any]) -> None:
        """An account of this connection was added to, changed on or removed from a map
        (maps.operations.members): if it is this one's, look again at once."""
        if json.loads(envelope["text"]).get("map") != self.map_id:
            return
        out = await self._standing()
        if out is not None:
            await self.close(code=out)

    async def send(
        self, text_data: str | None = None, bytes_data: bytes | None = None, close: bool = False
    ) -> None:
        """Send, or drop if the client has gone: a send racing the client's close raises
        (autobahn's "Attempt to send on a closed protocol"), which used to end the connection
        with a traceback before disconnect could run."""
        if self.early is not None and text_data is not None:
            self.early.append(text_data)
            return
        try:
            if text_data is not None and bytes_data is None and not close:
                # Straight to the server: Channels' two layers of send, a frame at a time, for
                # each of the thousands of frames a second a busy process sends.
                await self.base_send({"type": "websocket.send", "text": text_data})
            else:
                await super().send(text_data=text_data, bytes_data=bytes_data, close=close)
        except Exception as error:
            fanout.trouble.report("Sending to a connection that is closing", error)

    async def send_json(self, content: dict[str, Any]) -> None:
        await self.send(text_data=to_wire(content))

    # --- database work (in a thread) -------------------------------------------------------

    @in_db_thread
    def _authenticate(self, code: str | None, workshop_id: int | None) -> Participant | int:
        """The member this connection speaks for, or a close code. The live page connects by
        the workshop's id, so a new join code leaves its reconnects alone; an unknown id closes
        like a known one without a membership (ids say nothing). Unknown codes are guesses."""
        if workshop_id is not None:
            return standing.enter_by_id(workshop_id, self.scope)
        workshop = find_workshop(code or "")
        if workshop is None:
            # Unknown codes count against the address, as on the join page. Past the limit an
            # unknown code closes like a known one without a membership (4403), so the close
            # code no longer tells which codes exist. Members never touch the cache here (a
            # cache client per connection would cost a Redis connection each).
            address = scope_client_address(self.scope)
            if guessing_codes(address):
                return CLOSE_NOT_A_MEMBER
            count_code_miss(address)
            return CLOSE_UNKNOWN_WORKSHOP
        return standing.enter(workshop, self.scope)

    @in_db_thread
    def _hello(self) -> dict[str, Any]:
        participant = Participant.objects.select_related("workshop__map").get(
            pk=self.participant_id
        )
        participant.role = self.me["role"]  # the role it acts with, never saved
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
            # What their Undo and Redo would do (the stack is the server's: it survives reloads).
            "stack": stack_state(self.map_id, gate.Context.actor_of(participant)),
        }

    async def _run(self, operation: Operation, data: dict[str, Any]) -> dict[str, Any]:
        # One hop: the gate and the operation together, on the map's thread (operation_thread).
        # Two hops (the gate in any thread, then the operation) cost more CPU than the gate's
        # query, and a server with one GIL for all its rooms pays for every hop.
        return await run_in(operation_thread(self.map_id), self._admit_and_apply, operation, data)

    def _admit_and_apply(self, operation: Operation, data: dict[str, Any]) -> dict[str, Any]:
        """Who sends this, and may they now (workshops.gate.admit)? Then the operation."""
        allowed = gate.admit(
            operation, self.participant_id, self.visitor_id, self.me["role"], data["op_id"]
        )
        if not isinstance(allowed, Context):
            return allowed  # the ack of an operation applied before
        return gate.run(operation, allowed, data)

    @in_db_thread
    def _standing(self) -> int | None:
        return standing.standing(self.participant_id, self.visitor_id, self.me["role"])

    @in_db_thread
    def _revision(self) -> int | None:
        # The pong carries the map's revision: a client that missed a broadcast (a restarted
        # channel layer drops them) and has nothing pending learns it is behind, and syncs.
        return one_or_none(
            JourneyMap.objects.filter(pk=self.map_id).values_list("revision", flat=True)
        )

    @in_db_thread
    def _read_board(self, since: int | None) -> str | int:
        """A sync's answer (`since` a revision) or the snapshot (None); or, for a member who
        is out, the code to close with. Reads are gated too: a member removed while a word of
        it was lost stops getting the board at the next heartbeat (every 10 s, a sync). One
        trip to a database thread for both: 2,000 browsers' heartbeats are 200 a second, and
        the trip cost as much as the queries (bench/capacity.py)."""
        out = standing.standing(self.participant_id, self.visitor_id, self.me["role"])
        if out is not None:
            return out
        if since is None:
            journey_map = JourneyMap.objects.get(pk=self.map_id)
            return catchup.snapshot_frame(journey_map, self.workshop_id)
        return catchup.sync_frame(self.map_id, since, self.workshop_id)

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


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63


def _is_index(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _op_id(data: dict[str, Any]) -> str | None:
    op_id = data.get("op_id")
    return op_id if isinstance(op_id, str) and OP_ID.match(op_id) else None
