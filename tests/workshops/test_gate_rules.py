"""The gate (workshops.gate.admit): who sends an operation, may they now, and what a resend of
an operation applied before is answered."""

from __future__ import annotations

import pytest

from maps import operations as ops
from maps.models import JourneyMap
from maps.operations import OPERATIONS, OperationError
from workshops.facilitation import set_locked, set_phase
from workshops.gate import Context, admit, event_ack
from workshops.models import Phase

pytest_plugins = ["tests.workshops.conftest_live"]
pytestmark = pytest.mark.django_db


def admitted(name: str, participant_id: int, op_id: str):
    """The gate for a guest participant's connection (no account signed in on it)."""
    return admit(OPERATIONS[name], participant_id, None, "participant", op_id)


def refusal(name: str, participant_id: int, op_id: str = "op-1") -> str:
    with pytest.raises(OperationError) as refused:
        admitted(name, participant_id, op_id)
    # docs/protocol.md: `message` is for people, a sentence the board shows as it is.
    message = refused.value.message
    assert isinstance(message, str) and message[:1].isupper() and message.endswith(".")
    assert message != message.upper()
    return refused.value.code


def actor_of(workshop, participant) -> ops.Actor:
    return Context(
        workshop=workshop, participant=participant, journey_map=workshop.map, role=participant.role
    ).actor


def test_an_allowed_sender_gets_a_fresh_context(workshop, ann, journey_map):
    ctx = admitted("touchpoint.move", ann.pk, "op-1")
    assert isinstance(ctx, Context)
    assert (ctx.participant.pk, ctx.workshop.pk, ctx.journey_map.pk) == (
        ann.pk,
        workshop.pk,
        journey_map.pk,
    )
    assert ctx.workshop.phase == Phase.GATHER


def test_someone_no_longer_in_the_workshop_is_refused(workshop, ann):
    ann.delete()
    assert refusal("touchpoint.move", ann.pk) == "forbidden"


def test_each_message_sees_the_state_of_now_not_of_the_connection(workshop, ann):
    assert isinstance(admitted("touchpoint.move", ann.pk, "op-1"), Context)
    set_locked(workshop, True)
    assert refusal("touchpoint.move", ann.pk) == "locked"
    set_locked(workshop, False)
    set_phase(workshop, Phase.VOTE)
    assert refusal("touchpoint.move", ann.pk) == "wrong_phase"


def test_a_resend_of_an_operation_applied_before_the_lock_is_acked_as_a_duplicate(
    workshop, ann, journey_map, stages
):
    event = ops.add_touchpoint(
        actor_of(workshop, ann), journey_map, stage=stages[0], text="Hi", op_id="op-7"
    )
    set_locked(workshop, True)
    answer = admitted("touchpoint.add", ann.pk, "op-7")
    assert answer == {"revision": event.revision, "event": event.as_message(), "duplicate": True}
    # Any other operation is still refused by the lock.
    assert refusal("touchpoint.add", ann.pk, "op-8") == "locked"


def test_an_op_id_applied_on_another_map_does_not_pass_the_lock(workshop, ann, other_map):
    other = JourneyMap.objects.get(stages__pk=other_map["stage"])
    ops.add_touchpoint(
        actor_of(workshop, ann), other, stage=other_map["stage"], text="Elsewhere", op_id="op-9"
    )
    set_locked(workshop, True)
    assert refusal("touchpoint.add", ann.pk, "op-9") == "locked"


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
    actor = actor_of(workshop, facilitator)
    assert (actor.user, actor.name, actor.participant_id) == (
        facilitator.user,
        facilitator.display_name,
        facilitator.pk,
    )
    guest = actor_of(workshop, ann)
    assert (guest.user, guest.name, guest.participant_id) == (None, "Ann", ann.pk)


def test_someone_elses_op_id_is_refused_naming_the_field_not_acked_as_theirs(
    workshop, ann, bob, journey_map, stages
):
    ops.add_touchpoint(
        actor_of(workshop, ann), journey_map, stage=stages[0], text="Hi", op_id="op-7"
    )
    set_locked(workshop, True)
    assert refusal("touchpoint.add", bob.pk, "op-7") == "invalid"
    with pytest.raises(OperationError) as refused:
        admitted("touchpoint.add", bob.pk, "op-7")
    assert refused.value.details == {"field": "op_id"}


def test_an_operation_on_a_map_deleted_meanwhile_is_not_found_said_in_a_sentence(
    journey_map, actor, stages
):
    JourneyMap.objects.filter(pk=journey_map.pk).delete()
    with pytest.raises(OperationError) as refused:
        ops.add_touchpoint(actor, journey_map, stage=stages[0], text="Too late")
    assert refused.value.code == "not_found"
    assert refused.value.message[:1].isupper() and refused.value.message.endswith(".")
