"""Stacks on the live board, in two Chromium contexts (issue 17, "Grouping"): one person drops a
note onto another, renames the stack in place, drags a note out, moves the whole stack; the
other sees each at once, and the database agrees. The same by keyboard alone. And the map
page's mouse drag, which goes through the same modules and operations."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from maps import operations as ops
from maps.models import JourneyMap, Touchpoint, TouchpointGroup
from tests.e2e.conftest import assert_fits_the_screen, log_in, publish_screenshot, screenshot
from workshops.facilitation import set_phase
from workshops.operations import open_workshop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DISCOVERY_NOTES = ("Searches online for safe cars", "Books a test drive", "Reads owner reviews")


@pytest.fixture
def room(make_user):
    """A facilitator, a map of three stages with notes, a workshop in its Group phase."""
    facilitator = make_user("fran")
    actor = ops.Actor.for_user(facilitator)
    journey_map = ops.create_map(
        actor, title="Family car", stage_names=["Discovery", "Comparing", "Purchase"]
    )
    stages = list(journey_map.stages.order_by("position"))
    for text in DISCOVERY_NOTES:
        ops.add_touchpoint(actor, journey_map, stage=stages[0].pk, text=text)
    ops.add_touchpoint(actor, journey_map, stage=stages[1].pk, text="Compares prices")
    workshop = open_workshop(facilitator, journey_map, title="Dealership review")
    set_phase(workshop, "group")
    return {"workshop": workshop, "stages": stages, "map": journey_map}


def open_as_facilitator(new_page, server, room, viewport=None):
    page = new_page(viewport)
    log_in(page, server, "fran")
    page.goto(f"{server}/w/{room['workshop'].join_code}/")
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    return page


def join_as_guest(new_page, server, room, name="Sam", viewport=None):
    page = new_page(viewport)
    page.goto(f"{server}/join/")
    page.get_by_label("Workshop code").fill(room["workshop"].join_code.lower())
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Your name, as others will see it").fill(name)
    page.get_by_role("button", name="Join").click()
    page.wait_for_url(re.compile(rf"/w/{room['workshop'].join_code}/$"))
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    return page


def note(page, text):
    return page.locator("li[data-touchpoint]", has_text=text)


def stage_notes(page, stage):
    return page.locator(f'ol[data-stage-notes="{stage.pk}"]')


def head(page, stage=None):
    scope = stage_notes(page, stage) if stage is not None else page.locator("#board")
    return scope.locator("li[data-stack-head]")


def groups_of(*texts: str) -> set:
    return {Touchpoint.objects.get(text=text).group_id for text in texts}


def order(stage) -> list[str]:
    rows = Touchpoint.objects.filter(stage=stage).order_by("position", "id")
    return list(rows.values_list("text", flat=True))


def drop_onto(page, dragged: str, target: str) -> None:
    """Drag a note with the mouse and let go over the middle of another."""
    note(page, dragged).drag_to(note(page, target))


def test_a_note_dropped_onto_another_makes_a_stack_both_screens_see(server, new_page, room):
    sam = join_as_guest(new_page, server, room)
    fran = open_as_facilitator(new_page, server, room)
    discovery = room["stages"][0]

    drop_onto(sam, "Reads owner reviews", "Searches online for safe cars")

    for page in (sam, fran):
        stack = head(page, discovery)
        expect(stack).to_have_count(1)
        expect(stack.locator('[data-field="name"]')).to_have_text("Group 1")
        expect(stack.locator('[data-field="count"]')).to_have_text("2")
        # The stack's notes are together under its head, the dropped one at its bottom.
        expect(stage_notes(page, discovery).locator("> li")).to_have_count(4)
        texts = stage_notes(page, discovery).locator("> li[data-touchpoint] [data-field=text]")
        expect(texts).to_have_text(
            ["Searches online for safe cars", "Reads owner reviews", "Books a test drive"]
        )
    (group,) = groups_of("Searches online for safe cars", "Reads owner reviews")
    assert group is not None
    assert Touchpoint.objects.get(text="Books a test drive").group_id is None
    assert order(discovery)[:2] == ["Searches online for safe cars", "Reads owner reviews"]

    # A third note dropped on the stack joins it.
    drop_onto(fran, "Compares prices", "Reads owner reviews")
    expect(head(sam, discovery).locator('[data-field="count"]')).to_have_text("3")
    assert groups_of("Searches online for safe cars", "Compares prices") == {group}
    screenshot(sam, "grouping-stack")


def test_a_stack_renamed_in_place_is_renamed_on_the_other_screen(server, new_page, room):
    sam = join_as_guest(new_page, server, room)
    fran = open_as_facilitator(new_page, server, room)
    drop_onto(sam, "Books a test drive", "Searches online for safe cars")
    expect(head(fran)).to_have_count(1)

    head(sam).dblclick()
    field = sam.get_by_label("Stack name (Enter saves, Escape cancels)")
    field.fill("Early research")
    field.press("Enter")
    expect(head(fran).locator('[data-field="name"]')).to_have_text("Early research")
    assert list(TouchpointGroup.objects.values_list("name", flat=True)) == ["Early research"]

    # Escape cancels: what was there stays, nothing is sent.
    head(sam).dblclick()
    field.fill("Never sent")
    field.press("Escape")
    expect(head(sam).locator('[data-field="name"]')).to_have_text("Early research")
    expect(field).to_have_count(0)
    assert list(TouchpointGroup.objects.values_list("name", flat=True)) == ["Early research"]

    # Leaving the field saves what was typed (nothing typed is lost).
    head(sam).dblclick()
    field.fill("Research")
    sam.locator("#board .board-bar").click()
    expect(head(fran).locator('[data-field="name"]')).to_have_text("Research")

    # A refused name (another stack has it) opens again with what was typed, and says why.
    comparing = room["stages"][1]
    drop_onto(sam, "Reads owner reviews", "Compares prices")
    expect(head(fran, comparing).locator('[data-field="name"]')).to_have_text("Group 1")
    head(sam, comparing).dblclick()
    field.fill("Research")
    field.press("Enter")
    expect(sam.locator("#live-message")).to_contain_text("There is already a group called")
    expect(field).to_have_value("Research")
    expect(field).to_be_focused()
    field.fill("Test drives")
    field.press("Enter")
    expect(head(fran, comparing).locator('[data-field="name"]')).to_have_text("Test drives")
    assert sorted(TouchpointGroup.objects.values_list("name", flat=True)) == [
        "Research",
        "Test drives",
    ]


def test_a_note_dragged_out_of_its_stack_leaves_it_and_the_stack_moves_whole(
    server, new_page, room
):
    sam = join_as_guest(new_page, server, room)
    fran = open_as_facilitator(new_page, server, room)
    discovery, comparing, purchase = room["stages"]
    drop_onto(sam, "Books a test drive", "Searches online for safe cars")
    drop_onto(sam, "Reads owner reviews", "Searches online for safe cars")
    expect(head(fran, discovery).locator('[data-field="count"]')).to_have_text("3")

    # Out: dropped at the foot of another stage.
    comparing_list = stage_notes(sam, comparing)
    box = comparing_list.bounding_box()
    note(sam, "Books a test drive").drag_to(
        comparing_list, target_position={"x": box["width"] / 2, "y": box["height"] - 4}
    )
    expect(stage_notes(fran, comparing)).to_contain_text("Books a test drive")
    expect(head(fran, discovery).locator('[data-field="count"]')).to_have_text("2")
    expect(note(fran, "Books a test drive")).not_to_have_attribute("data-group", re.compile(".*"))
    assert Touchpoint.objects.get(text="Books a test drive").group_id is None
    assert order(comparing) == ["Compares prices", "Books a test drive"]

    # The whole stack, by its head, to the top of Purchase.
    head(sam, discovery).drag_to(stage_notes(sam, purchase))
    for page in (sam, fran):
        expect(head(page, purchase)).to_have_count(1)
        expect(head(page, discovery)).to_have_count(0)
        expect(stage_notes(page, purchase)).to_contain_text("Searches online for safe cars")
        expect(stage_notes(page, purchase)).to_contain_text("Reads owner reviews")
    assert order(purchase) == ["Searches online for safe cars", "Reads owner reviews"]
    assert order(discovery) == []


def test_grouping_by_keyboard_alone(server, new_page, room):
    sam = join_as_guest(new_page, server, room)
    fran = open_as_facilitator(new_page, server, room)
    discovery, comparing, _ = room["stages"]
    message = sam.locator("#live-message")

    # G on a note, then arrows choose the note to stack onto, Enter stacks.
    note(sam, "Reads owner reviews").focus()
    sam.keyboard.press("g")
    expect(note(sam, "Books a test drive")).to_have_class(re.compile("drop-onto"))
    expect(message).to_contain_text("Stack onto “Books a test drive”")
    sam.keyboard.press("ArrowUp")
    expect(note(sam, "Searches online for safe cars")).to_have_class(re.compile("drop-onto"))
    sam.keyboard.press("Enter")
    expect(head(fran, discovery).locator('[data-field="count"]')).to_have_text("2")
    assert len(groups_of("Searches online for safe cars", "Reads owner reviews")) == 1

    # F2 on the stack's head renames it.
    head(sam, discovery).focus()
    sam.keyboard.press("F2")
    sam.keyboard.press("Control+a")
    sam.keyboard.type("Online first")
    sam.keyboard.press("Enter")
    expect(head(fran, discovery).locator('[data-field="name"]')).to_have_text("Online first")

    # Alt + ArrowRight on the head moves the whole stack to the next stage; focus follows it.
    head(sam, discovery).focus()
    sam.keyboard.press("Alt+ArrowRight")
    expect(head(fran, comparing)).to_have_count(1)
    expect(head(sam, comparing)).to_be_focused()
    expect(stage_notes(fran, comparing)).to_contain_text("Reads owner reviews")
    assert order(comparing)[:2] == ["Searches online for safe cars", "Reads owner reviews"]

    # Alt + ArrowDown: one place down, under the stage's next note.
    sam.keyboard.press("Alt+ArrowDown")
    expect(
        stage_notes(fran, comparing).locator("> li[data-touchpoint] [data-field=text]")
    ).to_have_text(["Compares prices", "Searches online for safe cars", "Reads owner reviews"])
    expect(head(sam, comparing)).to_be_focused()
    assert order(comparing) == [
        "Compares prices",
        "Searches online for safe cars",
        "Reads owner reviews",
    ]

    # U on a stacked note takes it out.
    note(sam, "Reads owner reviews").focus()
    sam.keyboard.press("u")
    expect(head(fran, comparing).locator('[data-field="count"]')).to_have_text("1")
    assert Touchpoint.objects.get(text="Reads owner reviews").group_id is None


def test_outside_the_group_phase_a_participants_drop_is_a_move_not_a_stack(server, new_page, room):
    set_phase(room["workshop"], "gather")
    sam = join_as_guest(new_page, server, room)
    discovery = room["stages"][0]
    before = JourneyMap.objects.get(pk=room["map"].pk).revision
    note(sam, "Reads owner reviews").focus()
    sam.keyboard.press("g")  # no picking outside the Group phase
    expect(sam.locator(".drop-onto")).to_have_count(0)
    drop_onto(sam, "Reads owner reviews", "Searches online for safe cars")
    expect(head(sam, discovery)).to_have_count(0)
    assert not TouchpointGroup.objects.exists()
    assert JourneyMap.objects.get(pk=room["map"].pk).revision <= before + 1  # a move, at most


# --- the map page -----------------------------------------------------------------------------


def test_mouse_drag_on_the_map_page_moves_and_stacks_and_survives_a_reload(server, new_page, room):
    discovery, comparing, _ = room["stages"]
    page = new_page()
    log_in(page, server, "fran")
    page.goto(f"{server}/maps/{room['map'].pk}/")

    posted = re.compile(r"/board/operate/$")

    # Between stages: to the top of Comparing.
    first = note(page, "Compares prices")
    box = first.bounding_box()
    with page.expect_response(posted):
        note(page, "Books a test drive").drag_to(
            first, target_position={"x": box["width"] / 2, "y": 3}
        )
    assert order(comparing) == ["Books a test drive", "Compares prices"]

    # Onto a note: a stack, named in place.
    with page.expect_response(posted):
        note(page, "Reads owner reviews").drag_to(note(page, "Searches online for safe cars"))
    expect(head(page, discovery).locator('[data-field="count"]')).to_have_text("2")
    head(page, discovery).dblclick()
    field = page.get_by_label("Stack name (Enter saves, Escape cancels)")
    field.fill("Research")
    with page.expect_response(posted):
        field.press("Enter")

    page.reload()
    expect(
        stage_notes(page, comparing).locator("li[data-touchpoint] [data-field=text]")
    ).to_have_text(["Books a test drive", "Compares prices"])
    expect(head(page, discovery).locator('[data-field="name"]')).to_have_text("Research")
    assert order(discovery) == ["Searches online for safe cars", "Reads owner reviews"]
    assert TouchpointGroup.objects.get().name == "Research"
    screenshot(page, "grouping-map-page")


# --- what people see ---------------------------------------------------------------------------

SIZES = {"desktop": (1440, 900), "laptop": (1280, 720), "phone": (390, 844)}


@pytest.fixture
def grouped_room(room):
    """The room with two stacks: a named one of three in Discovery and one of two in Comparing."""
    actor = ops.Actor.for_user(room["workshop"].map.memberships.get().user)
    journey_map = room["map"]
    discovery, comparing, purchase = room["stages"]
    ids = dict(Touchpoint.objects.values_list("text", "id"))
    ops.stack_touchpoint(
        actor, journey_map, ids["Reads owner reviews"], onto=ids["Searches online for safe cars"]
    )
    ops.stack_touchpoint(
        actor, journey_map, ids["Books a test drive"], onto=ids["Searches online for safe cars"]
    )
    group = Touchpoint.objects.get(pk=ids["Searches online for safe cars"]).group_id
    ops.rename_group(actor, journey_map, group, name="Research before the showroom")
    ops.add_touchpoint(actor, journey_map, stage=discovery.pk, text="Sees an ad on a bus")
    for text in ("Asks friends which car", "Checks the boot size"):
        made = ops.add_touchpoint(actor, journey_map, stage=comparing.pk, text=text)
        ops.stack_touchpoint(
            actor, journey_map, made.payload["touchpoint"]["id"], onto=ids["Compares prices"]
        )
    ops.add_touchpoint(actor, journey_map, stage=purchase.pk, text="Signs the papers")
    return room


@pytest.mark.parametrize("size", SIZES)
def test_stacks_look_like_a_board_at_every_size(server, new_page, grouped_room, size):
    width, height = SIZES[size]
    phone = size == "phone"
    sam = (
        join_as_guest(new_page, server, grouped_room, viewport={"width": width, "height": height})
        if not phone
        else None
    )
    if phone:
        page = new_page({"width": width, "height": height}, has_touch=True, is_mobile=True)
        page.goto(f"{server}/join/")
        page.get_by_label("Workshop code").fill(grouped_room["workshop"].join_code.lower())
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("Your name, as others will see it").fill("Sam")
        page.get_by_role("button", name="Join").click()
        expect(page.locator("#connection")).to_have_attribute("data-state", "online")
        sam = page
    discovery = grouped_room["stages"][0]
    stack = head(sam, discovery)
    expect(stack.locator('[data-field="name"]')).to_have_text("Research before the showroom")
    expect(stack.locator('[data-field="count"]')).to_have_text("3")
    assert_fits_the_screen(sam)
    if phone:
        assert stack.bounding_box()["height"] >= 44
    path = screenshot(sam, f"grouping-{size}")
    if size == "desktop":  # the README's
        publish_screenshot(path, "grouping-desktop.png")


def test_on_a_phone_the_notes_menu_stacks_and_unstacks(server, new_page, grouped_room):
    page = new_page({"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    page.goto(f"{server}/join/")
    page.get_by_label("Workshop code").fill(grouped_room["workshop"].join_code.lower())
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Your name, as others will see it").fill("Sam")
    page.get_by_role("button", name="Join").click()
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    discovery = grouped_room["stages"][0]

    note(page, "Sees an ad on a bus").locator("[data-note-menu]").click()
    sheet = page.locator("#note-sheet")
    expect(sheet.get_by_label("Move to stack…")).to_be_visible()
    sheet.get_by_label("Move to stack…").select_option(label="Stack “Research before the showroom”")
    publish_screenshot(screenshot(page, "grouping-phone-sheet"), "grouping-phone-sheet.png")
    sheet.get_by_role("button", name="Stack", exact=True).click()
    expect(head(page, discovery).locator('[data-field="count"]')).to_have_text("4")
    assert len(groups_of("Sees an ad on a bus", "Searches online for safe cars")) == 1

    note(page, "Books a test drive").locator("[data-note-menu]").click()
    sheet.get_by_role("button", name="Take out of its stack").click()
    # Out of the middle of the stack: it goes under the stack, which stays one.
    expect(head(page, discovery).locator('[data-field="count"]')).to_have_text("3")
    assert Touchpoint.objects.get(text="Books a test drive").group_id is None
    assert order(discovery) == [
        "Searches online for safe cars",
        "Reads owner reviews",
        "Sees an ad on a bus",
        "Books a test drive",
    ]


@pytest.mark.parametrize("size", SIZES)
def test_the_map_pages_stacks_at_every_size(server, new_page, grouped_room, size):
    width, height = SIZES[size]
    phone = size == "phone"
    page = new_page({"width": width, "height": height}, has_touch=phone, is_mobile=phone)
    log_in(page, server, "fran")
    page.goto(f"{server}/maps/{grouped_room['map'].pk}/")
    stack = head(page, grouped_room["stages"][0])
    expect(stack.locator('[data-field="name"]')).to_have_text("Research before the showroom")
    expect(stack.locator('[data-field="count"]')).to_have_text("3")
    assert_fits_the_screen(page)
    if phone:
        assert stack.bounding_box()["height"] >= 44
    screenshot(page, f"grouping-map-{size}")


def test_on_the_map_page_a_refused_name_opens_again_with_what_was_typed(
    server, new_page, grouped_room
):
    comparing = grouped_room["stages"][1]
    page = new_page()
    log_in(page, server, "fran")
    page.goto(f"{server}/maps/{grouped_room['map'].pk}/")
    head(page, comparing).focus()
    page.keyboard.press("F2")
    field = page.get_by_label("Stack name (Enter saves, Escape cancels)")
    field.fill("Research before the showroom")  # the other stack's name
    with page.expect_response(re.compile(r"/board/operate/$")):
        field.press("Enter")
    expect(page.locator("#board-status")).to_contain_text("There is already a group called")
    expect(field).to_have_value("Research before the showroom")
    expect(field).to_be_focused()
    assert sorted(TouchpointGroup.objects.values_list("name", flat=True)) == [
        "Group 1",
        "Research before the showroom",
    ]


def test_in_the_vote_phase_a_stacks_notes_take_votes_as_any_note(server, new_page, grouped_room):
    from workshops.models import Vote

    set_phase(grouped_room["workshop"], "vote")
    sam = join_as_guest(new_page, server, grouped_room)
    discovery = grouped_room["stages"][0]
    expect(head(sam, discovery).locator('[data-field="count"]')).to_have_text("3")
    stacked = note(sam, "Reads owner reviews")
    expect(stacked).to_have_attribute("data-stack", "in")
    stacked.get_by_role("button", name="Pain", exact=True).click()
    expect(stacked.get_by_role("button", name="Pain", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    (vote,) = Vote.objects.all()
    assert vote.touchpoint.text == "Reads owner reviews" and vote.tag == "pain"
