"""The room's progress through the real websocket consumer (issue 17.2): the facilitator's
connections hear it, nobody else's do, a facilitator who only watches now (their map role fell
to viewer) neither; "I'm done" and its answers.

"Nothing arrived" is checked with a probe: after the room's last change, a probe goes to the
facilitator's group and then to the person's own group. A connection wrongly in the
facilitator's group gets the first before the second (one channel per connection, in order), so
everything it received before its own probe is everything that could have leaked."""

from __future__ import annotations

import json
import uuid

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from maps.models import MapMembership
from tests.workshops.live_client import LiveClient, fresh_state
from workshops.facilitation import set_phase
from workshops.notify import WORKSHOP_EVENT, facilitator_group, participant_group
from workshops.operations import join_workshop, open_workshop

pytestmark = pytest.mark.django_db(transaction=True)
pytest_plugins = ["tests.workshops.conftest_live"]


async def connected(participant) -> LiveClient:
    client = LiveClient(participant, await sync_to_async(fresh_state)(participant.workshop.map))
    client.hello = await client.connect()
    return client


async def reply(client: LiveClient, kind: str, **fields) -> dict:
    op_id = await client.operate(kind, **fields)
    return await client.receive_until(
        lambda m: m["type"] in ("ack", "error") and m.get("op_id") == op_id
    )


async def probed(client: LiveClient, workshop_id: int, participant_id: int) -> list[dict]:
    """Everything `client` received until a probe sent after one to the facilitator's group."""
    layer = get_channel_layer()
    token = uuid.uuid4().hex
    for group, kind in (
        (facilitator_group(workshop_id), "leak"),
        (participant_group(participant_id), "probe"),
    ):
        text = json.dumps({"type": kind, "token": token})
        await layer.group_send(group, {"type": WORKSHOP_EVENT, "text": text})
    start = len(client.seen)
    await client.receive_until(lambda m: m.get("type") == "probe" and m.get("token") == token)
    return client.seen[start:-1]


async def test_only_the_facilitators_screen_follows_the_room(workshop, facilitator, ann, bob, note):
    await sync_to_async(set_phase)(workshop, "vote")
    boss, anns, bobs = await connected(facilitator), await connected(ann), await connected(bob)
    assert boss.hello["facilitation"]["progress"]["total"] == 2
    assert anns.hello["facilitation"]["progress"] is None

    assert (await reply(anns, "vote.set", touchpoint=note, tag="pain", on=True))["type"] == "ack"
    ack = await reply(bobs, "ready.set", ready=True)
    assert (ack["type"], ack["ready"]) == ("ack", True)
    progress = await boss.receive_until(
        lambda m: m["type"] == "room.progress" and m["voted"] == 1 and m["ready"] == 1
    )
    assert [(p["name"], p["voted"], p["remaining"], p["ready"]) for p in progress["people"]] == [
        ("Ann", True, 9, False),
        ("Bob", False, 10, True),
    ]
    for client, person in ((anns, ann), (bobs, bob)):
        await probed(client, workshop.pk, person.pk)
        heard = [m["type"] for m in client.seen]
        assert "room.progress" not in heard and "leak" not in heard, (person.display_name, heard)
    mine = [m for m in bobs.seen if m["type"] == "votes.mine"]
    assert mine and mine[-1]["ready"] is True  # Bob's own tabs know he is done
    for client in (boss, anns, bobs):
        await client.disconnect()


async def test_a_facilitator_who_now_only_watches_is_not_told_the_progress(
    journey_map, editor, note, ann
):
    workshop = await sync_to_async(open_workshop)(editor, journey_map)
    await sync_to_async(set_phase)(workshop, "vote")
    await sync_to_async(MapMembership.objects.filter(map=journey_map, user=editor).update)(
        role="viewer"
    )
    former = await sync_to_async(workshop.participants.get)(user=editor)
    watcher = await connected(former)
    assert watcher.hello["participant"]["role"] == "observer"
    assert watcher.hello["facilitation"]["progress"] is None
    state = await reply(watcher, "workshop.state")
    assert state["type"] == "ack" and state["progress"] is None
    guest = await sync_to_async(join_workshop)(workshop, display_name="Gus")
    voter = await connected(guest)
    assert (await reply(voter, "vote.set", touchpoint=note, tag="pain", on=True))["type"] == "ack"
    await probed(watcher, workshop.pk, former.pk)
    heard = [m["type"] for m in watcher.seen]
    assert "room.progress" not in heard and "leak" not in heard, heard
    for client in (watcher, voter):
        await client.disconnect()
