"""The history panel (issue 18): the map's changes newest first, one person's changes of one
kind within a minute as one line ("Ann moved 3 notes in Purchase"), filtered by person, stage
or note; a note's own history from its editor; who may see it (members of the map, members of
a workshop on it; outsiders 404); user text shown as text; votes never there."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from maps import operations as ops
from maps.history import history
from maps.models import JourneyMap
from maps.operations.summary import describe
from workshops.access import cookie_name
from workshops.operations import join_workshop, open_workshop

pytestmark = pytest.mark.django_db


@pytest.fixture
def ann(editor) -> ops.Actor:
    return ops.Actor.for_user(editor)


@pytest.fixture
def stages(journey_map) -> list[int]:
    return list(journey_map.stages.order_by("position").values_list("pk", flat=True))


def texts(journey_map: JourneyMap, **filters) -> list[str]:
    lines, _ = history(journey_map, **filters)
    return [f"{line.who} {line.text}" for line in lines]


def test_changes_are_told_newest_first_and_grouped_by_person_kind_and_minute(
    journey_map, actor, ann, stages
):
    notes = [
        ops.add_touchpoint(actor, journey_map, stage=stages[1], text=f"N{i}").payload["touchpoint"][
            "id"
        ]
        for i in range(3)
    ]
    for note in notes:
        ops.move_touchpoint(ann, journey_map, note, stage=stages[1], index=0)
    ops.delete_touchpoint(actor, journey_map, notes[0])
    ops.undo(actor, journey_map)
    assert texts(journey_map) == [
        "owner undid: deleted “N0”",
        "owner deleted “N0”",
        "editor moved 3 notes in First use",
        "owner added 3 notes in First use",
        "owner created the map",
    ]


def test_filters_by_person_stage_and_note(journey_map, actor, ann, stages):
    first = ops.add_touchpoint(actor, journey_map, stage=stages[0], text="Mine").payload[
        "touchpoint"
    ]["id"]
    ops.add_touchpoint(ann, journey_map, stage=stages[2], text="Hers")
    ops.update_touchpoint(ann, journey_map, first, text="Hers now")
    editor_key = f"account:{ann.user.pk}"
    assert texts(journey_map, person=editor_key) == [
        "editor changed “Hers now”",
        "editor added “Hers”",
    ]
    assert texts(journey_map, stage=stages[2]) == ["editor added “Hers”"]
    assert texts(journey_map, note=first) == ["editor changed “Hers now”", "owner added “Mine”"]


def test_the_history_page_and_a_notes_own_history(client, journey_map, actor, stages, viewer):
    note = ops.add_touchpoint(actor, journey_map, stage=stages[0], text="<b>bold</b>").payload[
        "touchpoint"
    ]["id"]
    ops.update_touchpoint(actor, journey_map, note, text="Plain")
    client.force_login(viewer)  # a viewer sees where they may see the map
    page = client.get(reverse("map_history", args=[journey_map.pk])).content.decode()
    assert "owner" in page and "added “&lt;b&gt;bold&lt;/b&gt;”" in page
    assert "<b>bold</b>" not in page
    own = client.get(
        reverse("map_history", args=[journey_map.pk]),
        {"note": note, "compact": "1"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert own.count("data-history-line") == 2
    assert "<html" not in own and "history-filters" not in own


def test_an_outsider_gets_404(client, journey_map, outsider):
    client.force_login(outsider)
    assert client.get(reverse("map_history", args=[journey_map.pk])).status_code == 404


def test_malformed_filters_are_ignored_not_echoed(client, journey_map, owner):
    client.force_login(owner)
    url = reverse("map_history", args=[journey_map.pk])
    page = client.get(url, {"person": "<script>x</script>", "stage": "1 OR 1", "note": "-3"})
    assert page.status_code == 200
    assert "<script>x" not in page.content.decode()
    assert "created the map" in page.content.decode()


def test_a_workshop_member_sees_the_history_from_the_live_page(journey_map, owner, actor, stages):
    workshop = open_workshop(owner, journey_map)
    guest = join_workshop(workshop, display_name="Gus", role="observer")
    ops.add_touchpoint(actor, journey_map, stage=stages[0], text="Visible")
    url = reverse("workshop_history", kwargs={"workshop_id": workshop.pk})
    member = Client()
    member.cookies[cookie_name(workshop.pk)] = guest.token
    page = member.get(url)
    assert page.status_code == 200 and "added “Visible”" in page.content.decode()
    assert Client().get(url).status_code == 404  # nobody's cookie: not a member


def test_the_board_bar_has_a_history_button(client, journey_map, viewer):
    client.force_login(viewer)
    page = client.get(reverse("board", args=[journey_map.pk])).content.decode()
    assert f'hx-get="{reverse("map_history", args=[journey_map.pk])}"' in page


def test_a_line_about_one_note_links_to_its_own_history(client, journey_map, actor, stages, owner):
    note = ops.add_touchpoint(actor, journey_map, stage=stages[0], text="Solo").payload[
        "touchpoint"
    ]["id"]
    client.force_login(owner)
    url = reverse("map_history", args=[journey_map.pk])
    page = client.get(url).content.decode()
    assert f'href="{url}?note={note}"' in page
    own = client.get(url, {"note": note}).content.decode()
    assert "Only “Solo”" in own and own.count("data-history-line") == 1


def test_personas_discussion_and_reactions_are_told_in_words(journey_map, actor, stages):
    """Every kind of change says what it was: none of them reads "changed the map"."""
    sarah = ops.create_persona(actor, name="Sarah, a teacher")
    couple = ops.create_persona(actor, name="Retired couple")
    ops.add_map_persona(actor, journey_map, sarah.pk)
    ops.add_map_persona(actor, journey_map, couple.pk)
    ops.feel_stage(actor, journey_map, stages[0], couple.pk, feelings="Calm")
    note = ops.add_touchpoint(actor, journey_map, stage=stages[0], text="Test drive").payload[
        "touchpoint"
    ]["id"]
    ops.scope_touchpoint(actor, journey_map, note, [couple.pk])
    comment = ops.add_comment(actor, journey_map, touchpoint=note, body="Too  long a wait?")
    ops.edit_comment(actor, journey_map, comment.payload["comment"]["id"], body="Too slow?")
    ops.set_reaction(actor, journey_map, reaction="+1", on=True, touchpoint=note)
    ops.set_reaction(
        actor, journey_map, reaction="heart", on=True, comment=comment.payload["comment"]["id"]
    )
    ops.set_reaction(actor, journey_map, reaction="+1", on=False, touchpoint=note)
    thread = comment.payload["comment"]["thread"]
    ops.resolve_thread(actor, journey_map, thread)
    ops.reopen_thread(actor, journey_map, thread)
    ops.delete_comment(actor, journey_map, comment.payload["comment"]["id"])
    ops.make_primary(actor, journey_map, couple.pk)
    ops.remove_map_persona(actor, journey_map, sarah.pk)
    told = [describe(event) for event in journey_map.events.order_by("revision")]
    assert told[told.index("added the persona “Sarah, a teacher”") :] == [
        "added the persona “Sarah, a teacher”",
        "added the persona “Retired couple”",
        "changed how a persona feels at a stage",
        "added “Test drive”",
        "changed which personas a note is for",
        "commented “Too long a wait?”",
        "edited the comment “Too slow?”",
        "reacted to a note",
        "reacted to a comment",
        "took back a reaction",
        "resolved a discussion",
        "reopened a discussion",
        "deleted a comment",
        "changed the main persona",
        "took a persona off the map",
    ]
