"""Segments live (issue 20): each persona operation over the websocket is acked, reaches every
other screen and replays to the database's state; who may ask for each; and several clients
changing several personas' feelings and notes' scopes at once converge."""

from __future__ import annotations

import asyncio
import copy
import random

import pytest
from asgiref.sync import sync_to_async

from maps import operations as ops
from maps.models import StageFeeling
from tests.workshops.live_client import LiveClient, fresh_state
from workshops.operations import join_workshop

pytestmark = pytest.mark.django_db(transaction=True)
pytest_plugins = ["tests.workshops.conftest_live"]


@pytest.fixture
def personas(journey_map, actor) -> dict[str, int]:
    """Sarah (primary) and the retired couple on the map, and Kim in the owner's library."""
    ids = {}
    for key, name in (("sarah", "Sarah"), ("couple", "Retired couple"), ("kim", "Kim")):
        ids[key] = ops.create_persona(actor, name=name).pk
    ops.add_map_persona(actor, journey_map, ids["sarah"])
    ops.add_map_persona(actor, journey_map, ids["couple"])
    return ids


async def connected(participant) -> LiveClient:
    state = await sync_to_async(fresh_state)(participant.workshop.map)
    client = LiveClient(participant, state)
    await client.connect()
    await client.drain(0.1)
    return client


async def operate(client: LiveClient, kind: str, **fields) -> dict:
    op_id = await client.operate(kind, **fields)
    return await client.receive_until(
        lambda m: m["type"] in ("ack", "error") and m.get("op_id") == op_id
    )


OPERATIONS = {
    "persona.add": (lambda ids: {"persona": ids["kim"]}, "persona.added"),
    "persona.remove": (lambda ids: {"persona": ids["couple"]}, "persona.removed"),
    "persona.primary": (lambda ids: {"persona": ids["couple"]}, "persona.primary"),
    "stage.feel": (
        lambda ids: {"stage": ids["stage"], "persona": ids["couple"], "emotion_now": -2},
        "stage.felt",
    ),
    "touchpoint.scope": (
        lambda ids: {"touchpoint": ids["note"], "personas": [ids["couple"]]},
        "touchpoint.scoped",
    ),
}


@pytest.mark.parametrize("kind", sorted(OPERATIONS))
async def test_each_persona_operation_is_acked_and_reaches_every_other_screen(
    kind, facilitator, ann, workshop, stages, note, personas
):
    ids = {**personas, "stage": stages[0], "note": note}
    me, other = await connected(facilitator), await connected(ann)
    before = await sync_to_async(lambda: type(workshop.map).objects.get().revision)()
    fields, event_type = OPERATIONS[kind]

    ack = await operate(me, kind, **fields(ids))

    assert ack["type"] == "ack", ack
    assert ack["event"]["event"] == event_type and ack["revision"] == before + 1
    event = await other.receive_until(lambda m: m["type"] == "event")
    assert event["event"] == event_type and event["op_id"] == ack["op_id"]
    await other.settle(revision=before + 1)
    truth = await sync_to_async(fresh_state)(workshop.map)
    assert other.state == truth and me.state == truth
    await me.disconnect()
    await other.disconnect()


async def test_the_primarys_feelings_travel_as_a_stage_update(facilitator, stages, personas):
    me = await connected(facilitator)
    ack = await operate(me, "stage.feel", stage=stages[0], persona=personas["sarah"], emotion_now=2)
    assert ack["event"]["event"] == "stage.updated"
    assert ack["event"]["payload"]["stage"]["emotion_now"] == 2
    await me.disconnect()


# Who may ask (docs/protocol.md): the personas on the map are the facilitator's to change, how
# a persona feels and whose journey a note is on are everyone's who edits; observers nothing.
RULES = {
    "persona.add": {"facilitator"},
    "persona.remove": {"facilitator"},
    "persona.primary": {"facilitator"},
    "stage.feel": {"facilitator", "participant"},
    "touchpoint.scope": {"facilitator", "participant"},
}


@pytest.mark.parametrize("kind", sorted(RULES))
@pytest.mark.parametrize("role", ["facilitator", "participant", "observer"])
async def test_who_may_change_the_personas_in_a_workshop(
    kind, role, facilitator, ann, olga, workshop, stages, note, personas
):
    member = {"facilitator": facilitator, "participant": ann, "observer": olga}[role]
    ids = {**personas, "stage": stages[0], "note": note}
    client = await connected(member)
    before = await sync_to_async(lambda: type(workshop.map).objects.get().revision)()
    answer = await operate(client, kind, **OPERATIONS[kind][0](ids))
    after = await sync_to_async(lambda: type(workshop.map).objects.get().revision)()
    if role in RULES[kind]:
        assert answer["type"] == "ack", answer
    else:
        assert answer["type"] == "error" and answer["code"] == "forbidden", answer
        assert after == before
    await client.disconnect()


@pytest.mark.parametrize(
    "fields",
    [
        {"persona": "1", "emotion_now": 1},
        {"persona": 1, "emotion_now": 1, "colour": "red"},
        {"emotion_now": 1},
    ],
)
async def test_badly_shaped_feelings_are_invalid(ann, stages, personas, fields):
    client = await connected(ann)
    answer = await operate(client, "stage.feel", stage=stages[0], **fields)
    assert answer["type"] == "error" and answer["code"] in ("invalid", "not_found"), answer
    assert not await sync_to_async(StageFeeling.objects.exists)()
    await client.disconnect()


async def test_hostile_feelings_over_the_websocket_are_bounded(ann, stages, personas):
    client = await connected(ann)
    answer = await operate(
        client, "stage.feel", stage=stages[0], persona=personas["couple"], feelings="x" * 10_000
    )
    assert answer["code"] == "too_long"
    answer = await operate(
        client,
        "stage.feel",
        stage=stages[0],
        persona=personas["couple"],
        feelings="<img src=x onerror=alert(1)>\u202e\u200b",
    )
    assert answer["type"] == "ack"
    assert (
        answer["event"]["payload"]["feeling"]["feelings"]
        == "<img src=x onerror=alert(1)>\u202e\u200b"
    )
    await client.disconnect()


def random_operation(rng: random.Random, state: dict, personas: list[int]) -> tuple[str, dict]:
    stages, notes = sorted(state["stages"]), sorted(state["touchpoints"])
    choice = rng.random()
    if not notes or choice < 0.2:
        return "touchpoint.add", {"stage": rng.choice(stages), "text": f"n{rng.randrange(999)}"}
    if choice < 0.55:
        return "stage.feel", {
            "stage": rng.choice(stages),
            "persona": rng.choice(personas),
            "emotion_now": rng.randrange(-2, 3),
            "feelings": f"f{rng.randrange(999)}",
        }
    if choice < 0.9:
        named = [rng.choice(personas)] if rng.random() < 0.7 else []
        return "touchpoint.scope", {"touchpoint": rng.choice(notes), "personas": named}
    return "touchpoint.delete", {"touchpoint": rng.choice(notes)}


@pytest.mark.parametrize("seed", [1, 2])
async def test_several_personas_changed_at_once_converge(workshop, facilitator, personas, seed):
    people = [facilitator]
    for name in ("Ann", "Bob"):
        people.append(await sync_to_async(join_workshop)(workshop, display_name=name))
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
    on_map = [personas["sarah"], personas["couple"]]

    async def play(client: LiveClient, rng: random.Random) -> None:
        for _ in range(20):
            await client.take_arrived()
            kind, fields = random_operation(rng, client.state, on_map)
            await client.operate(kind, **fields)
            await asyncio.sleep(rng.random() * 0.01)

    await asyncio.gather(*(play(c, random.Random(seed * 10 + i)) for i, c in enumerate(clients)))
    await asyncio.gather(*(client.settle() for client in clients))
    truth = await sync_to_async(fresh_state)(workshop.map)
    await asyncio.gather(*(client.settle(revision=truth["revision"]) for client in clients))
    assert truth["feelings"], "the run changed feelings"
    scoped = await sync_to_async(workshop.map.events.filter(type="touchpoint.scoped").count)()
    assert scoped > 0, "and scopes"  # how many apply depends on timing (notes deleted meanwhile)
    for client in clients:
        assert client.state == truth
        await client.disconnect()
