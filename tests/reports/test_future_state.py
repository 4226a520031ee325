"""Current and future state: a linked copy, and the comparison stage by stage."""

from __future__ import annotations

import pytest
from django.urls import reverse

from maps import operations as ops
from maps.models import JourneyMap, MapEvent, MapMembership
from reports.compare import compare_maps

pytestmark = pytest.mark.django_db


@pytest.fixture
def current(journey_map, actor) -> JourneyMap:
    first, second, _ = journey_map.stages.order_by("position")
    ops.update_stage(actor, journey_map, first.pk, emotion_now=-1, emotion_aspiration=1)
    for text in ("Long sign-up form", "Confirmation email", "Password rules"):
        ops.add_touchpoint(actor, journey_map, stage=first.pk, text=text)
    ops.add_touchpoint(actor, journey_map, stage=second.pk, text="Empty dashboard")
    return journey_map


def test_creating_the_future_state_copies_and_links(client, current, owner):
    client.force_login(owner)
    response = client.post(reverse("map_future", args=[current.pk]))
    future = JourneyMap.objects.get(state="future")
    assert response["Location"] == reverse("board", args=[future.pk])
    assert future.source_map == current
    assert future.title == "Onboarding (future state)"
    assert list(future.stages.order_by("position").values_list("name", "emotion_now")) == list(
        current.stages.order_by("position").values_list("name", "emotion_now")
    )
    assert future.touchpoints.count() == 4
    event = MapEvent.objects.get(map=future)
    assert event.type == "map.created"
    assert event.payload["source_map"] == current.pk and event.payload["state"] == "future"
    assert MapMembership.objects.get(map=future).user == owner


@pytest.mark.parametrize(("member", "status"), [("viewer", 403), ("outsider", 404)])
def test_future_state_needs_an_editor(client, current, request, member, status):
    client.force_login(request.getfixturevalue(member))
    assert client.post(reverse("map_future", args=[current.pk])).status_code == status
    assert not JourneyMap.objects.filter(state="future").exists()


def test_a_future_map_has_no_future_state_of_its_own(current, actor):
    future = ops.create_future_state(actor, current)
    with pytest.raises(ops.OperationError):
        ops.create_future_state(actor, future)


def test_compare_shows_added_removed_changed_and_emotion_deltas(current, actor):
    future = ops.create_future_state(actor, current)
    first = future.stages.order_by("position").first()
    notes = {n.text: n for n in future.touchpoints.all()}
    ops.update_stage(actor, future, first.pk, emotion_now=1)
    ops.update_touchpoint(actor, future, notes["Long sign-up form"].pk, text="Short sign-up form")
    ops.update_touchpoint(actor, future, notes["Confirmation email"].pk, channel="email")
    ops.delete_touchpoint(actor, future, notes["Password rules"].pk)
    ops.add_touchpoint(actor, future, stage=first.pk, text="Sign in with Google")
    ops.add_stage(actor, future, name="Advocacy")
    rows = compare_maps(current, future)
    assert [r.name for r in rows] == ["Sign up", "First use", "Habit", "Advocacy"]
    sign_up = rows[0]
    assert sign_up.emotion_now_delta == 2 and sign_up.aspiration_delta == 0
    assert [n.text for n in sign_up.added] == ["Sign in with Google"]
    assert [n.text for n in sign_up.removed] == ["Password rules"]
    changed = {(c.before.text, c.after.text): c.fields for c in sign_up.changed}
    assert changed == {
        ("Long sign-up form", "Short sign-up form"): ["text"],
        ("Confirmation email", "Confirmation email"): ["channel"],
    }
    assert rows[1].unchanged == 1 and not rows[1].added
    assert rows[3].current is None


def test_a_stage_dropped_in_the_future_lists_its_notes_as_removed(current, actor):
    future = ops.create_future_state(actor, current)
    first = future.stages.order_by("position").first()
    ops.delete_stage(actor, future, first.pk, delete_notes=True)
    rows = compare_maps(current, future)
    dropped = rows[-1]
    assert dropped.name == "Sign up" and dropped.future is None and len(dropped.removed) == 3


def test_compare_page_lists_the_differences(client, current, owner, actor):
    future = ops.create_future_state(actor, current)
    first = future.stages.order_by("position").first()
    ops.add_touchpoint(actor, future, stage=first.pk, text="<b>Sign in with Google</b>")
    client.force_login(owner)
    html = client.get(reverse("map_compare", args=[future.pk])).content.decode()
    assert "Current vs future state" in html
    assert '<li class="added">+ &lt;b&gt;Sign in with Google&lt;/b&gt;</li>' in html
    board = client.get(reverse("board", args=[future.pk])).content.decode()
    assert reverse("map_compare", args=[future.pk]) in board


def test_compare_needs_access_to_both_maps(client, current, actor, owner, make_user):
    future = ops.create_future_state(actor, current)
    only_future = make_user("only_future")
    MapMembership.objects.create(map=future, user=only_future, role="viewer")
    client.force_login(only_future)
    assert client.get(reverse("map_compare", args=[future.pk])).status_code == 404
    client.force_login(owner)
    assert client.get(reverse("map_compare", args=[current.pk])).status_code == 404
