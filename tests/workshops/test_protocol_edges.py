"""Edges of the protocol a client writer meets (docs/protocol.md): whole-board snapshots on
request, op_ids that belong to their sender, and fields named in every refusal."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from maps import operations as ops
from maps.serializers import map_snapshot
from tests.workshops.live_client import LiveClient, fresh_state, new_op_id
from workshops.models import Workshop

pytestmark = pytest.mark.django_db(transaction=True)
pytest_plugins = ["tests.workshops.conftest_live"]


async def connected(participant) -> LiveClient:
    client = LiveClient(participant, await sync_to_async(fresh_state)(participant.workshop.map))
    await client.connect()
    return client


async def test_a_snapshot_on_request_is_the_whole_board_now(ann, journey_map, note):
    client = await connected(ann)
    await client.send({"type": "snapshot"})
    reply = await client.receive_until(lambda m: m["type"] == "snapshot")
    await sync_to_async(journey_map.refresh_from_db)()
    assert reply["snapshot"] == await sync_to_async(map_snapshot)(journey_map)
    # A map made from template stages: its stages were never events, so `sync` from 0 cannot
    # rebuild them; the snapshot has them.
    assert {s["name"] for s in reply["snapshot"]["stages"]} == {"Sign up", "First use", "Habit"}
    await client.disconnect()


async def test_resending_another_participants_op_id_is_refused_and_changes_nothing(
    ann, bob, stages
):
    alice_board, bob_board = await connected(ann), await connected(bob)
    op_id = new_op_id("shared")
    await alice_board.send(
        {"type": "touchpoint.add", "op_id": op_id, "stage": stages[0], "text": "A"}
    )
    ack = await alice_board.receive_until(
        lambda m: m["type"] in ("ack", "error") and m.get("op_id") == op_id
    )
    assert ack["type"] == "ack"
    await bob_board.send(
        {"type": "touchpoint.add", "op_id": op_id, "stage": stages[0], "text": "B"}
    )
    reply = await bob_board.receive_until(
        lambda m: m["type"] in ("ack", "error") and m.get("op_id") == op_id
    )
    assert (reply["type"], reply["code"], reply["field"]) == ("error", "invalid", "op_id")
    texts = await sync_to_async(list)(ann.workshop.map.touchpoints.values_list("text", flat=True))
    assert texts == ["A"]
    await alice_board.disconnect()
    await bob_board.disconnect()


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ({"type": "touchpoint.move", "touchpoint": 1, "stage": 1}, "index"),
        ({"type": "touchpoint.move", "touchpoint": 1, "stage": 1, "index": 0, "x": 1}, "x"),
        ({"type": "touchpoint.move", "touchpoint": "1", "stage": 1, "index": 0}, "touchpoint"),
        ({"type": "touchpoint.move", "touchpoint": 1, "stage": 1, "index": -1}, "index"),
        ({"type": "group.add", "name": "G", "touchpoints": list(range(1, 502))}, "touchpoints"),
    ],
)
async def test_a_refused_field_is_named(ann, message, field):
    if message["type"].startswith("group."):  # grouping is the Group phase's
        await sync_to_async(Workshop.objects.filter(pk=ann.workshop_id).update)(phase="group")
    client = await connected(ann)
    op_id = new_op_id("field")
    await client.send({**message, "op_id": op_id})
    reply = await client.receive_until(
        lambda m: m["type"] in ("ack", "error") and m.get("op_id") == op_id
    )
    assert (reply["type"], reply["code"], reply.get("field")) == ("error", "invalid", field)
    await client.disconnect()


async def test_the_step_operation_is_the_map_pages_keyboard_move(ann, journey_map, actor, stages):
    ids = []
    for text in ("a", "b"):
        event = await sync_to_async(ops.add_touchpoint)(
            actor, journey_map, stage=stages[0], text=text
        )
        ids.append(event.payload["touchpoint"]["id"])
    client = await connected(ann)
    op_id = new_op_id("step")
    await client.send(
        {"type": "touchpoint.step", "op_id": op_id, "touchpoint": ids[1], "to": "next"}
    )
    ack = await client.receive_until(
        lambda m: m["type"] in ("ack", "error") and m.get("op_id") == op_id
    )
    # The map page's rule: the note keeps its row (1) in the next stage.
    assert ack["event"]["event"] == "touchpoint.moved"
    assert ack["event"]["payload"]["stage"] == stages[1]
    await client.disconnect()


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ({"type": "stage.update", "stage": "S", "name": "n" * 121}, "name"),
        ({"type": "group.add", "name": "g" * 121}, "name"),
        ({"type": "group.add", "name": ""}, "name"),
        ({"type": "stage.update", "stage": "S", "emotion_now": [1]}, "emotion_now"),
    ],
)
async def test_a_refused_value_names_the_messages_field(facilitator, stages, message, field):
    client = await connected(facilitator)
    op_id = new_op_id("value")
    filled = {k: (stages[0] if v == "S" else v) for k, v in message.items()}
    await client.send({**filled, "op_id": op_id})
    reply = await client.receive_until(
        lambda m: m["type"] in ("ack", "error") and m.get("op_id") == op_id
    )
    assert (reply["type"], reply.get("field")) == ("error", field)
    await client.disconnect()
