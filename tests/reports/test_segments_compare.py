"""Compare segments (issue 20): where two personas' curves part most, the notes only one meets,
their heat from the same workshop's votes; the page for the map's members only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from maps import operations as ops
from reports.demo import seed_demo
from reports.segments import compare_segments
from workshops.facilitation import set_phase, set_vote
from workshops.operations import join_workshop, open_workshop
from workshops.segment_votes import set_votes_per_persona

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    return seed_demo()


def personas(journey_map) -> tuple[int, int]:
    return journey_map.persona_id, journey_map.segments.get().persona_id


def test_the_demos_couple_parts_from_sarah_at_purchase_then_comparing(demo):
    sarah, couple = personas(demo.journey_map)
    result = compare_segments(demo.journey_map, sarah, couple)
    assert [(row.stage.name, row.gap) for row in result.divergent] == [
        ("Purchase", 3),
        ("Comparing", -2),
        ("Post-purchase", -1),
    ]
    assert [n.text for n in result.only_b] == [
        "Their son checks the history report for them",
        "Pays from savings and asks for a printed summary",
    ]
    assert [n.text for n in result.only_a] == [
        "Test drive with the kids' seats fitted",
        "Finance advisor explains the options",
        "Negotiates the price and APR",
    ]
    shared = [row.touchpoint.text for row in result.shared]
    assert "Signs a long contract" in shared and "Pays from savings" not in " ".join(shared)
    assert not any(n.internal for n in result.only_a + result.only_b)


def test_two_personas_not_both_on_the_map_compare_to_nothing(demo, actor):
    sarah, _couple = personas(demo.journey_map)
    stranger = ops.create_persona(actor, name="Stranger").pk
    assert compare_segments(demo.journey_map, sarah, stranger) is None
    assert compare_segments(demo.journey_map, sarah, sarah) is None


@pytest.fixture
def voted(owner, journey_map, actor):
    sarah = ops.create_persona(actor, name="Sarah").pk
    couple = ops.create_persona(actor, name="Couple").pk
    ops.add_map_persona(actor, journey_map, sarah)
    ops.add_map_persona(actor, journey_map, couple)
    stage = journey_map.stages.order_by("position").first().pk
    note = ops.add_touchpoint(actor, journey_map, stage=stage, text="Contract").payload
    note_id = note["touchpoint"]["id"]
    workshop = open_workshop(owner, journey_map)
    set_phase(workshop, "vote")
    set_votes_per_persona(workshop, True)
    for name in ("Ann", "Bob"):
        set_vote(join_workshop(workshop, display_name=name), note_id, "pain", True, couple)
    set_phase(workshop, "reveal")
    journey_map.refresh_from_db()
    return journey_map, workshop, sarah, couple, note_id


def test_each_personas_heat_comes_from_the_same_workshops_votes(voted):
    journey_map, workshop, sarah, couple, note_id = voted
    result = compare_segments(journey_map, sarah, couple, workshop)
    assert result.voted
    [row] = result.felt_differently
    assert row.touchpoint.pk == note_id
    assert (row.a.counts["pain"], row.b.counts["pain"]) == (0, 2)


def page(client, user, journey_map, **query):
    client.force_login(user)
    return client.get(reverse("map_segments", args=[journey_map.pk]), query)


def test_the_page_shows_the_comparison_to_members(client, viewer, voted):
    journey_map, _workshop, sarah, couple, _ = voted
    html = page(client, viewer, journey_map, a=sarah, b=couple).content.decode()
    assert "Only Sarah meets" in html and "Only Couple meets" in html
    assert "Contract" in html and "Their heat, from" in html


def test_outsiders_get_404_and_unknown_personas_too(client, outsider, viewer, voted, actor):
    journey_map, *_ = voted
    assert page(client, outsider, journey_map).status_code == 404
    stranger = ops.create_persona(actor, name="Stranger").pk
    assert page(client, viewer, journey_map, a=stranger).status_code == 404
    assert page(client, viewer, journey_map, a="1 OR 1=1").status_code == 404


def test_votes_of_a_workshop_not_yet_revealed_are_not_shown(client, viewer, voted):
    journey_map, workshop, _sarah, _couple, _ = voted
    set_phase(workshop, "vote")
    html = page(client, viewer, journey_map).content.decode()
    assert "No revealed workshop has votes yet" in html
    assert page(client, viewer, journey_map, workshop=workshop.pk).status_code == 404


def test_a_map_of_one_persona_says_how_to_compare(client, owner, journey_map, actor):
    ops.add_map_persona(actor, journey_map, ops.create_persona(actor, name="Only").pk)
    html = page(client, owner, journey_map).content.decode()
    assert "Add a second persona to compare segments" in html


def test_hostile_persona_names_are_escaped_on_the_page(client, owner, journey_map, actor):
    for name in ("<script>alert(1)</script>", "\u202eRTL\u200b"):
        ops.add_map_persona(actor, journey_map, ops.create_persona(actor, name=name).pk)
    html = page(client, owner, journey_map).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html
