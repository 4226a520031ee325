"""A connection's read of its own channel outlives a Redis restart (workshops.layers
.SteadyRedisChannelLayer): before, the read raised and Channels closed the socket with a
traceback, every socket of the process at once."""

from __future__ import annotations

import asyncio
import os

import pytest
from channels_redis.core import RedisChannelLayer
from redis.exceptions import ConnectionError as RedisConnectionError

from tests.conftest import require_redis
from workshops import layers
from workshops.layers import SteadyRedisChannelLayer


@pytest.mark.asyncio
async def test_a_failed_read_is_tried_again_and_the_message_arrives(monkeypatch):
    require_redis()
    monkeypatch.setattr(layers, "RECEIVE_RETRY", 0.01)
    layer = SteadyRedisChannelLayer(hosts=[os.environ["REDIS_URL"]], prefix="test-steady")
    channel = await layer.new_channel()
    real = RedisChannelLayer.receive
    failures = []

    async def redis_away_twice(self, name):
        if len(failures) < 2:
            failures.append(name)
            raise RedisConnectionError("Error 111 connecting to Redis. Connection refused.")
        return await real(self, name)

    monkeypatch.setattr(RedisChannelLayer, "receive", redis_away_twice)
    await layer.send(channel, {"type": "workshop.event", "text": "{}"})
    assert await layer.receive(channel) == {"type": "workshop.event", "text": "{}"}
    assert failures == [channel, channel]
    await layer.flush()


@pytest.mark.asyncio
async def test_a_cancelled_read_ends_even_when_redis_py_turns_the_cancel_into_an_error(
    monkeypatch,
):
    """A connection that ends cancels its read; redis-py reports that cancel as "Connection
    closed by server". The read must end, not retry: a retrying read outlived its connection
    (and hung the test run's event loop at close, CI of stop 23)."""
    require_redis()
    monkeypatch.setattr(layers, "RECEIVE_RETRY", 0.01)
    layer = SteadyRedisChannelLayer(hosts=[os.environ["REDIS_URL"]], prefix="test-steady")
    channel = await layer.new_channel()
    reads = []

    async def cancel_seen_as_a_closed_connection(self, name):
        reads.append(name)
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            raise RedisConnectionError("Connection closed by server.") from None

    monkeypatch.setattr(RedisChannelLayer, "receive", cancel_seen_as_a_closed_connection)
    reading = asyncio.ensure_future(layer.receive(channel))
    await asyncio.sleep(0.05)
    reading.cancel()
    done, _ = await asyncio.wait([reading], timeout=2)
    assert done, "the cancelled read kept retrying"
    assert reading.cancelled(), "Channels' consumer awaits its cancelled read for a CancelledError"
    assert reads == [channel]
    await layer.flush()


@pytest.mark.asyncio
async def test_a_read_whose_cancel_was_swallowed_below_does_not_pop_again(monkeypatch):
    """Before Python 3.12, asyncio.wait_for (under every redis-py write) swallows a cancel that
    lands as the write finishes; channels-redis then pops again, every 5 s, forever. The read
    must end at the pop after the swallowed cancel."""
    require_redis()
    layer = SteadyRedisChannelLayer(hosts=[os.environ["REDIS_URL"]], prefix="test-steady")
    channel = await layer.new_channel()
    pops, swallowed = [], []

    async def pop_that_swallows_a_cancel(self, index, name, timeout):
        pops.append(name)
        try:
            await asyncio.sleep(60 if len(pops) == 1 else 0.01)
        except asyncio.CancelledError:
            if swallowed:
                raise
            swallowed.append(name)  # as wait_for does when its write finished at that moment
        return None  # nothing popped (BZPOPMIN timed out)

    monkeypatch.setattr(RedisChannelLayer, "_brpop_with_clean", pop_that_swallows_a_cancel)
    reading = asyncio.ensure_future(layer.receive(channel))
    await asyncio.sleep(0.05)
    reading.cancel()
    done, _ = await asyncio.wait([reading], timeout=2)
    if not done:
        reading.cancel()  # the second cancel gets through: the test's loop can close
    assert done, f"the read kept popping after its cancel ({len(pops)} pops)"
    assert reading.cancelled()
    assert len(pops) == 1
    await layer.flush()
