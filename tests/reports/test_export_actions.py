"""Action items in what a map turns into (issue 17): the PDF summary's "who does what by
when", the demo's PDF showing it, the JSON import's checks, and the actions CSV out and back
(all rows or none), with who may download and import it."""

from __future__ import annotations

import copy
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from maps import operations as ops
from maps.models import ActionItem, JourneyMap, MapEvent
from reports.export import actions_csv, json_io
from reports.export.csv_io import RowsInvalid
from reports.export.json_io import DocumentInvalid, export_document
from reports.export.pdf import render_pdf
from reports.export.report import build_report

from .export_helpers import add_notes
from .test_export_pdf import pdf_text, squeeze

pytestmark = pytest.mark.django_db

INTERNAL = "Lead routed by SECRET-ROUTING-RULE"


@pytest.fixture
def acted_map(journey_map, actor, editor) -> JourneyMap:
    """Notes with actions: dated ones out of order, an undated one, one on an internal note."""
    add_notes(journey_map, 0, ["Signs a long contract", "Reads the FAQ"])
    add_notes(journey_map, 1, [INTERNAL], internal=True)
    notes = {t.text: t.pk for t in journey_map.touchpoints.all()}
    for note, text, owner, due, status in [
        ("Reads the FAQ", "Answer in plain words 中文", "", None, "open"),
        ("Signs a long contract", "One-page summary", f"member:{editor.pk}", "2026-12-24", "doing"),
        ("Signs a long contract", "Call the lawyer", "", "2026-12-01", "done"),
        (INTERNAL, "Fix the routing", "", "2027-01-15", "open"),
    ]:
        ops.add_action(
            actor,
            journey_map,
            touchpoint=notes[note],
            text=text,
            owner=owner,
            due=due,
            status=status,
        )
    journey_map.refresh_from_db()
    return journey_map


def summary_text(journey_map: JourneyMap) -> str:
    """Everything from the summary page on, without whitespace."""
    text = squeeze("".join(pdf_text(render_pdf(build_report(journey_map)))))
    return text[text.index(squeeze("Summary")) :]


# --- the PDF ------------------------------------------------------------------------------


def test_the_pdf_summary_says_who_does_what_by_when_soonest_first(acted_map):
    text = summary_text(acted_map)
    section = text[text.index(squeeze("Who does what by when")) :]
    rows = [
        squeeze("Call the lawyer Signs a long contract (Sign up) nobody yet 01 Dec 2026 · Done"),
        squeeze(
            "One-page summary Signs a long contract (Sign up) editor 24 Dec 2026 · In progress"
        ),
        squeeze("Fix the routing (an internal process) (First use) nobody yet 15 Jan 2027 · Open"),
        squeeze("Answer in plain words 中文 Reads the FAQ (Sign up) nobody yet no date · Open"),
    ]
    places = [section.index(row) for row in rows]
    assert places == sorted(places)


def test_an_action_on_an_internal_note_does_not_print_the_note(acted_map):
    assert squeeze(INTERNAL) not in squeeze("".join(pdf_text(render_pdf(build_report(acted_map)))))


def test_a_map_without_actions_says_how_to_get_some(journey_map):
    assert squeeze("No action items yet") in summary_text(journey_map)


def test_the_demos_pdf_shows_its_action_items():
    call_command("seed_demo", stdout=StringIO())
    demo = JourneyMap.objects.get()
    assert demo.actions.count() >= 3
    text = summary_text(demo)
    assert squeeze("Who does what by when") in text
    assert squeeze("Write a one-page summary of the contract in plain words") in text
    assert squeeze("Tom (Finance)") in text


# --- JSON import checks (the round trip is in test_export_json.py) ----------------------------


def test_bad_actions_in_a_json_file_are_each_named_and_nothing_is_imported(acted_map, make_user):
    document = copy.deepcopy(export_document(acted_map))
    bad = [
        {"touchpoint": "t99", "text": "x"},
        {"touchpoint": "t1", "text": ""},
        {"touchpoint": "t1", "text": "x" * 281},
        {"touchpoint": "t1", "text": "x", "due": "2026-02-30"},
        {"touchpoint": "t1", "text": "x", "status": "someday"},
        {"touchpoint": "t1", "text": "x", "owner": ["member:1"]},
        {"touchpoint": ["t1"], "text": "x"},
        {"touchpoint": "t1", "text": "x", "owner_user": 1},
        "an action",
    ]
    document["actions"] = document["actions"][:1] + bad
    maps_before = JourneyMap.objects.count()
    with pytest.raises(DocumentInvalid) as refused:
        json_io.import_map(ops.Actor.for_user(make_user("importer")), document)
    expected = [
        "actions[1].touchpoint",
        "actions[2].text",
        "actions[3].text",
        "actions[4].due",
        "actions[5].status",
        "actions[6].owner",
        "actions[7].touchpoint",
        "actions[8].owner_user",
        "actions[9]",
    ]
    errors = refused.value.errors
    for place in expected:
        assert any(error.startswith(place) for error in errors), (place, errors)
    assert len(errors) == len(expected), errors
    assert JourneyMap.objects.count() == maps_before


def test_an_imported_actions_owner_is_a_name_only(acted_map, make_user):
    imported, _ = json_io.import_map(
        ops.Actor.for_user(make_user("importer")), export_document(acted_map)
    )
    owned = imported.actions.get(text="One-page summary")
    assert (owned.owner_name, owned.owner_user, owned.owner_participant) == ("editor", None, None)


def test_a_file_from_before_action_items_still_imports(acted_map, make_user):
    document = export_document(acted_map)
    del document["actions"]
    imported, _ = json_io.import_map(ops.Actor.for_user(make_user("importer")), document)
    assert not imported.actions.exists()


# --- CSV ----------------------------------------------------------------------------------


def test_the_actions_csv_goes_out_and_comes_back_the_same(acted_map, actor):
    first = actions_csv.export_actions_csv(acted_map)
    assert first.splitlines()[0] == "stage,touchpoint,action,owner,due,status"
    assert "Sign up,Signs a long contract,One-page summary,editor,2026-12-24,doing" in first
    ActionItem.objects.all().delete()
    events = ops.import_actions(actor, acted_map, actions_csv.parse_actions(first.encode()))
    assert [e.type for e in events] == ["action.added"] * 4
    assert actions_csv.export_actions_csv(acted_map) == first


def test_csv_cells_that_could_be_formulas_stay_text(journey_map, actor):
    add_notes(journey_map, 0, ["=cmd|'/c calc'!A1"])
    note = journey_map.touchpoints.get()
    ops.add_action(actor, journey_map, touchpoint=note.pk, text="+SUM(A1:A9)")
    out = actions_csv.export_actions_csv(journey_map)
    assert "'=cmd|" in out and "'+SUM(A1:A9)" in out
    ActionItem.objects.all().delete()
    ops.import_actions(actor, journey_map, actions_csv.parse_actions(out.encode()))
    assert ActionItem.objects.get().text == "+SUM(A1:A9)"


def test_a_status_may_be_written_as_people_read_it(acted_map, actor):
    rows = actions_csv.parse_actions(
        b"touchpoint,action,status\r\nReads the FAQ,Link the FAQ,In progress\r\n"
    )
    ops.import_actions(actor, acted_map, rows)
    assert ActionItem.objects.get(text="Link the FAQ").status == "doing"


def test_every_bad_csv_row_is_named_and_nothing_is_added(acted_map, actor):
    text = (
        "stage,touchpoint,action,owner,due,status\r\n"
        "Sign up,Signs a long contract,Fine,,2026-12-01,open\r\n"
        "Sign up,No such note,x,,,\r\n"
        "First use,Signs a long contract,x,,,\r\n"
        ",Reads the FAQ,,,,\r\n"
        ",Reads the FAQ,x,,12/01/2026,\r\n"
        ",Reads the FAQ,x,,,someday\r\n"
        f",Reads the FAQ,{'x' * 281},,,\r\n"
        f",Reads the FAQ,x,{'o' * 121},,\r\n"
    )
    count, revision = ActionItem.objects.count(), JourneyMap.objects.get().revision
    with pytest.raises(ops.OperationError) as refused:
        ops.import_actions(actor, acted_map, actions_csv.parse_actions(text.encode()))
    errors = refused.value.details["errors"]
    assert [error.split(":")[0] for error in errors] == [f"line {n}" for n in range(3, 10)]
    assert ActionItem.objects.count() == count
    assert JourneyMap.objects.get().revision == revision


def test_a_csv_without_the_needed_columns_or_not_utf8_is_refused():
    with pytest.raises(RowsInvalid) as refused:
        actions_csv.parse_actions(b"stage,owner\r\nSign up,Ann\r\n")
    assert refused.value.errors == ["line 1: the header needs the column(s) touchpoint, action"]
    with pytest.raises(RowsInvalid):
        actions_csv.parse_actions("touchpoint,action\r\nCafé,x\r\n".encode("latin-1"))


@pytest.mark.parametrize(("member", "status"), [("viewer", 200), ("outsider", 404)])
def test_members_download_the_actions_csv(client, acted_map, request, member, status):
    client.force_login(request.getfixturevalue(member))
    response = client.get(reverse("map_actions_csv", args=[acted_map.pk]))
    assert response.status_code == status
    if status == 200:
        assert "One-page summary" in response.content.decode("utf-8-sig")
        assert response["Content-Disposition"].endswith('-actions.csv"')


@pytest.mark.parametrize(("member", "status"), [("viewer", 403), ("outsider", 404)])
def test_only_editors_import_actions(client, acted_map, request, member, status):
    client.force_login(request.getfixturevalue(member))
    upload = SimpleUploadedFile("a.csv", b"touchpoint,action\r\nReads the FAQ,x\r\n")
    url = reverse("map_import_actions_csv", args=[acted_map.pk])
    assert client.post(url, {"document": upload}).status_code == status
    assert not ActionItem.objects.filter(text="x").exists()


def test_an_editor_imports_actions_and_open_boards_hear_each(client, acted_map, editor):
    client.force_login(editor)
    upload = SimpleUploadedFile(
        "a.csv", b"touchpoint,action,owner\r\nReads the FAQ,Link it,Ann\r\n"
    )
    url = reverse("map_import_actions_csv", args=[acted_map.pk])
    response = client.post(url, {"document": upload})
    assert response.status_code == 302
    action = ActionItem.objects.get(text="Link it")
    assert action.owner_name == "Ann"
    event = MapEvent.objects.filter(map=acted_map).order_by("-revision").first()
    assert event.type == "action.added" and event.payload["action"]["id"] == action.pk
    assert event.actor_name == "editor"
