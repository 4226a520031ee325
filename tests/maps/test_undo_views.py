"""Undo and redo on the map's page (issue 18): the board bar's buttons post through htmx and get
the whole board back, with the buttons saying what comes next; who may (owners and editors;
viewers 403, outsiders 404); a refusal is a sentence in the board's status line."""

from __future__ import annotations

import pytest
from django.urls import reverse

from maps import operations as ops
from maps.models import MapEvent

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def note(journey_map, editor) -> int:
    stage = journey_map.stages.order_by("position").first()
    event = ops.add_touchpoint(ops.Actor.for_user(editor), journey_map, stage=stage.pk, text="Hi")
    return event.payload["touchpoint"]["id"]


def test_an_editor_undoes_and_redoes_their_change_on_the_map_page(
    client, journey_map, editor, note
):
    client.force_login(editor)
    page = client.get(reverse("board", args=[journey_map.pk])).content.decode()
    assert 'title="Undo: added “Hi” (Ctrl+Z)"' in page
    assert 'title="Nothing to redo" aria-disabled="true"' in page

    response = client.post(reverse("map_undo", args=[journey_map.pk]), **HTMX)
    assert response.status_code == 200
    assert not journey_map.touchpoints.exists()
    body = response.content.decode()
    assert 'title="Nothing of yours to undo" aria-disabled="true"' in body
    assert 'title="Redo: added “Hi” (Ctrl+Shift+Z)"' in body
    assert f'hx-post="{reverse("map_redo", args=[journey_map.pk])}"' in body

    response = client.post(reverse("map_redo", args=[journey_map.pk]), **HTMX)
    assert response.status_code == 200
    assert journey_map.touchpoints.get().text == "Hi"
    types = list(MapEvent.objects.filter(map=journey_map).values_list("type", flat=True))
    assert types[-2:] == ["undo", "redo"]


def test_nothing_to_undo_is_said_in_the_status_line(client, journey_map, owner):
    client.force_login(owner)
    # The owner made the map: that event cannot be undone (it has no before).
    response = client.post(reverse("map_undo", args=[journey_map.pk]), **HTMX)
    assert response.status_code == 422
    assert "You have nothing to undo on this map." in response.content.decode()


def test_a_refused_undo_names_who_changed_it(client, journey_map, owner, editor, note):
    ops.update_touchpoint(ops.Actor.for_user(owner), journey_map, note, text="Owner's")
    client.force_login(editor)
    response = client.post(reverse("map_undo", args=[journey_map.pk]), **HTMX)
    assert response.status_code == 422
    assert "Not possible: owner changed “Owner&#x27;s” since." in response.content.decode()
    assert journey_map.touchpoints.get().text == "Owner's"


@pytest.mark.parametrize("name", ["map_undo", "map_redo"])
def test_a_viewer_may_not_undo(client, journey_map, viewer, name):
    client.force_login(viewer)
    assert client.post(reverse(name, args=[journey_map.pk]), **HTMX).status_code == 403


@pytest.mark.parametrize("name", ["map_undo", "map_redo"])
def test_an_outsider_gets_404(client, journey_map, outsider, note, name):
    client.force_login(outsider)
    assert client.post(reverse(name, args=[journey_map.pk]), **HTMX).status_code == 404
    assert journey_map.touchpoints.exists()


def test_undo_needs_a_post(client, journey_map, editor):
    client.force_login(editor)
    assert client.get(reverse("map_undo", args=[journey_map.pk])).status_code == 405


def test_a_viewer_sees_no_undo_buttons(client, journey_map, viewer):
    client.force_login(viewer)
    page = client.get(reverse("board", args=[journey_map.pk])).content.decode()
    assert "data-undo" not in page
