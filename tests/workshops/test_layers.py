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
