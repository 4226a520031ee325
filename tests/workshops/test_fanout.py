"""workshops/fanout.py: one channel-layer subscription per process and map hands each event to
every local connection, in order, one frame per tick and at most one per interval; a broken
connection does not starve the others; the last one to leave ends the subscription."""

from __future__ import annotations

import asyncio
import itertools
import json

import pytest
from channels.layers import channel_layers

from journeymap.realtime import publish
from workshops import fanout
from workshops.layers import RoomChannelLayer

pytestmark = pytest.mark.asyncio

GROUP = "map.41"


class Screen:
    """A connection as the room sees it: something with an async send."""

    def __init__(self, broken: bool = False) -> None:
        self.frames: list[str] = []
        self.broken = broken

    async def send(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.broken:
            raise ConnectionError("gone")
        self.frames.append(text_data)

    def events(self) -> list[int]:
        revisions = []
        for frame in self.frames:
            message = json.loads(frame)
            batch = message["events"] if message["type"] == "events" else [message]
            revisions.extend(event["revision"] for event in batch)
        return revisions


def event(revision: int) -> dict:
    return {"type": "map.event", "text": json.dumps({"type": "event", "revision": revision})}


async def settle() -> None:
    await asyncio.sleep(fanout.FRAME_INTERVAL + fanout.EVENT_TICK * 4)


async def test_every_local_connection_gets_each_event_once_in_order():
    layer = RoomChannelLayer()
    screens = [Screen() for _ in range(3)]
    room = None
    for screen in screens:
        room = await fanout.join(layer, GROUP, screen)
    assert len(layer.groups[GROUP]) == 1  # one subscription for all three
    for revision in range(1, 6):
        await layer.group_send(GROUP, event(revision))
    await settle()
    for screen in screens:
        assert screen.events() == [1, 2, 3, 4, 5]
    for screen in screens:
        await fanout.leave(room, screen)


async def test_events_of_one_tick_go_out_as_one_frame_encoded_once():
    layer = RoomChannelLayer()
    first, second = Screen(), Screen()
    room = await fanout.join(layer, GROUP, first)
    await fanout.join(layer, GROUP, second)
    for revision in (7, 8, 9):
        await layer.group_send(GROUP, event(revision))
    await settle()
    assert len(first.frames) == 1
    assert json.loads(first.frames[0])["type"] == "events"
    assert first.frames[0] is second.frames[0]  # the same string object: encoded once
    await fanout.leave(room, first)
    await fanout.leave(room, second)


class TimedScreen(Screen):
    def __init__(self) -> None:
        super().__init__()
        self.sent_at: list[float] = []

    async def send(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        self.sent_at.append(asyncio.get_running_loop().time())
        await super().send(text_data)


async def test_a_steady_stream_goes_out_at_most_one_frame_per_interval():
    layer = RoomChannelLayer()
    screen = TimedScreen()
    room = await fanout.join(layer, GROUP, screen)
    for revision in range(1, 41):  # an event every 2 ms for 80 ms
        await layer.group_send(GROUP, event(revision))
        await asyncio.sleep(0.002)
    await settle()
    assert screen.events() == list(range(1, 41))
    gaps = [b - a for a, b in itertools.pairwise(screen.sent_at)]
    assert len(screen.frames) >= 2 and min(gaps) >= fanout.FRAME_INTERVAL * 0.9
    await fanout.leave(room, screen)


async def test_an_event_after_a_quiet_spell_waits_only_a_tick(monkeypatch):
    # With an hour between frames, only the first event of the room can have gone out: it
    # waited a tick, not the interval; the next one waits for the interval.
    monkeypatch.setattr(fanout, "FRAME_INTERVAL", 3600.0)
    layer = RoomChannelLayer()
    screen = Screen()
    room = await fanout.join(layer, GROUP, screen)
    await layer.group_send(GROUP, event(1))
    await asyncio.sleep(fanout.EVENT_TICK * 4)
    await layer.group_send(GROUP, event(2))
    await asyncio.sleep(fanout.EVENT_TICK * 4)
    assert screen.events() == [1]
    await fanout.leave(room, screen)


async def test_a_broken_connection_does_not_starve_the_others():
    layer = RoomChannelLayer()
    broken, fine = Screen(broken=True), Screen()
    room = await fanout.join(layer, GROUP, broken)
    await fanout.join(layer, GROUP, fine)
    await layer.group_send(GROUP, event(1))
    await settle()
    assert fine.events() == [1]
    await fanout.leave(room, broken)
    await fanout.leave(room, fine)


async def test_the_last_one_to_leave_ends_the_subscription_and_a_newcomer_starts_one():
    layer = RoomChannelLayer()
    screen = Screen()
    room = await fanout.join(layer, GROUP, screen)
    await fanout.leave(room, screen)
    assert GROUP not in layer.groups
    await asyncio.sleep(0)
    assert room.reader.cancelled()
    again = Screen()
    new_room = await fanout.join(layer, GROUP, again)
    assert new_room is not room
    await layer.group_send(GROUP, event(3))
    await settle()
    assert again.events() == [3] and screen.events() == []
    await fanout.leave(new_room, again)


async def test_renew_joins_the_group_again_after_the_layer_forgot_it():
    layer = RoomChannelLayer()
    screen = Screen()
    room = await fanout.join(layer, GROUP, screen)
    layer.groups.pop(GROUP)  # a restarted Redis forgets every group
    await layer.group_send(GROUP, event(1))
    await room.renew()
    await layer.group_send(GROUP, event(2))
    await settle()
    assert screen.events() == [2]  # 1 was lost with the group; clients heal it by revision
    await fanout.leave(room, screen)


async def test_a_room_reads_on_after_the_layer_fails_once(monkeypatch):
    layer = RoomChannelLayer()
    real_receive = layer.receive
    failures = [ConnectionError("redis restarting")]

    async def flaky_receive(channel):
        if failures:
            raise failures.pop()
        return await real_receive(channel)

    monkeypatch.setattr(layer, "receive", flaky_receive)
    monkeypatch.setattr(fanout, "READ_RETRY", 0.01)
    screen = Screen()
    room = await fanout.join(layer, GROUP, screen)
    await asyncio.sleep(0.05)
    await layer.group_send(GROUP, event(4))
    await settle()
    assert screen.events() == [4]
    await fanout.leave(room, screen)


async def test_other_messages_on_the_room_channel_are_ignored():
    layer = RoomChannelLayer()
    screen = Screen()
    room = await fanout.join(layer, GROUP, screen)
    await layer.group_send(GROUP, {"type": "workshop.event", "text": "{}"})
    await layer.group_send(GROUP, {"type": "map.event"})  # no text
    await layer.group_send(GROUP, event(5))
    await settle()
    assert screen.events() == [5]
    await fanout.leave(room, screen)


async def test_a_broadcast_from_the_operations_layer_reaches_the_room(monkeypatch):
    layer = RoomChannelLayer()
    monkeypatch.setitem(channel_layers.backends, "default", layer)
    screen = Screen()
    room = await fanout.join(layer, GROUP, screen)
    publish(GROUP, {"type": "event", "revision": 12}, "map.event")
    await settle()
    assert screen.events() == [12]
    await fanout.leave(room, screen)
