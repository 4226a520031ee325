"""Running the room in the browser (issue 17), a facilitator and participants in their own
Chromium contexts: action items in Discuss (live for everyone, disabled outside it with the
reason); "I'm done" and the voting progress on the facilitator's screen; a budget changed
mid-vote keeps every screen's count right; the timer's end flashes (and chimes for those who
asked); closing turns every open page into the final board at once, without a reload."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from maps import operations as ops
from tests.e2e.conftest import log_in, publish_screenshot, screenshot, send_operation
from workshops.facilitation import set_phase, set_vote_budget
from workshops.operations import open_workshop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def room(make_user):
    facilitator = make_user("fran")
    actor = ops.Actor.for_user(facilitator)
    journey_map = ops.create_map(actor, title="Buying a family car", stage_names=["Purchase"])
    stage = journey_map.stages.get()
    ops.add_touchpoint(actor, journey_map, stage=stage.pk, text="Signs a long contract")
    ops.add_touchpoint(actor, journey_map, stage=stage.pk, text="Waits for the keys")
    workshop = open_workshop(facilitator, journey_map, title="Dealership review")
    return {"workshop": workshop, "map": journey_map}


def online(page) -> None:
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")


SIZES = {
    "1440": {"width": 1440, "height": 900},
    "1280": {"width": 1280, "height": 720},
    "390": {"width": 390, "height": 844},
}


def facilitate(new_page, server, workshop, **options):
    page = new_page(**options)
    log_in(page, server, "fran")
    page.goto(f"{server}/w/{workshop.join_code}/")
    online(page)
    return page


def join(new_page, server, code: str, name: str, **options):
    page = new_page(**options)
    page.goto(f"{server}/w/{code}/join/")
    page.get_by_label("Your name, as others will see it").fill(name)
    page.get_by_role("button", name="Join").click()
    page.wait_for_url(re.compile(rf"/w/{code}/$"))
    online(page)
    return page


def test_action_items_in_discuss_are_live_for_everyone_and_disabled_outside_it(
    server, new_page, room
):
    workshop = room["workshop"]
    set_phase(workshop, "discuss")
    fran = facilitate(new_page, server, workshop)
    ann = join(new_page, server, workshop.join_code, "Ann")

    # Ann turns the note into an action she owns; both boards list it.
    form = ann.locator('form[data-operation="action.add"]')
    form.get_by_label("Touchpoint").select_option(label="Signs a long contract")
    form.get_by_label("What").fill("Write a one-page summary")
    form.get_by_label("Who").select_option(label="Ann (guest)")
    form.get_by_label("By when").fill("2026-12-01")
    form.get_by_role("button", name="Add action").click()
    for page in (ann, fran):
        item = page.locator("#board li[data-action]", has_text="Write a one-page summary")
        expect(item).to_contain_text("Ann")
        expect(item.locator("time")).to_have_attribute("datetime", "2026-12-01")
    # The form starts afresh once its action is in.
    expect(ann.locator('form[data-operation="action.add"]').get_by_label("What")).to_have_value("")

    # Fran edits its status; Ann sees it at once.
    item = fran.locator("#board li[data-action]", has_text="Write a one-page summary")
    item.get_by_text("Edit").click()
    item.get_by_label("Status").select_option(label="In progress")
    item.get_by_role("button", name="Save action").click()
    expect(ann.locator("#board li[data-action]")).to_have_attribute("data-status", "doing")
    for size, viewport in SIZES.items():
        ann.set_viewport_size(viewport)
        screenshot(ann, f"action-items-discuss-{size}")
    ann.set_viewport_size(SIZES["1440"])

    # Back in Vote: Ann's form stays, disabled, saying why, and what she typed stays.
    form = ann.locator('form[data-operation="action.add"]')
    form.get_by_label("What").fill("Call the bank")
    fran.locator("button[data-step=vote]").click()
    expect(form.get_by_role("button", name="Add action")).to_be_disabled()
    expect(ann.locator("[data-actions] > [data-why-not]")).to_have_text(
        "Action items open in the Discuss phase."
    )
    expect(form.get_by_label("What")).to_have_value("Call the bank")
    # The facilitator passes the phase gate: Fran's form works.
    expect(
        fran.locator('form[data-operation="action.add"]').get_by_role("button", name="Add action")
    ).to_be_enabled()
    fran.locator("button[data-step=discuss]").click()
    fran.get_by_role("dialog").get_by_role("button", name="Reveal votes").click()
    expect(form.get_by_role("button", name="Add action")).to_be_enabled()
    expect(ann.locator("[data-actions] > [data-why-not]")).to_be_hidden()


def test_voting_progress_and_a_budget_changed_mid_vote_on_every_screen(server, new_page, room):
    workshop = room["workshop"]
    set_vote_budget(workshop, 3)
    set_phase(workshop, "vote")
    fran = facilitate(new_page, server, workshop)
    ann = join(new_page, server, workshop.join_code, "Ann")
    bea = join(new_page, server, workshop.join_code, "Bea")
    contract = ann.locator("#board li[data-touchpoint]", has_text="Signs a long contract")
    contract.get_by_role("button", name="Pain", exact=True).click()
    contract.get_by_role("button", name="Truth", exact=True).click()
    expect(ann.locator("[data-votes-remaining]")).to_have_text("1")

    # The facilitator sees who has voted and who has votes left, never what.
    fran.get_by_role("button", name=re.compile("People")).click()
    progress = fran.locator("[data-progress]")
    expect(progress).to_contain_text("1 of 2 have voted")
    expect(progress.locator("li", has_text="Ann")).to_contain_text("1 vote left")
    expect(progress.locator("li", has_text="Ann").locator('[data-if="voted"]')).to_be_visible()
    expect(progress.locator("li", has_text="Bea")).to_contain_text("3 votes left")
    expect(progress.locator("li", has_text="Bea").locator('[data-if="voted"]')).to_be_hidden()
    expect(progress).not_to_contain_text("Pain")
    expect(progress).not_to_contain_text("Signs a long contract")
    # Bea is done; the facilitator sees it.
    bea.get_by_role("button", name="I'm done").click()
    expect(progress.locator("li", has_text="Bea").locator('[data-if="ready"]')).to_be_visible()
    expect(fran.locator("[data-progress-ready]")).to_have_text("1")
    fran.keyboard.press("Escape")

    # Lowered to 1: Ann keeps her two votes but has none left; Bea has one.
    set_budget(fran, 1)
    expect(ann.locator("[data-votes-left]")).to_have_text("Votes left: 0 of 1")
    expect(bea.locator("[data-votes-left]")).to_have_text("Votes left: 1 of 1")
    keys = ann.locator("#board li[data-touchpoint]", has_text="Waits for the keys")
    keys.get_by_role("button", name="Delight", exact=True).click()
    expect(ann.locator("#live-message")).to_contain_text("You have used all your votes")
    expect(keys.get_by_role("button", name="Delight", exact=True)).to_have_attribute(
        "aria-pressed", "false"
    )
    fran.get_by_role("button", name=re.compile("People")).click()
    expect(progress.locator("li", has_text="Ann")).to_contain_text("0 votes left")
    expect(progress.locator("li", has_text="Bea")).to_contain_text("1 vote left")
    fran.keyboard.press("Escape")

    # Raised to 4: everyone has more at once; Ann's votes are still hers.
    set_budget(fran, 4)
    expect(ann.locator("[data-votes-left]")).to_have_text("Votes left: 2 of 4")
    expect(bea.locator("[data-votes-left]")).to_have_text("Votes left: 4 of 4")
    expect(contract.get_by_role("button", name="Pain", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    keys.get_by_role("button", name="Delight", exact=True).click()
    expect(ann.locator("[data-votes-left]")).to_have_text("Votes left: 1 of 4")
    fran.get_by_role("button", name=re.compile("People")).click()
    expect(progress.locator("li", has_text="Ann")).to_contain_text("1 vote left")
    for size, viewport in SIZES.items():
        fran.set_viewport_size(viewport)
        screenshot(fran, f"voting-progress-{size}")
    fran.set_viewport_size(SIZES["1440"])
    fran.keyboard.press("Escape")

    # Locked mid-vote: the vote buttons stay, disabled, saying why; unlocked, they work again.
    fran.get_by_role("button", name="Lock board").click()
    pain = keys.get_by_role("button", name="Pain", exact=True)
    expect(pain).to_be_disabled()
    expect(pain).to_have_attribute("title", "The facilitator has locked the board.")
    expect(ann.locator("[data-votes-left]")).to_have_text("Votes left: 1 of 4")
    fran.get_by_role("button", name="Unlock board").click()
    expect(pain).to_be_enabled()
    expect(pain).to_have_attribute("title", "Pain point")


def set_budget(page, budget: int) -> None:
    page.get_by_role("button", name=re.compile("Votes each")).click()
    page.get_by_label("Votes per person").fill(str(budget))
    page.get_by_role("button", name="Set", exact=True).click()
    expect(page.locator("[data-budget-label]")).to_have_text(str(budget))
    page.keyboard.press("Escape")


# Counts the oscillators the page starts: the chime is two notes.
COUNT_TONES = """
(() => {
  window.tones = 0;
  const create = AudioContext.prototype.createOscillator;
  AudioContext.prototype.createOscillator = function () { window.tones += 1; return create.call(this); };
})();
"""


def test_the_timers_end_flashes_and_chimes_only_for_those_who_asked(server, new_page, room):
    workshop = room["workshop"]
    fran = facilitate(new_page, server, workshop)
    ann = join(new_page, server, workshop.join_code, "Ann")
    bea = join(new_page, server, workshop.join_code, "Bea")
    for page in (ann, bea):
        page.add_init_script(COUNT_TONES)
        page.reload()
        online(page)
    # Ann asks for the sound (remembered by her browser); Bea leaves it off, the default.
    fran.get_by_role("button", name="Timer", exact=True).click()
    fran.get_by_label("Timer (minutes)").fill("5")
    fran.get_by_role("button", name="Start").click()
    fran.keyboard.press("Escape")
    toggle = ann.get_by_role("button", name="Sound when time is up")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    ann.reload()
    online(ann)
    expect(ann.get_by_role("button", name="Sound when time is up")).to_have_attribute(
        "aria-pressed", "true"
    )
    ann.get_by_role("heading", level=1).click()  # a gesture: the browser allows sound after one
    expect(bea.get_by_role("button", name="Sound when time is up")).to_have_attribute(
        "aria-pressed", "false"
    )

    send_operation(fran, {"type": "timer.start", "op_id": "short-timer", "seconds": 2})
    for page in (ann, bea, fran):
        box = page.locator(".timer-box")
        expect(box).to_have_class(re.compile("time-up-flash"), timeout=6000)
        expect(page.get_by_role("alert").filter(has_text="Time is up!")).to_be_visible()
        expect(page.locator("[data-timer-display]")).to_have_text("0:00")
    for size, viewport in SIZES.items():
        ann.set_viewport_size(viewport)
        path = screenshot(ann, f"timer-flash-{size}")
        if size == "1280":
            publish_screenshot(path, "live-timer-up.png")
    assert ann.evaluate("window.tones") == 2
    assert bea.evaluate("window.tones") == 0
    # The flash is a moment, not a state: it stops, "Time is up!" stays.
    expect(ann.locator(".timer-box")).not_to_have_class(re.compile("time-up-flash"), timeout=8000)
    expect(ann.locator("[data-time-up]")).to_be_visible()


def test_closing_turns_every_open_page_into_the_final_board_at_once(server, new_page, room):
    workshop = room["workshop"]
    set_phase(workshop, "discuss")
    fran = facilitate(new_page, server, workshop)
    ann = join(new_page, server, workshop.join_code, "Ann")
    fran.get_by_role("button", name="Timer", exact=True).click()
    fran.get_by_label("Timer (minutes)").fill("5")
    fran.get_by_role("button", name="Start").click()
    fran.keyboard.press("Escape")
    for page in (ann, fran):
        expect(page.locator("[data-timer-display]")).to_have_text(re.compile(r"^[45]:\d\d$"))
        page.evaluate("window.notReloaded = true")
    ann.get_by_label("New note in Purchase").fill("Typed, never sent")

    fran.get_by_role("button", name="Next: Closed").click()
    fran.get_by_role("dialog", name="End the workshop?").get_by_role(
        "button", name="End the workshop"
    ).click()

    for page in (ann, fran):
        banner = page.locator("[data-closed]")
        expect(banner).to_be_visible()
        expect(banner.get_by_role("link", name="See the analysis")).to_have_attribute(
            "href", f"/workshops/{workshop.pk}/analysis/"
        )
        expect(banner.get_by_role("link", name="Download the PDF")).to_have_attribute(
            "href", f"/workshops/{workshop.pk}/report.pdf"
        )
        expect(page.locator("[data-timer-display]")).to_have_text("No timer")
        expect(page.locator('form[data-operation="action.add"]')).to_have_count(0)
        expect(page.locator("form[data-add-note]")).to_have_count(0)
        expect(page.locator("[data-note-menu]")).to_have_count(0)
        expect(page.locator("#board li[data-touchpoint]")).to_have_count(2)
        expect(page.locator(".facilitator-controls, .facilitator-tools")).to_have_count(0)
        expect(page.get_by_role("button", name="I'm done")).to_have_count(0)
        assert page.evaluate("window.notReloaded") is True
    for size, viewport in SIZES.items():
        ann.set_viewport_size(viewport)
        path = screenshot(ann, f"closed-{size}")
        if size == "1440":
            publish_screenshot(path, "live-closed.png")
