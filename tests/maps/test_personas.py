"""Personas: the user's own list, create, edit, delete refused while a map uses it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from maps import operations as ops
from maps.models import MapEvent, Persona

pytestmark = pytest.mark.django_db

FULL = {
    "name": "Sarah Mitchell",
    "role": "School teacher",
    "quote": "I need a safe car we can afford.",
    "demographics": "38, suburban",
    "personality": "Careful",
    "lifestyle": "School runs",
    "social_class": "Middle class",
    "buyer_type": "need_driven",
    "purchase_frequency": "Every 8 years",
    "purchase_reason": "Old car is unreliable",
    "goals": "A safe car",
    "expectations": "Honest pricing",
}


@pytest.fixture
def persona(owner) -> Persona:
    return ops.create_persona(
        ops.Actor.for_user(owner), name="Sam Doe", role="Student", quote="Cheap and fast"
    )


def test_creating_a_persona_with_every_field(client, owner):
    client.force_login(owner)
    response = client.post(reverse("persona_create"), FULL)
    assert response.status_code == 302
    persona = Persona.objects.get(owner=owner)
    assert {field: getattr(persona, field) for field in FULL} == FULL


def test_persona_list_shows_cards_with_initials_and_quote(client, owner, persona):
    client.force_login(owner)
    html = client.get(reverse("persona_list")).content.decode()
    assert "Sam Doe" in html and ">SD<" in html and "Cheap and fast" in html


def test_persona_list_empty_state_says_what_to_do(client, outsider):
    client.force_login(outsider)
    html = client.get(reverse("persona_list")).content.decode()
    assert "No personas yet" in html and reverse("persona_create") in html


def test_others_personas_are_not_listed_or_editable(client, outsider, persona):
    client.force_login(outsider)
    assert b"Sam Doe" not in client.get(reverse("persona_list")).content
    assert client.get(reverse("persona_edit", args=[persona.pk])).status_code == 404
    assert client.post(reverse("persona_edit", args=[persona.pk]), FULL).status_code == 404
    assert client.post(reverse("persona_delete", args=[persona.pk])).status_code == 404
    assert Persona.objects.filter(pk=persona.pk, name="Sam Doe").exists()


def test_personas_need_a_login(client, persona):
    assert client.get(reverse("persona_list")).status_code == 302
    assert client.post(reverse("persona_create"), FULL).status_code == 302


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "This field is required"),
        ("name", "x" * 121, "at most 120"),
        ("quote", "q" * 281, "at most 280"),
        ("goals", "g" * 2001, "at most 2000"),
        ("buyer_type", "impulsive", "Select a valid choice"),
    ],
)
def test_bad_persona_input_is_a_form_error(client, owner, field, value, message):
    client.force_login(owner)
    response = client.post(reverse("persona_create"), {**FULL, field: value})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Persona.objects.exists()


def test_editing_a_persona_tells_every_map_using_it(client, owner, persona, actor):
    journey_map = ops.create_map(actor, title="Uses Sam", persona=persona)
    client.force_login(owner)
    response = client.post(reverse("persona_edit", args=[persona.pk]), {**FULL, "name": "Sam"})
    assert response.status_code == 302
    persona.refresh_from_db()
    assert persona.name == "Sam" and persona.lifestyle == "School runs"
    event = MapEvent.objects.filter(map=journey_map).latest("revision")
    assert (event.type, event.payload) == ("persona.updated", {"persona": persona.pk})


def test_bad_edit_changes_nothing(client, owner, persona):
    client.force_login(owner)
    response = client.post(reverse("persona_edit", args=[persona.pk]), {**FULL, "name": ""})
    assert response.status_code == 422
    persona.refresh_from_db()
    assert persona.name == "Sam Doe"


def test_deleting_an_unused_persona(client, owner, persona):
    client.force_login(owner)
    assert client.post(reverse("persona_delete", args=[persona.pk])).status_code == 302
    assert not Persona.objects.filter(pk=persona.pk).exists()


def test_deleting_a_persona_a_map_uses_is_refused_with_a_clear_message(
    client, owner, persona, actor
):
    ops.create_map(actor, title="Uses Sam", persona=persona)
    client.force_login(owner)
    response = client.post(reverse("persona_delete", args=[persona.pk]))
    assert response.status_code == 409
    assert "Sam Doe is the persona of a map" in response.content.decode()
    assert Persona.objects.filter(pk=persona.pk).exists()


def test_delete_persona_operation_refuses_while_in_use(persona, actor):
    ops.create_map(actor, title="A", persona=persona)
    ops.create_map(actor, title="B", persona=persona)
    with pytest.raises(ops.OperationError) as refused:
        ops.delete_persona(ops.Actor.for_user(persona.owner), persona)
    assert refused.value.code == "in_use" and "2 maps" in refused.value.message


def test_persona_text_is_escaped(client, owner):
    ops.create_persona(ops.Actor.for_user(owner), name="<script>x</script>", quote="<i>hi</i>")
    client.force_login(owner)
    html = client.get(reverse("persona_list")).content.decode()
    assert "<script>x</script>" not in html and "&lt;i&gt;hi&lt;/i&gt;" in html
