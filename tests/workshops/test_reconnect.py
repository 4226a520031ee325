"""A client drops, the others change the board, the client comes back: it catches up on every
change it missed, and its unacknowledged operations are applied exactly once."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async

from maps.models import MapEvent, Touchpoint
from tests.workshops.live_client import LiveClient, fresh_state

pytestmark = pytest.mark.django_db(transaction=True)
pytest_plugins = ["tests.workshops.conftest_live"]


async def applied(op_id: str) -> None:
    """Wait until the server has applied `op_id` (its ack is then on the way, to be lost)."""
    exists = sync_to_async(MapEvent.objects.filter(op_id=op_id).exists)
    for _ in range(200):
        if await exists():
            return
        await asyncio.sleep(0.025)
    raise AssertionError(f"{op_id} was never applied")


async def client_for(participant) -> LiveClient:
    client = LiveClient(participant, await sync_to_async(fresh_state)(participant.workshop.map))
    await client.connect()
    await client.drain(0.1)
    return client


async def test_a_client_that_comes_back_catches_up_and_its_operations_apply_once(
    ann, bob, workshop, stages, note
):
    ann_client, bob_client = await client_for(ann), await client_for(bob)

    # Ann's operation reaches the server, but her connection drops before the ack arrives.
    sent = await ann_client.operate("touchpoint.add", stage=stages[1], text="Sent, ack lost")
    await applied(sent)
    await ann_client.disconnect()
    # While she is away she queues another one: it waits in her outbox.
    queued = await ann_client.operate("touchpoint.move", touchpoint=note, stage=stages[2], index=0)
    assert set(ann_client.outbox) == {sent, queued}

    # Bob keeps working.
    for text in ("Bob one", "Bob two"):
        await bob_client.operate("touchpoint.add", stage=stages[0], text=text)
    await bob_client.operate("touchpoint.update", touchpoint=note, department="Sales")
    await bob_client.settle()

    # Ann comes back: sync since her revision, then resend of both outbox operations.
    await ann_client.connect()
    await ann_client.settle()

    truth = await sync_to_async(fresh_state)(workshop.map)
    assert ann_client.state == truth
    assert not ann_client.outbox
    assert ann_client.acks[sent]["duplicate"] is True
    assert ann_client.acks[queued]["duplicate"] is False
    assert await sync_to_async(Touchpoint.objects.filter(text="Sent, ack lost").count)() == 1
    assert await sync_to_async(MapEvent.objects.filter(op_id__in=[sent, queued]).count)() == 2
    assert truth["touchpoints"][note]["stage"] == stages[2]
    assert truth["touchpoints"][note]["department"] == "Sales"
    # Bob sees Ann's late move too.
    await bob_client.settle(revision=truth["revision"])
    assert bob_client.state == truth
    await ann_client.disconnect()
    await bob_client.disconnect()


async def test_a_client_far_behind_gets_a_snapshot_and_converges(
    ann, bob, workshop, stages, monkeypatch
):
    monkeypatch.setattr("workshops.catchup.SYNC_EVENT_LIMIT", 3)
    ann_client, bob_client = await client_for(ann), await client_for(bob)
    await ann_client.disconnect()
    for index in range(6):
        await bob_client.operate("touchpoint.add", stage=stages[index % 3], text=f"n{index}")
    await bob_client.settle()
    truth = await sync_to_async(fresh_state)(workshop.map)

    await ann_client.connect()
    await ann_client.receive_until(lambda m: m["type"] == "snapshot")
    await ann_client.settle(revision=truth["revision"])
    assert ann_client.state == truth
    await ann_client.disconnect()
    await bob_client.disconnect()
