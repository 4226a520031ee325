"""The heartbeat: every browser sends a `sync` every 10 s, 200 a second from 2,000 of them, and
nearly all are up to date. Such a sync is answered from the map's revision alone (one small
query after the member's standing, in one trip to a database thread: bench/capacity.py), and
is still gated: a member who is out is closed, up to date or not."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from maps import operations as ops
from maps.models import JourneyMap
from tests.workshops.live_client import communicator
from workshops import catchup
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
