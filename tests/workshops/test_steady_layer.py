"""A connection's read of its own channel outlives a Redis restart (workshops.layers
.SteadyRedisChannelLayer): before, the read raised and Channels closed the socket with a
traceback, every socket of the process at once."""

from __future__ import annotations

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
