"""Voting through the real websocket consumer: every message every connection receives during
the vote is recorded and none reveals another person's vote; the reveal reaches every screen;
two tabs of one person cannot overspend the budget; the timer survives a reconnect."""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async

from maps import operations as ops
from tests.workshops.live_client import LiveClient, fresh_state
from tests.workshops.voting_room import pairs_in
from workshops.facilitation import set_phase
from workshops.models import Participant, Vote
from workshops.operations import join_workshop, open_workshop

pytestmark = pytest.mark.django_db(transaction=True)

# Disjoint ballots: any (note, tag) pair of someone else seen by a person is a leak.
BALLOTS = {
    "Facilitator": [(4, "delight")],
    "Ann": [(0, "pain"), (1, "pain")],
    "Bob": [(0, "delight"), (2, "truth"), (3, "pain")],
    "Cy": [(1, "truth")],
}


@pytest.fixture
def room(owner, journey_map, actor):
    stage = journey_map.stages.order_by("position").first()
    notes = [
        ops.add_touchpoint(actor, journey_map, stage=stage.pk, text=f"Note {i}").payload[
            "touchpoint"
        ]["id"]
        for i in range(5)
    ]
    workshop = open_workshop(owner, journey_map, vote_budget=3)
    set_phase(workshop, "vote")
    people = {"Facilitator": workshop.participants.get(role=Participant.Role.FACILITATOR)}
    for name in ("Ann", "Bob", "Cy"):
        people[name] = join_workshop(workshop, display_name=name)
    return {"workshop": workshop, "notes": notes, "people": people}


async def connect(participant) -> LiveClient:
    client = LiveClient(participant, await sync_to_async(fresh_state)(participant.workshop.map))
    client.hello = await client.connect()
    client.seen.append(client.hello)
    return client


async def answer(client: LiveClient, kind: str, **fields) -> dict:
    op_id = await client.operate(kind, **fields)
    return await client.receive_until(
        lambda m: m["type"] in ("ack", "error") and m.get("op_id") == op_id
    )


async def test_no_connection_learns_another_persons_vote_before_the_reveal(room):
    notes, people = room["notes"], room["people"]
    clients = {name: await connect(p) for name, p in people.items()}
    second_tab = await connect(people["Ann"])  # Ann has the board open twice
    for name, ballot in BALLOTS.items():
        for index, tag in ballot:
            ack = await answer(clients[name], "vote.set", touchpoint=notes[index], tag=tag, on=True)
            assert ack["type"] == "ack", ack
    await answer(clients["Facilitator"], "timer.start", seconds=300)
    for name, ready in (("Ann", True), ("Bob", True), ("Bob", False)):  # the ready check
        assert (await answer(clients[name], "ready.set", ready=ready))["type"] == "ack"
    await answer(clients["Facilitator"], "votes.budget", budget=4)
    # The budget change is the probe: every screen receives it after everything before it.
    await frames_until_probe([*clients.values(), second_tab], budget=4)
    # The room's progress (who voted, who is done) went to the facilitator's screen only.
    for name, client in [*clients.items(), ("Ann", second_tab)]:
        followed = any(m["type"] == "room.progress" for m in client.seen)
        assert followed == (name == "Facilitator"), name

    for name, client in [*clients.items(), ("Ann", second_tab)]:
        own = {(notes[i], tag) for i, tag in BALLOTS[name]}
        for message in client.seen:
            assert not (pairs_in(message) - own), (name, message)
            text = json.dumps(message)
            assert message["type"] != "heat.revealed", (name, message)
            assert '"counts"' not in text and '"voters"' not in text, (name, message)
    # Ann's second tab learnt her votes (and only hers) without voting from it.
    mine = [m for m in second_tab.seen if m["type"] == "votes.mine"]
    assert {(v["touchpoint"], v["tag"]) for v in mine[-1]["votes"]} == {
        (notes[0], "pain"),
        (notes[1], "pain"),
    }

    # The reveal: every screen gets the same counts.
    marks = {id(client): len(client.seen) for client in [*clients.values(), second_tab]}
    ack = await answer(clients["Facilitator"], "votes.reveal")
    assert ack["type"] == "ack"
    for name, client in [*clients.items(), ("Ann", second_tab)]:
        revealed = await heard(
            client, lambda m: m["type"] == "heat.revealed", since=marks[id(client)]
        )
        assert revealed["voters"] == 4, name
        assert revealed["heat"][str(notes[0])]["counts"] == {"pain": 1, "delight": 1, "truth": 0}
        assert revealed["heat"][str(notes[1])]["counts"] == {"pain": 1, "delight": 0, "truth": 1}
    for client in [*clients.values(), second_tab]:
        await client.disconnect()


async def heard(client: LiveClient, predicate, since: int = 0) -> dict:
    """The first message from `since` on that matches, received already or still to come:
    a broadcast may arrive before the ack its sender waited for (docs/protocol.md)."""
    for message in client.seen[since:]:
        if predicate(message):
            return message
    return await client.receive_until(predicate)


async def frames_until_probe(clients, budget: int) -> None:
    """Every connection receives until the budget change the facilitator made last: it
    travels the same way as any phase message before it, so those have all arrived."""
    for client in clients:
        await heard(client, lambda m: m["type"] == "workshop.state" and m["vote_budget"] == budget)


async def test_no_phase_change_before_the_reveal_shows_anyone_counts(room):
    """Everyone is connected before the first change; the facilitator tours every phase
    before the reveal (gather, group, vote) while the room votes."""
    notes, people = room["notes"], room["people"]
    await sync_to_async(set_phase)(room["workshop"], "gather")
    clients = {name: await connect(p) for name, p in people.items()}
    tour = ["group", "vote", "gather", "vote", "group", "gather"]
    for phase in tour:
        assert (await answer(clients["Facilitator"], "phase.set", phase=phase))["type"] == "ack"
        if phase == "vote" and not await sync_to_async(Vote.objects.exists)():
            for name, ballot in BALLOTS.items():
                for index, tag in ballot:
                    ack = await answer(
                        clients[name], "vote.set", touchpoint=notes[index], tag=tag, on=True
                    )
                    assert ack["type"] == "ack", ack
    await answer(clients["Facilitator"], "votes.budget", budget=7)
    await frames_until_probe(clients.values(), budget=7)

    for name, client in clients.items():
        phases = [m["phase"] for m in client.seen if m["type"] == "workshop.state"]
        assert phases[: len(tour)] == tour, name  # it heard every change
        for message in client.seen:
            assert message["type"] not in ("heat.revealed", "heat.hidden"), (name, message)
            text = json.dumps(message)
            assert '"counts"' not in text and '"voters"' not in text, (name, message)
    for client in clients.values():
        await client.disconnect()


async def test_a_participant_cannot_reveal_or_set_the_phase(room):
    ann = await connect(room["people"]["Ann"])
    for kind, fields in (("votes.reveal", {}), ("phase.set", {"phase": "reveal"})):
        refused = await answer(ann, kind, **fields)
        assert (refused["type"], refused["code"]) == ("error", "forbidden")
    await ann.disconnect()


async def test_two_tabs_voting_together_spend_the_budget_once_and_are_told_why(room):
    """Over the websocket one map's operations take turns on its operations thread, so these
    two cannot really overlap: this checks the answers each tab gets. The real race, with
    overlapping transactions, is in test_votes_concurrent.py."""
    notes, ann = room["notes"], room["people"]["Ann"]
    workshop = room["workshop"]
    workshop.vote_budget = 1
    await sync_to_async(workshop.save)()
    tabs = [await connect(ann), await connect(ann)]
    answers = await asyncio.gather(
        answer(tabs[0], "vote.set", touchpoint=notes[0], tag="pain", on=True),
        answer(tabs[1], "vote.set", touchpoint=notes[1], tag="pain", on=True),
    )
    assert sorted(a["type"] for a in answers) == ["ack", "error"]
    assert [a["code"] for a in answers if a["type"] == "error"] == ["budget_spent"]
    assert await sync_to_async(Vote.objects.filter(participant=ann).count)() == 1
    for tab in tabs:
        await tab.disconnect()


@pytest.mark.parametrize("phase", ["group", "reveal"])
async def test_the_facilitator_cannot_vote_outside_the_vote_phase(room, phase):
    notes, people = room["notes"], room["people"]
    facilitator = await connect(people["Facilitator"])
    assert (await answer(facilitator, "phase.set", phase=phase))["type"] == "ack"
    refused = await answer(facilitator, "vote.set", touchpoint=notes[0], tag="pain", on=True)
    assert (refused["type"], refused["code"]) == ("error", "wrong_phase"), refused
    assert not await sync_to_async(Vote.objects.filter(workshop=room["workshop"]).exists)()
    await facilitator.disconnect()


async def test_each_facilitation_answer_carries_what_the_protocol_says(room):
    notes, people = room["notes"], room["people"]
    facilitator, ann = await connect(people["Facilitator"]), await connect(people["Ann"])
    budget = await answer(facilitator, "votes.budget", budget=5)
    assert set(budget) == {"type", "op_id", "workshop"}
    assert budget["workshop"]["type"] == "workshop.state"
    assert budget["workshop"]["vote_budget"] == 5
    vote = await answer(ann, "vote.set", touchpoint=notes[0], tag="pain", on=True)
    assert vote == {"type": "ack", "op_id": vote["op_id"], "on": True, "used": 1, "remaining": 4}
    back = await answer(ann, "vote.set", touchpoint=notes[0], tag="pain", on=False)
    assert (back["on"], back["used"], back["remaining"]) == (False, 0, 5)
    state = await answer(ann, "workshop.state")
    assert set(state) == {"type", "op_id", "workshop", "my_votes", "heat", "progress"}
    assert state["workshop"]["phase"] == "vote" and state["heat"] is None
    assert state["progress"] is None  # the room's progress is the facilitator's
    assert state["my_votes"]["ready"] is False
    done = await answer(ann, "ready.set", ready=True)
    assert done == {"type": "ack", "op_id": done["op_id"], "ready": True}
    assert state["my_votes"]["votes"] == []
    phase = await answer(facilitator, "phase.set", phase="reveal")
    assert phase["workshop"]["phase"] == "reveal" and phase["workshop"]["revealed"] is True
    revealed = await answer(ann, "workshop.state")
    assert revealed["heat"]["type"] == "heat.revealed"
    await facilitator.disconnect()
    await ann.disconnect()


async def test_on_a_locked_board_only_the_facilitator_votes(room):
    notes, people = room["notes"], room["people"]
    facilitator, ann = await connect(people["Facilitator"]), await connect(people["Ann"])
    assert (await answer(facilitator, "board.lock", locked=True))["workshop"]["locked"] is True
    refused = await answer(ann, "vote.set", touchpoint=notes[0], tag="pain", on=True)
    assert (refused["type"], refused["code"]) == ("error", "locked")
    allowed = await answer(facilitator, "vote.set", touchpoint=notes[0], tag="truth", on=True)
    assert (allowed["type"], allowed["on"]) == ("ack", True)
    # Asking for the state is allowed to anyone, also when locked.
    assert (await answer(ann, "workshop.state"))["workshop"]["locked"] is True
    votes = await sync_to_async(list)(Vote.objects.values_list("participant__role", "tag"))
    assert votes == [("facilitator", "truth")]
    await facilitator.disconnect()
    await ann.disconnect()


async def test_the_timer_and_own_votes_survive_a_reconnect(room):
    notes, people = room["notes"], room["people"]
    facilitator, ann = await connect(people["Facilitator"]), await connect(people["Ann"])
    started = await answer(facilitator, "timer.start", seconds=600)
    ends_at = started["workshop"]["timer"]["ends_at"]
    await answer(ann, "vote.set", touchpoint=notes[2], tag="truth", on=True)
    await ann.disconnect()

    again = await connect(people["Ann"])
    state = again.hello["facilitation"]
    assert state["workshop"]["phase"] == "vote"
    assert state["workshop"]["timer"]["state"] == "running"
    assert state["workshop"]["timer"]["ends_at"] == ends_at
    assert 0 < state["workshop"]["timer"]["remaining"] <= 600
    assert state["my_votes"]["votes"] == [{"touchpoint": notes[2], "tag": "truth"}]
    assert state["heat"] is None
    await again.disconnect()
    await facilitator.disconnect()


async def test_every_screen_hears_the_phase_change(room):
    people = room["people"]
    clients = [await connect(p) for p in people.values()]
    marks = [len(client.seen) for client in clients]
    await answer(clients[0], "phase.set", phase="discuss")
    for client, mark in zip(clients, marks, strict=True):
        state = await heard(client, lambda m: m["type"] == "workshop.state", since=mark)
        assert state["phase"] == "discuss" and state["phase_hint"]
        await client.disconnect()
