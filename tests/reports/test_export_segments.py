"""Several personas in the exports (issue 20): the PDF prints each persona's name, panel and
curve and compares them on the summary page; the JSON lists them under `personas` (primary
first), round trip equal, and documents from before segments still import; the CSV says whose
journey a note is on; the current vs future comparison follows each persona."""

from __future__ import annotations

import copy
import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from maps import operations as ops
from maps.models import MapPersona, StageFeeling, Touchpoint
from reports.compare import compare_personas
from reports.demo import COUPLE, PERSONA, seed_demo
from reports.export import csv_io
from reports.export.json_io import DocumentInvalid, export_document, import_map
from reports.export.pdf import render_pdf
from reports.export.report import build_report
from workshops.facilitation import set_phase, set_vote
from workshops.operations import join_workshop
from workshops.segment_votes import set_votes_per_persona

from .test_export_pdf import pdf_text, squeeze

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    return seed_demo()


def stroke_colours(pdf: bytes) -> set[str]:
    """The stroke colours the pages' drawings use, as "#rrggbb" (reportlab writes "r g b RG")."""
    found = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        content = page.get_contents().get_data().decode("latin-1")
        for r, g, b in re.findall(r"([\d.]+) ([\d.]+) ([\d.]+) RG", content):
            found.add("#" + "".join(f"{round(float(c) * 255):02x}" for c in (r, g, b)))
    return found


# --- PDF --------------------------------------------------------------------------------------


def test_the_pdf_names_each_persona_and_draws_a_curve_in_each_ones_colour(demo):
    pdf = render_pdf(build_report(demo.journey_map))
    pages = pdf_text(pdf)
    first = squeeze(pages[0])
    for persona in (PERSONA, COUPLE):
        assert squeeze(f"Persona: {persona['name']}") in first
        assert squeeze(persona["quote"]) in first
    assert (
        squeeze("Emotion curves: Sarah Mitchell in black, Margaret and Bill Okafor in colour")
        in first
    )
    couple_colour = "#be185d"  # maps.segments_board.PERSONA_COLOURS[1]
    assert couple_colour in stroke_colours(pdf)


def test_a_single_persona_pdf_draws_no_second_curve(demo, actor):
    couple = demo.journey_map.segments.get().persona_id
    ops.remove_map_persona(actor, demo.journey_map, couple)
    demo.journey_map.refresh_from_db()
    pdf = render_pdf(build_report(demo.journey_map))
    assert "#be185d" not in stroke_colours(pdf)
    assert "The personas compared" not in "".join(pdf_text(pdf))


def test_the_summary_compares_the_personas(demo):
    set_phase(demo.workshop, "reveal")
    pages = pdf_text(render_pdf(build_report(demo.journey_map)))
    # Page 1 is the journey; the comparison is in the summary (the demo's discussion may follow).
    assert len(pages) >= 2 and squeeze("The personas compared") not in squeeze(pages[0])
    summary = squeeze(pages[1])
    assert squeeze("The personas compared") in summary
    assert squeeze("Margaret and Bill Okafor parts from Sarah Mitchell") in summary
    assert squeeze("Purchase: -1 vs +2 · Comparing: 0 vs -2") in summary
    assert squeeze("Only Margaret and Bill Okafor meets") in summary
    assert squeeze("Their son checks the history report for them (Comparing)") in summary


def test_the_pdf_leaves_internal_notes_out_of_the_comparison(demo, actor):
    stage = demo.journey_map.stages.order_by("position").first().pk
    secret = ops.add_touchpoint(
        actor, demo.journey_map, stage=stage, text="Secret routing", internal=True
    )
    couple = demo.journey_map.segments.get().persona_id
    ops.scope_touchpoint(actor, demo.journey_map, secret.payload["touchpoint"]["id"], [couple])
    assert "Secret routing" not in "".join(pdf_text(render_pdf(build_report(demo.journey_map))))


# --- JSON -------------------------------------------------------------------------------------


def voted_per_persona(demo):
    """A revealed workshop where a vote says whom it is for."""
    couple = demo.journey_map.segments.get().persona_id
    set_votes_per_persona(demo.workshop, True)
    note = demo.journey_map.touchpoints.get(text="Signs a long contract")
    set_vote(join_workshop(demo.workshop, display_name="Dee"), note, "pain", True, couple)
    set_phase(demo.workshop, "reveal")


def test_the_json_lists_the_personas_primary_first(demo):
    voted_per_persona(demo)
    document = export_document(demo.journey_map)
    assert "persona" not in document
    names = [p["name"] for p in document["personas"]]
    assert names == [PERSONA["name"], COUPLE["name"]]
    primary, couple = document["personas"]
    assert "feelings" not in primary  # the primary's are the stages' lanes
    assert couple["feelings"][1] == {
        "stage": "s2",
        "feelings": "Lost among comparison websites and jargon",
        "emotion_now": -2,
        "emotion_aspiration": 1,
    }
    son = next(t for t in document["touchpoints"] if t["text"].startswith("Their son"))
    assert son["personas"] == [couple["ref"]]
    everyone = next(t for t in document["touchpoints"] if t["text"] == "Signs a long contract")
    assert "personas" not in everyone
    workshop = document["workshops"][0]
    assert workshop["votes_per_persona"] is True
    assert sum(1 for v in workshop["votes"] if v.get("persona") == couple["ref"]) == 1


def test_export_import_export_with_personas_is_the_same_document(demo, make_user):
    voted_per_persona(demo)
    first = export_document(demo.journey_map)
    imported, _ = import_map(ops.Actor.for_user(make_user("importer")), copy.deepcopy(first))
    assert export_document(imported) == first
    assert MapPersona.objects.filter(map=imported).count() == 1
    assert StageFeeling.objects.filter(segment__map=imported).count() == 5
    assert Touchpoint.personas.through.objects.filter(touchpoint__map=imported).count() == 5


def test_a_document_from_before_segments_still_imports(demo, make_user):
    document = export_document(demo.journey_map)
    old = copy.deepcopy(document)
    old["version"] = 1
    old["persona"] = {k: v for k, v in old.pop("personas")[0].items() if k != "ref"}
    for note in old["touchpoints"]:
        note.pop("personas", None)
    imported, _ = import_map(ops.Actor.for_user(make_user("importer")), old)
    assert imported.persona.name == PERSONA["name"]
    assert not imported.segments.exists()
    old["persona"] = None
    imported, _ = import_map(ops.Actor.for_user(make_user("another")), old)
    assert imported.persona is None


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d.update(persona=None), "personas: a document has `personas` or (older)"),
        (
            lambda d: d["personas"].extend([{"ref": f"x{i}", "name": "P"} for i in range(6)]),
            "at most 6",
        ),
        (lambda d: d["personas"][0].update(feelings=[]), "personas[0].feelings"),
        (
            lambda d: d["personas"][1]["feelings"][0].update(emotion_now=9),
            "personas[1].feelings[0]",
        ),
        (lambda d: d["personas"][1]["feelings"][0].update(stage="s99"), "is not a stage"),
        (lambda d: d["personas"][1].update(name="x" * 10_000), "personas[1].name"),
        (
            lambda d: d["touchpoints"][0].update(personas=["r9"]),
            "is not a persona of this document",
        ),
        (lambda d: d["touchpoints"][0].update(personas="r2"), "touchpoints[0].personas"),
        (lambda d: d["touchpoints"][0].update(personas=[["r2"]]), "must be a reference"),
    ],
)
def test_a_bad_persona_in_a_document_is_reported_and_nothing_imported(
    demo, make_user, change, problem
):
    document = export_document(demo.journey_map)
    change(document)
    importer = make_user("importer")
    with pytest.raises(DocumentInvalid) as refused:
        import_map(ops.Actor.for_user(importer), document)
    assert any(problem in error for error in refused.value.errors), refused.value.errors
    assert not importer.personas.exists()


def test_hostile_persona_text_imports_as_text(demo, make_user):
    document = export_document(demo.journey_map)
    hostile = "<script>alert(1)</script>\u202e\u200b"
    document["personas"][1]["name"] = hostile
    document["personas"][1]["feelings"][0]["feelings"] = hostile
    imported, _ = import_map(ops.Actor.for_user(make_user("importer")), document)
    segment = imported.segments.get()
    assert segment.persona.name == hostile
    assert segment.feelings.order_by("stage__position").first().feelings == hostile


# --- CSV and the current vs future comparison -------------------------------------------------


def test_the_csv_says_whose_journey_a_note_is_on(demo):
    text = csv_io.export_csv(demo.journey_map)
    header, *rows = [line.split(",") for line in text.strip().split("\r\n")]
    at = header.index("personas")
    by_note = {row[3]: row[at] for row in rows}
    assert by_note["Their son checks the history report for them"] == COUPLE["name"]
    assert by_note["Test drive with the kids' seats fitted"] == PERSONA["name"]
    assert by_note["Signs a long contract"] == ""


def test_the_csv_guards_a_persona_name_that_looks_like_a_formula(demo, actor):
    couple = demo.journey_map.segments.get().persona
    ops.update_persona(actor, couple, name='=HYPERLINK("http://x")')
    text = csv_io.export_csv(demo.journey_map)
    assert "'=HYPERLINK" in text


def test_the_future_state_comparison_follows_each_persona(demo, client):
    actor = ops.Actor.for_user(demo.journey_map.created_by)
    future = ops.create_future_state(actor, demo.journey_map)
    couple = future.segments.get().persona_id
    purchase = future.stages.get(name="Purchase").pk
    ops.feel_stage(actor, future, purchase, couple, emotion_now=1)
    shifts = compare_personas(demo.journey_map, future)
    assert [s.name for s in shifts] == [PERSONA["name"], COUPLE["name"]]
    assert shifts[1].moved == [("Purchase", 2, 1)]
    client.force_login(demo.journey_map.created_by)
    html = client.get(reverse("map_compare", args=[future.pk])).content.decode()
    assert "Each persona, emotion now" in html and "2 → 1" in html
