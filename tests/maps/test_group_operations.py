"""The group phase's operations (maps/operations/groups.py): stack a note onto another, take
it out of its stack, move a whole stack; the map page's drag endpoint that runs them; and the
stacks as the board renders them (maps/markup.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from maps import operations as ops
from maps.markup import note_items
from maps.models import MapEvent, Touchpoint, TouchpointGroup
from maps.operations import OperationError

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def stages(journey_map) -> list[int]:
    return list(journey_map.stages.order_by("position").values_list("pk", flat=True))


@pytest.fixture
def notes(journey_map, actor, stages) -> list[int]:
    """Four notes in the first stage (A, B, C, D), one in the second (E)."""
    made = [ops.add_touchpoint(actor, journey_map, stage=stages[0], text=text) for text in "ABCD"]
    made.append(ops.add_touchpoint(actor, journey_map, stage=stages[1], text="E"))
    return [event.payload["touchpoint"]["id"] for event in made]


def order(stage: int) -> list[tuple[str, str | None]]:
    """A stage's notes in board order: (text, group name)."""
    rows = Touchpoint.objects.filter(stage_id=stage).order_by("position", "id")
    return [(note.text, note.group.name if note.group_id else None) for note in rows]


def new_events(journey_map, since: int) -> list[str]:
    rows = MapEvent.objects.filter(map=journey_map, revision__gt=since).order_by("revision")
    return list(rows.values_list("type", flat=True))


def revision(journey_map) -> int:
    journey_map.refresh_from_db()
    return journey_map.revision


# --- touchpoint.stack --------------------------------------------------------------------


def test_a_note_dropped_on_a_lone_note_makes_a_group_of_the_two_under_it(
    journey_map, actor, stages, notes
):
    a, b, c, d, e = notes  # noqa: RUF059 (the five notes by name)
    before = revision(journey_map)
    ack = ops.stack_touchpoint(actor, journey_map, d, onto=a)
    assert order(stages[0]) == [("A", "Group 1"), ("D", "Group 1"), ("B", None), ("C", None)]
    assert new_events(journey_map, before) == ["group.added", "touchpoint.updated"]
    # The ack is the dropped note's event, with its new place and group.
    assert ack.type == "touchpoint.updated" and ack.payload["touchpoint"]["id"] == d
    assert ack.payload["touchpoint"]["group"] == Touchpoint.objects.get(pk=a).group_id


def test_a_note_dropped_on_a_stacked_note_joins_that_stack_at_its_bottom(
    journey_map, actor, stages, notes
):
    a, b, c, d, e = notes  # noqa: RUF059 (the five notes by name)
    ops.stack_touchpoint(actor, journey_map, b, onto=a)
    # Dropped on the stack's first note, from another stage: it goes under the whole stack.
    ops.stack_touchpoint(actor, journey_map, e, onto=a)
    assert order(stages[0]) == [
        ("A", "Group 1"),
        ("B", "Group 1"),
        ("E", "Group 1"),
        ("C", None),
        ("D", None),
    ]
    assert order(stages[1]) == []
    assert TouchpointGroup.objects.filter(map=journey_map).count() == 1


def test_new_stacks_take_the_first_free_name(journey_map, actor, notes):
    a, b, c, d, e = notes  # noqa: RUF059 (the five notes by name)
    ops.add_group(actor, journey_map, name="Group 1")
    ops.stack_touchpoint(actor, journey_map, b, onto=a)
    assert Touchpoint.objects.get(pk=a).group.name == "Group 2"


def test_a_note_that_leaves_the_last_of_its_stack_takes_the_empty_group_away(
    journey_map, actor, notes
):
    a, b, c, d, e = notes  # noqa: RUF059 (the five notes by name)
    ops.stack_touchpoint(actor, journey_map, b, onto=a)  # Group 1: A, B
    ops.stack_touchpoint(actor, journey_map, d, onto=c)  # Group 2: C, D
    ops.ungroup_touchpoint(actor, journey_map, a)
    before = revision(journey_map)
    ops.stack_touchpoint(actor, journey_map, b, onto=c)  # Group 1 is empty now
    assert new_events(journey_map, before) == ["touchpoint.updated", "group.deleted"]
    assert list(journey_map.groups.values_list("name", flat=True)) == ["Group 2"]


def test_stacking_refuses_itself_and_notes_of_another_map(journey_map, actor, notes, owner):
    a = notes[0]
    other = ops.create_map(actor, title="Other", stage_names=["Elsewhere"])
    theirs = ops.add_touchpoint(actor, other, stage=other.stages.get().pk, text="Not yours")
    before = revision(journey_map)
    with pytest.raises(OperationError) as itself:
        ops.stack_touchpoint(actor, journey_map, a, onto=a)
    assert itself.value.code == "invalid"
    with pytest.raises(OperationError) as foreign:
        ops.stack_touchpoint(actor, journey_map, a, onto=theirs.payload["touchpoint"]["id"])
    assert foreign.value.code == "not_found"
    assert revision(journey_map) == before
    assert not TouchpointGroup.objects.filter(map=journey_map).exists()


# --- touchpoint.ungroup ---------------------------------------------------------------------


def test_a_note_dragged_out_of_its_stack_leaves_the_group_and_lands_where_dropped(
    journey_map, actor, stages, notes
):
    a, b, c, d, e = notes  # noqa: RUF059 (the five notes by name)
    ops.stack_touchpoint(actor, journey_map, b, onto=a)
    ops.stack_touchpoint(actor, journey_map, c, onto=a)
    ack = ops.ungroup_touchpoint(actor, journey_map, b, stage=stages[1], index=1)
    assert order(stages[0]) == [("A", "Group 1"), ("C", "Group 1"), ("D", None)]
    assert order(stages[1]) == [("E", None), ("B", None)]
    assert ack.type == "touchpoint.updated" and ack.payload["touchpoint"]["group"] is None


def test_ungrouping_in_place_keeps_the_note_where_it_is(journey_map, actor, stages, notes):
    a, b, *_ = notes
    ops.stack_touchpoint(actor, journey_map, b, onto=a)
    ops.ungroup_touchpoint(actor, journey_map, b)
    assert order(stages[0])[:2] == [("A", "Group 1"), ("B", None)]


def test_a_note_taken_out_of_the_middle_of_a_stack_goes_under_it_not_splitting_it(
    journey_map, actor, stages, notes
):
    a, b, c, d, e = notes  # noqa: RUF059 (the five notes by name)
    for note in (b, c):
        ops.stack_touchpoint(actor, journey_map, note, onto=a)  # A, B, C stacked
    ops.ungroup_touchpoint(actor, journey_map, b)
    assert order(stages[0]) == [("A", "Group 1"), ("C", "Group 1"), ("B", None), ("D", None)]


def test_ungrouping_needs_a_grouped_note_and_a_whole_place(journey_map, actor, stages, notes):
    a, b, *_ = notes
    with pytest.raises(OperationError) as lonely:
        ops.ungroup_touchpoint(actor, journey_map, a)
    assert lonely.value.code == "invalid"
    ops.stack_touchpoint(actor, journey_map, b, onto=a)
    with pytest.raises(OperationError) as half:
        ops.ungroup_touchpoint(actor, journey_map, b, stage=stages[1])
    assert half.value.code == "invalid"
    assert Touchpoint.objects.get(pk=b).group_id is not None


# --- group.move ------------------------------------------------------------------------------


def test_a_moved_stack_travels_whole_and_in_order(journey_map, actor, stages, notes):
    a, b, c, d, e = notes  # noqa: RUF059 (the five notes by name)
    ops.stack_touchpoint(actor, journey_map, c, onto=a)  # A, C stacked
    group = Touchpoint.objects.get(pk=a).group_id
    before = revision(journey_map)
    ack = ops.move_group(actor, journey_map, group, stage=stages[1], index=0)
    assert order(stages[1]) == [("A", "Group 1"), ("C", "Group 1"), ("E", None)]
    assert order(stages[0]) == [("B", None), ("D", None)]
    assert new_events(journey_map, before) == ["touchpoint.moved", "touchpoint.moved"]
    assert ack.payload["id"] == c


def test_a_stack_moves_within_its_own_stage(journey_map, actor, stages, notes):
    a, b, c, d, e = notes  # noqa: RUF059 (the five notes by name)
    ops.stack_touchpoint(actor, journey_map, b, onto=a)
    group = Touchpoint.objects.get(pk=a).group_id
    ops.move_group(actor, journey_map, group, stage=stages[0], index=2)  # after C and D
    assert order(stages[0]) == [("C", None), ("D", None), ("A", "Group 1"), ("B", "Group 1")]


def test_moving_a_stack_refuses_other_maps_and_empty_groups(journey_map, actor, stages, notes):
    empty = ops.add_group(actor, journey_map, name="Empty").payload["group"]["id"]
    other = ops.create_map(actor, title="Other", stage_names=["Elsewhere"])
    before = revision(journey_map)
    with pytest.raises(OperationError) as nothing:
        ops.move_group(actor, journey_map, empty, stage=stages[0], index=0)
    assert nothing.value.code == "invalid"
    ops.stack_touchpoint(actor, journey_map, notes[1], onto=notes[0])
    group = Touchpoint.objects.get(pk=notes[0]).group_id
    after_stack = revision(journey_map)
    assert after_stack > before
    with pytest.raises(OperationError) as foreign:
        ops.move_group(actor, journey_map, group, stage=other.stages.get().pk, index=0)
    assert foreign.value.code == "not_found"
    assert revision(journey_map) == after_stack


def test_a_stack_moved_again_and_again_to_one_spot_respaces_its_stage(
    journey_map, actor, stages, notes
):
    a, b, c, d, e = notes  # noqa: RUF059 (the five notes by name)
    ops.stack_touchpoint(actor, journey_map, b, onto=a)
    group = Touchpoint.objects.get(pk=a).group_id
    for turn in range(200):
        ops.move_group(actor, journey_map, group, stage=stages[0], index=turn % 2)
    keys = Touchpoint.objects.filter(map=journey_map).values_list("position", flat=True)
    assert max(len(key) for key in keys) <= 32
    assert [text for text, _ in order(stages[0])] in (["A", "B", "C", "D"], ["C", "A", "B", "D"])


# --- hostile group names (rename in place) ----------------------------------------------------

HOSTILE_NAMES = [
    "<img src=x onerror=alert(1)>",
    "\u202egnp.exe",
    "Zero\u200bwidth\ufeff",
    "مرحبا بالعالم",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_hostile_group_name_is_kept_as_typed_and_rendered_as_text(
    journey_map, actor, stages, notes, name
):
    a, b, *_ = notes
    ops.stack_touchpoint(actor, journey_map, b, onto=a)
    group = Touchpoint.objects.get(pk=a).group_id
    ops.rename_group(actor, journey_map, group, name=name)
    assert TouchpointGroup.objects.get(pk=group).name == name
    stage_notes = list(
        Touchpoint.objects.filter(stage_id=stages[0]).select_related("group").order_by("position")
    )
    html = note_items(stage_notes, heat={})
    assert "<img" not in html
    assert f'data-stack-head="{group}"' in html


def test_a_group_name_of_10000_characters_is_refused_and_nothing_changes(journey_map, actor, notes):
    ops.stack_touchpoint(actor, journey_map, notes[1], onto=notes[0])
    group = Touchpoint.objects.get(pk=notes[0]).group_id
    before = revision(journey_map)
    with pytest.raises(OperationError) as long:
        ops.rename_group(actor, journey_map, group, name="x" * 10_000)
    assert (long.value.code, long.value.details.get("field")) == ("too_long", "name")
    with pytest.raises(OperationError) as blank:
        ops.rename_group(actor, journey_map, group, name="\u200b ")
    assert blank.value.code == "invalid"
    assert revision(journey_map) == before
    assert TouchpointGroup.objects.get(pk=group).name == "Group 1"


# --- the board's stacks -----------------------------------------------------------------------


def test_the_board_renders_one_head_per_run_with_its_name_and_count(
    journey_map, actor, stages, notes
):
    a, b, c, d, e = notes  # noqa: RUF059 (the five notes by name)
    ops.stack_touchpoint(actor, journey_map, b, onto=a)
    ops.stack_touchpoint(actor, journey_map, c, onto=a)
    stage_notes = list(
        Touchpoint.objects.filter(stage_id=stages[0]).select_related("group").order_by("position")
    )
    html = note_items(stage_notes, heat={})
    group = stage_notes[0].group_id
    assert html.count("data-stack-head=") == 1
    head = html.index(f'data-stack-head="{group}"')
    assert head < html.index(f'data-touchpoint="{a}"')
    assert '<span class="stack-count" data-field="count">3</span>' in html
    assert '<span class="stack-name" data-field="name">Group 1</span>' in html


# --- the map page's drag endpoint ----------------------------------------------------------


def post(client, journey_map, data):
    return client.post(reverse("board_operate", args=[journey_map.pk]), data, **HTMX)


@pytest.mark.parametrize("member", ["owner", "editor"])
def test_editors_drag_on_the_map_page_in_any_state(
    client, request, journey_map, stages, notes, member
):
    client.force_login(request.getfixturevalue(member))
    a, b, c, d, e = notes  # noqa: RUF059 (the five notes by name)
    response = post(client, journey_map, {"type": "touchpoint.stack", "touchpoint": d, "onto": a})
    assert response.status_code == 200
    assert order(stages[0])[:2] == [("A", "Group 1"), ("D", "Group 1")]
    assert b'data-stack-head="' in response.content
    response = post(
        client,
        journey_map,
        {"type": "touchpoint.move", "touchpoint": b, "stage": stages[1], "index": 0},
    )
    assert response.status_code == 200
    assert order(stages[1]) == [("B", None), ("E", None)]


def test_viewers_and_outsiders_cannot_drag_on_the_map_page(
    client, journey_map, stages, notes, viewer, outsider
):
    a, b, *_ = notes
    before = revision(journey_map)
    data = {"type": "touchpoint.stack", "touchpoint": b, "onto": a}
    client.force_login(viewer)
    assert post(client, journey_map, data).status_code == 403
    client.force_login(outsider)
    assert post(client, journey_map, data).status_code == 404
    # An outsider learns nothing from a name the endpoint does not run either.
    assert post(client, journey_map, {"type": "stage.delete"}).status_code == 404
    assert revision(journey_map) == before


def test_only_the_boards_drag_operations_run_through_the_endpoint(
    client, journey_map, stages, notes, owner
):
    client.force_login(owner)
    before = revision(journey_map)
    response = post(client, journey_map, {"type": "stage.delete", "stage": stages[0]})
    assert response.status_code == 422
    assert b"not something the board can do" in response.content
    assert revision(journey_map) == before


# --- naming groups (group.add, group.rename, touchpoint.group) -----------------------------


def test_a_group_cannot_take_another_groups_name_but_may_keep_its_own(journey_map, actor, notes):
    ops.add_group(actor, journey_map, name="Waiting", touchpoints=[notes[0]])
    event = ops.add_group(actor, journey_map, name="Paying", touchpoints=[notes[1]])
    paying = event.payload["group"]["id"]
    for attempt in (
        lambda: ops.rename_group(actor, journey_map, paying, name="Waiting"),
        lambda: ops.add_group(actor, journey_map, name="Waiting", touchpoints=[notes[2]]),
    ):
        with pytest.raises(OperationError) as refused:
            attempt()
        assert refused.value.code == "duplicate"
        assert refused.value.message == "There is already a group called 'Waiting'."
    assert sorted(TouchpointGroup.objects.values_list("name", flat=True)) == ["Paying", "Waiting"]
    # Saving a group under the name it has (a rename form sent unchanged) is no clash.
    ops.rename_group(actor, journey_map, paying, name="Paying")
    ops.rename_group(actor, journey_map, paying, name="Paying online")
    assert TouchpointGroup.objects.get(pk=paying).name == "Paying online"


@pytest.mark.parametrize(
    "operation",
    [
        lambda actor, m, notes, name: ops.add_group(actor, m, name=name, touchpoints=[notes[0]]),
        lambda actor, m, notes, name: ops.group_touchpoint(actor, m, notes[0], name=name),
        lambda actor, m, notes, name: ops.rename_group(
            actor,
            m,
            ops.add_group(actor, m, name="G", touchpoints=[notes[1]]).payload["group"]["id"],
            name=name,
        ),
    ],
)
def test_a_bad_group_name_is_refused_naming_the_field_and_the_thing(
    journey_map, actor, notes, operation
):
    # The client marks the form field the error names; the person reads what was wrong.
    with pytest.raises(OperationError) as refused:
        operation(actor, journey_map, notes, "x" * 10_000)
    assert refused.value.code == "too_long"
    assert refused.value.details["field"] == "name"
    assert refused.value.message.startswith("group name ")


def test_naming_a_notes_group_makes_or_joins_it_and_a_resend_applies_once(
    journey_map, actor, stages, notes
):
    a, b, *_ = notes
    made = ops.group_touchpoint(actor, journey_map, a, name="Waiting", op_id="name-1")
    assert (made.type, made.op_id) == ("group.added", "name-1")
    joined = ops.group_touchpoint(actor, journey_map, b, name="Waiting", op_id="name-2")
    assert (joined.type, joined.op_id) == ("touchpoint.updated", "name-2")
    assert Touchpoint.objects.get(pk=b).group.name == "Waiting"
    out = ops.group_touchpoint(actor, journey_map, b, name="", op_id="name-3")
    assert out.op_id == "name-3" and Touchpoint.objects.get(pk=b).group is None


def test_an_edit_puts_a_note_into_a_group_of_its_map_or_takes_it_out(journey_map, actor, notes):
    a, b, *_ = notes
    group = ops.add_group(actor, journey_map, name="Waiting", touchpoints=[a]).payload["group"]
    ops.update_touchpoint(actor, journey_map, b, group=group["id"])
    assert Touchpoint.objects.get(pk=b).group_id == group["id"]
    for out in ("", None):
        ops.update_touchpoint(actor, journey_map, b, group=group["id"])
        ops.update_touchpoint(actor, journey_map, b, group=out)
        assert Touchpoint.objects.get(pk=b).group_id is None
    with pytest.raises(OperationError) as refused:
        ops.update_touchpoint(actor, journey_map, b, group=group["id"] + 1000)
    assert (refused.value.code, refused.value.message) == (
        "not_found",
        "That group is not on this map.",
    )
    with pytest.raises(OperationError) as refused:
        ops.update_touchpoint(actor, journey_map, b, group="Waiting")
    assert (refused.value.code, refused.value.details["field"]) == ("invalid", "group")
