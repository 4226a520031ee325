"""The served app works in a real browser: log in and open the demo board."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from tests.e2e.conftest import log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_facilitator_logs_in_and_opens_the_demo_board(server, new_page):
    call_command("seed_demo", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    page = new_page()
    log_in(page, server, "facilitator", "journeymap-demo")
    page.get_by_role("link", name="Buying a family car").click()
    page.get_by_role("heading", name="Discovery").wait_for()
    # The note (its text is also in the demo's action items and their touchpoint chooser).
    note = page.locator("li[data-touchpoint]").get_by_text("Negotiates the price and APR")
    assert note.is_visible()
    # htmx loaded from the vendored copy, not a CDN.
    assert page.evaluate("typeof window.htmx") == "object"
    screenshot(page, "demo-board")
