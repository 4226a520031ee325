"""Markup typed into every field, rendered in Chromium by the server (board, live board,
analysis) and by board.js from websocket events (new notes, stage edits, groups, a guest's
name in presence): nothing runs, and the Content Security Policy never has to stop anything.

Each payload sets window.__xss if it runs. The CSP would block inline script anyway, so the
test also records every CSP violation: a payload that reached the DOM as markup shows up there
even though it could not run."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from maps import operations as ops
from tests.e2e.conftest import log_in, screenshot
from workshops.operations import open_workshop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCRIPT = "<script>window.__xss=1</script>"
IMG = '"><img src=x onerror="window.__xss=2">'
SVG = "<svg onload=window.__xss=3>"
ALL = f"{SCRIPT} {IMG} {SVG}"

RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "") + " " + (e.sample || ""));
});
"""


SEND_OPERATIONS = """
async (messages) => {
  const socket = new WebSocket(location.origin.replace("http", "ws") + location.pathname.replace("/w/", "/ws/w/"));
  await new Promise((resolve) => socket.addEventListener("open", resolve));
  const acks = new Promise((resolve) => {
    let left = messages.length;
    socket.addEventListener("message", (e) => {
      const m = JSON.parse(e.data);
      if ((m.type === "ack" || m.type === "error") && m.op_id && --left === 0) resolve();
    });
  });
  for (const m of messages) socket.send(JSON.stringify(m));
  await acks;
  socket.close();
}
"""


@pytest.fixture
def room(make_user):
    facilitator = make_user("fran")
    actor = ops.Actor.for_user(facilitator)
    persona = ops.create_persona(
        ops.Actor.for_user(facilitator), name=f"P {SVG}"[:60], quote=ALL, goals=ALL
    )
    journey_map = ops.create_map(
        actor, title=f"M {SCRIPT}", persona=persona, scope=ALL, stage_names=[f"S {IMG}"[:60]]
    )
    stage = journey_map.stages.get()
    ops.update_stage(actor, journey_map, stage.pk, actions=ALL, thoughts=ALL, goals=ALL)
    note = ops.add_touchpoint(actor, journey_map, stage=stage.pk, text=ALL, department=SVG)
    ops.add_group(
        actor, journey_map, name=f"G {SCRIPT}"[:60], touchpoints=[note.payload["touchpoint"]["id"]]
    )
    workshop = open_workshop(facilitator, journey_map, title=f"W {IMG}"[:100])
    return {"map": journey_map, "stage": stage, "workshop": workshop}


def watched(page):
    """Record console CSP reports and page errors as well as the DOM event."""
    page.add_init_script(RECORD_VIOLATIONS)
    page.console_reports = []
    page.on(
        "console",
        lambda m: (
            page.console_reports.append(m.text)
            if "Content Security Policy" in m.text or "Refused to" in m.text
            else None
        ),
    )
    page.on("pageerror", lambda e: page.console_reports.append(f"pageerror: {e}"))
    return page


def assert_nothing_ran(page) -> None:
    assert page.evaluate("window.__xss") is None, "a payload ran"
    assert page.evaluate("window.__csp") == [], page.evaluate("window.__csp")
    assert page.console_reports == []


def test_markup_in_every_field_never_runs_on_any_screen(server, new_page, room):
    fran = watched(new_page())
    log_in(fran, server, "fran")
    code = room["workshop"].join_code
    m = room["map"].pk
    for path in (f"/maps/{m}/", f"/maps/{m}/analysis/", "/personas/", "/"):
        fran.goto(f"{server}{path}")
        assert_nothing_ran(fran)
    fran.goto(f"{server}/w/{code}/")
    expect(fran.locator("#connection")).to_have_attribute("data-state", "online")
    expect(fran.locator("#board")).to_contain_text(SCRIPT)  # shown, as text

    # A guest whose name is markup: it reaches the facilitator's presence list.
    sam = watched(new_page())
    sam.goto(f"{server}/w/{code}/join/")
    sam.get_by_label("Your name, as others will see it").fill("<img src=x onerror=window.__xss=5>")
    sam.get_by_role("button", name="Join").click()
    sam.wait_for_url(re.compile(rf"/w/{code}/$"))
    expect(sam.locator("#connection")).to_have_attribute("data-state", "online")
    expect(fran.locator("#presence")).to_contain_text("<img src=x")

    # Changes arriving as websocket events, rendered by board.js: sent over a second socket
    # of the facilitator's browser, as any client could.
    stage = room["stage"].pk
    fran.evaluate(
        SEND_OPERATIONS,
        [
            {
                "type": "touchpoint.add",
                "op_id": "x1",
                "stage": stage,
                "text": f"new {IMG} {SCRIPT}",
            },
            {"type": "stage.update", "op_id": "x2", "stage": stage, "name": f"S2 {SCRIPT}"},
            {"type": "stage.update", "op_id": "x3", "stage": stage, "feelings": f"felt {SVG}"},
            {"type": "group.add", "op_id": "x4", "name": f"G2 {IMG}"[:60]},
        ],
    )
    expect(sam.locator("#board")).to_contain_text(f"new {IMG}")
    expect(fran.locator("#board")).to_contain_text(f"new {IMG}")
    expect(sam.locator("#board")).to_contain_text("S2 <script>")
    screenshot(sam, "hostile-markup-shown-as-text")
    assert_nothing_ran(fran)
    assert_nothing_ran(sam)
