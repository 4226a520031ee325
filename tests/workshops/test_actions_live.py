"""Action items in a live workshop (issue 17): the Discuss phase's operations over the
websocket, acked and heard by every screen; who may (facilitator and participants in Discuss,
observers and viewers only read, nobody once closed); a person in the room as an owner; the
live page's list and forms."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from maps import operations as ops
from maps.models import ActionItem, MapMembership
from tests.workshops.live_client import LiveClient, fresh_state
from workshops.access import cookie_name
from workshops.facilitation import set_locked, set_phase
from workshops.models import Participant
from workshops.operations import join_workshop, open_workshop

pytestmark = pytest.mark.django_db(transaction=True)
pytest_plugins = ["tests.workshops.conftest_live"]


async def connected(participant) -> LiveClient:
    client = LiveClient(participant, await sync_to_async(fresh_state)(participant.workshop.map))
    await client.connect()
    await client.drain(0.1)
    return client


async def operate(client: LiveClient, kind: str, **fields) -> dict:
    op_id = await client.operate(kind, **fields)
    return await client.receive_until(
        lambda m: m["type"] in ("ack", "error") and m.get("op_id") == op_id
    )


@pytest.fixture
def discussing(workshop):
    set_phase(workshop, "discuss")
    return workshop


@pytest.fixture
def action(journey_map, actor, note) -> int:
    event = ops.add_action(actor, journey_map, touchpoint=note, text="Shorten the form")
    return event.payload["action"]["id"]


OPERATIONS = {
    "action.add": lambda ids: {
        "touchpoint": ids["note"],
        "text": "Call every new customer",
        "owner": f"participant:{ids['ann']}",
        "due": "2026-12-01",
    },
    "action.update": lambda ids: {
        "action": ids["action"],
        "text": "Shorten the form to one page",
        "base_version": 1,
        "status": "doing",
    },
    "action.delete": lambda ids: {"action": ids["action"]},
}
EVENTS = {"action.add": "action.added", "action.update": "action.updated"}


@pytest.mark.parametrize("kind", sorted(OPERATIONS))
async def test_a_participant_changes_actions_in_discuss_and_every_screen_hears_it(
    kind, discussing, facilitator, ann, note, action
):
    ids = {"note": note, "action": action, "ann": ann.pk}
    me, other = await connected(ann), await connected(facilitator)

    ack = await operate(me, kind, **OPERATIONS[kind](ids))

    assert ack["type"] == "ack", ack
    assert ack["event"]["event"] == EVENTS.get(kind, "action.deleted")
    assert ack["event"]["actor"] == "Ann"
    event = await other.receive_until(lambda m: m["type"] == "event")
    assert event["revision"] == ack["revision"] and event["op_id"] == ack["op_id"]
    await other.settle(revision=ack["revision"])
    assert other.state == await sync_to_async(fresh_state)(discussing.map)
    await me.disconnect()
    await other.disconnect()


async def test_a_guest_in_the_room_owns_an_action_by_their_name(discussing, ann, note):
    client = await connected(ann)
    ack = await operate(
        client, "action.add", touchpoint=note, text="Call back", owner=f"participant:{ann.pk}"
    )
    action = ack["event"]["payload"]["action"]
    assert (action["owner"], action["owner_name"]) == (f"participant:{ann.pk}", "Ann")
    stored = await sync_to_async(ActionItem.objects.get)()
    assert (stored.owner_participant, stored.owner_user_id) == (ann.pk, None)
    await client.disconnect()


def test_only_people_in_this_maps_workshops_who_are_in_may_own_an_action(
    owner, journey_map, actor, note, workshop, ann, bob, editor
):
    elsewhere = ops.create_map(actor, title="Elsewhere", stage_names=["A"])
    stranger = join_workshop(open_workshop(owner, elsewhere), display_name="Eve")
    Participant.objects.filter(pk=bob.pk).update(removed_at=timezone.now())
    former = join_workshop(workshop, display_name="Ed", user=editor)
    MapMembership.objects.filter(map=journey_map, user=editor).delete()
    for person in (stranger, bob, former):
        with pytest.raises(ops.OperationError) as refused:
            owner_ = f"participant:{person.pk}"
            ops.add_action(actor, journey_map, touchpoint=note, text="x", owner=owner_)
        assert refused.value.code == "not_found", person.display_name
    ops.add_action(actor, journey_map, touchpoint=note, text="x", owner=f"participant:{ann.pk}")
    assert ActionItem.objects.get().owner_name == "Ann"


@pytest.mark.parametrize("kind", sorted(OPERATIONS))
@pytest.mark.parametrize("phase", ["gather", "group", "vote", "reveal"])
async def test_participants_change_actions_only_in_discuss(
    kind, phase, workshop, ann, note, action
):
    await sync_to_async(set_phase)(workshop, phase)
    client = await connected(ann)
    refused = await operate(
        client, kind, **OPERATIONS[kind]({"note": note, "action": action, "ann": ann.pk})
    )
    assert (refused["type"], refused["code"]) == ("error", "wrong_phase"), refused
    assert await sync_to_async(ActionItem.objects.count)() == 1
    await client.disconnect()


@pytest.mark.parametrize("kind", sorted(OPERATIONS))
async def test_the_facilitator_changes_actions_in_any_open_phase_and_when_locked(
    kind, workshop, facilitator, ann, note, action
):
    await sync_to_async(set_locked)(workshop, True)  # and in the gather phase
    client = await connected(facilitator)
    ack = await operate(
        client, kind, **OPERATIONS[kind]({"note": note, "action": action, "ann": ann.pk})
    )
    assert ack["type"] == "ack", ack
    await client.disconnect()


@pytest.mark.parametrize("kind", sorted(OPERATIONS))
async def test_observers_and_the_locked_board_refuse_actions(
    kind, discussing, ann, olga, note, action
):
    ids = {"note": note, "action": action, "ann": ann.pk}
    watcher = await connected(olga)
    refused = await operate(watcher, kind, **OPERATIONS[kind](ids))
    assert (refused["type"], refused["code"]) == ("error", "forbidden"), refused
    await watcher.disconnect()
    await sync_to_async(set_locked)(discussing, True)
    client = await connected(ann)
    refused = await operate(client, kind, **OPERATIONS[kind](ids))
    assert (refused["type"], refused["code"]) == ("error", "locked"), refused
    assert await sync_to_async(ActionItem.objects.count)() == 1
    await client.disconnect()


async def test_a_map_viewer_in_the_workshop_only_reads_actions(discussing, viewer, note, action):
    watcher = await sync_to_async(join_workshop)(discussing, display_name="Vic", user=viewer)
    client = await connected(watcher)
    refused = await operate(client, "action.update", action=action, status="done")
    assert (refused["type"], refused["code"]) == ("error", "forbidden"), refused
    await client.disconnect()


async def test_nobody_changes_actions_once_closed(workshop, facilitator, ann, note, action):
    await sync_to_async(set_phase)(workshop, "closed")
    client = await connected(facilitator)
    refused = await operate(client, "action.update", action=action, status="done")
    assert (refused["type"], refused["code"]) == ("error", "closed"), refused
    await client.disconnect()


# --- the live page --------------------------------------------------------------------------


def live_page(participant) -> str:
    browser = Client()
    browser.cookies[cookie_name(participant.workshop)] = participant.token
    code = participant.workshop.join_code
    response = browser.get(reverse("workshop_live", kwargs={"code": code}))
    assert response.status_code == 200
    return response.content.decode()


def test_the_live_page_lists_the_actions_and_offers_the_rooms_guests_as_owners(
    discussing, ann, bob, note, action
):
    html = live_page(ann)
    assert f'data-action="{action}"' in html and "Shorten the form" in html
    assert 'data-operation="action.add"' in html and 'data-operation="action.update"' in html
    assert f'<option value="participant:{bob.pk}">Bob (guest)</option>' in html
    # Live forms go over the socket: no htmx posts to the map page's URLs.
    assert reverse("action_add", args=[discussing.map_id]) not in html


def test_observers_and_a_closed_workshop_get_the_list_without_forms(
    workshop, ann, olga, note, action
):
    html = live_page(olga)
    assert f'data-action="{action}"' in html and 'data-operation="action.' not in html
    set_phase(workshop, "closed")
    html = live_page(ann)
    assert f'data-action="{action}"' in html and 'data-operation="action.' not in html
