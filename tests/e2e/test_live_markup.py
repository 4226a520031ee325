"""One renderer per note: a note that reaches the live board in an event looks exactly as the
server renders it (maps/markup.py), compared DOM to DOM; group changes patch the board in place
instead of re-fetching it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from maps import operations as ops
from maps.models import JourneyMap
from tests.e2e.conftest import log_in, send_operation
from workshops.facilitation import set_phase, toggle_vote
from workshops.operations import join_workshop, open_workshop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# An element as a comparable tree: tag, attributes sorted (class tokens sorted too: their order
# means nothing), children with adjacent text merged and empty text left out. A note's comment
# badge is left out: static/js/live/comments.js adds it on both pages, to the server's notes and
# to the event's alike (tests/e2e/test_discussion.py checks it).
CANONICAL = """
(node) => {
  const canon = (node) => {
    if (node.nodeType === Node.TEXT_NODE) return node.data;
    const attributes = [...node.attributes]
      .map((a) => [a.name, a.name === "class" ? a.value.split(/\\s+/).filter(Boolean).sort().join(" ") : a.value])
      .sort();
    const children = [];
    for (const child of node.childNodes) {
      if (child.nodeType !== Node.TEXT_NODE && child.nodeType !== Node.ELEMENT_NODE) continue;
      if (child.nodeType === Node.ELEMENT_NODE && child.matches("[data-discussion-open]")) continue;
      const c = canon(child);
      if (typeof c === "string" && typeof children[children.length - 1] === "string") children[children.length - 1] += c;
      else children.push(c);
    }
    return [node.tagName.toLowerCase(), attributes, children.filter((c) => c !== "")];
  };
  return canon(node);
}
"""

# Every note of a board and its group names, canonical: of the page's live #board, or of the
# board fragment's HTML as the server renders it now.
BOARD_NOTES = (
    """
(html) => {
  const canonical = """
    + CANONICAL
    + """;
  const board = html === null
    ? document.getElementById("board")
    : new DOMParser().parseFromString(html, "text/html").getElementById("board");
  const notes = {};
  for (const li of board.querySelectorAll("li[data-touchpoint]")) notes[li.dataset.touchpoint] = canonical(li);
  return { notes, groups: canonical(board.querySelector("[data-groups]")) };
}
"""
)

HOSTILE = '<img src=x onerror="window.pwned=1"> & co'


@pytest.fixture
def room(make_user):
    """A revealed workshop (discuss phase: notes may change, heat shows) on a map with a group
    and a note two people voted on."""
    facilitator = make_user("fran")
    actor = ops.Actor.for_user(facilitator)
    journey_map = ops.create_map(actor, title="Family car", stage_names=["Discovery", "Purchase"])
    discovery, purchase = journey_map.stages.order_by("position")
    group = ops.add_group(actor, journey_map, name="Paperwork").payload["group"]["id"]
    ops.add_touchpoint(
        actor, journey_map, stage=purchase.pk, text="Signs a long contract", department="Sales"
    )
    voted = journey_map.touchpoints.get()
    workshop = open_workshop(facilitator, journey_map, title="Dealership review")
    set_phase(workshop, "vote")
    for name, tag in (("Ann", "pain"), ("Bob", "pain"), ("Cy", "delight")):
        toggle_vote(join_workshop(workshop, display_name=name), voted, tag)
    set_phase(workshop, "discuss")
    return {
        "workshop": workshop,
        "map": journey_map,
        "stages": (discovery.pk, purchase.pk),
        "group": group,
        "voted": voted.pk,
    }


def open_live_board(new_page, server, room):
    """The facilitator's live page, and the board fragment requests it makes from then on."""
    page = new_page()
    log_in(page, server, "fran")
    board_url = f"/w/{room['workshop'].join_code}/board/"
    refetches: list[str] = []
    page.on("request", lambda request: board_url in request.url and refetches.append(request.url))
    page.goto(f"{server}/w/{room['workshop'].join_code}/")
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    return page, f"{server}{board_url}", refetches


def shows_revision_now(page, room) -> None:
    revision = JourneyMap.objects.get(pk=room["map"].pk).revision
    expect(page.locator("#board")).to_have_attribute("data-revision", str(revision))


def assert_board_as_the_server_renders_it(page, board_url: str) -> None:
    # Fetched by the test's own request context: not one of the page's requests.
    html = page.context.request.get(board_url).text()
    server = page.evaluate(BOARD_NOTES, html)
    live = page.evaluate(BOARD_NOTES, None)
    assert live["notes"].keys() == server["notes"].keys()
    for note_id, rendered in server["notes"].items():
        assert live["notes"][note_id] == rendered, f"note {note_id}"
    assert live["groups"] == server["groups"]


def test_notes_that_arrive_in_events_look_as_the_server_renders_them(server, new_page, room):
    page, board_url, refetches = open_live_board(new_page, server, room)
    discovery, purchase = room["stages"]
    group = room["group"]
    # A new note with every part of its meta line (and the empty heat box of a revealed board),
    # an internal one (no heat box), and the voted note changed in place (its heat box stays).
    new_note = {"type": "touchpoint.add", "op_id": "n1", "stage": discovery, "text": HOSTILE}
    new_note.update(department="Sales & <Co>", group=group, critical=True, channel="phone")
    new_note.update(colour="blue")
    internal = {"type": "touchpoint.add", "op_id": "n2", "stage": purchase, "text": "Routes"}
    internal.update(department="Ops", group=group, internal=True)
    changed = {"type": "touchpoint.update", "op_id": "u1", "touchpoint": room["voted"]}
    changed.update(text="Signs a longer contract", department="", critical=True, group=group)
    changed.update(colour="pink")
    for operation in (new_note, internal, changed):
        send_operation(page, operation)
    shows_revision_now(page, room)

    assert refetches == [], "the notes were patched in, not re-fetched"
    added = page.locator("li[data-touchpoint]", has_text="onerror")
    # The empty heat box of a revealed board: no chips (nobody tagged it), said to screen readers.
    expect(added.locator(".heat")).to_have_count(1)
    expect(added.locator(".heat .heat-count")).to_have_count(0)
    expect(added.locator(".heat")).to_have_text("No tags from the 3 voters")
    # Who added it (the facilitator, in her colour) and its colour of paper.
    expect(added).to_have_attribute("data-colour", "blue")
    expect(added.locator(".note-author")).to_have_attribute("style", "--author:#4338ca")
    expect(added.locator(".note-author")).to_have_text("Added by fran")
    expect(page.locator("li.internal .heat")).to_have_count(0)
    voted = page.locator(f'li[data-touchpoint="{room["voted"]}"]')
    expect(voted.locator('.heat-count[data-tag="pain"] strong')).to_have_text("2")
    expect(voted).to_have_attribute("data-colour", "pink")
    assert_board_as_the_server_renders_it(page, board_url)
    assert page.evaluate("window.pwned") is None


def test_a_grouped_notes_update_patches_the_live_board_and_shows_its_group(server, new_page, room):
    page, _, refetches = open_live_board(new_page, server, room)
    discovery, _ = room["stages"]
    added = {"type": "touchpoint.add", "op_id": "g1", "stage": discovery, "text": "Reads terms"}
    send_operation(page, added | {"group": room["group"]})
    changed = {"type": "touchpoint.update", "op_id": "g2", "touchpoint": room["voted"]}
    send_operation(page, changed | {"group": room["group"]})
    shows_revision_now(page, room)

    assert refetches == []
    for text in ("Reads terms", "Signs a long contract"):
        meta = page.locator("li[data-touchpoint]", has_text=text).locator('[data-field="meta"]')
        expect(meta.locator('[data-if="group"]')).to_have_text("Paperwork")


def test_group_events_patch_the_live_board_in_place(server, new_page, room):
    page, board_url, refetches = open_live_board(new_page, server, room)
    discovery, _ = room["stages"]
    added = {"type": "touchpoint.add", "op_id": "a1", "stage": discovery, "text": "Reads the terms"}
    send_operation(page, added | {"group": room["group"], "department": "Legal", "critical": True})
    terms = page.locator("li[data-touchpoint]", has_text="Reads the terms")
    group_part = terms.locator('[data-if="group"]')
    expect(group_part).to_have_text("Paperwork")

    send_operation(
        page, {"type": "group.rename", "op_id": "r1", "group": room["group"], "name": "Forms"}
    )
    expect(group_part).to_have_text("Forms")
    # A new group gathering the voted note (no group yet: its part comes back in its place).
    gathered = {"type": "group.add", "op_id": "a2", "name": "Money"}
    send_operation(page, gathered | {"touchpoints": [room["voted"]]})
    voted = page.locator(f'li[data-touchpoint="{room["voted"]}"]')
    expect(voted.locator('[data-if="group"]')).to_have_text("Money")
    # Into an existing group by name, then that group deleted: the note shows no group.
    regrouped = {"type": "touchpoint.group", "op_id": "t1", "touchpoint": room["voted"]}
    send_operation(page, regrouped | {"name": "Forms"})
    expect(voted.locator('[data-if="group"]')).to_have_text("Forms")
    send_operation(page, {"type": "group.delete", "op_id": "d1", "group": room["group"]})
    expect(voted.locator('[data-if="group"]')).to_have_count(0)
    expect(group_part).to_have_count(0)
    shows_revision_now(page, room)

    assert refetches == []
    assert_board_as_the_server_renders_it(page, board_url)
