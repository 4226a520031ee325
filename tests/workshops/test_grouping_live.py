"""Grouping over the websocket (docs/protocol.md, "Grouping"): who may stack, take out, move
and rename stacks, in which phase; every other member's board converges on the server's; ids
of another map and hostile names are refused or kept as text."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from maps import operations as ops
from maps.models import JourneyMap, Touchpoint, TouchpointGroup
from tests.workshops.live_client import LiveClient, fresh_state, note_order
from workshops.models import Workshop

pytestmark = pytest.mark.django_db(transaction=True)
pytest_plugins = ["tests.workshops.conftest_live"]


@pytest.fixture
def board(journey_map, actor, stages) -> dict[str, int]:
    """Three notes in the first stage (A, B, C) and one in the second (D)."""
    ids = {}
    for text, stage in (("A", 0), ("B", 0), ("C", 0), ("D", 1)):
        event = ops.add_touchpoint(actor, journey_map, stage=stages[stage], text=text)
        ids[text] = event.payload["touchpoint"]["id"]
    return ids


async def connected(participant) -> LiveClient:
    client = LiveClient(participant, await sync_to_async(fresh_state)(participant.workshop.map))
    await client.connect()
    await client.receive_until(lambda m: m["type"] == "sync")
    return client


async def answer(client: LiveClient, kind: str, **fields) -> dict:
    """The ack or error of this operation (broadcasts may come first: wait for the answer)."""
    op_id = await client.operate(kind, **fields)
    reply = await client.receive_until(
        lambda m: m["type"] in ("ack", "error") and m.get("op_id") == op_id
    )
    client.outbox.pop(op_id, None)
    return reply


@sync_to_async
def set_phase(workshop: Workshop, phase: str, locked: bool = False) -> None:
    Workshop.objects.filter(pk=workshop.pk).update(phase=phase, locked=locked)


@sync_to_async
def server_board(map_id: int) -> tuple:
    state = fresh_state(JourneyMap.objects.get(pk=map_id))
    groups = {g["id"]: g["name"] for g in state["groups"].values()}
    members = {n["id"]: n["group"] for n in state["touchpoints"].values()}
    return note_order(state), groups, members


def board_of(client: LiveClient) -> tuple:
    state = client.state
    groups = {g["id"]: g["name"] for g in state["groups"].values()}
    members = {n["id"]: n["group"] for n in state["touchpoints"].values()}
    return note_order(state), groups, members


@sync_to_async
def revision(map_id: int) -> int:
    return JourneyMap.objects.get(pk=map_id).revision


async def test_participants_group_in_the_group_phase_and_everyone_converges(
    ann, bob, workshop, board, stages
):
    await set_phase(workshop, "group")
    alice, watcher = await connected(ann), await connected(bob)
    stacked = await answer(alice, "touchpoint.stack", touchpoint=board["D"], onto=board["A"])
    assert stacked["type"] == "ack", stacked
    group = stacked["event"]["payload"]["touchpoint"]["group"]
    renamed = await answer(alice, "group.rename", group=group, name="Sign-up pains")
    assert renamed["type"] == "ack", renamed
    moved = await answer(alice, "group.move", group=group, stage=stages[1], index=0)
    assert moved["type"] == "ack", moved
    out = await answer(alice, "touchpoint.ungroup", touchpoint=board["D"], stage=stages[0], index=0)
    assert out["type"] == "ack", out
    final = await revision(workshop.map_id)
    await watcher.settle(final)
    await alice.settle(final)
    expected = await server_board(workshop.map_id)
    assert board_of(watcher) == expected == board_of(alice)
    order, groups, members = expected
    assert groups == {group: "Sign-up pains"}
    assert order[stages[1]] == [board["A"]] + [n for n in order[stages[1]] if n != board["A"]]
    assert order[stages[0]][0] == board["D"] and members[board["D"]] is None
    await alice.disconnect()
    await watcher.disconnect()


@pytest.mark.parametrize(
    ("phase", "locked", "code"),
    [
        ("gather", False, "wrong_phase"),
        ("discuss", False, "wrong_phase"),
        ("vote", False, "wrong_phase"),
        ("group", True, "locked"),
    ],
)
async def test_participants_cannot_group_outside_the_open_group_phase(
    ann, workshop, board, stages, phase, locked, code
):
    await set_phase(workshop, phase, locked)
    client = await connected(ann)
    before = await revision(workshop.map_id)
    reply = await answer(client, "touchpoint.stack", touchpoint=board["B"], onto=board["A"])
    assert (reply["type"], reply["code"]) == ("error", code), reply
    if code == "wrong_phase":
        assert "Group phase" in reply["message"]
    assert await revision(workshop.map_id) == before
    await client.disconnect()


async def test_the_facilitator_may_group_in_any_open_phase(facilitator, workshop, board):
    await set_phase(workshop, "gather")
    client = await connected(facilitator)
    reply = await answer(client, "touchpoint.stack", touchpoint=board["B"], onto=board["A"])
    assert reply["type"] == "ack", reply
    await client.disconnect()


@pytest.mark.parametrize(
    "message",
    [
        {"type": "touchpoint.stack", "touchpoint": "B", "onto": "A"},
        {"type": "touchpoint.ungroup", "touchpoint": "A"},
        {"type": "group.move", "group": "G", "stage": 0, "index": 0},
        {"type": "group.rename", "group": "G", "name": "Mine now"},
    ],
)
async def test_observers_cannot_group(olga, workshop, board, stages, actor, journey_map, message):
    await set_phase(workshop, "group")
    group = await sync_to_async(
        lambda: ops.stack_touchpoint(actor, journey_map, board["C"], onto=board["A"])
    )()
    ids = {**board, "G": group.payload["touchpoint"]["group"]}
    fields = {
        k: ids.get(v, v) if isinstance(v, str) and k != "name" else v for k, v in message.items()
    }
    if fields.get("stage") == 0:
        fields["stage"] = stages[0]
    client = await connected(olga)
    before = await revision(workshop.map_id)
    reply = await answer(client, fields.pop("type"), **fields)
    assert (reply["type"], reply["code"]) == ("error", "forbidden"), reply
    assert await revision(workshop.map_id) == before
    await client.disconnect()


async def test_ids_of_another_map_are_not_found_and_change_nothing(
    ann, workshop, board, stages, other_map
):
    await set_phase(workshop, "group")
    client = await connected(ann)
    stacked = await answer(client, "touchpoint.stack", touchpoint=board["B"], onto=board["A"])
    group = stacked["event"]["payload"]["touchpoint"]["group"]
    before = await revision(workshop.map_id)
    theirs = await sync_to_async(
        lambda: sorted(
            Touchpoint.objects.exclude(map_id=workshop.map_id).values_list(
                "id", "stage_id", "position", "group_id"
            )
        )
    )()
    for kind, fields in [
        ("touchpoint.stack", {"touchpoint": board["C"], "onto": other_map["touchpoint"]}),
        ("touchpoint.stack", {"touchpoint": other_map["touchpoint"], "onto": board["A"]}),
        ("touchpoint.ungroup", {"touchpoint": board["B"], "stage": other_map["stage"], "index": 0}),
        ("group.move", {"group": group, "stage": other_map["stage"], "index": 0}),
        ("group.move", {"group": other_map["group"], "stage": stages[0], "index": 0}),
        ("group.rename", {"group": other_map["group"], "name": "Hijacked"}),
    ]:
        reply = await answer(client, kind, **fields)
        assert (reply["type"], reply["code"]) == ("error", "not_found"), (kind, reply)
    assert await revision(workshop.map_id) == before
    after = await sync_to_async(
        lambda: sorted(
            Touchpoint.objects.exclude(map_id=workshop.map_id).values_list(
                "id", "stage_id", "position", "group_id"
            )
        )
    )()
    assert after == theirs
    assert await sync_to_async(TouchpointGroup.objects.get)(pk=other_map["group"]) is not None
    await client.disconnect()


@pytest.mark.parametrize(
    "name",
    [
        "<script>window.__xss=1</script>",
        "<img src=x onerror=alert(1)>",
        "\u202egnp.exe",
        "Zero\u200bwidth name",
        "مجموعة الألم",
    ],
)
async def test_a_hostile_group_name_round_trips_as_text(ann, workshop, board, name):
    await set_phase(workshop, "group")
    client = await connected(ann)
    stacked = await answer(client, "touchpoint.stack", touchpoint=board["B"], onto=board["A"])
    group = stacked["event"]["payload"]["touchpoint"]["group"]
    reply = await answer(client, "group.rename", group=group, name=name)
    assert reply["type"] == "ack", reply
    assert reply["event"]["payload"]["group"]["name"] == name
    stored = await sync_to_async(lambda: TouchpointGroup.objects.get(pk=group).name)()
    assert stored == name
    await client.disconnect()


@pytest.mark.parametrize(
    ("name", "code"),
    [("x" * 10_000, "too_long"), ("", "invalid"), ("\u200b\u200b", "invalid"), (["x"], "invalid")],
)
async def test_a_bad_group_name_is_refused_and_the_old_name_stays(ann, workshop, board, name, code):
    await set_phase(workshop, "group")
    client = await connected(ann)
    stacked = await answer(client, "touchpoint.stack", touchpoint=board["B"], onto=board["A"])
    group = stacked["event"]["payload"]["touchpoint"]["group"]
    before = await revision(workshop.map_id)
    reply = await answer(client, "group.rename", group=group, name=name)
    assert (reply["type"], reply["code"]) == ("error", code), reply
    assert await revision(workshop.map_id) == before
    stored = await sync_to_async(lambda: TouchpointGroup.objects.get(pk=group).name)()
    assert stored == "Group 1"
    await client.disconnect()
