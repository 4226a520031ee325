"""Proof that the suite ran on the real services CI provides, not on the embedded defaults."""

from __future__ import annotations

import asyncio

import pytest
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection

from tests.conftest import require_postgres, require_redis


@pytest.mark.postgres
@pytest.mark.django_db
def test_suite_runs_on_postgresql_when_database_url_says_so():
    require_postgres()
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("select version()")
        assert cursor.fetchone()[0].startswith("PostgreSQL")


@pytest.mark.redis
async def test_a_message_crosses_the_redis_channel_layer():
    require_redis()
    from channels_redis.core import RedisChannelLayer

    assert isinstance(get_channel_layer(), RedisChannelLayer)
    # Two independent layer objects built from the configured settings: the message must travel
    # through Redis, not through memory. (The process-wide layer is left alone: its connection
    # pools belong to other tests' event loops.)
    config = settings.CHANNEL_LAYERS["default"]["CONFIG"]
    sender, receiver = RedisChannelLayer(**config), RedisChannelLayer(**config)
    channel = await receiver.new_channel()
    await receiver.group_add("services-check", channel)
    try:
        await sender.group_send("services-check", {"type": "ping", "text": "through redis"})
        message = await asyncio.wait_for(receiver.receive(channel), timeout=5)
        assert message == {"type": "ping", "text": "through redis"}
    finally:
        await receiver.group_discard("services-check", channel)
        await sender.close_pools()
        await receiver.close_pools()


@pytest.mark.redis
async def test_map_events_cross_redis_pub_sub():
    require_redis()
    from channels_redis.pubsub import RedisPubSubChannelLayer

    from journeymap.realtime import ROOMS, room_layer

    assert isinstance(room_layer(), RedisPubSubChannelLayer)
    config = settings.CHANNEL_LAYERS[ROOMS]["CONFIG"]
    sender, receiver = RedisPubSubChannelLayer(**config), RedisPubSubChannelLayer(**config)
    channel = await receiver.new_channel()
    await receiver.group_add("map.services-check", channel)
    try:
        # SUBSCRIBE is sent, not confirmed: publish until the subscription is in place.
        for _ in range(25):
            await sender.group_send("map.services-check", {"type": "map.event", "text": "x"})
            try:
                message = await asyncio.wait_for(receiver.receive(channel), timeout=0.2)
                break
            except TimeoutError:
                continue
        else:
            pytest.fail("no map event came through Redis pub/sub in 5 s")
        assert message == {"type": "map.event", "text": "x"}
    finally:
        await sender.flush()
        await receiver.flush()
