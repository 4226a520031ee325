"""The vote budget holds when one person votes from two tabs at the same moment: real threads,
each with its own database connection, released together by a barrier. Runs on SQLite (the
IMMEDIATE transaction serialises) and on PostgreSQL (row locks) alike."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from maps import operations as ops
from maps.operations import OperationError
from tests.conftest import require_postgres
from workshops.facilitation import set_phase, set_vote
from workshops.models import Participant, Vote
from workshops.operations import join_workshop, open_workshop

pytestmark = pytest.mark.django_db(transaction=True)

TABS = 2
ROUNDS = 5


def race(participant: Participant, notes, tag: str) -> list[str]:
    """Each tab votes `tag` on its own note at once; what each tab was told."""
    barrier = threading.Barrier(len(notes))
    outcomes: list[str] = []
    lock = threading.Lock()

    def tab(note) -> None:
        try:
            # Connected before the barrier, so connecting does not space the votes out.
            connection.ensure_connection()
            barrier.wait(timeout=10)
            set_vote(participant, note, tag, True)
            result = "on"
        except OperationError as refused:
            result = refused.code
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=tab, args=(note,)) for note in notes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.fixture
def setup(owner, journey_map, actor):
    stage = journey_map.stages.order_by("position").first()
    notes = []
    for i in range(TABS * ROUNDS):
        event = ops.add_touchpoint(actor, journey_map, stage=stage.pk, text=f"Note {i}")
        notes.append(journey_map.touchpoints.get(pk=event.payload["touchpoint"]["id"]))
    workshop = open_workshop(owner, journey_map, vote_budget=1)
    set_phase(workshop, "vote")
    return workshop, notes


def test_two_tabs_cannot_both_spend_the_last_vote(setup):
    workshop, notes = setup
    for round_number in range(ROUNDS):
        voter = join_workshop(workshop, display_name=f"Ann {round_number}")
        tabs = notes[round_number * TABS : (round_number + 1) * TABS]
        outcomes = race(voter, tabs, "pain")
        assert sorted(outcomes) == ["budget_spent", "on"], outcomes
        assert Vote.objects.filter(participant=voter).count() == 1


def test_two_tabs_spending_the_budget_stop_exactly_at_it(setup):
    workshop, notes = setup
    workshop.vote_budget = 3
    workshop.save()
    voter = join_workshop(workshop, display_name="Ann")
    for tag in ("pain", "delight"):
        race(voter, notes[:TABS], tag)
    assert Vote.objects.filter(participant=voter).count() == 3


@pytest.mark.postgres
def test_many_tabs_spending_the_last_vote_at_once_get_one_vote_on_postgresql(
    owner, journey_map, actor
):
    """On PostgreSQL the transactions really overlap (SQLite's IMMEDIATE transactions take
    turns), so only the row locks (select_for_update on the workshop and the voter) keep the
    budget: without them several of these tabs each see the last vote free."""
    require_postgres()
    tabs, rounds = 6, 6
    stage = journey_map.stages.order_by("position").first()
    notes = []
    for i in range(tabs):
        event = ops.add_touchpoint(actor, journey_map, stage=stage.pk, text=f"Note {i}")
        notes.append(journey_map.touchpoints.get(pk=event.payload["touchpoint"]["id"]))
    workshop = open_workshop(owner, journey_map, vote_budget=1)
    set_phase(workshop, "vote")
    for round_number in range(rounds):
        voter = join_workshop(workshop, display_name=f"Ann {round_number}")
        outcomes = race(voter, notes, "pain")
        assert sorted(outcomes) == ["budget_spent"] * (tabs - 1) + ["on"], outcomes
        assert Vote.objects.filter(participant=voter).count() == 1
