"""The admin changes maps only through the operations layer: every change is an event, live
boards hear of it, and bulk deletes are no exception. What the app manages on its own pages
(members, feedback, workshops, votes) or what is history (the event log) is read-only here."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.urls import reverse

from maps import operations as ops
from maps.models import CustomerFeedback, JourneyMap, MapEvent, Persona, Touchpoint
from tests.workshops.live_client import LiveClient, fresh_state

pytest_plugins = ["tests.workshops.conftest_live"]


@pytest.fixture
def admin_client(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw-1234567")
    client.force_login(admin)
    return client


def change_form(admin_client, url: str, **changes: Any) -> dict[str, Any]:
    """The admin change form's current values with `changes`, as a browser would post it."""
    page = admin_client.get(url).context
    form = page["adminform"].form
    data = {name: form.initial.get(name) for name in form.fields}
    for inline in page["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({management.add_prefix(k): v for k, v in management.initial.items()})
    data.update(changes)
    return {k: ("" if v is None else v) for k, v in data.items() if v is not False}


def notes_changelist_delete(admin_client, ids: list[int]):
    return admin_client.post(
        reverse("admin:maps_touchpoint_changelist"),
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )


@pytest.mark.django_db(transaction=True)
async def test_a_note_edited_in_the_admin_reaches_an_open_live_board(
    admin_client, ann, journey_map, note
):
    board = LiveClient(ann, await sync_to_async(fresh_state)(journey_map))
    await board.connect()
    url = reverse("admin:maps_touchpoint_change", args=[note])
    data = await sync_to_async(change_form)(admin_client, url, text="Edited by the admin")
    response = await sync_to_async(admin_client.post)(url, data)
    assert response.status_code == 302, response.content[:500]
    event = await board.receive_until(
        lambda m: m.get("type") == "event" and m["event"] == "touchpoint.updated"
    )
    assert event["payload"]["touchpoint"]["text"] == "Edited by the admin"
    assert event["actor"] == "root"
    await board.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_bulk_delete_in_the_admin_is_one_delete_event_per_note_heard_live(
    admin_client, ann, journey_map, actor, stages, note
):
    second = (
        await sync_to_async(ops.add_touchpoint)(actor, journey_map, stage=stages[1], text="Two")
    ).payload["touchpoint"]["id"]
    board = LiveClient(ann, await sync_to_async(fresh_state)(journey_map))
    await board.connect()
    before = board.state["revision"]
    response = await sync_to_async(notes_changelist_delete)(admin_client, [note, second])
    assert response.status_code == 302
    await board.settle(revision=before + 2)
    assert note not in board.state["touchpoints"] and second not in board.state["touchpoints"]
    logged = await sync_to_async(list)(
        MapEvent.objects.filter(map=journey_map, revision__gt=before).values_list("type", flat=True)
    )
    assert logged == ["touchpoint.deleted", "touchpoint.deleted"]
    assert not await sync_to_async(Touchpoint.objects.filter(pk__in=[note, second]).exists)()
    await board.disconnect()


@pytest.mark.django_db
def test_a_stage_added_in_the_admin_is_an_event_and_gets_a_key(admin_client, journey_map):
    before = journey_map.revision
    response = admin_client.post(
        reverse("admin:maps_stage_add"),
        {"map": journey_map.pk, "name": "Loyalty", "value_point": "", "loops_back_to": ""},
    )
    assert response.status_code == 302, response.content[:800]
    journey_map.refresh_from_db()
    assert journey_map.revision == before + 1
    assert MapEvent.objects.get(map=journey_map, revision=before + 1).type == "stage.added"
    assert journey_map.stages.order_by("position").last().name == "Loyalty"


@pytest.mark.django_db
def test_a_map_renamed_in_the_admin_is_a_map_updated_event(admin_client, journey_map):
    url = reverse("admin:maps_journeymap_change", args=[journey_map.pk])
    response = admin_client.post(url, change_form(admin_client, url, title="Renamed"))
    assert response.status_code == 302, response.content[:800]
    latest = MapEvent.objects.filter(map=journey_map).order_by("-revision").first()
    assert (latest.type, latest.payload["title"]) == ("map.updated", "Renamed")


@pytest.mark.django_db
def test_bulk_delete_of_maps_goes_through_delete_map(
    admin_client, journey_map, django_capture_on_commit_callbacks, monkeypatch
):
    from journeymap import realtime

    sent = []
    monkeypatch.setattr(realtime, "publish", lambda group, message, *a, **k: sent.append(group))
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:maps_journeymap_changelist"),
            {"action": "delete_selected", "_selected_action": [journey_map.pk], "post": "yes"},
        )
    assert response.status_code == 302
    assert not JourneyMap.objects.filter(pk=journey_map.pk).exists()
    assert sent == [f"map.{journey_map.pk}"]  # map.deleted told whoever had it open


@pytest.mark.django_db
def test_a_persona_in_use_cannot_be_deleted_in_the_admin(admin_client, journey_map, owner):
    persona = ops.create_persona(ops.Actor.for_user(owner), name="Sam")
    ops.update_map(ops.Actor.for_user(owner), journey_map, persona=persona)
    response = admin_client.post(
        reverse("admin:maps_persona_delete", args=[persona.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert Persona.objects.filter(pk=persona.pk).exists()


@pytest.mark.django_db
def test_a_persona_edited_in_the_admin_tells_the_maps_that_show_it(
    admin_client, journey_map, owner
):
    persona = ops.create_persona(ops.Actor.for_user(owner), name="Sam")
    ops.update_map(ops.Actor.for_user(owner), journey_map, persona=persona)
    url = reverse("admin:maps_persona_change", args=[persona.pk])
    response = admin_client.post(url, change_form(admin_client, url, name="Samantha"))
    assert response.status_code == 302, response.content[:800]
    latest = MapEvent.objects.filter(map=journey_map).order_by("-revision").first()
    assert latest.type == "persona.updated"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model",
    ["maps_mapmembership", "maps_customerfeedback", "maps_mapevent", "workshops_vote"],
)
def test_what_the_app_manages_elsewhere_cannot_be_added_in_the_admin(admin_client, model):
    assert admin_client.get(reverse(f"admin:{model}_add")).status_code == 403


@pytest.mark.django_db
def test_feedback_cannot_be_edited_in_the_admin(admin_client, journey_map, actor, stages):
    note = ops.add_touchpoint(actor, journey_map, stage=stages[0], text="x").payload
    feedback = CustomerFeedback.objects.create(
        touchpoint_id=note["touchpoint"]["id"], tag="pain", source="survey"
    )
    url = reverse("admin:maps_customerfeedback_change", args=[feedback.pk])
    response = admin_client.post(url, {"tag": "delight"})
    assert response.status_code == 403
    feedback.refresh_from_db()
    assert feedback.tag == "pain"


@pytest.mark.django_db
def test_a_workshop_phase_cannot_be_changed_in_the_admin(admin_client, workshop):
    url = reverse("admin:workshops_workshop_change", args=[workshop.pk])
    admin_client.post(url, change_form(admin_client, url, phase="closed", title="Renamed"))
    workshop.refresh_from_db()
    assert workshop.phase == "gather"
