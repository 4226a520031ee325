"""Order keys never run out (issue 14, item 1).

Keys are fractional (maps/positions.py) and capped at POSITION_MAX characters by the database.
Putting things at the same spot again and again makes keys longer: alternating two notes to the
top made a key one character longer every five moves, and the 320th move broke the
`touchpoint_position_length` constraint for everyone. Now a stage whose next key would grow past
positions.REBALANCE_AT is respaced first, in the same transaction, with an event carrying every
new key (`stage.rebalanced`, and `spine.rebalanced` for the stages), so every screen re-places
its notes and no key ever nears the cap."""

from __future__ import annotations

import pytest
from django.urls import reverse

from maps import operations as ops
from maps import positions
from maps.models import POSITION_MAX, MapEvent, Stage, Touchpoint
from tests.workshops.live_client import fresh_state, replay

pytestmark = pytest.mark.django_db


def longest_note_key(journey_map) -> int:
    return max(len(key) for key in journey_map.touchpoints.values_list("position", flat=True))


def order_in(stage_id: int) -> list[int]:
    return list(Touchpoint.objects.filter(stage_id=stage_id).values_list("pk", flat=True))


def note_ids(events) -> list[int]:
    return [event.payload["touchpoint"]["id"] for event in events]


@pytest.fixture
def first_stage(journey_map) -> int:
    return journey_map.stages.order_by("position").values_list("pk", flat=True)[0]


def test_two_notes_moved_to_the_top_in_turn_330_times_keep_their_order(
    journey_map, actor, first_stage
):
    a, b = note_ids(
        ops.add_touchpoint(actor, journey_map, stage=first_stage, text=text) for text in "ab"
    )
    for move in range(330):
        top = (a, b)[move % 2]
        ops.move_touchpoint(actor, journey_map, top, stage=first_stage, index=0)
        assert order_in(first_stage)[0] == top
    assert longest_note_key(journey_map) <= positions.REBALANCE_AT
    assert MapEvent.objects.filter(map=journey_map, type="stage.rebalanced").exists()


def test_notes_moved_to_the_top_from_the_map_page_again_and_again_never_answer_500(
    client, journey_map, actor, owner, first_stage
):
    a, b = note_ids(
        ops.add_touchpoint(actor, journey_map, stage=first_stage, text=text) for text in "ab"
    )
    for move in range(300):
        ops.move_touchpoint(actor, journey_map, (a, b)[move % 2], stage=first_stage, index=0)
    client.force_login(owner)
    for _ in range(40):
        top = order_in(first_stage)[1]
        answer = client.post(
            reverse("note_move", args=[journey_map.pk]),
            {"touchpoint": top, "stage": first_stage, "index": 0},
            HTTP_HX_REQUEST="true",
        )
        assert answer.status_code == 200
        assert order_in(first_stage)[0] == top


def test_the_400th_note_appended_to_a_stage_gets_a_key(journey_map, actor, first_stage):
    for number in range(400):
        ops.add_touchpoint(actor, journey_map, stage=first_stage, text=f"note {number}")
    texts = list(Touchpoint.objects.filter(stage_id=first_stage).values_list("text", flat=True))
    assert texts == [f"note {number}" for number in range(400)]
    assert longest_note_key(journey_map) <= positions.REBALANCE_AT


def test_notes_added_at_the_top_330_times_stay_in_order(journey_map, actor, first_stage):
    for number in range(330):
        ops.add_touchpoint(actor, journey_map, stage=first_stage, text=f"note {number}", index=0)
    texts = list(Touchpoint.objects.filter(stage_id=first_stage).values_list("text", flat=True))
    assert texts == [f"note {number}" for number in reversed(range(330))]


def test_two_stages_moved_to_the_front_in_turn_330_times_keep_the_spine(journey_map, actor):
    _, second, third = journey_map.stages.order_by("position").values_list("pk", flat=True)
    for move in range(330):
        front = (second, third)[move % 2]
        ops.move_stage(actor, journey_map, front, index=0)
        assert journey_map.stages.order_by("position", "id").first().pk == front
    keys = Stage.objects.filter(map=journey_map).values_list("position", flat=True)
    assert max(len(key) for key in keys) <= positions.REBALANCE_AT
    assert MapEvent.objects.filter(map=journey_map, type="spine.rebalanced").exists()


def test_a_stage_added_at_the_front_330_times_keeps_the_spine(journey_map, actor):
    for number in range(330):
        ops.add_stage(actor, journey_map, name=f"Stage {number}", index=0)
    names = list(journey_map.stages.order_by("position", "id").values_list("name", flat=True))
    assert names[:3] == ["Stage 329", "Stage 328", "Stage 327"]
    assert names[-3:] == ["Sign up", "First use", "Habit"]


def test_the_notes_of_a_deleted_stage_are_appended_to_a_full_stage(journey_map, actor):
    first, second, _ = journey_map.stages.order_by("position").values_list("pk", flat=True)
    for stage in (first, second):
        Touchpoint.objects.bulk_create(
            Touchpoint(map=journey_map, stage_id=stage, position=key, text=f"{stage}.{n}")
            for n, key in enumerate(f"{i:03d}1" for i in range(400))
        )
    ops.delete_stage(actor, journey_map, first, move_notes_to=second)
    texts = list(Touchpoint.objects.filter(stage_id=second).values_list("text", flat=True))
    assert texts == [f"{second}.{n}" for n in range(400)] + [f"{first}.{n}" for n in range(400)]
    assert longest_note_key(journey_map) <= positions.REBALANCE_AT


def test_a_stage_full_of_long_keys_is_respaced_in_one_event_carrying_every_key(
    journey_map, actor, first_stage
):
    """A stage whose keys are near the cap (made before this fix, or by a long run of moves
    to one spot) is respaced when the next key would be too long: one stage.rebalanced event
    with every note's new key, in order, and the move's own event after it."""
    notes = [
        ops.add_touchpoint(actor, journey_map, stage=first_stage, text=f"n{i}") for i in range(5)
    ]
    ids = note_ids(notes)
    # Keys 59 characters long, in order: a key between two of them would be longer still.
    for i, note_id in enumerate(ids):
        Touchpoint.objects.filter(pk=note_id).update(position="1" * (POSITION_MAX - 5) + "13579"[i])
    before = fresh_state(journey_map)
    move = ops.move_touchpoint(actor, journey_map, ids[4], stage=first_stage, index=1)
    rebalanced = MapEvent.objects.get(map=journey_map, revision=move.revision - 1)
    assert rebalanced.type == "stage.rebalanced"
    assert rebalanced.payload["stage"] == first_stage
    assert [note_id for note_id, _ in rebalanced.payload["positions"]] == ids
    new_keys = [key for _, key in rebalanced.payload["positions"]]
    assert new_keys == sorted(new_keys) and max(map(len, new_keys)) <= 2
    assert order_in(first_stage) == [ids[0], ids[4], *ids[1:4]]
    after = fresh_state(journey_map)
    assert replay(before, [rebalanced.as_message(), move.as_message()]) == after


def test_a_spine_of_long_keys_is_respaced_in_one_event_carrying_every_key(journey_map, actor):
    stages = list(journey_map.stages.order_by("position").values_list("pk", flat=True))
    for i, stage_id in enumerate(stages):
        Stage.objects.filter(pk=stage_id).update(position="1" * 59 + "357"[i])
    before = fresh_state(journey_map)
    move = ops.move_stage(actor, journey_map, stages[2], index=1)
    rebalanced = MapEvent.objects.get(map=journey_map, revision=move.revision - 1)
    assert rebalanced.type == "spine.rebalanced"
    assert [stage_id for stage_id, _ in rebalanced.payload["positions"]] == stages
    assert list(journey_map.stages.values_list("pk", flat=True)) == [
        stages[0],
        stages[2],
        stages[1],
    ]
    assert replay(before, [rebalanced.as_message(), move.as_message()]) == fresh_state(journey_map)


def test_a_resent_move_that_respaced_its_stage_is_applied_once(journey_map, actor, first_stage):
    ids = note_ids(
        ops.add_touchpoint(actor, journey_map, stage=first_stage, text=f"n{i}") for i in range(3)
    )
    for i, note_id in enumerate(ids):
        Touchpoint.objects.filter(pk=note_id).update(position="1" * 59 + "135"[i])

    def move():
        return ops.move_touchpoint(
            actor, journey_map, ids[2], stage=first_stage, index=1, op_id="x"
        )

    first, new = ops.run_once(journey_map.pk, "x", move, actor)
    again, new_again = ops.run_once(journey_map.pk, "x", move, actor)
    assert new and not new_again and again.pk == first.pk
    assert MapEvent.objects.filter(map=journey_map, type="stage.rebalanced").count() == 1
