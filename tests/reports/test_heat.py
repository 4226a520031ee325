"""Heat and its analysis: shares, levels, the inconsistency rule at its threshold, top lists,
heat per stage, the latest revealed workshop, customer heat and the gap ranking."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from maps import operations as ops
from maps.heat import INCONSISTENT_SHARE, Heat, heat_level
from maps.models import CustomerFeedback
from reports.analysis import analyse
from workshops import tally
from workshops.models import Vote
from workshops.operations import join_workshop, open_workshop
from workshops.tally import heat_for_map

pytestmark = pytest.mark.django_db


def add_note(actor, journey_map, stage_index: int, text: str, **fields):
    stage = journey_map.stages.order_by("position")[stage_index]
    event = ops.add_touchpoint(actor, journey_map, stage=stage.pk, text=text, **fields)
    return journey_map.touchpoints.get(pk=event.payload["touchpoint"]["id"])


def revealed_workshop(owner, journey_map, votes: dict[str, list[tuple]]):
    """A workshop whose voters (by name) cast `votes` [(note, tag)], then revealed."""
    workshop = open_workshop(owner, journey_map, vote_budget=50)
    for name, cast in votes.items():
        voter = join_workshop(workshop, display_name=name)
        for note, tag in cast:
            Vote.objects.create(workshop=workshop, participant=voter, touchpoint=note, tag=tag)
    workshop.phase = "reveal"
    workshop.save()
    return workshop


def heat_of(pain: int = 0, delight: int = 0, truth: int = 0, voters: int = 10) -> Heat:
    return Heat(counts={"pain": pain, "delight": delight, "truth": truth}, voters=voters)


def test_inconsistent_exactly_at_the_threshold():
    assert INCONSISTENT_SHARE == 0.3
    assert heat_of(pain=3, delight=3).inconsistent


def test_not_inconsistent_just_below_the_threshold_on_either_side():
    assert not heat_of(pain=2, delight=3).inconsistent
    assert not heat_of(pain=3, delight=2).inconsistent
    assert not heat_of(pain=29, delight=100, voters=100).inconsistent


def test_no_voters_is_never_inconsistent():
    assert not Heat().inconsistent


def test_heat_levels_are_quarters_of_voters():
    assert [heat_level(s) for s in (0, 0.01, 0.24, 0.25, 0.5, 0.74, 0.75, 1.0)] == [
        0,
        1,
        1,
        2,
        3,
        3,
        4,
        4,
    ]


def test_top_tag_prefers_the_most_given_tag():
    assert heat_of(pain=1, delight=4).top_tag == "delight"
    assert heat_of().top_tag is None


def test_heat_is_the_share_of_voters_who_tagged(journey_map, owner, actor):
    note = add_note(actor, journey_map, 0, "Sign-up form is long")
    other = add_note(actor, journey_map, 1, "Welcome email")
    revealed_workshop(
        owner,
        journey_map,
        {"Ann": [(note, "pain")], "Bob": [(note, "pain")], "Cy": [(other, "delight")]},
    )
    heat = heat_for_map(journey_map)
    assert heat[note.pk].counts["pain"] == 2
    assert heat[note.pk].voters == 3
    assert heat[note.pk].share("pain") == pytest.approx(2 / 3)


def test_internal_notes_are_out_of_the_heat_map(journey_map, owner, actor):
    internal = add_note(actor, journey_map, 0, "CRM sync job", internal=True)
    add_note(actor, journey_map, 0, "Visible")
    assert internal.pk not in heat_for_map(journey_map)
    assert internal.pk not in {n.id for n in analyse(journey_map).notes}


def test_unrevealed_votes_are_not_shown_on_the_map(journey_map, owner, actor):
    note = add_note(actor, journey_map, 0, "Checkout")
    workshop = revealed_workshop(owner, journey_map, {"Ann": [(note, "pain")]})
    workshop.phase = "vote"
    workshop.save()
    assert tally.latest_voted_workshop(journey_map) is None
    assert heat_for_map(journey_map)[note.pk].counts["pain"] == 0
    assert tally.latest_voted_workshop(journey_map, revealed_only=False) == workshop


def test_each_workshop_keeps_its_result_and_the_map_shows_the_latest(journey_map, owner, actor):
    note = add_note(actor, journey_map, 0, "Checkout")
    first = revealed_workshop(owner, journey_map, {"Ann": [(note, "pain")]})
    second = revealed_workshop(owner, journey_map, {"Bob": [(note, "delight")]})
    assert tally.latest_voted_workshop(journey_map) == second
    assert heat_for_map(journey_map)[note.pk].counts == {"pain": 0, "delight": 1, "truth": 0}
    assert heat_for_map(journey_map, first)[note.pk].counts == {
        "pain": 1,
        "delight": 0,
        "truth": 0,
    }


def test_analysis_ranks_top_notes_and_flags_inconsistent_ones(journey_map, owner, actor):
    contract = add_note(actor, journey_map, 0, "Signs the contract")
    handover = add_note(actor, journey_map, 1, "Car handed over")
    reminder = add_note(actor, journey_map, 2, "Service reminder")
    revealed_workshop(
        owner,
        journey_map,
        {
            "Ann": [(contract, "pain"), (handover, "delight")],
            "Bob": [(contract, "pain"), (handover, "pain"), (contract, "truth")],
            "Cy": [(reminder, "pain"), (handover, "delight")],
        },
    )
    result = analyse(journey_map)
    assert result.voters == 3
    assert [r.note.text for r in result.top_pain] == [
        "Signs the contract",
        "Car handed over",
        "Service reminder",
    ]
    assert [r.note.text for r in result.top_truth] == ["Signs the contract"]
    assert [r.note.text for r in result.top_delight] == ["Car handed over"]
    assert [r.note.text for r in result.inconsistent] == ["Car handed over"]


def test_heat_per_stage_sums_votes_in_spine_order(journey_map, owner, actor):
    a = add_note(actor, journey_map, 0, "A")
    b = add_note(actor, journey_map, 0, "B")
    revealed_workshop(owner, journey_map, {"Ann": [(a, "pain"), (b, "pain")], "Bob": [(a, "pain")]})
    stages = analyse(journey_map).stages
    assert [s.name for s in stages] == ["Sign up", "First use", "Habit"]
    assert stages[0].counts["pain"] == 3
    assert stages[0].share["pain"] == pytest.approx((1.0 + 0.5) / 2)
    assert stages[1].notes == 0 and stages[1].share["pain"] == 0.0


def test_customer_heat_counts_tags_and_scores(journey_map, actor):
    note = add_note(actor, journey_map, 0, "Checkout")
    CustomerFeedback.objects.create(touchpoint=note, tag="pain", source="survey")
    CustomerFeedback.objects.create(touchpoint=note, score=-2, source="support_ticket")
    CustomerFeedback.objects.create(touchpoint=note, score=2, source="interview")
    CustomerFeedback.objects.create(touchpoint=note, score=0, source="social")
    reported = analyse(journey_map).customer[note.pk]
    assert reported.rows == 4
    assert reported.counts == {"pain": 2, "delight": 1, "truth": 0}
    assert reported.mean_score == 0


def test_gaps_rank_the_largest_difference_first(journey_map, owner, actor):
    seen = add_note(actor, journey_map, 0, "Team sees the pain")
    missed = add_note(actor, journey_map, 1, "Team misses the pain")
    revealed_workshop(owner, journey_map, {"Ann": [(seen, "pain")], "Bob": [(seen, "pain")]})
    for note in (seen, missed):
        CustomerFeedback.objects.create(touchpoint=note, tag="pain", source="survey")
    gaps = analyse(journey_map).gaps
    assert [g.note.text for g in gaps] == ["Team misses the pain", "Team sees the pain"]
    assert gaps[0].tag == "pain"
    assert gaps[0].difference == 1.0
    assert gaps[1].difference == 0.0


# --- colours: WCAG AA contrast of the heat scale (static/css/heat.css) ---------------------

HEAT_CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "heat.css"


def relative_luminance(hex_colour: str) -> float:
    """WCAG 2.x relative luminance of an sRGB colour like #1f2937."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def heat_properties() -> dict[str, str]:
    return dict(re.findall(r"--(heat-[a-z0-9-]+):\s*(#[0-9a-fA-F]{6})", HEAT_CSS.read_text()))


def test_contrast_formula_matches_known_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


def test_the_heat_scale_has_four_steps_per_tag():
    names = set(heat_properties())
    for tag in ("pain", "delight", "truth"):
        assert {f"heat-{tag}-{level}" for level in range(1, 5)} <= names


def test_every_heat_colour_keeps_note_text_readable_wcag_aa():
    properties = heat_properties()
    ink = properties["heat-ink"]
    for name, colour in properties.items():
        if name != "heat-ink":
            assert contrast(ink, colour) >= 4.5, (name, colour, round(contrast(ink, colour), 2))


def test_the_inconsistent_flag_is_readable():
    css = HEAT_CSS.read_text()
    flag = re.search(
        r"\.heat-flag \{[^}]*color: (#[0-9a-f]{6});[^}]*background: (#[0-9a-f]{6})", css
    )
    assert flag is not None
    assert contrast(*flag.groups()) >= 4.5


def test_stronger_heat_is_darker():
    properties = heat_properties()
    for tag in ("pain", "delight", "truth"):
        shades = [relative_luminance(properties[f"heat-{tag}-{level}"]) for level in range(1, 5)]
        assert shades == sorted(shades, reverse=True)
