"""A facilitator and three participants, each in their own Chromium context: the facilitator
opens the vote, everyone dot-votes (seeing only their own votes), the facilitator reveals, and
the heat colours and counts appear on all four screens."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from maps import operations as ops
from tests.e2e.conftest import log_in, screenshot, send_operation
from workshops.models import Vote
from workshops.operations import open_workshop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NOTES = {
    "Discovery": ["Searches online for safe family cars", "Reads reviews from other parents"],
    "Comparing": ["First meeting with the salesperson", "Checks the vehicle history report"],
    "Purchase": ["Negotiates the price and APR", "Signs a long contract"],
}
# Who tags what: the contract is painful to all three, the negotiation divides the room.
BALLOTS = {
    "Ann": [("Signs a long contract", "Pain"), ("Negotiates the price and APR", "Truth")],
    "Bob": [
        ("Signs a long contract", "Pain"),
        ("Negotiates the price and APR", "Pain"),
        ("Reads reviews from other parents", "Delight"),
    ],
    "Cy": [("Signs a long contract", "Pain"), ("Negotiates the price and APR", "Delight")],
}


@pytest.fixture
def room(make_user):
    facilitator = make_user("fran")
    actor = ops.Actor.for_user(facilitator)
    journey_map = ops.create_map(actor, title="Buying a family car", stage_names=list(NOTES))
    for stage in journey_map.stages.order_by("position"):
        for text in NOTES[stage.name]:
            ops.add_touchpoint(actor, journey_map, stage=stage.pk, text=text)
    ops.add_touchpoint(
        actor,
        journey_map,
        stage=journey_map.stages.get(name="Comparing").pk,
        text="Lead routed to a sales queue",
        internal=True,
    )
    workshop = open_workshop(facilitator, journey_map, title="Dealership review", vote_budget=3)
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


def note(page, text: str):
    return page.locator("#board li[data-touchpoint]", has_text=text)


def test_four_screens_vote_and_see_the_reveal(server, new_page, room):
    code = room["workshop"].join_code
    fran = new_page()
    log_in(fran, server, "fran")
    fran.goto(f"{server}/w/{code}/")
    online(fran)
    people = {name: join(new_page, server, code, name) for name in BALLOTS}
    screens = {"fran": fran, **people}

    # The facilitator opens the vote; every screen says so and says what to do.
    # The stepper: straight to Vote (no votes are revealed by that, so no question asked).
    fran.locator("#facilitation").get_by_role("button", name="Vote", exact=True).click()
    for page in screens.values():
        expect(page.locator("[data-phase-label]")).to_have_text("Vote")
        expect(page.locator("[data-phase-hint]")).to_contain_text("hidden until")
    fran.get_by_role("button", name="Timer", exact=True).click()
    fran.get_by_label("Timer (minutes)").fill("3")
    fran.get_by_role("button", name="Start").click()
    fran.keyboard.press("Escape")
    for page in screens.values():
        expect(page.locator("[data-timer-display]")).to_have_text(re.compile(r"^[23]:\d\d$"))

    # Everyone votes with the buttons on the notes; internal notes get none.
    ann = people["Ann"]
    expect(note(ann, "Lead routed to a sales queue").locator(".vote-button")).to_have_count(0)
    for name, ballot in BALLOTS.items():
        page = people[name]
        for text, tag in ballot:
            button = note(page, text).get_by_role("button", name=tag, exact=True)
            button.click()
            expect(button).to_have_attribute("aria-pressed", "true")
        remaining = str(3 - len(ballot))
        expect(page.locator("[data-votes-remaining]")).to_have_text(remaining)
    screenshot(ann, "voting-before-reveal-ann")

    # Before the reveal nobody sees counts or colours, only their own pressed buttons.
    assert Vote.objects.filter(workshop=room["workshop"]).count() == 7
    for page in screens.values():
        expect(page.locator("#board .heat")).to_have_count(0)
    expect(
        note(ann, "Negotiates the price and APR").get_by_role("button", name="Pain", exact=True)
    ).to_have_attribute("aria-pressed", "false")

    # "Next: Reveal" asks first; only the dialog's "Reveal votes" reveals.
    fran.get_by_role("button", name="Next: Reveal").click()
    confirm = fran.get_by_role("dialog", name="Reveal the votes?")
    expect(confirm).to_be_visible()
    confirm.get_by_role("button", name="Reveal votes").click()
    for name, page in screens.items():
        expect(page.locator("[data-phase-label]")).to_have_text("Reveal")
        contract = note(page, "Signs a long contract").locator(".heat")
        expect(contract).to_have_attribute("data-top", "pain")
        expect(contract).to_have_attribute("data-level", "4")
        expect(contract.locator('.heat-count[data-tag="pain"] strong')).to_have_text("3")
        divided = note(page, "Negotiates the price and APR").locator(".heat")
        expect(divided.locator(".heat-flag")).to_contain_text("Inconsistent")
        expect(page.locator("#heat-legend")).to_be_visible()
        expect(page.locator("#board .vote-button")).to_have_count(0)
        # The colour is on the note itself: a strong red, not the plain sticky-note yellow.
        colour = note(page, "Signs a long contract").evaluate(
            "el => getComputedStyle(el).backgroundColor"
        )
        assert colour == "rgb(248, 113, 113)", (name, colour)
    # The per-tag view: only delight colours remain.
    fran.get_by_label("Moments of delight").check()
    delight = note(fran, "Reads reviews from other parents").evaluate(
        "el => getComputedStyle(el).backgroundColor"
    )
    plain = note(fran, "Signs a long contract").evaluate(
        "el => getComputedStyle(el).backgroundColor"
    )
    assert delight != plain and plain == "rgb(255, 255, 255)"
    fran.get_by_label("All tags").check()

    # (The README's heat map is the demo's: tests/e2e/test_board_controls.py.)
    for name, page in screens.items():
        screenshot(page, f"voting-revealed-{name.lower()}")

    # Time up is signalled on every screen at the same server time. The page's controls count in
    # minutes: a two-second timer goes over a second socket of the facilitator's.
    send_operation(fran, {"type": "timer.start", "op_id": "short-timer", "seconds": 2})
    for page in screens.values():
        expect(page.locator("[data-time-up]")).to_be_visible()
        expect(page.locator("[data-timer-display]")).to_have_text("0:00")

    # A reload keeps the heat (server-rendered) and the timer's state.
    people["Bob"].reload()
    online(people["Bob"])
    expect(note(people["Bob"], "Signs a long contract").locator(".heat")).to_have_attribute(
        "data-top", "pain"
    )
    expect(people["Bob"].locator("[data-timer-display]")).to_have_text("0:00")


def test_a_screen_that_missed_the_reveal_shows_the_heat_once_it_reconnects(server, new_page, room):
    from workshops.facilitation import set_phase, toggle_vote
    from workshops.operations import join_workshop

    workshop, journey_map = room["workshop"], room["map"]
    set_phase(workshop, "vote")
    for name in ("Ann", "Bob"):
        voter = join_workshop(workshop, display_name=name)
        toggle_vote(voter, journey_map.touchpoints.get(text="Signs a long contract"), "pain")
    page = join(new_page, server, workshop.join_code, "Dee")
    page.context.set_offline(True)
    expect(page.locator("#connection")).to_have_attribute("data-state", "offline")
    # Revealed while the page is offline: it learns of it from the hello of its next connection.
    set_phase(workshop, "reveal")
    page.context.set_offline(False)
    online(page)

    contract = note(page, "Signs a long contract").locator(".heat")
    expect(contract).to_have_attribute("data-top", "pain")
    expect(contract.locator('.heat-count[data-tag="pain"] strong')).to_have_text("2")
    expect(page.locator("#heat-legend")).to_be_visible()


def test_analysis_and_feedback_import_after_a_revealed_workshop(server, new_page, room):
    from workshops.facilitation import set_phase, toggle_vote
    from workshops.operations import join_workshop

    workshop, journey_map = room["workshop"], room["map"]
    set_phase(workshop, "vote")
    for name, ballot in BALLOTS.items():
        voter = join_workshop(workshop, display_name=name)
        for text, tag in ballot:
            toggle_vote(voter, journey_map.touchpoints.get(text=text), tag.lower())
    set_phase(workshop, "reveal")

    page = new_page()
    log_in(page, server, "fran")
    page.goto(f"{server}/maps/{journey_map.pk}/")
    # The map's own page shows the latest revealed result to its members.
    expect(note(page, "Signs a long contract").locator(".heat")).to_have_attribute(
        "data-top", "pain"
    )
    screenshot(page, "board-heat")
    page.get_by_role("link", name="Heat-map analysis").click()
    pain = page.get_by_role("region", name="Top pain points")
    expect(pain.locator("li").first).to_contain_text("Signs a long contract")
    expect(page.get_by_role("region", name="Inconsistent touchpoints")).to_contain_text(
        "Negotiates the price and APR"
    )

    page.get_by_role("link", name="Import customer feedback (CSV)").click()
    bad = b"touchpoint,tag,source\nSigns a long contract,pain,survey\nTeleports home,pain,survey\n"
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "bad.csv", "mimeType": "text/csv", "buffer": bad}]
    )
    page.get_by_role("button", name="Import").click()
    problems = page.get_by_role("alert").filter(has_text="Nothing was imported")
    expect(problems).to_contain_text("1 problem")
    expect(problems.locator("td").first).to_have_text("3")
    screenshot(page, "feedback-import-errors")

    good = (
        b"touchpoint,tag,score,source,comment\n"
        b"Reads reviews from other parents,pain,,support ticket,Reviews were out of date\n"
        b"Reads reviews from other parents,,-2,survey,\n"
        b"Signs a long contract,pain,,interview,Too much small print\n"
    )
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "good.csv", "mimeType": "text/csv", "buffer": good}]
    )
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_text("Imported 3 pieces of customer feedback.")).to_be_visible()
    gaps = page.get_by_role("table", name="Largest gaps between what the team thinks")
    expect(gaps.locator("tbody tr").first).to_contain_text("Reads reviews from other parents")
    expect(gaps.locator("tbody tr").first).to_contain_text("customers report more (+100 pts)")
    screenshot(page, "heatmap-analysis")
