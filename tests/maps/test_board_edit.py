"""Editing the board with htmx: who may, what each edit records, and every bad input refused
with a clear message and nothing saved."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.urls import reverse

from maps import operations as ops
from maps.models import JourneyMap, MapEvent, Stage, Touchpoint, TouchpointGroup

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def stages(journey_map) -> list[Stage]:
    return list(journey_map.stages.order_by("position"))


@pytest.fixture
def notes(journey_map, actor, stages) -> list[Touchpoint]:
    for text in ("First", "Second", "Third"):
        ops.add_touchpoint(actor, journey_map, stage=stages[0].pk, text=text)
    return list(stages[0].touchpoints.order_by("position"))


def events(journey_map: JourneyMap) -> list[MapEvent]:
    return list(MapEvent.objects.filter(map=journey_map).order_by("revision"))


def post(client, name: str, journey_map: JourneyMap, data: dict, htmx: bool = True):
    url = reverse(name, args=[journey_map.pk])
    return client.post(url, data, **(HTMX if htmx else {}))


# Each edit endpoint with valid data, so the role matrix covers all of them.
EDITS: dict[str, Callable] = {
    "stage_add": lambda s, n: {"name": "Loyalty"},
    "stage_update": lambda s, n: {"stage": s[0].pk, "name": "Renamed", "emotion_now": "1"},
    "stage_move": lambda s, n: {"stage": s[0].pk, "to": "next"},
    "stage_delete": lambda s, n: {"stage": s[2].pk},
    "note_add": lambda s, n: {"stage": s[1].pk, "text": "Sees an ad", "channel": "social"},
    "note_update": lambda s, n: {"touchpoint": n[0].pk, "text": "Edited", "channel": "email"},
    "note_move": lambda s, n: {"touchpoint": n[0].pk, "to": "down"},
    "note_group": lambda s, n: {"touchpoint": n[0].pk, "group": "Ads"},
    "note_delete": lambda s, n: {"touchpoint": n[0].pk},
}


@pytest.mark.parametrize("name", EDITS)
@pytest.mark.parametrize("member", ["owner", "editor"])
def test_owner_and_editor_edit_the_board_with_one_event(
    client, journey_map, stages, notes, request, name, member
):
    client.force_login(request.getfixturevalue(member))
    before = len(events(journey_map))
    response = post(client, name, journey_map, EDITS[name](stages, notes))
    assert response.status_code == 200, response.content
    assert len(events(journey_map)) == before + 1
    journey_map.refresh_from_db()
    assert f'data-revision="{journey_map.revision}"' in response.content.decode()
    assert events(journey_map)[-1].actor_name == member


@pytest.mark.parametrize("name", EDITS)
def test_viewer_cannot_edit_the_board(client, journey_map, stages, notes, viewer, name):
    client.force_login(viewer)
    before = len(events(journey_map))
    assert post(client, name, journey_map, EDITS[name](stages, notes)).status_code == 403
    assert len(events(journey_map)) == before


@pytest.mark.parametrize("name", EDITS)
def test_outsider_gets_404_for_every_edit(client, journey_map, stages, notes, outsider, name):
    client.force_login(outsider)
    before = len(events(journey_map))
    assert post(client, name, journey_map, EDITS[name](stages, notes)).status_code == 404
    assert len(events(journey_map)) == before


@pytest.mark.parametrize("name", EDITS)
def test_edits_need_a_login(client, journey_map, stages, notes, name):
    response = post(client, name, journey_map, EDITS[name](stages, notes))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_viewer_sees_the_board_without_edit_controls(client, journey_map, notes, viewer):
    client.force_login(viewer)
    html = client.get(reverse("board", args=[journey_map.pk])).content.decode()
    assert f'data-touchpoint="{notes[0].pk}"' in html
    assert "Edit lanes" not in html
    assert 'class="add-note"' not in html
    assert "note-edit" not in html and "data-move-url" not in html


def test_editor_sees_edit_controls(client, journey_map, notes, editor):
    client.force_login(editor)
    html = client.get(reverse("board", args=[journey_map.pk])).content.decode()
    assert "Edit lanes" in html and 'class="add-note"' in html and "note-edit" in html


def test_board_markup_keeps_the_contract(client, journey_map, stages, notes, owner):
    client.force_login(owner)
    html = client.get(reverse("board", args=[journey_map.pk])).content.decode()
    journey_map.refresh_from_db()
    assert f'id="board" class="board" data-map="{journey_map.pk}"' in html
    assert f'data-revision="{journey_map.revision}"' in html
    for stage in stages:
        assert f'data-stage="{stage.pk}"' in html
        assert f'data-stage-notes="{stage.pk}"' in html
    for lane in ("name", "actions", "feelings", "emotion_now", "emotion_aspiration"):
        assert f'data-lane="{lane}"' in html
    note = notes[0]
    assert (
        f'data-touchpoint="{note.pk}" data-version="{note.version}" '
        f'data-position="{note.position}"' in html
    )
    assert 'id="emotion-curve"' in html


# --- payloads ---------------------------------------------------------------------------------


def test_adding_a_note_records_it_with_its_channel(client, journey_map, stages, owner):
    client.force_login(owner)
    response = post(
        client,
        "note_add",
        journey_map,
        {"stage": stages[1].pk, "text": "Sees an ad", "channel": "social"},
    )
    event = events(journey_map)[-1]
    assert event.type == "touchpoint.added"
    assert event.payload["touchpoint"]["text"] == "Sees an ad"
    assert event.payload["touchpoint"]["stage"] == stages[1].pk
    assert event.payload["touchpoint"]["channel"] == "social"
    assert b"Sees an ad" in response.content


def test_editing_lanes_records_the_stage_and_redraws_the_curve(client, journey_map, stages, owner):
    client.force_login(owner)
    data = {
        "stage": stages[0].pk,
        "name": "Sign-up",
        "actions": "Fills in the form",
        "feelings": "Impatient",
        "emotion_now": "-2",
        "emotion_aspiration": "2",
        "value_point": "first_impression",
        "conversion_pct": "40",
        "time_in_stage": "5 minutes",
        "personnel": "Marketing",
        "goals": "Get started",
        "thoughts": "Why so many fields?",
    }
    response = post(client, "stage_update", journey_map, data)
    event = events(journey_map)[-1]
    assert event.type == "stage.updated"
    stage = event.payload["stage"]
    assert (stage["name"], stage["emotion_now"], stage["emotion_aspiration"]) == ("Sign-up", -2, 2)
    assert stage["conversion_pct"] == 40 and stage["value_point"] == "first_impression"
    html = response.content.decode()
    # Stage 0 of 3: now at the bottom (y=90), aspiration at the top (y=10).
    assert 'points="50,90" class="now"' in html
    assert 'points="50,10" class="aspiration"' in html


def test_moving_a_note_down_by_keyboard_button(client, journey_map, notes, owner):
    client.force_login(owner)
    post(client, "note_move", journey_map, {"touchpoint": notes[0].pk, "to": "down"})
    event = events(journey_map)[-1]
    assert event.type == "touchpoint.moved" and event.payload["id"] == notes[0].pk
    order = list(notes[0].stage.touchpoints.order_by("position").values_list("text", flat=True))
    assert order == ["Second", "First", "Third"]


def test_moving_a_note_to_the_next_stage_keeps_its_row(client, journey_map, stages, notes, owner):
    client.force_login(owner)
    post(client, "note_move", journey_map, {"touchpoint": notes[1].pk, "to": "next"})
    event = events(journey_map)[-1]
    assert event.payload == {
        "id": notes[1].pk,
        "stage": stages[1].pk,
        "position": Touchpoint.objects.get(pk=notes[1].pk).position,
    }


def test_moving_a_note_to_a_stage_and_index(client, journey_map, stages, notes, owner):
    client.force_login(owner)
    post(
        client,
        "note_move",
        journey_map,
        {"touchpoint": notes[2].pk, "stage": stages[0].pk, "index": "0"},
    )
    order = list(stages[0].touchpoints.order_by("position").values_list("text", flat=True))
    assert order == ["Third", "First", "Second"]


def test_moving_a_stage_right(client, journey_map, stages, owner):
    client.force_login(owner)
    post(client, "stage_move", journey_map, {"stage": stages[0].pk, "to": "next"})
    assert events(journey_map)[-1].type == "stage.moved"
    assert list(journey_map.stages.order_by("position")) == [stages[1], stages[0], stages[2]]


def test_updating_a_note_records_every_field(client, journey_map, notes, owner):
    client.force_login(owner)
    data = {
        "touchpoint": notes[0].pk,
        "text": "Edited",
        "channel": "phone",
        "department": "Support",
        "critical": "on",
        "internal": "on",
        "base_version": str(notes[0].version),
    }
    post(client, "note_update", journey_map, data)
    event = events(journey_map)[-1]
    assert event.type == "touchpoint.updated"
    note = event.payload["touchpoint"]
    assert (note["text"], note["channel"], note["department"]) == ("Edited", "phone", "Support")
    assert note["critical"] is True and note["internal"] is True
    assert note["version"] == notes[0].version + 1


def test_the_note_form_sets_the_notes_colour_and_shows_it_chosen(client, journey_map, notes, owner):
    client.force_login(owner)
    data = {"touchpoint": notes[0].pk, "text": "First", "channel": "other", "colour": "green"}
    post(client, "note_update", journey_map, data)
    assert events(journey_map)[-1].payload["touchpoint"]["colour"] == "green"
    assert Touchpoint.objects.get(pk=notes[0].pk).colour == "green"
    form = client.get(reverse("note_form", args=[journey_map.pk]), {"touchpoint": notes[0].pk})
    assert '<option value="green" selected>Green</option>' in form.content.decode()
    board = client.get(reverse("board", args=[journey_map.pk])).content.decode()
    assert f'data-touchpoint="{notes[0].pk}"' in board and 'data-colour="green"' in board


def test_unchecking_marks_clears_them(client, journey_map, notes, owner, actor):
    ops.update_touchpoint(actor, journey_map, notes[0].pk, critical=True)
    client.force_login(owner)
    post(
        client,
        "note_update",
        journey_map,
        {"touchpoint": notes[0].pk, "text": "First", "channel": "other"},
    )
    assert Touchpoint.objects.get(pk=notes[0].pk).critical is False


def test_grouping_by_a_new_name_makes_the_group_in_one_event(client, journey_map, notes, owner):
    client.force_login(owner)
    post(client, "note_group", journey_map, {"touchpoint": notes[0].pk, "group": "Ads"})
    event = events(journey_map)[-1]
    group = TouchpointGroup.objects.get(map=journey_map, name="Ads")
    assert event.type == "group.added"
    assert event.payload == {"group": {"id": group.pk, "name": "Ads"}, "touchpoints": [notes[0].pk]}


def test_grouping_into_an_existing_group_and_ungrouping(client, journey_map, notes, owner, actor):
    ops.add_group(actor, journey_map, name="Ads", touchpoints=[notes[0].pk])
    client.force_login(owner)
    post(client, "note_group", journey_map, {"touchpoint": notes[1].pk, "group": "Ads"})
    assert events(journey_map)[-1].payload["touchpoint"]["group"] is not None
    post(client, "note_group", journey_map, {"touchpoint": notes[1].pk, "ungroup": "1"})
    event = events(journey_map)[-1]
    assert event.type == "touchpoint.updated" and event.payload["touchpoint"]["group"] is None


def test_deleting_a_note_records_it_as_it_was(client, journey_map, notes, owner):
    client.force_login(owner)
    post(client, "note_delete", journey_map, {"touchpoint": notes[0].pk})
    event = events(journey_map)[-1]
    assert event.type == "touchpoint.deleted"
    assert event.payload["touchpoint"]["text"] == "First"
    assert not Touchpoint.objects.filter(pk=notes[0].pk).exists()


def test_deleting_a_stage_with_notes_moves_them_where_asked(
    client, journey_map, stages, notes, owner
):
    client.force_login(owner)
    data = {"stage": stages[0].pk, "notes": "move", "move_to": stages[2].pk}
    post(client, "stage_delete", journey_map, data)
    event = events(journey_map)[-1]
    assert event.type == "stage.deleted"
    assert [m["id"] for m in event.payload["moved_touchpoints"]] == [n.pk for n in notes]
    assert set(stages[2].touchpoints.values_list("pk", flat=True)) == {n.pk for n in notes}


def test_deleting_a_stage_with_its_notes(client, journey_map, stages, notes, owner):
    client.force_login(owner)
    post(client, "stage_delete", journey_map, {"stage": stages[0].pk, "notes": "delete"})
    assert events(journey_map)[-1].payload["deleted_touchpoints"] == [n.pk for n in notes]
    assert not Touchpoint.objects.filter(map=journey_map).exists()


def test_deleting_a_stage_holding_notes_without_saying_where_they_go_is_refused(
    client, journey_map, stages, notes, owner
):
    client.force_login(owner)
    before = len(events(journey_map))
    response = post(client, "stage_delete", journey_map, {"stage": stages[0].pk})
    assert response.status_code == 422
    assert b"say where they go" in response.content
    assert len(events(journey_map)) == before
    assert Stage.objects.filter(pk=stages[0].pk).exists()


def test_the_delete_form_asks_where_the_notes_go(client, journey_map, stages, notes, owner):
    client.force_login(owner)
    url = reverse("stage_delete_form", args=[journey_map.pk])
    html = client.get(url, {"stage": stages[0].pk}, **HTMX).content.decode()
    assert "holds 3 notes" in html
    assert f'<option value="{stages[1].pk}">' in html


def test_lazy_forms_are_for_editors_only(client, journey_map, stages, notes, viewer, outsider):
    for name, data in (
        ("stage_form", {"stage": stages[0].pk}),
        ("note_form", {"touchpoint": notes[0].pk}),
        ("stage_delete_form", {"stage": stages[0].pk}),
    ):
        url = reverse(name, args=[journey_map.pk])
        client.force_login(viewer)
        assert client.get(url, data).status_code == 403
        client.force_login(outsider)
        assert client.get(url, data).status_code == 404


def test_note_form_shows_the_note_escaped(client, journey_map, stages, owner, actor):
    ops.add_touchpoint(actor, journey_map, stage=stages[0].pk, text="<img src=x onerror=alert(1)>")
    note = Touchpoint.objects.get(map=journey_map)
    client.force_login(owner)
    html = client.get(reverse("note_form", args=[journey_map.pk]), {"touchpoint": note.pk}).content
    assert b"<img src=x" not in html
    assert b"&lt;img src=x onerror=alert(1)&gt;" in html


def test_without_htmx_an_edit_redirects_to_the_board(client, journey_map, stages, owner):
    client.force_login(owner)
    response = post(client, "stage_add", journey_map, {"name": "Loyalty"}, htmx=False)
    assert response.status_code == 302 and response["Location"] == reverse(
        "board", args=[journey_map.pk]
    )
    assert journey_map.stages.filter(name="Loyalty").exists()


def test_without_htmx_the_board_comes_back_focused_where_the_edit_left_off(
    client, journey_map, stages, owner, actor
):
    """A form posted without htmx (scripts off, or Enter pressed before htmx took over a freshly
    swapped board) keeps the keyboard's place: the next note's field, the moved note."""
    client.force_login(owner)
    board = reverse("board", args=[journey_map.pk])
    added = post(client, "note_add", journey_map, {"stage": stages[1].pk, "text": "A"}, htmx=False)
    assert added["Location"] == f"{board}?focus_add={stages[1].pk}"
    page = client.get(added["Location"]).content.decode()
    field = re.search(rf'<input id="add-note-{stages[1].pk}"[^>]*>', page).group(0)
    assert " autofocus" in field
    assert page.count(" autofocus") == 1

    note = Touchpoint.objects.get(map=journey_map)
    moved = post(
        client, "note_move", journey_map, {"touchpoint": note.pk, "to": "next"}, htmx=False
    )
    assert moved["Location"] == f"{board}?focus_note={note.pk}"
    page = client.get(moved["Location"]).content.decode()
    assert re.search(rf'<li [^>]*data-touchpoint="{note.pk}"[^>]*autofocus', page)


@pytest.mark.parametrize("asked", ["abc", "-1", "1e3", "9" * 40, ""])
def test_a_focus_that_is_no_id_is_ignored(client, journey_map, stages, owner, asked):
    client.force_login(owner)
    url = reverse("board", args=[journey_map.pk])
    response = client.get(url, {"focus_add": asked, "focus_note": asked, "focus_stage": asked})
    assert response.status_code == 200
    assert " autofocus" not in response.content.decode()


def test_without_htmx_a_refusal_is_a_message_on_the_board(client, journey_map, owner):
    client.force_login(owner)
    response = post(client, "stage_add", journey_map, {"name": ""}, htmx=False)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "stage name cannot be empty" in page


# --- bad input --------------------------------------------------------------------------------


@pytest.fixture
def other_map(outsider) -> JourneyMap:
    other = ops.create_map(ops.Actor.for_user(outsider), title="Other", stage_names=["Elsewhere"])
    ops.add_touchpoint(
        ops.Actor.for_user(outsider), other, stage=other.stages.get().pk, text="Not yours"
    )
    return other


BAD_INPUTS = {
    "empty stage name": ("stage_add", lambda s, n, o: {"name": "  "}, "cannot be empty"),
    "long stage name": ("stage_add", lambda s, n, o: {"name": "x" * 121}, "120 characters"),
    "score above +2": (
        "stage_update",
        lambda s, n, o: {"stage": s[0].pk, "name": "A", "emotion_now": "3"},
        "Emotion now",
    ),
    "score below -2": (
        "stage_update",
        lambda s, n, o: {"stage": s[0].pk, "name": "A", "emotion_aspiration": "-3"},
        "Emotion we aim for",
    ),
    "score not a number": (
        "stage_update",
        lambda s, n, o: {"stage": s[0].pk, "name": "A", "emotion_now": "lots"},
        "Emotion now",
    ),
    "conversion over 100": (
        "stage_update",
        lambda s, n, o: {"stage": s[0].pk, "name": "A", "conversion_pct": "101"},
        "Conversion",
    ),
    "unknown value point": (
        "stage_update",
        lambda s, n, o: {"stage": s[0].pk, "name": "A", "value_point": "priceless"},
        "Value point",
    ),
    "long lane": (
        "stage_update",
        lambda s, n, o: {"stage": s[0].pk, "name": "A", "actions": "x" * 2001},
        "Does (actions)",
    ),
    "stage of another map": (
        "stage_update",
        lambda s, n, o: {"stage": o.stages.get().pk, "name": "Mine now"},
        "not on this map",
    ),
    "empty note": ("note_add", lambda s, n, o: {"stage": s[0].pk, "text": ""}, "Text"),
    "long note": ("note_add", lambda s, n, o: {"stage": s[0].pk, "text": "x" * 501}, "500"),
    "unknown channel": (
        "note_add",
        lambda s, n, o: {"stage": s[0].pk, "text": "Hi", "channel": "telepathy"},
        "Channel",
    ),
    "note into another map's stage": (
        "note_add",
        lambda s, n, o: {"stage": o.stages.get().pk, "text": "Sneaky"},
        "not on this map",
    ),
    "note without a stage": ("note_add", lambda s, n, o: {"text": "Lost"}, "stage must be an id"),
    "editing another map's note": (
        "note_update",
        lambda s, n, o: {"touchpoint": o.touchpoints.get().pk, "text": "Mine", "channel": "other"},
        "not on this map",
    ),
    "moving another map's note": (
        "note_move",
        lambda s, n, o: {"touchpoint": o.touchpoints.get().pk, "to": "down"},
        "not on this map",
    ),
    "moving a note into another map's stage": (
        "note_move",
        lambda s, n, o: {"touchpoint": n[0].pk, "stage": o.stages.get().pk, "index": "0"},
        "not on this map",
    ),
    "moving a note past the top": (
        "note_move",
        lambda s, n, o: {"touchpoint": n[0].pk, "to": "up"},
        "already at the top",
    ),
    "moving a note before the first stage": (
        "note_move",
        lambda s, n, o: {"touchpoint": n[0].pk, "to": "previous"},
        "already in the first stage",
    ),
    "unknown move": (
        "note_move",
        lambda s, n, o: {"touchpoint": n[0].pk, "to": "sideways"},
        "moves up, down",
    ),
    "moving the last stage right": (
        "stage_move",
        lambda s, n, o: {"stage": s[2].pk, "to": "next"},
        "already the last stage",
    ),
    "deleting another map's note": (
        "note_delete",
        lambda s, n, o: {"touchpoint": o.touchpoints.get().pk},
        "not on this map",
    ),
    "moving notes into another map's stage": (
        "stage_delete",
        lambda s, n, o: {"stage": s[0].pk, "notes": "move", "move_to": o.stages.get().pk},
        "not on this map",
    ),
    "long group name": (
        "note_group",
        lambda s, n, o: {"touchpoint": n[0].pk, "group": "g" * 121},
        "120 characters",
    ),
    "touchpoint id not a number": (
        "note_delete",
        lambda s, n, o: {"touchpoint": "1 OR 1=1"},
        "touchpoint must be an id",
    ),
}


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input_is_refused_with_a_message_and_nothing_saved(
    client, journey_map, stages, notes, other_map, owner, case
):
    name, data, message = BAD_INPUTS[case]
    client.force_login(owner)
    snapshot = _state(journey_map, other_map)
    response = post(client, name, journey_map, data(stages, notes, other_map))
    assert response.status_code == 422
    assert response["HX-Retarget"] == "#board-status"
    assert message in response.content.decode()
    assert _state(journey_map, other_map) == snapshot


def _state(*maps: JourneyMap) -> list:
    """Everything an edit could change, to prove a refused one changed nothing."""
    return [
        (
            JourneyMap.objects.get(pk=m.pk).revision,
            list(m.stages.order_by("pk").values()),
            list(m.touchpoints.order_by("pk").values()),
            list(m.groups.order_by("pk").values()),
        )
        for m in maps
    ]


def test_html_in_text_shows_as_text_on_the_board(client, journey_map, stages, owner, actor):
    ops.add_touchpoint(actor, journey_map, stage=stages[0].pk, text="<script>alert(1)</script>")
    ops.update_stage(actor, journey_map, stages[0].pk, actions="<b>bold</b>")
    client.force_login(owner)
    html = client.get(reverse("board", args=[journey_map.pk])).content.decode()
    assert "<script>alert(1)</script>" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html


def test_a_conflicting_text_edit_is_refused(client, journey_map, notes, owner, actor):
    ops.update_touchpoint(actor, journey_map, notes[0].pk, text="Someone else's words")
    client.force_login(owner)
    before = len(events(journey_map))
    data = {"touchpoint": notes[0].pk, "text": "Mine", "channel": "other", "base_version": "1"}
    response = post(client, "note_update", journey_map, data)
    assert response.status_code == 422
    assert b"Someone else changed this note" in response.content
    assert len(events(journey_map)) == before


def test_a_moved_note_keeps_the_focus_after_the_board_refresh(client, journey_map, notes, owner):
    client.force_login(owner)
    html = post(client, "note_move", journey_map, {"touchpoint": notes[0].pk, "to": "down"})
    html = html.content.decode()
    assert f'data-touchpoint="{notes[0].pk}"' in html
    focused = html[html.index(f'data-touchpoint="{notes[0].pk}"') :].split(">", 1)[0]
    assert "autofocus" in focused
    assert html.count("autofocus") == 1


def test_the_note_editor_offers_move_buttons(client, journey_map, notes, owner):
    client.force_login(owner)
    url = reverse("note_form", args=[journey_map.pk])
    html = client.get(url, {"touchpoint": notes[0].pk}).content.decode()
    for label in ("Move up", "Move down", "Move to the previous stage", "Move to the next stage"):
        assert f'aria-label="{label}"' in html


def test_a_stage_loops_back_to_an_earlier_stage(client, journey_map, stages, owner):
    client.force_login(owner)
    data = {"stage": stages[2].pk, "name": "Habit", "loops_back_to": stages[0].pk}
    response = post(client, "stage_update", journey_map, data)
    assert events(journey_map)[-1].payload["stage"]["loops_back_to"] == stages[0].pk
    assert "Loops back to Sign up" in response.content.decode()


def test_a_stage_cannot_loop_forward(client, journey_map, stages, owner):
    client.force_login(owner)
    data = {"stage": stages[0].pk, "name": "Sign up", "loops_back_to": stages[2].pk}
    response = post(client, "stage_update", journey_map, data)
    assert response.status_code == 422 and "Loops back to" in response.content.decode()
    assert Stage.objects.get(pk=stages[0].pk).loops_back_to_id is None


def test_the_live_page_gets_the_board_without_htmx_controls(journey_map, stages, notes):
    """workshops' live page includes maps/_board.html with live=True and can_edit for a
    participant who has no map role: board.js edits there, so no htmx forms are rendered."""
    from django.template.loader import render_to_string

    from maps.board import board_context

    context = board_context(journey_map, "viewer")
    context.update({"live": True, "can_edit": True})
    html = render_to_string("maps/_board.html", context)
    assert f'data-add-note="{stages[0].pk}"' in html
    assert f'data-touchpoint="{notes[0].pk}"' in html
    assert "hx-post" not in html and "data-move-url" not in html
    # The one htmx request left is a read: the History button's partial (issue 18).
    assert html.count("hx-get") == 1 and "data-history-button" in html
