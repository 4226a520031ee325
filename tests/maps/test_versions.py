"""Versions (issue 18): a version keeps the whole map; a restore makes the map equal that
version's snapshot as one new revision (map.restored), keeps the votes of notes in both, and
keeps the map as it was as a version first; versions are taken when a workshop opens and when
it closes; any two compare (added, removed, moved, reworded, emotion); who may see, name,
compare and restore; and a version's name is user text: escaped, bounded."""

from __future__ import annotations

import pytest
from django.urls import reverse

from maps import operations as ops
from maps.models import CustomerFeedback, JourneyMap, MapEvent, MapVersion
from maps.serializers import map_snapshot
from reports.compare import compare_snapshots
from workshops.facilitation import set_phase
from workshops.models import Vote
from workshops.operations import join_workshop, open_workshop

pytestmark = pytest.mark.django_db


def board(journey_map: JourneyMap) -> dict:
    snapshot = map_snapshot(JourneyMap.objects.get(pk=journey_map.pk))
    snapshot.pop("revision")
    return snapshot


def kept(version: MapVersion) -> dict:
    snapshot = dict(version.snapshot)
    snapshot.pop("revision")
    snapshot.pop("feedback")
    return snapshot


@pytest.fixture
def filled(journey_map, actor) -> dict[str, int]:
    stages = list(journey_map.stages.order_by("position").values_list("pk", flat=True))
    notes = [
        ops.add_touchpoint(actor, journey_map, stage=stages[i % 3], text=f"Note {i}").payload[
            "touchpoint"
        ]["id"]
        for i in range(6)
    ]
    ops.add_group(actor, journey_map, name="Payment", touchpoints=notes[:2])
    ops.add_action(actor, journey_map, touchpoint=notes[0], text="Fix the form")
    ops.update_stage(actor, journey_map, stages[1], emotion_now=-1, loops_back_to=stages[0])
    CustomerFeedback.objects.create(touchpoint_id=notes[3], tag="pain", comment="Slow")
    return {"stages": stages, "notes": notes}


def scramble(actor, journey_map, filled) -> None:
    """Every kind of change at once: the restore must undo them all."""
    stages, notes = filled["stages"], filled["notes"]
    ops.update_touchpoint(actor, journey_map, notes[1], text="Reworded", colour="pink")
    ops.move_touchpoint(actor, journey_map, notes[2], stage=stages[0], index=0)
    ops.delete_touchpoint(actor, journey_map, notes[3])
    ops.add_touchpoint(actor, journey_map, stage=stages[2], text="Added later")
    ops.rename_group(actor, journey_map, journey_map.groups.get().pk, name="Paying")
    ops.add_group(actor, journey_map, name="Payment", touchpoints=[notes[4]])
    ops.delete_stage(actor, journey_map, stages[2], move_notes_to=stages[1])
    ops.add_stage(actor, journey_map, name="Renewal", index=0)
    ops.update_stage(actor, journey_map, stages[1], emotion_now=2, name="Using it")
    ops.update_map(actor, journey_map, title="Renamed map")


def test_a_restore_equals_the_versions_snapshot_as_one_revision(journey_map, actor, filled):
    version = ops.take_version(actor, journey_map, "Before the workshop")
    assert kept(version) == board(journey_map)
    scramble(actor, journey_map, filled)
    revision = JourneyMap.objects.get(pk=journey_map.pk).revision

    event = ops.restore_version(actor, journey_map, version)

    assert board(journey_map) == kept(version)
    assert JourneyMap.objects.get(pk=journey_map.pk).revision == revision + 1
    assert (event.type, event.payload["name"]) == ("map.restored", "Before the workshop")
    assert CustomerFeedback.objects.get().comment == "Slow"  # a deleted note's came back
    # The map as it was is kept first, as a version of its own.
    before = MapVersion.objects.get(kind="before_restore")
    assert before.name == "Before restoring “Before the workshop”"
    assert before.revision == revision


def test_a_restore_keeps_the_votes_of_notes_in_both(journey_map, actor, owner, filled):
    notes = filled["notes"]
    workshop = open_workshop(owner, journey_map)
    ann = join_workshop(workshop, display_name="Ann")
    version = ops.take_version(actor, journey_map, "v1")
    Vote.objects.create(workshop=workshop, participant=ann, touchpoint_id=notes[0], tag="pain")
    new = ops.add_touchpoint(actor, journey_map, stage=filled["stages"][0], text="Later")
    Vote.objects.create(
        workshop=workshop,
        participant=ann,
        touchpoint_id=new.payload["touchpoint"]["id"],
        tag="delight",
    )
    ops.update_touchpoint(actor, journey_map, notes[0], text="Changed")
    ops.restore_version(actor, journey_map, version)
    assert list(Vote.objects.values_list("touchpoint_id", "tag")) == [(notes[0], "pain")]


def test_an_imported_version_is_matched_by_nothing_and_made_anew(journey_map, actor, filled):
    version = ops.take_version(actor, journey_map, "v1")
    version.imported = True
    version.save()
    ops.restore_version(actor, journey_map, version)
    now, then = board(journey_map), kept(version)
    assert [t["text"] for t in now["touchpoints"]] == [t["text"] for t in then["touchpoints"]]
    assert {t["id"] for t in now["touchpoints"]}.isdisjoint({t["id"] for t in then["touchpoints"]})


def test_a_version_is_taken_when_a_workshop_opens_and_when_it_closes(journey_map, owner):
    workshop = open_workshop(owner, journey_map, title="Kick-off")
    opened = MapVersion.objects.get()
    assert (opened.kind, opened.name, opened.created_by) == (
        "workshop_opened",
        "“Kick-off” opened",
        owner,
    )
    set_phase(workshop, "closed")
    set_phase(workshop, "closed")  # once only
    closed = MapVersion.objects.get(kind="workshop_closed")
    assert closed.name == "“Kick-off” closed"


def test_two_versions_compare_note_by_note(journey_map, actor, filled):
    stages, notes = filled["stages"], filled["notes"]
    first = ops.take_version(actor, journey_map, "v1")
    ops.update_touchpoint(actor, journey_map, notes[1], text="Note 1, reworded")
    ops.move_touchpoint(actor, journey_map, notes[2], stage=stages[0], index=0)
    ops.delete_touchpoint(actor, journey_map, notes[5])
    ops.add_touchpoint(actor, journey_map, stage=stages[1], text="New one")
    ops.update_stage(actor, journey_map, stages[1], emotion_now=1)
    second = ops.take_version(actor, journey_map, "v2")

    rows = {row.name: row for row in compare_snapshots(first.snapshot, second.snapshot)}
    assert [n.text for n in rows["First use"].added] == ["New one"]
    assert [n.text for n in rows["Habit"].removed] == ["Note 5"]
    assert [(m.note.text, m.from_stage) for m in rows["Sign up"].moved] == [("Note 2", "Habit")]
    changed = rows["First use"].changed
    assert [(c.before.text, c.after.text, c.fields) for c in changed] == [
        ("Note 1", "Note 1, reworded", ["text"])
    ]
    assert rows["First use"].emotion_now_delta == 2


# --- the pages ------------------------------------------------------------------------------


def test_an_editor_names_a_version_and_restores_it(client, journey_map, editor, filled):
    client.force_login(editor)
    response = client.post(reverse("map_versions", args=[journey_map.pk]), {"name": "Before"})
    assert response.status_code == 302
    version = MapVersion.objects.get()
    assert (version.name, version.created_by) == ("Before", editor)
    ops.delete_touchpoint(ops.Actor.for_user(editor), journey_map, filled["notes"][0])
    url = reverse("map_version_restore", args=[journey_map.pk, version.pk])
    assert client.post(url).status_code == 302
    assert board(journey_map) == kept(version)
    page = client.get(reverse("map_versions", args=[journey_map.pk])).content.decode()
    assert "Restore this version" in page and "Before restoring" in page


def test_a_viewer_sees_and_compares_versions_but_neither_names_nor_restores(
    client, journey_map, actor, viewer
):
    version = ops.take_version(actor, journey_map, "v1")
    client.force_login(viewer)
    page = client.get(reverse("map_versions", args=[journey_map.pk]))
    assert page.status_code == 200
    assert "Keep this version" not in page.content.decode()
    assert "Restore this version" not in page.content.decode()
    compare = reverse("map_version_compare", args=[journey_map.pk])
    assert client.get(compare, {"a": version.pk, "b": "now"}).status_code == 200
    assert (
        client.post(reverse("map_versions", args=[journey_map.pk]), {"name": "x"}).status_code
        == 403
    )
    restore = reverse("map_version_restore", args=[journey_map.pk, version.pk])
    assert client.post(restore).status_code == 403
    assert not MapEvent.objects.filter(type="map.restored").exists()


def test_an_outsider_gets_404_everywhere(client, journey_map, actor, outsider):
    version = ops.take_version(actor, journey_map, "v1")
    client.force_login(outsider)
    assert client.get(reverse("map_versions", args=[journey_map.pk])).status_code == 404
    compare = reverse("map_version_compare", args=[journey_map.pk])
    assert client.get(compare, {"a": version.pk}).status_code == 404
    restore = reverse("map_version_restore", args=[journey_map.pk, version.pk])
    assert client.post(restore).status_code == 404


def test_another_maps_version_is_not_found(client, journey_map, actor, editor):
    other = ops.create_map(actor, title="Other", stage_names=["Elsewhere"])
    foreign = ops.take_version(actor, other, "theirs")
    client.force_login(editor)
    restore = reverse("map_version_restore", args=[journey_map.pk, foreign.pk])
    assert client.post(restore).status_code == 404
    compare = reverse("map_version_compare", args=[journey_map.pk])
    assert client.get(compare, {"a": foreign.pk}).status_code == 404
    assert client.get(compare, {"a": "1 OR 1=1"}).status_code == 404


HOSTILE = [
    '<script>alert("x")</script>',
    '"><img src=x onerror=alert(1)>',
    "\u202eevil\u202c name",
    "zero\u200bwidth",
]


@pytest.mark.parametrize("name", HOSTILE)
def test_a_versions_name_is_shown_as_text(client, journey_map, editor, name):
    client.force_login(editor)
    client.post(reverse("map_versions", args=[journey_map.pk]), {"name": name})
    assert MapVersion.objects.get().name == name
    page = client.get(reverse("map_versions", args=[journey_map.pk])).content.decode()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page or "&lt;img" in page or name in page


def test_a_versions_name_is_bounded(client, journey_map, editor):
    client.force_login(editor)
    response = client.post(reverse("map_versions", args=[journey_map.pk]), {"name": "x" * 10_000})
    assert response.status_code == 422
    assert "name is limited to 120 characters." in response.content.decode()
    assert not MapVersion.objects.exists()
    empty = client.post(reverse("map_versions", args=[journey_map.pk]), {"name": "  "})
    assert empty.status_code == 422 and "name cannot be empty." in empty.content.decode()
