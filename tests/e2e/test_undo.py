"""Undo, history and versions in the browser (issue 18): a note deleted on the live board comes
back with Ctrl+Z on both screens (and goes again with Ctrl+Shift+Z); Ctrl+Z in a note being
edited stays the text field's; the map page's Undo button; a version restored from the
versions page reaches an open live board; the history panel. Screenshots of the history panel
and the versions page at three sizes (UPDATE_SCREENSHOTS=1 copies them to docs/screenshots/)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from maps import operations as ops
from maps.models import Touchpoint
from tests.e2e.conftest import assert_fits_the_screen, log_in, publish_screenshot, screenshot
from tests.e2e.test_accessibility import assert_accessible
from tests.e2e.test_live import join_as_guest, open_as_facilitator, stage_notes
from workshops.operations import open_workshop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SIZES = {"1440": (1440, 900), "1280": (1280, 720), "390": (390, 844)}


@pytest.fixture
def room(make_user):
    """As tests/e2e/test_live.py's: a facilitator, a map with two notes, an open workshop."""
    facilitator = make_user("fran")
    actor = ops.Actor.for_user(facilitator)
    journey_map = ops.create_map(
        actor, title="Family car", stage_names=["Discovery", "Comparing", "Purchase"]
    )
    stages = list(journey_map.stages.order_by("position"))
    for text in ("Searches online for safe cars", "Books a test drive"):
        ops.add_touchpoint(actor, journey_map, stage=stages[0].pk, text=text)
    workshop = open_workshop(facilitator, journey_map, title="Dealership review")
    return {"workshop": workshop, "stages": stages, "map": journey_map}


def test_ctrl_z_brings_a_deleted_note_back_on_both_screens(server, new_page, room):
    fran = open_as_facilitator(new_page, server, room)
    sam = join_as_guest(new_page, server, room)
    discovery = room["stages"][0]
    undo = sam.locator('#board [data-undo="undo"]')
    expect(undo).to_have_attribute("aria-disabled", "true")
    expect(undo).to_have_attribute("title", "Nothing of yours to undo")

    sam.on("dialog", lambda dialog: dialog.accept())  # "Delete the note …?"
    sam.locator("li[data-touchpoint]", has_text="Books a test drive").focus()
    sam.keyboard.press("Delete")
    expect(stage_notes(fran, discovery)).not_to_contain_text("Books a test drive")
    expect(undo).not_to_have_attribute("aria-disabled", "true")

    sam.locator("body").click(position={"x": 5, "y": 5})  # focus on no text field
    sam.keyboard.press("Control+z")
    expect(stage_notes(sam, discovery)).to_contain_text("Books a test drive")
    expect(stage_notes(fran, discovery)).to_contain_text("Books a test drive")
    assert Touchpoint.objects.filter(text="Books a test drive").count() == 1
    redo = sam.locator('#board [data-undo="redo"]')
    expect(redo).to_have_attribute("title", "Redo: deleted “Books a test drive” (Ctrl+Shift+Z)")
    screenshot(sam, "undo-live-after-ctrl-z")

    sam.keyboard.press("Control+Shift+z")
    expect(stage_notes(fran, discovery)).not_to_contain_text("Books a test drive")
    # The stack is the server's: a reload still knows what Undo would do.
    sam.reload()
    expect(sam.locator('#board [data-undo="undo"]')).to_have_attribute(
        "title", "Undo: deleted “Books a test drive” (Ctrl+Z)"
    )
    sam.locator('#board [data-undo="undo"]').click()
    expect(stage_notes(fran, discovery)).to_contain_text("Books a test drive")


def test_ctrl_z_while_typing_a_note_is_the_text_fields_own(server, new_page, room):
    sam = join_as_guest(new_page, server, room)
    comparing = room["stages"][1]
    sam.get_by_label("New note in Comparing").fill("Asks about APR")
    sam.get_by_label("New note in Comparing").press("Enter")
    expect(stage_notes(sam, comparing)).to_contain_text("Asks about APR")
    field = sam.get_by_label("New note in Comparing")
    field.fill("Half typed")
    field.press("Control+z")  # the field's undo, not the board's
    sam.wait_for_timeout(500)
    expect(stage_notes(sam, comparing)).to_contain_text("Asks about APR")
    assert Touchpoint.objects.filter(text="Asks about APR").exists()


def test_the_map_pages_undo_button(server, new_page, room):
    page = new_page()
    log_in(page, server, "fran")
    page.goto(f"{server}/maps/{room['map'].pk}/")
    page.get_by_label("New note in Purchase").fill("Signs the papers")
    page.get_by_label("New note in Purchase").press("Enter")
    expect(page.locator("#board")).to_contain_text("Signs the papers")
    page.locator('#board [data-undo="undo"]').click()
    expect(page.locator("#board")).not_to_contain_text("Signs the papers")
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("Control+Shift+z")
    expect(page.locator("#board")).to_contain_text("Signs the papers")


def test_a_version_restored_in_the_browser_reaches_the_live_board(server, new_page, room):
    fran_map = new_page()
    log_in(fran_map, server, "fran")
    # The workshop's opening kept a version; name another one by hand.
    fran_map.goto(f"{server}/maps/{room['map'].pk}/versions/")
    fran_map.get_by_label("Keep the map as it is now, named").fill("Before the workshop")
    fran_map.get_by_role("button", name="Keep this version").click()
    expect(fran_map.locator("[data-versions]")).to_contain_text("Before the workshop")

    sam = join_as_guest(new_page, server, room)
    comparing = room["stages"][1]
    sam.get_by_label("New note in Comparing").fill("Added in the room")
    sam.get_by_label("New note in Comparing").press("Enter")
    expect(stage_notes(sam, comparing)).to_contain_text("Added in the room")

    fran_map.reload()
    version = fran_map.locator("li.version", has_text="Before the workshop").first
    version.get_by_role("button", name="Restore…").click()
    fran_map.get_by_role("button", name="Restore this version").click()
    fran_map.wait_for_url(f"{server}/maps/{room['map'].pk}/")
    expect(fran_map.locator(".messages")).to_contain_text(
        "The map is back to “Before the workshop”"
    )
    expect(stage_notes(sam, comparing)).not_to_contain_text("Added in the room")
    expect(fran_map.locator("#board")).not_to_contain_text("Added in the room")


def _history_room(room) -> None:
    actor = ops.Actor.for_user(room["workshop"].created_by)
    journey_map = room["map"]
    notes = list(journey_map.touchpoints.values_list("pk", flat=True))
    for note in notes:
        ops.move_touchpoint(actor, journey_map, note, stage=room["stages"][2].pk, index=0)
    ops.take_version(actor, journey_map, "Before the review")
    ops.add_touchpoint(actor, journey_map, stage=room["stages"][1].pk, text="Compares prices")
    ops.update_stage(actor, journey_map, room["stages"][1].pk, emotion_now=-1)


@pytest.mark.parametrize("size", sorted(SIZES))
def test_the_history_panel_and_the_versions_page_at_three_sizes(server, new_page, room, size):
    _history_room(room)
    width, height = SIZES[size]
    phone = width < 800
    # bypass_csp: axe-core goes in as an inline script (tests/e2e/test_accessibility.py).
    viewport = {"width": width, "height": height}
    page = new_page(viewport=viewport, has_touch=phone, is_mobile=phone, bypass_csp=True)
    log_in(page, server, "fran")
    page.goto(f"{server}/maps/{room['map'].pk}/history/")
    expect(page.locator("[data-history-line]").first).to_contain_text("fran")
    expect(page.locator("#history")).to_contain_text("moved 2 notes to Purchase")
    assert_fits_the_screen(page)
    shot = screenshot(page, f"history-{size}")
    publish_screenshot(shot, f"history-{size}.png")
    assert_accessible(page, f"the history page at {size}")

    page.goto(f"{server}/maps/{room['map'].pk}/")
    page.locator("[data-history-button]").click()
    expect(page.locator("#history-panel")).to_contain_text("moved 2 notes")
    shot = screenshot(page, f"history-panel-{size}")
    publish_screenshot(shot, f"history-panel-{size}.png")

    page.goto(f"{server}/maps/{room['map'].pk}/versions/")
    expect(page.locator("[data-versions]")).to_contain_text("Before the review")
    assert_fits_the_screen(page)
    shot = screenshot(page, f"versions-{size}")
    publish_screenshot(shot, f"versions-{size}.png")
    assert_accessible(page, f"the versions page at {size}")

    page.locator("li.version", has_text="Before the review").get_by_role(
        "link", name="Compare with now"
    ).click()
    expect(page.locator("table.compare")).to_contain_text("Compares prices")
    assert_fits_the_screen(page)
    shot = screenshot(page, f"version-compare-{size}")
    publish_screenshot(shot, f"version-compare-{size}.png")
    assert_accessible(page, f"a comparison of versions at {size}")


def test_a_notes_own_history_from_the_note_sheet(server, new_page, room):
    sam = join_as_guest(new_page, server, room)
    note = sam.locator("li[data-touchpoint]", has_text="Books a test drive")
    note.locator("[data-note-menu]").click()
    sheet = sam.locator("#note-sheet")
    sheet.get_by_text("History of this note").click()
    history = sheet.locator("[data-sheet-history-body]")
    expect(history.locator("[data-history-line]")).to_have_count(1)
    expect(history).to_contain_text("added “Books a test drive”")
