"""An accessibility scan with axe-core (vendored for the tests only: tests/e2e/vendor/, with its
licence) of the map's board, the live board (facilitator and guest, desktop and phone, voting
and revealed), the join page and the analysis page: no serious or critical violation (issue 16).

axe is injected as a script tag; the app's Content-Security-Policy allows only its own scripts,
so these browser contexts bypass it (the app's own pages never need that)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from reports.demo import DEMO_PASSWORD, DEMO_USERNAME, seed_demo
from tests.e2e.conftest import log_in, send_operation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}

RUN_AXE = """
async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({id: v.id, impact: v.impact, help: v.help,
                  nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + " :: " + n.failureSummary)}));
}
"""


def serious_violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN_AXE)


def assert_accessible(page, what: str) -> None:
    violations = serious_violations(page)
    assert violations == [], f"{what}: " + "\n".join(
        f"{v['impact']} {v['id']}: {v['help']}\n  " + "\n  ".join(v["nodes"]) for v in violations
    )


@pytest.fixture
def demo():
    return seed_demo()


def facilitator(new_page, server, viewport=DESKTOP, **options):
    page = new_page(viewport, bypass_csp=True, **options)
    log_in(page, server, DEMO_USERNAME, DEMO_PASSWORD)
    return page


def online(page) -> None:
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")


def test_the_maps_board_has_no_serious_accessibility_violation(server, new_page, demo):
    page = facilitator(new_page, server)
    page.goto(f"{server}/maps/{demo.journey_map.pk}/")
    expect(page.locator("li[data-touchpoint]").first).to_be_visible()
    assert_accessible(page, "map board")
    # With a note's editor open and the lanes menu open.
    page.locator("li[data-touchpoint] summary").first.click()
    expect(page.get_by_role("button", name="Save note").first).to_be_visible()
    page.get_by_role("button", name="Lanes").click()
    assert_accessible(page, "map board, editors open")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_live_board_has_no_serious_accessibility_violation(server, new_page, demo, viewport):
    phone = viewport is PHONE
    code = demo.workshop.join_code
    page = facilitator(new_page, server, viewport, has_touch=phone, is_mobile=phone)
    page.goto(f"{server}/w/{code}/")
    online(page)
    expect(page.locator(".vote-button").first).to_be_visible()
    assert_accessible(page, "live board, facilitator, voting")

    guest = new_page(viewport, bypass_csp=True, has_touch=phone, is_mobile=phone)
    guest.goto(f"{server}/w/{code}/join/")
    assert_accessible(guest, "join page")
    guest.get_by_label("Your name, as others will see it").fill("Sam")
    guest.get_by_role("button", name="Join").click()
    guest.wait_for_url(re.compile(rf"/w/{code}/$"))
    online(guest)
    expect(guest.locator(".vote-button").first).to_be_visible()
    assert_accessible(guest, "live board, guest, voting")
    # While voting a participant's note menu is disabled, saying why (live/controls.js); the
    # facilitator, whom the phase does not stop, opens the sheet.
    expect(guest.locator("li[data-touchpoint] [data-note-menu]").first).to_be_disabled()
    page.locator("li[data-touchpoint] [data-note-menu]").first.click()
    expect(page.locator("#note-sheet")).to_be_visible()
    assert_accessible(page, "live board, facilitator, note sheet open")
    page.keyboard.press("Escape")
    expect(page.locator("#note-sheet")).to_be_hidden()

    send_operation(page, {"type": "phase.set", "op_id": "reveal", "phase": "reveal"})
    expect(guest.locator("#heat-legend")).to_be_visible()
    expect(page.locator("#heat-legend")).to_be_visible()
    assert_accessible(page, "live board, facilitator, revealed")
    page.get_by_role("button", name="Invite").click()
    assert_accessible(page, "live board, invite open")


def test_the_analysis_and_present_pages_have_no_serious_accessibility_violation(
    server, new_page, demo
):
    from workshops.facilitation import set_phase

    set_phase(demo.workshop, "reveal")
    page = facilitator(new_page, server)
    page.goto(f"{server}/maps/{demo.journey_map.pk}/analysis/")
    expect(page.get_by_role("region", name="Top pain points")).to_be_visible()
    assert_accessible(page, "analysis page")
    page.goto(f"{server}/w/{demo.workshop.join_code}/present/")
    assert_accessible(page, "present view")
