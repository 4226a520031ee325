"""What a map was made from is shown only to those who may see it (issue 14, items 3 and 9).

A viewer of a future-state map who is no member of its current-state map got, in the PDF,
"Compared with the current state: <title>" with the current map's stages, emotion scores and
note counts, while the compare page rightly answered 404. Their duplicate of the future map
stayed linked to the current one (so the leak outlived their removal), and a duplicate by
someone who does not own the map's persona stayed linked to that persona: the copy showed the
owner's later edits, and the owner could no longer delete it (409)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from maps import operations as ops
from maps.models import JourneyMap, MapEvent, MapMembership, Persona

from .test_export_pdf import contains, pdf_text

pytestmark = pytest.mark.django_db

SECRET_STAGE = "Secret pricing review"


@pytest.fixture
def future(journey_map, actor) -> JourneyMap:
    """The owner's future-state map; afterwards a current-state stage only the current map's
    members may know of."""
    made = ops.create_future_state(actor, journey_map)
    first = journey_map.stages.order_by("position").first()
    ops.update_stage(actor, journey_map, first.pk, name=SECRET_STAGE, emotion_now=-2)
    return made


@pytest.fixture
def future_viewer(make_user, future):
    """A viewer of the future map only."""
    user = make_user("future_viewer")
    MapMembership.objects.create(map=future, user=user, role="viewer")
    return user


def pdf_for(client, user, journey_map) -> list[str]:
    client.force_login(user)
    response = client.get(reverse("map_pdf", args=[journey_map.pk]))
    assert response.status_code == 200
    return pdf_text(response.content)


def test_a_viewer_of_the_future_map_only_gets_no_comparison_in_its_pdf(
    client, future, future_viewer
):
    pages = pdf_for(client, future_viewer, future)
    assert not contains(pages, "Compared with the current state")
    assert not contains(pages, SECRET_STAGE)


def test_a_member_of_both_maps_gets_the_comparison_in_the_pdf(client, future, owner):
    pages = pdf_for(client, owner, future)
    assert contains(pages, "Compared with the current state: Onboarding")
    assert contains(pages, SECRET_STAGE)


def test_the_board_links_to_the_current_state_map_only_for_its_members(
    client, future, future_viewer, owner, journey_map
):
    current_board = reverse("board", args=[journey_map.pk])
    compare = reverse("map_compare", args=[future.pk])
    client.force_login(future_viewer)
    page = client.get(reverse("board", args=[future.pk])).content.decode()
    assert f'href="{current_board}"' not in page and compare not in page
    client.force_login(owner)
    page = client.get(reverse("board", args=[future.pk])).content.decode()
    assert f'href="{current_board}"' in page and compare in page


def test_a_duplicate_by_someone_without_access_to_the_source_is_not_linked_to_it(
    client, future, future_viewer
):
    client.force_login(future_viewer)
    client.post(reverse("map_duplicate", args=[future.pk]))
    copy = JourneyMap.objects.get(memberships__user=future_viewer, memberships__role="owner")
    assert copy.source_map is None
    assert MapEvent.objects.get(map=copy).payload["source_map"] is None
    assert not contains(pdf_for(client, future_viewer, copy), SECRET_STAGE)


def test_a_duplicate_by_a_member_of_the_source_stays_linked_to_it(future, journey_map, viewer):
    MapMembership.objects.create(map=future, user=viewer, role="viewer")
    copy = ops.duplicate_map(ops.Actor.for_user(viewer), future)
    assert copy.source_map == journey_map


# --- item 9: the persona ----------------------------------------------------------------------


@pytest.fixture
def persona(journey_map, owner, actor) -> Persona:
    made = ops.create_persona(actor, name="Dana", role="Teacher", goals="Safety first")
    ops.update_map(actor, journey_map, persona=made)
    journey_map.refresh_from_db()
    return made


def test_a_duplicate_by_someone_who_does_not_own_the_persona_gets_its_own_copy(
    journey_map, persona, viewer, actor
):
    copy = ops.duplicate_map(ops.Actor.for_user(viewer), journey_map)
    mine = copy.persona
    assert mine.pk != persona.pk and mine.owner == viewer
    assert (mine.name, mine.role, mine.goals) == ("Dana", "Teacher", "Safety first")
    # The owner's later edits stay the owner's, and the persona is theirs to delete.
    ops.update_persona(actor, persona, goals="Price first")
    mine.refresh_from_db()
    assert mine.goals == "Safety first"
    assert not MapEvent.objects.filter(map=copy, type="persona.updated").exists()
    ops.update_map(actor, journey_map, persona=None)
    ops.delete_persona(actor, persona)
    assert not Persona.objects.filter(pk=persona.pk).exists()


def test_the_persona_page_lets_the_owner_delete_a_persona_only_a_viewers_copy_used(
    client, journey_map, persona, viewer, owner, actor
):
    client.force_login(viewer)
    client.post(reverse("map_duplicate", args=[journey_map.pk]))
    ops.update_map(actor, journey_map, persona=None)
    client.force_login(owner)
    response = client.post(reverse("persona_delete", args=[persona.pk]))
    assert response.status_code == 302
    assert not Persona.objects.filter(pk=persona.pk).exists()


def test_a_duplicate_by_the_personas_owner_keeps_the_persona(journey_map, persona, actor):
    assert ops.duplicate_map(actor, journey_map).persona == persona


def test_a_future_state_made_by_an_editor_who_does_not_own_the_persona_gets_its_own_copy(
    journey_map, persona, editor
):
    made = ops.create_future_state(ops.Actor.for_user(editor), journey_map)
    assert made.persona.owner == editor and made.persona.name == "Dana"
    assert made.source_map == journey_map
