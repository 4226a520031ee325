"""The board with several personas (issue 20): one curve per persona with a legend, the filter,
the cards side by side, further personas' feelings under each stage; the map page's persona
edits, each for whom its operation says (editors; viewers 403, outsiders 404)."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from maps import operations as ops
from maps.models import StageFeeling, Touchpoint

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def segmented(journey_map, actor):
    sarah = ops.create_persona(actor, name="Sarah")
    couple = ops.create_persona(actor, name=XSS)
    ops.add_map_persona(actor, journey_map, sarah.pk)
    ops.add_map_persona(actor, journey_map, couple.pk)
    journey_map.refresh_from_db()
    return journey_map, sarah, couple


def board_html(client, user, journey_map) -> str:
    client.force_login(user)
    response = client.get(reverse("board", args=[journey_map.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_each_persona_has_its_curve_in_its_colour_with_a_legend(client, owner, segmented, actor):
    journey_map, sarah, couple = segmented
    first, second, _ = journey_map.stages.order_by("position").values_list("pk", flat=True)
    ops.feel_stage(actor, journey_map, first, sarah.pk, emotion_now=2)
    ops.feel_stage(actor, journey_map, first, couple.pk, emotion_now=-2)
    ops.feel_stage(actor, journey_map, second, couple.pk, emotion_now=1)
    html = board_html(client, owner, journey_map)
    curves = re.findall(
        r'<polyline points="([^"]*)" class="now" data-curve="now" data-persona="(\d+)"', html
    )
    assert curves == [("50,10", str(sarah.pk)), ("50,90 150,30", str(couple.pk))]
    legend = re.findall(r'data-curve-toggle="(\d+)" style="--persona:(#[0-9a-f]{6})"', html)
    assert [pk for pk, _ in legend] == [str(sarah.pk), str(couple.pk)]
    assert legend[0][1] != legend[1][1]
    assert "Sarah: Sign up now 2, aspiration unscored" in html  # the curves' title, in words


def test_a_single_persona_map_keeps_its_one_curve(client, owner, journey_map, actor):
    sarah = ops.create_persona(actor, name="Sarah")
    ops.add_map_persona(actor, journey_map, sarah.pk)
    html = board_html(client, owner, journey_map)
    assert 'data-curve="now"/>' in html and "data-curve-toggle" not in html
    assert "data-persona-filter" not in html


def test_hostile_persona_names_are_escaped_everywhere_on_the_board(client, owner, segmented, actor):
    journey_map, _, couple = segmented
    first = journey_map.stages.order_by("position").first().pk
    ops.feel_stage(actor, journey_map, first, couple.pk, feelings=XSS, emotion_now=-1)
    html = board_html(client, owner, journey_map)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert" in html


def test_further_personas_feelings_show_under_the_stage(client, owner, segmented, actor):
    journey_map, _, couple = segmented
    first = journey_map.stages.order_by("position").first().pk
    ops.feel_stage(actor, journey_map, first, couple.pk, feelings="Worried", emotion_now=-1)
    html = board_html(client, owner, journey_map)
    feel = re.search(rf'data-persona-feel="{couple.pk}"[^>]*>(.*?)</span></span>', html)
    assert feel and "Worried" in feel.group(1) and "now -1 · aim –" in feel.group(1)


def test_the_board_lists_whose_journey_each_scoped_note_is_on(client, owner, segmented, actor):
    journey_map, _, couple = segmented
    stage = journey_map.stages.first().pk
    note = ops.add_touchpoint(actor, journey_map, stage=stage, text="Pension advice")
    ops.add_touchpoint(actor, journey_map, stage=stage, text="For everyone")
    note_id = note.payload["touchpoint"]["id"]
    ops.scope_touchpoint(actor, journey_map, note_id, [couple.pk])
    html = board_html(client, owner, journey_map)
    scopes = re.search(r'<script id="persona-scopes" type="application/json">(.*?)</script>', html)
    assert json.loads(scopes.group(1)) == {str(note_id): [couple.pk]}
    assert "data-persona-filter" in html


def test_the_cards_sit_side_by_side_with_the_primary_first(client, owner, segmented):
    journey_map, sarah, couple = segmented
    html = board_html(client, owner, journey_map)
    cards = re.findall(r'data-persona-card="(\d+)"', html)
    assert cards == [str(sarah.pk), str(couple.pk)]
    assert "Primary persona" in html and "Make primary" in html


def test_viewers_see_the_personas_but_no_controls(client, viewer, segmented):
    journey_map, *_ = segmented
    html = board_html(client, viewer, journey_map)
    assert "data-persona-card" in html and "Make primary" not in html
    assert reverse("map_persona_form", args=[journey_map.pk]) not in html


# --- the map page's edits, and who may make them ---------------------------------------------


def post(client, user, name, journey_map, data):
    client.force_login(user)
    return client.post(reverse(name, args=[journey_map.pk]), data, HTTP_HX_REQUEST="true")


EDITS = {
    "map_persona_add": lambda ids: {"persona": ids["kim"]},
    "map_persona_remove": lambda ids: {"persona": ids["couple"]},
    "map_persona_primary": lambda ids: {"persona": ids["couple"]},
    "stage_feel": lambda ids: {
        "stage": ids["stage"],
        "persona": ids["couple"],
        "emotion_now": "-2",
    },
    "note_scope": lambda ids: {"touchpoint": ids["note"], "personas": [ids["couple"]]},
}


@pytest.fixture
def ids(segmented, actor, editor):
    journey_map, _sarah, couple = segmented
    stage = journey_map.stages.order_by("position").first().pk
    note = ops.add_touchpoint(actor, journey_map, stage=stage, text="x").payload["touchpoint"]
    kim = ops.create_persona(ops.Actor.for_user(editor), name="Kim")
    return {"couple": couple.pk, "stage": stage, "note": note["id"], "kim": kim.pk}


@pytest.mark.parametrize("name", sorted(EDITS))
@pytest.mark.parametrize(("who", "status"), [("outsider", 404), ("viewer", 403), ("editor", 200)])
def test_who_may_change_the_personas_on_the_map_page(
    client, request, segmented, ids, name, who, status
):
    journey_map = segmented[0]
    before = journey_map.events.count()
    response = post(client, request.getfixturevalue(who), name, journey_map, EDITS[name](ids))
    assert response.status_code == status
    assert journey_map.events.count() == before + (1 if status == 200 else 0)


def test_the_add_form_offers_only_the_viewers_own_library(client, editor, owner, segmented):
    journey_map, *_ = segmented
    ops.create_persona(ops.Actor.for_user(editor), name="Editor's Kim")
    ops.create_persona(ops.Actor.for_user(owner), name="Owner's Olga")
    client.force_login(editor)
    html = client.get(reverse("map_persona_form", args=[journey_map.pk])).content.decode()
    assert "Editor&#x27;s Kim" in html and "Olga" not in html and "Sarah" not in html
    client.force_login(owner)
    assert client.get(reverse("map_persona_form", args=[journey_map.pk])).status_code == 200


def test_the_add_form_is_not_for_viewers_or_outsiders(client, viewer, outsider, segmented):
    journey_map, *_ = segmented
    url = reverse("map_persona_form", args=[journey_map.pk])
    client.force_login(viewer)
    assert client.get(url).status_code == 403
    client.force_login(outsider)
    assert client.get(url).status_code == 404


def test_a_refused_persona_edit_says_why_and_changes_nothing(client, owner, segmented):
    journey_map, sarah, _ = segmented
    response = post(client, owner, "map_persona_remove", journey_map, {"persona": sarah.pk})
    assert response.status_code == 422
    assert "Make another persona primary" in response.content.decode()


def test_the_stage_editor_has_a_form_per_further_persona(client, owner, segmented, actor):
    journey_map, _, couple = segmented
    stage = journey_map.stages.order_by("position").first()
    ops.feel_stage(actor, journey_map, stage.pk, couple.pk, emotion_now=-1, feelings="Unsure")
    client.force_login(owner)
    url = reverse("stage_form", args=[journey_map.pk]) + f"?stage={stage.pk}"
    html = client.get(url).content.decode()
    assert html.count('name="persona"') == 1 and "Unsure" in html
    assert '<option value="-1" selected>' in html


def test_ticking_no_persona_makes_a_note_everyones_again(client, owner, segmented, ids, actor):
    journey_map, _, couple = segmented
    ops.scope_touchpoint(actor, journey_map, ids["note"], [couple.pk])
    response = post(client, owner, "note_scope", journey_map, {"touchpoint": ids["note"]})
    assert response.status_code == 200
    assert not Touchpoint.objects.get(pk=ids["note"]).personas.exists()
    html = client.get(
        reverse("note_form", args=[journey_map.pk]) + f"?touchpoint={ids['note']}"
    ).content.decode()
    assert "Whose journey is it on?" in html


def test_hostile_feelings_from_the_map_page_are_bounded(client, owner, segmented, ids):
    journey_map = segmented[0]
    data = {"stage": ids["stage"], "persona": ids["couple"], "feelings": "x" * 10_000}
    response = post(client, owner, "stage_feel", journey_map, data)
    assert response.status_code == 422 and "2000" in response.content.decode()
    assert not StageFeeling.objects.exists()


def test_the_library_counts_the_maps_a_persona_is_a_further_persona_on(client, owner, segmented):
    client.force_login(owner)
    html = client.get(reverse("persona_list")).content.decode()
    assert html.count("used by 1 map<") == 2  # Sarah the primary, the couple a further one


def test_the_settings_page_says_why_it_keeps_the_primary(client, owner, segmented):
    journey_map, _, couple = segmented
    client.force_login(owner)
    url = reverse("map_settings", args=[journey_map.pk])
    response = client.post(url, {"title": "Renamed", "persona": "", "scope": ""})
    assert response.status_code == 422
    assert "make one of them primary instead" in response.content.decode()
    response = client.post(url, {"title": "Renamed", "persona": couple.pk, "scope": ""})
    assert response.status_code == 422  # not offered: it is made primary on the board
    journey_map.refresh_from_db()
    assert journey_map.title == "Onboarding"
