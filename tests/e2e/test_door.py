"""The facilitator keeps the door in a real browser: removes a guest (whose board closes and
says why), draws a new join code (the room stays, the address follows), and a member whose
map role drops sees the page remade for the new role (issue 14, items 2 and 7)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from maps import operations as ops
from maps.models import MapMembership
from tests.e2e.conftest import log_in, screenshot
from tests.e2e.test_live import join_as_guest, open_as_facilitator
from workshops.models import Workshop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDE = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def room(make_user):
    facilitator = make_user("fran")
    actor = ops.Actor.for_user(facilitator)
    journey_map = ops.create_map(actor, title="Family car", stage_names=["Discovery", "Purchase"])
    stage = journey_map.stages.order_by("position").first()
    ops.add_touchpoint(actor, journey_map, stage=stage.pk, text="Books a test drive")
    from workshops.operations import open_workshop

    workshop = open_workshop(facilitator, journey_map, title="Dealership review")
    return {"workshop": workshop, "map": journey_map, "actor": actor}


def test_the_facilitator_removes_a_guest_and_draws_a_new_code(server, new_page, room):
    fran = open_as_facilitator(new_page, server, room)
    sam = join_as_guest(new_page, server, room, name="Sam")
    pat = join_as_guest(new_page, server, room, name="Pat")
    people = fran.locator("#facilitation [data-people]")
    expect(people.locator("li", has_text="Sam")).to_contain_text("guest")
    expect(fran.locator("#presence")).to_contain_text("Sam")
    expect(sam.locator("#presence li", has_text="fran")).to_contain_text("facilitator")
    for size, name in ((WIDE, "wide"), (PHONE, "phone")):
        fran.set_viewport_size(size)
        screenshot(fran, f"door-facilitator-{name}")

    fran.once("dialog", lambda dialog: dialog.accept())
    fran.locator("[popovertarget=people-panel]").click()
    people.get_by_role("button", name="Remove Sam from the workshop").click()
    expect(sam.locator("#connection")).to_have_attribute("data-state", "refused")
    expect(sam.locator("#connection")).to_contain_text("removed you")
    expect(people.locator("li", has_text="Sam")).to_have_count(0)
    expect(fran.locator("#presence")).not_to_contain_text("Sam")
    for size, name in ((WIDE, "wide"), (PHONE, "phone")):
        sam.set_viewport_size(size)
        screenshot(sam, f"door-removed-{name}")
    sam.reload()
    expect(sam.get_by_role("heading", name="You are no longer in this workshop")).to_be_visible()

    old = room["workshop"].join_code
    if not people.is_visible():
        fran.locator("[popovertarget=people-panel]").click()
    fran.get_by_role("button", name="New join code").click()
    new = Workshop.objects.get(pk=room["workshop"].pk).join_code
    expect(fran.locator("#facilitation [data-join-code]")).not_to_have_text(old)
    new = fran.locator("#facilitation [data-join-code]").inner_text()
    assert new == Workshop.objects.get(pk=room["workshop"].pk).join_code != old
    expect(fran.locator("#join-link")).to_have_value(re.compile(rf"/w/{new}/join/$"))
    # The others stay, see the new code, and their address follows (a reload finds it).
    expect(pat.locator("#live [data-join-code]")).to_have_text(new)
    expect(pat).to_have_url(re.compile(rf"/w/{new}/$"))
    expect(pat.locator("#connection")).to_have_attribute("data-state", "online")
    pat.reload()
    expect(pat.locator("#connection")).to_have_attribute("data-state", "online")
    fran.set_viewport_size(WIDE)
    screenshot(fran, "door-new-code-wide")


def test_an_editor_made_viewer_gets_the_page_remade_as_an_observer(
    server, new_page, room, make_user
):
    eddie = make_user("eddie")
    MapMembership.objects.create(map=room["map"], user=eddie, role="editor")
    page = new_page()
    log_in(page, server, "eddie")
    page.goto(f"{server}/w/{room['workshop'].join_code}/join/")
    page.get_by_label("Your name, as others will see it").fill("Eddie")
    page.get_by_role("button", name="Join").click()
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    expect(page.locator("#live")).to_have_attribute("data-can-edit", "true")
    # The owner lowers Eddie's role on the members page (in the server, as in real life).
    owner = new_page()
    log_in(owner, server, "fran")
    owner.goto(f"{server}/maps/{room['map'].pk}/members/")
    owner.get_by_label("Role of eddie").select_option("viewer")
    owner.get_by_role("button", name="Change").click()
    expect(owner.get_by_label("Role of eddie")).to_have_value("viewer")
    expect(page.locator("#live")).to_have_attribute("data-can-edit", "false")
    expect(page.locator("#live")).to_contain_text("Eddie (observer)")
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
