"""The live board fits every screen, phones included (issue 16), on the demo workshop, as its
facilitator and as a guest: the page never scrolls sideways (the board does), every stage's
header can be reached, the first notes show without scrolling on a laptop and a desktop, and on
a phone every control is at least 44 px and a guest adds, moves and votes on a note by tapping.
The screenshots of the README come from here (UPDATE_SCREENSHOTS=1)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from maps.models import Touchpoint
from reports.demo import DEMO_PASSWORD, DEMO_USERNAME, seed_demo
from tests.e2e.conftest import (
    assert_fits_the_screen,
    log_in,
    publish_screenshot,
    screenshot,
    send_operation,
)
from workshops.facilitation import set_phase
from workshops.models import Vote

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": (1440, 900), "laptop": (1280, 720), "phone": (390, 844)}
WHO = ("facilitator", "guest")
STAGES = ["Discovery", "Comparing", "Considering", "Purchase", "Post-purchase"]


@pytest.fixture
def demo():
    return seed_demo()


def open_live(new_page, server, demo, who: str, size: str, name: str = "Sam"):
    width, height = SIZES[size]
    phone = size == "phone"
    page = new_page({"width": width, "height": height}, has_touch=phone, is_mobile=phone)
    code = demo.workshop.join_code
    if who == "facilitator":
        log_in(page, server, DEMO_USERNAME, DEMO_PASSWORD)
        page.goto(f"{server}/w/{code}/")
    else:
        page.goto(f"{server}/w/{code}/join/")
        page.get_by_label("Your name, as others will see it").fill(name)
        join = page.get_by_role("button", name="Join")
        join.tap() if phone else join.click()
        page.wait_for_url(re.compile(rf"/w/{code}/$"))
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    return page


# Fully in the viewport and the top-most thing at its centre (not covered by a bar or a panel).
IN_VIEW = """
(el) => {
  const r = el.getBoundingClientRect();
  // Inside the window and inside the board's scrolling area (not under the panel below it).
  const box = el.closest("[data-board-scroll]")?.getBoundingClientRect();
  const bottom = Math.min(innerHeight, box ? box.bottom : innerHeight);
  const inside = r.width > 0 && r.left >= -0.5 && r.top >= -0.5 && r.right <= innerWidth + 0.5
    && r.bottom <= bottom + 0.5;
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return {inside, onTop: !!hit && (el === hit || el.contains(hit)), box: [r.left, r.top, r.right, r.bottom]};
}
"""


def tab(page, stage: str):
    return page.get_by_role("navigation", name="Stages").get_by_role("link", name=stage, exact=True)


def header(page, stage: str):
    return page.locator(".stage-head", has=page.get_by_role("heading", name=stage, exact=True))


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("size", list(SIZES))
def test_the_page_never_scrolls_sideways_and_every_stage_header_can_be_reached(
    server, new_page, demo, size, who
):
    page = open_live(new_page, server, demo, who, size)
    assert_fits_the_screen(page)
    for stage in STAGES:
        if size == "phone":
            # One stage per screen: its tab brings it.
            tab(page, stage).tap()
        else:
            header(page, stage).scroll_into_view_if_needed()
        seen = header(page, stage)
        page.wait_for_function(
            f"(el) => ({IN_VIEW})(el).inside && ({IN_VIEW})(el).onTop", arg=seen.element_handle()
        )
        assert_fits_the_screen(page)
    if size == "phone":
        expect(page.locator('[data-stage-tab][aria-current="true"]')).to_have_text(STAGES[-1])
    screenshot(page, f"live-{who}-{size}")


@pytest.mark.parametrize("who", WHO)
def test_on_a_phone_the_boards_bar_is_one_row_that_scrolls_sideways(server, new_page, demo, who):
    """Two rows of controls took a seventh of the screen from the notes: one row, what does
    not fit reached by scrolling it, the page itself never wider than the screen."""
    page = open_live(new_page, server, demo, who, "phone")
    bar = page.locator(".board-bar")
    rows = bar.evaluate(
        "(el) => [...el.children].filter((c) => c.getBoundingClientRect().height > 0)"
        ".map((c) => Math.round(c.getBoundingClientRect().top + c.getBoundingClientRect().height / 2))"
    )
    assert max(rows) - min(rows) <= 4, rows
    width = bar.evaluate("(el) => ({scroll: el.scrollWidth, client: el.clientWidth})")
    assert width["scroll"] > width["client"], width  # the demo's bar does not fit 390 px
    help_button = page.get_by_role("button", name="Help: the board's marks and keys")
    help_button.scroll_into_view_if_needed()
    assert help_button.evaluate(IN_VIEW)["inside"]
    assert_fits_the_screen(page)


def test_on_a_phone_the_curves_key_shows_on_every_stage(server, new_page, demo):
    """The curve spans every stage and a phone shows one: each persona's button (which shows
    or hides that persona's curve) is in view whichever stage is showing."""
    page = open_live(new_page, server, demo, "guest", "phone")
    toggles = page.locator("[data-curve-toggle]")
    expect(toggles).to_have_count(2)
    for stage in STAGES:
        tab(page, stage).tap()
        page.wait_for_function(
            f"(el) => ({IN_VIEW})(el).inside", arg=header(page, stage).element_handle()
        )
        for toggle in toggles.all():
            place = toggle.evaluate(IN_VIEW)
            assert place["inside"] and place["onTop"], (stage, place)


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("size", ["desktop", "laptop"])
def test_the_first_notes_show_without_scrolling(server, new_page, demo, size, who):
    page = open_live(new_page, server, demo, who, size)
    # The first note of every stage, whole, as the page opens (five stages fit the width).
    for stage in STAGES:
        column = page.locator("article.stage", has=page.get_by_role("heading", name=stage))
        note = column.locator("li[data-touchpoint]").first
        assert note.evaluate(IN_VIEW)["inside"], (stage, note.evaluate(IN_VIEW))
    path = screenshot(page, f"live-first-notes-{who}-{size}")
    if who == "facilitator":
        publish_screenshot(path, f"live-{size}.png")


# Everything a finger may hit: buttons, links that act as buttons or tabs, fields, selects.
TARGETS = """
() => {
  const els = document.querySelectorAll(
    'button, [role="button"], a.button, a.chip, [data-stage-tab], summary, select, textarea,'
    + ' input:not([type="hidden"]):not([type="checkbox"]):not([type="radio"])');
  const small = [];
  let seen = 0;
  for (const el of els) {
    const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (r.width === 0 || r.height === 0 || style.visibility === 'hidden') continue;
    seen += 1;
    if (r.width < 44 - 0.01 || r.height < 44 - 0.01) {
      small.push(`${el.tagName} "${(el.getAttribute('aria-label') || el.textContent).trim().slice(0, 30)}" ${Math.round(r.width)}x${Math.round(r.height)}`);
    }
  }
  return {seen, small};
}
"""


@pytest.mark.parametrize("who", WHO)
def test_on_a_phone_every_visible_control_is_at_least_44_px(server, new_page, demo, who):
    page = open_live(new_page, server, demo, who, "phone")
    # The demo is voting: every note has its three vote buttons too.
    expect(page.locator(".vote-button").first).to_be_visible()
    targets = page.evaluate(TARGETS)
    assert targets["seen"] > 20, targets
    assert targets["small"] == [], targets["small"]
    publish_screenshot(screenshot(page, f"live-phone-{who}"), f"live-phone-{who}.png")
    # And in the note sheet (a guest may change notes too, though not while voting: then the
    # menu is disabled and says why, live/controls.js).
    if who == "guest":
        menu = page.locator("li[data-touchpoint] [data-note-menu]").first
        expect(menu).to_be_disabled()
        expect(menu).to_have_attribute("title", re.compile("opens again in the Discuss phase"))
        set_phase(demo.workshop, "gather")
        page.reload()
        expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    page.locator("li[data-touchpoint] [data-note-menu]").first.tap()
    expect(page.locator("#note-sheet")).to_be_visible()
    targets = page.evaluate(TARGETS)
    assert targets["small"] == [], targets["small"]
    if who == "guest":
        publish_screenshot(screenshot(page, "live-phone-note-sheet"), "live-phone-note-sheet.png")


def test_a_guest_on_a_phone_adds_a_note_moves_it_to_another_stage_and_votes_by_tapping(
    server, new_page, demo
):
    # Notes are added and moved while gathering (the demo waits in its vote phase).
    set_phase(demo.workshop, "gather")
    page = open_live(new_page, server, demo, "guest", "phone", name="Pat")
    text = "Asks the school gate for a dealer"
    field = page.get_by_label("New note in Discovery")
    field.tap()
    field.fill(text)
    page.get_by_role("button", name="Add note to Discovery").tap()
    note = page.locator("li[data-touchpoint]", has_text=text)
    expect(note).to_have_count(1)
    added = Touchpoint.objects.get(text=text)
    assert added.stage.name == "Discovery" and added.author_name == "Pat"
    expect(note.locator(".note-author")).to_have_text("Added by Pat")

    # Move to stage…: the note's sheet, not a drag across screens.
    note.locator("[data-note-menu]").tap()
    sheet = page.locator("#note-sheet")
    sheet.get_by_label("Move to stage…").select_option(label="Comparing")
    sheet.get_by_role("button", name="Move", exact=True).tap()
    expect(sheet).to_be_hidden()
    tab(page, "Comparing").tap()
    comparing = page.locator("article.stage", has=page.get_by_role("heading", name="Comparing"))
    moved = comparing.locator("li[data-touchpoint]", has_text=text)
    expect(moved).to_be_visible()
    assert Touchpoint.objects.get(pk=added.pk).stage.name == "Comparing"

    # Edit its text in the sheet.
    moved.locator("[data-note-menu]").tap()
    sheet.get_by_label("Text").fill(text + " and a test drive")
    sheet.get_by_role("button", name="Save text").tap()
    expect(comparing.locator("li[data-touchpoint]", has_text="and a test drive")).to_be_visible()

    # The facilitator opens the vote; the note's vote buttons appear on Pat's phone.
    fran = open_live(new_page, server, demo, "facilitator", "desktop")
    send_operation(fran, {"type": "phase.set", "op_id": "to-vote", "phase": "vote"})
    pain = comparing.locator("li[data-touchpoint]", has_text="and a test drive").get_by_role(
        "button", name="Pain", exact=True
    )
    pain.tap()
    expect(pain).to_have_attribute("aria-pressed", "true")
    assert Vote.objects.filter(
        touchpoint=added, tag="pain", participant__display_name="Pat"
    ).exists()
    assert_fits_the_screen(page)
    path = screenshot(page, "live-guest-phone-voted")
    publish_screenshot(path, "live-phone-voted.png")
