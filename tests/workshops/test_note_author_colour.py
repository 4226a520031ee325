"""A note shows who added it and may have a colour of paper (issue 16): the author is written
once, from whoever adds the note (a workshop participant's name and presence colour, an
account's name), never from a client's message; the colour is a declared field of
touchpoint.add / touchpoint.update, one of the note colours."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.db import IntegrityError, transaction

from maps import operations as ops
from maps.models import Touchpoint
from maps.operations import OperationError
from tests.workshops.live_client import LiveClient, fresh_state

pytest_plugins = ["tests.workshops.conftest_live"]


async def connected(participant) -> LiveClient:
    client = LiveClient(participant, await sync_to_async(fresh_state)(participant.workshop.map))
    client.hello = await client.connect()
    await client.receive_until(lambda m: m["type"] == "sync")
    return client


async def answer(client: LiveClient, kind: str, **fields) -> dict:
    op_id = await client.operate(kind, **fields)
    return await client.receive_until(
        lambda m: m["type"] in ("ack", "error") and m.get("op_id") == op_id
    )


@pytest.mark.django_db(transaction=True)
async def test_a_note_added_live_carries_its_participants_name_and_colour(ann, stages):
    client = await connected(ann)
    ack = await answer(client, "touchpoint.add", stage=stages[0], text="Signs up", colour="pink")
    await client.disconnect()

    assert ack["type"] == "ack", ack
    note = ack["event"]["payload"]["touchpoint"]
    assert (note["author"], note["author_colour"], note["colour"]) == ("Ann", ann.colour, "pink")
    saved = await sync_to_async(Touchpoint.objects.get)(pk=note["id"])
    assert (saved.author_name, saved.author_colour, saved.colour) == ("Ann", ann.colour, "pink")


@pytest.mark.django_db(transaction=True)
async def test_a_client_cannot_name_the_author_of_a_note(ann, stages):
    client = await connected(ann)
    refused = await answer(client, "touchpoint.add", stage=stages[0], text="Hi", author="Fran")
    await client.disconnect()
    assert refused["type"] == "error" and refused["code"] == "invalid", refused
    assert not await sync_to_async(Touchpoint.objects.exists)()


@pytest.mark.django_db
def test_an_account_on_the_maps_page_is_the_author_without_a_colour(journey_map, actor, stages):
    event = ops.add_touchpoint(actor, journey_map, stage=stages[0], text="Reads the FAQ")
    note = Touchpoint.objects.get(pk=event.payload["touchpoint"]["id"])
    assert (note.author_name, note.author_colour) == ("owner", "")


@pytest.mark.django_db
def test_the_system_adds_notes_with_no_author(journey_map, stages):
    event = ops.add_touchpoint(ops.SYSTEM, journey_map, stage=stages[0], text="Imported")
    assert event.payload["touchpoint"]["author"] == ""


@pytest.mark.django_db
def test_a_colour_that_is_not_a_hex_colour_is_never_stored_as_the_authors(journey_map, stages):
    odd = ops.Actor(name="Eve", participant_id=99, colour="red;background:url(x)")
    event = ops.add_touchpoint(odd, journey_map, stage=stages[0], text="Hello")
    assert event.payload["touchpoint"]["author_colour"] == ""
    assert event.payload["touchpoint"]["author"] == "Eve"


@pytest.mark.django_db
def test_editing_a_note_keeps_its_author(journey_map, actor, stages):
    ann = ops.Actor(name="Ann", participant_id=7, colour="#b91c1c")
    note = ops.add_touchpoint(ann, journey_map, stage=stages[0], text="A").payload["touchpoint"]
    event = ops.update_touchpoint(actor, journey_map, note["id"], text="B", colour="blue")
    after = event.payload["touchpoint"]
    assert (after["author"], after["author_colour"], after["colour"]) == ("Ann", "#b91c1c", "blue")


@pytest.mark.django_db
def test_an_unknown_note_colour_is_refused_and_nothing_changes(journey_map, actor, stages):
    note = ops.add_touchpoint(actor, journey_map, stage=stages[0], text="A").payload["touchpoint"]
    with pytest.raises(OperationError) as refused:
        ops.update_touchpoint(actor, journey_map, note["id"], colour="red")
    assert refused.value.code == "invalid" and refused.value.details.get("field") == "colour"
    assert Touchpoint.objects.get(pk=note["id"]).colour == ""


@pytest.mark.django_db
def test_the_database_refuses_an_unknown_note_colour(journey_map, actor, stages):
    note = ops.add_touchpoint(actor, journey_map, stage=stages[0], text="A").payload["touchpoint"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Touchpoint.objects.filter(pk=note["id"]).update(colour="red")
