"""Votes: tags on customer-visible notes, in the vote phase, within the budget; each voter is
told only about their own votes."""

from __future__ import annotations

import pytest

from maps import operations as ops
from maps.operations import OperationError
from workshops.facilitation import my_votes, set_phase, set_vote, set_vote_budget, toggle_vote
from workshops.models import Participant, Vote
from workshops.operations import join_workshop, open_workshop

pytestmark = pytest.mark.django_db


@pytest.fixture
def note(journey_map, actor):
    stage = journey_map.stages.order_by("position").first()
    event = ops.add_touchpoint(actor, journey_map, stage=stage.pk, text="Checkout fails")
    return journey_map.touchpoints.get(pk=event.payload["touchpoint"]["id"])


@pytest.fixture
def workshop(owner, journey_map):
    workshop = open_workshop(owner, journey_map, vote_budget=2)
    set_phase(workshop, "vote")
    return workshop


@pytest.fixture
def voter(workshop):
    return join_workshop(workshop, display_name="Ann")


def refused(fn, *args) -> str:
    with pytest.raises(OperationError) as error:
        fn(*args)
    return error.value.code


def test_a_vote_toggles_on_and_off(voter, note):
    assert toggle_vote(voter, note, "pain") is True
    assert toggle_vote(voter, note, "pain") is False
    assert not voter.votes.exists()


def test_several_tags_on_one_note(voter, note):
    toggle_vote(voter, note, "pain")
    toggle_vote(voter, note, "truth")
    assert set(voter.votes.values_list("tag", flat=True)) == {"pain", "truth"}


def test_setting_a_vote_twice_is_harmless(voter, note):
    assert set_vote(voter, note, "pain", True) is True
    assert set_vote(voter, note, "pain", True) is True
    assert voter.votes.count() == 1
    assert set_vote(voter, note, "pain", False) is False
    assert set_vote(voter, note, "pain", False) is False
    assert voter.votes.count() == 0


def test_the_budget_is_enforced(voter, note):
    toggle_vote(voter, note, "pain")
    toggle_vote(voter, note, "truth")
    assert refused(toggle_vote, voter, note, "delight") == "budget_spent"
    assert voter.votes.count() == 2


def test_taking_a_vote_back_frees_budget(voter, note):
    toggle_vote(voter, note, "pain")
    toggle_vote(voter, note, "truth")
    toggle_vote(voter, note, "pain")
    assert toggle_vote(voter, note, "delight") is True


def test_a_lowered_budget_keeps_votes_but_allows_no_new_ones(workshop, voter, note):
    toggle_vote(voter, note, "pain")
    toggle_vote(voter, note, "truth")
    set_vote_budget(workshop, 1)
    assert voter.votes.count() == 2
    assert refused(toggle_vote, voter, note, "delight") == "budget_spent"
    assert my_votes(voter, workshop)["remaining"] == 0


def test_remaining_votes_are_counted(workshop, voter, note):
    toggle_vote(voter, note, "pain")
    mine = my_votes(voter, workshop)
    assert mine["votes"] == [{"touchpoint": note.pk, "tag": "pain"}]
    assert (mine["budget"], mine["used"], mine["remaining"]) == (2, 1, 1)


@pytest.mark.parametrize("phase", ["gather", "group", "reveal", "discuss", "closed"])
def test_participant_cannot_vote_outside_the_vote_phase(workshop, voter, note, phase):
    set_phase(workshop, phase)
    expected = "closed" if phase == "closed" else "wrong_phase"
    assert refused(toggle_vote, voter, note, "pain") == expected


def test_participant_cannot_vote_after_reveal(workshop, voter, note):
    toggle_vote(voter, note, "pain")
    set_phase(workshop, "reveal")
    assert refused(toggle_vote, voter, note, "pain") == "wrong_phase"
    assert voter.votes.count() == 1


def test_internal_notes_are_not_voted_on(journey_map, actor, voter):
    stage = journey_map.stages.order_by("position").first()
    event = ops.add_touchpoint(actor, journey_map, stage=stage.pk, text="CRM sync", internal=True)
    internal = journey_map.touchpoints.get(pk=event.payload["touchpoint"]["id"])
    assert refused(toggle_vote, voter, internal, "pain") == "invalid"


def test_observers_do_not_vote(workshop, note):
    observer = join_workshop(workshop, display_name="Obs", role=Participant.Role.OBSERVER)
    assert refused(toggle_vote, observer, note, "pain") == "forbidden"


def test_unknown_tag_is_refused(voter, note):
    assert refused(toggle_vote, voter, note, "meh") == "invalid"
    assert refused(set_vote, voter, note, "pain", "yes") == "invalid"


def test_a_note_of_another_map_cannot_be_voted_on(journey_map, actor, voter):
    other = ops.create_map(actor, title="Other", stage_names=["S"])
    event = ops.add_touchpoint(actor, other, stage=other.stages.get().pk, text="x")
    note = other.touchpoints.get(pk=event.payload["touchpoint"]["id"])
    assert refused(toggle_vote, voter, note, "pain") == "not_found"


def test_votes_are_not_map_events(journey_map, voter, note):
    revision = journey_map.events.count()
    toggle_vote(voter, note, "pain")
    assert journey_map.events.count() == revision
    assert not journey_map.events.filter(type__startswith="vote").exists()


def test_votes_belong_to_their_workshop(owner, journey_map, workshop, voter, note):
    toggle_vote(voter, note, "pain")
    later = open_workshop(owner, journey_map)
    set_phase(later, "vote")
    toggle_vote(join_workshop(later, display_name="Bob"), note, "delight")
    assert Vote.objects.get(workshop=workshop).tag == "pain"
    assert Vote.objects.get(workshop=later).tag == "delight"


def test_joining_a_closed_workshop_is_refused(journey_map, owner):
    workshop = open_workshop(owner, journey_map)
    set_phase(workshop, "closed")
    assert refused(lambda: join_workshop(workshop, display_name="Late")) == "closed"
