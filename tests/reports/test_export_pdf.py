"""The PDF a manager downloads: every customer-visible word is in it as real text, in any
script; internal notes are not; big stages paginate with their header; the summary says
where to act."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from maps import operations as ops
from maps.models import CustomerFeedback, JourneyMap
from reports.export.fonts import PLACEHOLDER, font_for, markup
from reports.export.pdf import render_pdf
from reports.export.report import build_report

from .export_helpers import add_notes, revealed_workshop

pytestmark = pytest.mark.django_db

VISIBLE = [
    "Café crème offert à l'accueil, très apprécié",
    "Звонок менеджера через неделю после покупки",
    "在线预约试驾很方便",
    "予約の確認メールが届く",
    "한국어 안내 문자",
    "Zażółć gęślą jaźń: Ελληνικά και Ñandú",
]
INTERNAL = "Lead routed to the salesperson queue by SECRET-ROUTING-RULE"


def pdf_text(pdf: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]


def squeeze(text: str) -> str:
    """Text without whitespace: lines wrap anywhere, so words are compared without it."""
    return re.sub(r"\s+", "", text)


def contains(pages: list[str], needle: str) -> bool:
    return squeeze(needle) in squeeze("".join(pages))


@pytest.fixture
def rich_map(journey_map, owner, actor) -> JourneyMap:
    persona = ops.create_persona(
        ops.Actor.for_user(owner),
        name="Ľudmila Смирнова 李华",
        role="Lehrerin",
        quote="Ich will fair behandelt werden.",
    )
    ops.update_map(actor, journey_map, persona=persona)
    stages = list(journey_map.stages.order_by("position"))
    ops.update_stage(actor, journey_map, stages[0].pk, name="Entdeckung und Überlegung")
    ops.update_stage(actor, journey_map, stages[1].pk, name="Покупка", feelings="Взволнована")
    ops.update_stage(actor, journey_map, stages[2].pk, name="購入後", emotion_now=-1)
    add_notes(journey_map, 0, VISIBLE[:2])
    add_notes(journey_map, 1, VISIBLE[2:4], critical=True)
    add_notes(journey_map, 2, VISIBLE[4:])
    add_notes(journey_map, 2, [INTERNAL], internal=True)
    journey_map.refresh_from_db()
    return journey_map


def test_every_customer_visible_text_stage_and_persona_is_in_the_pdf(rich_map):
    pages = pdf_text(render_pdf(build_report(rich_map)))
    for text in VISIBLE:
        assert contains(pages, text), text
    for stage in rich_map.stages.all():
        assert contains(pages, stage.name), stage.name
    assert contains(pages, "Ľudmila Смирнова 李华")
    assert contains(pages, "Ich will fair behandelt werden.")
    assert contains(pages, rich_map.title)


def test_internal_notes_are_left_out(rich_map):
    pages = pdf_text(render_pdf(build_report(rich_map)))
    assert not contains(pages, "SECRET-ROUTING-RULE")


def test_a_stage_with_60_notes_continues_on_later_pages_with_its_header(journey_map):
    texts = [f"Sixty-note stage item {n:02d} where the customer waits" for n in range(60)]
    add_notes(journey_map, 0, texts)
    pages = pdf_text(render_pdf(build_report(journey_map)))
    for text in texts:
        assert contains(pages, text), text
    with_header = [page for page in pages if "1. Sign up" in page]
    assert len(with_header) >= 2
    # Each continued page starts again with the stage header, above its notes.
    for page in with_header[1:]:
        assert page.index("1. Sign up") < page.index("Sixty-note")
        assert "(continued)" in page
    assert "(continued)" not in with_header[0]


def test_a_lane_longer_than_a_page_is_continued_not_clipped(journey_map, actor):
    words = " ".join(f"lane{n:04d}" for n in range(220))
    for stage in journey_map.stages.all():
        ops.update_stage(actor, journey_map, stage.pk, actions=words[:2000], thoughts=words[:2000])
    pages = pdf_text(render_pdf(build_report(journey_map)))
    for word in words[:2000].split()[:-1]:
        assert contains(pages, word), word


def test_a_character_no_font_has_becomes_a_visible_placeholder(journey_map):
    add_notes(journey_map, 0, ["Test tube \U0001f9ea ordered", "Smile 😀 kept"])
    pages = pdf_text(render_pdf(build_report(journey_map)))
    assert contains(pages, f"Test tube {PLACEHOLDER} ordered")
    # DejaVu Sans draws this emoji. (Its text layer is not extractable: reportlab writes
    # characters beyond U+FFFF into the PDF's ToUnicode map in a form readers reject.)
    assert font_for("😀") == "JM-Sans"
    assert contains(pages, "Smile") and contains(pages, "kept")


def test_markup_in_user_text_is_printed_as_typed(journey_map):
    add_notes(journey_map, 0, ['<b>Bold?</b> & <font name="x">no</font>'])
    pages = pdf_text(render_pdf(build_report(journey_map)))
    assert contains(pages, '<b>Bold?</b> & <font name="x">no</font>')


def test_a3_is_an_option_and_both_are_landscape(rich_map):
    a4 = PdfReader(io.BytesIO(render_pdf(build_report(rich_map)))).pages[0].mediabox
    a3 = PdfReader(io.BytesIO(render_pdf(build_report(rich_map), "a3"))).pages[0].mediabox
    assert (round(a4.width), round(a4.height)) == (842, 595)
    assert (round(a3.width), round(a3.height)) == (1191, 842)


def summary(pages: list[str]) -> str:
    return next(page for page in pages if "Summary" in page and "Top pain points" in page)


def test_summary_names_pain_points_truths_gaps_and_accountability(rich_map, owner, actor):
    stage = rich_map.stages.get(name="Покупка")
    ops.update_stage(actor, rich_map, stage.pk, personnel="Finance desk")
    revealed_workshop(
        rich_map, owner, [(VISIBLE[2], "pain"), (VISIBLE[3], "truth"), (VISIBLE[2], "truth")]
    )
    CustomerFeedback.objects.create(
        touchpoint=rich_map.touchpoints.get(text=VISIBLE[0]), tag="pain", source="survey"
    )
    pages = pdf_text(render_pdf(build_report(rich_map)))
    page = squeeze(summary(pages))
    pain = page.index(squeeze("Top pain points"))
    truth = page.index(squeeze("Moments of truth"))
    gaps = page.index(squeeze("Largest gaps to customer feedback"))
    assert pain < page.index(squeeze(VISIBLE[2])) < truth
    assert squeeze(VISIBLE[0]) in page[gaps:]
    assert "FinanceDesk".lower() in page.lower()
    assert squeeze("Kick-off") in page and squeeze("3 participants") in page


def test_votes_nobody_revealed_stay_out_of_the_pdf(rich_map, owner):
    revealed_workshop(rich_map, owner, [(VISIBLE[2], "pain")], phase="vote")
    page = squeeze(summary(pdf_text(render_pdf(build_report(rich_map)))))
    assert squeeze("No revealed pain points yet") in page


def test_a_future_state_map_is_compared_with_its_current_state(journey_map, owner, actor):
    future = ops.create_map(
        actor,
        title="Onboarding tomorrow",
        state="future",
        source_map=journey_map,
        stage_names=["Sign up", "Guided start"],
    )
    pages = pdf_text(render_pdf(build_report(future)))
    text = squeeze("".join(pages))
    assert squeeze("Compared with the current state: Onboarding") in text
    assert squeeze("Guided start") in text


def test_an_empty_map_says_what_to_do_next(owner):
    empty = ops.create_map(ops.Actor.for_user(owner), title="Blank")
    text = squeeze("".join(pdf_text(render_pdf(build_report(empty)))))
    assert squeeze("This map has no stages yet") in text
    assert squeeze("No persona is set for this map") in text


def test_markup_escapes_user_text_and_switches_font_per_character():
    assert markup("a<b>&") == "a&lt;b&gt;&amp;"
    assert markup("Café 中文") == 'Café <font name="JM-CJK">中文</font>'
    assert font_for("ж") == "JM-Sans"
    assert font_for("한") == "JM-Hangul"
    assert font_for("\U0001f9ea") is None


def test_a_persona_and_lanes_at_their_longest_are_printed_whole(journey_map, owner, actor):
    def text_of(prefix: str) -> str:
        return " ".join(f"{prefix}{n:04d}" for n in range(400))[:2000].rsplit(" ", 1)[0]

    long_fields = ("demographics", "personality", "lifestyle", "purchase_reason", "goals")
    persona_fields = {field: text_of(f"{field[:3]}-") for field in long_fields}
    persona = ops.create_persona(ops.Actor.for_user(owner), name="Long", **persona_fields)
    ops.update_map(actor, journey_map, persona=persona)
    for stage in journey_map.stages.all():
        ops.update_stage(actor, journey_map, stage.pk, goals=text_of("goal-"))
    journey_map.refresh_from_db()
    text = squeeze("".join(pdf_text(render_pdf(build_report(journey_map)))))
    for value in [*persona_fields.values(), text_of("goal-")]:
        for word in value.split():
            assert word in text, word
