"""Hostile input over the live board's websocket: every message type with every field of the
wrong type, ids of another map, unicode edge cases, floods and foreign origins. Each is an
error (never a server error), nothing changes, and the server keeps serving the others.

tests/workshops/test_consumer.py checks each guard once; this sweep runs them over every
registered handler, so a new message type is covered the day it is added."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from maps import operations as ops
from maps.models import JourneyMap, Touchpoint
from maps.operations import OPERATIONS as HANDLERS
from tests.workshops.live_client import LiveClient, communicator, fresh_state, new_op_id
from workshops import consumers
from workshops.models import Workshop
from workshops.operations import join_workshop

pytestmark = pytest.mark.django_db(transaction=True)
pytest_plugins = ["tests.workshops.conftest_live"]

# A well-formed message per handler ({placeholders} filled with this map's ids). The sweep
# breaks one field at a time. A handler missing here fails test_every_handler_is_swept.
TEMPLATES: dict[str, dict[str, Any]] = {
    "touchpoint.add": {"stage": "S", "text": "x"},
    "touchpoint.update": {"touchpoint": "N", "text": "y"},
    "touchpoint.move": {"touchpoint": "N", "stage": "S", "index": 0},
    "touchpoint.delete": {"touchpoint": "N"},
    "touchpoint.step": {"touchpoint": "N", "to": "next"},
    "touchpoint.group": {"touchpoint": "N", "name": "Ads"},
    "stage.add": {"name": "New"},
    "stage.update": {"stage": "S", "name": "Renamed"},
    "stage.move": {"stage": "S", "index": 1},
    "stage.delete": {"stage": "S", "move_notes_to": "S2"},
    "stage.step": {"stage": "S", "to": "next"},
    "group.add": {"name": "G", "touchpoints": ["N"]},
    "group.rename": {"group": "G", "name": "H"},
    "group.delete": {"group": "G"},
    "group.move": {"group": "G", "stage": "S", "index": 0},
    "touchpoint.stack": {"touchpoint": "N", "onto": "N"},
    "touchpoint.ungroup": {"touchpoint": "N", "stage": "S", "index": 0},
    "action.add": {"touchpoint": "N", "text": "x", "owner": "", "due": "", "status": "open"},
    "action.update": {"action": "A", "text": "y", "owner": "", "due": "", "status": "done"},
    "action.delete": {"action": "A"},
    "phase.set": {"phase": "group"},
    "votes.reveal": {},
    "board.lock": {"locked": True},
    "votes.budget": {"budget": 5},
    "timer.start": {"seconds": 60},
    "timer.extend": {"seconds": 30},
    "timer.pause": {},
    "timer.resume": {},
    "timer.stop": {},
    "vote.set": {"touchpoint": "N", "tag": "pain", "on": True},
    "workshop.state": {},
    "participant.remove": {"participant": "P"},
    "code.renew": {},
    "ready.set": {"ready": True},
    "ready.reset": {},
    "comment.add": {"touchpoint": "N", "body": "x", "mentions": []},
    "comment.edit": {"comment": "C", "body": "y"},
    "comment.delete": {"comment": "C"},
    "thread.resolve": {"thread": "T"},
    "thread.reopen": {"thread": "T"},
    "reaction.set": {"comment": "C", "reaction": "+1", "on": True},
    # Segments (issue 20): R is a further persona on the map, K one of the facilitator's library.
    "persona.add": {"persona": "K"},
    "persona.remove": {"persona": "R"},
    "persona.primary": {"persona": "R"},
    "stage.feel": {"stage": "S", "persona": "R", "feelings": "x", "emotion_now": 1},
    "touchpoint.scope": {"touchpoint": "N", "personas": ["R"]},
    "votes.per_persona": {"on": True},
    "undo": {},
    "redo": {},
}
ID_FIELDS = {
    "stage",
    "touchpoint",
    "group",
    "move_notes_to",
    "participant",
    "action",
    "comment",
    "thread",
    "onto",
    "persona",
}
SCORE_FIELDS = {"emotion_now", "emotion_aspiration"}
BOUNDED_FIELDS = {"budget", "seconds"}
BOOL_FIELDS = {"locked", "on", "ready"}
# Values of the wrong type for each kind of field.
# An id beyond any row (2**70) is well-typed: it is not found, like any id not on this map.
NO_SUCH_ID = 2**70
WRONG = {
    "id": [True, 0, -1, NO_SUCH_ID, 1.5, "1", [], {}, "1; DROP TABLE maps_stage"],
    # A too-large index means "at the end": it is clamped, so only wrong types are wrong.
    "index": [True, 1.5, "1", [], {}, None],
    "bounded": [True, 1.5, "1", [], {}, None, NO_SUCH_ID, -1, 0],
    "bool": [1, "true", None, [], {}],
    "text": [1, [], {}, True],
    "list": ["N", 1, {}, [[1]], ["x"], [NO_SUCH_ID]],
    "mentions": ["member:1", 1, {}, [1], ["x"], ["member:x"], ["m" * 41], ["member:1"] * 21],
    "score": [True, 1.5, "x", [], {}, 3, -3],
}
VOTE_HANDLERS = {"vote.set"}


def kind_of(field: str) -> str:
    if field in ID_FIELDS:
        return "id"
    if field == "index":
        return "index"
    if field in BOUNDED_FIELDS:
        return "bounded"
    if field in BOOL_FIELDS:
        return "bool"
    if field in ("touchpoints", "personas"):
        return "list"
    if field == "mentions":
        return "mentions"
    if field in SCORE_FIELDS:
        return "score"
    return "text"


@pytest.fixture
def ids(journey_map, actor, workshop) -> dict[str, int]:
    stages = list(journey_map.stages.order_by("position").values_list("pk", flat=True))
    note = ops.add_touchpoint(actor, journey_map, stage=stages[0], text="A note")
    group = ops.add_group(actor, journey_map, name="Group")
    guest = join_workshop(workshop, display_name="Gus")
    action = ops.add_action(
        actor, journey_map, touchpoint=note.payload["touchpoint"]["id"], text="Act"
    )
    comment = ops.add_comment(
        actor, journey_map, touchpoint=note.payload["touchpoint"]["id"], body="Comment"
    )
    primary, further, library = (
        ops.create_persona(actor, name=name) for name in ("Primary", "Further", "Library")
    )
    ops.add_map_persona(actor, journey_map, primary.pk)
    ops.add_map_persona(actor, journey_map, further.pk)
    return {
        "C": comment.payload["comment"]["id"],
        "T": comment.payload["thread"]["id"],
        "R": further.pk,
        "K": library.pk,
        "A": action.payload["action"]["id"],
        "S": stages[0],
        "S2": stages[1],
        "N": note.payload["touchpoint"]["id"],
        "G": group.payload["group"]["id"],
        "P": guest.pk,
    }


def filled(template: dict[str, Any], ids: dict[str, int]) -> dict[str, Any]:
    def fill(value: Any) -> Any:
        if isinstance(value, str) and value in ids:
            return ids[value]
        if isinstance(value, list):
            return [fill(v) for v in value]
        return value

    return {key: fill(value) for key, value in template.items()}


async def connected(participant) -> LiveClient:
    state = await sync_to_async(fresh_state)(participant.workshop.map)
    client = LiveClient(participant, state)
    await client.connect()
    await client.drain(0.1)
    return client


async def reply_to(client: LiveClient, message: dict[str, Any]) -> dict[str, Any]:
    """The answer to this message: the ack or error carrying its op_id (an error with a null
    op_id answers a frame that could not be read as an operation: not this one)."""
    op_id = new_op_id("hostile")
    await client.send({**message, "op_id": op_id})
    return await client.receive_until(
        lambda m: m["type"] in ("ack", "error") and m.get("op_id") == op_id
    )


@sync_to_async
def world(workshop: Workshop) -> tuple:
    """Everything a message could change: the map, the workshop's state, the votes."""
    journey_map = JourneyMap.objects.get(pk=workshop.map_id)
    fresh = Workshop.objects.get(pk=workshop.pk)
    return (
        journey_map.revision,
        fresh.phase,
        fresh.locked,
        fresh.vote_budget,
        fresh.revealed_at,
        fresh.timer_ends_at,
        fresh.timer_paused_remaining,
        sorted(Touchpoint.objects.filter(map_id=workshop.map_id).values_list("id", "text")),
        fresh.votes.count(),
        fresh.join_code,
        sorted(fresh.participants.values_list("id", "removed_at", "ready_at")),
        fresh.votes_per_persona,
    )


def test_every_handler_is_swept():
    assert set(HANDLERS) <= set(TEMPLATES), set(HANDLERS) - set(TEMPLATES)


@pytest.mark.parametrize("kind", sorted(TEMPLATES))
async def test_every_field_of_the_wrong_type_is_an_error_and_changes_nothing(
    facilitator, workshop, ids, kind
):
    if kind in VOTE_HANDLERS:
        await sync_to_async(Workshop.objects.filter(pk=workshop.pk).update)(phase="vote")
    client = await connected(facilitator)
    template = filled(TEMPLATES[kind], ids)
    before = await world(workshop)
    cases = [({**template, "unexpected": 1}, "invalid")]
    for field in template:
        for bad in WRONG[kind_of(field)]:
            well_typed = kind_of(field) == "id" and bad == NO_SUCH_ID
            cases.append(({**template, field: bad}, "not_found" if well_typed else "invalid"))
    for message, code in cases:
        reply = await reply_to(client, {"type": kind, **message})
        assert (reply["type"], reply["code"]) == ("error", code), (message, reply)
        assert await world(workshop) == before, message
    # Still serving this connection after all that.
    await client.send({"type": "ping"})
    await client.receive_until(lambda m: m["type"] == "pong")
    await client.disconnect()


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        ("stage.delete", lambda own, other: {"stage": own["S"], "move_notes_to": other["stage"]}),
        ("stage.move", lambda own, other: {"stage": other["stage"], "index": 0}),
        ("stage.delete", lambda own, other: {"stage": other["stage"], "delete_notes": True}),
        (
            "vote.set",
            lambda own, other: {"touchpoint": other["touchpoint"], "tag": "pain", "on": True},
        ),
    ],
)
async def test_ids_of_another_map_are_refused_by_every_handler(
    facilitator, workshop, ids, other_map, kind, fields
):
    # (test_consumer.py covers the note, stage and group edits; these are the rest.)
    if kind == "vote.set":
        await sync_to_async(Workshop.objects.filter(pk=workshop.pk).update)(phase="vote")
    other_before = await sync_to_async(
        lambda: sorted(
            Touchpoint.objects.exclude(map_id=workshop.map_id).values_list(
                "id", "stage_id", "position"
            )
        )
    )()
    client = await connected(facilitator)
    before = await world(workshop)
    reply = await reply_to(client, {"type": kind, **fields(ids, other_map)})
    assert (reply["type"], reply["code"]) == ("error", "not_found"), reply
    assert await world(workshop) == before
    other_after = await sync_to_async(
        lambda: sorted(
            Touchpoint.objects.exclude(map_id=workshop.map_id).values_list(
                "id", "stage_id", "position"
            )
        )
    )()
    assert other_after == other_before
    await client.disconnect()


# --- unicode ------------------------------------------------------------------------------

KEPT = [
    "\u202egnp.exe",  # right-to-left override: shown as the person typed it, not reinterpreted
    "🧭 map 👩🏽‍💻 team 🇪🇺",  # 4-byte emoji, ZWJ sequence, flag
    "e\u0301 combining, \u200b zero width, \ufeff BOM",
    "<script>window.__xss=1</script>",  # data in JSON; the board renders it as text
]


@pytest.mark.parametrize("text", KEPT)
async def test_unusual_text_round_trips_exactly(ann, ids, text):
    client = await connected(ann)
    reply = await reply_to(client, {"type": "touchpoint.add", "stage": ids["S"], "text": text})
    assert reply["type"] == "ack", reply
    stored = await sync_to_async(
        lambda: Touchpoint.objects.get(pk=reply["event"]["payload"]["touchpoint"]["id"]).text
    )()
    assert stored == text.strip() == reply["event"]["payload"]["touchpoint"]["text"]
    await client.disconnect()


async def test_nul_characters_are_removed_not_stored(ann, ids):
    client = await connected(ann)
    reply = await reply_to(client, {"type": "touchpoint.add", "stage": ids["S"], "text": "a\x00b"})
    assert reply["type"] == "ack"
    assert reply["event"]["payload"]["touchpoint"]["text"] == "ab"
    await client.disconnect()


@pytest.mark.parametrize("escaped", ["\\ud800", "x\\udfff", "\\udc00\\ud800"])
async def test_a_lone_surrogate_is_invalid_and_changes_nothing(ann, workshop, ids, escaped):
    # JSON may carry a lone surrogate ("\ud800"); no database can store it as UTF-8.
    client = await connected(ann)
    before = await world(workshop)
    op_id = new_op_id("surrogate")
    raw = f'{{"type":"touchpoint.add","op_id":"{op_id}","stage":{ids["S"]},"text":"{escaped}"}}'
    await client.comm.send_to(text_data=raw)
    reply = await client.receive_until(
        lambda m: m["type"] in ("ack", "error") and m.get("op_id") == op_id
    )
    assert reply["type"] == "error" and reply["code"] == "invalid", reply
    assert await world(workshop) == before
    await client.disconnect()


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ('{"type": "ping"' + " " * 40_000 + "}", "too_large"),
        (
            json.dumps(
                {"type": "touchpoint.add", "op_id": "big", "stage": 1, "text": "x" * 40_000}
            ),
            "too_large",
        ),
        ("[" * 10_000 + "]" * 10_000, "bad_json"),
        ('{"type": "ping", "x": ' + "[" * 5_000 + "]" * 5_000 + "}", "bad_json"),
        ("\x00", "bad_json"),
        ("null", "invalid"),
        ('{"type": 1}', "invalid"),
        ('{"type": "touchpoint.add", "op_id": "' + "x" * 65 + '"}', "invalid"),
        ('{"type": "touchpoint.add", "op_id": "<script>"}', "invalid"),
    ],
    ids=[
        "padded",
        "huge-text",
        "deep-list",
        "deep-field",
        "nul",
        "null",
        "int-type",
        "long-op-id",
        "markup-op-id",
    ],
)
async def test_malformed_and_huge_frames_are_errors_and_the_connection_lives(
    ann, workshop, text, code
):
    client = await connected(ann)
    before = await world(workshop)
    await client.comm.send_to(text_data=text)
    reply = await client.receive_until(lambda m: m["type"] in ("error", "pong"))
    assert (reply["type"], reply["code"], reply["op_id"]) == ("error", code, None), reply
    assert await world(workshop) == before
    await client.send({"type": "ping"})
    await client.receive_until(lambda m: m["type"] == "pong")
    await client.disconnect()


# --- floods and origins ---------------------------------------------------------------------


async def test_a_flood_from_one_member_does_not_stop_the_others(
    ann, bob, workshop, ids, monkeypatch
):
    # The bucket refills at one message a second here, so the flood overflows it however slow
    # the database is (at 30 a second a slow one let all 300 through, refusing nothing).
    # The rate itself is tested in tests/workshops/test_consumer.py.
    monkeypatch.setattr(consumers, "RATE_PER_SECOND", 1.0)
    flooder, other = await connected(ann), await connected(bob)
    for n in range(300):
        await flooder.comm.send_to(
            text_data=json.dumps(
                {"type": "touchpoint.add", "op_id": f"flood-{n}", "stage": ids["S"], "text": "spam"}
            )
        )
    reply = await reply_to(other, {"type": "touchpoint.add", "stage": ids["S"], "text": "Bob's"})
    assert reply["type"] == "ack", reply
    await flooder.probe()  # answered after every message of the flood
    # Each was applied once or refused as too many: never a server error, never applied twice.
    codes = {m.get("code") for m in flooder.seen if m["type"] == "error"}
    assert codes == {"rate_limited"}, codes
    acked = {m["op_id"] for m in flooder.seen if m["type"] == "ack"}
    # A burst's worth got through: all but the one the client's sync on connecting took.
    assert consumers.RATE_BURST - 1 <= len(acked) < 300
    spam = await sync_to_async(Touchpoint.objects.filter(text="spam").count)()
    assert spam == len(acked)
    await flooder.disconnect()
    await other.disconnect()


@pytest.mark.parametrize(
    "origin",
    [
        b"http://evil.example",
        b"null",
        b"http://127.0.0.1.evil.example",
        b"http://evil.example/127.0.0.1",
        b"file://",
        b"http://localhost@evil.example",
    ],
)
async def test_a_websocket_from_a_foreign_origin_is_refused(ann, workshop, origin):
    comm = communicator(workshop.join_code, ann, origin=origin)
    connected, _ = await comm.connect(timeout=5)
    assert not connected
    await comm.disconnect()


async def test_guessing_codes_over_the_websocket_is_limited_too(ann, workshop, settings):
    settings.CODE_GUESS_LIMIT = 2
    address = f"10.12.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"

    async def close_code(code: str) -> int:
        comm = communicator(code, ann)
        comm.scope["client"] = (address, 50000)
        await comm.connect()
        closed = (await comm.receive_output())["code"]
        await comm.disconnect()
        return closed

    assert [await close_code("NOPE11"), await close_code("NOPE12")] == [4404, 4404]
    # Now an unknown code closes exactly like a real one without a membership: no oracle.
    assert await close_code("NOPE13") == 4403
    stranger = communicator(workshop.join_code, None)
    stranger.scope["client"] = (address, 50001)
    await stranger.connect()
    assert (await stranger.receive_output())["code"] == 4403
    await stranger.disconnect()
    # A member (who holds a secret token, not a guess) still gets in.
    member = communicator(workshop.join_code, ann)
    member.scope["client"] = (address, 50002)
    connected, _ = await member.connect()
    assert connected
    await member.disconnect()
