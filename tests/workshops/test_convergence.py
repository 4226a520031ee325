"""Randomized convergence: several clients interleave add / move / edit / delete / group (and,
in the undo runs, undo and redo) without waiting for each other; afterwards every client's board equals the database's, note for note
and in the same order. One client loses a share of the broadcasts, as an over-capacity
channel layer would: the revision check must heal it. Runs on whichever database DATABASE_URL
names (the suite runs on SQLite and on PostgreSQL)."""

from __future__ import annotations

import asyncio
import copy
import random

import pytest
from asgiref.sync import sync_to_async

from tests.workshops.live_client import LiveClient, fresh_state, note_order
from workshops.operations import join_workshop

pytestmark = pytest.mark.django_db(transaction=True)
pytest_plugins = ["tests.workshops.conftest_live"]

STEPS = 25


def random_operation(rng: random.Random, state: dict) -> tuple[str, dict]:
    stages = sorted(state["stages"])
    notes = sorted(state["touchpoints"])
    groups = sorted(state["groups"])
    choice = rng.random()
    if not notes or choice < 0.25:
        return "touchpoint.add", {
            "stage": rng.choice(stages),
            "text": f"note {rng.randrange(10_000)}",
            "index": rng.randrange(4),
        }
    note = rng.choice(notes)
    if choice < 0.55:
        return "touchpoint.move", {
            "touchpoint": note,
            "stage": rng.choice(stages),
            "index": rng.randrange(6),
        }
    if choice < 0.75:
        return "touchpoint.update", {
            "touchpoint": note,
            "text": f"edited {rng.randrange(10_000)}",
            "base_version": state["touchpoints"][note]["version"],
        }
    if choice < 0.85:
        return "touchpoint.delete", {"touchpoint": note}
    if choice < 0.93 or not groups:
        return "group.add", {
            "name": f"group {rng.randrange(10_000)}",
            "touchpoints": rng.sample(notes, min(2, len(notes))),
        }
    return "touchpoint.update", {"touchpoint": note, "group": rng.choice(groups)}


def random_operation_or_undo(rng: random.Random, state: dict) -> tuple[str, dict]:
    """As random_operation, and a third of the time an undo or a redo (issue 18): refused
    ones (nothing to undo, someone else's change in the way) are answered like any refusal."""
    choice = rng.random()
    if choice < 0.22:
        return "undo", {}
    if choice < 0.33:
        return "redo", {}
    return random_operation(rng, state)


async def play(client: LiveClient, rng: random.Random, choose=random_operation) -> None:
    for _ in range(STEPS):
        await client.take_arrived()
        kind, fields = choose(rng, client.state)
        await client.operate(kind, **fields)
        await asyncio.sleep(rng.random() * 0.01)


@pytest.mark.parametrize(
    ("seed", "choose"),
    [
        (1, random_operation),
        (2, random_operation),
        (3, random_operation),
        (4, random_operation_or_undo),
        (5, random_operation_or_undo),
        (6, random_operation_or_undo),
    ],
    ids=["1", "2", "3", "undo-4", "undo-5", "undo-6"],
)
async def test_concurrent_clients_converge_on_the_database(workshop, facilitator, seed, choose):
    people = [facilitator]
    for name in ("Ann", "Bob", "Cat"):
        people.append(await sync_to_async(join_workshop)(workshop, display_name=name))
    start = await sync_to_async(fresh_state)(workshop.map)
    clients = [
        LiveClient(
            person,
            copy.deepcopy(start),
            drop_events=0.3 if index == 3 else 0.0,
            rng=random.Random(seed + index),
        )
        for index, person in enumerate(people)
    ]
    for client in clients:
        await client.connect()

    await asyncio.gather(
        *(play(client, random.Random(seed * 100 + i), choose) for i, client in enumerate(clients))
    )
    # Every operation answered, then every client caught up with the database (waiting on
    # conditions, not on quiet periods, so a slow machine does not fail the test).
    await asyncio.gather(*(client.settle() for client in clients))
    truth = await sync_to_async(fresh_state)(workshop.map)
    await asyncio.gather(*(client.settle(revision=truth["revision"]) for client in clients))
    assert truth["revision"] > start["revision"] + STEPS  # most operations applied
    for client in clients:
        assert not client.outbox, "every operation was answered"
        assert client.state == truth
        assert note_order(client.state) == note_order(truth)
    # The lossy client really lost broadcasts and healed through sync.
    assert any(m["type"] == "sync" and m["events"] for m in clients[3].seen)
    if choose is random_operation_or_undo:  # undos and redos really happened, and reached all
        reverts = [m for m in clients[0].seen if m.get("event") in ("undo", "redo")]
        assert len(reverts) >= 5
    for client in clients:
        await client.disconnect()
