"""The PDF's journey reads like the board: a workshop-sized map on one landscape A4 page (the
summary after it), only the lanes someone filled in, heat counts only for tags that have votes,
and counts in words a manager would write ("1 touchpoint", "1 voter")."""

from __future__ import annotations

import re

import pytest

from maps import operations as ops
from reports.demo import seed_demo
from reports.export.pdf import render_pdf
from reports.export.report import build_report
from workshops.facilitation import set_phase

from .export_helpers import add_notes, build_map, revealed_workshop
from .test_export_pdf import pdf_text, spine_text, squeeze

pytestmark = pytest.mark.django_db

EVERY_LANE_LABEL = [
    "Does",
    "Thinks",
    "Feels",
    "Emotion",
    "Goals",
    "Personnel involved",
    "Value point",
    "Metrics",
]


def words(pages: list[str]) -> str:
    """The pages' text with every run of whitespace as one space (lines wrap anywhere)."""
    return re.sub(r"\s+", " ", " ".join(pages))


def assert_journey_then_summary(
    pages: list[str], stage_names: list[str], notes: list[str], *, more: bool = False
):
    """The whole journey on page 1, the summary from page 2: on 2 pages, or more when the map
    has more to say after its summary (`more`: the demo's open discussion)."""
    assert len(pages) >= 2 if more else len(pages) == 2, [page[:80] for page in pages]
    first = squeeze(pages[0])
    for name in stage_names:
        assert squeeze(name) in first, name
    for text in notes:
        assert squeeze(text) in first, text
    assert "Top pain points" in pages[1] and "Top pain points" not in pages[0]


@pytest.mark.parametrize("phase", ["vote", "reveal"])
def test_the_demo_map_is_one_page_and_its_summary_the_next(phase):
    demo = seed_demo()
    set_phase(demo.workshop, phase)
    journey_map = demo.journey_map
    pages = pdf_text(render_pdf(build_report(journey_map)))
    stages = list(journey_map.stages.order_by("position").values_list("name", flat=True))
    notes = list(journey_map.touchpoints.filter(internal=False).values_list("text", flat=True))
    # The demo's open thread adds a Discussion page after the summary (issue 19).
    assert_journey_then_summary(pages, stages, notes, more=True)
    assert "Discussion" in pages[-1] and "Discussion" not in pages[0]
    # The whole persona is on that page too: whose journey it is, in their words.
    assert squeeze("The old car is unreliable") in squeeze(pages[0])


@pytest.mark.parametrize("stages", [5, 6])
def test_a_map_of_five_or_six_stages_with_eight_notes_each_is_one_page(owner, stages):
    journey_map = build_map(owner, stages=stages, notes_per_stage=8)
    pages = pdf_text(render_pdf(build_report(journey_map)))
    names = [f"{n}. Stage {n}" for n in range(1, stages + 1)]
    notes = list(journey_map.touchpoints.values_list("text", flat=True))
    assert len(notes) == stages * 8
    assert_journey_then_summary(pages, names, notes)


def test_lanes_nobody_filled_in_are_left_out_and_filled_ones_kept(journey_map, actor):
    stage = journey_map.stages.order_by("position")[1]
    ops.update_stage(actor, journey_map, stage.pk, goals="Start within a week")
    add_notes(journey_map, 0, ["Reads the pricing page"])
    spine = squeeze(spine_text(pdf_text(render_pdf(build_report(journey_map)))))
    assert squeeze("Goals") in spine and squeeze("Start within a week") in spine
    assert squeeze("Touchpoints") in spine and squeeze("Reads the pricing page") in spine
    for label in EVERY_LANE_LABEL:
        if label != "Goals":
            assert squeeze(label) not in spine, label


def test_a_lane_filled_in_one_stage_is_a_row_of_every_part_of_the_journey(owner):
    actor = ops.Actor.for_user(owner)
    names = [f"Step {n}" for n in range(1, 15)]
    journey_map = ops.create_map(actor, title="Long road", stage_names=names)
    first = journey_map.stages.order_by("position")[0]
    ops.update_stage(actor, journey_map, first.pk, goals="Know the price")
    text = words(pdf_text(render_pdf(build_report(journey_map))))
    parts = text[: text.index("Top pain points")].split("The journey: stages")[1:]
    # 14 stages are printed as three tables of 5, 5 and 4 stages, each with the Goals row.
    assert [part.split()[0] for part in parts] == ["1–5", "6–10", "11–14"]
    for part in parts:
        assert "Goals" in part, part
    assert "Know the price" in parts[0]


def test_only_tags_with_votes_print_their_count(journey_map, owner):
    add_notes(journey_map, 0, ["Painful form", "Quiet email"])
    revealed_workshop(journey_map, owner, [("Painful form", "pain"), ("Painful form", "pain")])
    text = words(pdf_text(render_pdf(build_report(journey_map))))
    assert "Pain 2" in text
    for zero in ("Pain 0", "Delight 0", "Truth 0"):
        assert zero not in text, zero


def test_counts_of_one_are_singular(journey_map, owner):
    add_notes(journey_map, 0, ["Painful form"])
    add_notes(journey_map, 1, ["Welcome call", "Tour of the app"])
    revealed_workshop(journey_map, owner, [("Painful form", "pain")])
    text = words(pdf_text(render_pdf(build_report(journey_map))))
    assert re.search(r"\b1 touchpoint(?!s)", text) and "2 touchpoints" in text
    assert re.search(r"\b1 participant(?!s)", text) and "1 of 1 voter (100%)" in text
    for wrong in ("1 touchpoints", "1 participants", "1 voters"):
        assert wrong not in text, wrong


def test_a_large_map_starts_under_the_persona_and_prints_every_note_once(owner):
    journey_map = build_map(owner, stages=12, notes_per_stage=40)
    pages = pdf_text(render_pdf(build_report(journey_map)))
    journey = pages[: next(i for i, page in enumerate(pages) if "Top pain points" in page)]
    text = squeeze("".join(journey))
    for note in journey_map.touchpoints.values_list("text", flat=True):
        assert text.count(squeeze(note)) == 1, note
    # The journey begins on page 1 with its lanes and first notes, not on a page of its own.
    assert squeeze("Does the things of stage 1") in squeeze(pages[0])
    assert squeeze("Touchpoint 1.1: the customer") in squeeze(pages[0])
    assert "(continued)" not in pages[0]  # one header on the page, above lanes and notes
    # Every later page of the journey repeats the stages' header above its notes.
    for page in journey[1:]:
        top = page.index("Stage")
        assert top < page.index("Touchpoint"), page[:200]
    # The second group of stages starts on a page of its own, under its heading.
    second = next(i for i, page in enumerate(journey) if "stages 7–12" in page)
    assert squeeze("Touchpoint 6.40:") in squeeze(journey[second - 1])
    assert squeeze(journey[second]).index(squeeze("The journey: stages 7–12")) < squeeze(
        journey[second]
    ).index(squeeze("Touchpoint 7.1:"))


def test_a_map_too_tall_for_page_one_follows_the_summary_whole_on_page_two(owner):
    journey_map = build_map(owner, stages=5, notes_per_stage=10)
    pages = pdf_text(render_pdf(build_report(journey_map)))
    assert len(pages) == 2
    # Page 1: whose journey and where to act; page 2: the whole map, not a half-empty page.
    assert "Sample persona" in pages[0] and "Top pain points" in pages[0]
    assert "The journey: stages" not in pages[0] and "(continued)" not in pages[1]
    journey = squeeze(pages[1])
    for note in journey_map.touchpoints.values_list("text", flat=True):
        assert squeeze(note) in journey, note
