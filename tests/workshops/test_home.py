"""The signed-in home page: each map's size, when it last changed, and the workshops running on
it now, with the way back into the room for those who may bring people in (a viewer sees that
a workshop runs, never its code); the same few queries however many maps."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from maps import operations as ops
from workshops.facilitation import set_phase
from workshops.operations import open_workshop

pytestmark = pytest.mark.django_db


def card_of(html: str, title: str) -> str:
    """The text of the map's card on the home page."""
    cards = re.findall(r'<li class="card map-card">(.*?)</li>', html, re.S)
    found = [card for card in cards if f">{title}</a>" in card]
    assert len(found) == 1, cards
    return " ".join(re.sub(r"<[^>]+>", " ", found[0]).split())


def home(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def test_a_card_tells_the_maps_size_and_when_it_changed(client, owner, journey_map, actor):
    stages = journey_map.stages.count()
    first = journey_map.stages.order_by("position").first()
    ops.add_touchpoint(actor, journey_map, stage=first.pk, text="Sees an ad")
    ops.add_touchpoint(actor, journey_map, stage=first.pk, text="Asks a friend")
    card = card_of(home(client, owner), journey_map.title)
    assert re.search(rf"{stages} stages · 2 notes · changed (now|\d+ seconds? ago)", card), card


def test_a_running_workshop_is_one_click_away_for_those_who_may_bring_people_in(
    client, owner, editor, journey_map
):
    workshop = open_workshop(owner, journey_map, title="Kick-off")
    live = reverse("workshop_live", args=[workshop.join_code])
    for person in (owner, editor):
        html = home(client, person)
        card = card_of(html, journey_map.title)
        assert f"Live now: Kick-off · Gather · code {workshop.join_code}" in card
        assert f'href="{live}"' in html


def test_a_viewer_sees_that_a_workshop_runs_but_not_how_to_get_in(
    client, owner, viewer, journey_map
):
    workshop = open_workshop(owner, journey_map, title="Kick-off")
    html = home(client, viewer)
    card = card_of(html, journey_map.title)
    assert "Live now: Kick-off · Gather" in card and "view only" in card
    assert workshop.join_code not in html


def test_closed_workshops_are_not_live(client, owner, journey_map):
    done = open_workshop(owner, journey_map, title="Last week")
    set_phase(done, "closed")
    running = open_workshop(owner, journey_map, title="Today")
    card = card_of(home(client, owner), journey_map.title)
    assert "Live now: Today" in card
    assert "Last week" not in card and done.join_code not in card
    assert running.join_code in card


def test_a_workshop_title_is_shown_as_text(client, owner, journey_map):
    open_workshop(owner, journey_map, title="<img src=x onerror=alert(1)>")
    html = home(client, owner)
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_the_page_reads_the_same_few_queries_however_many_maps(client, owner, actor):
    def queries() -> int:
        client.force_login(owner)
        with CaptureQueriesContext(connection) as seen:
            assert client.get(reverse("home")).status_code == 200
        return len(seen)

    ops.create_map(actor, title="One")
    one = queries()
    for n in range(4):
        made = ops.create_map(actor, title=f"More {n}")
        open_workshop(owner, made, title=f"Room {n}")
    assert queries() == one
