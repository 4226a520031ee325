"""The conversation in the map's exports (issue 19): the JSON document's `comments` (round trip
equal, checked whole on import with every problem's place, hostile text kept as typed and
bounded), the CSV's comment count, and the PDF's "Discussion" of unresolved threads (internal
notes' threads left out with the note; markup printed as typed)."""

from __future__ import annotations

import copy
import csv
import io

import pytest

from maps import operations as ops
from maps.discussion_models import Comment, Reaction, Thread
from maps.models import JourneyMap
from reports.export import json_io
from reports.export.csv_io import export_csv
from reports.export.json_io import export_document
from reports.export.pdf import render_pdf
from reports.export.report import build_report

from .test_export_pdf import contains, pdf_text

pytestmark = pytest.mark.django_db

XSS = '<script>alert(1)</script><img src=x onerror="alert(2)">'
RTL = "\u202eevil\u202c \u200b\u200d\ufeff مرحبا"


@pytest.fixture
def talked_about(journey_map, actor, editor) -> JourneyMap:
    """Notes with threads (one resolved, one on an internal note), a stage's thread, reactions
    on notes and comments, a mention."""
    stages = list(journey_map.stages.order_by("position"))
    notes = [
        ops.add_touchpoint(
            actor, journey_map, stage=stages[0].pk, text=text, internal=internal
        ).payload["touchpoint"]["id"]
        for text, internal in (
            ("Fills the form", False),
            ("Gets a call", False),
            ("CRM sync", True),
        )
    ]
    as_editor = ops.Actor.for_user(editor)
    first = ops.add_comment(
        actor,
        journey_map,
        touchpoint=notes[0],
        body=f"@editor why so long? {XSS}",
        mentions=[f"member:{editor.pk}"],
    ).payload
    ops.add_comment(as_editor, journey_map, touchpoint=notes[0], body=RTL)
    ops.set_reaction(as_editor, journey_map, comment=first["comment"]["id"], reaction="+1", on=True)
    ops.set_reaction(actor, journey_map, comment=first["comment"]["id"], reaction="+1", on=True)
    ops.set_reaction(actor, journey_map, touchpoint=notes[0], reaction="idea", on=True)
    ops.set_reaction(actor, journey_map, touchpoint=notes[2], reaction="heart", on=True)
    settled = ops.add_comment(actor, journey_map, touchpoint=notes[1], body="Settled: we call back")
    ops.resolve_thread(as_editor, journey_map, settled.payload["thread"]["id"])
    ops.add_comment(actor, journey_map, touchpoint=notes[2], body="Secret internal process talk")
    ops.add_comment(actor, journey_map, stage=stages[1].pk, body="Is this stage needed?")
    journey_map.refresh_from_db()
    return journey_map


def test_the_conversation_is_in_the_document_by_reference_and_name(talked_about):
    section = export_document(talked_about)["comments"]
    first = section["threads"][0]
    assert first["touchpoint"] == "t1" and first["resolved"] is False
    assert [c["author"] for c in first["comments"]] == ["owner", "editor"]
    assert first["comments"][0]["mentions"] == ["editor"]  # a name: no account travels
    assert first["comments"][0]["reactions"] == {"+1": 2}
    assert first["comments"][1]["body"] == RTL
    assert section["threads"][1]["resolved"] and section["threads"][1]["resolved_by"] == "editor"
    assert section["threads"][-1]["stage"] == "s2"
    assert section["reactions"] == [
        {"touchpoint": "t1", "counts": {"idea": 1}},
        {"touchpoint": "t3", "counts": {"heart": 1}},
    ]


def test_export_import_export_gives_the_same_comments(talked_about, make_user):
    first = export_document(talked_about)
    imported, event = json_io.import_map(ops.Actor.for_user(make_user("importer")), first)
    assert export_document(imported) == first
    assert event.payload["created"]["comments"] == 5
    assert Thread.objects.filter(map=imported).count() == 4


def test_an_imported_comment_is_nobodys_to_change(talked_about, make_user):
    importer = make_user("importer")
    imported, _ = json_io.import_map(ops.Actor.for_user(importer), export_document(talked_about))
    comment = Comment.objects.filter(map=imported).first()
    with pytest.raises(ops.OperationError) as refused:
        ops.edit_comment(ops.Actor.for_user(importer), imported, comment.pk, body="Rewritten")
    assert refused.value.code == "forbidden"
    # Its reactions count, and anyone may add theirs.
    event = ops.set_reaction(
        ops.Actor.for_user(importer), imported, comment=comment.pk, reaction="+1", on=True
    )
    assert event.payload["counts"] == {"+1": 3}


def test_a_document_without_comments_still_imports(talked_about, make_user):
    document = export_document(talked_about)
    del document["comments"]
    imported, _ = json_io.import_map(ops.Actor.for_user(make_user("importer")), document)
    assert not Thread.objects.filter(map=imported).exists()


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda s: s["threads"][0].update(touchpoint="t99"), "comments.threads[0].touchpoint"),
        (
            lambda s: s["threads"][0].update(stage="s1"),
            "comments.threads[0]: names a touchpoint or a stage",
        ),
        (lambda s: s["threads"][1].update(touchpoint="t1"), "has a thread already"),
        (
            lambda s: s["threads"][0]["comments"][0].update(body="x" * 10_000),
            "body is limited to 4000",
        ),
        (lambda s: s["threads"][0]["comments"][0].update(body=""), "body cannot be empty"),
        (lambda s: s["threads"][0]["comments"][0].update(body=["x"]), "body must be text"),
        (lambda s: s["threads"][0]["comments"][0].update(author="a" * 121), "author is limited"),
        (
            lambda s: s["threads"][0]["comments"][0].update(mentions="editor"),
            "mentions: must be a list",
        ),
        (lambda s: s["threads"][0]["comments"][0].update(mentions=[XSS * 5]), "mention is limited"),
        (lambda s: s["threads"][0]["comments"][0].update(reactions={"-1": 1}), "is not a reaction"),
        (
            lambda s: s["threads"][0]["comments"][0].update(reactions={"+1": 10**9}),
            "from 0 to 1000",
        ),
        (lambda s: s["threads"][0]["comments"][0].update(created_at="yesterday"), "created_at"),
        (lambda s: s["threads"][0].update(comments=[]), "at least one comment"),
        (lambda s: s["threads"][0].update(resolved="yes"), "resolved: must be true or false"),
        (lambda s: s["reactions"][0].update(counts=[1]), "counts: must be an object"),
        (lambda s: s.update(extra=1), "comments.extra: is not a known field"),
    ],
)
def test_a_bad_comment_is_refused_with_its_place_and_nothing_is_written(
    talked_about, make_user, change, problem
):
    document = copy.deepcopy(export_document(talked_about))
    change(document["comments"])
    maps_before = JourneyMap.objects.count()
    with pytest.raises(json_io.DocumentInvalid) as refused:
        json_io.import_map(ops.Actor.for_user(make_user("importer")), document)
    assert any(problem in error for error in refused.value.errors), refused.value.errors
    assert JourneyMap.objects.count() == maps_before


@pytest.mark.parametrize("body", [XSS, RTL, "y" * 4000])
def test_hostile_text_is_imported_as_typed(talked_about, make_user, body):
    document = export_document(talked_about)
    document["comments"]["threads"][0]["comments"][0]["body"] = body
    imported, _ = json_io.import_map(ops.Actor.for_user(make_user("importer")), document)
    assert Comment.objects.filter(map=imported).order_by("created_at", "id").first().body == body


def test_the_csv_counts_each_notes_comments(talked_about):
    rows = list(csv.DictReader(io.StringIO(export_csv(talked_about))))
    assert {row["touchpoint"]: row["comments"] for row in rows} == {
        "Fills the form": "2",
        "Gets a call": "1",
        "CRM sync": "1",
    }


def test_the_pdf_discusses_unresolved_threads_only_and_prints_markup_as_typed(talked_about):
    pages = pdf_text(render_pdf(build_report(talked_about)))
    assert contains(pages, "Discussion")
    assert contains(pages, "2 comments")
    assert contains(pages, "<script>alert(1)</script>")  # as typed, not as markup
    assert not contains(pages, "Settled: we call back")  # resolved
    assert not contains(pages, "Secret internal process talk")  # an internal note's thread


def test_the_pdf_has_no_discussion_when_every_thread_is_resolved(talked_about, actor):
    for thread in Thread.objects.filter(map=talked_about, resolved=False):
        ops.resolve_thread(actor, talked_about, thread.pk)
    talked_about.refresh_from_db()
    assert not contains(pdf_text(render_pdf(build_report(talked_about))), "Open thread")


def test_a_long_comment_is_cut_short_in_the_pdf(journey_map, actor):
    stage = journey_map.stages.first()
    note = ops.add_touchpoint(actor, journey_map, stage=stage.pk, text="Long").payload
    ops.add_comment(actor, journey_map, touchpoint=note["touchpoint"]["id"], body="word " * 800)
    report = build_report(journey_map)
    [(author, text)] = report.discussion[0].latest
    assert author == "owner" and len(text) <= 280 and text.endswith("…")
    render_pdf(report)  # and it draws
    assert Reaction.objects.count() == 0
