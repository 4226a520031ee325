"""Hostile imports are refused with a clear, placed error, never a 500 (issue 14, item 8).

Each case below raised an uncaught exception before (rolled back, but a server error): a
reference given as a list or an object (TypeError: unhashable type), a workshop date that
cannot be expressed in UTC (OverflowError), a CSV cell over the csv module's field limit or a
CSV with old Mac line endings (csv.Error)."""

from __future__ import annotations

import copy
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from maps import operations as ops
from maps.models import CustomerFeedback, JourneyMap
from reports.export import csv_io, json_io
from reports.export.json_io import DocumentInvalid, export_document
from workshops.models import Participant, Vote, Workshop

from .export_helpers import add_notes

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(journey_map, owner) -> dict:
    """An export with a loop, a group, feedback and a revealed workshop's vote: every kind of
    reference a document makes."""
    actor = ops.Actor.for_user(owner)
    first, _, third = journey_map.stages.order_by("position")
    ops.update_stage(actor, journey_map, third.pk, loops_back_to=first.pk)
    add_notes(journey_map, 0, ["Sees an ad"])
    note = journey_map.touchpoints.get()
    ops.add_group(actor, journey_map, name="First contact", touchpoints=[note.pk])
    CustomerFeedback.objects.create(touchpoint=note, tag="pain", source="survey")
    workshop = Workshop.objects.create(map=journey_map, title="Kick-off", created_by=owner)
    person = Participant.objects.create(workshop=workshop, display_name="Ann", token="hostile-1")
    Vote.objects.create(workshop=workshop, participant=person, touchpoint=note, tag="pain")
    Workshop.objects.filter(pk=workshop.pk).update(phase="discuss")
    return export_document(journey_map)


def refusal(owner, document: dict) -> list[str]:
    maps_before = JourneyMap.objects.count()
    with pytest.raises(DocumentInvalid) as refused:
        json_io.import_map(ops.Actor.for_user(owner), document)
    assert JourneyMap.objects.count() == maps_before
    return refused.value.errors


PLACES = {
    "touchpoints[0].stage": lambda d: d["touchpoints"][0],
    "touchpoints[0].group": lambda d: d["touchpoints"][0],
    "stages[2].loops_back_to": lambda d: d["stages"][2],
    "feedback[0].touchpoint": lambda d: d["feedback"][0],
    "workshops[0].votes[0].participant": lambda d: d["workshops"][0]["votes"][0],
    "workshops[0].votes[0].touchpoint": lambda d: d["workshops"][0]["votes"][0],
    "workshops[0].votes[0].tag": lambda d: d["workshops"][0]["votes"][0],
}


@pytest.mark.parametrize("shape", [["s1"], {"ref": "s1"}], ids=["list", "object"])
@pytest.mark.parametrize("place", sorted(PLACES))
def test_a_reference_given_as_a_list_or_an_object_is_a_placed_error(document, owner, place, shape):
    hostile = copy.deepcopy(document)
    PLACES[place](hostile)[place.rsplit(".", 1)[1]] = shape
    errors = refusal(owner, hostile)
    assert any(error.startswith(f"{place}:") for error in errors), errors


@pytest.mark.parametrize(
    "moment", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00Z"]
)
def test_a_workshop_date_out_of_range_is_a_placed_error(document, owner, moment):
    hostile = copy.deepcopy(document)
    hostile["workshops"][0]["created_at"] = moment
    errors = refusal(owner, hostile)
    assert [error.split(":")[0] for error in errors] == ["workshops[0].created_at"]


def test_a_hostile_document_on_the_import_page_lists_its_problems(client, owner, document):
    hostile = copy.deepcopy(document)
    hostile["touchpoints"][0]["stage"] = ["s1"]
    hostile["workshops"][0]["created_at"] = "9999-12-31T23:59:59-14:00"
    client.force_login(owner)
    upload = SimpleUploadedFile("map.json", json.dumps(hostile).encode())
    response = client.post(reverse("map_import"), {"document": upload})
    assert response.status_code == 400
    assert b"touchpoints[0].stage" in response.content
    assert b"workshops[0].created_at" in response.content


def test_a_csv_cell_over_the_field_limit_is_an_error_naming_its_line():
    text = "stage,touchpoint\r\nHabit,fine\r\nHabit," + "x" * 131_073 + "\r\n"
    with pytest.raises(csv_io.RowsInvalid) as refused:
        csv_io.parse_touchpoints(text.encode())
    assert [error.split(":")[0] for error in refused.value.errors] == ["line 3"]


def test_a_csv_header_over_the_field_limit_is_an_error_naming_line_1():
    with pytest.raises(csv_io.RowsInvalid) as refused:
        csv_io.parse_touchpoints(("x" * 131_073 + ",stage\r\n").encode())
    assert [error.split(":")[0] for error in refused.value.errors] == ["line 1"]


def test_a_csv_with_old_mac_line_endings_is_read_line_by_line():
    rows = csv_io.parse_touchpoints(b"stage,touchpoint\rHabit,Comes back\rHabit,Stays\r")
    assert [(row["line"], row["text"]) for row in rows] == [(2, "Comes back"), (3, "Stays")]


def test_the_csv_import_page_names_the_line_of_an_oversized_cell(client, editor, journey_map):
    client.force_login(editor)
    text = "stage,touchpoint\r\nHabit," + "x" * 131_073 + "\r\n"
    upload = SimpleUploadedFile("notes.csv", text.encode())
    response = client.post(reverse("map_import_csv", args=[journey_map.pk]), {"document": upload})
    assert response.status_code == 400
    assert b"line 2" in response.content
    assert not journey_map.touchpoints.exists()
