"""Map events to every open board of this process, read from the channel layer once.

Channels' way gives each connection its own channel in the map's group: an event to a room of 50
is 50 layer messages, and each is received, dispatched and batched by its own consumer. That
per-connection work, not the database, was most of a move's cost (bench/live_room.py). Here one
subscription per process and map (a `Room`) receives each event once, gathers the events of a
tick into one frame, encodes it once, and hands the same text to each local connection.

Ordering and loss are as before: a connection gets the events in the order the layer delivered
them to the room, and anything the layer drops shows as a revision gap the client heals with
`sync` (docs/protocol.md). With several processes behind Redis each process has its own room.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import Any, Protocol

logger = logging.getLogger(__name__)

# Events that reach a room within this long (seconds) of the first go out in one frame.
EVENT_TICK = 0.005
# While events keep coming, a room sends at most one frame this often (seconds): a burst of 100
# moves a second goes out as one frame of about two events every 20 ms, not one frame per
# event, which halves the sends, each a trip through Channels, daphne and autobahn per
# connection (bench/live_room.py). A room quiet this long sends its next event after EVENT_TICK.
FRAME_INTERVAL = 0.02
# After a failed read from the channel layer, try again this much later (seconds).
READ_RETRY = 0.5


class Member(Protocol):
    async def send(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """A websocket connection: AsyncWebsocketConsumer.send."""


class Room:
    """This process's connections to one map's group, and the one channel that feeds them."""

    def __init__(self, layer: Any, group: str) -> None:
        self.layer = layer
        self.group = group
        self.members: dict[Member, None] = {}  # a dict keeps joining order
        self.pending: list[str] = []
        self.flusher: asyncio.Task | None = None
        self.last_frame = float("-inf")  # loop time of the last frame sent
        self.channel: str | None = None
        self.opened: asyncio.Task = asyncio.ensure_future(self._open())
        self.reader: asyncio.Task | None = None

    async def _open(self) -> None:
        self.channel = await self.layer.new_channel()
        await self.layer.group_add(self.group, self.channel)
        self.reader = asyncio.ensure_future(self._read())

    async def renew(self) -> None:
        """Join the group again: a restarted Redis forgets every group (consumers' pings)."""
        await self.opened
        await self.layer.group_add(self.group, self.channel)

    async def _read(self) -> None:
        while True:
            try:
                envelope = await self.layer.receive(self.channel)
            except Exception:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise  # closing: the layer turned our cancellation into its own error
                # Redis gone for a moment: keep reading once it is back. What was lost shows
                # as a revision gap, and the consumers' pings re-join the group.
                logger.warning("Room %s could not read; retrying", self.group, exc_info=True)
                await asyncio.sleep(READ_RETRY)
                continue
            text = envelope.get("text")
            if envelope.get("type") != "map.event" or not isinstance(text, str):
                logger.warning("Room %s ignored a %r message", self.group, envelope.get("type"))
                continue
            self.pending.append(text)
            if self.flusher is None:
                self.flusher = asyncio.ensure_future(self._flush())

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        await asyncio.sleep(max(EVENT_TICK, self.last_frame + FRAME_INTERVAL - loop.time()))
        self.last_frame = loop.time()
        events, self.pending, self.flusher = self.pending, [], None
        if not events:
            return
        frame = events[0] if len(events) == 1 else batch(events)
        for member in list(self.members):
            try:
                await member.send(text_data=frame)
            except Exception:  # a connection closing under us must not starve the others
                logger.warning("Room %s could not send to a connection", self.group, exc_info=True)

    async def close(self) -> None:
        tasks = [task for task in (self.flusher, self.reader) if task is not None]
        for task in tasks:
            task.cancel()
        # Wait for the reader to stop: channels-redis keeps per-process receive state that an
        # abandoned receive() would leave behind for the next room.
        await asyncio.gather(*tasks, return_exceptions=True)
        if self.channel is not None:
            await self.layer.group_discard(self.group, self.channel)


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


async def join(layer: Any, group: str, member: Member) -> Room:
    """Add `member` to this process's room for `group`; events committed from now on reach it."""
    rooms = _loop_rooms()
    room = rooms.get((id(layer), group))
    if room is None:
        room = rooms[(id(layer), group)] = Room(layer, group)
    room.members[member] = None
    try:
        await room.opened
    except Exception:
        room.members.pop(member, None)
        if rooms.get((id(layer), group)) is room:
            del rooms[(id(layer), group)]
        raise
    return room


async def leave(room: Room, member: Member) -> None:
    room.members.pop(member, None)
    if room.members:
        return
    rooms = _loop_rooms()
    if rooms.get((id(room.layer), room.group)) is room:
        del rooms[(id(room.layer), room.group)]
    await room.close()
