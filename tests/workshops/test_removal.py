"""The facilitator's door: "remove from workshop" for a participant and "new join code" for the
workshop (issue 14, item 7), and the cap on connections per participant.

Removed: every tab closes at once with 4410 and the same cookie (or account) is refused from
then on. A new code: the old one stops working everywhere, the members' open sockets stay,
and their pages reconnect and re-fetch by the workshop's id."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.test import Client
from django.urls import reverse

from tests.workshops.test_rights import (
    answer,
    closed_with,
    hello,
    next_output,
    open_socket,
    operate,
    still_open,
)
from workshops.access import cookie_name
from workshops.facilitation import set_phase, set_vote
from workshops.models import Participant, Vote, Workshop
from workshops.operations import join_workshop, open_workshop

pytestmark = pytest.mark.django_db(transaction=True)
pytest_plugins = ["tests.workshops.conftest_live"]


def browser_of(participant: Participant) -> Client:
    browser = Client()
    browser.cookies[cookie_name(participant.workshop_id)] = participant.token
    return browser


async def until(comm, kind: str) -> dict[str, Any]:
    while True:
        message = await next_output(comm)
        assert message.get("type") != "websocket.close", message
        if message.get("type") == kind:
            return message


# --- remove from workshop ---------------------------------------------------------------------


async def test_a_removed_participant_s_tabs_all_close_and_the_others_are_told(
    workshop, facilitator, ann, bob
):
    fran = await open_socket(workshop, facilitator)
    await hello(fran)
    tabs = [await open_socket(workshop, ann), await open_socket(workshop, ann)]
    for tab in tabs:
        await hello(tab)
    watcher = await open_socket(workshop, bob)
    await hello(watcher)
    reply = await operate(fran, "participant.remove", participant=ann.pk)
    assert reply["type"] == "ack" and reply["removed"] == ann.pk, reply
    for tab in tabs:
        assert (await closed_with(tab))[0] == 4410
    told = await until(watcher, "participant.removed")
    assert told["participant"] == ann.pk
    await still_open(watcher)
    for comm in (fran, watcher):
        await comm.disconnect()


async def test_a_removed_participant_cannot_come_back_with_the_same_cookie(
    workshop, facilitator, ann
):
    fran = await open_socket(workshop, facilitator)
    await hello(fran)
    await operate(fran, "participant.remove", participant=ann.pk)
    await fran.disconnect()
    for by_id in (False, True):
        comm = await open_socket(workshop, ann, by_id=by_id)
        assert (await closed_with(comm))[0] == 4410
    browser = browser_of(ann)
    code = {"code": workshop.join_code}
    live = await sync_to_async(browser.get)(reverse("workshop_live", kwargs=code))
    assert live.status_code == 403 and "removed you" in live.content.decode()
    board = reverse("workshop_board_by_id", kwargs={"workshop_id": workshop.pk})
    assert (await sync_to_async(browser.get)(board)).status_code == 404
    joined = await sync_to_async(browser.post)(
        reverse("workshop_join", kwargs=code), {"display_name": "Ann again"}
    )
    assert joined.status_code == 302  # to the live page, which refuses: no new participant
    assert not await sync_to_async(workshop.participants.filter(display_name="Ann again").exists)()


def test_before_the_reveal_a_removed_participant_s_votes_are_taken_back(
    workshop, facilitator, ann, bob, note
):
    from workshops.facilitation import remove_participant

    set_phase(workshop, "vote")
    set_vote(ann, note, "pain", True)
    set_vote(bob, note, "pain", True)
    remove_participant(workshop, ann.pk)
    assert list(Vote.objects.values_list("participant_id", flat=True)) == [bob.pk]


def test_after_the_reveal_the_counts_are_final(workshop, ann, bob, note):
    from workshops.facilitation import remove_participant

    set_phase(workshop, "vote")
    set_vote(ann, note, "pain", True)
    set_phase(workshop, "reveal")
    remove_participant(workshop, ann.pk)
    assert Vote.objects.filter(participant=ann).count() == 1


@pytest.fixture
def stranger(owner, journey_map) -> Participant:
    """A participant of another workshop on the same map."""
    return join_workshop(open_workshop(owner, journey_map), display_name="Eve")


@pytest.mark.parametrize(
    ("who", "target", "code"),
    [
        ("ann", "bob", "forbidden"),  # only the facilitator removes
        ("facilitator", "facilitator", "invalid"),  # and never themselves
        ("facilitator", "stranger", "not_found"),  # a participant of another workshop
    ],
)
async def test_removal_is_the_facilitator_s_and_only_of_this_workshop_s_participants(
    workshop, facilitator, ann, bob, stranger, who, target, code
):
    people = {"facilitator": facilitator, "ann": ann, "bob": bob, "stranger": stranger}
    comm = await open_socket(workshop, people[who])
    await hello(comm)
    reply = await operate(comm, "participant.remove", participant=people[target].pk)
    assert reply["type"] == "error" and reply["code"] == code, reply
    removed = await sync_to_async(
        lambda: list(Participant.objects.exclude(removed_at=None).values_list("pk", flat=True))
    )()
    assert removed == []
    await comm.disconnect()


# --- a new join code --------------------------------------------------------------------------


async def test_a_new_code_shuts_the_old_one_and_keeps_the_room(workshop, facilitator, ann, stages):
    old = workshop.join_code
    fran = await open_socket(workshop, facilitator)
    await hello(fran)
    member = await open_socket(workshop, ann, by_id=True)
    await hello(member)
    reply = await operate(fran, "code.renew")
    assert reply["type"] == "ack", reply
    new = reply["code"]
    assert new != old and len(new) == 6
    told = await until(member, "workshop.code")
    assert told["code"] == new
    # The members' sockets stay, and they keep working.
    added = await operate(member, "touchpoint.add", stage=stages[0], text="After the new code")
    assert added["type"] == "ack", added
    # The old code opens nothing any more: not the join page, not the code page, not a socket.
    newcomer = Client()
    join_page = await sync_to_async(newcomer.get)(reverse("workshop_join", kwargs={"code": old}))
    assert join_page.status_code == 404
    typed = await sync_to_async(newcomer.get)(reverse("workshop_enter_code"), {"code": old})
    assert typed.status_code == 404
    stale = await open_socket(workshop, ann, code=old)
    assert (await closed_with(stale))[0] == 4404
    # A member's page reconnects and re-fetches by id, so it never needed the code.
    again = await open_socket(workshop, ann, by_id=True)
    assert (await hello(again))["workshop"]["code"] == new
    board = reverse("workshop_board_by_id", kwargs={"workshop_id": workshop.pk})
    assert (await sync_to_async(browser_of(ann).get)(board)).status_code == 200
    assert await sync_to_async(lambda: Workshop.objects.get(pk=workshop.pk).join_code)() == new
    for comm in (fran, member, again):
        await comm.disconnect()


async def test_only_the_facilitator_draws_a_new_code(workshop, ann):
    comm = await open_socket(workshop, ann)
    await hello(comm)
    reply = await operate(comm, "code.renew")
    assert reply["type"] == "error" and reply["code"] == "forbidden", reply
    fresh = await sync_to_async(Workshop.objects.get)(pk=workshop.pk)
    assert fresh.join_code == workshop.join_code
    await comm.disconnect()


# --- sockets per participant ------------------------------------------------------------------


async def test_a_participant_may_hold_only_so_many_sockets(workshop, ann, settings):
    settings.MAX_CONNECTIONS_PER_PARTICIPANT = 3
    tabs = [await open_socket(workshop, ann) for _ in range(3)]
    for tab in tabs:
        await hello(tab)
    extra = await open_socket(workshop, ann)
    assert (await closed_with(extra))[0] == 4429
    for tab in tabs:
        await still_open(tab)
    # Closing one frees its place.
    await tabs.pop().disconnect()
    again = await open_socket(workshop, ann)
    await hello(again)
    for comm in (*tabs, again):
        await comm.disconnect()


async def test_the_cap_is_per_participant(workshop, ann, bob, settings):
    settings.MAX_CONNECTIONS_PER_PARTICIPANT = 1
    first = await open_socket(workshop, ann)
    await hello(first)
    other = await open_socket(workshop, bob)
    await hello(other)
    await first.disconnect()
    await other.disconnect()


async def test_a_flood_of_sockets_from_one_guest_is_refused_past_the_cap(workshop, ann):
    """The sweep's 150 sockets of one guest: the default cap lets 10 in."""
    from django.conf import settings

    accepted, refused = [], 0
    for _ in range(30):
        comm = await open_socket(workshop, ann)
        message = await next_output(comm)
        if message.get("type") == "websocket.close":
            assert message["code"] == 4429
            refused += 1
        else:
            accepted.append(comm)
    assert len(accepted) == settings.MAX_CONNECTIONS_PER_PARTICIPANT == 10
    assert refused == 20
    for comm in accepted:
        await comm.disconnect()


async def test_presence_says_who_is_a_guest_and_who_runs_the_workshop(workshop, facilitator, ann):
    fran = await open_socket(workshop, facilitator)
    me = (await hello(fran))["participant"]
    assert (me["role"], me["guest"]) == ("facilitator", False)
    guest = await open_socket(workshop, ann)
    await hello(guest)
    joined = await until(fran, "presence")
    assert joined["participant"]["role"] == "participant" and joined["participant"]["guest"]
    await answer(guest, {"type": "ping"})
    for comm in (fran, guest):
        await comm.disconnect()
