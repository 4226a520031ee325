"""The gate (workshops.handlers.admit): who sends an operation, may they now, and what a resend
of an operation applied before is answered; and the handler registry's defaults."""

from __future__ import annotations

import pytest

from maps import operations as ops
from maps.operations import OperationError
from workshops import board_handlers  # noqa: F401  (registers the map operations)
from workshops.facilitation import set_locked, set_phase
from workshops.handlers import HANDLERS, Context, admit, event_ack, handler
from workshops.models import Participant, Phase

pytest_plugins = ["tests.workshops.conftest_live"]
pytestmark = pytest.mark.django_db

MOVE = HANDLERS["touchpoint.move"]


def refusal(entry, participant_id: int, op_id: str = "op-1") -> str:
    with pytest.raises(OperationError) as refused:
        admit(entry, participant_id, op_id)
    return refused.value.code


def test_an_allowed_sender_gets_a_fresh_context(workshop, ann, journey_map):
    ctx = admit(MOVE, ann.pk, "op-1")
    assert isinstance(ctx, Context)
    assert (ctx.participant.pk, ctx.workshop.pk, ctx.journey_map.pk) == (
        ann.pk,
        workshop.pk,
        journey_map.pk,
    )
    assert ctx.workshop.phase == Phase.GATHER and not ctx.is_facilitator


def test_someone_no_longer_in_the_workshop_is_refused(workshop, ann):
    ann.delete()
    assert refusal(MOVE, ann.pk) == "forbidden"


def test_each_message_sees_the_state_of_now_not_of_the_connection(workshop, ann):
    assert isinstance(admit(MOVE, ann.pk, "op-1"), Context)
    set_locked(workshop, True)
    assert refusal(MOVE, ann.pk) == "locked"
    set_locked(workshop, False)
    set_phase(workshop, Phase.VOTE)
    assert refusal(MOVE, ann.pk) == "wrong_phase"


def test_a_resend_of_an_operation_applied_before_the_lock_is_acked_as_a_duplicate(
    workshop, ann, journey_map, actor, stages
):
    event = ops.add_touchpoint(actor, journey_map, stage=stages[0], text="Hi", op_id="op-7")
    set_locked(workshop, True)
    answer = admit(HANDLERS["touchpoint.add"], ann.pk, "op-7")
    assert answer == {"revision": event.revision, "event": event.as_message(), "duplicate": True}
    # Any other operation is still refused by the lock.
    assert refusal(HANDLERS["touchpoint.add"], ann.pk, "op-8") == "locked"


def test_an_op_id_applied_on_another_map_does_not_pass_the_lock(workshop, ann, actor, other_map):
    other = ops.JourneyMap.objects.get(stages__pk=other_map["stage"])
    ops.add_touchpoint(actor, other, stage=other_map["stage"], text="Elsewhere", op_id="op-9")
    set_locked(workshop, True)
    assert refusal(HANDLERS["touchpoint.add"], ann.pk, "op-9") == "locked"


def test_the_ack_of_an_operation_carries_its_revision_event_and_whether_it_was_a_resend(
    journey_map, actor, stages
):
    event = ops.add_touchpoint(actor, journey_map, stage=stages[0], text="Hi")
    assert event_ack(event, duplicate=False) == {
        "revision": event.revision,
        "event": event.as_message(),
        "duplicate": False,
    }
    assert event_ack(event, duplicate=True)["duplicate"] is True


def test_the_actor_of_a_message_is_the_participant_with_its_account(workshop, facilitator, ann):
    ctx = Context(workshop=workshop, participant=facilitator, journey_map=workshop.map)
    assert ctx.is_facilitator
    assert (ctx.actor.user, ctx.actor.name, ctx.actor.participant_id) == (
        facilitator.user,
        facilitator.display_name,
        facilitator.pk,
    )
    guest = Context(workshop=workshop, participant=ann, journey_map=workshop.map).actor
    assert (guest.user, guest.name, guest.participant_id) == (None, "Ann", ann.pk)


def test_a_handler_by_default_is_for_facilitator_and_participants_in_any_open_phase_unlocked():
    try:

        @handler("test.default")
        def default(ctx, data):
            return None

        entry = HANDLERS["test.default"]
        assert entry.fn is default
        assert entry.roles == {Participant.Role.FACILITATOR, Participant.Role.PARTICIPANT}
        assert entry.phases is None
        assert entry.allowed_when_locked is False
    finally:
        HANDLERS.pop("test.default", None)


def test_a_message_type_has_one_handler():
    with pytest.raises(RuntimeError, match=r"touchpoint\.move"):
        handler("touchpoint.move")(lambda ctx, data: None)
    assert HANDLERS["touchpoint.move"] is MOVE
