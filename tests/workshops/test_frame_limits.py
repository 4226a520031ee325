"""No frame the server sends is longer than FRAME_LIMIT (daphne refuses to send longer ones and
closes the socket, and a reconnecting client's sync hit the same wall forever): a long sync
comes in parts, a board too big for a frame is loaded over HTTP, a long burst of events is cut
into frames, and an event too long for any frame reaches clients through sync."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import sync_to_async
from django.urls import reverse

from maps import operations as ops
from maps.models import JourneyMap, Touchpoint
from maps.serializers import map_snapshot
from tests.workshops.live_client import LiveClient, fresh_state
from workshops import catchup, fanout

pytestmark = pytest.mark.django_db(transaction=True)
pytest_plugins = ["tests.workshops.conftest_live"]

LANES = ("actions", "thoughts", "feelings", "goals")


def long_stage_updates(journey_map: JourneyMap, actor, count: int) -> None:
    """`count` stage updates with every long lane at its 2,000-character limit."""
    stage = journey_map.stages.order_by("position").first()
    for n in range(count):
        lanes = {lane: f"{n}{lane}" * (2000 // (len(lane) + 3)) for lane in LANES}
        ops.update_stage(actor, journey_map, stage.pk, **lanes)


async def raw_sync(client: LiveClient, since: int) -> str:
    """The text of the answer to a sync, read off the socket as it is."""
    await client.comm.send_json_to({"type": "sync", "since": since})
    while True:
        output = await client.comm.receive_output(timeout=5)
        if json.loads(output["text"])["type"] == "sync":
            return output["text"]


async def test_a_long_sync_comes_in_frames_under_the_limit_and_the_client_catches_up(
    ann, journey_map, actor
):
    """40 stage updates of 8 KB each are over 1 MiB of events: before, one sync frame held
    them all (over daphne's limit: the socket closed, and the reconnect's sync did it again)."""
    start = await sync_to_async(lambda: JourneyMap.objects.get(pk=journey_map.pk).revision)()
    client = LiveClient(ann, await sync_to_async(fresh_state)(journey_map))
    await client.connect()
    await client.drain(0.1)
    await sync_to_async(long_stage_updates)(journey_map, actor, 40)
    await client.drain(0.3)
    texts = [await raw_sync(client, start)]
    while json.loads(texts[-1])["more"]:
        texts.append(await raw_sync(client, json.loads(texts[-1])["revision"]))
    assert len(texts) > 1 and max(len(text) for text in texts) <= catchup.FRAME_LIMIT
    replies = [json.loads(text) for text in texts]
    assert replies[-1]["revision"] == start + 40
    revisions = [e["revision"] for reply in replies for e in reply["events"]]
    assert revisions == list(range(start + 1, start + 41))


async def test_a_board_too_big_for_a_frame_is_loaded_over_http(
    ann, journey_map, actor, stages, client, monkeypatch
):
    monkeypatch.setattr(catchup, "FRAME_LIMIT", 2_000)
    for n in range(30):
        await sync_to_async(ops.add_touchpoint)(actor, journey_map, stage=stages[0], text=f"N{n}")
    board = LiveClient(ann, await sync_to_async(fresh_state)(journey_map))
    await board.connect()
    await board.comm.send_json_to({"type": "snapshot"})
    reply = await board.receive_until(lambda m: m["type"] == "snapshot")
    assert "snapshot" not in reply
    assert reply["url"] == reverse("workshop_snapshot", args=[ann.workshop_id])
    # The URL serves the board to the workshop's members (the guest's cookie), nobody else.
    client.cookies[f"jm_participant_{ann.workshop_id}"] = ann.token
    loaded = await sync_to_async(client.get)(reply["url"])
    fresh = await sync_to_async(JourneyMap.objects.get)(pk=journey_map.pk)
    assert loaded.json() == await sync_to_async(map_snapshot)(fresh)
    client.cookies.clear()
    stranger = await sync_to_async(client.get)(reply["url"])
    assert stranger.status_code in (302, 404)
    await board.disconnect()


async def test_a_burst_of_long_events_goes_out_in_frames_under_the_limit(
    ann, journey_map, actor, monkeypatch
):
    monkeypatch.setattr(fanout, "FRAME_LIMIT", 20_000)
    client = LiveClient(ann, await sync_to_async(fresh_state)(journey_map))
    await client.connect()
    await client.drain(0.1)
    await sync_to_async(long_stage_updates)(journey_map, actor, 12)
    await client.settle(revision=client.state["revision"] + 12)
    frames = [m for m in client.seen if m["type"] in ("event", "events")]
    assert all(len(json.dumps(f, separators=(",", ":"))) <= 20_000 for f in frames)


async def test_an_event_too_long_for_any_frame_reaches_the_client_through_sync(
    ann, journey_map, actor, stages, monkeypatch
):
    monkeypatch.setattr(fanout, "FRAME_LIMIT", 600)
    client = LiveClient(ann, await sync_to_async(fresh_state)(journey_map))
    await client.connect()
    await client.drain(0.1)
    await sync_to_async(ops.add_touchpoint)(actor, journey_map, stage=stages[0], text="x" * 500)
    await sync_to_async(ops.add_touchpoint)(actor, journey_map, stage=stages[0], text="short")
    # The long note's event was never framed; the short one shows the gap; sync fills it.
    await client.settle(revision=client.state["revision"] + 2)
    texts = sorted(t["text"] for t in client.state["touchpoints"].values())
    assert texts == sorted(
        await sync_to_async(list)(Touchpoint.objects.values_list("text", flat=True))
    )
