"""Replay, in the spirit of Zulip's verify_action: applying the events after revision N to the
board at N gives exactly a fresh load of the board. This is what a reconnecting client relies
on (docs/protocol.md, "Catching up"), so every event type is covered."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from maps import operations as ops
from maps.models import MapEvent
from tests.workshops.live_client import apply_event, fresh_state, replay

pytestmark = pytest.mark.django_db


def events_after(journey_map, revision: int) -> list[dict]:
    return [
        event.as_message()
        for event in MapEvent.objects.filter(map=journey_map, revision__gt=revision).order_by(
            "revision"
        )
    ]


def ids(journey_map) -> dict:
    stages = list(journey_map.stages.order_by("position").values_list("pk", flat=True))
    notes = list(
        journey_map.touchpoints.order_by("stage__position", "position").values_list("pk", flat=True)
    )
    groups = list(journey_map.groups.values_list("pk", flat=True))
    actions = list(journey_map.actions.order_by("pk").values_list("pk", flat=True))
    comments = list(journey_map.comments.order_by("pk").values_list("pk", flat=True))
    threads = list(journey_map.threads.order_by("pk").values_list("pk", flat=True))
    return {
        "stages": stages,
        "notes": notes,
        "groups": groups,
        "actions": actions,
        "comments": comments,
        "threads": threads,
    }


@pytest.fixture
def board(journey_map, actor):
    """Three stages, five notes, one group, an action on every note: enough for every operation
    to have a target (and every deleted note takes an action with it)."""
    stages = ids(journey_map)["stages"]
    for index, text in enumerate(
        ["Sees an ad", "Reads reviews", "Signs up", "Gets email", "Logs in"]
    ):
        ops.add_touchpoint(actor, journey_map, stage=stages[index % 3], text=text)
    notes = ids(journey_map)["notes"]
    ops.add_group(actor, journey_map, name="First steps", touchpoints=notes[:2])
    for note in notes:
        ops.add_action(actor, journey_map, touchpoint=note, text=f"Act on {note}")
    # A conversation on every note and stage, so deletions take threads with them.
    for note in notes:
        comment = ops.add_comment(actor, journey_map, touchpoint=note, body=f"On {note}")
        ops.set_reaction(
            actor, journey_map, comment=comment.payload["comment"]["id"], reaction="+1", on=True
        )
        ops.set_reaction(actor, journey_map, touchpoint=note, reaction="idea", on=True)
    for stage in stages:
        ops.add_comment(actor, journey_map, stage=stage, body=f"On stage {stage}")
    return journey_map


OPERATIONS: dict[str, Callable] = {
    "map.updated": lambda a, m, i: ops.update_map(
        a, m, title="Onboarding v2", scope="Sign-up to habit"
    ),
    "stage.added": lambda a, m, i: ops.add_stage(a, m, name="Renewal", index=1, feelings="Calm"),
    "stage.updated": lambda a, m, i: ops.update_stage(
        a, m, i["stages"][1], feelings="Unsure", emotion_now=-1, emotion_aspiration=2
    ),
    "stage.updated loops back": lambda a, m, i: ops.update_stage(
        a, m, i["stages"][2], loops_back_to=i["stages"][0]
    ),
    "stage.moved": lambda a, m, i: ops.move_stage(a, m, i["stages"][2], index=0),
    "stage.deleted moving notes": lambda a, m, i: ops.delete_stage(
        a, m, i["stages"][0], move_notes_to=i["stages"][2]
    ),
    "stage.deleted with notes": lambda a, m, i: ops.delete_stage(
        a, m, i["stages"][1], delete_notes=True
    ),
    "touchpoint.added": lambda a, m, i: ops.add_touchpoint(
        a, m, stage=i["stages"][1], text="Calls support", index=0, channel="phone"
    ),
    "touchpoint.updated": lambda a, m, i: ops.update_touchpoint(
        a,
        m,
        i["notes"][0],
        text="Sees a TV ad",
        critical=True,
        internal=True,
        department="Marketing",
    ),
    "touchpoint.updated ungrouped": lambda a, m, i: ops.update_touchpoint(
        a, m, i["notes"][0], group=None
    ),
    "touchpoint.moved across": lambda a, m, i: ops.move_touchpoint(
        a, m, i["notes"][0], stage=i["stages"][2], index=0
    ),
    "touchpoint.moved within": lambda a, m, i: ops.move_touchpoint(
        a, m, i["notes"][1], stage=i["stages"][0], index=5
    ),
    "touchpoint.deleted": lambda a, m, i: ops.delete_touchpoint(a, m, i["notes"][2]),
    "group.added": lambda a, m, i: ops.add_group(a, m, name="Later", touchpoints=i["notes"][3:]),
    "group.renamed": lambda a, m, i: ops.rename_group(a, m, i["groups"][0], name="Getting started"),
    "group.deleted": lambda a, m, i: ops.delete_group(a, m, i["groups"][0]),
    "action.added": lambda a, m, i: ops.add_action(
        a,
        m,
        touchpoint=i["notes"][1],
        text="Call back",
        owner=f"member:{a.user.pk}",
        due="2026-12-01",
    ),
    "action.updated": lambda a, m, i: ops.update_action(
        a, m, i["actions"][0], text="Call back today", status="doing", owner="", due=""
    ),
    "action.deleted": lambda a, m, i: ops.delete_action(a, m, i["actions"][-1]),
    "comment.added": lambda a, m, i: ops.add_comment(
        a, m, touchpoint=i["notes"][1], body="@owner why?", mentions=[f"member:{a.user.pk}"]
    ),
    "comment.updated": lambda a, m, i: ops.edit_comment(a, m, i["comments"][0], body="Edited"),
    "comment.deleted": lambda a, m, i: ops.delete_comment(a, m, i["comments"][1]),
    "comment.deleted ending the thread": lambda a, m, i: ops.delete_comment(
        a, m, i["comments"][-1]
    ),
    "thread.resolved": lambda a, m, i: ops.resolve_thread(a, m, i["threads"][0]),
    "thread.reopened": lambda a, m, i: ops.reopen_thread(a, m, i["threads"][0]),
    "reaction.changed on": lambda a, m, i: ops.set_reaction(
        a, m, touchpoint=i["notes"][0], reaction="heart", on=True
    ),
    "reaction.changed off": lambda a, m, i: ops.set_reaction(
        a, m, touchpoint=i["notes"][0], reaction="idea", on=False
    ),
}


# An order in which every step still finds its target (deletions last).
SEQUENCE = [
    "map.updated",
    "stage.added",
    "stage.updated",
    "stage.updated loops back",
    "touchpoint.added",
    "touchpoint.updated",
    "touchpoint.moved across",
    "touchpoint.moved within",
    "action.added",
    "action.updated",
    "action.deleted",
    "comment.added",
    "comment.updated",
    "comment.deleted",
    "comment.deleted ending the thread",
    "thread.resolved",
    "thread.reopened",
    "reaction.changed on",
    "reaction.changed off",
    "group.added",
    "group.renamed",
    "touchpoint.updated ungrouped",
    "touchpoint.deleted",
    "stage.moved",
    "group.deleted",
    "stage.deleted moving notes",
    "stage.deleted with notes",
]


def run_sequence(board, actor, before_each=None) -> None:
    for name in SEQUENCE:
        if before_each is not None:
            before_each()
        OPERATIONS[name](actor, board, ids(board))


def test_the_sequence_covers_every_operation():
    assert sorted(SEQUENCE) == sorted(OPERATIONS)


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_one_event_applied_to_the_board_before_gives_the_board_after(board, actor, name):
    before = fresh_state(board)
    event = OPERATIONS[name](actor, board, ids(board))
    after = fresh_state(board)
    replayed = replay(before, [event.as_message()])
    assert replayed == after
    assert replayed != before  # the event changed something the state shows


def test_the_events_since_revision_n_on_the_board_at_n_equal_a_fresh_load(board, actor):
    at_n = fresh_state(board)
    n = at_n["revision"]
    run_sequence(board, actor)
    assert board.events.filter(revision__gt=n).count() == len(SEQUENCE)
    assert replay(at_n, events_after(board, n)) == fresh_state(board)


def test_replaying_from_every_revision_gives_the_same_board(board, actor):
    """Whatever revision a client stopped at, catching up lands on the same board."""
    states = {}

    def keep() -> None:
        state = fresh_state(board)
        states[state["revision"]] = state

    run_sequence(board, actor, keep)
    final = fresh_state(board)
    for revision, state in states.items():
        assert replay(state, events_after(board, revision)) == final, revision


def test_an_event_applied_twice_changes_nothing_more(board, actor):
    """Events carry full objects, so applying a duplicate is harmless (acks and broadcasts)."""
    before = fresh_state(board)
    event = ops.update_touchpoint(actor, board, ids(board)["notes"][0], text="Again").as_message()
    once = replay(before, [event])
    twice = replay(before, [event])
    apply_event(twice, event)
    assert once == twice
