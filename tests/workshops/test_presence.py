"""Presence and the workshop's rooms (workshops/fanout.py, docs/protocol.md "presence"):
everyone sees everyone across processes, a join storm costs O(n) layer messages per process
instead of O(n²), and no channel-layer failure or crash ever kills a connection or leaves a
ghost behind."""

from __future__ import annotations

import asyncio
import json
from collections import Counter

import pytest
from asgiref.sync import sync_to_async
from channels.exceptions import ChannelFull
from channels.layers import get_channel_layer

from tests.workshops.live_client import LiveClient, fresh_state
from tests.workshops.test_fanout import until
from workshops import consumers, fanout
from workshops.layers import RoomChannelLayer
from workshops.operations import join_workshop

pytest_plugins = ["tests.workshops.conftest_live"]


class Tab:
    """A connection as a room sees it."""

    def __init__(self, name: str) -> None:
        self.connection = f"c-{name}"
        self.me = {"id": hash(name) % 1000, "name": name}
        self.frames: list[dict] = []

    async def send(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        self.frames.append(json.loads(text_data))

    def sees(self) -> set[str]:
        """Who this tab shows as online: here and join, minus leave."""
        online: set[str] = set()
        for frame in self.frames:
            if frame["type"] != "presence":
                continue
            name = frame["participant"]["name"]
            if frame["op"] == "leave":
                online.discard(name)
            else:
                online.add(name)
        return online


class CountingLayer(RoomChannelLayer):
    """The embedded layer, counting what is sent through it by message type."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: Counter[str] = Counter()

    async def send(self, channel, message):
        self.sent[message["type"]] += 1
        await super().send(channel, message)

    async def group_send(self, group, message):
        self.sent[message["type"]] += 1
        await super().group_send(group, message)


@pytest.mark.asyncio
async def test_a_join_storm_across_two_processes_costs_a_message_per_join_and_per_process():
    """Two processes (two rooms on one bus), 40 tabs joining: everyone sees everyone, with
    one join message per tab and one roster answer per other process, not one per tab."""
    layer = CountingLayer()
    processes = [fanout.WorkshopRoom(layer, "workshop.1"), fanout.WorkshopRoom(layer, "workshop.1")]
    tabs = [Tab(f"p{n}") for n in range(40)]
    for n, tab in enumerate(tabs):
        room = processes[n % 2]
        room.members[tab] = None
        await room.announce(tab)
    names = {tab.me["name"] for tab in tabs}
    await until(lambda: all(tab.sees() == names - {tab.me["name"]} for tab in tabs))
    assert layer.sent["presence.join"] == 40
    assert layer.sent["presence.roster"] <= 40  # at most one answer per join (one other room)
    for room in processes:
        await room.close()


@pytest.mark.asyncio
async def test_a_leave_is_seen_by_every_process():
    layer = RoomChannelLayer()
    here, there = fanout.WorkshopRoom(layer, "workshop.2"), fanout.WorkshopRoom(layer, "workshop.2")
    ann, bob = Tab("Ann"), Tab("Bob")
    here.members[ann] = None
    await here.announce(ann)
    there.members[bob] = None
    await there.announce(bob)
    await until(lambda: ann.sees() == {"Bob"} and bob.sees() == {"Ann"})
    await here.depart(ann)
    del here.members[ann]
    await until(lambda: bob.sees() == set())
    for room in (here, there):
        await room.close()


@pytest.mark.asyncio
async def test_a_full_channel_while_answering_a_newcomer_is_logged_once_and_nothing_raises(
    caplog,
):
    layer = RoomChannelLayer()
    here, there = fanout.WorkshopRoom(layer, "workshop.3"), fanout.WorkshopRoom(layer, "workshop.3")
    ann = Tab("Ann")
    here.members[ann] = None
    await here.announce(ann)

    async def full(channel, message):
        raise ChannelFull()

    layer.send = full
    fanout.trouble.reported.clear()
    bobs = [Tab(f"Bob{n}") for n in range(5)]
    for bob in bobs:
        there.members[bob] = None
        await there.announce(bob)
    await until(lambda: all(f"Bob{n}" in ann.sees() for n in range(5)))
    # The newcomers missed Ann's roster (the channel was full); the failure was logged once.
    warnings = [r for r in caplog.records if "roster" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelname == "WARNING"
    for room in (here, there):
        await room.close()


# --- through the consumer -------------------------------------------------------------------


async def connected(participant) -> LiveClient:
    client = LiveClient(participant, await sync_to_async(fresh_state)(participant.workshop.map))
    client.hello = await client.connect()
    return client


@pytest.mark.django_db(transaction=True)
async def test_a_crashed_connection_still_leaves_presence_and_its_rooms(ann, bob, monkeypatch):
    watcher = await connected(ann)
    doomed = await connected(bob)
    await watcher.receive_until(lambda m: m["type"] == "presence" and m["op"] == "join")

    async def crash(self, data):
        raise RuntimeError("a bug in a handler")

    monkeypatch.setattr(consumers.BoardConsumer, "_dispatch", crash)
    await doomed.comm.send_to(text_data='{"type": "ping"}')
    # Channels ends a consumer that raised without calling disconnect(); the leave still comes.
    left = await watcher.receive_until(lambda m: m["type"] == "presence" and m["op"] == "leave")
    assert left["participant"]["name"] == "Bob"
    rooms = fanout._loop_rooms()
    assert all(
        member.connection != doomed.hello["connection"]
        for room in rooms.values()
        for member in room.members
    )
    monkeypatch.undo()
    await watcher.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_send_racing_the_clients_close_does_not_raise(ann, monkeypatch, caplog):
    client = await connected(ann)
    consumer_sends = []

    async def closed_protocol(message):
        consumer_sends.append(message)
        raise ConnectionError("Attempt to send on a closed protocol")

    fanout.trouble.reported.clear()
    instance = consumers.BoardConsumer()
    instance.base_send = closed_protocol  # the server's send, as the server hands it over
    await instance.send(text_data="{}")  # does not raise
    assert consumer_sends == [{"type": "websocket.send", "text": "{}"}]
    assert any("closing" in r.getMessage() for r in caplog.records)
    monkeypatch.undo()
    await client.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_channel_layer_failing_at_connect_does_not_refuse_the_socket_and_heals(
    ann, workshop, monkeypatch, stages, actor
):
    """Redis refusing for a moment (MaxConnectionsError, ChannelFull) during the handshake: the
    socket opens, says hello, and once the layer is back a ping joins the groups again."""
    from maps import operations as ops

    monkeypatch.setattr(consumers, "GROUP_RENEW_INTERVAL", 0.0)
    monkeypatch.setattr(fanout, "JOIN_WAIT", 0.05)
    layer = get_channel_layer()
    real_group_add = layer.group_add
    failing = True

    async def group_add(group, channel):
        if failing:
            raise ConnectionError("Too many connections")
        await real_group_add(group, channel)

    monkeypatch.setattr(layer, "group_add", group_add)
    client = LiveClient(ann, await sync_to_async(fresh_state)(workshop.map))
    hello = await client.connect()
    assert hello["type"] == "hello"
    failing = False
    await asyncio.sleep(fanout.READ_RETRY * 2)  # the rooms subscribe on their own
    await client.send({"type": "ping"})
    await client.receive_until(lambda m: m["type"] == "pong")
    await sync_to_async(ops.add_touchpoint)(actor, workshop.map, stage=stages[0], text="Heard")
    await client.receive_until(lambda m: m["type"] in ("event", "events"))
    await client.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_everyone_in_a_room_sees_everyone_after_a_join_storm(workshop):
    people = [await sync_to_async(join_workshop)(workshop, display_name=f"P{n}") for n in range(12)]
    clients = await asyncio.gather(*(connected(p) for p in people))
    names = {p.display_name for p in people}
    for client in clients:
        await client.take_arrived()

    def sees(client: LiveClient) -> set[str]:
        online: set[str] = set()
        for m in client.seen:
            if m["type"] == "presence":
                if m["op"] == "leave":
                    online.discard(m["participant"]["name"])
                else:
                    online.add(m["participant"]["name"])
        return online

    for client in clients:
        while sees(client) != names - {client.participant.display_name}:
            await client.receive()
    for client in clients:
        await client.disconnect()
