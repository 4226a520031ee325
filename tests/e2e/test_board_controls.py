"""The board's controls (issue 16): fit to screen and zoom for a map of twelve stages, sticky
stage headers, lanes collapsed to those with content, the reveal asked first, the join link
copied and its QR code following a new code, note colours and the heat legend at the top."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from maps import operations as ops
from maps.models import Touchpoint
from reports.demo import DEMO_PASSWORD, DEMO_USERNAME, seed_demo
from tests.e2e.conftest import log_in, publish_screenshot, screenshot, send_operation
from workshops.models import Workshop
from workshops.operations import open_workshop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1280, "height": 720}


@pytest.fixture
def twelve(make_user):
    """A map of twelve stages, two notes each, only the Does lane filled; an open workshop."""
    fran = make_user("fran")
    actor = ops.Actor.for_user(fran)
    names = [f"Stage {n}" for n in range(1, 13)]
    journey_map = ops.create_map(actor, title="Twelve stages", stage_names=names)
    for stage in journey_map.stages.order_by("position"):
        ops.update_stage(actor, journey_map, stage.pk, actions=f"What happens at {stage.name}")
        for n in (1, 2):
            ops.add_touchpoint(actor, journey_map, stage=stage.pk, text=f"{stage.name}, note {n}")
    workshop = open_workshop(fran, journey_map, title="Long journey")
    return {"map": journey_map, "workshop": workshop, "names": names}


def open_as(new_page, server, username, path, password="a-long-password-1", **options):
    page = new_page(options.pop("viewport", LAPTOP), **options)
    log_in(page, server, username, password)
    page.goto(f"{server}{path}")
    return page


def board_overflow(page) -> dict:
    return page.locator("[data-board-scroll]").evaluate(
        "(el) => ({scroll: el.scrollWidth, client: el.clientWidth})"
    )


HEADERS_IN_VIEW = """
() => [...document.querySelectorAll('.stage-head')].every((h) => {
  const r = h.getBoundingClientRect();
  return r.left >= 0 && r.right <= innerWidth && r.top >= 0 && r.bottom <= innerHeight;
})
"""


def test_fit_to_screen_shows_all_twelve_stages_and_the_zoom_keys_work(server, new_page, twelve):
    page = open_as(new_page, server, "fran", f"/w/{twelve['workshop'].join_code}/")
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    before = board_overflow(page)
    assert before["scroll"] > before["client"], "twelve stages overflow the board at 100%"
    assert not page.evaluate(HEADERS_IN_VIEW)

    page.get_by_role("button", name="Fit to screen").click()
    expect(page.locator("[data-zoom-label]")).not_to_have_text("100%")
    after = board_overflow(page)
    assert after["scroll"] <= after["client"] + 1, after
    assert page.evaluate(HEADERS_IN_VIEW), "every stage's header in view at once"
    fitted = page.locator("[data-zoom-label]").inner_text()
    assert int(fitted.rstrip("%")) < 100
    path = screenshot(page, "live-twelve-stages-fitted")
    publish_screenshot(path, "live-fit-twelve-stages.png")

    # The board keeps its zoom when the server sends it again (a stage event re-fetches it).
    send_operation(
        page,
        {
            "type": "stage.update",
            "op_id": "s1",
            "stage": twelve["map"].stages.order_by("position").first().pk,
            "name": "First",
        },
    )
    expect(page.get_by_role("heading", name="First", exact=True)).to_be_visible()
    expect(page.locator("[data-zoom-label]")).to_have_text(fitted)

    # Ctrl + minus and Ctrl + 0 zoom the board, not the page.
    page.locator("body").press("Control+Minus")
    expect(page.locator("[data-zoom-label]")).not_to_have_text(fitted)
    page.locator("body").press("Control+0")
    expect(page.locator("[data-zoom-label]")).to_have_text("100%")
    page.locator("body").press("Control+Equal")
    expect(page.locator("[data-zoom-label]")).to_have_text("110%")
    assert page.evaluate("window.devicePixelRatio") == 1
    page.get_by_role("button", name="Zoom out").click()
    expect(page.locator("[data-zoom-label]")).to_have_text("100%")


def test_stage_headers_stay_on_top_while_the_board_scrolls_down(server, new_page):
    demo = seed_demo()
    page = open_as(new_page, server, DEMO_USERNAME, f"/maps/{demo.journey_map.pk}/", DEMO_PASSWORD)
    scroller = page.locator("[data-board-scroll]")
    top = scroller.bounding_box()["y"]
    scroller.evaluate("(el) => el.scrollTo(0, 400)")
    page.wait_for_function("document.querySelector('[data-board-scroll]').scrollTop >= 399")
    for head in page.locator(".stage-head").all():
        box = head.bounding_box()
        assert abs(box["y"] - top) < 1.5, (box, top)
    centre = page.locator(".stage-head").first.bounding_box()
    hit = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).closest('.stage-head') !== null",
        [centre["x"] + 20, centre["y"] + centre["height"] / 2],
    )
    assert hit, "the header is drawn over the notes scrolled under it"


def test_lanes_show_only_those_with_content_until_all_are_asked_for(server, new_page, twelve):
    page = open_as(new_page, server, "fran", f"/maps/{twelve['map'].pk}/")
    first = page.locator("article.stage").first
    # The map's page shows lanes in full, but only "Does": no stage fills the others.
    expect(first.locator(".lane:visible")).to_have_count(1)
    expect(first.locator(".lane:visible dt")).to_have_text("Does")
    page.get_by_role("button", name="Lanes").click()
    page.get_by_label("Show all lanes, empty ones too").check()
    expect(first.locator(".lane:visible")).to_have_count(8)
    page.get_by_label("Hidden: notes only").check()
    expect(first.locator(".lanes")).to_be_hidden()
    # Kept across the page's own re-renders (an htmx edit answers with the whole board).
    page.keyboard.press("Escape")
    page.get_by_label("New note in Stage 1", exact=True).fill("One more")
    page.get_by_label("New note in Stage 1", exact=True).press("Enter")
    expect(page.locator("li[data-touchpoint]", has_text="One more")).to_be_visible()
    expect(page.locator("article.stage").first.locator(".lanes")).to_be_hidden()


def test_the_reveal_is_asked_first_and_cancelling_changes_nothing(server, new_page):
    demo = seed_demo()
    code = demo.workshop.join_code
    desktop = {"width": 1440, "height": 900}
    page = open_as(new_page, server, DEMO_USERNAME, f"/w/{code}/", DEMO_PASSWORD, viewport=desktop)
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    page.get_by_role("button", name="Next: Reveal").click()
    dialog = page.get_by_role("dialog", name="Reveal the votes?")
    expect(dialog).to_be_visible()
    screenshot(page, "reveal-confirmation")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    # A probe that must arrive after any phase change: the lock, set and answered.
    page.get_by_role("button", name="Lock board").click()
    expect(page.get_by_role("button", name="Unlock board")).to_be_visible()
    assert Workshop.objects.get(pk=demo.workshop.pk).phase == "vote"
    expect(page.locator("#heat-legend")).to_be_hidden()

    page.get_by_role("button", name="Next: Reveal").click()
    dialog.get_by_role("button", name="Reveal votes").click()
    expect(page.locator("#heat-legend")).to_be_visible()
    assert Workshop.objects.get(pk=demo.workshop.pk).phase == "reveal"
    # The legend sits at the top of the board, above the stages.
    legend = page.locator("#heat-legend").bounding_box()
    first_stage = page.locator(".stage-head").first.bounding_box()
    assert legend["y"] + legend["height"] <= first_stage["y"]
    # Chips only for tags somebody gave: the contract has pain, and nothing else.
    contract = page.locator("li[data-touchpoint]", has_text="Signs a long contract")
    expect(contract.locator(".heat-count")).to_have_count(1)
    expect(contract.locator('.heat-count[data-tag="pain"] strong')).to_have_text("2")
    expect(page.locator("#facilitation .step[aria-current='step']")).to_have_text("Reveal")
    expect(page.get_by_role("button", name="Next: Discuss")).to_be_visible()
    path = screenshot(page, "live-revealed-desktop")
    publish_screenshot(path, "heatmap.png")


def test_the_join_link_is_copied_and_its_qr_code_follows_a_new_code(server, new_page, twelve):
    page = open_as(
        new_page,
        server,
        "fran",
        f"/w/{twelve['workshop'].join_code}/",
        permissions=["clipboard-read", "clipboard-write"],
    )
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    page.get_by_role("button", name="Invite").click()
    invite = page.locator("#invite-panel")
    old = twelve["workshop"].join_code
    page.get_by_role("button", name="Copy link").click()
    expect(invite.locator("[data-copied]")).to_contain_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == f"{server}/w/{old}/join/"
    expect(invite.get_by_role("img", name="QR code of the join link")).to_be_visible()
    qr = page.locator("img[data-join-qr]")
    expect(qr).to_have_attribute("src", re.compile(rf"\?code={old}$"))
    assert qr.evaluate("(img) => img.complete && img.naturalWidth > 0")
    screenshot(page, "invite-panel")

    page.keyboard.press("Escape")  # the invite panel closes; the people panel has the new code
    page.locator("[popovertarget=people-panel]").click()
    page.get_by_role("button", name="New join code").click()
    expect(page.locator("#facilitation [data-join-code]")).not_to_have_text(old)
    new = Workshop.objects.get(pk=twelve["workshop"].pk).join_code
    expect(qr).to_have_attribute("src", re.compile(rf"\?code={new}$"))
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=qr.element_handle())
    expect(page.locator("[data-present-link]")).to_have_attribute("href", f"/w/{new}/present/")
    page.goto(f"{server}/w/{new}/present/")
    expect(page.locator(".big-code")).to_have_text(new)
    path = screenshot(page, "present")
    publish_screenshot(path, "present.png")


def test_a_note_colour_set_on_one_screen_shows_on_the_other(server, new_page, twelve):
    code = twelve["workshop"].join_code
    fran = open_as(new_page, server, "fran", f"/w/{code}/")
    sam = new_page(LAPTOP)
    sam.goto(f"{server}/w/{code}/join/")
    sam.get_by_label("Your name, as others will see it").fill("Sam")
    sam.get_by_role("button", name="Join").click()
    expect(sam.locator("#connection")).to_have_attribute("data-state", "online")
    note = fran.locator("li[data-touchpoint]", has_text="Stage 1, note 1")
    note.hover()
    note.get_by_role("button", name="Note actions").click()
    fran.locator("#note-sheet").get_by_text("Pink").click()
    theirs = sam.locator("li[data-touchpoint]", has_text="Stage 1, note 1")
    expect(theirs).to_have_attribute("data-colour", "pink")
    paper = theirs.evaluate("(el) => getComputedStyle(el).backgroundColor")
    plain = sam.locator("li[data-touchpoint]", has_text="Stage 1, note 2").evaluate(
        "(el) => getComputedStyle(el).backgroundColor"
    )
    assert paper != plain, paper
    assert Touchpoint.objects.get(text="Stage 1, note 1").colour == "pink"
