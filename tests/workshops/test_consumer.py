"""The live board's websocket: who may connect, every operation's ack and broadcast, and every
guard and error code (docs/protocol.md)."""

from __future__ import annotations

import json
import time

import pytest
from asgiref.sync import sync_to_async

from maps import operations as ops
from maps.models import MapEvent, Touchpoint
from maps.operations import OPERATIONS as DECLARED
from maps.operations import Operation
from maps.permissions import When, Who
from tests.workshops.live_client import LiveClient, communicator, fresh_state, new_op_id
from workshops import consumers, notify
from workshops.consumers import MAX_MESSAGE_CHARS
from workshops.models import Workshop
from workshops.operations import join_workshop, open_workshop

pytestmark = pytest.mark.django_db(transaction=True)
pytest_plugins = ["tests.workshops.conftest_live"]


async def connected(participant) -> LiveClient:
    state = await sync_to_async(fresh_state)(participant.workshop.map)
    client = LiveClient(participant, state)
    await client.connect()
    await client.drain(0.1)
    return client


async def send_raw(client: LiveClient, text: str) -> dict:
    """Send a frame as it is; the answer (presence messages of others are skipped)."""
    await client.comm.send_to(text_data=text)
    return await client.receive_until(lambda m: m["type"] in ("error", "ack", "pong"))


async def operate(client: LiveClient, kind: str, **fields) -> dict:
    op_id = await client.operate(kind, **fields)
    return await client.receive_until(
        lambda m: m["type"] in ("ack", "error") and m.get("op_id") == op_id
    )


# --- who may connect --------------------------------------------------------------------------


async def test_a_participant_is_greeted_with_the_map_revision(ann, workshop):
    client = LiveClient(ann, await sync_to_async(fresh_state)(workshop.map))
    hello = await client.connect()
    assert hello["participant"]["name"] == "Ann"
    assert hello["workshop"]["code"] == workshop.join_code
    assert hello["revision"] == workshop.map.revision
    await client.disconnect()


async def test_a_stranger_without_the_cookie_is_turned_away(workshop):
    comm = communicator(workshop.join_code, None)
    connected_, _ = await comm.connect()
    assert connected_  # accepted only to say why: then closed with the application's code
    closed = await comm.receive_output()
    assert closed == {"type": "websocket.close", "code": 4403}


async def test_a_participant_of_another_workshop_is_turned_away(owner, journey_map, workshop):
    other = await sync_to_async(open_workshop)(owner, journey_map)
    stranger = await sync_to_async(join_workshop)(other, display_name="Eve")
    comm = communicator(workshop.join_code, None)
    comm.scope["headers"].append(
        (b"cookie", f"jm_participant_{workshop.pk}={stranger.token}".encode())
    )
    await comm.connect()
    assert (await comm.receive_output())["code"] == 4403


async def test_an_unknown_workshop_code_is_turned_away(ann):
    comm = communicator("NOPE99", ann)
    await comm.connect()
    assert (await comm.receive_output())["code"] == 4404


async def test_a_connection_from_a_foreign_origin_is_refused(ann, workshop):
    comm = communicator(workshop.join_code, ann, origin=b"https://evil.example")
    connected_, _ = await comm.connect()
    assert not connected_


async def test_a_connection_without_an_origin_is_refused(ann, workshop):
    comm = communicator(workshop.join_code, ann, origin=None)
    connected_, _ = await comm.connect()
    assert not connected_


# --- every operation: ack with the revision, event to everyone --------------------------------

OPERATIONS = {
    "touchpoint.add": lambda ids: {"stage": ids["stages"][1], "text": "Gets the welcome email"},
    "touchpoint.update": lambda ids: {
        "touchpoint": ids["note"],
        "text": "Finds the form at last",
        "base_version": 1,
        "critical": True,
    },
    "touchpoint.move": lambda ids: {
        "touchpoint": ids["note"],
        "stage": ids["stages"][2],
        "index": 0,
    },
    "touchpoint.delete": lambda ids: {"touchpoint": ids["note"]},
    "stage.add": lambda ids: {"name": "Renewal", "index": 1},
    "stage.update": lambda ids: {
        "stage": ids["stages"][0],
        "feelings": "Curious",
        "emotion_now": 1,
    },
    "stage.move": lambda ids: {"stage": ids["stages"][2], "index": 0},
    "stage.delete": lambda ids: {"stage": ids["stages"][2]},
    "group.add": lambda ids: {"name": "Forms", "touchpoints": [ids["note"]]},
    "group.rename": lambda ids: {"group": ids["group"], "name": "Paperwork"},
    "group.delete": lambda ids: {"group": ids["group"]},
}
EVENTS = {
    "touchpoint.add": "touchpoint.added",
    "touchpoint.update": "touchpoint.updated",
    "touchpoint.move": "touchpoint.moved",
    "touchpoint.delete": "touchpoint.deleted",
    "stage.add": "stage.added",
    "stage.update": "stage.updated",
    "stage.move": "stage.moved",
    "stage.delete": "stage.deleted",
    "group.add": "group.added",
    "group.rename": "group.renamed",
    "group.delete": "group.deleted",
}


@pytest.mark.parametrize("kind", sorted(OPERATIONS))
async def test_each_operation_is_acked_and_reaches_every_other_screen(
    kind, facilitator, ann, workshop, stages, note, actor
):
    group = await sync_to_async(ops.add_group)(actor, workshop.map, name="Forms-old")
    ids = {"stages": stages, "note": note, "group": group.payload["group"]["id"]}
    me, other = await connected(facilitator), await connected(ann)
    before = await sync_to_async(lambda: type(workshop.map).objects.get().revision)()

    ack = await operate(me, kind, **OPERATIONS[kind](ids))

    assert ack["type"] == "ack", ack
    assert ack["revision"] == before + 1
    assert ack["event"]["event"] == EVENTS[kind]
    assert ack["duplicate"] is False
    event = await other.receive_until(lambda m: m["type"] == "event")
    assert event["revision"] == before + 1 and event["event"] == EVENTS[kind]
    assert event["op_id"] == ack["op_id"] and event["actor"] == facilitator.display_name
    await other.settle(revision=before + 1)
    assert other.state == await sync_to_async(fresh_state)(workshop.map)
    await me.disconnect()
    await other.disconnect()


async def test_a_change_made_outside_the_websocket_reaches_the_board(ann, workshop, stages, actor):
    """An htmx form on the map's page goes through the same operations: it is broadcast too."""
    client = await connected(ann)
    await sync_to_async(ops.add_touchpoint)(
        actor, workshop.map, stage=stages[0], text="From a form"
    )
    event = await client.receive_until(lambda m: m["type"] == "event")
    assert event["payload"]["touchpoint"]["text"] == "From a form"
    await client.disconnect()


async def test_a_workshop_message_is_forwarded_as_it_is(ann, workshop):
    client = await connected(ann)

    def announce():
        from django.db import transaction

        with transaction.atomic():
            notify.notify_workshop(workshop.pk, {"type": "phase", "phase": "group"})

    await sync_to_async(announce)()
    message = await client.receive_until(lambda m: m["type"] == "phase")
    assert message == {"type": "phase", "phase": "group"}
    await client.disconnect()


# --- idempotent resends -----------------------------------------------------------------------


async def test_a_resent_operation_is_applied_once(ann, workshop, stages):
    client = await connected(ann)
    message = {"type": "touchpoint.add", "op_id": "resend-1", "stage": stages[0], "text": "Once"}
    await client.send(message)
    first = await client.receive_until(lambda m: m["type"] == "ack")
    await client.send(message)
    second = await client.receive_until(lambda m: m["type"] == "ack")
    assert second["duplicate"] is True and second["revision"] == first["revision"]
    count = await sync_to_async(Touchpoint.objects.filter(text="Once").count)()
    assert count == 1
    await client.disconnect()


async def test_a_resend_after_the_board_was_locked_is_still_acknowledged(ann, workshop, stages):
    client = await connected(ann)
    message = {"type": "touchpoint.add", "op_id": "before-lock", "stage": stages[0], "text": "x"}
    await client.send(message)
    first = await client.receive_until(lambda m: m["type"] == "ack")
    workshop.locked = True
    await sync_to_async(workshop.save)()
    await client.send(message)
    again = await client.receive_until(lambda m: m["type"] in ("ack", "error"))
    assert again["type"] == "ack" and again["revision"] == first["revision"]
    await client.disconnect()


async def test_an_op_id_applied_on_another_map_is_refused_on_a_locked_board(
    ann, workshop, stages, owner, actor
):
    """op_ids are unique per map: an id some client used on map A is, on map B, a new
    operation, and a locked board B refuses it instead of acknowledging A's event."""

    @sync_to_async
    def second_workshop():
        other = ops.create_map(actor, title="Other", stage_names=["Elsewhere"])
        locked = open_workshop(owner, other)
        eve = join_workshop(locked, display_name="Eve")
        locked.locked = True
        locked.save()
        return other, eve

    on_a = await connected(ann)
    message = {"type": "touchpoint.add", "op_id": "same-id-1", "stage": stages[0], "text": "A"}
    await on_a.send(message)
    assert (
        await on_a.receive_until(
            lambda m: m["type"] in ("ack", "error") and m.get("op_id") == "same-id-1"
        )
    )["type"] == "ack"
    other, eve = await second_workshop()
    elsewhere = await sync_to_async(lambda: other.stages.get().pk)()
    before = await sync_to_async(lambda: type(other).objects.get(pk=other.pk).revision)()
    on_b = await connected(eve)
    await on_b.send({**message, "stage": elsewhere, "text": "B"})
    reply = await on_b.receive_until(
        lambda m: m["type"] in ("ack", "error") and m.get("op_id") == "same-id-1"
    )
    assert (reply["type"], reply["code"]) == ("error", "locked"), reply
    after = await sync_to_async(lambda: type(other).objects.get(pk=other.pk).revision)()
    assert after == before
    assert not await sync_to_async(Touchpoint.objects.filter(map=other).exists)()
    await on_a.disconnect()
    await on_b.disconnect()


# --- guards and error codes -------------------------------------------------------------------


async def revision_of(workshop) -> int:
    return await sync_to_async(
        lambda: type(workshop.map).objects.get(pk=workshop.map_id).revision
    )()


async def test_malformed_json_is_answered_with_bad_json(ann, workshop):
    client = await connected(ann)
    reply = await send_raw(client, "{not json")
    assert reply["type"] == "error" and reply["code"] == "bad_json"
    await client.disconnect()


@pytest.mark.parametrize("text", ["[1, 2]", '"hello"', '{"op_id": "x"}', '{"type": 7}'])
async def test_a_message_that_is_not_an_object_with_a_type_is_invalid(ann, text):
    client = await connected(ann)
    reply = await send_raw(client, text)
    assert reply["code"] == "invalid"
    await client.disconnect()


async def test_an_unknown_type_is_refused(ann):
    client = await connected(ann)
    reply = await send_raw(client, json.dumps({"type": "board.explode", "op_id": "u1"}))
    assert reply == {
        "type": "error",
        "op_id": "u1",
        "code": "unknown_type",
        "message": "Unknown message type.",
        "message_type": "board.explode",
    }
    await client.disconnect()


async def test_an_unknown_type_is_echoed_cut_to_40_characters_without_a_bad_op_id(ann):
    client = await connected(ann)
    long_type = "x" * 39 + "<script>" * 100
    reply = await send_raw(client, json.dumps({"type": long_type, "op_id": "<bad id>"}))
    assert (reply["code"], reply["op_id"]) == ("unknown_type", None)
    assert reply["message_type"] == long_type[:40]
    await client.disconnect()


async def test_a_pong_carries_the_maps_revision(ann, workshop, stages, actor):
    """So a client whose last broadcast was lost, with nothing pending, learns it is behind."""
    client = await connected(ann)
    start = await revision_of(workshop)
    assert await send_raw(client, '{"type": "ping"}') == {"type": "pong", "revision": start}
    for text in ("one", "two"):
        await sync_to_async(ops.add_touchpoint)(actor, workshop.map, stage=stages[0], text=text)
    pong = await send_raw(client, '{"type": "ping"}')
    assert pong == {"type": "pong", "revision": start + 2}
    await client.disconnect()


async def test_binary_frames_are_refused(ann):
    client = await connected(ann)
    await client.comm.send_to(bytes_data=b"\x00\x01")
    assert (await client.receive_until(lambda m: m["type"] == "error"))["code"] == "invalid"
    await client.disconnect()


async def test_an_oversized_message_is_refused_unread(ann, workshop, stages):
    client = await connected(ann)
    before = await revision_of(workshop)
    big = {
        "type": "touchpoint.add",
        "op_id": "big",
        "stage": stages[0],
        "text": "x" * MAX_MESSAGE_CHARS,
    }
    reply = await send_raw(client, json.dumps(big))
    assert reply["code"] == "too_large"
    assert await revision_of(workshop) == before
    await client.disconnect()


async def test_over_long_text_is_refused_and_changes_nothing(ann, workshop, stages):
    client = await connected(ann)
    before = await revision_of(workshop)
    reply = await operate(client, "touchpoint.add", stage=stages[0], text="x" * 501)
    assert reply["code"] == "too_long" and reply["field"] == "text"
    assert await revision_of(workshop) == before
    await client.disconnect()


async def test_an_operation_without_an_op_id_is_refused(ann, stages):
    client = await connected(ann)
    reply = await send_raw(
        client, json.dumps({"type": "touchpoint.add", "stage": stages[0], "text": "x"})
    )
    assert reply["code"] == "invalid" and "op_id" in reply["message"]
    await client.disconnect()


@pytest.mark.parametrize(
    "fields",
    [
        {"stage": "1", "text": "id as text"},
        {"stage": None, "text": "no stage"},
        {"text": "missing stage"},
        {"stage": 1, "text": "x", "colour": "red"},
        {"stage": 1, "text": ["a list"]},
        {"stage": 1, "text": "x", "index": "top"},
    ],
)
async def test_badly_shaped_fields_are_invalid(ann, workshop, stages, fields):
    client = await connected(ann)
    before = await revision_of(workshop)
    if fields.get("stage") == 1:
        fields = {**fields, "stage": stages[0]}
    reply = await operate(client, "touchpoint.add", **fields)
    assert reply["code"] == "invalid", reply
    assert await revision_of(workshop) == before
    await client.disconnect()


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        ("touchpoint.add", lambda o, s, n: {"stage": o["stage"], "text": "x"}),
        ("touchpoint.update", lambda o, s, n: {"touchpoint": o["touchpoint"], "text": "mine now"}),
        (
            "touchpoint.move",
            lambda o, s, n: {"touchpoint": o["touchpoint"], "stage": s[0], "index": 0},
        ),
        ("touchpoint.move", lambda o, s, n: {"touchpoint": n, "stage": o["stage"], "index": 0}),
        ("touchpoint.delete", lambda o, s, n: {"touchpoint": o["touchpoint"]}),
        ("touchpoint.update", lambda o, s, n: {"touchpoint": n, "group": o["group"]}),
        ("stage.update", lambda o, s, n: {"stage": o["stage"], "name": "Hijacked"}),
        ("group.rename", lambda o, s, n: {"group": o["group"], "name": "Hijacked"}),
        ("group.delete", lambda o, s, n: {"group": o["group"]}),
        ("group.add", lambda o, s, n: {"name": "Grab", "touchpoints": [o["touchpoint"]]}),
    ],
)
async def test_ids_of_another_map_are_not_found_and_change_nothing(
    facilitator, workshop, stages, note, other_map, kind, fields
):
    client = await connected(facilitator)
    before = await revision_of(workshop)
    reply = await operate(client, kind, **fields(other_map, stages, note))
    assert reply["type"] == "error" and reply["code"] == "not_found", reply
    assert await revision_of(workshop) == before
    await client.disconnect()


async def test_an_observer_cannot_add_a_note(olga, workshop, stages):
    client = await connected(olga)
    reply = await operate(client, "touchpoint.add", stage=stages[0], text="Watching")
    assert reply["code"] == "forbidden"
    await client.disconnect()


async def test_a_participant_cannot_change_the_spine(ann, stages):
    client = await connected(ann)
    for kind, fields in [
        ("stage.add", {"name": "Mine"}),
        ("stage.move", {"stage": stages[0], "index": 2}),
        ("stage.delete", {"stage": stages[0]}),
    ]:
        reply = await operate(client, kind, **fields)
        assert reply["code"] == "forbidden", kind
    await client.disconnect()


async def test_a_participant_cannot_edit_a_locked_board(ann, workshop, stages):
    workshop.locked = True
    await sync_to_async(workshop.save)()
    client = await connected(ann)
    reply = await operate(client, "touchpoint.add", stage=stages[0], text="Late idea")
    assert reply["code"] == "locked"
    await client.disconnect()


async def test_the_facilitator_may_edit_a_locked_board(facilitator, workshop, stages):
    workshop.locked = True
    await sync_to_async(workshop.save)()
    client = await connected(facilitator)
    reply = await operate(client, "touchpoint.add", stage=stages[0], text="Tidy up")
    assert reply["type"] == "ack"
    await client.disconnect()


async def test_a_participant_cannot_add_notes_while_voting(ann, workshop, stages):
    workshop.phase = "vote"
    await sync_to_async(workshop.save)()
    client = await connected(ann)
    reply = await operate(client, "touchpoint.add", stage=stages[0], text="Too late")
    assert reply["code"] == "wrong_phase"
    await client.disconnect()


async def test_nobody_edits_a_closed_workshop(facilitator, workshop, stages):
    client = await connected(facilitator)
    workshop.phase = "closed"
    await sync_to_async(workshop.save)()
    reply = await operate(client, "touchpoint.add", stage=stages[0], text="After the end")
    assert reply["code"] == "closed"
    await client.disconnect()


async def test_the_second_of_two_text_edits_gets_a_conflict_with_the_current_text(ann, bob, note):
    first, second = await connected(ann), await connected(bob)
    ok = await operate(
        first, "touchpoint.update", touchpoint=note, text="Ann's words", base_version=1
    )
    assert ok["type"] == "ack"
    clash = await operate(
        second, "touchpoint.update", touchpoint=note, text="Bob's words", base_version=1
    )
    assert clash["code"] == "conflict"
    assert clash["current"]["text"] == "Ann's words" and clash["current"]["version"] == 2
    text = await sync_to_async(lambda: Touchpoint.objects.get(pk=note).text)()
    assert text == "Ann's words"
    await first.disconnect()
    await second.disconnect()


async def test_a_duplicate_group_name_is_refused(ann, note):
    await sync_to_async(Workshop.objects.filter(pk=ann.workshop_id).update)(phase="group")
    client = await connected(ann)
    assert (await operate(client, "group.add", name="Forms"))["type"] == "ack"
    assert (await operate(client, "group.add", name="Forms"))["code"] == "duplicate"
    await client.disconnect()


async def test_deleting_a_stage_with_notes_asks_where_they_go(facilitator, stages, note):
    client = await connected(facilitator)
    reply = await operate(client, "stage.delete", stage=stages[0])
    assert reply["code"] == "stage_not_empty"
    moved = await operate(client, "stage.delete", stage=stages[0], move_notes_to=stages[1])
    assert moved["type"] == "ack"
    assert moved["event"]["payload"]["moved_touchpoints"][0]["id"] == note
    await client.disconnect()


async def test_a_flood_is_answered_with_rate_limited_not_a_crash(ann, workshop):
    client = await connected(ann)
    started = time.monotonic()
    for _ in range(200):
        await client.comm.send_to(text_data='{"type": "ping"}')
    # Still connected and answering once the flood is over; the probe's answer comes after
    # the answers to every ping of the flood.
    await client.probe()
    seconds = time.monotonic() - started
    errors = [m for m in client.seen if m["type"] == "error"]
    pongs = sum(1 for m in client.seen if m["type"] == "pong")
    assert {m["code"] for m in errors} == {"rate_limited"}
    assert len(errors) <= seconds + 1  # at most one a second
    assert all(m["op_id"] is None for m in errors)
    assert 0 < pongs < 200
    await client.disconnect()


class FrozenClock:
    """consumers.time for one test: monotonic() is what the test says."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


async def test_rate_limited_is_sent_at_most_once_a_second_and_the_rest_dropped(monkeypatch):
    clock = FrozenClock()
    monkeypatch.setattr(consumers, "time", clock)
    consumer = consumers.BoardConsumer()
    consumer.bucket = consumers.TokenBucket(consumers.RATE_PER_SECOND, consumers.RATE_BURST)
    consumer.last_refusal = 0.0
    answers: list[dict] = []

    async def send_json(content: dict) -> None:
        answers.append(content)

    consumer.send_json = send_json

    async def flood(messages: int) -> list[str]:
        answers.clear()
        for _ in range(messages):
            await consumer.receive(text_data='{"type": "no.such.thing"}')
        return [answer["code"] for answer in answers]

    # A burst of 60 is answered, then one refusal for all that is dropped.
    assert await flood(100) == ["unknown_type"] * 60 + ["rate_limited"]
    clock.now += 0.5  # 15 messages' worth comes back; half a second since the refusal
    assert await flood(40) == ["unknown_type"] * 15
    clock.now += 0.5  # a second since the refusal: one more
    assert await flood(40) == ["unknown_type"] * 15 + ["rate_limited"]
    clock.now += 60  # a quiet minute refills the burst, not more
    assert await flood(100) == ["unknown_type"] * 60 + ["rate_limited"]


async def test_a_failing_handler_answers_server_error_and_keeps_the_connection(ann, monkeypatch):
    def broken(participant):
        raise RuntimeError("boom")

    monkeypatch.setitem(
        DECLARED,
        "test.broken",
        Operation(
            "test.broken", broken, (), Who.EVERYONE, When.ALWAYS, "participant", lambda r, p: r
        ),
    )
    client = await connected(ann)
    reply = await send_raw(client, json.dumps({"type": "test.broken", "op_id": "b1"}))
    assert reply["code"] == "server_error" and reply["op_id"] == "b1"
    await client.send({"type": "ping"})
    await client.receive_until(lambda m: m["type"] == "pong")
    await client.disconnect()


# --- sync since a revision --------------------------------------------------------------------


async def test_sync_returns_the_events_after_a_revision_in_order(ann, workshop, stages, actor):
    client = await connected(ann)
    start = await revision_of(workshop)
    for text in ("one", "two", "three"):
        await sync_to_async(ops.add_touchpoint)(actor, workshop.map, stage=stages[0], text=text)
    await client.settle(revision=start + 3)
    await client.send({"type": "sync", "since": start})
    reply = await client.receive_until(lambda m: m["type"] == "sync")
    assert [e["revision"] for e in reply["events"]] == [start + 1, start + 2, start + 3]
    assert reply["revision"] == start + 3
    await client.disconnect()


async def test_sync_from_too_far_behind_gets_a_snapshot(ann, workshop, monkeypatch):
    monkeypatch.setattr("workshops.catchup.SYNC_EVENT_LIMIT", 0)
    client = await connected(ann)
    await client.send({"type": "sync", "since": 0})
    reply = await client.receive_until(lambda m: m["type"] in ("sync", "snapshot"))
    assert reply["type"] == "snapshot"
    assert reply["snapshot"]["revision"] == await revision_of(workshop)
    await client.disconnect()


async def test_sync_from_ahead_of_the_server_gets_a_snapshot(ann, workshop):
    client = await connected(ann)
    await client.send({"type": "sync", "since": 10_000})
    reply = await client.receive_until(lambda m: m["type"] in ("sync", "snapshot"))
    assert reply["type"] == "snapshot"
    await client.disconnect()


@pytest.mark.parametrize("since", [-1, "3", None, True])
async def test_sync_needs_a_revision(ann, since):
    client = await connected(ann)
    reply = await send_raw(client, json.dumps({"type": "sync", "since": since}))
    assert reply["code"] == "invalid"
    await client.disconnect()


# --- presence and ephemeral drags -------------------------------------------------------------


async def test_joins_and_leaves_are_shown_to_the_others(ann, bob):
    first = await connected(ann)
    second = LiveClient(bob, first.state)
    await second.connect()
    joined = await first.receive_until(lambda m: m["type"] == "presence")
    assert joined["op"] == "join" and joined["participant"]["name"] == "Bob"
    assert joined["participant"]["colour"].startswith("#")
    here = await second.receive_until(lambda m: m["type"] == "presence")
    assert here["op"] == "here" and here["participant"]["name"] == "Ann"
    await second.disconnect()
    left = await first.receive_until(lambda m: m["type"] == "presence")
    assert left["op"] == "leave" and left["participant"]["name"] == "Bob"
    await first.disconnect()


async def test_a_drag_is_relayed_to_others_and_never_stored(ann, bob, workshop, note, stages):
    dragger, watcher = await connected(ann), await connected(bob)
    await dragger.receive_until(lambda m: m["type"] == "presence" and m["op"] == "join")
    before = await revision_of(workshop)
    await dragger.send({"type": "drag", "touchpoint": note, "stage": stages[1], "index": 0})
    drag = await watcher.receive_until(lambda m: m["type"] == "drag")
    assert drag["participant"]["name"] == "Ann"
    assert (drag["touchpoint"], drag["stage"], drag["index"]) == (note, stages[1], 0)
    assert await revision_of(workshop) == before
    stage = await sync_to_async(lambda: Touchpoint.objects.get(pk=note).stage_id)()
    assert stage == stages[0]
    # The probe: the watcher's focus, relayed to the dragger through the same group after the
    # drag (which the watcher already received) was.
    await watcher.send({"type": "focus", "touchpoint": note, "activity": "editing"})
    await dragger.receive_until(lambda m: m["type"] == "focus")
    assert not any(m["type"] == "drag" for m in dragger.seen)
    await dragger.disconnect()
    await watcher.disconnect()


async def test_drag_positions_are_throttled(ann, bob, note, stages):
    dragger, watcher = await connected(ann), await connected(bob)
    for index in range(20):
        await dragger.send({"type": "drag", "touchpoint": note, "stage": stages[0], "index": index})
    # The probe: a focus the dragger sends after its drags, relayed to the watcher after them.
    await dragger.send({"type": "focus", "touchpoint": note, "activity": "dragging"})
    await watcher.receive_until(lambda m: m["type"] == "focus")
    relayed = [m for m in watcher.seen if m["type"] == "drag"]
    # Twenty positions sent at once: only the first gets through the 100 ms throttle.
    assert len(relayed) == 1
    await dragger.disconnect()
    await watcher.disconnect()


async def test_a_drag_of_another_maps_note_is_refused(ann, bob, stages, other_map):
    dragger, watcher = await connected(ann), await connected(bob)
    await dragger.send(
        {"type": "drag", "touchpoint": other_map["touchpoint"], "stage": stages[0], "index": 0}
    )
    reply = await dragger.receive_until(lambda m: m["type"] == "error")
    assert reply["code"] == "not_found"
    await dragger.send({"type": "focus", "touchpoint": None, "activity": None})  # the probe
    await watcher.receive_until(lambda m: m["type"] == "focus")
    assert not any(m["type"] == "drag" for m in watcher.seen)
    await dragger.disconnect()
    await watcher.disconnect()


async def test_editing_a_note_shows_who_is_on_it(ann, bob, note):
    editor, watcher = await connected(ann), await connected(bob)
    await editor.send({"type": "focus", "touchpoint": note, "activity": "editing"})
    focus = await watcher.receive_until(lambda m: m["type"] == "focus")
    assert focus["touchpoint"] == note and focus["activity"] == "editing"
    assert focus["participant"]["name"] == "Ann"
    await editor.send({"type": "focus", "touchpoint": None, "activity": None})
    done = await watcher.receive_until(lambda m: m["type"] == "focus")
    assert done["touchpoint"] is None
    await editor.disconnect()
    await watcher.disconnect()


@pytest.mark.parametrize(
    "message",
    [
        {"type": "focus", "touchpoint": "7", "activity": "editing"},
        {"type": "focus", "touchpoint": None, "activity": "dancing"},
        {"type": "drag", "touchpoint": 1, "stage": 1, "index": -1},
        {"type": "drag", "touchpoint": 1},
    ],
)
async def test_badly_shaped_presence_messages_are_invalid(ann, message):
    client = await connected(ann)
    assert (await send_raw(client, json.dumps(message)))["code"] == "invalid"
    await client.disconnect()


async def test_every_acknowledged_operation_has_one_event(facilitator, workshop, stages):
    client = await connected(facilitator)
    op_ids = []
    for text in ("a", "b", "c"):
        op_id = new_op_id()
        op_ids.append(op_id)
        await client.send(
            {"type": "touchpoint.add", "op_id": op_id, "stage": stages[0], "text": text}
        )
    answered = set()
    while answered != set(op_ids):
        reply = await client.receive_until(lambda m: m["type"] in ("ack", "error"))
        answered.add(reply["op_id"])
    assert {m["op_id"] for m in client.seen if m["type"] == "ack"} == set(op_ids)
    count = await sync_to_async(MapEvent.objects.filter(op_id__in=op_ids).count)()
    assert count == 3
    await client.disconnect()
