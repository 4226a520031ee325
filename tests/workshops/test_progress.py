"""Voting progress and the ready check (issue 17.2): the facilitator sees "2 of 3 have voted",
who still has votes left and who said "I'm done"; a participant says it and takes it back; a
new phase or the facilitator asks again; a budget lowered or raised mid-vote keeps the rules of
docs/voting.md and every count right. (That none of it reaches anyone else is
test_vote_leak.py's.)"""

from __future__ import annotations

import pytest

from maps.operations import OperationError
from tests.workshops.voting_room import Room
from workshops.facilitation import hello_state, my_votes, set_phase, set_ready
from workshops.models import Participant, Vote
from workshops.operations import join_workshop
from workshops.progress import room_progress

pytestmark = pytest.mark.django_db


@pytest.fixture
def room(owner, journey_map, actor, django_capture_on_commit_callbacks, settings):
    return Room(owner, journey_map, actor, django_capture_on_commit_callbacks, settings)


def progress_seen(room: Room) -> dict:
    room.drain()
    return [m for m in room.people["Facilitator"].received if m["type"] == "room.progress"][-1]


def by_name(progress: dict) -> dict[str, dict]:
    return {entry["name"]: entry for entry in progress["people"]}


def vote(room: Room, name: str, note: int, tag: str = "pain", on: bool = True) -> dict:
    return room.send(name, "vote.set", touchpoint=room.notes[note], tag=tag, on=on)


def test_the_facilitator_sees_who_has_voted_and_who_has_votes_left(room):
    vote(room, "Ann", 0)
    vote(room, "Ann", 1, "truth")
    for note in range(3):
        vote(room, "Cy", note, "delight")
    progress = progress_seen(room)
    assert (progress["total"], progress["voted"], progress["phase"]) == (3, 2, "vote")
    people = by_name(progress)
    assert [name for name in people] == ["Ann", "Bob", "Cy"]  # in the order they joined
    assert {name: (p["voted"], p["remaining"]) for name, p in people.items()} == {
        "Ann": (True, 1),
        "Bob": (False, 3),
        "Cy": (True, 0),
    }


def test_taking_every_vote_back_is_not_having_voted(room):
    vote(room, "Bob", 0)
    vote(room, "Bob", 0, on=False)
    assert by_name(progress_seen(room))["Bob"] == {
        "participant": room.people["Bob"].participant.pk,
        "name": "Bob",
        "voted": False,
        "remaining": 3,
        "ready": False,
    }


def test_the_facilitator_observers_and_the_removed_are_not_counted(room):
    vote(room, "Facilitator", 0)
    join_workshop(room.workshop, display_name="Olga", role="observer")
    room.send("Facilitator", "participant.remove", participant=room.people["Bob"].participant.pk)
    progress = progress_seen(room)
    assert list(by_name(progress)) == ["Ann", "Cy"]
    assert (progress["total"], progress["voted"]) == (2, 0)


def test_someone_joining_is_counted_at_once(room):
    with room.capture(execute=True):  # the join form's request commits
        join_workshop(room.workshop, display_name="Dee")
    assert progress_seen(room)["total"] == 4


def test_a_participant_says_im_done_and_takes_it_back(room):
    ack = room.send("Ann", "ready.set", ready=True)
    assert ack == {"ready": True}
    room.drain()
    mine = [m for m in room.people["Ann"].received if m["type"] == "votes.mine"][-1]
    assert mine["ready"] is True  # her other tabs know
    progress = progress_seen(room)
    assert progress["ready"] == 1 and by_name(progress)["Ann"]["ready"] is True
    room.send("Ann", "ready.set", ready=True)  # a resend changes nothing
    assert progress_seen(room)["ready"] == 1
    room.send("Ann", "ready.set", ready=False)
    assert progress_seen(room)["ready"] == 0


def test_each_phase_asks_again_who_is_done(room):
    room.send("Ann", "ready.set", ready=True)
    room.send("Bob", "ready.set", ready=True)
    room.send("Facilitator", "phase.set", phase="vote")  # the same phase: nothing asked again
    assert progress_seen(room)["ready"] == 2
    room.send("Facilitator", "phase.set", phase="reveal")
    progress = progress_seen(room)
    assert (progress["phase"], progress["ready"]) == ("reveal", 0)
    assert not Participant.objects.filter(ready_at__isnull=False).exists()


def test_the_facilitator_asks_the_room_again(room):
    room.send("Ann", "ready.set", ready=True)
    room.send("Facilitator", "ready.reset")
    assert progress_seen(room)["ready"] == 0
    for name, person in room.people.items():
        cleared = [m for m in person.received if m["type"] == "ready.cleared"]
        assert cleared == [{"type": "ready.cleared", "workshop": room.workshop.pk}], name


def test_a_participant_cannot_reset_the_ready_check(room):
    room.send("Ann", "ready.set", ready=True)
    with pytest.raises(OperationError) as refused:
        room.send("Bob", "ready.reset")
    assert refused.value.code == "forbidden"
    assert progress_seen(room)["ready"] == 1


def test_observers_are_not_asked_and_a_closed_workshop_asks_nobody(room):
    olga = join_workshop(room.workshop, display_name="Olga", role="observer")
    room.people["Olga"] = room._listen(olga)
    with pytest.raises(OperationError) as refused:
        room.send("Olga", "ready.set", ready=True)
    assert refused.value.code == "forbidden"
    room.send("Facilitator", "phase.set", phase="closed")
    with pytest.raises(OperationError) as refused:
        room.send("Ann", "ready.set", ready=True)
    assert refused.value.code == "closed"
    assert not Participant.objects.filter(ready_at__isnull=False).exists()


def test_the_ready_check_looks_again_under_the_workshops_lock(room):
    """A "done" sent as the workshop closes (the gate let it through just before) is refused
    by the operation itself, which looks again with the workshop row locked."""
    ann = room.people["Ann"].participant
    set_phase(room.workshop, "closed")
    with pytest.raises(OperationError) as refused:
        set_ready(ann, True)
    assert refused.value.code == "closed"


def test_the_ready_check_is_also_for_the_other_phases_and_a_locked_board(room):
    room.send("Facilitator", "phase.set", phase="gather")
    room.send("Facilitator", "board.lock", locked=True)
    assert room.send("Ann", "ready.set", ready=True) == {"ready": True}


# --- the budget mid-vote ---------------------------------------------------------------------


def test_lowering_the_budget_keeps_votes_and_every_count_right(room):
    for note in range(3):
        vote(room, "Ann", note)
    vote(room, "Bob", 0)
    room.send("Facilitator", "votes.budget", budget=2)
    ann = room.people["Ann"].participant
    assert Vote.objects.filter(participant=ann).count() == 3  # kept
    # Every screen: the budget everyone is told, each voter's own count, the facilitator's.
    room.drain()
    for person in room.people.values():
        state = [m for m in person.received if m["type"] == "workshop.state"][-1]
        assert state["vote_budget"] == 2
    assert my_votes(ann, room.workshop)["remaining"] == 0
    people = by_name(progress_seen(room))
    assert (people["Ann"]["remaining"], people["Bob"]["remaining"]) == (0, 1)
    # No new vote until she takes some back: then still none while she is over the budget.
    with pytest.raises(OperationError) as refused:
        vote(room, "Ann", 4)
    assert refused.value.code == "budget_spent"
    vote(room, "Ann", 0, on=False)
    with pytest.raises(OperationError):
        vote(room, "Ann", 4)
    vote(room, "Ann", 1, on=False)
    assert vote(room, "Ann", 4) == {"on": True, "used": 2, "remaining": 0}


def test_raising_the_budget_gives_everyone_more_votes_at_once(room):
    for note in range(3):
        vote(room, "Cy", note)
    room.send("Facilitator", "votes.budget", budget=5)
    assert by_name(progress_seen(room))["Cy"]["remaining"] == 2
    assert vote(room, "Cy", 3) == {"on": True, "used": 4, "remaining": 1}


# --- what a (re)connecting page is told --------------------------------------------------


def test_only_the_facilitators_hello_carries_the_progress(room):
    vote(room, "Ann", 0)
    facilitator = room.people["Facilitator"].participant
    state = hello_state(room.workshop, facilitator)
    assert state["progress"] == room_progress(room.workshop)
    assert state["progress"]["voted"] == 1
    assert hello_state(room.workshop, room.people["Ann"].participant)["progress"] is None
    assert room.send("Facilitator", "workshop.state")["progress"]["voted"] == 1
    assert room.send("Bob", "workshop.state")["progress"] is None


def test_a_facilitator_who_only_watches_now_gets_no_progress(room, owner):
    """A facilitator whose map role fell to viewer acts as an observer (maps.permissions)."""
    room.map.memberships.filter(user=owner).update(role="viewer")
    facilitator = room.people["Facilitator"].participant
    facilitator.role = "observer"  # as the consumer and the live page set it
    assert hello_state(room.workshop, facilitator)["progress"] is None
