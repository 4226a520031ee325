"""Rooms: one channel-layer subscription per process for each map and each workshop, shared by
all of that process's connections to it.

Channels' way gives each connection its own channel in a group: a message to a room of 50 is
50 layer messages, each received, dispatched and encoded by its own consumer, and with Redis
all of a process's channels share one inbox list with one capacity, so a join storm of a few
workshops filled it (ChannelFull, issue 15). Here a process's `Room` for a group receives each
message once and hands the same text to each local connection:

- a `MapRoom` (group `map.<id>`, on the room layer) gathers the events of a tick into one frame
  (below); anything the layer drops shows as a revision gap the client heals with `sync`;
- a `WorkshopRoom` (group `workshop.<id>`, on the default layer) forwards workshop messages
  (phase, timer, heat) and carries presence: who is here is the union of every process's local
  roster. A newcomer is announced once to the group; each process tells its own connections
  and answers the newcomer's process with one roster message. A storm of n joins is O(n)
  layer messages per process, not O(n²) (docs/protocol.md, "presence").

A layer failure (a full channel, Redis gone, a connection that closed under us) is handled
where it happens: logged once per burst with a count (`trouble`), never raised into a
connection, which heals from revisions, pings and reconnects.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from typing import Any, Protocol

from journeymap.realtime import to_wire

logger = logging.getLogger(__name__)

# Events that reach a room within this long (seconds) of the first go out in one frame.
EVENT_TICK = 0.005
# While events keep coming, a room sends at most one frame this often (seconds): a burst of 100
# moves a second goes out as one frame of about two events every 20 ms, not one frame per
# event, which halves the sends, each a trip through Channels, daphne and autobahn per
# connection (bench/live_room.py). A room quiet this long sends its next event after EVENT_TICK.
FRAME_INTERVAL = 0.02
# After a failed read from, or subscription to, the channel layer, try again this much later.
READ_RETRY = 0.5
OPEN_RETRY_MAX = 5.0
# A connection joining waits this long at most for its room to be subscribed (normally a few
# milliseconds). With the layer away it goes on without: what it misses heals by revision.
JOIN_WAIT = 2.0
# A room answers a heartbeat "nothing new" itself (MapRoom.up_to_date) for this long after the
# database last confirmed the map's revision; then the next heartbeat asks the database again.
# A broadcast the layer lost therefore heals within this plus one heartbeat, sooner if a later
# event shows the gap.
REVISION_TRUSTED = 5.0


class Trouble:
    """Channel-layer and send failures, logged at WARNING once per burst with a count: a
    storm of them (Redis restarting under 2,000 sockets) must not become a storm of logs."""

    WINDOW = 10.0

    def __init__(self) -> None:
        self.suppressed: dict[str, int] = {}
        self.reported: dict[str, float] = {}

    def report(self, what: str, error: BaseException) -> None:
        now = time.monotonic()
        if now - self.reported.get(what, float("-inf")) < self.WINDOW:
            self.suppressed[what] = self.suppressed.get(what, 0) + 1
            return
        self.reported[what] = now
        more = self.suppressed.pop(what, 0)
        also = f" (and {more} more times in the last {self.WINDOW:.0f} s)" if more else ""
        logger.warning("%s failed: %s: %s%s", what, type(error).__name__, error, also)


trouble = Trouble()


class Member(Protocol):
    """A websocket connection as a room sees it (workshops.consumers.BoardConsumer)."""

    connection: str
    me: dict[str, Any]

    async def send(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """AsyncWebsocketConsumer.send, which never raises for a closed connection."""


class Room:
    """This process's connections to one group, and the one channel that feeds them."""

    def __init__(self, layer: Any, group: str) -> None:
        self.layer = layer
        self.group = group
        self.members: dict[Member, None] = {}  # a dict keeps joining order
        self.channel: str | None = None
        self.reader: asyncio.Task | None = None
        self.opened: asyncio.Task = asyncio.ensure_future(self._open())

    async def _open(self) -> None:
        """Subscribe, retrying while the layer is away: a connection never fails for it."""
        delay = READ_RETRY
        while True:
            try:
                if self.channel is None:
                    self.channel = await self.layer.new_channel()
                await self.layer.group_add(self.group, self.channel)
                break
            except Exception as error:
                trouble.report(f"Subscribing to {self.group.split('.')[0]} rooms", error)
                await asyncio.sleep(delay)
                delay = min(OPEN_RETRY_MAX, delay * 2)
        self.reader = asyncio.ensure_future(self._read())

    async def renew(self) -> None:
        """Join the group again: a restarted Redis forgets every group (consumers' pings)."""
        if not self.opened.done():
            return
        try:
            await self.layer.group_add(self.group, self.channel)
        except Exception as error:
            trouble.report("Renewing a room's subscription", error)

    async def _read(self) -> None:
        while True:
            try:
                envelope = await self.layer.receive(self.channel)
            except Exception as error:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise  # closing: the layer turned our cancellation into its own error
                # Redis gone for a moment: keep reading once it is back. What was lost shows
                # as a revision gap, and the consumers' pings re-join the group.
                trouble.report("Reading a room's channel", error)
                await asyncio.sleep(READ_RETRY)
                continue
            try:
                await self.handle(envelope)
            except Exception:  # a bad message must not end the room for everyone
                logger.exception("Room %s could not handle a %r", self.group, envelope.get("type"))

    async def handle(self, envelope: dict[str, Any]) -> None:
        raise NotImplementedError

    async def deliver(self, text: str, *, skip: str | None = None) -> None:
        """The same text to every local connection (but the one called `skip`)."""
        for member in list(self.members):
            if member.connection == skip:
                continue
            try:
                await member.send(text_data=text)
            except Exception as error:  # one connection's trouble must not starve the others
                trouble.report(f"Sending from room {self.group}", error)

    async def close(self) -> None:
        if not self.opened.done():
            self.opened.cancel()
        tasks = [task for task in (self.opened, self.reader) if task is not None]
        for task in tasks:
            task.cancel()
        # Wait for the reader to stop: channels-redis keeps per-process receive state that an
        # abandoned receive() would leave behind for the next room.
        await asyncio.gather(*tasks, return_exceptions=True)
        if self.channel is not None:
            try:
                await self.layer.group_discard(self.group, self.channel)
            except Exception as error:
                trouble.report("Leaving a room's group", error)


class MapRoom(Room):
    """Map events, a frame per tick (at most one per FRAME_INTERVAL while they keep coming).

    The room also knows the map's revision: the last event it handed on, and when the database
    last confirmed it. 2,000 browsers' heartbeats are 200 `sync`s a second, nearly all of them
    "anything new?" answered "no": within REVISION_TRUSTED of a confirmation the room answers
    that itself, and the database sees one heartbeat per room every few seconds instead of
    one per member (bench/capacity.py, idle CPU)."""

    def __init__(self, layer: Any, group: str) -> None:
        super().__init__(layer, group)
        self.pending: list[str] = []
        self.flusher: asyncio.Task | None = None
        self.last_frame = float("-inf")  # loop time of the last frame sent
        self.revision: int | None = None
        self.revision_changed = float("-inf")  # loop time of the last event's revision
        self.confirmed = float("-inf")  # loop time the database last confirmed a revision

    def up_to_date(self, since: int) -> bool:
        """May a heartbeat at `since` be told "nothing new" without asking the database?"""
        loop = asyncio.get_running_loop()
        return since == self.revision and loop.time() - self.confirmed < REVISION_TRUSTED

    def confirm(self, revision: int, read_at: float) -> None:
        """The database said the map was at `revision` at loop time `read_at` (a heartbeat's
        answer). An event handled since then has a newer revision, and stays the room's."""
        if self.revision_changed <= read_at:
            self.revision = revision
        self.confirmed = max(self.confirmed, read_at)

    async def handle(self, envelope: dict[str, Any]) -> None:
        text = envelope.get("text")
        if envelope.get("type") != "map.event" or not isinstance(text, str):
            logger.warning("Room %s ignored a %r message", self.group, envelope.get("type"))
            return
        revision = envelope.get("revision")
        if isinstance(revision, int):
            self.revision = revision
            self.revision_changed = asyncio.get_running_loop().time()
        self.pending.append(text)
        if self.flusher is None:
            self.flusher = asyncio.ensure_future(self._flush())

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        await asyncio.sleep(max(EVENT_TICK, self.last_frame + FRAME_INTERVAL - loop.time()))
        self.last_frame = loop.time()
        events, self.pending, self.flusher = self.pending, [], None
        for frame in frames(events):
            await self.deliver(frame)

    async def close(self) -> None:
        if self.flusher is not None:
            self.flusher.cancel()
        await super().close()


class WorkshopRoom(Room):
    """Workshop messages and presence for this process's connections to one workshop."""

    async def handle(self, envelope: dict[str, Any]) -> None:
        kind = envelope.get("type")
        if kind == "workshop.event":
            await self.deliver(envelope["text"])
        elif kind in ("presence.drag", "presence.focus"):
            await self.deliver(envelope["text"], skip=envelope["connection"])
        elif kind == "presence.join":
            await self.deliver(presence("join", envelope), skip=envelope["connection"])
            if envelope["reply_to"] != self.channel and self.members:
                await self.send_roster(envelope["reply_to"], envelope["connection"])
        elif kind == "presence.roster":
            await self.tell_roster(envelope["to"], envelope["roster"])
        elif kind == "presence.leave":
            await self.deliver(presence("leave", envelope), skip=envelope["connection"])
        else:
            logger.warning("Room %s ignored a %r message", self.group, kind)

    def roster(self, *, but: str | None = None) -> list[dict[str, Any]]:
        return [
            {"connection": m.connection, "participant": m.me}
            for m in self.members
            if m.connection != but
        ]

    async def send_roster(self, reply_to: str, newcomer: str) -> None:
        message = {"type": "presence.roster", "to": newcomer, "roster": self.roster()}
        try:
            await self.layer.send(reply_to, message)
        except Exception as error:
            trouble.report("Answering a newcomer with this process's roster", error)

    async def tell_roster(self, connection: str, roster: list[dict[str, Any]]) -> None:
        """Tell one local connection who is here, one `here` message per connection."""
        for member in self.members:
            if member.connection == connection:
                for entry in roster:
                    await member.send(text_data=presence("here", entry))
                return

    async def announce(self, member: Member) -> None:
        """`member` arrived: tell it who is here in this process now, and everyone (through the
        group) that it arrived; the other processes answer with their rosters."""
        await self.tell_roster(member.connection, self.roster(but=member.connection))
        await self.opened
        join = {"connection": member.connection, "participant": member.me}
        await self.publish("presence.join", {**join, "reply_to": self.channel})

    async def depart(self, member: Member) -> None:
        await self.publish(
            "presence.leave", {"connection": member.connection, "participant": member.me}
        )

    async def relay(self, member: Member, kind: str, fields: dict[str, Any]) -> None:
        """A drag position or focus from `member`, encoded once for everyone else."""
        message = {
            "type": kind.removeprefix("presence."),
            "connection": member.connection,
            "participant": member.me,
            **fields,
        }
        await self.publish(kind, {"connection": member.connection, "text": to_wire(message)})

    async def publish(self, kind: str, fields: dict[str, Any]) -> None:
        try:
            await self.layer.group_send(self.group, {"type": kind, **fields})
        except Exception as error:
            trouble.report(f"Sending {kind}", error)


def presence(op: str, entry: dict[str, Any]) -> str:
    """A presence message to a browser (docs/protocol.md, "presence")."""
    return to_wire(
        {
            "type": "presence",
            "op": op,
            "connection": entry["connection"],
            "participant": entry["participant"],
        }
    )


# A frame of events is at most this long (characters of ASCII JSON: bytes). An event longer
# than that alone is not sent: the client sees the gap and its `sync` gets a snapshot instead
# (workshops.consumers.FRAME_LIMIT, which this stays under).
FRAME_LIMIT = 192 * 1024


def frames(events: list[str]) -> list[str]:
    """Encoded events as frames of at most FRAME_LIMIT, in order (one event: itself)."""
    result: list[str] = []
    current: list[str] = []
    size = 0
    for event in events:
        if len(event) > FRAME_LIMIT:
            logger.info("An event of %d characters is left to sync", len(event))
            continue
        if current and size + len(event) > FRAME_LIMIT:
            result.append(current[0] if len(current) == 1 else batch(current))
            current, size = [], 0
        current.append(event)
        size += len(event) + 1
    if current:
        result.append(current[0] if len(current) == 1 else batch(current))
    return result


def batch(events: list[str]) -> str:
    """One frame of several encoded events, in order (docs/protocol.md, "events")."""
    return '{"type":"events","events":[' + ",".join(events) + "]}"


# Rooms per event loop: tasks and queues belong to the loop that made them, and tests run many
# loops in one process.
_rooms: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[int, str], Room]] = (
    weakref.WeakKeyDictionary()
)


def _loop_rooms() -> dict[tuple[int, str], Room]:
    return _rooms.setdefault(asyncio.get_running_loop(), {})


async def _join(kind: type[Room], layer: Any, group: str, member: Member) -> Room:
    rooms = _loop_rooms()
    room = rooms.get((id(layer), group))
    if room is None:
        room = rooms[(id(layer), group)] = kind(layer, group)
    room.members[member] = None
    await asyncio.wait({room.opened}, timeout=JOIN_WAIT)
    return room


async def join(layer: Any, group: str, member: Member) -> MapRoom:
    """Add `member` to this process's room for a map's `group`: events that reach the room
    from now on reach it (unless the layer is away: then a gap heals by revision)."""
    room = await _join(MapRoom, layer, group, member)
    assert isinstance(room, MapRoom)
    return room


async def join_workshop(layer: Any, group: str, member: Member) -> WorkshopRoom:
    """Add `member` to this process's room for a workshop's `group` (announce it next)."""
    room = await _join(WorkshopRoom, layer, group, member)
    assert isinstance(room, WorkshopRoom)
    return room


async def leave(room: Room, member: Member) -> None:
    room.members.pop(member, None)
    if room.members:
        return
    rooms = _loop_rooms()
    if rooms.get((id(room.layer), room.group)) is room:
        del rooms[(id(room.layer), room.group)]
    await room.close()
