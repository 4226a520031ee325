"""JSON export and import of a whole map: exact round trip, every error reported, nothing
half-imported, and the import goes through the operations layer with its events."""

from __future__ import annotations

import copy
import json

import pytest
from django.core.management import call_command

from maps import operations as ops
from maps.models import CustomerFeedback, JourneyMap, MapEvent, Persona
from reports.export import json_io
from reports.export.json_io import DocumentInvalid, export_document, loads
from workshops.models import Participant, Vote, Workshop

from .export_helpers import add_notes

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_map(journey_map, owner, actor) -> JourneyMap:
    """Every kind of thing a map holds: persona, lanes, a loop, groups, an internal note,
    customer feedback, and a revealed workshop with votes."""
    persona = ops.create_persona(
        ops.Actor.for_user(owner),
        name="Zoë Ковальчук",
        role="Teacher",
        buyer_type="need_driven",
        goals="Safety",
    )
    ops.update_map(actor, journey_map, persona=persona, scope="Sign up to habit")
    first, second, third = journey_map.stages.order_by("position")
    ops.update_stage(
        actor,
        journey_map,
        second.pk,
        actions="Tries it",
        emotion_now=-1,
        emotion_aspiration=2,
        value_point="first_value",
        conversion_pct=40,
        time_in_stage="2 days",
        personnel="Support",
    )
    ops.update_stage(actor, journey_map, third.pk, loops_back_to=first.pk)
    add_notes(journey_map, 0, ["Lands on the pricing page", "読みやすい説明"], channel="website")
    add_notes(journey_map, 1, ["Calls support"], channel="phone", department="Support")
    add_notes(journey_map, 1, ["Ticket triaged"], internal=True)
    add_notes(journey_map, 2, ["Weekly digest email"], channel="email", critical=True)
    notes = {t.text: t for t in journey_map.touchpoints.all()}
    ops.add_group(actor, journey_map, name="First contact", touchpoints=[notes["Calls support"].pk])
    CustomerFeedback.objects.create(
        touchpoint=notes["Calls support"], tag="pain", source="survey", comment="Long wait"
    )
    CustomerFeedback.objects.create(touchpoint=notes["Weekly digest email"], score=2)
    workshop = Workshop.objects.create(map=journey_map, title="Kick-off", created_by=owner)
    for i, (text, tag) in enumerate([("Calls support", "pain"), ("読みやすい説明", "delight")]):
        person = Participant.objects.create(
            workshop=workshop, display_name=f"Voter {i}", token=f"json-{i}"
        )
        Vote.objects.create(workshop=workshop, participant=person, touchpoint=notes[text], tag=tag)
    Workshop.objects.filter(pk=workshop.pk).update(phase="discuss")
    # Action items: a member's, a person's from the workshop, nobody's yet (on an internal note).
    editor = journey_map.memberships.get(role="editor").user
    calls = notes["Calls support"].pk
    ops.add_action(
        actor,
        journey_map,
        touchpoint=calls,
        text="Answer within a day",
        owner=f"member:{editor.pk}",
    )
    ops.add_action(
        actor,
        journey_map,
        touchpoint=calls,
        text="Call back every waiting customer",
        owner=f"participant:{person.pk}",
        due="2026-12-01",
        status="doing",
    )
    ops.add_action(actor, journey_map, touchpoint=notes["Ticket triaged"].pk, text="Triage 日本語")
    journey_map.refresh_from_db()
    return journey_map


def test_export_import_export_gives_the_same_document(full_map, make_user):
    first = export_document(full_map)
    imported, _ = json_io.import_map(ops.Actor.for_user(make_user("importer")), first)
    second = export_document(imported)
    assert second == first
    assert imported.pk != full_map.pk
    # Through a JSON file as well, not only as Python objects.
    assert json.loads(json.dumps(first, ensure_ascii=False)) == second


def test_the_document_uses_local_references_not_database_ids(full_map):
    document = export_document(full_map)
    assert [s["ref"] for s in document["stages"]] == ["s1", "s2", "s3"]
    assert document["stages"][2]["loops_back_to"] == "s1"
    assert document["touchpoints"][2] == {
        "ref": "t3",
        "stage": "s2",
        "group": "g1",
        "text": "Calls support",
        "channel": "phone",
        "department": "Support",
        "critical": False,
        "internal": False,
        "colour": "",
    }
    assert document["actions"] == [
        {
            "touchpoint": "t3",
            "text": "Answer within a day",
            "owner": "editor",
            "due": None,
            "status": "open",
        },
        {
            "touchpoint": "t3",
            "text": "Call back every waiting customer",
            "owner": "Voter 1",
            "due": "2026-12-01",
            "status": "doing",
        },
        {"touchpoint": "t4", "text": "Triage 日本語", "owner": "", "due": None, "status": "open"},
    ]
    assert document["workshops"][0]["votes"] == [
        {"participant": "p1", "touchpoint": "t3", "tag": "pain"},
        {"participant": "p2", "touchpoint": "t2", "tag": "delight"},
    ]


def test_import_makes_the_importer_owner_and_records_its_events(full_map, make_user):
    importer = make_user("importer")
    imported, event = json_io.import_map(ops.Actor.for_user(importer), export_document(full_map))
    assert imported.memberships.get(user=importer).role == "owner"
    assert Persona.objects.get(pk=imported.persona_id).owner == importer
    events = list(MapEvent.objects.filter(map=imported).values_list("type", "revision"))
    assert events == [("map.created", 1), ("map.imported", 2)]
    assert event.payload == {
        "created": {
            "stages": 3,
            "touchpoints": 5,
            "groups": 1,
            "feedback": 2,
            "workshops": 1,
            "votes": 2,
            "actions": 3,
            "comments": 0,
        }
    }
    assert imported.revision == 2
    # Imported workshops are history: closed, nobody can join them.
    assert list(imported.workshops.values_list("phase", flat=True)) == ["closed"]


def test_votes_nobody_revealed_are_not_exported(full_map, owner):
    hidden = Workshop.objects.create(map=full_map, title="Still voting", created_by=owner)
    person = Participant.objects.create(workshop=hidden, display_name="Ann", token="hidden-1")
    Vote.objects.create(
        workshop=hidden, participant=person, touchpoint=full_map.touchpoints.first(), tag="pain"
    )
    Workshop.objects.filter(pk=hidden.pk).update(phase="vote")
    titles = [w["title"] for w in export_document(full_map)["workshops"]]
    assert titles == ["Kick-off"]


def test_import_reports_every_problem_and_imports_nothing(full_map, make_user):
    document = copy.deepcopy(export_document(full_map))
    document["stages"][0]["name"] = ""
    document["stages"][1]["emotion_now"] = 7
    document["touchpoints"][0]["channel"] = "carrier pigeon"
    document["touchpoints"][1]["stage"] = "s99"
    document["touchpoints"][2]["colour"] = "red"
    document["workshops"][0]["votes"].append(
        {"participant": "p1", "touchpoint": "t4", "tag": "pain"}
    )
    maps_before, events_before = JourneyMap.objects.count(), MapEvent.objects.count()
    with pytest.raises(DocumentInvalid) as refused:
        json_io.import_map(ops.Actor.for_user(make_user("importer")), document)
    errors = refused.value.errors
    expected = [
        "stages[0].name",
        "stages[1].emotion_now",
        "touchpoints[0].channel",
        "touchpoints[1].stage",
        "touchpoints[2].colour",
        "workshops[0].votes[2].touchpoint",  # t4 is the internal note
    ]
    for place in expected:
        assert any(error.startswith(place) for error in errors), (place, errors)
    assert len(errors) == len(expected)
    assert JourneyMap.objects.count() == maps_before
    assert MapEvent.objects.count() == events_before
    assert not Persona.objects.filter(owner__username="importer").exists()


def test_a_file_that_is_not_a_journeymap_export_is_refused():
    with pytest.raises(DocumentInvalid) as refused:
        loads(b"{not json")
    assert refused.value.errors[0].startswith("file: not valid JSON")
    with pytest.raises(DocumentInvalid):
        loads(b"[" * 200_000)  # nesting deeper than the parser's recursion limit
    with pytest.raises(DocumentInvalid) as refused:
        json_io.import_map(ops.Actor(user=object(), name="x"), {"format": "trello"})
    assert any(e.startswith("format") for e in refused.value.errors)
    assert any(e.startswith("map") for e in refused.value.errors)


def test_the_commands_export_and_import_a_map(full_map, owner, tmp_path):
    path = tmp_path / "map.json"
    call_command("export_map_json", full_map.pk, "-o", str(path))
    call_command("import_map_json", str(path), "--owner", owner.username)
    imported = JourneyMap.objects.exclude(pk=full_map.pk).get(title=full_map.title)
    assert export_document(imported) == json.loads(path.read_text(encoding="utf-8"))
    pdf = tmp_path / "map.pdf"
    call_command("export_map_pdf", imported.pk, "-o", str(pdf), "--paper", "a3")
    assert pdf.read_bytes().startswith(b"%PDF")


def test_a_notes_colour_goes_through_export_and_import(full_map, make_user):
    note = full_map.touchpoints.order_by("pk").first()
    ops.update_touchpoint(ops.SYSTEM, full_map, note.pk, colour="green")
    document = export_document(full_map)
    assert document["touchpoints"][0]["colour"] == "green"
    imported, _ = json_io.import_map(ops.Actor.for_user(make_user("importer")), document)
    assert imported.touchpoints.order_by("pk").first().colour == "green"
    bad = copy.deepcopy(document)
    bad["touchpoints"][0]["colour"] = "red"
    with pytest.raises(DocumentInvalid) as refused:
        json_io.import_map(ops.Actor.for_user(make_user("other")), bad)
    assert "touchpoints[0].colour" in str(refused.value.errors)
