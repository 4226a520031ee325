"""What the live board carries for its script to fill notes that arrive in events: the note
template rendered by maps/markup.py (with the empty heat box of a revealed board) and the map's
group names. The map's own page, which never fills notes in the browser, carries neither."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from maps import operations as ops
from maps.heat import Heat
from maps.markup import heat_box, note_template
from workshops.access import cookie_name
from workshops.facilitation import set_phase, toggle_vote

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.workshops.conftest_live"]

HOSTILE = "<b>Forms</b> & co"


def board_html(client, workshop, participant, view: str = "workshop_board") -> str:
    client.cookies[cookie_name(workshop)] = participant.token
    response = client.get(reverse(view, kwargs={"code": workshop.join_code}))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("view", ["workshop_live", "workshop_board"])
def test_the_live_board_carries_the_note_template_and_the_group_names(
    client, workshop, ann, actor, view
):
    journey_map = workshop.map
    first = ops.add_group(actor, journey_map, name=HOSTILE).payload["group"]["id"]
    second = ops.add_group(actor, journey_map, name="Money").payload["group"]["id"]
    html = board_html(client, workshop, ann, view)

    assert html.count("<template data-note-template>") == 1
    # Ann may change notes: hers carry the actions button.
    assert note_template(voters=0, menu=True) in html
    names = re.search(r"<ul hidden data-groups>(.*?)</ul>", html).group(1)
    assert names == (
        f'<li data-group-name="{first}">&lt;b&gt;Forms&lt;/b&gt; &amp; co</li>'
        f'<li data-group-name="{second}">Money</li>'
    )


def test_once_votes_are_revealed_the_template_has_the_empty_heat_box_of_a_new_note(
    client, workshop, ann, bob, actor, stages
):
    ops.add_touchpoint(actor, workshop.map, stage=stages[0], text="Signs up")
    note = workshop.map.touchpoints.get()
    set_phase(workshop, "vote")
    toggle_vote(ann, note, "pain")
    toggle_vote(bob, note, "truth")

    set_phase(workshop, "discuss")
    html = board_html(client, workshop, ann)
    template = re.search(r"<template data-note-template>.*?</template>", html).group(0)
    assert template == note_template(voters=2, menu=True)
    assert heat_box(Heat(voters=2)) in template


def test_the_maps_own_page_carries_no_note_template_but_what_its_stacks_need(
    client, owner, journey_map
):
    # Notes arrive on the map page only with a fresh board (htmx); its stacks are laid out by
    # static/js/live/groups.js, which names a stack's head from the group list.
    ops.add_group(ops.Actor.for_user(owner), journey_map, name="Paperwork")
    client.force_login(owner)
    html = client.get(reverse("board", args=[journey_map.pk])).content.decode()
    assert "data-note-template" not in html
    assert "<template data-stack-template>" in html
    assert 'data-group-name="' in html and ">Paperwork</li>" in html


def test_an_observers_notes_have_no_actions_button(client, workshop, olga, actor, stages):
    ops.add_touchpoint(actor, workshop.map, stage=stages[0], text="Signs up")
    html = board_html(client, workshop, olga)
    assert "Signs up" in html and "data-note-menu" not in html
    assert note_template(voters=0) in html
