"""The operations layer: each change bumps the revision, appends one event with the right
payload, and broadcasts it after commit (never on rollback)."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import async_to_sync
from django.db import transaction

from journeymap import realtime
from maps import operations as ops
from maps.models import MapEvent, Touchpoint

pytestmark = pytest.mark.django_db


def first_stage(journey_map):
    return journey_map.stages.order_by("position").first()


def test_an_operation_bumps_the_revision_and_appends_one_event(journey_map, actor):
    before = journey_map.revision
    event = ops.add_touchpoint(
        actor, journey_map, stage=first_stage(journey_map).pk, text="Sees an ad", channel="social"
    )
    journey_map.refresh_from_db()
    assert journey_map.revision == before + 1
    assert event.revision == journey_map.revision
    assert MapEvent.objects.filter(map=journey_map, revision__gt=before).count() == 1
    assert event.type == "touchpoint.added"
    assert event.actor_name == "owner"
    note = Touchpoint.objects.get()
    assert event.payload == {
        "touchpoint": {
            "id": note.pk,
            "stage": note.stage_id,
            "position": note.position,
            "group": None,
            "version": 1,
            "text": "Sees an ad",
            "channel": "social",
            "department": "",
            "critical": False,
            "internal": False,
            "colour": "",
            # An account adding a note on the map's page: its name, no presence colour.
            "author": "owner",
            "author_colour": "",
        }
    }


def test_the_event_is_broadcast_after_commit(
    journey_map, actor, django_capture_on_commit_callbacks, settings
):
    # In memory: each async_to_sync call below runs its own event loop, and Redis pub/sub
    # subscriptions belong to one loop (the consumer tests cover the Redis layer).
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    layer = realtime.room_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(ops.group_name(journey_map.pk), channel)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        event = ops.add_touchpoint(
            actor, journey_map, stage=first_stage(journey_map).pk, text="Calls support"
        )
    assert len(callbacks) == 1
    message = async_to_sync(layer.receive)(channel)
    assert message["type"] == "map.event"
    sent = json.loads(message["text"])  # encoded once, as every connection receives it
    assert sent["revision"] == event.revision
    assert sent["event"] == "touchpoint.added"
    assert sent["payload"]["touchpoint"]["text"] == "Calls support"


def test_nothing_is_broadcast_or_recorded_when_the_transaction_rolls_back(
    journey_map, actor, django_capture_on_commit_callbacks
):
    before = journey_map.revision
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        ops.add_touchpoint(actor, journey_map, stage=first_stage(journey_map).pk, text="Lost")
        raise RuntimeError("the caller fails after the operation")
    assert callbacks == []
    journey_map.refresh_from_db()
    assert journey_map.revision == before
    assert not Touchpoint.objects.exists()
    assert not MapEvent.objects.filter(map=journey_map, revision__gt=before).exists()


def test_a_refused_operation_changes_nothing(journey_map, actor):
    before = journey_map.revision
    with pytest.raises(ops.OperationError) as refused:
        ops.add_touchpoint(actor, journey_map, stage=first_stage(journey_map).pk, text="   ")
    assert refused.value.code == "invalid"
    with pytest.raises(ops.OperationError) as too_long:
        ops.add_touchpoint(actor, journey_map, stage=first_stage(journey_map).pk, text="x" * 501)
    assert too_long.value.code == "too_long"
    journey_map.refresh_from_db()
    assert journey_map.revision == before


def test_a_stage_of_another_map_is_refused(journey_map, actor):
    other = ops.create_map(actor, title="Other", stage_names=["Elsewhere"])
    with pytest.raises(ops.OperationError) as refused:
        ops.add_touchpoint(actor, journey_map, stage=other.stages.get().pk, text="Sneaky")
    assert refused.value.code == "not_found"
    assert not Touchpoint.objects.exists()


def test_update_stage_records_the_whole_stage(journey_map, actor):
    stage = first_stage(journey_map)
    event = ops.update_stage(
        actor, journey_map, stage.pk, feelings="Hopeful", emotion_now=1, emotion_aspiration=2
    )
    assert event.type == "stage.updated"
    assert event.payload["stage"]["feelings"] == "Hopeful"
    assert event.payload["stage"]["emotion_now"] == 1
    assert event.payload["stage"]["emotion_aspiration"] == 2


def test_update_stage_refuses_scores_out_of_range(journey_map, actor):
    with pytest.raises(ops.OperationError):
        ops.update_stage(actor, journey_map, first_stage(journey_map).pk, emotion_now=3)


def test_move_puts_the_note_at_the_index_among_the_others(journey_map, actor):
    stage = first_stage(journey_map)
    ids = [
        ops.add_touchpoint(actor, journey_map, stage=stage.pk, text=t).payload["touchpoint"]["id"]
        for t in "abc"
    ]
    event = ops.move_touchpoint(actor, journey_map, ids[2], stage=stage.pk, index=0)
    assert event.type == "touchpoint.moved"
    order = list(stage.touchpoints.order_by("position").values_list("text", flat=True))
    assert order == ["c", "a", "b"]


def test_move_to_another_stage(journey_map, actor):
    first, second, _ = journey_map.stages.order_by("position")
    note = ops.add_touchpoint(actor, journey_map, stage=first.pk, text="n").payload["touchpoint"][
        "id"
    ]
    event = ops.move_touchpoint(actor, journey_map, note, stage=second.pk, index=0)
    assert event.payload == {
        "id": note,
        "stage": second.pk,
        "position": Touchpoint.objects.get().position,
    }
    assert Touchpoint.objects.get().stage == second


def test_move_into_an_empty_stage_and_to_the_end_of_its_own(journey_map, actor):
    first, second, _ = journey_map.stages.order_by("position")
    a, b = (
        ops.add_touchpoint(actor, journey_map, stage=first.pk, text=t).payload["touchpoint"]["id"]
        for t in "ab"
    )
    ops.move_touchpoint(actor, journey_map, a, stage=first.pk, index=99)  # past the end: last
    assert list(first.touchpoints.order_by("position").values_list("pk", flat=True)) == [b, a]
    ops.move_touchpoint(actor, journey_map, b, stage=second.pk, index=0)
    assert list(second.touchpoints.values_list("pk", flat=True)) == [b]


def test_a_move_takes_the_next_revision_once_and_a_refused_one_none(journey_map, actor):
    stage = first_stage(journey_map)
    note = ops.add_touchpoint(actor, journey_map, stage=stage.pk, text="n").payload["touchpoint"]
    journey_map.refresh_from_db()
    before = journey_map.revision
    event = ops.move_touchpoint(actor, journey_map, note["id"], stage=stage.pk, index=0)
    journey_map.refresh_from_db()
    assert event.revision == journey_map.revision == before + 1
    assert MapEvent.objects.get(map=journey_map, revision=event.revision).pk == event.pk
    with pytest.raises(ops.OperationError) as refused:
        ops.move_touchpoint(actor, journey_map, note["id"] + 1000, stage=stage.pk, index=0)
    assert (refused.value.code, refused.value.message) == ("not_found", ops.NOTE_NOT_FOUND)
    with pytest.raises(ops.OperationError) as refused:
        ops.move_touchpoint(actor, journey_map, note["id"], stage=stage.pk + 1000, index=0)
    assert (refused.value.code, refused.value.message) == ("not_found", ops.STAGE_NOT_FOUND)
    with pytest.raises(ops.OperationError) as refused:
        ops.move_touchpoint(actor, journey_map, note["id"], stage="first", index=0)
    assert (refused.value.code, refused.value.details["field"]) == ("invalid", "stage")
    journey_map.refresh_from_db()
    assert journey_map.revision == before + 1  # the claimed revision rolled back with the move


@pytest.mark.parametrize("beyond", ["touchpoint", "stage"])
def test_a_move_naming_an_id_no_row_can_have_is_not_found(journey_map, actor, beyond):
    # 2**70 is an integer, so a well-formed id, but larger than any id column holds: the move's
    # written-out read raised OverflowError on SQLite (a server error) where the ORM finds none.
    stage = first_stage(journey_map)
    note = ops.add_touchpoint(actor, journey_map, stage=stage.pk, text="n").payload["touchpoint"]
    ids = {"touchpoint": note["id"], "stage": stage.pk, beyond: 2**70}
    journey_map.refresh_from_db()
    before = journey_map.revision
    with pytest.raises(ops.OperationError) as refused:
        ops.move_touchpoint(actor, journey_map, ids["touchpoint"], stage=ids["stage"], index=0)
    assert (refused.value.code, refused.value.message) == (
        "not_found",
        {"touchpoint": ops.NOTE_NOT_FOUND, "stage": ops.STAGE_NOT_FOUND}[beyond],
    )
    journey_map.refresh_from_db()
    assert journey_map.revision == before


def test_a_change_stamps_the_map_as_the_orm_would(journey_map, actor):
    # The revision is taken with hand-written SQL; the time it writes must be stored as the
    # ORM stores times (an exact lookup finds it, on SQLite too).
    stage = first_stage(journey_map)
    note = ops.add_touchpoint(actor, journey_map, stage=stage.pk, text="n").payload["touchpoint"]
    for change in (
        lambda: ops.move_touchpoint(actor, journey_map, note["id"], stage=stage.pk, index=0),
        lambda: ops.update_stage(actor, journey_map, stage.pk, feelings="Calm"),
    ):
        change()
        stamped = type(journey_map).objects.get(pk=journey_map.pk).updated_at
        assert type(journey_map).objects.filter(pk=journey_map.pk, updated_at=stamped).exists()


def test_a_move_on_a_deleted_map_is_not_found(journey_map, actor):
    stage = first_stage(journey_map)
    note = ops.add_touchpoint(actor, journey_map, stage=stage.pk, text="n").payload["touchpoint"]
    stale = type(journey_map).objects.get(pk=journey_map.pk)
    ops.delete_map(actor, journey_map)
    with pytest.raises(ops.OperationError) as refused:
        ops.move_touchpoint(actor, stale, note["id"], stage=stage.pk, index=0)
    assert refused.value.code == "not_found"


def test_a_resend_that_no_longer_applies_is_the_operation_applied_before(journey_map, actor):
    stage = first_stage(journey_map)
    note = ops.add_touchpoint(actor, journey_map, stage=stage.pk, text="n").payload["touchpoint"]

    def delete():
        return ops.delete_touchpoint(actor, journey_map, note["id"], op_id="tab-1:7")

    first, created = ops.run_once(journey_map.pk, "tab-1:7", delete, actor)
    # Applied again, the delete finds no note; the answer is still the first delete.
    again, created_again = ops.run_once(journey_map.pk, "tab-1:7", delete, actor)
    assert created and not created_again and again.pk == first.pk
    # An operation that was never applied is refused as before.
    with pytest.raises(ops.OperationError):
        ops.run_once(journey_map.pk, "tab-1:8", delete, actor)


def test_a_resent_text_edit_is_not_a_conflict_with_itself(journey_map, actor):
    note = ops.add_touchpoint(
        actor, journey_map, stage=first_stage(journey_map).pk, text="v1"
    ).payload["touchpoint"]

    def edit():
        return ops.update_touchpoint(
            actor, journey_map, note["id"], base_version=1, text="v2", op_id="tab-1:9"
        )

    first, _ = ops.run_once(journey_map.pk, "tab-1:9", edit, actor)
    again, created_again = ops.run_once(journey_map.pk, "tab-1:9", edit, actor)
    assert not created_again and again.pk == first.pk
    assert Touchpoint.objects.get().version == 2


def test_a_text_edit_based_on_an_old_version_is_a_conflict(journey_map, actor):
    note = ops.add_touchpoint(
        actor, journey_map, stage=first_stage(journey_map).pk, text="v1"
    ).payload["touchpoint"]
    ops.update_touchpoint(actor, journey_map, note["id"], base_version=1, text="v2 from Ann")
    with pytest.raises(ops.OperationError) as conflict:
        ops.update_touchpoint(actor, journey_map, note["id"], base_version=1, text="v2 from Bob")
    assert conflict.value.code == "conflict"
    assert conflict.value.details["current"]["text"] == "v2 from Ann"
    assert Touchpoint.objects.get().text == "v2 from Ann"


def test_a_conflict_names_who_wrote_the_text_that_won(journey_map, actor, editor):
    """The refused editor is told whose words won ("Ann saved: …"): the writer of the note's
    current version, not whoever touched the note last for something else (its colour)."""
    note = ops.add_touchpoint(
        actor, journey_map, stage=first_stage(journey_map).pk, text="v1"
    ).payload["touchpoint"]
    ann = ops.Actor(name="Ann", participant_id=7)
    ops.update_touchpoint(ann, journey_map, note["id"], base_version=1, text="v2 from Ann")
    ops.update_touchpoint(ops.Actor.for_user(editor), journey_map, note["id"], colour="pink")
    with pytest.raises(ops.OperationError) as conflict:
        ops.update_touchpoint(actor, journey_map, note["id"], base_version=1, text="v2 from Bob")
    assert conflict.value.details["by"] == "Ann"
    # A note nobody has edited since it was added: its author wrote the text.
    other = ops.add_touchpoint(ann, journey_map, stage=first_stage(journey_map).pk, text="x")
    other_id = other.payload["touchpoint"]["id"]
    with pytest.raises(ops.OperationError) as conflict:
        ops.update_touchpoint(actor, journey_map, other_id, base_version=0, text="y")
    assert conflict.value.details["by"] == "Ann"


def test_deleting_a_stage_with_notes_asks_where_they_go(journey_map, actor):
    first, second, _ = journey_map.stages.order_by("position")
    note = ops.add_touchpoint(actor, journey_map, stage=first.pk, text="keep me").payload[
        "touchpoint"
    ]["id"]
    with pytest.raises(ops.OperationError) as refused:
        ops.delete_stage(actor, journey_map, first.pk)
    assert refused.value.code == "stage_not_empty"
    event = ops.delete_stage(actor, journey_map, first.pk, move_notes_to=second.pk)
    assert event.payload["moved_touchpoints"][0]["id"] == note
    assert Touchpoint.objects.get().stage == second


def test_groups_gather_notes_and_ungrouping_keeps_them(journey_map, actor):
    stage = first_stage(journey_map)
    ids = [
        ops.add_touchpoint(actor, journey_map, stage=stage.pk, text=t).payload["touchpoint"]["id"]
        for t in "ab"
    ]
    added = ops.add_group(actor, journey_map, name="Pricing", touchpoints=ids)
    assert added.payload["touchpoints"] == ids
    assert set(Touchpoint.objects.values_list("group__name", flat=True)) == {"Pricing"}
    with pytest.raises(ops.OperationError) as duplicate:
        ops.add_group(actor, journey_map, name="Pricing")
    assert duplicate.value.code == "duplicate"
    ops.delete_group(actor, journey_map, added.payload["group"]["id"])
    assert Touchpoint.objects.filter(group__isnull=True).count() == 2


def test_resending_an_operation_id_applies_it_once(journey_map, actor):
    stage = first_stage(journey_map)

    def add():
        return ops.add_touchpoint(
            actor, journey_map, stage=stage.pk, text="once", op_id="client-1:42"
        )

    first, created = ops.run_once(journey_map.pk, "client-1:42", add, actor)
    again, created_again = ops.run_once(journey_map.pk, "client-1:42", add, actor)
    assert created and not created_again
    assert again.pk == first.pk
    assert Touchpoint.objects.count() == 1


def test_an_op_id_is_only_the_answer_to_the_participant_who_sent_it(journey_map, actor):
    """Someone resending another person's op_id is refused, not acked with their event."""
    stage = first_stage(journey_map)
    ann = ops.Actor(name="Ann", participant_id=1)
    bob = ops.Actor(name="Bob", participant_id=2)

    def add(who):
        return lambda: ops.add_touchpoint(who, journey_map, stage=stage.pk, text="t", op_id="w-1")

    first, _ = ops.run_once(journey_map.pk, "w-1", add(ann), ann)
    with pytest.raises(ops.OperationError) as refused:
        ops.run_once(journey_map.pk, "w-1", add(bob), bob)
    assert (refused.value.code, refused.value.details) == ("invalid", {"field": "op_id"})
    again, created = ops.run_once(journey_map.pk, "w-1", add(ann), ann)
    assert not created and again.pk == first.pk
    assert Touchpoint.objects.filter(map=journey_map).count() == 1


def test_an_op_id_is_applied_at_most_once_per_map_not_once_across_maps(journey_map, actor):
    other = ops.create_map(actor, title="Other", stage_names=["Elsewhere"])
    elsewhere = other.stages.get()
    ops.add_touchpoint(actor, journey_map, stage=first_stage(journey_map).pk, text="A", op_id="k:1")
    assert ops.applied_event(journey_map.pk, "k:1", actor).map_id == journey_map.pk
    assert ops.applied_event(other.pk, "k:1", actor) is None
    # Refused on the other map, it is refused: map A's event is no answer for map B.
    with pytest.raises(ops.OperationError) as refused:
        ops.run_once(
            other.pk, "k:1", lambda: ops.add_touchpoint(actor, other, stage=0, text="B"), actor
        )
    assert refused.value.code == "invalid"
    # And the same op_id applies on the other map as a new operation.
    event, new = ops.run_once(
        other.pk,
        "k:1",
        lambda: ops.add_touchpoint(actor, other, stage=elsewhere.pk, text="B", op_id="k:1"),
        actor,
    )
    assert new and event.map_id == other.pk
    assert Touchpoint.objects.filter(map=other, text="B").count() == 1


@pytest.mark.parametrize(
    ("colour", "shown"), [("#12ab9f", "#12ab9f"), ("red; background:url(x)", ""), ("", "")]
)
def test_a_new_note_shows_its_author_and_only_a_well_formed_colour(
    journey_map, owner, colour, shown
):
    stage = first_stage(journey_map)
    actor = ops.Actor(user=owner, name="Olivia", colour=colour)
    note = ops.add_touchpoint(actor, journey_map, stage=stage.pk, text="n").payload["touchpoint"]
    stored = Touchpoint.objects.get(pk=note["id"])
    assert (stored.author_name, stored.author_colour) == ("Olivia", shown)


def test_a_note_the_system_adds_shows_no_author(journey_map):
    # Imports and seeding add notes as the system: nobody is shown as having written them.
    stage = first_stage(journey_map)
    event = ops.add_touchpoint(ops.SYSTEM, journey_map, stage=stage.pk, text="Imported")
    stored = Touchpoint.objects.get(pk=event.payload["touchpoint"]["id"])
    assert (stored.author_name, stored.author_colour) == ("", "")
