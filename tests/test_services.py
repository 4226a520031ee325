"""Proof that the suite ran on the real services CI provides, not on the embedded defaults."""

from __future__ import annotations

import asyncio
import os

import pytest
from channels.layers import get_channel_layer
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

    layer = get_channel_layer()
    assert isinstance(layer, RedisChannelLayer)
    # A second, independent layer object: the message must travel through Redis, not memory.
    other = RedisChannelLayer(hosts=[os.environ["REDIS_URL"]], prefix=layer.prefix)
    channel = await other.new_channel()
    await other.group_add("services-check", channel)
    try:
        await layer.group_send("services-check", {"type": "ping", "text": "through redis"})
        message = await asyncio.wait_for(other.receive(channel), timeout=5)
        assert message == {"type": "ping", "text": "through redis"}
    finally:
        await other.group_discard("services-check", channel)
        await layer.close_pools()
        await other.close_pools()
