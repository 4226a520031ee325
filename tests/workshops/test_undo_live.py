"""Undo and redo over the live board's websocket (issue 18): a participant undoes their own
change, every screen hears the undo as one event and ends with the database's board; the hello
and each undo's ack say what Undo and Redo would do next; the phase, the lock and the role
decide as they do for the change itself; an undo in the way of someone else's change is
refused, naming them; and the stack survives a reconnect (it is the server's)."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from maps import operations as ops
from tests.workshops.live_client import LiveClient, fresh_state
from workshops.facilitation import set_locked, set_phase
from workshops.models import Vote

pytestmark = pytest.mark.django_db(transaction=True)
pytest_plugins = ["tests.workshops.conftest_live"]


async def connected(participant) -> tuple[LiveClient, dict]:
    client = LiveClient(participant, await sync_to_async(fresh_state)(participant.workshop.map))
    hello = await client.connect()
    await client.drain(0.1)
    return client, hello


async def operate(client: LiveClient, kind: str, **fields) -> dict:
    op_id = await client.operate(kind, **fields)
    return await client.receive_until(
        lambda m: m["type"] in ("ack", "error") and m.get("op_id") == op_id
    )


async def test_an_undone_delete_reaches_every_screen_with_its_votes(workshop, ann, bob, note):
    await sync_to_async(Vote.objects.create)(
        workshop=workshop, participant=bob, touchpoint_id=note, tag="pain"
    )
    before = await sync_to_async(fresh_state)(workshop.map)
    ann_client, hello = await connected(ann)
    bob_client, _ = await connected(bob)
    assert hello["stack"] == {"undo": None, "redo": None}

    deleted = await operate(ann_client, "touchpoint.delete", touchpoint=note)
    assert deleted["type"] == "ack"
    undone = await operate(ann_client, "undo")
    assert undone["type"] == "ack", undone
    assert undone["event"]["event"] == "undo"
    assert undone["stack"] == {"undo": None, "redo": "deleted “Finds the sign-up form”"}

    truth = await sync_to_async(fresh_state)(workshop.map)
    for client in (ann_client, bob_client):
        await client.settle(revision=truth["revision"])
        assert client.state == truth
    assert {k: v for k, v in truth.items() if k != "revision"} == {
        k: v for k, v in before.items() if k != "revision"
    }
    assert await sync_to_async(Vote.objects.filter(touchpoint_id=note, participant=bob).count)()
    # The votes never travel: not in the undo's event, on no screen.
    assert not any("pain" in str(m) for m in bob_client.seen if m["type"] == "event")

    redone = await operate(ann_client, "redo")
    assert redone["type"] == "ack"
    assert redone["stack"]["undo"] == "deleted “Finds the sign-up form”"
    for client in (ann_client, bob_client):
        await client.disconnect()


async def test_the_stack_survives_a_reconnect(workshop, ann, stages, note):
    client, _ = await connected(ann)
    await operate(client, "touchpoint.move", touchpoint=note, stage=stages[1], index=0)
    await client.disconnect()
    client, hello = await connected(ann)
    assert hello["stack"]["undo"] == "moved “Finds the sign-up form”"
    assert (await operate(client, "undo"))["type"] == "ack"
    await client.disconnect()


async def test_nothing_to_undo_is_said(workshop, ann):
    client, _ = await connected(ann)
    answer = await operate(client, "undo")
    assert (answer["type"], answer["code"]) == ("error", "nothing_to_undo")
    assert answer["message"] == "You have nothing to undo on this map."
    await client.disconnect()


@pytest.mark.parametrize("phase", ["vote", "reveal"])
async def test_a_participant_undoes_only_while_the_change_itself_is_allowed(
    workshop, ann, stages, note, phase
):
    client, _ = await connected(ann)
    await operate(client, "touchpoint.move", touchpoint=note, stage=stages[1], index=0)
    await sync_to_async(set_phase)(workshop, phase)
    answer = await operate(client, "undo")
    assert (answer["type"], answer["code"]) == ("error", "wrong_phase")
    await client.disconnect()


async def test_no_undo_while_the_board_is_locked(workshop, ann, stages, note):
    client, _ = await connected(ann)
    await operate(client, "touchpoint.move", touchpoint=note, stage=stages[1], index=0)
    await sync_to_async(set_locked)(workshop, True)
    answer = await operate(client, "undo")
    assert (answer["type"], answer["code"]) == ("error", "locked")
    await client.disconnect()


async def test_an_observer_has_no_undo(workshop, olga):
    client, _ = await connected(olga)
    answer = await operate(client, "undo")
    assert (answer["type"], answer["code"]) == ("error", "forbidden")
    await client.disconnect()


async def test_an_undo_over_someone_elses_change_is_refused_naming_them(workshop, ann, bob, note):
    ann_client, _ = await connected(ann)
    bob_client, _ = await connected(bob)
    await operate(ann_client, "touchpoint.update", touchpoint=note, text="Ann's words")
    await operate(bob_client, "touchpoint.update", touchpoint=note, text="Bob's words")
    answer = await operate(ann_client, "undo")
    assert (answer["type"], answer["code"]) == ("error", "conflict")
    assert answer["message"] == (
        "Not possible: Bob changed “Bob's words” since. Undoing would overwrite their change."
    )
    assert answer["by"] == "Bob"
    for client in (ann_client, bob_client):
        await client.disconnect()


async def test_an_undo_resent_is_applied_once(workshop, ann, stages, note):
    client, _ = await connected(ann)
    await operate(client, "touchpoint.move", touchpoint=note, stage=stages[1], index=0)
    await operate(client, "touchpoint.move", touchpoint=note, stage=stages[2], index=0)
    message = {"type": "undo", "op_id": "undo-once"}
    await client.send(message)
    answered = lambda m: m["type"] in ("ack", "error") and m.get("op_id") == "undo-once"  # noqa: E731
    first = await client.receive_until(answered)
    await client.send(message)
    second = await client.receive_until(answered)
    assert first["type"] == second["type"] == "ack"
    assert second["duplicate"] is True
    assert first["revision"] == second["revision"]
    state = await sync_to_async(fresh_state)(workshop.map)
    assert state["touchpoints"][note]["stage"] == stages[1]  # one step back, not two
    await client.disconnect()


async def test_a_restore_reaches_every_open_board(workshop, owner, ann, bob, stages, note):
    version = await sync_to_async(ops.take_version)(ops.Actor.for_user(owner), workshop.map, "v1")
    ann_client, _ = await connected(ann)
    bob_client, _ = await connected(bob)
    await operate(ann_client, "touchpoint.update", touchpoint=note, text="Changed live")
    await operate(bob_client, "touchpoint.add", stage=stages[1], text="Added live")

    event = await sync_to_async(ops.restore_version)(
        ops.Actor.for_user(owner), workshop.map, version
    )
    truth = await sync_to_async(fresh_state)(workshop.map)
    assert truth["revision"] == event.revision
    for client in (ann_client, bob_client):
        await client.settle(revision=truth["revision"])
        assert client.state == truth
        assert any(m.get("event") == "map.restored" for m in client.seen)
    assert [t["text"] for t in truth["touchpoints"].values()] == ["Finds the sign-up form"]
    for client in (ann_client, bob_client):
        await client.disconnect()
