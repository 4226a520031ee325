"""Undo and redo (issue 18): for every kind of change, undo gives back the map's snapshot as it
was before, and redo the snapshot after; a deleted note comes back with its text, place, group,
actions, feedback and votes; an undo is refused, naming who and what, when someone else has
changed the object since; redo is cleared by a new change. Runs on whichever database
DATABASE_URL names (the suite runs on SQLite and on PostgreSQL)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import pytest

from maps import operations as ops
from maps.models import CustomerFeedback, JourneyMap, MapEvent, Persona
from maps.serializers import map_snapshot
from workshops.models import Vote
from workshops.operations import join_workshop, open_workshop

pytestmark = pytest.mark.django_db


def board(journey_map: JourneyMap) -> dict[str, Any]:
    """The map's snapshot without its revision (an undo is a new revision)."""
    snapshot = map_snapshot(JourneyMap.objects.get(pk=journey_map.pk))
    snapshot.pop("revision")
    return snapshot


@pytest.fixture
def ann_actor(editor) -> ops.Actor:
    return ops.Actor.for_user(editor)


@pytest.fixture
def filled(journey_map, actor) -> dict[str, int]:
    """Three stages with notes, a group, an action on a note, a stage looping back."""
    stages = list(journey_map.stages.order_by("position").values_list("pk", flat=True))
    notes = [
        ops.add_touchpoint(actor, journey_map, stage=stages[i % 2], text=f"Note {i}").payload[
            "touchpoint"
        ]["id"]
        for i in range(4)
    ]
    group = ops.add_group(actor, journey_map, name="Payment", touchpoints=notes[:2])
    action = ops.add_action(actor, journey_map, touchpoint=notes[0], text="Fix the form")
    ops.update_stage(actor, journey_map, stages[2], loops_back_to=stages[0])
    return {
        "s0": stages[0],
        "s1": stages[1],
        "s2": stages[2],
        "n0": notes[0],
        "n1": notes[1],
        "n2": notes[2],
        "n3": notes[3],
        "group": group.payload["group"]["id"],
        "action": action.payload["action"]["id"],
    }


Change = Callable[[ops.Actor, JourneyMap, dict[str, int]], Any]

CHANGES: dict[str, Change] = {
    "touchpoint.add": lambda a, m, f: ops.add_touchpoint(a, m, stage=f["s1"], text="New", index=0),
    "touchpoint.update": lambda a, m, f: ops.update_touchpoint(
        a, m, f["n0"], text="Reworded", channel="email", colour="pink", critical=True, group=None
    ),
    "touchpoint.move": lambda a, m, f: ops.move_touchpoint(a, m, f["n0"], stage=f["s2"], index=0),
    "touchpoint.step": lambda a, m, f: ops.step_touchpoint(a, m, f["n2"], "up"),
    "touchpoint.delete": lambda a, m, f: ops.delete_touchpoint(a, m, f["n0"]),
    "touchpoint.group (existing)": lambda a, m, f: ops.group_touchpoint(
        a, m, f["n3"], name="Payment"
    ),
    "touchpoint.group (new)": lambda a, m, f: ops.group_touchpoint(a, m, f["n3"], name="Trust"),
    "touchpoint.group (out)": lambda a, m, f: ops.group_touchpoint(a, m, f["n0"], name=""),
    "group.add": lambda a, m, f: ops.add_group(a, m, name="Doubts", touchpoints=[f["n1"], f["n2"]]),
    "group.rename": lambda a, m, f: ops.rename_group(a, m, f["group"], name="Paying"),
    "group.delete": lambda a, m, f: ops.delete_group(a, m, f["group"]),
    "stage.add": lambda a, m, f: ops.add_stage(a, m, name="Renewal", index=1, goals="Stay"),
    "stage.update": lambda a, m, f: ops.update_stage(
        a, m, f["s1"], name="First weeks", emotion_now=-2, thoughts="Hm", loops_back_to=f["s0"]
    ),
    "stage.move": lambda a, m, f: ops.move_stage(a, m, f["s0"], index=2),
    "stage.step": lambda a, m, f: ops.step_stage(a, m, f["s1"], "previous"),
    "stage.delete (its notes too)": lambda a, m, f: ops.delete_stage(
        a, m, f["s0"], delete_notes=True
    ),
    "stage.delete (notes moved)": lambda a, m, f: ops.delete_stage(
        a, m, f["s0"], move_notes_to=f["s1"]
    ),
    "action.add": lambda a, m, f: ops.add_action(a, m, touchpoint=f["n2"], text="Call them"),
    "action.update": lambda a, m, f: ops.update_action(
        a, m, f["action"], text="Fix it now", status="doing", due="2027-01-31"
    ),
    "action.delete": lambda a, m, f: ops.delete_action(a, m, f["action"]),
    "map.update": lambda a, m, f: ops.update_map(a, m, title="Renamed", scope="All of it"),
}


@pytest.mark.parametrize("kind", sorted(CHANGES))
def test_undo_gives_back_the_board_before_and_redo_the_board_after(
    journey_map, actor, filled, kind
):
    before = board(journey_map)
    CHANGES[kind](actor, journey_map, filled)
    after = board(journey_map)
    assert after != before

    undone = ops.undo(actor, journey_map)
    assert undone.type == "undo"
    assert board(journey_map) == before

    redone = ops.redo(actor, journey_map)
    assert redone.type == "redo"
    assert board(journey_map) == after

    ops.undo(actor, journey_map)  # and undone again: the redo is itself undone
    assert board(journey_map) == before


def test_a_persona_edit_is_undone(journey_map, actor, owner):
    persona = Persona.objects.create(owner=owner, name="Dana", goals="Save time")
    ops.update_map(actor, journey_map, persona=persona)
    ops.update_persona(actor, persona, goals="Pay less", quote="Too dear")
    ops.undo(actor, journey_map)
    persona.refresh_from_db()
    assert (persona.goals, persona.quote) == ("Save time", "")
    ops.redo(actor, journey_map)
    persona.refresh_from_db()
    assert (persona.goals, persona.quote) == ("Pay less", "Too dear")


def test_a_deleted_note_comes_back_with_its_feedback_and_votes(journey_map, actor, owner, filled):
    workshop = open_workshop(owner, journey_map)
    voter = join_workshop(workshop, display_name="Ann")
    Vote.objects.create(
        workshop=workshop, participant=voter, touchpoint_id=filled["n0"], tag="pain"
    )
    CustomerFeedback.objects.create(touchpoint_id=filled["n0"], tag="pain", comment="Slow")
    before = board(journey_map)

    ops.delete_touchpoint(actor, journey_map, filled["n0"])
    assert not Vote.objects.exists()
    ops.undo(actor, journey_map)

    assert board(journey_map) == before  # text, place, group, action
    vote = Vote.objects.get()
    assert (vote.participant_id, vote.touchpoint_id, vote.tag) == (voter.pk, filled["n0"], "pain")
    assert CustomerFeedback.objects.get().comment == "Slow"


def test_votes_are_never_in_the_broadcast_event(journey_map, actor, owner, filled):
    workshop = open_workshop(owner, journey_map)
    voter = join_workshop(workshop, display_name="Ann")
    Vote.objects.create(
        workshop=workshop, participant=voter, touchpoint_id=filled["n0"], tag="pain"
    )
    event = ops.delete_touchpoint(actor, journey_map, filled["n0"])
    assert "votes" not in str(event.as_message())
    assert event.before["votes"] == {str(filled["n0"]): [[workshop.pk, voter.pk, "pain"]]}
    undone = ops.undo(actor, journey_map)
    assert "votes" not in str(undone.as_message())


def test_undo_walks_back_in_order_and_redo_forward(journey_map, ann_actor, filled):
    boards = [board(journey_map)]
    for text in ("One", "Two", "Three"):
        ops.update_touchpoint(ann_actor, journey_map, filled["n1"], text=text)
        boards.append(board(journey_map))
    for expected in reversed(boards[:-1]):
        ops.undo(ann_actor, journey_map)
        assert board(journey_map) == expected
    with pytest.raises(ops.OperationError) as nothing:
        ops.undo(ann_actor, journey_map)
    assert nothing.value.code == "nothing_to_undo"
    assert nothing.value.message == "You have nothing to undo on this map."
    for expected in boards[1:]:
        ops.redo(ann_actor, journey_map)
        assert board(journey_map) == expected
    with pytest.raises(ops.OperationError) as nothing:
        ops.redo(ann_actor, journey_map)
    assert nothing.value.code == "nothing_to_redo"


def test_a_new_change_clears_redo(journey_map, actor, filled):
    ops.update_touchpoint(actor, journey_map, filled["n1"], text="One")
    ops.undo(actor, journey_map)
    assert ops.stack_state(journey_map.pk, actor)["redo"] is not None
    ops.move_touchpoint(actor, journey_map, filled["n2"], stage=filled["s2"], index=0)
    assert ops.stack_state(journey_map.pk, actor)["redo"] is None
    with pytest.raises(ops.OperationError) as nothing:
        ops.redo(actor, journey_map)
    assert nothing.value.code == "nothing_to_redo"


def test_each_person_undoes_only_their_own_changes(journey_map, actor, ann_actor, filled):
    ops.update_touchpoint(actor, journey_map, filled["n1"], text="Owner's words")
    ops.update_touchpoint(ann_actor, journey_map, filled["n2"], text="Ann's words")
    ops.undo(actor, journey_map)
    texts = dict(journey_map.touchpoints.values_list("pk", "text"))
    assert texts[filled["n1"]] == "Note 1"
    assert texts[filled["n2"]] == "Ann's words"


def test_undo_is_refused_naming_who_and_what_after_someone_elses_change(
    journey_map, actor, ann_actor, filled
):
    ops.move_touchpoint(actor, journey_map, filled["n1"], stage=filled["s2"], index=0)
    ops.update_touchpoint(ann_actor, journey_map, filled["n1"], text="Ann reworded it")
    revision = JourneyMap.objects.get(pk=journey_map.pk).revision
    with pytest.raises(ops.OperationError) as refused:
        ops.undo(actor, journey_map)
    assert refused.value.code == "conflict"
    assert refused.value.message == (
        "Not possible: editor changed “Ann reworded it” since. "
        "Undoing would overwrite their change."
    )
    assert JourneyMap.objects.get(pk=journey_map.pk).revision == revision  # nothing written
    assert journey_map.touchpoints.get(pk=filled["n1"]).text == "Ann reworded it"


def test_undo_of_a_delete_is_refused_once_its_stage_is_gone(journey_map, actor, ann_actor, filled):
    ops.delete_touchpoint(actor, journey_map, filled["n3"])
    ops.delete_stage(ann_actor, journey_map, filled["s1"], delete_notes=True)
    with pytest.raises(ops.OperationError) as refused:
        ops.undo(actor, journey_map)
    assert refused.value.code == "conflict"
    assert refused.value.message.startswith("Not possible: editor deleted the stage “First use”")
    assert not refused.value.message.endswith("Undoing would overwrite their change.")  # says why


def test_undoing_a_new_stage_is_refused_once_someone_put_notes_in_it(journey_map, actor, ann_actor):
    stage = ops.add_stage(actor, journey_map, name="Renewal").payload["stage"]["id"]
    ops.add_touchpoint(ann_actor, journey_map, stage=stage, text="Ann's note")
    with pytest.raises(ops.OperationError) as refused:
        ops.undo(actor, journey_map)
    assert refused.value.message.startswith("Not possible: editor added “Ann's note” since")


def test_someone_elses_change_to_another_note_does_not_block(journey_map, actor, ann_actor, filled):
    ops.update_touchpoint(actor, journey_map, filled["n1"], text="Mine")
    ops.update_touchpoint(ann_actor, journey_map, filled["n2"], text="Hers")
    ops.add_touchpoint(ann_actor, journey_map, stage=filled["s1"], text="Also hers")
    ops.undo(actor, journey_map)
    assert journey_map.touchpoints.get(pk=filled["n1"]).text == "Note 1"


def test_an_undone_move_finds_its_place_when_its_key_was_taken(journey_map, actor, ann_actor):
    stage = journey_map.stages.order_by("position").first()
    ids = [
        ops.add_touchpoint(actor, journey_map, stage=stage.pk, text=t).payload["touchpoint"]["id"]
        for t in ("a", "b", "c")
    ]
    old_key = journey_map.touchpoints.get(pk=ids[1]).position
    ops.move_touchpoint(actor, journey_map, ids[1], stage=stage.pk, index=2)
    # Ann's new note takes the key the moved note left (as a respacing can make happen): the
    # undo puts the note back at its spot with another key, never a duplicate one.
    new = ops.add_touchpoint(ann_actor, journey_map, stage=stage.pk, text="d", index=1)
    journey_map.touchpoints.filter(pk=new.payload["touchpoint"]["id"]).update(position=old_key)
    ops.undo(actor, journey_map)
    order = list(journey_map.touchpoints.order_by("position").values_list("text", flat=True))
    assert order == ["a", "b", "d", "c"]


def test_the_undo_is_an_event_everyone_applies(journey_map, actor, filled):
    ops.delete_touchpoint(actor, journey_map, filled["n2"])
    event = ops.undo(actor, journey_map)
    message = event.as_message()
    assert message["event"] == "undo"
    assert message["payload"]["original"] == "touchpoint.deleted"
    assert message["payload"]["summary"] == "deleted “Note 2”"
    assert [t["id"] for t in message["payload"]["changes"]["touchpoints"]] == [filled["n2"]]
    assert MapEvent.objects.filter(map=journey_map, type="undo").count() == 1


def test_undo_and_redo_walk_past_a_page_of_the_person_s_events(
    journey_map, ann_actor, filled, monkeypatch
):
    """The walk reads a person's events a page at a time (undo.WALK_PAGE): a stack deeper than
    a page is walked whole, each event once, in order."""
    monkeypatch.setattr(importlib.import_module("maps.operations.undo"), "WALK_PAGE", 3)
    boards = [board(journey_map)]
    for n in range(7):
        ops.update_touchpoint(ann_actor, journey_map, filled["n1"], text=f"Text {n}")
        boards.append(board(journey_map))
    for expected in reversed(boards[:-1]):  # each undo walks past the undos before it
        ops.undo(ann_actor, journey_map)
        assert board(journey_map) == expected
    assert ops.stack_state(journey_map.pk, ann_actor)["undo"] is None
    for expected in boards[1:]:
        ops.redo(ann_actor, journey_map)
        assert board(journey_map) == expected
    assert ops.stack_state(journey_map.pk, ann_actor)["redo"] is None


# --- found by mutation testing of undo.py (stop 24) ------------------------------------------


def test_undoing_a_shared_personas_edit_tells_the_other_maps_showing_it(journey_map, actor, owner):
    persona = Persona.objects.create(owner=owner, name="Dana", goals="Save time")
    other = ops.create_map(actor, title="Renewal", stage_names=["Notice"])
    unrelated = ops.create_map(actor, title="Unrelated", stage_names=["Elsewhere"])
    for shown_on in (journey_map, other):
        ops.update_map(actor, shown_on, persona=persona)
    ops.update_persona(actor, persona, goals="Pay less")
    heard = {m.pk: MapEvent.objects.filter(map=m).count() for m in (journey_map, other, unrelated)}

    ops.undo(actor, journey_map)

    told = MapEvent.objects.filter(map=other).order_by("-revision").first()
    assert (told.type, told.payload, told.actor_name) == (
        "persona.updated",
        {"persona": persona.pk},
        "owner",
    )
    assert MapEvent.objects.filter(map=other).count() == heard[other.pk] + 1
    assert MapEvent.objects.filter(map=unrelated).count() == heard[unrelated.pk]
    # The map that undid has its undo, not a second event besides.
    assert MapEvent.objects.filter(map=journey_map).count() == heard[journey_map.pk] + 1


def test_a_conflict_names_who_and_the_revision_of_their_change(
    journey_map, actor, ann_actor, filled
):
    ops.delete_touchpoint(actor, journey_map, filled["n1"])
    theirs = ops.update_touchpoint(ann_actor, journey_map, filled["n2"], text="Ann's words")
    ops.restore_version(
        ann_actor, journey_map, ops.take_version(ann_actor, journey_map, "Ann's version")
    )
    restored = JourneyMap.objects.get(pk=journey_map.pk).revision
    with pytest.raises(ops.OperationError) as refused:
        ops.undo(actor, journey_map)  # a restore after my change blocks any undo of it
    assert refused.value.code == "conflict"
    assert (refused.value.details["by"], refused.value.details["revision"]) == ("editor", restored)
    assert theirs.revision < restored


def test_a_restore_on_another_map_does_not_block_an_undo_here(journey_map, actor, filled):
    ops.update_touchpoint(actor, journey_map, filled["n1"], text="Mine")
    other = ops.create_map(actor, title="Renewal", stage_names=["Notice"])
    notice = other.stages.get().pk
    # Revisions count per map: the other map's restore must come after mine by number too.
    mine = JourneyMap.objects.get(pk=journey_map.pk).revision
    while JourneyMap.objects.get(pk=other.pk).revision <= mine:
        ops.add_touchpoint(actor, other, stage=notice, text="Elsewhere")
    editor_elsewhere = ops.Actor(name="Someone else")
    ops.restore_version(editor_elsewhere, other, ops.take_version(actor, other, "Start"))
    ops.undo(actor, journey_map)
    assert journey_map.touchpoints.get(pk=filled["n1"]).text != "Mine"


def test_a_redo_carries_its_op_id_and_checks_the_persons_rights_again(journey_map, actor, filled):
    ops.update_touchpoint(actor, journey_map, filled["n1"], text="Mine")
    ops.undo(actor, journey_map, op_id="undo-1")
    asked = []

    def may_not(who, when):
        asked.append((who, when))
        raise ops.OperationError("forbidden", "Observers cannot change the board.")

    with pytest.raises(ops.OperationError) as refused:
        ops.redo(actor, journey_map, op_id="redo-1", may=may_not)
    assert refused.value.code == "forbidden" and asked
    assert journey_map.touchpoints.get(pk=filled["n1"]).text != "Mine"
    event = ops.redo(actor, journey_map, op_id="redo-2", may=lambda who, when: None)
    assert (event.type, event.op_id) == ("redo", "redo-2")
    assert journey_map.touchpoints.get(pk=filled["n1"]).text == "Mine"


def test_my_own_later_changes_do_not_hide_someone_elses_change_in_the_way(
    journey_map, actor, ann_actor, filled
):
    ops.update_touchpoint(actor, journey_map, filled["n1"], text="Mine")
    ops.update_touchpoint(ann_actor, journey_map, filled["n1"], text="Ann's, after mine")
    ops.update_touchpoint(actor, journey_map, filled["n2"], text="Mine too")
    ops.undo(actor, journey_map)  # takes back "Mine too"
    with pytest.raises(ops.OperationError) as refused:
        ops.undo(actor, journey_map)  # would take back "Mine" over Ann's words
    assert refused.value.code == "conflict"
    assert journey_map.touchpoints.get(pk=filled["n1"]).text == "Ann's, after mine"
