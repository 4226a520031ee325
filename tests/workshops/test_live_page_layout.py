"""What the live page says and shows before anyone has done anything (issue 16): empty states
that say what to do, lanes nobody filled marked as such, the stepper on the current phase with
the next one offered, and the page's one-time parts (note sheet, invite) only for who may use them."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from maps import operations as ops
from workshops.access import cookie_name
from workshops.facilitation import set_phase

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.workshops.conftest_live"]


def live_html(client, workshop, participant=None, owner=None) -> str:
    if owner is not None:
        client.force_login(owner)
    else:
        client.cookies[cookie_name(workshop.pk)] = participant.token
    response = client.get(reverse("workshop_live", args=[workshop.join_code]))
    assert response.status_code == 200
    return response.content.decode()


def test_an_empty_stage_says_what_to_add_to_those_who_may_and_only_that_it_is_empty_to_others(
    client, workshop, ann, olga
):
    assert "No notes yet. Add what the customer experiences here" in live_html(
        client, workshop, ann
    )
    watching = live_html(client, workshop, olga)
    assert "No notes here yet." in watching and "Add what the customer" not in watching


def test_a_map_without_stages_tells_the_facilitator_where_to_add_them(client, owner, actor):
    bare = ops.create_map(actor, title="Bare", stage_names=[])
    from workshops.operations import join_workshop, open_workshop

    workshop = open_workshop(owner, bare)
    html = live_html(client, workshop, owner=owner)
    assert "This map has no stages yet." in html
    assert f'the journey\'s stages on <a href="{reverse("board", args=[bare.pk])}">' in html
    client.logout()
    guest = join_workshop(workshop, display_name="Gil")
    assert "The facilitator is adding the journey's stages" in live_html(client, workshop, guest)


def test_lanes_nobody_filled_are_marked_unused(client, workshop, ann, actor, stages):
    ops.update_stage(actor, workshop.map, stages[0], goals="Sign up in a minute")
    html = live_html(client, workshop, ann)
    lanes = re.findall(r'<div class="lane( unused)?"><dt>([^<]+)</dt>', html)
    # Every lane stays in the markup of every stage (for "show all lanes"), only Goals in use.
    assert len(lanes) == 8 * len(stages)
    assert {label for unused, label in lanes if not unused} == {"Goals"}


def test_the_stepper_marks_the_phase_and_offers_the_next(client, owner, workshop):
    html = live_html(client, workshop, owner=owner)
    assert '<button type="button" class="step" data-step="gather" aria-current="step">' in html
    assert "Next: <span data-next-label>Group</span>" in html
    set_phase(workshop, "closed")
    workshop.refresh_from_db()
    html = live_html(client, workshop, owner=owner)
    # A closed workshop has no next phase and no controls: the banner with the results instead.
    assert 'data-control="next"' not in html and 'class="stepper"' not in html
    assert '<section class="closed-banner" data-closed role="status">' in html


def test_only_the_facilitator_gets_the_invite_and_only_editors_the_note_sheet(
    client, owner, workshop, ann, olga
):
    assert 'id="invite-panel"' in live_html(client, workshop, owner=owner)
    client.logout()
    mine = live_html(client, workshop, ann)
    assert 'id="invite-panel"' not in mine and 'id="note-sheet"' in mine
    assert 'id="note-sheet"' not in live_html(client, workshop, olga)
