"""Promises of docs/protocol.md that the other consumer tests do not check: the page's
websocket URL, the hello's shape, an empty sync, each field's limit at and past it over the
websocket, a server error that changed nothing, and groups joined again on a ping."""

from __future__ import annotations

import logging

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction
from django.urls import reverse

from maps import operations as ops
from maps import positions
from maps.models import JourneyMap, MapEvent, Touchpoint, TouchpointGroup
from maps.operations import log
from tests.workshops.live_client import LiveClient, fresh_state
from tests.workshops.voting_room import IN_MEMORY_LAYER
from workshops import consumers, facilitation, notify
from workshops.access import cookie_name
from workshops.models import Workshop

pytestmark = pytest.mark.django_db(transaction=True)
pytest_plugins = ["tests.workshops.conftest_live"]


async def connected(participant) -> LiveClient:
    client = LiveClient(participant, await sync_to_async(fresh_state)(participant.workshop.map))
    client.hello = await client.connect()
    await client.receive_until(lambda m: m["type"] == "sync")  # the answer to connect()'s sync
    return client


async def answer(client: LiveClient, kind: str, **fields) -> dict:
    op_id = await client.operate(kind, **fields)
    return await client.receive_until(
        lambda m: m["type"] in ("ack", "error") and m.get("op_id") == op_id
    )


async def revision_of(map_id: int) -> int:
    return await sync_to_async(lambda: JourneyMap.objects.get(pk=map_id).revision)()


# --- connecting -------------------------------------------------------------------------------


def test_the_live_page_gives_the_websocket_url(client, workshop, ann):
    client.cookies[cookie_name(workshop.pk)] = ann.token
    page = client.get(reverse("workshop_live", args=[workshop.join_code])).content.decode()
    assert f'data-ws-url="ws://testserver/ws/workshops/{workshop.pk}/"' in page
    assert 'id="live"' in page


async def test_the_hello_says_who_where_at_which_revision_and_the_facilitation_state(ann, workshop):
    client = await connected(ann)
    hello = client.hello
    revision = await revision_of(workshop.map_id)
    assert set(hello) == {
        "type",
        "connection",
        "participant",
        "workshop",
        "map",
        "revision",
        "facilitation",
        "stack",
    }
    assert hello["stack"] == {"undo": None, "redo": None}  # what Undo and Redo would do
    assert hello["participant"] == {
        "id": ann.pk,
        "name": "Ann",
        "colour": ann.colour,
        "role": "participant",
        "guest": True,
    }
    assert hello["workshop"] == {
        "id": workshop.pk,
        "code": workshop.join_code,
        "phase": "gather",
        "locked": False,
    }
    assert (hello["map"], hello["revision"]) == (workshop.map_id, revision)
    facilitation = hello["facilitation"]
    assert set(facilitation) == {"workshop", "my_votes", "heat", "progress"}
    assert facilitation["workshop"]["type"] == "workshop.state"
    assert facilitation["my_votes"]["votes"] == [] and facilitation["heat"] is None
    assert facilitation["progress"] is None  # the facilitator's alone
    await client.disconnect()


async def test_a_sync_from_the_current_revision_is_an_empty_list(ann, workshop):
    client = await connected(ann)
    revision = await revision_of(workshop.map_id)
    await client.send({"type": "sync", "since": revision})
    reply = await client.receive_until(lambda m: m["type"] in ("sync", "snapshot"))
    assert reply == {
        "type": "sync",
        "since": revision,
        "revision": revision,
        "more": False,
        "events": [],
    }
    await client.disconnect()


async def test_focus_on_another_maps_note_is_not_found_and_not_relayed(ann, bob, note, other_map):
    editor, watcher = await connected(ann), await connected(bob)
    await editor.send(
        {"type": "focus", "touchpoint": other_map["touchpoint"], "activity": "editing"}
    )
    reply = await editor.receive_until(lambda m: m["type"] == "error")
    assert (reply["code"], reply["op_id"]) == ("not_found", None)
    # The probe: a focus on a note of this map, relayed after anything the first one caused.
    await editor.send({"type": "focus", "touchpoint": note, "activity": "editing"})
    relayed = await watcher.receive_until(lambda m: m["type"] == "focus")
    assert relayed["touchpoint"] == note
    assert [m for m in watcher.seen if m["type"] == "focus"] == [relayed]
    await editor.disconnect()
    await watcher.disconnect()


async def test_a_note_added_with_the_maps_htmx_form_reaches_the_live_board(
    client, owner, ann, workshop, stages
):
    board = await connected(ann)
    await sync_to_async(client.force_login)(owner)
    response = await sync_to_async(client.post)(
        reverse("note_add", args=[workshop.map_id]),
        {"stage": stages[1], "text": "Typed on the map page"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    message = await board.receive_until(lambda m: m["type"] in ("event", "events"))
    [event] = message["events"] if message["type"] == "events" else [message]
    assert event["event"] == "touchpoint.added" and event["actor"] == owner.username
    assert event["payload"]["touchpoint"]["text"] == "Typed on the map page"
    await board.disconnect()


# --- each field's limit, at it and past it ----------------------------------------------------


def many_notes(journey_map: JourneyMap, count: int) -> list[int]:
    """`count` notes in the last stage, in order, with short keys spread evenly."""
    stage = journey_map.stages.order_by("position").last()
    digits = positions.DIGITS
    notes = Touchpoint.objects.bulk_create(
        Touchpoint(
            map=journey_map,
            stage=stage,
            position=f"{digits[1 + n // 36]}{digits[n % 36]}i",
            text=f"Note {n}",
        )
        for n in range(count)
    )
    return [note.pk for note in notes]


# name → (type, fields from (stage ids, note ids), expected code or None for an ack, field)
LIMITS = {
    "text at 500": ("touchpoint.add", lambda s, n: {"stage": s[0], "text": "x" * 500}, None),
    "text at 501": (
        "touchpoint.add",
        lambda s, n: {"stage": s[0], "text": "x" * 501},
        ("too_long", "text"),
    ),
    "department at 60": (
        "touchpoint.update",
        lambda s, n: {"touchpoint": n[0], "department": "d" * 60},
        None,
    ),
    "department at 61": (
        "touchpoint.update",
        lambda s, n: {"touchpoint": n[0], "department": "d" * 61},
        ("too_long", "department"),
    ),
    "stage name at 120": ("stage.add", lambda s, n: {"name": "s" * 120}, None),
    "stage name at 121": ("stage.add", lambda s, n: {"name": "s" * 121}, ("too_long", None)),
    "emotion at -2 and +2": (
        "stage.update",
        lambda s, n: {"stage": s[0], "emotion_now": -2, "emotion_aspiration": 2},
        None,
    ),
    "emotion at +3": (
        "stage.update",
        lambda s, n: {"stage": s[0], "emotion_now": 3},
        ("invalid", "emotion_now"),
    ),
    "aspiration at -3": (
        "stage.update",
        lambda s, n: {"stage": s[0], "emotion_aspiration": -3},
        ("invalid", "emotion_aspiration"),
    ),
    "conversion at 100": (
        "stage.update",
        lambda s, n: {"stage": s[0], "conversion_pct": 100},
        None,
    ),
    "conversion at 101": (
        "stage.update",
        lambda s, n: {"stage": s[0], "conversion_pct": 101},
        ("invalid", "conversion_pct"),
    ),
    "conversion at -1": (
        "stage.update",
        lambda s, n: {"stage": s[0], "conversion_pct": -1},
        ("invalid", "conversion_pct"),
    ),
    "loop back to an earlier stage": (
        "stage.update",
        lambda s, n: {"stage": s[2], "loops_back_to": s[0]},
        None,
    ),
    "loop back to no stage": (
        "stage.update",
        lambda s, n: {"stage": s[2], "loops_back_to": None},
        None,
    ),
    "loop back to a later stage": (
        "stage.update",
        lambda s, n: {"stage": s[0], "loops_back_to": s[2]},
        ("invalid", None),
    ),
    "loop back to itself": (
        "stage.update",
        lambda s, n: {"stage": s[1], "loops_back_to": s[1]},
        ("invalid", None),
    ),
    "a group of 500 notes": (
        "group.add",
        lambda s, n: {"name": "Big", "touchpoints": n[:500]},
        None,
    ),
    "a group of 501 notes": (
        "group.add",
        lambda s, n: {"name": "Too big", "touchpoints": n[:501]},
        ("invalid", None),
    ),
}


@pytest.mark.parametrize("case", sorted(LIMITS))
async def test_each_field_is_accepted_at_its_limit_and_refused_past_it(
    case, facilitator, workshop, stages
):
    kind, fields, refusal = LIMITS[case]
    notes = await sync_to_async(many_notes)(workshop.map, 501)
    client = await connected(facilitator)
    before = await revision_of(workshop.map_id)
    reply = await answer(client, kind, **fields(stages, notes))
    if refusal is None:
        assert reply["type"] == "ack", reply
        assert await revision_of(workshop.map_id) == before + 1
    else:
        code, field = refusal
        assert (reply["type"], reply["code"]) == ("error", code), reply
        if field is not None:
            assert reply["field"] == field, reply
        assert await revision_of(workshop.map_id) == before
    await client.disconnect()


async def test_a_group_of_500_notes_gathers_them_all(facilitator, workshop):
    notes = await sync_to_async(many_notes)(workshop.map, 500)
    client = await connected(facilitator)
    reply = await answer(client, "group.add", name="Everything", touchpoints=notes)
    assert reply["event"]["payload"]["touchpoints"] == notes
    grouped = await sync_to_async(Touchpoint.objects.filter(group__name="Everything").count)()
    assert grouped == 500
    await client.disconnect()


# --- server_error: a bug rolls back everything the operation wrote ----------------------------


def failing_after_the_writes(monkeypatch) -> None:
    """The operations layer fails while appending the event: after the operation wrote its
    rows and took the map's next revision."""

    def broken(*args, **kwargs):
        raise RuntimeError("a bug after the writes")

    monkeypatch.setattr(log, "append_event", broken)


def board_of(map_id: int):
    return sync_to_async(
        lambda: (
            JourneyMap.objects.get(pk=map_id).revision,
            sorted(Touchpoint.objects.filter(map_id=map_id).values_list("id", "stage_id", "group")),
            sorted(TouchpointGroup.objects.filter(map_id=map_id).values_list("id", "name")),
            MapEvent.objects.filter(map_id=map_id).count(),
        )
    )()


def events_in(message: dict) -> list[dict]:
    if message["type"] == "events":
        return message["events"]
    return [message] if message["type"] == "event" else []


SERVER_ERROR_CASES = {
    "touchpoint.add": lambda s, n: {"stage": s[1], "text": "Half written"},
    "group.add": lambda s, n: {"name": "Half a group", "touchpoints": [n]},
    "stage.delete": lambda s, n: {"stage": s[0], "move_notes_to": s[1]},
}


@pytest.mark.parametrize("kind", sorted(SERVER_ERROR_CASES))
async def test_a_server_error_rolls_back_the_partial_write_and_tells_nobody(
    kind, facilitator, ann, workshop, stages, note, monkeypatch, caplog
):
    client, watcher = await connected(facilitator), await connected(ann)
    before = await board_of(workshop.map_id)
    failing_after_the_writes(monkeypatch)
    with caplog.at_level(logging.ERROR, logger="workshops.consumers"):
        reply = await answer(client, kind, **SERVER_ERROR_CASES[kind](stages, note))
    assert reply == {
        "type": "error",
        "op_id": reply["op_id"],
        "code": "server_error",
        "message": "Something went wrong; nothing changed.",
    }
    assert f"Operation {kind} failed" in caplog.text  # logged on the server
    assert await board_of(workshop.map_id) == before
    monkeypatch.undo()
    # The probe: the next change takes the very next revision and is the first event anyone sees.
    ack = await answer(client, "touchpoint.add", stage=stages[2], text="After the bug")
    assert ack["revision"] == before[0] + 1
    await watcher.receive_until(lambda m: ack["op_id"] in [e["op_id"] for e in events_in(m)])
    seen = [event for message in watcher.seen for event in events_in(message)]
    assert [(e["revision"], e["op_id"]) for e in seen] == [(ack["revision"], ack["op_id"])]
    await client.disconnect()
    await watcher.disconnect()


async def test_a_server_error_in_a_phase_change_reveals_nothing(
    facilitator, ann, workshop, note, monkeypatch
):
    """The phase is written before the counts are read: a failure there rolls the phase back
    and drops the messages that were waiting for the commit."""
    await sync_to_async(facilitation.set_phase)(workshop, "vote")
    client, watcher = await connected(facilitator), await connected(ann)
    assert (await answer(watcher, "vote.set", touchpoint=note, tag="pain", on=True))["on"]

    def broken(workshop):
        raise RuntimeError("a bug while counting")

    monkeypatch.setattr(facilitation, "revealed_heat", broken)
    reply = await answer(client, "votes.reveal")
    assert (reply["type"], reply["code"]) == ("error", "server_error"), reply
    fresh = await sync_to_async(Workshop.objects.get)(pk=workshop.pk)
    assert (fresh.phase, fresh.revealed_at) == ("vote", None)
    monkeypatch.undo()
    # The probe: a budget change every screen hears, after anything the failed reveal sent.
    await answer(client, "votes.budget", budget=9)
    await watcher.receive_until(lambda m: m["type"] == "workshop.state")
    states = [m for m in watcher.seen if m["type"] == "workshop.state"]
    assert [(s["phase"], s["vote_budget"]) for s in states] == [("vote", 9)]
    assert not [m for m in watcher.seen if m["type"].startswith("heat.")]
    await client.disconnect()
    await watcher.disconnect()


# --- a forgotten group is joined again on a ping ----------------------------------------------


async def test_a_connection_joins_its_groups_again_on_a_ping(
    ann, workshop, stages, actor, settings, monkeypatch
):
    """A restarted Redis forgets every group: the connection would stay open but deaf. The
    layer here is the in-memory one, whose groups the test can wipe as a restart does."""
    settings.CHANNEL_LAYERS = IN_MEMORY_LAYER
    monkeypatch.setattr(consumers, "GROUP_RENEW_INTERVAL", 0.0)
    client = await connected(ann)
    get_channel_layer().groups.clear()
    await client.send({"type": "ping"})
    await client.receive_until(lambda m: m["type"] == "pong")

    @sync_to_async
    def changes() -> None:
        ops.add_touchpoint(actor, workshop.map, stage=stages[0], text="Heard again")
        with transaction.atomic():
            notify.notify_workshop(workshop.pk, {"type": "phase", "phase": "group"})

    await changes()
    heard: set[str] = set()
    while heard != {"map", "workshop"}:
        message = await client.receive()
        if message["type"] in ("event", "events"):
            heard.add("map")
        elif message["type"] == "phase":
            heard.add("workshop")
    await client.disconnect()


async def test_groups_are_not_joined_again_on_every_ping(ann, monkeypatch):
    """Renewal costs the layer a round trip per group: at most every GROUP_RENEW_INTERVAL."""
    monkeypatch.setattr(consumers, "GROUP_RENEW_INTERVAL", 3600.0)
    client = await connected(ann)
    calls = []
    layer = get_channel_layer()
    real = layer.group_add

    async def counting(group, channel):
        calls.append(group)
        await real(group, channel)

    monkeypatch.setattr(layer, "group_add", counting)
    for _ in range(5):
        await client.send({"type": "ping"})
        await client.receive_until(lambda m: m["type"] == "pong")
    assert calls == []
    await client.disconnect()
