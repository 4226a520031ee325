"""Two people on one live board, in two Chromium contexts: what one does, the other sees; the
connection badge tells the truth when the network goes away and comes back."""

from __future__ import annotations

import json
import re
import time

import pytest
from playwright.sync_api import expect

from maps import operations as ops
from maps.models import JourneyMap, Touchpoint
from tests.e2e.conftest import log_in, screenshot, send_operation
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


@pytest.fixture
def busy_screens(server, new_page, busy_room):
    """Fran (the facilitator) and Sam (a guest), each on the busy room's live board."""
    fran = open_as_facilitator(new_page, server, busy_room)
    return fran, join_as_guest(new_page, server, busy_room)


def test_after_moves_by_two_people_every_screen_shows_each_stage_in_the_servers_order(
    busy_room, busy_screens
):
    room = busy_room
    fran, sam = busy_screens
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
    key_move(sam, "Watches videos", "ArrowRight")  # its row is past Comparing's end: last
    moved()
    # Both at once, in different stages.
    key_move(fran, "Compares prices", "ArrowDown")
    key_move(sam, "Asks friends", "ArrowUp")
    moved(2)
    key_move(sam, "Signs the papers", "ArrowLeft")  # keeps its row: the top of Comparing
    moved()
    key_move(fran, "Signs the papers", "ArrowDown")
    moved()

    assert map_revision(room) == revision
    comparing_order = server_order(room)[comparing.pk]
    assert comparing_order != sorted(comparing_order), "the moves changed the order"


def screen_keys(page, stage) -> list[str]:
    return (
        stage_notes(page, stage)
        .locator(":scope > li[data-touchpoint]")
        .evaluate_all("notes => notes.map((note) => note.dataset.position)")
    )


def test_a_respaced_stage_is_patched_in_place_on_every_screen_in_the_servers_order(
    server, new_page, busy_room
):
    """Keys at the database's 64-character cap: a note put between two of them needs a longer
    key, so the server respaces the stage first (stage.rebalanced, then the move). Each screen
    rewrites the keys in place (the board is not re-fetched) and shows the server's order."""
    room = busy_room
    discovery = room["stages"][0]
    for n, note_id in enumerate(server_order(room)[discovery.pk]):
        Touchpoint.objects.filter(pk=note_id).update(position="1" * 63 + "12345"[n])
    fran = open_as_facilitator(new_page, server, room)
    sam = join_as_guest(new_page, server, room)
    revision = map_revision(room)
    for page in (fran, sam):
        page.evaluate("document.getElementById('board').dataset.sameBoard = 'yes'")

    key_move(fran, "Visits a showroom", "ArrowUp")

    for page in (fran, sam):
        expect(page.locator("#board")).to_have_attribute("data-revision", str(revision + 2))
    expected = server_order(room)
    keys = list(
        Touchpoint.objects.filter(stage=discovery)
        .order_by("position", "id")
        .values_list("position", flat=True)
    )
    assert max(len(key) for key in keys) <= 2
    for name, page in (("Fran", fran), ("Sam", sam)):
        assert screen_order(page, room) == expected, f"{name}'s screen"
        assert screen_keys(page, discovery) == keys, f"{name}'s screen"
        expect(page.locator("#board")).to_have_attribute("data-same-board", "yes")


def test_alt_arrow_right_keeps_the_notes_row_in_the_next_stage_on_both_screens(
    busy_room, busy_screens
):
    room = busy_room
    fran, sam = busy_screens
    discovery, comparing, _ = room["stages"]
    second = stage_notes(fran, discovery).locator(":scope > li[data-touchpoint]").nth(1)
    text = second.text_content()
    second.focus()
    fran.keyboard.press("Alt+ArrowRight")

    for page in (fran, sam):
        notes = stage_notes(page, comparing).locator(":scope > li[data-touchpoint]")
        expect(notes).to_have_count(4)
        expect(notes.nth(1)).to_have_text(text)
    assert screen_order(fran, room) == screen_order(sam, room) == server_order(room)
    # The note moved under the keyboard's focus, which stays on it for the next step.
    expect(fran.locator("li[data-touchpoint]", has_text="Books a test drive")).to_be_focused()
    expect(fran.locator("#live-message")).to_have_text("Moved to Comparing, position 2.")


# --- re-fetching the board -----------------------------------------------------------------------


def wait_until(page, condition, timeout_s: float = 10) -> None:
    """Let the page's events (routes, frames) run until `condition()` holds."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the page"
        page.wait_for_timeout(20)


def test_events_during_a_board_refetch_are_applied_on_top_of_the_fresh_board(
    server, new_page, room
):
    """A stage event makes the page fetch the board again (through htmx); a note added while
    that fetch is on its way waits, and goes onto the fresh board, with no second fetch. The
    fragment is the one rendered before the note existed."""
    fran = new_page()
    log_in(fran, server, "fran")
    held, refetches, sockets, received = [], [], [], []
    fran.route("**/board/", lambda route: held.append(route))
    fran.on("request", lambda r: "/board/" in r.url and refetches.append(r.headers))
    fran.on("websocket", lambda ws: sockets.append(ws))

    def board_socket_frame(frame: str) -> None:
        received.append(frame)

    fran.goto(f"{server}/w/{room['workshop'].join_code}/")
    expect(fran.locator("#connection")).to_have_attribute("data-state", "online")
    sockets[0].on("framereceived", board_socket_frame)  # the board's, not send_operation's
    note = fran.locator("li[data-touchpoint]", has_text="Books a test drive")
    note.focus()

    send_operation(fran, {"type": "stage.add", "op_id": "s1", "name": "Delivery"})
    wait_until(fran, lambda: held)
    fragment = held[0].fetch()  # rendered now: the new stage, not the note below
    comparing = room["stages"][1]
    add = {"type": "touchpoint.add", "op_id": "n1", "stage": comparing.pk, "text": "Asks for APR"}
    send_operation(fran, add)
    revision = map_revision(room)
    wait_until(fran, lambda: any(f'"revision":{revision}' in frame for frame in received))
    held[0].fulfill(response=fragment)

    expect(fran.locator("#board")).to_have_attribute("data-revision", str(revision))
    expect(fran.locator('[data-lane="name"]', has_text="Delivery")).to_have_count(1)
    expect(stage_notes(fran, comparing)).to_contain_text("Asks for APR")
    assert len(refetches) == 1 and refetches[0].get("hx-request") == "true", refetches
    assert refetches[0].get("hx-target") == "board", "fetched through htmx"
    expect(note).to_be_focused()


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
    sam.route_web_socket(re.compile(r"/ws/workshops/"), route)  # the page connects by id
    sam.goto(f"{server}/w/{room['workshop'].join_code}/join/")
    sam.get_by_label("Your name, as others will see it").fill("Sam")
    sam.get_by_role("button", name="Join").click()
    expect(sam.locator("#connection")).to_have_attribute("data-state", "online")
    comparing = room["stages"][1]

    sam.get_by_label("New note in Comparing").fill("Asks for a longer test drive")
    sam.get_by_label("New note in Comparing").press("Enter")

    # The page reconnects by itself, and its outbox empties once the resend is answered.
    # The outbox is kept per workshop (by id, like the socket: a new join code keeps it).
    workshop_id = room["workshop"].pk
    sam.wait_for_function(
        f"() => sessionStorage.getItem('journeymap-outbox-{workshop_id}') === '[]' && "
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
        "fran saved this note while you were editing it"
    )
    expect(sams_note.locator(".edit-theirs")).to_contain_text("Books a test drive online")
    reopened = sam.get_by_label("Your words (Save mine overwrites theirs)")
    expect(reopened).to_have_value("Books a test drive by phone")
    expect(reopened).to_be_focused()
    assert Touchpoint.objects.get(
        pk=room["map"].touchpoints.get(text__contains="test drive").pk
    ).text == ("Books a test drive online")

    # Saving again (Enter in the field: a deliberate keystroke) overwrites the version Sam has
    # now seen.
    reopened.press("Enter")
    expect(fran.locator("li[data-touchpoint]", has_text="by phone")).to_have_count(1)
