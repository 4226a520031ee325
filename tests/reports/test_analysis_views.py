"""The analysis page and the feedback import page: who may see and use them, what they show."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from maps import operations as ops
from maps.models import CustomerFeedback
from workshops.facilitation import set_phase, toggle_vote
from workshops.operations import join_workshop, open_workshop

pytestmark = pytest.mark.django_db


@pytest.fixture
def note(journey_map, actor):
    stage = journey_map.stages.order_by("position").first()
    event = ops.add_touchpoint(actor, journey_map, stage=stage.pk, text="Checkout <b>fails</b>")
    return journey_map.touchpoints.get(pk=event.payload["touchpoint"]["id"])


@pytest.fixture
def voted(owner, journey_map, note):
    workshop = open_workshop(owner, journey_map)
    set_phase(workshop, "vote")
    for name in ("Ann", "Bob"):
        toggle_vote(join_workshop(workshop, display_name=name), note, "pain")
    return workshop


def page(client, user, journey_map, name="map_analysis"):
    client.force_login(user)
    return client.get(reverse(name, args=[journey_map.pk]))


def test_a_viewer_sees_the_analysis(client, viewer, journey_map, voted):
    set_phase(voted, "reveal")
    response = page(client, viewer, journey_map)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Top pain points" in html
    assert "Checkout &lt;b&gt;fails&lt;/b&gt;" in html and "<b>fails" not in html
    assert "100% of voters" in html


def test_an_outsider_gets_404(client, outsider, journey_map):
    assert page(client, outsider, journey_map).status_code == 404
    assert page(client, outsider, journey_map, "map_feedback_import").status_code == 404


def test_votes_do_not_show_before_the_reveal(client, owner, journey_map, voted):
    html = page(client, owner, journey_map).content.decode()
    assert "No revealed votes yet" in html and "Top pain points" not in html


def test_an_unrevealed_workshop_cannot_be_asked_for(client, owner, journey_map, voted):
    client.force_login(owner)
    url = reverse("map_analysis", args=[journey_map.pk])
    assert client.get(url, {"workshop": voted.pk}).status_code == 404


def test_an_earlier_workshop_can_be_shown(client, owner, journey_map, voted, note):
    set_phase(voted, "reveal")
    later = open_workshop(owner, journey_map)
    set_phase(later, "vote")
    toggle_vote(join_workshop(later, display_name="Cy"), note, "delight")
    set_phase(later, "reveal")
    client.force_login(owner)
    url = reverse("map_analysis", args=[journey_map.pk])
    latest = client.get(url).content.decode()
    assert "1 voter" in latest and "Moments of delight" in latest
    earlier = client.get(url, {"workshop": voted.pk}).content.decode()
    assert "2 voters" in earlier


def test_a_viewer_cannot_import_feedback(client, viewer, journey_map):
    assert page(client, viewer, journey_map, "map_feedback_import").status_code == 403


def test_an_editor_imports_feedback_and_sees_the_gap(client, editor, journey_map, note):
    client.force_login(editor)
    upload = SimpleUploadedFile("f.csv", f"touchpoint,tag,source\n{note.pk},pain,survey\n".encode())
    response = client.post(reverse("map_feedback_import", args=[journey_map.pk]), {"file": upload})
    assert response.status_code == 302
    assert CustomerFeedback.objects.count() == 1
    html = client.get(response.url).content.decode()
    assert "Imported 1 piece of customer feedback" in html
    assert "customers report more (+100 pts)" in html


def test_a_bad_file_shows_every_problem_and_imports_nothing(client, editor, journey_map, note):
    client.force_login(editor)
    data = b"touchpoint,tag\nNope,pain\nCheckout <b>fails</b>,meh\n"
    response = client.post(
        reverse("map_feedback_import", args=[journey_map.pk]),
        {"file": SimpleUploadedFile("f.csv", data)},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Nothing was imported: 2 problems" in html
    assert "<td>2</td>" in html and "<td>3</td>" in html
    assert not CustomerFeedback.objects.exists()


def test_posting_without_a_file_says_so(client, editor, journey_map):
    client.force_login(editor)
    response = client.post(reverse("map_feedback_import", args=[journey_map.pk]))
    assert response.status_code == 422
    assert "Choose a CSV file" in response.content.decode()


def test_the_board_shows_heat_only_after_the_reveal(client, viewer, journey_map, voted, note):
    client.force_login(viewer)
    url = reverse("board", args=[journey_map.pk])
    before = client.get(url).content.decode()
    assert 'class="heat"' not in before
    set_phase(voted, "reveal")
    after = client.get(url).content.decode()
    assert 'data-top="pain" data-level="4"' in after
    assert 'id="heat-legend"' in after and "Pain points" in after
    assert "Votes from 2 voters" in after


def test_the_board_heat_costs_a_fixed_number_of_queries(client, viewer, journey_map, voted, actor):
    set_phase(voted, "reveal")
    client.force_login(viewer)
    url = reverse("board", args=[journey_map.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    stage = journey_map.stages.order_by("position").first()
    for i in range(15):
        ops.add_touchpoint(actor, journey_map, stage=stage.pk, text=f"More {i}")
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large.captured_queries) == len(small.captured_queries)


def test_a_new_workshop_does_not_show_an_earlier_workshops_heat(
    client, owner, journey_map, voted, note
):
    set_phase(voted, "reveal")
    later = open_workshop(owner, journey_map)
    set_phase(later, "vote")
    toggle_vote(join_workshop(later, display_name="Cy"), note, "delight")
    client.force_login(owner)
    board = client.get(reverse("board", args=[journey_map.pk])).content.decode()
    assert 'data-top="pain"' in board  # the map shows the latest revealed result
    live = client.get(reverse("workshop_live", args=[later.join_code])).content.decode()
    assert 'class="heat"' not in live  # the room voting now is not anchored on the old one
    set_phase(later, "reveal")
    live = client.get(reverse("workshop_live", args=[later.join_code])).content.decode()
    assert 'data-top="delight"' in live and 'data-top="pain"' not in live
