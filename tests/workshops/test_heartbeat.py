"""The heartbeat: every browser sends a `sync` every 10 s, 200 a second from 2,000 of them, and
nearly all are up to date. The map's room answers those itself while the database confirmed
its revision less than fanout.REVISION_TRUSTED ago (else one small query after the member's
standing, in one trip to a database thread: bench/capacity.py). What that must not cost: a
broadcast the layer lost still heals (at the first heartbeat after the window), and a member
who is out is still closed, up to date or not (at their first heartbeat after
consumers.STANDING_RECHECK, when the word of it was lost)."""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from maps import operations as ops
from maps.models import JourneyMap, MapEvent
from maps.operations import log
from tests.workshops.live_client import communicator
from workshops import catchup, consumers, fanout
from workshops.models import Participant

pytest_plugins = ["tests.workshops.conftest_live"]


def revision(journey_map: JourneyMap) -> int:
    return JourneyMap.objects.get(pk=journey_map.pk).revision


@pytest.mark.django_db
def test_an_up_to_date_sync_reads_only_the_map_s_revision(
    journey_map, note, django_assert_num_queries
):
    now = revision(journey_map)
    with django_assert_num_queries(1):
        frame = catchup.sync_frame(journey_map.pk, now, workshop_id=1)
    assert json.loads(frame) == {
        "type": "sync",
        "since": now,
        "revision": now,
        "more": False,
        "events": [],
    }


@pytest.mark.django_db
def test_a_sync_one_behind_still_gets_the_event_it_missed(journey_map, actor, stages):
    before = revision(journey_map)
    ops.add_touchpoint(actor, journey_map, stage=stages[0], text="Missed")
    reply = json.loads(catchup.sync_frame(journey_map.pk, before, workshop_id=1))
    assert [e["revision"] for e in reply["events"]] == [before + 1]
    assert reply["events"][0]["payload"]["touchpoint"]["text"] == "Missed"
    assert reply["revision"] == before + 1


@pytest.mark.django_db
def test_a_sync_ahead_of_the_server_gets_the_board(journey_map, workshop, note):
    reply = json.loads(catchup.sync_frame(journey_map.pk, revision(journey_map) + 5, workshop.pk))
    assert reply["type"] == "snapshot"
    assert reply["snapshot"]["revision"] == revision(journey_map)


@pytest.mark.django_db(transaction=True)
async def test_an_up_to_date_heartbeat_of_a_removed_participant_closes_their_board(ann):
    comm = communicator(ann.workshop.join_code, ann)
    connected, _ = await comm.connect(timeout=10)
    assert connected
    hello = await comm.receive_json_from(timeout=5)
    # Removed behind the consumer's back: the word of it never reaches the socket.
    await sync_to_async(Participant.objects.filter(pk=ann.pk).update)(removed_at=timezone.now())
    await comm.send_json_to({"type": "sync", "since": hello["revision"]})
    while True:
        output = await comm.receive_output(timeout=5)
        if output["type"] == "websocket.close":
            break
        assert json.loads(output["text"])["type"] == "presence", output  # no sync answer
    assert output["code"] == 4410


async def joined(participant):
    comm = communicator(participant.workshop.join_code, participant)
    connected, _ = await comm.connect(timeout=10)
    assert connected
    hello = await comm.receive_json_from(timeout=5)
    return comm, hello


async def heartbeat(comm, since: int) -> dict:
    """A heartbeat's answer (presence messages skipped)."""
    await comm.send_json_to({"type": "sync", "since": since})
    while True:
        message = await comm.receive_json_from(timeout=5)
        if message["type"] != "presence":
            return message


@pytest.mark.django_db(transaction=True)
async def test_the_room_answers_an_up_to_date_heartbeat_without_the_database(ann, monkeypatch):
    asked = []
    real = catchup.sync_frame
    monkeypatch.setattr(catchup, "sync_frame", lambda *a: asked.append(a) or real(*a))
    comm, hello = await joined(ann)
    first = await heartbeat(comm, hello["revision"])  # the database confirms the revision
    second = await heartbeat(comm, hello["revision"])
    assert first == second == json.loads(catchup.up_to_date_frame(hello["revision"]))
    assert len(asked) == 1
    await comm.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_broadcast_the_layer_lost_heals_at_the_first_heartbeat_after_the_window(
    ann, actor, stages, monkeypatch
):
    monkeypatch.setattr(fanout, "REVISION_TRUSTED", 0.3)
    comm, hello = await joined(ann)
    await heartbeat(comm, hello["revision"])  # the room's revision confirmed
    with monkeypatch.context() as lossy:
        lossy.setattr(log, "publish_on_commit", lambda map_id, message: None)
        await sync_to_async(ops.add_touchpoint)(
            actor, ann.workshop.map, stage=stages[0], text="Never broadcast"
        )
    await asyncio.sleep(0.35)
    answer = await heartbeat(comm, hello["revision"])
    assert [e["payload"]["touchpoint"]["text"] for e in answer["events"]] == ["Never broadcast"]
    await comm.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_member_removed_while_the_word_was_lost_is_closed_after_the_recheck_time(
    ann, monkeypatch
):
    monkeypatch.setattr(consumers, "STANDING_RECHECK", 0.3)
    comm, hello = await joined(ann)
    await heartbeat(comm, hello["revision"])  # the room's revision confirmed
    await sync_to_async(Participant.objects.filter(pk=ann.pk).update)(removed_at=timezone.now())
    await asyncio.sleep(0.35)
    await comm.send_json_to({"type": "sync", "since": hello["revision"]})
    while True:
        output = await comm.receive_output(timeout=5)
        if output["type"] == "websocket.close":
            break
        assert json.loads(output["text"])["type"] == "presence", output  # no sync answer
    assert output["code"] == 4410


@pytest.mark.django_db
def test_a_sync_s_events_are_the_events_as_broadcast(journey_map, actor, stages, note):
    """catchup.event_text writes MapEvent.as_message by hand (the stored payload spliced in):
    the two must not drift apart."""
    before = revision(journey_map)
    ops.move_touchpoint(actor, journey_map, note, stage=stages[1], index=0)
    ops.update_touchpoint(actor, journey_map, note, text='Says "hi" <b>', op_id="op-1")
    reply = json.loads(catchup.sync_frame(journey_map.pk, before, workshop_id=1))
    logged = MapEvent.objects.filter(map=journey_map, revision__gt=before).order_by("revision")
    assert reply["events"] == [event.as_message() for event in logged]
