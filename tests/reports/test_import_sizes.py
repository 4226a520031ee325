"""Imports as large as their limits put into one stage (issue 14, item 1): the notes of a
bulk import get evenly spaced keys (maps.positions.spread), where one key after another grew a
character every six notes and the 385th outgrew the database's 64-character column (500)."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from maps import operations as ops
from maps import positions
from maps.models import JourneyMap, MapEvent, Touchpoint
from reports.export import actions_csv, csv_io, json_io
from reports.export.json_io import export_document

pytestmark = pytest.mark.django_db


def texts_in(stage) -> list[str]:
    return list(Touchpoint.objects.filter(stage=stage).values_list("text", flat=True))


def test_a_csv_of_400_rows_into_one_stage_is_imported_in_order(client, editor, journey_map):
    client.force_login(editor)
    rows = "".join(f"Habit,Note {n},App,,no,\r\n" for n in range(400))
    upload = SimpleUploadedFile(
        "notes.csv", ("stage,touchpoint,channel,department,critical,group\r\n" + rows).encode()
    )
    response = client.post(reverse("map_import_csv", args=[journey_map.pk]), {"document": upload})
    assert response.status_code == 302
    habit = journey_map.stages.get(name="Habit")
    assert texts_in(habit) == [f"Note {n}" for n in range(400)]


def test_a_csv_appended_to_a_stage_of_long_keys_respaces_it_first(journey_map, actor):
    habit = journey_map.stages.get(name="Habit")
    Touchpoint.objects.bulk_create(
        Touchpoint(map=journey_map, stage=habit, position="z" * 60 + str(n), text=f"old {n}")
        for n in range(1, 4)
    )
    text = "stage,touchpoint\r\n" + "".join(f"Habit,new {n}\r\n" for n in range(3))
    events = ops.import_touchpoints(actor, journey_map, csv_io.parse_touchpoints(text.encode()))
    assert texts_in(habit) == ["old 1", "old 2", "old 3", "new 0", "new 1", "new 2"]
    keys = Touchpoint.objects.filter(stage=habit).values_list("position", flat=True)
    assert max(len(key) for key in keys) <= positions.REBALANCE_AT
    rebalanced = MapEvent.objects.get(map=journey_map, type="stage.rebalanced")
    assert rebalanced.revision < events[0].revision


def test_a_json_document_with_the_most_notes_in_one_stage_is_imported(journey_map, owner):
    document = export_document(journey_map)
    document["touchpoints"] = [
        {"ref": f"t{n}", "stage": "s1", "text": f"Note {n}"} for n in range(json_io.MAX_TOUCHPOINTS)
    ]
    imported, _ = json_io.import_map(ops.Actor.for_user(owner), document)
    first = imported.stages.order_by("position").first()
    texts = texts_in(first)
    assert len(texts) == json_io.MAX_TOUCHPOINTS
    assert texts == [f"Note {n}" for n in range(json_io.MAX_TOUCHPOINTS)]
    keys = Touchpoint.objects.filter(stage=first).values_list("position", flat=True)
    assert max(len(key) for key in keys) <= 3


def test_the_import_page_takes_a_map_with_400_notes_in_one_stage(client, make_user, journey_map):
    client.force_login(make_user("importer"))
    document = export_document(journey_map)
    document["touchpoints"] = [
        {"ref": f"t{n}", "stage": "s2", "text": f"Note {n}"} for n in range(400)
    ]
    upload = SimpleUploadedFile("map.json", json.dumps(document).encode())
    response = client.post(reverse("map_import"), {"document": upload})
    assert response.status_code == 302
    imported = JourneyMap.objects.exclude(pk=journey_map.pk).get()
    assert imported.touchpoints.count() == 400


@pytest.mark.parametrize(
    ("parse", "header", "row"),
    [
        (csv_io.parse_touchpoints, "stage,touchpoint", "Habit,Note {n}"),
        (actions_csv.parse_actions, "touchpoint,action", "Note {n},Call back {n}"),
    ],
)
def test_a_csv_has_at_most_max_rows_rows_not_counting_blank_lines(monkeypatch, parse, header, row):
    monkeypatch.setattr(csv_io, "MAX_ROWS", 3)
    lines = [row.format(n=n) for n in range(3)]
    # Exactly the limit, with the blank lines a spreadsheet leaves at the end: all read.
    assert len(parse("\r\n".join([header, *lines, ",", ""]).encode())) == 3
    with pytest.raises(csv_io.RowsInvalid) as refused:
        parse("\r\n".join([header, *lines, row.format(n=3)]).encode())
    assert refused.value.errors == ["file: more than 3 rows"]
