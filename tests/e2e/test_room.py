"""The server side of issue 17 through its minimal browser wiring, a facilitator and a
participant in their own Chromium contexts: an action item added from the live page's form
reaches both boards; "I'm done" reaches the facilitator's view of the room; closing the
workshop turns both pages into the final board, read-only, with the result's links.
(The fuller client behaviour is integrated with the live board's new layout.)"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from maps import operations as ops
from tests.e2e.conftest import log_in
from workshops.facilitation import set_phase
from workshops.operations import open_workshop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def room(make_user):
    facilitator = make_user("fran")
    actor = ops.Actor.for_user(facilitator)
    journey_map = ops.create_map(actor, title="Buying a family car", stage_names=["Purchase"])
    stage = journey_map.stages.get()
    ops.add_touchpoint(actor, journey_map, stage=stage.pk, text="Signs a long contract")
    workshop = open_workshop(facilitator, journey_map, title="Dealership review")
    return {"workshop": workshop, "map": journey_map}


def online(page) -> None:
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")


def join(new_page, server, code: str, name: str):
    page = new_page()
    page.goto(f"{server}/w/{code}/join/")
    page.get_by_label("Your name, as others will see it").fill(name)
    page.get_by_role("button", name="Join").click()
    page.wait_for_url(re.compile(rf"/w/{code}/$"))
    online(page)
    return page


def test_actions_the_ready_check_and_the_close_in_two_browsers(server, new_page, room):
    workshop = room["workshop"]
    set_phase(workshop, "discuss")
    fran = new_page()
    log_in(fran, server, "fran")
    fran.goto(f"{server}/w/{workshop.join_code}/")
    online(fran)
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

    # Ann says she is done; the facilitator's view of the room says so.
    ann.get_by_role("button", name="I'm done").click()
    expect(ann.get_by_role("button", name="I'm done")).to_have_attribute("aria-pressed", "true")
    expect(fran.locator("[data-progress-ready]")).to_have_text("1")
    fran.locator("[popovertarget=people-panel]").click()
    expect(fran.locator('[data-progress-person] [data-if="ready"]')).to_be_visible()
    fran.keyboard.press("Escape")

    # The facilitator closes the workshop: both pages become the final board, read-only.
    fran.get_by_role("button", name="Next: Closed").click()
    fran.get_by_role("button", name="End the workshop").click()
    for page in (ann, fran):
        expect(page.locator("[data-closed]")).to_be_visible()
        expect(page.get_by_role("link", name="See the analysis")).to_have_attribute(
            "href", f"/workshops/{workshop.pk}/analysis/"
        )
        expect(page.locator('form[data-operation="action.add"]')).to_have_count(0)
        expect(page.locator("form[data-add-note]")).to_have_count(0)
        expect(page.locator("#board li[data-touchpoint]")).to_have_count(1)
