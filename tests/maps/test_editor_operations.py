"""The editor's operations: keyboard steps for notes and stages, each one event."""

from __future__ import annotations

import pytest

from maps import operations as ops
from maps.models import MapEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def stages(journey_map):
    return list(journey_map.stages.order_by("position"))


def texts(stage) -> list[str]:
    return list(stage.touchpoints.order_by("position").values_list("text", flat=True))


def add(actor, journey_map, stage, *names):
    return [
        ops.add_touchpoint(actor, journey_map, stage=stage.pk, text=n).payload["touchpoint"]["id"]
        for n in names
    ]


def test_step_up_and_down_within_a_stage(journey_map, actor, stages):
    a, _, c = add(actor, journey_map, stages[0], "A", "B", "C")
    event = ops.step_touchpoint(actor, journey_map, c, "up")
    assert texts(stages[0]) == ["A", "C", "B"]
    assert event.type == "touchpoint.moved" and event.payload["id"] == c
    ops.step_touchpoint(actor, journey_map, a, "down")
    assert texts(stages[0]) == ["C", "A", "B"]


def test_step_to_the_next_stage_keeps_the_row(journey_map, actor, stages):
    _, b = add(actor, journey_map, stages[0], "A", "B")
    add(actor, journey_map, stages[1], "X", "Y", "Z")
    event = ops.step_touchpoint(actor, journey_map, b, "next")
    assert texts(stages[1]) == ["X", "B", "Y", "Z"]
    assert event.payload["stage"] == stages[1].pk


def test_step_into_a_shorter_stage_appends(journey_map, actor, stages):
    *_, c = add(actor, journey_map, stages[1], "A", "B", "C")
    add(actor, journey_map, stages[0], "X")
    ops.step_touchpoint(actor, journey_map, c, "previous")
    assert texts(stages[0]) == ["X", "C"]


def test_step_up_to_the_top_and_by_the_order_on_the_board_not_of_adding(journey_map, actor, stages):
    a, _, c = add(actor, journey_map, stages[0], "A", "B", "C")
    ops.step_touchpoint(actor, journey_map, c, "up")
    ops.step_touchpoint(actor, journey_map, c, "up")  # into the first row
    assert texts(stages[0]) == ["C", "A", "B"]
    # A was added first but is second now: its step up is a step past C, not off the top.
    ops.step_touchpoint(actor, journey_map, a, "up")
    assert texts(stages[0]) == ["A", "C", "B"]


def test_a_step_to_the_next_stage_follows_the_spine_as_it_is_ordered_now(
    journey_map, actor, stages
):
    ops.step_stage(actor, journey_map, stages[2].pk, "previous")  # spine: 0, 2, 1
    (note,) = add(actor, journey_map, stages[0], "Moves")
    event = ops.step_touchpoint(actor, journey_map, note, "next")
    assert event.payload["stage"] == stages[2].pk
    event = ops.step_touchpoint(actor, journey_map, note, "next")
    assert event.payload["stage"] == stages[1].pk


def test_a_step_carries_its_op_id_so_a_resend_is_not_applied_twice(journey_map, actor, stages):
    a, _ = add(actor, journey_map, stages[0], "A", "B")
    event = ops.step_touchpoint(actor, journey_map, a, "down", op_id="keyboard-1")
    assert event.op_id == "keyboard-1"


@pytest.mark.parametrize(
    ("direction", "stage_index", "words"),
    [
        ("up", 0, "This note is already at the top of its stage."),
        ("down", 0, "This note is already at the bottom of its stage."),
        ("previous", 0, "This note is already in the first stage."),
        ("next", 2, "This note is already in the last stage."),
        ("sideways", 0, "A note moves up, down, or to the previous or next stage."),
    ],
)
def test_steps_past_an_edge_are_refused_without_an_event(
    journey_map, actor, stages, direction, stage_index, words
):
    (note,) = add(actor, journey_map, stages[stage_index], "Only")
    before = MapEvent.objects.count()
    with pytest.raises(ops.OperationError) as refused:
        ops.step_touchpoint(actor, journey_map, note, direction)
    assert refused.value.code == "invalid"
    assert refused.value.message == words  # the person is told which edge
    assert MapEvent.objects.count() == before


def test_step_stage(journey_map, actor, stages):
    event = ops.step_stage(actor, journey_map, stages[2].pk, "previous")
    assert list(journey_map.stages.order_by("position")) == [stages[0], stages[2], stages[1]]
    assert event.type == "stage.moved" and event.payload["id"] == stages[2].pk
    with pytest.raises(ops.OperationError):
        ops.step_stage(actor, journey_map, stages[0].pk, "previous")
