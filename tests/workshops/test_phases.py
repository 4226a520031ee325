"""Phase, lock and role gates for every websocket operation, and the phase and lock operations.

The gate table below is the specification: which messages a participant may send in which
phase. Every registered handler must appear in it, so a new message type cannot slip in
without a decision about its phases.
"""

from __future__ import annotations

import pytest

from maps.operations import OPERATIONS, OperationError
from workshops.facilitation import (
    PHASE_HINTS,
    reveal,
    set_locked,
    set_phase,
    workshop_state,
)
from workshops.gate import Context, check, run
from workshops.models import Participant, Phase
from workshops.operations import join_workshop, open_workshop

pytestmark = pytest.mark.django_db

ALL = frozenset(Phase.values) - {Phase.CLOSED}
EDIT = frozenset({Phase.GATHER, Phase.GROUP, Phase.DISCUSS})
DISCUSS = frozenset({Phase.DISCUSS})
GROUP = frozenset({Phase.GROUP})
NONE: frozenset[str] = frozenset()

# message type → (phases in which a participant may send it, may a participant send it at all,
# allowed while the board is locked)
GATES: dict[str, tuple[frozenset[str], bool, bool]] = {
    "touchpoint.add": (EDIT, True, False),
    "touchpoint.update": (EDIT, True, False),
    "touchpoint.move": (EDIT, True, False),
    "touchpoint.delete": (EDIT, True, False),
    "touchpoint.step": (EDIT, True, False),
    "touchpoint.group": (GROUP, True, False),
    "stage.add": (EDIT, False, False),
    "stage.update": (EDIT, True, False),
    "stage.move": (EDIT, False, False),
    "stage.delete": (EDIT, False, False),
    "stage.step": (EDIT, False, False),
    "group.add": (GROUP, True, False),
    "group.rename": (GROUP, True, False),
    "group.delete": (GROUP, True, False),
    "group.move": (GROUP, True, False),
    "touchpoint.stack": (GROUP, True, False),
    "touchpoint.ungroup": (GROUP, True, False),
    "action.add": (DISCUSS, True, False),
    "action.update": (DISCUSS, True, False),
    "action.delete": (DISCUSS, True, False),
    "vote.set": (frozenset({Phase.VOTE}), True, False),
    "phase.set": (NONE, False, False),
    "votes.reveal": (NONE, False, False),
    "board.lock": (NONE, False, False),
    "votes.budget": (NONE, False, False),
    "timer.start": (NONE, False, False),
    "timer.extend": (NONE, False, False),
    "timer.pause": (NONE, False, False),
    "timer.resume": (NONE, False, False),
    "timer.stop": (NONE, False, False),
    "participant.remove": (NONE, False, False),
    "code.renew": (NONE, False, False),
    "workshop.state": (ALL, True, True),
    "ready.set": (ALL, True, True),
    "ready.reset": (NONE, False, False),
    # Undo and redo pass the gate in any open phase; the change they undo is then checked
    # with its own gate (tests/workshops/test_undo_live.py).
    "undo": (ALL, True, False),
    "redo": (ALL, True, False),
    # The conversation (issue 19): any open phase, held by the lock like notes.
    "comment.add": (ALL, True, False),
    "comment.edit": (ALL, True, False),
    "comment.delete": (ALL, True, False),
    "thread.resolve": (ALL, True, False),
    "thread.reopen": (ALL, True, False),
    "reaction.set": (ALL, True, False),
    # Segments (issue 20): the map's personas are the facilitator's; feelings and scopes edits.
    "persona.add": (EDIT, False, False),
    "persona.remove": (EDIT, False, False),
    "persona.primary": (EDIT, False, False),
    "stage.feel": (EDIT, True, False),
    "touchpoint.scope": (EDIT, True, False),
    "votes.per_persona": (NONE, False, False),
}
# What an observer may send: ask for the state, and react (reactions are not votes).
OBSERVERS_MAY = {"workshop.state", "reaction.set"}


@pytest.fixture
def workshop(owner, journey_map):
    return open_workshop(owner, journey_map)


@pytest.fixture
def people(workshop):
    facilitator = workshop.participants.get(role=Participant.Role.FACILITATOR)
    participant = join_workshop(workshop, display_name="Ann")
    observer = join_workshop(workshop, display_name="Obs", role=Participant.Role.OBSERVER)
    return {"facilitator": facilitator, "participant": participant, "observer": observer}


def gate(workshop, who, message_type: str) -> str | None:
    """The refusal code for `who` sending `message_type` now, or None when allowed."""
    ctx = Context(workshop=workshop, participant=who, journey_map=workshop.map, role=who.role)
    try:
        check(OPERATIONS[message_type], ctx)
    except OperationError as refused:
        return refused.code
    return None


def test_every_registered_message_has_a_gate_decision():
    assert set(OPERATIONS) <= set(GATES), sorted(set(OPERATIONS) - set(GATES))


@pytest.mark.parametrize("phase", Phase.values)
def test_participant_gates_in_every_phase(workshop, people, phase):
    workshop.phase = phase
    for message_type in OPERATIONS:
        phases, participant_may, _ = GATES[message_type]
        code = gate(workshop, people["participant"], message_type)
        if phase == Phase.CLOSED:
            expected = "forbidden" if not participant_may else "closed"
        elif not participant_may:
            expected = "forbidden"
        elif phase not in phases:
            expected = "wrong_phase"
        else:
            expected = None
        assert code == expected, (message_type, phase)


@pytest.mark.parametrize("phase", sorted(ALL))
def test_facilitator_may_send_anything_in_an_open_phase_but_votes_outside_vote(
    workshop, people, phase
):
    workshop.phase = phase
    workshop.locked = True
    for message_type in OPERATIONS:
        voting_now = message_type != "vote.set" or phase == Phase.VOTE
        expected = None if voting_now else "wrong_phase"
        assert gate(workshop, people["facilitator"], message_type) == expected, message_type


def test_nobody_changes_anything_once_closed(workshop, people):
    workshop.phase = Phase.CLOSED
    for message_type in OPERATIONS:
        assert gate(workshop, people["facilitator"], message_type) == "closed"


def test_observers_only_read_and_react(workshop, people):
    workshop.phase = Phase.GATHER
    for message_type in OPERATIONS:
        expected = None if message_type in OBSERVERS_MAY else "forbidden"
        assert gate(workshop, people["observer"], message_type) == expected, message_type


def test_the_lock_stops_participants_but_not_the_facilitator(workshop, people):
    workshop.phase = Phase.GATHER
    set_locked(workshop, True)
    assert gate(workshop, people["participant"], "touchpoint.add") == "locked"
    assert gate(workshop, people["participant"], "workshop.state") is None
    assert gate(workshop, people["facilitator"], "touchpoint.add") is None
    set_locked(workshop, False)
    assert gate(workshop, people["participant"], "touchpoint.add") is None


def test_the_lock_stops_votes(workshop, people):
    set_phase(workshop, "vote")
    set_locked(workshop, True)
    assert gate(workshop, people["participant"], "vote.set") == "locked"


def test_phases_run_in_order_and_every_one_says_what_to_do(workshop):
    for phase in Phase.values:
        set_phase(workshop, phase)
        workshop.refresh_from_db()
        state = workshop_state(workshop)
        assert state["phase"] == phase
        assert state["phase_hint"] == PHASE_HINTS[phase] and state["phase_hint"]


def test_an_unknown_phase_is_refused(workshop):
    with pytest.raises(OperationError) as refused:
        set_phase(workshop, "party")
    assert refused.value.code == "invalid"
    workshop.refresh_from_db()
    assert workshop.phase == Phase.GATHER


def test_lock_takes_a_boolean(workshop):
    with pytest.raises(OperationError):
        set_locked(workshop, "yes")


def test_reveal_moves_to_the_reveal_phase_and_stamps_it(workshop):
    set_phase(workshop, "vote")
    reveal(workshop)
    workshop.refresh_from_db()
    assert workshop.phase == Phase.REVEAL and workshop.revealed_at is not None


def test_closing_stamps_the_end(workshop):
    set_phase(workshop, "closed")
    workshop.refresh_from_db()
    assert workshop.closed_at is not None and not workshop.is_open


def test_phase_changes_are_not_map_events(workshop, journey_map):
    before = journey_map.events.count()
    set_phase(workshop, "vote")
    set_locked(workshop, True)
    assert journey_map.events.count() == before


@pytest.mark.parametrize(
    ("message_type", "fields"),
    [
        ("phase.set", {}),
        ("phase.set", {"phase": "vote", "extra": 1}),
        ("phase.set", {"phase": ["vote"]}),
        ("board.lock", {"locked": "true"}),
        ("votes.budget", {"budget": "5"}),
        ("votes.budget", {"budget": 0}),
        ("timer.start", {"seconds": 10**9}),
        ("timer.pause", {"now": True}),
        ("votes.reveal", {"phase": "reveal"}),
        ("vote.set", {"touchpoint": 1, "tag": "pain"}),
        ("vote.set", {"touchpoint": "1", "tag": "pain", "on": True}),
        ("vote.set", {"touchpoint": 2**70, "tag": "pain", "on": True}),
    ],
)
def test_malformed_facilitation_messages_are_refused_and_change_nothing(
    workshop, people, message_type, fields
):
    set_phase(workshop, "vote")
    workshop.refresh_from_db()
    before = workshop_state(workshop)
    facilitator = people["facilitator"]
    ctx = Context(
        workshop=workshop, participant=facilitator, journey_map=workshop.map, role=facilitator.role
    )
    with pytest.raises(OperationError) as refused:
        run(OPERATIONS[message_type], ctx, {"type": message_type, "op_id": "x", **fields})
    assert refused.value.code in ("invalid", "not_found")
    workshop.refresh_from_db()
    after = workshop_state(workshop)
    assert {**after, "timer": None} == {**before, "timer": None}
    assert after["timer"]["state"] == before["timer"]["state"]
