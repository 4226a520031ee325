"""A websocket operation whose database connections were cut (a PostgreSQL restart or
failover) is still applied, exactly once: the consumer retries, and after a connection error
every thread checks its connection before use (workshops.threads)."""

from __future__ import annotations

import json
import time

import pytest
from asgiref.sync import sync_to_async
from django.db import connection

from maps.models import MapEvent
from tests.conftest import require_postgres
from tests.workshops.test_consumer import connected, operate
from workshops.threads import Careful

pytestmark = pytest.mark.django_db(transaction=True)
pytest_plugins = ["tests.workshops.conftest_live"]


@pytest.fixture
def spared_pid() -> int:
    """The test's own connection (it cleans the database up afterwards): not cut."""
    require_postgres()
    connection.ensure_connection()
    return connection.connection.info.backend_pid


def cut_the_consumers_connections(spared: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid() AND pid <> %s",
            [spared],
        )
        return cursor.fetchone()[0]


async def test_operations_go_on_after_the_database_cut_their_connections(
    facilitator, stages, note, monkeypatch, spared_pid
):
    monkeypatch.setattr(Careful, "until", 0.0)
    client = await connected(facilitator)
    first = await operate(client, "touchpoint.move", touchpoint=note, stage=stages[1], index=0)
    assert first["type"] == "ack", first  # the consumer's threads now hold open connections
    assert await sync_to_async(cut_the_consumers_connections)(spared_pid) >= 1

    moves = []
    for stage in (stages[0], stages[1], stages[0]):
        moves.append(
            await operate(client, "touchpoint.move", touchpoint=note, stage=stage, index=0)
        )

    assert [m["type"] for m in moves] == ["ack", "ack", "ack"], moves
    assert Careful.until > time.monotonic()  # checking connections for a while
    applied = await sync_to_async(
        lambda: [MapEvent.objects.filter(op_id=m["op_id"]).count() for m in moves]
    )()
    assert applied == [1, 1, 1]
    await client.disconnect()


async def test_reads_go_on_after_the_database_cut_their_connections(
    facilitator, stages, note, monkeypatch, spared_pid
):
    """A heartbeat behind the map, or a snapshot, after a restart: read again on a fresh
    connection, not answered with a closed socket (the reads' threads outlive the restart)."""
    monkeypatch.setattr(Careful, "until", 0.0)
    client = await connected(facilitator)
    moved = await operate(client, "touchpoint.move", touchpoint=note, stage=stages[1], index=0)
    assert moved["type"] == "ack", moved
    for _ in range(4):  # every reads thread opens its connection
        await sync_from_the_start(client)
    assert await sync_to_async(cut_the_consumers_connections)(spared_pid) >= 1

    answers = [await sync_from_the_start(client) for _ in range(6)]

    assert [a["type"] for a in answers] == ["sync"] * 6, answers
    assert all(a["events"][-1]["revision"] == moved["revision"] for a in answers)
    await client.disconnect()


async def sync_from_the_start(client) -> dict:
    """A sync the database must answer (since 0: nothing a room knows), and its answer."""
    await client.comm.send_to(text_data=json.dumps({"type": "sync", "since": 0}))
    return await client.receive_until(lambda m: m["type"] in ("sync", "error"))
