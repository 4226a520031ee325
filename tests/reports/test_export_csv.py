"""Touchpoints in and out of spreadsheets: the CSV a viewer downloads can be edited and added
to a map by an editor, all rows or none, every bad row named by its line."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from maps import operations as ops
from maps.models import MapEvent
from reports.export import csv_io

from .export_helpers import add_notes

pytestmark = pytest.mark.django_db

HEADER = "stage,touchpoint,channel,department,critical,group\r\n"


def import_csv(actor, journey_map, text: str):
    rows = csv_io.parse_touchpoints(text.encode("utf-8"))
    return ops.import_touchpoints(actor, journey_map, rows)


def test_rows_become_notes_at_the_end_of_their_stages_with_their_events(journey_map, actor):
    add_notes(journey_map, 0, ["Already here"])
    before = journey_map.revision + 1  # add_notes bumped it once
    text = (
        HEADER + "Sign up,Gets a welcome mail,Email,Marketing,yes,Welcome\r\n"
        "First use,Opens the app,App,,no,\r\n"
        "Sign up,Reads the FAQ,Website,Support,,Welcome\r\n"
    )
    events = import_csv(actor, journey_map, text)
    notes = list(journey_map.touchpoints.filter(stage__name="Sign up").order_by("position"))
    assert [n.text for n in notes] == ["Already here", "Gets a welcome mail", "Reads the FAQ"]
    assert notes[1].channel == "email" and notes[1].critical and notes[1].department == "Marketing"
    assert notes[1].group == notes[2].group and notes[1].group.name == "Welcome"
    assert [e.type for e in events] == [
        "group.added",
        "touchpoint.added",
        "touchpoint.added",
        "touchpoint.added",
    ]
    assert events[1].payload["touchpoint"]["text"] == "Gets a welcome mail"
    assert [e.revision for e in events] == list(range(before + 1, before + 5))


def test_every_bad_row_is_named_and_nothing_is_added(journey_map, actor):
    text = (
        HEADER + "Sign up,Fine note,Email,,no,\r\n"
        "Nowhere,Lost note,Email,,no,\r\n"
        "Sign up,,Email,,no,\r\n"
        "First use,Pigeon,Carrier pigeon,,no,\r\n"
    )
    events_before = MapEvent.objects.filter(map=journey_map).count()
    with pytest.raises(ops.OperationError) as refused:
        import_csv(actor, journey_map, text)
    errors = refused.value.details["errors"]
    assert [e.split(":")[0] for e in errors] == ["line 3", "line 4", "line 5"]
    assert "'Nowhere' is not on this map" in errors[0]
    assert journey_map.touchpoints.count() == 0
    assert MapEvent.objects.filter(map=journey_map).count() == events_before


def test_a_file_without_the_needed_columns_is_refused():
    with pytest.raises(csv_io.RowsInvalid) as refused:
        csv_io.parse_touchpoints(b"name,notes\r\nx,y\r\n")
    assert refused.value.errors == ["line 1: the header needs the column(s) stage, touchpoint"]
    with pytest.raises(csv_io.RowsInvalid) as refused:
        csv_io.parse_touchpoints((HEADER + "Sign up,Note,Email,,maybe,\r\n").encode())
    assert refused.value.errors == ["line 2: critical must be yes or no"]


def test_the_csv_download_comes_back_as_the_same_notes(journey_map, owner, actor, make_user):
    add_notes(journey_map, 0, ["=1+1 looks like a formula", "Plain, with a comma"])
    add_notes(journey_map, 2, ["Weekly digest"], channel="email", critical=True)
    exported = csv_io.export_csv(journey_map)
    copy = ops.create_map(actor, title="Copy", stage_names=["Sign up", "First use", "Habit"])
    ops.import_touchpoints(actor, copy, csv_io.parse_touchpoints(exported.encode()))
    fields = ("stage__name", "text", "channel", "department", "critical", "internal")
    original = list(journey_map.touchpoints.order_by("stage__position", "position").values(*fields))
    copied = list(copy.touchpoints.order_by("stage__position", "position").values(*fields))
    assert copied == original


def test_editor_adds_touchpoints_from_the_page_and_viewer_may_not(
    client, editor, viewer, journey_map
):
    url = reverse("map_import_csv", args=[journey_map.pk])
    client.force_login(viewer)
    assert client.get(url).status_code == 403
    client.force_login(editor)
    upload = SimpleUploadedFile(
        "notes.csv", (HEADER + "Habit,Comes back daily,App,,no,\r\n").encode()
    )
    response = client.post(url, {"document": upload})
    assert response.status_code == 302
    assert journey_map.touchpoints.get().text == "Comes back daily"
    bad = SimpleUploadedFile("notes.csv", (HEADER + "Nowhere,x,App,,no,\r\n").encode())
    response = client.post(url, {"document": bad})
    assert response.status_code == 400
    assert b"Nothing was added: 1 problem found" in response.content
    assert b"line 2: stage &#x27;Nowhere&#x27; is not on this map" in response.content
