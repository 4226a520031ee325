"""A closed workshop (issue 17.3): read-only at once for everyone. The server refuses every
operation (test_phases.py); here: closing stops the timer, every screen is told where the result
is (the PDF and the analysis), a (re)connecting page learns the same from its hello, and the
live page of a closed workshop renders nothing that would change anything."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.test import Client
from django.urls import reverse

from tests.workshops.live_client import LiveClient, fresh_state
from tests.workshops.voting_room import Room
from workshops.access import cookie_name
from workshops.facilitation import set_phase, start_timer, workshop_state
from workshops.models import Workshop

pytest_plugins = ["tests.workshops.conftest_live"]


def result_links(workshop) -> dict:
    return {
        "pdf": f"/workshops/{workshop.pk}/report.pdf",
        "analysis": f"/workshops/{workshop.pk}/analysis/",
    }


@pytest.mark.django_db
def test_closing_stops_the_timer_and_tells_every_screen_where_the_result_is(
    owner, journey_map, actor, django_capture_on_commit_callbacks, settings
):
    room = Room(owner, journey_map, actor, django_capture_on_commit_callbacks, settings)
    room.send("Facilitator", "timer.start", seconds=300)
    room.send("Facilitator", "phase.set", phase="closed")
    room.drain()
    closed_at = Workshop.objects.get(pk=room.workshop.pk).closed_at
    for name, person in room.people.items():
        state = [m for m in person.received if m["type"] == "workshop.state"][-1]
        assert state["phase"] == "closed", name
        assert state["timer"]["state"] == "stopped" and state["timer"]["remaining"] is None
        assert state["closed"] == {"at": closed_at.isoformat(), **result_links(room.workshop)}


@pytest.mark.django_db
@pytest.mark.parametrize("phase", ["gather", "group", "vote", "reveal", "discuss"])
def test_an_open_workshop_says_nothing_of_a_result(workshop, phase):
    set_phase(workshop, phase)
    assert workshop_state(workshop)["closed"] is None


@pytest.mark.django_db(transaction=True)
async def test_a_page_that_connects_to_a_closed_workshop_learns_it_from_the_hello(workshop, ann):
    await sync_to_async(start_timer)(workshop, 120)
    await sync_to_async(set_phase)(workshop, "closed")
    client = LiveClient(ann, await sync_to_async(fresh_state)(workshop.map))
    hello = await client.connect()
    state = hello["facilitation"]["workshop"]
    assert hello["workshop"]["phase"] == "closed"
    assert state["closed"]["pdf"] == result_links(workshop)["pdf"]
    assert state["closed"]["analysis"] == result_links(workshop)["analysis"]
    assert state["timer"]["state"] == "stopped"
    # Every operation, asking for the state again too, is answered `closed`: the hello says all.
    op_id = await client.operate("workshop.state")
    answer = await client.receive_until(lambda m: m.get("op_id") == op_id)
    assert (answer["type"], answer["code"]) == ("error", "closed")
    await client.disconnect()


# --- the live page -------------------------------------------------------------------------

# Markup that lets someone change something: none of it on a closed workshop's page.
CONTROLS = [
    "data-add-note",  # the stages' add-note forms
    'data-operation="action.',  # the action items' forms
    'data-control="next"',  # the facilitator's controls
    'data-control="lock"',
    'data-control="timer-start"',
    'data-control="budget-set"',
    'data-control="new-code"',
    "data-remove=",
    'data-control="ready"',  # "I'm done"
    'data-control="ready-reset"',
    "data-votes-left",
    'id="keyboard-help"',
    'data-can-edit="true"',
]


def live_page(participant) -> str:
    browser = Client()
    browser.cookies[cookie_name(participant.workshop)] = participant.token
    code = participant.workshop.join_code
    response = browser.get(reverse("workshop_live", kwargs={"code": code}))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["facilitator", "ann"])
def test_the_live_page_of_a_closed_workshop_is_the_final_board_read_only(
    request, workshop, note, who
):
    person = request.getfixturevalue(who)
    set_phase(workshop, "discuss")
    open_page = live_page(person)
    present = [c for c in CONTROLS if c in open_page]
    assert "data-add-note" in present and 'data-operation="action.' in present  # the control
    assert '<section class="closed-banner" data-closed role="status" hidden>' in open_page

    set_phase(workshop, "closed")
    html = live_page(person)
    for control in CONTROLS:
        assert control not in html, control
    assert 'data-touchpoint="' in html  # the board itself is there
    assert '<section class="closed-banner" data-closed role="status">' in html
    links = result_links(workshop)
    assert f'href="{links["pdf"]}"' in html and f'href="{links["analysis"]}"' in html


@pytest.mark.django_db
def test_an_open_workshops_page_has_its_controls(workshop, facilitator, ann):
    """The control for the test above: each role's controls are there while it is open."""
    set_phase(workshop, "vote")
    boss, guest = live_page(facilitator), live_page(ann)
    for control in ('data-control="next"', 'data-control="ready-reset"', "data-progress"):
        assert control in boss and control not in guest, control
    for control in ('data-control="ready"', "data-votes-left"):
        assert control in guest, control
    assert 'data-control="ready"' not in boss
