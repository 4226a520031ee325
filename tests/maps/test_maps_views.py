"""Map pages: create from a template, settings, duplicate, delete (owner only, confirmed)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from journeymap import realtime
from maps import operations as ops
from maps.forms import MAP_TEMPLATES
from maps.models import JourneyMap, MapEvent, MapMembership, Persona, Stage

pytestmark = pytest.mark.django_db


@pytest.fixture
def persona(owner) -> Persona:
    return ops.create_persona(ops.Actor.for_user(owner), name="Sarah")


@pytest.mark.parametrize("template", list(MAP_TEMPLATES))
def test_creating_a_map_from_each_template(client, owner, persona, template):
    client.force_login(owner)
    data = {
        "title": "New map",
        "template": template,
        "persona": persona.pk,
        "scope": "End to end",
        "state": "current",
    }
    response = client.post(reverse("map_create"), data)
    journey_map = JourneyMap.objects.get(title="New map")
    assert response["Location"] == reverse("board", args=[journey_map.pk])
    names = list(journey_map.stages.order_by("position").values_list("name", flat=True))
    assert names == MAP_TEMPLATES[template][1]
    assert (journey_map.persona, journey_map.scope) == (persona, "End to end")
    assert MapMembership.objects.get(map=journey_map).role == "owner"
    event = MapEvent.objects.get(map=journey_map)
    assert event.type == "map.created" and event.payload["title"] == "New map"


def test_standard_template_has_the_five_standard_stages():
    assert MAP_TEMPLATES["standard"][1] == [
        "Awareness",
        "Consideration",
        "Purchase",
        "Service delivery/support",
        "Relationship strengthening",
    ]
    assert MAP_TEMPLATES["buyers_journey"][1] == ["Awareness", "Consideration", "Decision"]


def test_a_blank_map_shows_what_to_do_next(client, owner):
    client.force_login(owner)
    client.post(reverse("map_create"), {"title": "Blank", "template": "blank", "state": "current"})
    journey_map = JourneyMap.objects.get(title="Blank")
    html = client.get(reverse("board", args=[journey_map.pk])).content.decode()
    assert "no stages yet" in html and "Add the first stage" in html
    assert "No persona yet" in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": ""}, "This field is required"),
        ({"title": "x" * 121}, "at most 120"),
        ({"scope": "s" * 281}, "at most 280"),
        ({"template": "rocket"}, "Select a valid choice"),
        ({"state": "past"}, "Select a valid choice"),
    ],
)
def test_bad_map_input_is_a_form_error(client, owner, data, message):
    client.force_login(owner)
    base = {"title": "Map", "template": "standard", "state": "current"}
    response = client.post(reverse("map_create"), {**base, **data})
    assert response.status_code == 422 and message in response.content.decode()
    assert not JourneyMap.objects.exists()


def test_someone_elses_persona_cannot_be_picked(client, owner, outsider):
    theirs = ops.create_persona(ops.Actor.for_user(outsider), name="Not yours")
    client.force_login(owner)
    data = {"title": "Map", "template": "blank", "state": "current", "persona": theirs.pk}
    response = client.post(reverse("map_create"), data)
    assert response.status_code == 422
    assert not JourneyMap.objects.exists()


@pytest.mark.parametrize(
    ("member", "status"), [("owner", 200), ("editor", 200), ("viewer", 403), ("outsider", 404)]
)
def test_settings_page_by_role(client, journey_map, request, member, status):
    client.force_login(request.getfixturevalue(member))
    assert client.get(reverse("map_settings", args=[journey_map.pk])).status_code == status


def test_saving_settings_records_map_updated(client, journey_map, owner, persona):
    client.force_login(owner)
    data = {"title": "Renamed", "scope": "Onboarding only", "persona": persona.pk}
    response = client.post(reverse("map_settings", args=[journey_map.pk]), data)
    assert response.status_code == 302
    event = MapEvent.objects.filter(map=journey_map).latest("revision")
    assert event.type == "map.updated"
    assert (event.payload["title"], event.payload["scope"], event.payload["persona"]) == (
        "Renamed",
        "Onboarding only",
        persona.pk,
    )


def test_bad_settings_change_nothing(client, journey_map, owner):
    client.force_login(owner)
    revision = journey_map.revision
    response = client.post(reverse("map_settings", args=[journey_map.pk]), {"title": ""})
    assert response.status_code == 422
    journey_map.refresh_from_db()
    assert (journey_map.title, journey_map.revision) == ("Onboarding", revision)


def test_viewer_cannot_save_settings(client, journey_map, viewer):
    client.force_login(viewer)
    response = client.post(reverse("map_settings", args=[journey_map.pk]), {"title": "Mine"})
    assert response.status_code == 403
    journey_map.refresh_from_db()
    assert journey_map.title == "Onboarding"


@pytest.mark.parametrize("member", ["owner", "editor", "viewer"])
def test_any_member_can_duplicate_and_owns_the_copy(client, journey_map, actor, request, member):
    stage = journey_map.stages.order_by("position").first()
    ops.update_stage(actor, journey_map, stage.pk, emotion_now=-1, actions="Signs up")
    ops.add_touchpoint(actor, journey_map, stage=stage.pk, text="Form", critical=True)
    user = request.getfixturevalue(member)
    client.force_login(user)
    response = client.post(reverse("map_duplicate", args=[journey_map.pk]))
    copy = JourneyMap.objects.exclude(pk=journey_map.pk).get()
    assert response["Location"] == reverse("board", args=[copy.pk])
    assert copy.title == "Copy of Onboarding"
    assert MapMembership.objects.get(map=copy).user == user
    first = copy.stages.order_by("position").first()
    assert (first.name, first.emotion_now, first.actions) == ("Sign up", -1, "Signs up")
    assert copy.touchpoints.get().text == "Form" and copy.touchpoints.get().critical
    assert [e.type for e in MapEvent.objects.filter(map=copy)] == ["map.created"]


def test_outsider_cannot_duplicate(client, journey_map, outsider):
    client.force_login(outsider)
    assert client.post(reverse("map_duplicate", args=[journey_map.pk])).status_code == 404
    assert JourneyMap.objects.count() == 1


def test_duplicate_copies_groups_and_loops(journey_map, actor):
    first, second, third = journey_map.stages.order_by("position")
    ops.update_stage(actor, journey_map, third.pk, loops_back_to=first.pk)
    note = ops.add_touchpoint(actor, journey_map, stage=second.pk, text="Grouped")
    ops.add_group(actor, journey_map, name="G", touchpoints=[note.payload["touchpoint"]["id"]])
    copy = ops.duplicate_map(actor, journey_map)
    copied = list(copy.stages.order_by("position"))
    assert copied[2].loops_back_to_id == copied[0].pk
    assert copy.touchpoints.get().group.name == "G"
    assert copy.touchpoints.get().group.map_id == copy.pk


@pytest.mark.parametrize(
    ("member", "status"), [("editor", 403), ("viewer", 403), ("outsider", 404)]
)
def test_only_the_owner_may_delete(client, journey_map, request, member, status):
    client.force_login(request.getfixturevalue(member))
    url = reverse("map_delete", args=[journey_map.pk])
    assert client.get(url).status_code == status
    assert client.post(url, {"confirm_title": "Onboarding"}).status_code == status
    assert JourneyMap.objects.filter(pk=journey_map.pk).exists()


def test_delete_needs_the_title_typed_to_confirm(client, journey_map, owner):
    client.force_login(owner)
    url = reverse("map_delete", args=[journey_map.pk])
    response = client.post(url, {"confirm_title": "Onboard"})
    assert response.status_code == 422 and b"Type the map" in response.content
    assert JourneyMap.objects.filter(pk=journey_map.pk).exists()


def test_owner_deletes_a_confirmed_map(
    client, journey_map, owner, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(
        realtime, "publish", lambda group, message, *args, **kwargs: sent.append((group, message))
    )
    client.force_login(owner)
    map_id = journey_map.pk
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("map_delete", args=[map_id]), {"confirm_title": "Onboarding"}
        )
    assert response["Location"] == reverse("home")
    assert not JourneyMap.objects.filter(pk=map_id).exists()
    assert not Stage.objects.filter(map_id=map_id).exists()
    assert len(sent) == 1
    assert sent[0][0] == f"map.{map_id}"
    assert (sent[0][1]["event"], sent[0][1]["payload"]) == ("map.deleted", {"id": map_id})


def test_board_links_exports_and_actions_by_role(client, journey_map, owner, viewer):
    client.force_login(owner)
    html = client.get(reverse("board", args=[journey_map.pk])).content.decode()
    assert reverse("map_delete", args=[journey_map.pk]) in html
    assert "Create future-state map" in html
    client.force_login(viewer)
    html = client.get(reverse("board", args=[journey_map.pk])).content.decode()
    assert reverse("map_delete", args=[journey_map.pk]) not in html
    assert "Create future-state map" not in html
    assert "Duplicate" in html
