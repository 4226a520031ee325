"""The reveal: the facilitator shows the counts, every screen gets the same heat; going back
to voting hides it again; the counts are the workshop's, the map shows the latest revealed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.workshops.voting_room import Room
from workshops.access import cookie_name
from workshops.facilitation import hello_state, set_phase
from workshops.models import Vote
from workshops.tally import heat_for_map, latest_voted_workshop

pytestmark = pytest.mark.django_db


@pytest.fixture
def room(owner, journey_map, actor, django_capture_on_commit_callbacks, settings):
    room = Room(owner, journey_map, actor, django_capture_on_commit_callbacks, settings)
    room.send("Ann", "vote.set", touchpoint=room.notes[0], tag="pain", on=True)
    room.send("Bob", "vote.set", touchpoint=room.notes[0], tag="pain", on=True)
    room.send("Bob", "vote.set", touchpoint=room.notes[0], tag="delight", on=True)
    room.send("Cy", "vote.set", touchpoint=room.notes[1], tag="truth", on=True)
    room.drain()
    return room


def revealed(person) -> list[dict]:
    return [m for m in person.received if m["type"] == "heat.revealed"]


def test_reveal_broadcasts_the_counts_to_everyone(room):
    room.send("Facilitator", "votes.reveal")
    room.drain()
    first = room.notes[0]
    for name, person in room.people.items():
        [message] = revealed(person)
        assert message["voters"] == 3, name
        assert message["heat"][str(first)]["counts"] == {"pain": 2, "delight": 1, "truth": 0}
        assert message["heat"][str(first)]["levels"]["pain"] == 3  # 2 of 3 voters
        assert message["heat"][str(first)]["top"] == "pain"
        assert message["heat"][str(room.notes[1])]["counts"]["truth"] == 1
        assert message["heat"][str(room.notes[2])]["counts"] == {
            "pain": 0,
            "delight": 0,
            "truth": 0,
        }
    everyone = [revealed(p)[0] for p in room.people.values()]
    assert all(message == everyone[0] for message in everyone)


def test_every_screen_is_told_the_phase_changed(room):
    room.send("Facilitator", "votes.reveal")
    room.drain()
    for person in room.people.values():
        states = [m for m in person.received if m["type"] == "workshop.state"]
        assert states[-1]["phase"] == "reveal" and states[-1]["revealed"] is True


def test_only_the_facilitator_reveals(room):
    from maps.operations import OperationError

    with pytest.raises(OperationError) as refused:
        room.send("Ann", "votes.reveal")
    assert refused.value.code == "forbidden"
    room.drain()
    assert not any(revealed(p) for p in room.people.values())


def test_setting_the_reveal_phase_reveals_too(room):
    room.send("Facilitator", "phase.set", phase="discuss")
    room.drain()
    assert all(len(revealed(p)) == 1 for p in room.people.values())


def test_moving_between_revealed_phases_does_not_reveal_again(room):
    room.send("Facilitator", "votes.reveal")
    room.send("Facilitator", "phase.set", phase="discuss")
    room.drain()
    assert all(len(revealed(p)) == 1 for p in room.people.values())


def test_going_back_to_vote_hides_the_heat_again(room):
    room.send("Facilitator", "votes.reveal")
    room.send("Facilitator", "phase.set", phase="vote")
    room.drain()
    for person in room.people.values():
        assert person.received[-1]["type"] == "heat.hidden"
    ann = room.people["Ann"].participant
    assert (
        hello_state(room.workshop.__class__.objects.get(pk=room.workshop.pk), ann)["heat"] is None
    )


def test_a_reconnecting_client_gets_the_revealed_heat_in_its_hello(room):
    room.send("Facilitator", "votes.reveal")
    workshop = room.workshop.__class__.objects.get(pk=room.workshop.pk)
    hello = hello_state(workshop, room.people["Cy"].participant)
    assert hello["heat"]["heat"][str(room.notes[0])]["counts"]["pain"] == 2
    assert hello["my_votes"]["votes"] == [{"touchpoint": room.notes[1], "tag": "truth"}]


def test_before_the_reveal_the_hello_has_no_heat_and_only_ones_own_votes(room):
    workshop = room.workshop.__class__.objects.get(pk=room.workshop.pk)
    hello = hello_state(workshop, room.people["Ann"].participant)
    assert hello["heat"] is None
    assert hello["my_votes"]["votes"] == [{"touchpoint": room.notes[0], "tag": "pain"}]


def test_the_map_shows_the_revealed_result(room, journey_map):
    assert latest_voted_workshop(journey_map) is None
    room.send("Facilitator", "votes.reveal")
    assert latest_voted_workshop(journey_map) == room.workshop
    assert heat_for_map(journey_map)[room.notes[0]].counts["pain"] == 2


def test_the_revealed_result_stays_after_the_workshop_closes(room, journey_map):
    room.send("Facilitator", "votes.reveal")
    set_phase(room.workshop, "closed")
    assert latest_voted_workshop(journey_map) == room.workshop
    assert Vote.objects.filter(workshop=room.workshop).count() == 4


def test_the_live_page_shows_the_phase_timer_and_controls(client, room):
    facilitator = room.people["Facilitator"].participant
    client.cookies[cookie_name(room.workshop.pk)] = facilitator.token
    html = client.get(reverse("workshop_live", args=[room.workshop.join_code])).content.decode()
    assert 'id="facilitation"' in html and "Phase: <span data-phase-label>Vote</span>" in html
    assert "Facilitator controls" in html and 'data-control="reveal"' in html
    assert 'id="facilitation-state"' in html and "js/facilitation.js" in html


def test_a_participants_live_page_has_no_controls_and_no_heat_before_the_reveal(client, room):
    ann = room.people["Ann"].participant
    client.cookies[cookie_name(room.workshop.pk)] = ann.token
    url = reverse("workshop_live", args=[room.workshop.join_code])
    html = client.get(url).content.decode()
    assert "Facilitator controls" not in html
    assert 'class="heat"' not in html and '"counts"' not in html
    assert "Votes left: <strong data-votes-remaining>2</strong>" in html
    room.send("Facilitator", "votes.reveal")
    html = client.get(url).content.decode()
    assert 'class="heat"' in html and '"counts"' in html
