"""workshops.facilitation at its edges: the limits of the budget and the timer, what a
participant's own vote summary says, and what each phase change tells whom."""

from __future__ import annotations

import pytest

from maps.operations import OperationError
from workshops.facilitation import (
    BUDGET_MAX,
    BUDGET_MIN,
    TIMER_MAX_SECONDS,
    my_votes,
    set_phase,
    set_vote,
    set_vote_budget,
    start_timer,
)
from workshops.models import Phase, Workshop

pytest_plugins = ["tests.workshops.conftest_live"]
pytestmark = pytest.mark.django_db


def refused_code(fn, *args) -> str:
    with pytest.raises(OperationError) as refused:
        fn(*args)
    return refused.value.code


@pytest.mark.parametrize("budget", [BUDGET_MIN, BUDGET_MAX])
def test_the_budget_may_be_set_to_either_limit(workshop, budget):
    set_vote_budget(workshop, budget)
    assert Workshop.objects.get(pk=workshop.pk).vote_budget == budget == workshop.vote_budget


@pytest.mark.parametrize("budget", [BUDGET_MIN - 1, BUDGET_MAX + 1, True, 2.0, "3", None])
def test_a_budget_outside_the_limits_or_not_a_whole_number_is_refused(workshop, budget):
    assert refused_code(set_vote_budget, workshop, budget) == "invalid"
    assert Workshop.objects.get(pk=workshop.pk).vote_budget == 10


@pytest.mark.parametrize("seconds", [1, TIMER_MAX_SECONDS])
def test_the_timer_may_run_from_one_second_to_the_maximum(workshop, seconds):
    start_timer(workshop, seconds)
    assert Workshop.objects.get(pk=workshop.pk).timer_ends_at is not None


@pytest.mark.parametrize("seconds", [0, TIMER_MAX_SECONDS + 1, True, 1.5, "60"])
def test_a_timer_length_outside_the_limits_is_refused(workshop, seconds):
    assert refused_code(start_timer, workshop, seconds) == "invalid"
    assert Workshop.objects.get(pk=workshop.pk).timer_ends_at is None


def test_a_lowered_budget_shows_no_remaining_votes_rather_than_a_negative_count(
    workshop, ann, journey_map, actor, stages
):
    from maps import operations as ops

    set_phase(workshop, Phase.VOTE)
    notes = [
        ops.add_touchpoint(actor, journey_map, stage=stages[0], text=f"n{i}").payload["touchpoint"][
            "id"
        ]
        for i in range(3)
    ]
    for note in notes:
        set_vote(ann, journey_map.touchpoints.get(pk=note), "pain", True)
    set_vote_budget(workshop, 1)
    summary = my_votes(ann, Workshop.objects.get(pk=workshop.pk))
    assert (summary["budget"], summary["used"], summary["remaining"]) == (1, 3, 0)
    assert summary["votes"] == [{"touchpoint": note, "tag": "pain"} for note in sorted(notes)]
    assert summary["type"] == "votes.mine" and summary["workshop"] == workshop.pk
