"""Votes per persona (issue 20, "pain for whom?"): off by default and then refused with a
persona; once the facilitator turns it on, a vote may name one of the map's personas whose
journey the note is on; tallies per persona count the votes for everyone and for that persona."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from maps import operations as ops
from maps.operations import OperationError
from workshops.facilitation import my_votes, set_phase, set_vote, workshop_state
from workshops.models import Vote
from workshops.operations import join_workshop, open_workshop
from workshops.segment_votes import set_votes_per_persona
from workshops.tally import heat_for_map

pytestmark = pytest.mark.django_db


@pytest.fixture
def personas(journey_map, actor):
    sarah = ops.create_persona(actor, name="Sarah")
    couple = ops.create_persona(actor, name="Couple")
    ops.add_map_persona(actor, journey_map, sarah.pk)
    ops.add_map_persona(actor, journey_map, couple.pk)
    return sarah.pk, couple.pk


@pytest.fixture
def notes(journey_map, actor, personas):
    """A note everyone meets, and one on the couple's journey only."""
    stage = journey_map.stages.order_by("position").first().pk
    shared = ops.add_touchpoint(actor, journey_map, stage=stage, text="Contract")
    theirs = ops.add_touchpoint(actor, journey_map, stage=stage, text="Pays cash")
    theirs_id = theirs.payload["touchpoint"]["id"]
    ops.scope_touchpoint(actor, journey_map, theirs_id, [personas[1]])
    return shared.payload["touchpoint"]["id"], theirs_id


@pytest.fixture
def workshop(owner, journey_map):
    workshop = open_workshop(owner, journey_map, vote_budget=5)
    set_phase(workshop, "vote")
    return workshop


@pytest.fixture
def ann(workshop):
    return join_workshop(workshop, display_name="Ann")


def refused(fn, *args, **kwargs) -> str:
    with pytest.raises(OperationError) as error:
        fn(*args, **kwargs)
    return error.value.code


def test_off_by_default_a_vote_for_a_persona_is_refused(workshop, ann, notes, personas):
    assert workshop_state(workshop)["votes_per_persona"] is False
    assert refused(set_vote, ann, notes[0], "pain", True, personas[0]) == "invalid"
    assert set_vote(ann, notes[0], "pain", True) is True  # for everyone, as ever
    assert list(Vote.objects.values_list("persona", flat=True)) == [None]
    assert my_votes(ann, workshop)["votes"] == [{"touchpoint": notes[0], "tag": "pain"}]


def test_once_on_a_vote_says_for_whom(workshop, ann, notes, personas):
    sarah, couple = personas
    set_votes_per_persona(workshop, True)
    assert workshop_state(workshop)["votes_per_persona"] is True
    set_vote(ann, notes[0], "pain", True, sarah)
    set_vote(ann, notes[0], "pain", True, couple)
    set_vote(ann, notes[0], "pain", True)  # and for everyone: three votes, three rows
    assert sorted(Vote.objects.values_list("persona", flat=True), key=str) == sorted(
        [sarah, couple, None], key=str
    )
    assert my_votes(ann, workshop)["used"] == 3
    assert {"touchpoint": notes[0], "tag": "pain", "persona": couple} in my_votes(ann, workshop)[
        "votes"
    ]
    set_vote(ann, notes[0], "pain", False, couple)  # taking back one persona's keeps the rest
    assert sorted(Vote.objects.values_list("persona", flat=True), key=str) == sorted(
        [sarah, None], key=str
    )


def test_a_vote_is_for_a_persona_of_the_map_whose_journey_has_the_note(
    workshop, ann, notes, personas, actor
):
    sarah, couple = personas
    set_votes_per_persona(workshop, True)
    stranger = ops.create_persona(actor, name="Not on the map").pk
    assert refused(set_vote, ann, notes[0], "pain", True, stranger) == "not_found"
    assert refused(set_vote, ann, notes[1], "pain", True, sarah) == "invalid"
    assert refused(set_vote, ann, notes[0], "pain", True, "1") == "invalid"
    assert not Vote.objects.exists()
    assert set_vote(ann, notes[1], "pain", True, couple) is True


def test_the_budget_counts_every_vote_whoever_it_is_for(owner, journey_map, notes, personas):
    workshop = open_workshop(owner, journey_map, vote_budget=2)
    set_phase(workshop, "vote")
    set_votes_per_persona(workshop, True)
    ann = join_workshop(workshop, display_name="Ann")
    set_vote(ann, notes[0], "pain", True, personas[0])
    set_vote(ann, notes[0], "pain", True, personas[1])
    assert refused(set_vote, ann, notes[0], "pain", True) == "budget_spent"


def test_the_database_keeps_one_vote_per_voter_note_tag_and_persona(workshop, ann, notes, personas):
    set_votes_per_persona(workshop, True)
    set_vote(ann, notes[0], "pain", True, personas[0])
    set_vote(ann, notes[0], "pain", True)
    for persona in (personas[0], None):
        with pytest.raises(IntegrityError), transaction.atomic():
            Vote.objects.create(
                workshop=workshop,
                participant=ann,
                touchpoint_id=notes[0],
                tag="pain",
                persona_id=persona,
            )


def test_tallies_per_persona_count_everyones_votes_and_their_own(workshop, notes, personas):
    sarah, couple = personas
    set_votes_per_persona(workshop, True)
    ann, bob, cat = (join_workshop(workshop, display_name=n) for n in ("Ann", "Bob", "Cat"))
    set_vote(ann, notes[0], "pain", True)  # everyone's
    set_vote(bob, notes[0], "pain", True, couple)
    set_vote(cat, notes[0], "delight", True, sarah)
    set_vote(cat, notes[1], "pain", True, couple)
    whole = heat_for_map(workshop.map, workshop)
    for_sarah = heat_for_map(workshop.map, workshop, persona=sarah)
    for_couple = heat_for_map(workshop.map, workshop, persona=couple)
    assert whole[notes[0]].counts == {"pain": 2, "delight": 1, "truth": 0}
    assert for_sarah[notes[0]].counts == {"pain": 1, "delight": 1, "truth": 0}
    assert for_couple[notes[0]].counts == {"pain": 2, "delight": 0, "truth": 0}
    assert notes[1] not in for_sarah  # not on her journey
    assert for_couple[notes[1]].counts["pain"] == 1


def test_turning_it_off_keeps_the_votes_cast(workshop, ann, notes, personas):
    set_votes_per_persona(workshop, True)
    set_vote(ann, notes[0], "pain", True, personas[0])
    set_votes_per_persona(workshop, False)
    assert Vote.objects.get().persona_id == personas[0]
    assert refused(set_vote, ann, notes[0], "truth", True, personas[0]) == "invalid"


def test_the_switch_is_a_bool(workshop):
    assert refused(set_votes_per_persona, workshop, "yes") == "invalid"
