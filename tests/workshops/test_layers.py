"""The embedded channel layer sweeps expired messages at most once a second, and still drops
them."""

from __future__ import annotations

import asyncio

import pytest
from channels.layers import InMemoryChannelLayer

from workshops import layers
from workshops.layers import RoomChannelLayer


def test_the_sweep_runs_at_most_once_a_second(monkeypatch):
    sweeps = []
    monkeypatch.setattr(InMemoryChannelLayer, "_clean_expired", lambda self: sweeps.append(1))
    clock = iter([100.0, 100.5, 101.2])
    monkeypatch.setattr(layers.time, "monotonic", lambda: next(clock))
    layer = RoomChannelLayer()
    for _ in range(3):
        layer._clean_expired()
    assert len(sweeps) == 2  # at 100.0 and 101.2, not at 100.5


async def test_an_expired_message_is_still_dropped(monkeypatch):
    layer = RoomChannelLayer(expiry=1)
    await layer.send("board.test", {"type": "map.event"})
    later = layers.time.time() + 5
    monkeypatch.setattr("channels.layers.time.time", lambda: later)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(layer.receive("board.test"), 0.2)


async def test_a_group_send_puts_one_copy_in_every_members_queue():
    layer = RoomChannelLayer()
    for channel in ("board.a", "board.b"):
        await layer.group_add("map.1", channel)
    message = {"type": "map.event", "text": "{}", "nested": {"n": 1}}
    await layer.group_send("map.1", message)
    message["nested"]["n"] = 2  # the sender changing its dict afterwards changes nothing sent
    first = await layer.receive("board.a")
    second = await layer.receive("board.b")
    assert first == {"type": "map.event", "text": "{}", "nested": {"n": 1}}
    assert first is second  # one copy, read by both


async def test_a_full_member_misses_the_group_message_and_the_others_get_it():
    layer = RoomChannelLayer(capacity=1)
    for channel in ("board.full", "board.free"):
        await layer.group_add("map.1", channel)
    await layer.send("board.full", {"type": "map.event", "text": "0"})
    await layer.group_send("map.1", {"type": "map.event", "text": "1"})
    assert (await layer.receive("board.free"))["text"] == "1"
    assert (await layer.receive("board.full"))["text"] == "0"
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(layer.receive("board.full"), 0.05)


async def test_a_group_send_refuses_what_is_not_a_dict():
    with pytest.raises(TypeError):
        await RoomChannelLayer().group_send("map.1", ["not", "a", "dict"])
