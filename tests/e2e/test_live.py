"""Two people on one live board, in two Chromium contexts: what one does, the other sees; the
connection badge tells the truth when the network goes away and comes back."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from maps import operations as ops
from maps.models import JourneyMap, Touchpoint
from tests.e2e.conftest import log_in, screenshot
from workshops.operations import open_workshop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def room(make_user):
    """A facilitator with an account, a map with two notes, an open workshop."""
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


def open_as_facilitator(new_page, server, room):
    page = new_page()
    log_in(page, server, "fran")
    page.goto(f"{server}/w/{room['workshop'].join_code}/")
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    return page


def join_as_guest(new_page, server, room, name="Sam"):
    page = new_page()
    page.goto(f"{server}/join/")
    page.get_by_label("Workshop code").fill(room["workshop"].join_code.lower())
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Your name, as others will see it").fill(name)
    page.get_by_role("button", name="Join").click()
    page.wait_for_url(re.compile(rf"/w/{room['workshop'].join_code}/$"))
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    return page


def stage_notes(page, stage):
    return page.locator(f'ol[data-stage-notes="{stage.pk}"]')


def test_a_drag_on_one_screen_appears_on_the_other(server, new_page, room):
    fran = open_as_facilitator(new_page, server, room)
    sam = join_as_guest(new_page, server, room)
    discovery, comparing = room["stages"][0], room["stages"][1]
    # Each sees the other online.
    expect(fran.locator("#presence")).to_contain_text("Sam")
    expect(sam.locator("#presence")).to_contain_text("fran")

    note = fran.locator("li[data-touchpoint]", has_text="Books a test drive")
    note.drag_to(stage_notes(fran, comparing))

    expect(stage_notes(sam, comparing)).to_contain_text("Books a test drive")
    expect(stage_notes(sam, discovery)).not_to_contain_text("Books a test drive")
    moved = Touchpoint.objects.get(text="Books a test drive")
    assert moved.stage_id == comparing.pk
    screenshot(sam, "live-board-after-drag")


def test_keyboard_moves_and_new_notes_reach_the_other_screen(server, new_page, room):
    fran = open_as_facilitator(new_page, server, room)
    sam = join_as_guest(new_page, server, room)
    discovery, comparing, purchase = room["stages"]

    # Sam adds a note; Fran sees it at once.
    sam.get_by_label("New note in Comparing").fill("Asks about APR")
    sam.get_by_label("New note in Comparing").press("Enter")
    expect(stage_notes(fran, comparing)).to_contain_text("Asks about APR")

    # Fran moves a note with the keyboard alone: focus it, Alt+ArrowRight twice.
    note = fran.locator("li[data-touchpoint]", has_text="Searches online for safe cars")
    note.focus()
    fran.keyboard.press("Alt+ArrowRight")
    expect(stage_notes(sam, comparing)).to_contain_text("Searches online for safe cars")
    fran.locator("li[data-touchpoint]", has_text="Searches online for safe cars").focus()
    fran.keyboard.press("Alt+ArrowRight")
    expect(stage_notes(sam, purchase)).to_contain_text("Searches online for safe cars")
    expect(stage_notes(sam, discovery)).not_to_contain_text("Searches online")


def test_the_badge_shows_offline_and_recovers_with_nothing_lost(server, new_page, room):
    fran = open_as_facilitator(new_page, server, room)
    sam = join_as_guest(new_page, server, room)
    comparing = room["stages"][1]
    badge = sam.locator("#connection")

    sam.context.set_offline(True)
    expect(badge).to_have_attribute("data-state", "offline")
    expect(badge).to_contain_text("Offline")
    screenshot(sam, "live-board-offline")

    # Meanwhile Fran changes the board, and Sam edits offline (kept in the outbox).
    fran.get_by_label("New note in Comparing").fill("Reads reviews")
    fran.get_by_label("New note in Comparing").press("Enter")
    expect(stage_notes(fran, comparing)).to_contain_text("Reads reviews")
    sam.get_by_label("New note in Comparing").fill("Written while offline")
    sam.get_by_label("New note in Comparing").press("Enter")

    sam.context.set_offline(False)
    expect(badge).to_have_attribute("data-state", "online", timeout=20_000)
    expect(badge).to_have_text(re.compile("Live"))
    # Sam catches up with what was missed, and the offline note arrives once, everywhere.
    expect(stage_notes(sam, comparing)).to_contain_text("Reads reviews")
    expect(stage_notes(fran, comparing)).to_contain_text("Written while offline")
    assert Touchpoint.objects.filter(text="Written while offline").count() == 1
    expect(sam.locator("li[data-touchpoint]", has_text="Written while offline")).to_have_count(1)


def test_a_note_edited_with_the_keyboard_is_saved_once_and_reaches_the_other_screen(
    server, new_page, room
):
    fran = open_as_facilitator(new_page, server, room)
    sam = join_as_guest(new_page, server, room)
    note = sam.locator("li[data-touchpoint]", has_text="Books a test drive")
    note.focus()
    sam.keyboard.press("Enter")
    editor = note.get_by_label("Note text (Enter saves, Escape cancels)")
    editor.fill("Books a test drive at the weekend")
    editor.press("Enter")

    expect(editor).to_have_count(0)
    expect(fran.locator("li[data-touchpoint]", has_text="at the weekend")).to_have_count(1)
    expect(note).to_be_focused()
    saved = Touchpoint.objects.get(text="Books a test drive at the weekend")
    assert saved.version == 2  # one update, not two


# --- the order of notes within a stage ----------------------------------------------------------


@pytest.fixture
def busy_room(room, django_user_model):
    """The room with more notes: five in Discovery, three in Comparing, one in Purchase."""
    actor = ops.Actor.for_user(django_user_model.objects.get(username="fran"))
    discovery, comparing, purchase = room["stages"]
    for stage, texts in (
        (discovery, ["Asks friends", "Watches videos", "Visits a showroom"]),
        (comparing, ["Compares prices", "Reads the warranty", "Asks about APR"]),
        (purchase, ["Signs the papers"]),
    ):
        for text in texts:
            ops.add_touchpoint(actor, room["map"], stage=stage.pk, text=text)
    return room


def map_revision(room) -> int:
    return JourneyMap.objects.get(pk=room["map"].pk).revision


def server_order(room) -> dict[int, list[int]]:
    """Each stage's notes in the server's order: by position key, then by id."""
    return {
        stage.pk: list(
            Touchpoint.objects.filter(stage=stage)
            .order_by("position", "id")
            .values_list("id", flat=True)
        )
        for stage in room["stages"]
    }


def screen_order(page, room) -> dict[int, list[int]]:
    return {
        stage.pk: stage_notes(page, stage)
        .locator(":scope > li[data-touchpoint]")
        .evaluate_all("notes => notes.map((note) => Number(note.dataset.touchpoint))")
        for stage in room["stages"]
    }


def key_move(page, text: str, key: str) -> None:
    page.locator("li[data-touchpoint]", has_text=text).focus()
    page.keyboard.press(f"Alt+{key}")


def test_after_moves_by_two_people_every_screen_shows_each_stage_in_the_servers_order(
    server, new_page, busy_room
):
    room = busy_room
    fran = open_as_facilitator(new_page, server, room)
    sam = join_as_guest(new_page, server, room)
    discovery, comparing, _ = room["stages"]
    revision = map_revision(room)

    def moved(moves: int = 1) -> None:
        """Once both screens show the moves (one revision each), each stage on each screen is
        in the server's order."""
        nonlocal revision
        revision += moves
        for page in (fran, sam):
            expect(page.locator("#board")).to_have_attribute("data-revision", str(revision))
        expected = server_order(room)
        assert screen_order(fran, room) == expected, "Fran's screen"
        assert screen_order(sam, room) == expected, "Sam's screen"

    key_move(fran, "Visits a showroom", "ArrowUp")  # into the middle of Discovery
    moved()
    key_move(sam, "Searches online for safe cars", "ArrowDown")
    moved()
    fran.locator("li[data-touchpoint]", has_text="Reads the warranty").drag_to(
        stage_notes(fran, discovery)
    )
    moved()
    key_move(sam, "Watches videos", "ArrowRight")  # to the end of Comparing
    moved()
    # Both at once, in different stages.
    key_move(fran, "Compares prices", "ArrowDown")
    key_move(sam, "Asks friends", "ArrowUp")
    moved(2)
    key_move(sam, "Signs the papers", "ArrowLeft")  # to the end of Comparing
    moved()
    key_move(fran, "Signs the papers", "ArrowUp")
    moved()

    assert map_revision(room) == revision
    comparing_order = server_order(room)[comparing.pk]
    assert comparing_order != sorted(comparing_order), "the moves changed the order"


# --- a lost acknowledgement ---------------------------------------------------------------------


class LoseTheFirstAck:
    """A route for the page's websockets that lets the server apply the first note added, then
    drops its ack and kills the socket; later sockets pass everything through. Records what the
    page sent and which acks it got."""

    def __init__(self) -> None:
        self.sent: list[dict] = []
        self.acks: list[dict] = []
        self.lost_ack: dict | None = None
        self.sockets = 0

    def __call__(self, page_side) -> None:
        self.sockets += 1
        server_side = page_side.connect_to_server()
        killed = False

        def to_server(frame) -> None:
            self.sent.append(json.loads(frame))
            server_side.send(frame)

        def to_page(frame) -> None:
            nonlocal killed
            if killed:
                return
            message = json.loads(frame)
            if message.get("type") == "ack" and self.is_add(message) and self.lost_ack is None:
                self.lost_ack = message
                killed = True
                page_side.close(code=1012, reason="lost before the ack")
                server_side.close()
                return
            if message.get("type") == "ack":
                self.acks.append(message)
            page_side.send(frame)

        page_side.on_message(to_server)
        server_side.on_message(to_page)

    def is_add(self, ack: dict) -> bool:
        return any(
            sent.get("op_id") == ack["op_id"] and sent["type"] == "touchpoint.add"
            for sent in self.sent
        )


def test_an_operation_whose_ack_was_lost_is_resent_with_its_op_id_and_applied_once(
    server, new_page, room
):
    fran = open_as_facilitator(new_page, server, room)
    route = LoseTheFirstAck()
    sam = new_page()
    sam.route_web_socket(re.compile(r"/ws/w/"), route)
    sam.goto(f"{server}/w/{room['workshop'].join_code}/join/")
    sam.get_by_label("Your name, as others will see it").fill("Sam")
    sam.get_by_role("button", name="Join").click()
    expect(sam.locator("#connection")).to_have_attribute("data-state", "online")
    comparing = room["stages"][1]

    sam.get_by_label("New note in Comparing").fill("Asks for a longer test drive")
    sam.get_by_label("New note in Comparing").press("Enter")

    # The page reconnects by itself, and its outbox empties once the resend is answered.
    code = room["workshop"].join_code
    sam.wait_for_function(
        f"() => sessionStorage.getItem('journeymap-outbox-{code}') === '[]' && "
        "document.getElementById('connection').dataset.state === 'online'"
    )
    assert route.lost_ack is not None and route.lost_ack["duplicate"] is False
    assert route.sockets == 2
    adds = [m for m in route.sent if m["type"] == "touchpoint.add"]
    assert [m["op_id"] for m in adds] == [route.lost_ack["op_id"]] * 2, adds
    resent_ack = next(a for a in route.acks if a["op_id"] == route.lost_ack["op_id"])
    assert resent_ack["duplicate"] is True
    assert resent_ack["revision"] == route.lost_ack["revision"]

    assert Touchpoint.objects.filter(text="Asks for a longer test drive").count() == 1
    for page in (sam, fran):
        expect(
            stage_notes(page, comparing).locator(
                "li[data-touchpoint]", has_text="Asks for a longer test drive"
            )
        ).to_have_count(1)


def test_a_conflicting_edit_shows_the_winning_text_and_reopens_the_editor_with_mine(
    server, new_page, room
):
    fran = open_as_facilitator(new_page, server, room)
    sam = join_as_guest(new_page, server, room)
    editor_label = "Note text (Enter saves, Escape cancels)"
    sams_note = sam.locator("li[data-touchpoint]", has_text="Books a test drive")
    sams_note.focus()
    sam.keyboard.press("Enter")  # Sam starts from version 1

    frans_note = fran.locator("li[data-touchpoint]", has_text="Books a test drive")
    frans_note.focus()
    fran.keyboard.press("Enter")
    frans_note.get_by_label(editor_label).fill("Books a test drive online")
    frans_note.get_by_label(editor_label).press("Enter")
    expect(sam.locator("li[data-touchpoint]", has_text="test drive online")).to_have_count(1)

    sams_note.get_by_label(editor_label).fill("Books a test drive by phone")
    sams_note.get_by_label(editor_label).press("Enter")

    expect(sam.locator("#live-message")).to_contain_text(
        "It now reads: “Books a test drive online”"
    )
    reopened = sam.get_by_label(editor_label)
    expect(reopened).to_have_value("Books a test drive by phone")
    expect(reopened).to_be_focused()
    assert Touchpoint.objects.get(
        pk=room["map"].touchpoints.get(text__contains="test drive").pk
    ).text == ("Books a test drive online")

    # Saving again is a deliberate overwrite of the version Sam has now seen.
    reopened.press("Enter")
    expect(fran.locator("li[data-touchpoint]", has_text="by phone")).to_have_count(1)
