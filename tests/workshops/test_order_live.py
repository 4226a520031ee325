"""Order keys never run out in a live room (issue 14, item 1): a participant alternating two
notes to the top of a stage made the 320th move a server_error, and from then on nobody could
put a note at the top of that stage. Now the stage is respaced (stage.rebalanced, every new key
in one event) and every client, including one that loses broadcasts, ends on the database's
order. Runs on whichever database DATABASE_URL names."""

from __future__ import annotations

import asyncio
import copy
import random

import pytest
from asgiref.sync import sync_to_async

from maps import operations as ops
from maps.models import MapEvent, Touchpoint
from tests.workshops.live_client import LiveClient, fresh_state, note_order
from workshops import consumers
from workshops.operations import join_workshop

pytestmark = pytest.mark.django_db(transaction=True)
pytest_plugins = ["tests.workshops.conftest_live"]


@pytest.fixture
def unlimited_rate(monkeypatch):
    """These tests are about keys, not the rate limit: a client may send as fast as it can."""
    monkeypatch.setattr(consumers, "RATE_PER_SECOND", 10_000.0)
    monkeypatch.setattr(consumers, "RATE_BURST", 10_000.0)


def add_notes(journey_map, stage_id: int, count: int) -> list[int]:
    actor = ops.Actor.for_user(journey_map.created_by)
    return [
        ops.add_touchpoint(actor, journey_map, stage=stage_id, text=f"note {n}").payload[
            "touchpoint"
        ]["id"]
        for n in range(count)
    ]


def rebalances(journey_map) -> int:
    return MapEvent.objects.filter(map=journey_map, type="stage.rebalanced").count()


async def test_400_alternating_moves_to_the_top_are_all_acked(
    workshop, ann, stages, unlimited_rate
):
    a, b = await sync_to_async(add_notes)(workshop.map, stages[0], 2)
    client = LiveClient(ann, await sync_to_async(fresh_state)(workshop.map))
    await client.connect()
    for move in range(400):
        await client.operate(
            "touchpoint.move", touchpoint=(a, b)[move % 2], stage=stages[0], index=0
        )
        if move % 50 == 49:
            await client.settle()
    await client.settle()
    truth = await sync_to_async(fresh_state)(workshop.map)
    await client.settle(revision=truth["revision"])
    assert client.errors == []
    assert client.state == truth
    assert note_order(truth)[stages[0]] == [b, a]
    assert await sync_to_async(rebalances)(workshop.map) >= 1
    await client.disconnect()


@pytest.mark.parametrize("seed", [1, 2])
async def test_clients_moving_and_adding_converge_across_a_respacing(
    workshop, facilitator, stages, unlimited_rate, seed
):
    people = [facilitator]
    for name in ("Ann", "Bob"):
        people.append(await sync_to_async(join_workshop)(workshop, display_name=name))
    notes = await sync_to_async(add_notes)(workshop.map, stages[0], 6)
    # Keys one character short of the respacing length: the first moves between two of them
    # respace the stage while everyone is moving.
    for n, note_id in enumerate(notes):
        await sync_to_async(Touchpoint.objects.filter(pk=note_id).update)(
            position="1" * 30 + "13579b"[n]
        )
    start = await sync_to_async(fresh_state)(workshop.map)
    clients = [
        LiveClient(
            person,
            copy.deepcopy(start),
            drop_events=0.3 if index == 2 else 0.0,
            rng=random.Random(seed + index),
        )
        for index, person in enumerate(people)
    ]
    for client in clients:
        await client.connect()

    async def play(client: LiveClient, rng: random.Random) -> None:
        for _ in range(40):
            await client.take_arrived()
            ids = sorted(client.state["touchpoints"])
            if rng.random() < 0.2:
                fields = {"stage": stages[0], "text": "new", "index": rng.randrange(1, 5)}
                await client.operate("touchpoint.add", **fields)
            else:
                fields = {
                    "touchpoint": rng.choice(ids),
                    "stage": stages[0],
                    "index": rng.randrange(1, 5),
                }
                await client.operate("touchpoint.move", **fields)
            await asyncio.sleep(rng.random() * 0.005)

    await asyncio.gather(*(play(c, random.Random(seed * 10 + i)) for i, c in enumerate(clients)))
    await asyncio.gather(*(client.settle() for client in clients))
    truth = await sync_to_async(fresh_state)(workshop.map)
    await asyncio.gather(*(client.settle(revision=truth["revision"]) for client in clients))
    assert await sync_to_async(rebalances)(workshop.map) >= 1
    for client in clients:
        assert client.errors == []
        assert client.state == truth
        assert note_order(client.state) == note_order(truth)
    for client in clients:
        await client.disconnect()
