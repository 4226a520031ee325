"""The map editor in a real browser: a facilitator fills a persona, creates a map from a
template, adds notes, moves them by keyboard, edits lanes and emotion scores and sees the curve
change."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from maps.models import JourneyMap, Touchpoint
from tests.e2e.conftest import log_in, publish_screenshot, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def note(page, text: str):
    return page.locator("li[data-touchpoint]", has_text=text)


def notes_of(page, stage_name: str):
    column = page.locator("article.stage", has=page.get_by_role("heading", name=stage_name))
    return column.locator("li[data-touchpoint] .note-text")


def editor_ready(page) -> None:
    """The page's scripts have taken over the board (static/js/editor.js). A key pressed
    before is the browser's own: Enter posts the form without htmx (a page load that keeps the
    focus, maps.views), Alt + arrow does nothing."""
    page.locator("body[data-editor-ready]").wait_for(state="attached")


def add_note(page, stage_name: str, text: str) -> None:
    editor_ready(page)
    field = page.get_by_label(f"New note in {stage_name}")
    field.fill(text)
    field.press("Enter")
    note(page, text).wait_for()
    editor_ready(page)


def curve(page, which: str) -> str:
    return page.locator(f"#emotion-curve polyline.{which}").get_attribute("points")


def test_facilitator_builds_a_map_with_the_editor(server, new_page):
    get_user_model().objects.create_user("maya", password="a-long-password-1")
    page = new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, server, "maya")

    # A persona first: the empty state says so.
    page.get_by_role("link", name="Create a persona").click()
    page.get_by_label("Name").fill("Sarah Mitchell")
    page.get_by_label("Role / occupation").fill("School teacher, mother of two")
    page.get_by_label("Quote").fill("I need a safe car we can afford.")
    page.get_by_label("Goals").fill("A safe, reliable family car within budget.")
    page.get_by_label("Buyer type").select_option("need_driven")
    page.get_by_role("button", name="Save persona").click()
    page.get_by_text("Persona Sarah Mitchell created.").wait_for()
    screenshot(page, "editor-personas")

    # A map from the Standard template, with that persona.
    page.goto(f"{server}/maps/new/")
    page.get_by_label("Title").fill("Family car")
    page.get_by_label("Template").select_option("standard")
    page.get_by_label("Persona").select_option(label="Sarah Mitchell")
    page.get_by_label("Scope").fill("From the first search to the first service")
    page.get_by_role("button", name="Create map").click()
    page.get_by_role("heading", name="Relationship strengthening").wait_for()
    assert page.locator("aside.persona h2").inner_text() == "Sarah Mitchell"
    assert page.locator("[data-stage]").count() == 5

    # Notes, added with the keyboard (Enter submits; focus stays in the field for the next).
    add_note(page, "Awareness", "Sees an ad on a school run")
    add_note(page, "Awareness", "Reads reviews from other parents")
    add_note(page, "Awareness", "<b>Books</b> a test drive")
    # The note shows before the swapped-in board has settled and focus is back: wait for it
    # (the assertion that read it at once failed on a loaded CI machine).
    expect(page.get_by_label("New note in Awareness")).to_be_focused()
    assert note(page, "<b>Books</b> a test drive").locator(".note-text").inner_text() == (
        "<b>Books</b> a test drive"
    )

    # Move a note by keyboard only: Tab to it, Alt + arrow keys; focus stays on the note
    # across the board's refresh, so the keys can be pressed again.
    page.get_by_label("New note in Awareness").focus()
    booked = note(page, "a test drive")
    booked.focus()
    page.keyboard.press("Alt+ArrowUp")
    awareness_notes = notes_of(page, "Awareness")
    expect(awareness_notes).to_have_text(
        [
            "Sees an ad on a school run",
            "<b>Books</b> a test drive",
            "Reads reviews from other parents",
        ]
    )
    expect(note(page, "a test drive")).to_be_focused()
    page.keyboard.press("Alt+ArrowUp")
    expect(awareness_notes).to_have_text(
        [
            "<b>Books</b> a test drive",
            "Sees an ad on a school run",
            "Reads reviews from other parents",
        ]
    )
    # htmx restores focus when the swap settles, a moment after the new order shows.
    expect(note(page, "a test drive")).to_be_focused()
    page.keyboard.press("Alt+ArrowRight")
    expect(notes_of(page, "Consideration")).to_have_text(["<b>Books</b> a test drive"])
    expect(note(page, "a test drive")).to_be_focused()
    # The same moves as buttons in the note's editor (Tab to "Edit", Enter opens it).
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    note(page, "a test drive").get_by_role("button", name="Move to the previous stage").click()
    expect(notes_of(page, "Awareness")).to_have_text(
        [
            "<b>Books</b> a test drive",
            "Sees an ad on a school run",
            "Reads reviews from other parents",
        ]
    )
    expect(note(page, "a test drive")).to_be_focused()
    page.keyboard.press("Alt+ArrowRight")
    expect(notes_of(page, "Consideration")).to_have_text(["<b>Books</b> a test drive"])
    # At the edge: refused in words, nothing moves.
    expect(note(page, "a test drive")).to_be_focused()
    page.keyboard.press("Alt+ArrowUp")
    page.get_by_text("already at the top of its stage").wait_for()
    screenshot(page, "editor-moved-by-keyboard")
    moved = Touchpoint.objects.get(text="<b>Books</b> a test drive")
    assert moved.stage.name == "Consideration"

    # Mark a note critical through its editor.
    note(page, "Reads reviews").locator("summary").click()
    page.get_by_role("checkbox", name="Critical").check()
    page.get_by_role("button", name="Save note").click()
    page.wait_for_selector("li.note.critical")
    assert "critical" in note(page, "Reads reviews").get_attribute("class")

    # Lanes and emotion scores: the curve is redrawn.
    assert curve(page, "now") == ""
    awareness = page.locator("article.stage", has=page.get_by_role("heading", name="Awareness"))
    awareness.get_by_text("Edit lanes").click()
    form = awareness.locator("form.stage-form")
    form.get_by_label("Does (actions)").fill("Searches online for safe, affordable cars")
    form.get_by_label("Feels").fill("Hopeful")
    form.get_by_label("Emotion now").select_option("1")
    form.get_by_label("Emotion we aim for").select_option("2")
    form.get_by_role("button", name="Save stage").click()
    expect(page.locator("#emotion-curve polyline.now")).to_have_attribute("points", "50,30")
    purchase = page.locator("article.stage", has=page.get_by_role("heading", name="Purchase"))
    purchase.get_by_text("Edit lanes").click()
    purchase.locator("form.stage-form").get_by_label("Emotion now").select_option("-2")
    purchase.locator("form.stage-form").get_by_label("Emotion we aim for").select_option("1")
    purchase.locator("form.stage-form").get_by_role("button", name="Save stage").click()
    # Purchase is the third of five stages: x = 250.
    expect(page.locator("#emotion-curve polyline.now")).to_have_attribute("points", "50,30 250,90")
    expect(page.locator("#emotion-curve polyline.aspiration")).to_have_attribute(
        "points", "50,10 250,30"
    )
    assert page.get_by_text("Searches online for safe, affordable cars").is_visible()

    # A bad score never reaches the server through the form; a bad request is refused in words.
    consideration = page.locator(
        "article.stage", has=page.get_by_role("heading", name="Consideration")
    )
    add = consideration.get_by_label("New note in Consideration")
    add.fill("   ")
    add.press("Enter")
    page.get_by_text("Not saved:").wait_for()

    journey_map = JourneyMap.objects.get(title="Family car")
    assert journey_map.events.count() >= 8
    screenshot(page, "editor-board")


def test_the_demo_board_in_the_editor(server, new_page):
    """The car-purchase demo as its facilitator edits it; this screenshot is the README's."""
    call_command("seed_demo", verbosity=0, stdout=StringIO())
    page = new_page({"width": 1440, "height": 900})
    log_in(page, server, "facilitator", "journeymap-demo")
    page.get_by_role("link", name="Buying a family car").click()
    page.get_by_role("heading", name="Post-purchase").wait_for()
    # Five scored stages: the curve has a point per stage column, now and aspiration.
    # The primary persona's curve comes first (the demo has a second persona: issue 20).
    points = page.locator("#emotion-curve polyline.now").first.get_attribute("points").split()
    assert [p.split(",")[0] for p in points] == ["50", "150", "250", "350", "450"]
    # The curve's points sit over the stage columns' centres.
    svg = page.locator("#emotion-curve").bounding_box()
    first = page.locator("[data-stage]").first.bounding_box()
    last = page.locator("[data-stage]").last.bounding_box()
    assert abs(svg["x"] + svg["width"] * 0.1 - (first["x"] + first["width"] / 2)) < 3
    assert abs(svg["x"] + svg["width"] * 0.9 - (last["x"] + last["width"] / 2)) < 3
    path = screenshot(page, "editor-demo-board")
    publish_screenshot(path, "board.png")
