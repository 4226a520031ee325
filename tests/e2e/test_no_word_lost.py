"""Nothing typed on the live board is lost (issue 17), in two or three Chromium contexts: a text
conflict shows both texts and sends nothing until its loser chooses; controls the room does
not allow are disabled with the reason and change live; a refusal keeps the words; a note
added offline shows at once, pending, and arrives once."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from maps import operations as ops
from maps.models import Touchpoint
from tests.e2e.conftest import log_in, publish_screenshot, screenshot
from workshops.operations import open_workshop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SIZES = {
    "1440": {"width": 1440, "height": 900},
    "1280": {"width": 1280, "height": 720},
    "390": {"width": 390, "height": 844},
}
EDITOR = "Note text (Enter saves, Escape cancels)"
CONFLICT_EDITOR = "Your words (Save mine overwrites theirs)"

# Every frame the page sends, kept in window.sentFrames (parsed), to count what was sent.
RECORD_SENT = """
(() => {
  window.sentFrames = [];
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    try { window.sentFrames.push(JSON.parse(data)); } catch (e) { /* not JSON */ }
    return send.call(this, data);
  };
})();
"""


@pytest.fixture
def room(make_user):
    facilitator = make_user("fran")
    actor = ops.Actor.for_user(facilitator)
    journey_map = ops.create_map(actor, title="Family car", stage_names=["Discovery", "Purchase"])
    stages = list(journey_map.stages.order_by("position"))
    ops.add_touchpoint(actor, journey_map, stage=stages[0].pk, text="Books a test drive")
    workshop = open_workshop(facilitator, journey_map, title="Dealership review")
    return {"workshop": workshop, "stages": stages, "map": journey_map}


def online(page) -> None:
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")


def as_facilitator(new_page, server, room, **options):
    page = new_page(**options)
    page.add_init_script(RECORD_SENT)
    log_in(page, server, "fran")
    page.goto(f"{server}/w/{room['workshop'].join_code}/")
    online(page)
    return page


def as_guest(new_page, server, room, name: str, **options):
    page = new_page(**options)
    page.add_init_script(RECORD_SENT)
    code = room["workshop"].join_code
    page.goto(f"{server}/w/{code}/join/")
    page.get_by_label("Your name, as others will see it").fill(name)
    page.get_by_role("button", name="Join").click()
    page.wait_for_url(re.compile(rf"/w/{code}/$"))
    online(page)
    return page


def sent(page, type_: str) -> list[dict]:
    return [f for f in page.evaluate("window.sentFrames") if f.get("type") == type_]


def note_text(room) -> str:
    return Touchpoint.objects.get(map=room["map"]).text


# --- conflicts ----------------------------------------------------------------------------------


def test_a_conflict_keeps_the_first_savers_text_until_the_second_chooses_to_save(
    server, new_page, room
):
    fran = as_facilitator(new_page, server, room)
    sam = as_guest(new_page, server, room, "Sam")
    sams_note = sam.locator("li[data-touchpoint]", has_text="Books a test drive")
    sams_note.dblclick()  # Sam starts from version 1
    expect(sams_note.get_by_label(EDITOR)).to_be_focused()

    frans_note = fran.locator("li[data-touchpoint]", has_text="Books a test drive")
    frans_note.focus()
    fran.keyboard.press("Enter")
    frans_note.get_by_label(EDITOR).fill("Books a test drive online")
    frans_note.get_by_label(EDITOR).press("Enter")
    expect(fran.locator("li[data-touchpoint]", has_text="test drive online")).to_have_count(1)

    sams_note.get_by_label(EDITOR).fill("Books a test drive by phone")
    sams_note.get_by_label(EDITOR).press("Enter")

    # Both texts are on Sam's screen: Fran's, said to be hers, above Sam's own words.
    theirs = sams_note.locator(".edit-theirs")
    expect(theirs).to_contain_text("fran saved:")
    expect(theirs).to_contain_text("Books a test drive online")
    mine = sams_note.get_by_label(CONFLICT_EDITOR)
    expect(mine).to_have_value("Books a test drive by phone")
    expect(mine).to_be_focused()
    for size, viewport in SIZES.items():
        sam.set_viewport_size(viewport)
        path = screenshot(sam, f"conflict-editor-{size}")
        if size == "1440":
            publish_screenshot(path, "live-conflict.png")

    # Leaving the field is not a decision: nothing is sent, Fran's text stays everywhere.
    sam.locator("h1").click()
    sam.wait_for_timeout(800)
    assert len(sent(sam, "touchpoint.update")) == 1
    assert note_text(room) == "Books a test drive online"
    expect(fran.locator("li[data-touchpoint]")).to_have_text(re.compile("test drive online"))
    expect(mine).to_have_value("Books a test drive by phone")

    # Sam chooses: only now is the draft sent, and it replaces Fran's on both screens.
    sams_note.get_by_role("button", name="Save mine").click()
    expect(fran.locator("li[data-touchpoint]", has_text="by phone")).to_have_count(1)
    expect(sams_note.locator(".note-editor")).to_have_count(0)
    assert note_text(room) == "Books a test drive by phone"
    assert len(sent(sam, "touchpoint.update")) == 2


def test_keeping_theirs_after_a_conflict_sends_nothing(server, new_page, room):
    fran = as_facilitator(new_page, server, room)
    sam = as_guest(new_page, server, room, "Sam")
    sams_note = sam.locator("li[data-touchpoint]", has_text="Books a test drive")
    sams_note.dblclick()
    frans_note = fran.locator("li[data-touchpoint]", has_text="Books a test drive")
    frans_note.dblclick()
    frans_note.get_by_label(EDITOR).fill("Books online")
    frans_note.get_by_label(EDITOR).press("Enter")
    expect(sam.locator("li[data-touchpoint]", has_text="Books online")).to_have_count(1)
    sams_note = sam.locator("li[data-touchpoint]").first
    sams_note.get_by_label(EDITOR).fill("Phones the dealer")
    sams_note.get_by_label(EDITOR).press("Enter")
    sams_note.get_by_role("button", name="Keep theirs").click()

    expect(sams_note.locator(".note-editor")).to_have_count(0)
    expect(sams_note.locator('[data-field="text"]')).to_have_text("Books online")
    sam.wait_for_timeout(500)
    assert len(sent(sam, "touchpoint.update")) == 1
    assert note_text(room) == "Books online"


def test_saving_with_enter_then_leaving_the_note_sends_one_update_and_no_page_error(
    server, new_page, room
):
    sam = as_guest(new_page, server, room, "Sam")
    note = sam.locator("li[data-touchpoint]", has_text="Books a test drive")
    note.focus()
    sam.keyboard.press("Enter")
    editor = note.get_by_label(EDITOR)
    editor.fill("Books a test drive at the weekend")
    editor.press("Enter")
    # Focus goes on elsewhere: a blur after the save must not save (or remove) again.
    sam.get_by_label("New note in Purchase").click()
    expect(note.locator('[data-field="text"]')).to_have_text("Books a test drive at the weekend")
    sam.wait_for_timeout(500)
    updates = sent(sam, "touchpoint.update")
    assert len(updates) == 1, json.dumps(updates)
    assert Touchpoint.objects.get(map=room["map"]).version == 2


def test_a_note_moved_by_someone_else_while_being_edited_keeps_the_editor_and_the_words(
    server, new_page, room
):
    fran = as_facilitator(new_page, server, room)
    sam = as_guest(new_page, server, room, "Sam")
    purchase = room["stages"][1]
    sams_note = sam.locator("li[data-touchpoint]").first
    sams_note.dblclick()
    editor = sams_note.get_by_label(EDITOR)
    editor.fill("Books a test drive, then")

    fran.locator("li[data-touchpoint]").first.focus()
    fran.keyboard.press("Alt+ArrowRight")  # to Purchase: Sam's screen re-places the note
    moved = sam.locator(f'ol[data-stage-notes="{purchase.pk}"] li[data-touchpoint]')
    expect(moved).to_have_count(1)
    expect(moved.get_by_label(EDITOR)).to_be_focused()
    assert sent(sam, "touchpoint.update") == []

    sam.keyboard.type(" asks for a quote")
    sam.keyboard.press("Enter")
    expect(fran.locator("li[data-touchpoint]")).to_have_text(
        re.compile("Books a test drive, then asks for a quote")
    )
    assert len(sent(sam, "touchpoint.update")) == 1


def test_an_edit_queued_offline_is_not_resent_over_a_newer_text(server, new_page, room):
    """The outbox resends an unanswered edit after the reconnect with its old base version:
    the server refuses it as a conflict, and the editor reopens with the words; the text saved
    meanwhile stays until the offline editor chooses."""
    fran = as_facilitator(new_page, server, room)
    sam = as_guest(new_page, server, room, "Sam")
    sam.context.set_offline(True)
    expect(sam.locator("#connection")).to_have_attribute("data-state", "offline")
    sams_note = sam.locator("li[data-touchpoint]").first
    sams_note.dblclick()
    sams_note.get_by_label(EDITOR).fill("Written on the train")
    sams_note.get_by_label(EDITOR).press("Enter")

    frans_note = fran.locator("li[data-touchpoint]").first
    frans_note.dblclick()
    frans_note.get_by_label(EDITOR).fill("Written in the office")
    frans_note.get_by_label(EDITOR).press("Enter")
    expect(frans_note.locator('[data-field="text"]')).to_have_text("Written in the office")

    sam.context.set_offline(False)
    expect(sam.locator("#connection")).to_have_attribute("data-state", "online", timeout=20_000)
    expect(sams_note.locator(".edit-theirs")).to_contain_text("fran saved:")
    expect(sams_note.get_by_label(CONFLICT_EDITOR)).to_have_value("Written on the train")
    sam.wait_for_timeout(500)
    assert note_text(room) == "Written in the office"
    expect(frans_note.locator('[data-field="text"]')).to_have_text("Written in the office")


# --- controls the room does not allow -----------------------------------------------------------


def add_form(page, stage_name: str):
    return page.locator("form[data-add-note]").filter(
        has=page.get_by_label(f"New note in {stage_name}")
    )


def test_locking_mid_typing_keeps_the_words_and_unlocking_lets_them_through(server, new_page, room):
    fran = as_facilitator(new_page, server, room)
    sam = as_guest(new_page, server, room, "Sam")
    field = sam.get_by_label("New note in Discovery")
    field.fill("Half a thought about the")
    form = add_form(sam, "Discovery")
    expect(form.get_by_role("button", name="Add note to Discovery")).to_be_enabled()

    fran.get_by_role("button", name="Lock board").click()

    expect(form.get_by_role("button", name="Add note to Discovery")).to_be_disabled()
    expect(form.locator("[data-why-not]")).to_have_text("The facilitator has locked the board.")
    expect(field).to_have_value("Half a thought about the")
    # Still a field to type in, and Enter sends nothing: the words stay where they are.
    field.press("End")
    field.type(" price")
    field.press("Enter")
    expect(sam.locator("#live-message")).to_have_text("The facilitator has locked the board.")
    expect(field).to_have_value("Half a thought about the price")
    assert sent(sam, "touchpoint.add") == []
    # The note's ⋯ menu and its keys are off too, with the reason.
    menu = sam.locator("li[data-touchpoint] [data-note-menu]").first
    expect(menu).to_be_disabled()
    expect(menu).to_have_attribute("title", "The facilitator has locked the board.")
    # Dragging is off too (SortableJS's own switch, on every stage's list).
    drag_off = "[...document.querySelectorAll('ol[data-stage-notes]')].map((l) => Sortable.get(l).option('disabled'))"
    assert sam.evaluate(drag_off) == [True, True]
    # The facilitator passes the lock: nothing is disabled on Fran's screen.
    expect(add_form(fran, "Discovery").get_by_role("button")).to_be_enabled()
    for size, viewport in SIZES.items():
        sam.set_viewport_size(viewport)
        path = screenshot(sam, f"disabled-with-reason-{size}")
        if size == "1440":
            publish_screenshot(path, "live-locked-reason.png")

    fran.get_by_role("button", name="Unlock board").click()
    expect(form.get_by_role("button", name="Add note to Discovery")).to_be_enabled()
    expect(form.locator("[data-why-not]")).to_be_hidden()
    expect(menu).to_be_enabled()
    assert sam.evaluate(drag_off) == [False, False]
    field.press("Enter")
    expect(
        fran.locator("li[data-touchpoint]", has_text="Half a thought about the price")
    ).to_have_count(1)
    expect(field).to_have_value("")


def test_the_vote_phase_disables_adding_with_its_reason_and_gather_brings_it_back(
    server, new_page, room
):
    fran = as_facilitator(new_page, server, room)
    sam = as_guest(new_page, server, room, "Sam")
    form = add_form(sam, "Purchase")

    fran.locator("button[data-step=vote]").click()

    expect(form.locator("[data-why-not]")).to_have_text(
        "Adding and changing notes opens again in the Discuss phase."
    )
    expect(form.get_by_role("button")).to_be_disabled()
    expect(sam.locator("#board")).to_have_attribute("data-edit-refused", "")
    # What the phase is for works: the votes.
    expect(sam.locator(".vote-buttons").first).to_be_visible()

    fran.locator("button[data-step=gather]").click()
    expect(form.get_by_role("button")).to_be_enabled()
    expect(form.locator("[data-why-not]")).to_be_hidden()
    expect(sam.locator(".vote-buttons")).to_have_count(0)


def test_the_note_sheet_follows_the_lock_and_keeps_its_words(server, new_page, room):
    fran = as_facilitator(new_page, server, room)
    sam = as_guest(new_page, server, room, "Sam")
    sam.locator("li[data-touchpoint] [data-note-menu]").first.click()
    sheet = sam.locator("#note-sheet")
    sheet.get_by_label("Text").fill("Books a test drive for Saturday")

    fran.get_by_role("button", name="Lock board").click()
    expect(sheet.get_by_role("button", name="Save text")).to_be_disabled()
    expect(sheet.get_by_role("button", name="Delete note")).to_be_disabled()
    expect(sheet.locator("[data-why-not]")).to_have_text("The facilitator has locked the board.")
    expect(sheet.get_by_label("Text")).to_have_value("Books a test drive for Saturday")

    fran.get_by_role("button", name="Unlock board").click()
    expect(sheet.get_by_role("button", name="Save text")).to_be_enabled()
    expect(sheet.locator("[data-why-not]")).to_be_hidden()
    sheet.get_by_role("button", name="Save text").click()
    expect(fran.locator("li[data-touchpoint]", has_text="for Saturday")).to_have_count(1)


class HideWorkshopState:
    """A route for the page's websockets that keeps workshop.state from the page: its controls
    stay as they were, as in the moment before a lock's broadcast arrives (a race)."""

    def __call__(self, page_side) -> None:
        server_side = page_side.connect_to_server()

        def to_page(frame) -> None:
            if json.loads(frame).get("type") != "workshop.state":
                page_side.send(frame)

        page_side.on_message(lambda frame: server_side.send(frame))
        server_side.on_message(to_page)


def test_a_refusal_that_still_happens_puts_the_words_back_in_the_field(server, new_page, room):
    fran = as_facilitator(new_page, server, room)
    sam = new_page()
    sam.route_web_socket(re.compile(r"/ws/workshops/"), HideWorkshopState())
    code = room["workshop"].join_code
    sam.goto(f"{server}/w/{code}/join/")
    sam.get_by_label("Your name, as others will see it").fill("Sam")
    sam.get_by_role("button", name="Join").click()
    online(sam)

    fran.get_by_role("button", name="Lock board").click()
    expect(fran.get_by_role("button", name="Unlock board")).to_be_visible()
    field = sam.get_by_label("New note in Discovery")
    field.fill("Asks about the warranty")
    field.press("Enter")  # Sam's page does not know yet: the server refuses

    expect(sam.locator("#live-message")).to_contain_text("The facilitator has locked the board.")
    expect(field).to_have_value("Asks about the warranty")
    expect(sam.locator("li.pending")).to_have_count(0)
    assert not Touchpoint.objects.filter(text="Asks about the warranty").exists()


class HoldRefusals(HideWorkshopState):
    """HideWorkshopState, and the server's errors held back until release(): the words typed
    while a refusal is on its way."""

    def __init__(self) -> None:
        self.held: list[str] = []
        self.page_side = None

    def __call__(self, page_side) -> None:
        self.page_side = page_side
        server_side = page_side.connect_to_server()

        def to_page(frame) -> None:
            kind = json.loads(frame).get("type")
            if kind == "error":
                self.held.append(frame)
            elif kind != "workshop.state":
                page_side.send(frame)

        page_side.on_message(lambda frame: server_side.send(frame))
        server_side.on_message(to_page)

    def release(self) -> None:
        for frame in self.held:
            self.page_side.send(frame)
        self.held.clear()


def test_a_refused_note_whose_field_holds_new_words_stays_on_the_board_to_try_again(
    server, new_page, room
):
    fran = as_facilitator(new_page, server, room)
    route = HoldRefusals()
    sam = new_page()
    sam.route_web_socket(re.compile(r"/ws/workshops/"), route)
    code = room["workshop"].join_code
    sam.goto(f"{server}/w/{code}/join/")
    sam.get_by_label("Your name, as others will see it").fill("Sam")
    sam.get_by_role("button", name="Join").click()
    online(sam)
    fran.get_by_role("button", name="Lock board").click()
    expect(fran.get_by_role("button", name="Unlock board")).to_be_visible()

    field = sam.get_by_label("New note in Discovery")
    field.fill("Asks about the warranty")
    field.press("Enter")
    expect(sam.locator("li.pending")).to_have_count(1)
    for _ in range(100):  # the refusal reaches the route, and is held there
        if route.held:
            break
        sam.wait_for_timeout(50)
    assert len(route.held) == 1
    field.fill("Reads the small print")  # typed while the refusal is on its way
    route.release()

    failed = sam.locator("li.pending.failed")
    expect(failed).to_contain_text("Asks about the warranty")
    expect(failed.locator("[data-pending-state]")).to_have_text(
        "Not added: The facilitator has locked the board."
    )
    expect(field).to_have_value("Reads the small print")
    # Unlocked, "Try again" adds it; the field's words are still the field's.
    fran.get_by_role("button", name="Unlock board").click()
    expect(fran.get_by_role("button", name="Lock board")).to_be_visible()
    failed.get_by_role("button", name="Try again").click()
    expect(fran.locator("li[data-touchpoint]", has_text="Asks about the warranty")).to_have_count(1)
    expect(sam.locator("li.pending")).to_have_count(0)
    expect(field).to_have_value("Reads the small print")
    assert Touchpoint.objects.filter(text="Asks about the warranty").count() == 1


# --- pending notes ------------------------------------------------------------------------------


def test_a_note_added_offline_shows_pending_and_arrives_once(server, new_page, room):
    fran = as_facilitator(new_page, server, room)
    sam = as_guest(new_page, server, room, "Sam")
    purchase = room["stages"][1]
    sam.context.set_offline(True)
    expect(sam.locator("#connection")).to_have_attribute("data-state", "offline")

    field = sam.get_by_label("New note in Purchase")
    field.fill("Asks for the dealer's best price")
    field.press("Enter")

    pending = sam.locator(f'ol[data-stage-notes="{purchase.pk}"] li.pending')
    expect(pending).to_have_count(1)
    expect(pending).to_contain_text("Asks for the dealer's best price")
    expect(pending).to_have_attribute("aria-busy", "true")
    expect(pending.locator("[data-pending-state]")).to_have_text(
        "Not saved yet: waiting for the connection"
    )
    expect(field).to_have_value("")
    for size, viewport in SIZES.items():
        sam.set_viewport_size(viewport)
        if size == "390":  # one stage per screen: show the note's
            tab = sam.locator("[data-stage-tab]", has_text="Purchase")
            tab.click()
            expect(tab).to_have_attribute("aria-current", "true")
            sam.wait_for_timeout(600)  # the smooth scroll settles
        path = screenshot(sam, f"pending-note-{size}")
        if size == "390":
            publish_screenshot(path, "live-phone-pending.png")

    sam.context.set_offline(False)
    expect(sam.locator("#connection")).to_have_attribute("data-state", "online", timeout=20_000)
    note = sam.locator("li[data-touchpoint]", has_text="Asks for the dealer's best price")
    expect(note).to_have_count(1)
    expect(sam.locator("li.pending")).to_have_count(0)
    expect(
        fran.locator("li[data-touchpoint]", has_text="Asks for the dealer's best price")
    ).to_have_count(1)
    fran.wait_for_timeout(500)
    expect(
        fran.locator("li[data-touchpoint]", has_text="Asks for the dealer's best price")
    ).to_have_count(1)
    assert Touchpoint.objects.filter(text="Asks for the dealer's best price").count() == 1


# --- hostile text in what these screens show ----------------------------------------------------

XSS = '<script>window.__xss=1</script> "><img src=x onerror="window.__xss=2"> <svg onload=window.__xss=3>'
RTL = "\u202eevil\u202c \u200b\u200dzero-width"


def test_hostile_names_and_texts_in_the_conflict_and_a_pending_note_stay_text(
    server, new_page, room
):
    mallory_name = '<img src=x onerror="window.__xss=4">'
    mallory = as_guest(new_page, server, room, mallory_name)
    sam = as_guest(new_page, server, room, "Sam")
    sams_note = sam.locator("li[data-touchpoint]").first
    sams_note.dblclick()
    mallorys_note = mallory.locator("li[data-touchpoint]").first
    mallorys_note.dblclick()
    hostile = f"{XSS} {RTL}"
    mallorys_note.get_by_label(EDITOR).fill(hostile)
    mallorys_note.get_by_label(EDITOR).press("Enter")
    expect(sam.locator("li[data-touchpoint]").first.locator('[data-field="text"]')).to_have_text(
        hostile
    )
    sams_note.get_by_label(EDITOR).fill("Sam's words")
    sams_note.get_by_label(EDITOR).press("Enter")
    theirs = sams_note.locator(".edit-theirs")
    expect(theirs.locator("strong")).to_have_text(f"{mallory_name} saved:")
    expect(theirs.locator("[data-theirs-text]")).to_have_text(hostile)
    expect(theirs.locator("img, script, svg")).to_have_count(0)

    # A long hostile note waiting offline is shown as text, cut at the field's limit.
    sam.context.set_offline(True)
    expect(sam.locator("#connection")).to_have_attribute("data-state", "offline")
    field = sam.get_by_label("New note in Purchase")
    field.fill(XSS + "x" * 10_000)
    field.press("Enter")
    pending = sam.locator("li.pending")
    expect(pending.locator('[data-field="text"]')).to_have_text((XSS + "x" * 10_000)[:500])
    expect(pending.locator("img, script, svg")).to_have_count(0)
    for page in (sam, mallory):
        assert page.evaluate("window.__xss") is None
