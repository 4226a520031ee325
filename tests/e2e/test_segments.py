"""Several personas on one board, in a real browser (issue 20): an editor adds a second persona
from the library, gives it emotion scores, sees two curves, hides one, names a note for one
persona and filters the board; the demo's two personas on the map's page and the live page at
1440x900, 1280x720 and 390x844 (screenshots; the README's come from here, UPDATE_SCREENSHOTS=1)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from maps import operations as ops
from reports.demo import DEMO_PASSWORD, DEMO_USERNAME, seed_demo
from tests.e2e.conftest import (
    SCREENSHOTS,
    assert_fits_the_screen,
    log_in,
    publish_screenshot,
    screenshot,
)
from workshops.facilitation import set_phase

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": (1440, 900), "laptop": (1280, 720), "phone": (390, 844)}


@pytest.fixture
def family_map():
    user = get_user_model().objects.create_user("maya", password="a-long-password-1")
    actor = ops.Actor.for_user(user)
    sarah = ops.create_persona(actor, name="Sarah Mitchell", role="School teacher")
    couple = ops.create_persona(actor, name="Retired couple", role="Their last car")
    journey_map = ops.create_map(
        actor, title="Family car", persona=sarah, stage_names=["Discovery", "Comparing", "Purchase"]
    )
    stages = list(journey_map.stages.order_by("position"))
    for stage, score in zip(stages, (1, 0, -1), strict=True):
        ops.update_stage(actor, journey_map, stage.pk, emotion_now=score)
    ops.add_touchpoint(actor, journey_map, stage=stages[1].pk, text="History report online")
    ops.add_touchpoint(actor, journey_map, stage=stages[1].pk, text="Salesperson meeting")
    return journey_map, sarah, couple


def persona_curve(page, persona_id: int):
    return page.locator(f'#emotion-curve polyline.now[data-persona="{persona_id}"]')


def set_feelings(page, stage: str, persona: str, now: str) -> None:
    column = page.locator("article.stage", has=page.get_by_role("heading", name=stage))
    column.locator("summary", has_text="Edit lanes").click()
    form = column.locator("form.persona-feel-form", has_text=f"How {persona} feels here")
    form.get_by_label("Emotion now").select_option(now)
    form.get_by_role("button", name=f"Save {persona}'s feelings").click()
    expect(page.locator("#board")).to_be_attached()


def test_add_a_second_persona_score_it_see_two_curves_and_filter(server, new_page, family_map):
    journey_map, sarah, couple = family_map
    page = new_page({"width": 1440, "height": 900})
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, server, "maya")
    page.goto(f"{server}/maps/{journey_map.pk}/")
    expect(page.locator("[data-curve-toggle]")).to_have_count(0)  # one persona, one curve

    # Add the couple from the library.
    page.get_by_role("button", name="Persona: Sarah Mitchell").click()
    page.locator("#persona-card summary", has_text="Add a persona").click()
    page.get_by_label("From your library").select_option(label="Retired couple (Their last car)")
    page.get_by_role("button", name="Add to this map").click()
    expect(page.locator("[data-curve-toggle]")).to_have_count(2)
    expect(page.get_by_role("button", name="2 personas")).to_be_visible()

    # The couple's scores: a second curve, in its own colour.
    set_feelings(page, "Discovery", "Retired couple", "-2")
    expect(persona_curve(page, couple.pk)).to_have_attribute("points", "50,90")
    set_feelings(page, "Comparing", "Retired couple", "1")
    expect(persona_curve(page, couple.pk)).to_have_attribute("points", "50,90 150,30")
    expect(persona_curve(page, sarah.pk)).to_have_attribute("points", "50,30 150,50 250,70")
    colours = [
        persona_curve(page, p.pk).evaluate("(el) => getComputedStyle(el).stroke")
        for p in (sarah, couple)
    ]
    assert colours[0] != colours[1]

    # Hide the couple's curve from the legend, and show it again.
    toggle = page.locator(f'[data-curve-toggle="{couple.pk}"]')
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(persona_curve(page, couple.pk)).to_be_hidden()
    toggle.press("Enter")
    expect(persona_curve(page, couple.pk)).to_be_visible()

    # A note on the couple's journey only; Sarah's journey dims it.
    history = page.locator("li[data-touchpoint]", has_text="History report online")
    history.locator("summary", has_text="Edit").click()
    scope = history.locator("form.note-scope-form")
    scope.get_by_label("Retired couple").check()
    scope.get_by_role("button", name="Set whose journey").click()
    history = page.locator("li[data-touchpoint]", has_text="History report online")
    expect(history.locator(".note-scope")).to_have_text("Only for Retired couple")
    page.locator("select[data-persona-filter]").select_option(label="Sarah Mitchell")
    expect(history).to_have_attribute("data-off-journey", "")
    assert float(history.evaluate("(el) => getComputedStyle(el).opacity")) < 0.5
    meeting = page.locator("li[data-touchpoint]", has_text="Salesperson meeting")
    expect(meeting).not_to_have_attribute("data-off-journey", "")
    screenshot(page, "segments-editor-filtered")

    # The filter outlives an edit (a fresh board from the server) and a reload.
    page.reload()
    expect(page.locator("select[data-persona-filter]")).to_have_value(str(sarah.pk))
    expect(page.locator("li[data-touchpoint]", has_text="History report online")).to_have_attribute(
        "data-off-journey", ""
    )
    page.locator("select[data-persona-filter]").select_option(label="Retired couple")
    expect(page.locator("li[data-off-journey]")).to_have_count(0)


def seen(page, name: str):
    """What the person sees: the viewport (the board page is the viewport; a full-page shot
    lays out what follows the board under it, which nobody sees that way)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


@pytest.mark.parametrize("size", sorted(SIZES))
def test_the_demos_two_personas_on_the_map_page_and_the_live_page(server, new_page, size):
    demo = seed_demo()
    width, height = SIZES[size]
    phone = size == "phone"
    page = new_page({"width": width, "height": height}, has_touch=phone, is_mobile=phone)
    log_in(page, server, DEMO_USERNAME, DEMO_PASSWORD)
    page.goto(f"{server}/maps/{demo.journey_map.pk}/")
    expect(page.locator("[data-curve-toggle]")).to_have_count(2)
    expect(page.locator("#emotion-curve polyline.now")).to_have_count(2)
    assert_fits_the_screen(page)
    shot = seen(page, f"segments-board-{size}")
    if size == "desktop":  # the README's
        publish_screenshot(shot, "segments-board-desktop.png")
    page.get_by_role("button", name="2 personas").click()
    cards = page.locator("[data-persona-card]")
    expect(cards).to_have_count(2)
    expect(cards.nth(1)).to_contain_text("Margaret and Bill Okafor")
    if not phone:  # side by side
        boxes = [cards.nth(i).bounding_box() for i in range(2)]
        assert abs(boxes[0]["y"] - boxes[1]["y"]) < 2 and boxes[0]["x"] < boxes[1]["x"]
    shot = seen(page, f"segments-cards-{size}")
    if size != "laptop":
        publish_screenshot(shot, f"segments-cards-{size}.png")
    page.keyboard.press("Escape")

    page.goto(f"{server}/w/{demo.workshop.join_code}/")
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    expect(page.locator("[data-curve-toggle]")).to_have_count(2)
    page.locator("select[data-persona-filter]").select_option(label="Margaret and Bill Okafor")
    expect(page.locator("li[data-off-journey]")).to_have_count(3)  # Sarah's three
    assert_fits_the_screen(page)
    if phone:
        for control in page.locator("[data-curve-toggle]").all():
            assert control.bounding_box()["height"] >= 44
    shot = seen(page, f"segments-live-{size}")
    if size == "desktop":
        publish_screenshot(shot, "segments-live-desktop.png")


def test_pain_for_whom_a_guest_votes_for_one_persona(server, new_page):
    """The facilitator turns on "pain for whom?"; a guest votes pain for the couple on a note
    they share with Sarah: the vote carries the persona, and the buttons show it only while
    voting for the couple."""
    from workshops.models import Vote

    demo = seed_demo()
    sarah, couple = demo.journey_map.persona_id, demo.journey_map.segments.get().persona_id
    fran = new_page({"width": 1440, "height": 900})
    log_in(fran, server, DEMO_USERNAME, DEMO_PASSWORD)
    fran.goto(f"{server}/w/{demo.workshop.join_code}/")
    expect(fran.locator("#connection")).to_have_attribute("data-state", "online")
    fran.get_by_role("button", name="Votes each").click()
    fran.get_by_label("Pain for whom?").check()

    guest = new_page({"width": 1280, "height": 720})
    guest.goto(f"{server}/w/{demo.workshop.join_code}/join/")
    guest.get_by_label("Your name, as others will see it").fill("Gus")
    guest.get_by_role("button", name="Join").click()
    expect(guest.locator("#connection")).to_have_attribute("data-state", "online")
    chooser = guest.locator("select[data-vote-persona]")
    expect(chooser).to_be_visible()
    chooser.select_option(label="Margaret and Bill Okafor")
    contract = guest.locator("li[data-touchpoint]", has_text="Signs a long contract")
    pain = contract.get_by_role("button", name="Pain", exact=True)
    pain.click()
    expect(pain).to_have_attribute("aria-pressed", "true")
    vote = Vote.objects.get(participant__display_name="Gus")
    assert (vote.tag, vote.persona_id) == ("pain", couple)
    chooser.select_option(label="everyone")
    expect(pain).to_have_attribute("aria-pressed", "false")
    chooser.select_option(label="Sarah Mitchell")
    expect(pain).to_have_attribute("aria-pressed", "false")
    assert sarah != couple
    shot = seen(guest, "segments-vote-for-whom")
    publish_screenshot(shot, "segments-vote-for-whom.png")

    # Turned off: the chooser goes, and votes are for everyone again.
    fran.get_by_label("Pain for whom?").uncheck()
    expect(chooser).to_be_hidden()


def test_the_live_note_sheet_says_whose_journey_a_note_is_on(server, new_page):
    from maps.models import Touchpoint

    demo = seed_demo()
    set_phase(demo.workshop, "gather")
    sarah = demo.journey_map.persona_id
    page = new_page({"width": 1280, "height": 720})
    log_in(page, server, DEMO_USERNAME, DEMO_PASSWORD)
    page.goto(f"{server}/w/{demo.workshop.join_code}/")
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    contract = page.locator("li[data-touchpoint]", has_text="Signs a long contract")
    contract.locator("[data-note-menu]").click()
    sheet = page.locator("#note-sheet")
    expect(sheet.get_by_text("Whose journey is it on?")).to_be_visible()
    expect(sheet.get_by_label("Sarah Mitchell")).not_to_be_checked()
    seen(page, "segments-live-sheet-open")  # look at it: the choices in the sheet
    sheet.get_by_label("Sarah Mitchell").check()
    sheet.get_by_role("button", name="Set whose journey").click()
    contract = page.locator("li[data-touchpoint]", has_text="Signs a long contract")
    expect(contract.locator(".note-scope")).to_have_text("Only for Sarah Mitchell")
    note = Touchpoint.objects.get(map=demo.journey_map, text="Signs a long contract")
    assert list(note.personas.values_list("pk", flat=True)) == [sarah]
    seen(page, "segments-live-sheet-set")
