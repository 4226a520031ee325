from __future__ import annotations

import pytest

from maps import operations as ops
from maps.operations import OperationError
from workshops.operations import join_workshop, open_workshop, toggle_vote

pytestmark = pytest.mark.django_db


@pytest.fixture
def note(journey_map, actor):
    stage = journey_map.stages.order_by("position").first()
    event = ops.add_touchpoint(actor, journey_map, stage=stage.pk, text="Checkout fails")
    return journey_map.touchpoints.get(pk=event.payload["touchpoint"]["id"])


def test_a_vote_toggles_on_and_off(journey_map, owner, note):
    voter = join_workshop(open_workshop(owner, journey_map), display_name="Ann")
    assert toggle_vote(voter, note, "pain") is True
    assert toggle_vote(voter, note, "pain") is False
    assert not voter.votes.exists()


def test_the_budget_is_enforced(journey_map, owner, note):
    workshop = open_workshop(owner, journey_map, vote_budget=2)
    voter = join_workshop(workshop, display_name="Ann")
    toggle_vote(voter, note, "pain")
    toggle_vote(voter, note, "truth")
    with pytest.raises(OperationError) as refused:
        toggle_vote(voter, note, "delight")
    assert refused.value.code == "budget_spent"


def test_a_note_of_another_map_cannot_be_voted_on(journey_map, owner, actor):
    other = ops.create_map(actor, title="Other", stage_names=["S"])
    event = ops.add_touchpoint(actor, other, stage=other.stages.get().pk, text="x")
    voter = join_workshop(open_workshop(owner, journey_map), display_name="Ann")
    with pytest.raises(OperationError) as refused:
        toggle_vote(voter, other.touchpoints.get(pk=event.payload["touchpoint"]["id"]), "pain")
    assert refused.value.code == "not_found"


def test_joining_a_closed_workshop_is_refused(journey_map, owner):
    workshop = open_workshop(owner, journey_map)
    workshop.phase = "closed"
    workshop.save()
    with pytest.raises(OperationError) as refused:
        join_workshop(workshop, display_name="Late")
    assert refused.value.code == "closed"
