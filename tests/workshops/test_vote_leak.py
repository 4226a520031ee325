"""Votes stay hidden until the reveal: every message every person receives while the room votes
is recorded, and none may carry another person's vote, any count, or the heat."""

from __future__ import annotations

import json

import pytest

from tests.workshops.voting_room import Room, pairs_in
from workshops.models import Vote

pytestmark = pytest.mark.django_db

# Each person's votes, disjoint so that any pair seen by someone else is a leak.
BALLOTS = {
    "Ann": [(0, "pain"), (1, "pain"), (2, "delight")],
    "Bob": [(0, "delight"), (3, "truth")],
    "Cy": [(1, "truth"), (4, "pain"), (5, "pain")],
    "Facilitator": [(5, "delight")],
}


@pytest.fixture
def room(owner, journey_map, actor, django_capture_on_commit_callbacks, settings):
    return Room(owner, journey_map, actor, django_capture_on_commit_callbacks, settings)


def vote_everything(room: Room) -> None:
    """The whole room votes, takes a vote back, votes again; the facilitator runs the room."""
    for name, ballot in BALLOTS.items():
        for index, tag in ballot:
            room.send(name, "vote.set", touchpoint=room.notes[index], tag=tag, on=True)
    room.send("Ann", "vote.set", touchpoint=room.notes[2], tag="delight", on=False)
    room.send("Ann", "vote.set", touchpoint=room.notes[2], tag="delight", on=True)
    room.send("Ann", "ready.set", ready=True)  # the ready check: "I'm done"
    room.send("Cy", "ready.set", ready=True)
    room.send("Cy", "ready.set", ready=False)
    room.send("Facilitator", "votes.budget", budget=4)
    room.send("Facilitator", "timer.start", seconds=120)
    room.send("Facilitator", "board.lock", locked=True)
    room.send("Facilitator", "board.lock", locked=False)
    room.send("Bob", "workshop.state")
    room.send("Facilitator", "workshop.state")
    room.send("Facilitator", "ready.reset")
    room.drain()


def own_pairs(room: Room, name: str) -> set[tuple[int, str]]:
    return {(room.notes[i], tag) for i, tag in BALLOTS[name]}


def test_nobody_receives_another_persons_vote_before_the_reveal(room):
    vote_everything(room)
    assert Vote.objects.filter(workshop=room.workshop).count() == 9
    for name, person in room.people.items():
        others = set().union(*(own_pairs(room, n) for n in BALLOTS if n != name))
        for message in person.received + person.acks:
            leaked = pairs_in(message) & others
            assert not leaked, (name, message)


def test_no_counts_or_heat_reach_anyone_before_the_reveal(room):
    vote_everything(room)
    for name, person in room.people.items():
        for message in person.received + person.acks:
            text = json.dumps(message)
            assert message.get("type") not in ("heat.revealed",), (name, message)
            assert '"counts"' not in text and '"heat"' not in text.replace('"heat": null', "")
            assert '"voters"' not in text, (name, message)


def test_each_voter_is_told_their_own_votes_and_budget(room):
    vote_everything(room)
    for name in ("Ann", "Bob", "Cy"):
        mine = [m for m in room.people[name].received if m["type"] == "votes.mine"]
        assert mine, name
        last = mine[-1]
        assert {(v["touchpoint"], v["tag"]) for v in last["votes"]} == own_pairs(room, name)
        assert last["remaining"] == 3 - len(BALLOTS[name])  # budget 3 when they last voted


def test_the_rooms_progress_reaches_the_facilitator_only(room):
    vote_everything(room)
    for name, person in room.people.items():
        progress = [m for m in person.received if m["type"] == "room.progress"]
        answers = [a for a in person.acks if (a.get("progress") or {}).get("type")]
        if name == "Facilitator":
            assert progress and answers, "the facilitator follows the room"
        else:
            assert not progress and not answers, (name, progress, answers)


def test_nobody_learns_who_else_is_done(room):
    """Only the facilitator hears who said "I'm done". A participant hears their own (in their
    votes.mine, which reaches nobody else: below) and that the facilitator asked the room
    again (ready.cleared, which names nobody)."""
    vote_everything(room)
    for name, person in room.people.items():
        if name == "Facilitator":
            continue
        assert any(m["type"] == "ready.cleared" for m in person.received), name
        for message in person.received:
            if message["type"] != "votes.mine":
                assert '"ready"' not in json.dumps(message), (name, message)
        for ack in person.acks:
            assert ack.get("progress") is None and '"people"' not in json.dumps(ack), (name, ack)


def test_the_facilitators_progress_carries_no_vote(room):
    """What the facilitator learns before the reveal: who has voted, how many votes each has
    left, who is done; never a note, a tag or a count per tag: exactly these fields."""
    vote_everything(room)
    facilitator = room.people["Facilitator"]
    progress = [m for m in facilitator.received if m["type"] == "room.progress"]
    assert len(progress) >= 14  # one per vote, "I'm done", budget and reset at least
    for message in progress:
        assert not pairs_in(message)
        assert set(message) == {"type", "workshop", "phase", "total", "voted", "ready", "people"}
        for entry in message["people"]:
            assert set(entry) == {"participant", "name", "voted", "remaining", "ready"}
            assert all(isinstance(entry[k], bool) for k in ("voted", "ready"))


def test_votes_mine_goes_only_to_the_voters_connections(room):
    room.send("Ann", "vote.set", touchpoint=room.notes[0], tag="pain", on=True)
    room.drain()
    for name, person in room.people.items():
        got = [m for m in person.received if m["type"] == "votes.mine"]
        assert bool(got) == (name == "Ann"), name


def test_workshop_state_messages_reach_everyone_and_carry_no_votes(room):
    vote_everything(room)
    for person in room.people.values():
        states = [m for m in person.received if m["type"] == "workshop.state"]
        assert [s["vote_budget"] for s in states][:1] == [4]
        assert all("votes" not in s for s in states)


def test_votes_are_never_map_events(room):
    vote_everything(room)
    for person in room.people.values():
        assert not [m for m in person.received if m.get("type") == "event"]


# Every change between the phases before the reveal, each once: gather → group → vote →
# gather → vote → group → gather.
UNREVEALED_TOUR = ["group", "vote", "gather", "vote", "group", "gather"]


@pytest.fixture
def listening_room(owner, journey_map, actor, django_capture_on_commit_callbacks, settings):
    """Everyone listens from the gather phase on, before any phase change."""
    return Room(
        owner, journey_map, actor, django_capture_on_commit_callbacks, settings, phase="gather"
    )


def assert_no_counts(room: Room) -> None:
    for name, person in room.people.items():
        for message in person.received + person.acks:
            assert message.get("type") not in ("heat.revealed", "heat.hidden"), (name, message)
            text = json.dumps(message)
            assert '"counts"' not in text and '"voters"' not in text, (name, message)


def test_no_phase_change_before_the_reveal_sends_counts_to_anyone(listening_room):
    room = listening_room
    for phase in UNREVEALED_TOUR:
        room.send("Facilitator", "phase.set", phase=phase)
        if phase == "vote" and not Vote.objects.exists():
            for name, ballot in BALLOTS.items():
                for index, tag in ballot:
                    room.send(name, "vote.set", touchpoint=room.notes[index], tag=tag, on=True)
    room.drain()
    assert Vote.objects.filter(workshop=room.workshop).count() == 9
    for person in room.people.values():
        phases = [m["phase"] for m in person.received if m["type"] == "workshop.state"]
        assert phases == UNREVEALED_TOUR  # they were listening to every change
    assert_no_counts(room)


def test_after_the_heat_is_hidden_again_phase_changes_send_no_counts(listening_room):
    room = listening_room
    room.send("Facilitator", "phase.set", phase="vote")
    room.send("Ann", "vote.set", touchpoint=room.notes[0], tag="pain", on=True)
    room.send("Facilitator", "votes.reveal")
    room.send("Facilitator", "phase.set", phase="vote")  # hides the heat again
    room.drain()
    for person in room.people.values():
        person.received.clear()
    for phase in ["group", "gather", "vote", "group", "vote"]:
        room.send("Facilitator", "phase.set", phase=phase)
    room.drain()
    assert_no_counts(room)
