"""The way in (issue 16): the facilitator's join link has a QR code drawn on the server and a
"present" view for the projector, both for the facilitator alone; every page has an icon."""

from __future__ import annotations

import pytest
from django.urls import reverse

from workshops.access import cookie_name
from workshops.facilitation import renew_join_code
from workshops.models import Workshop
from workshops.qr import join_qr_svg

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.workshops.conftest_live"]


def as_member(client, workshop, participant):
    client.cookies[cookie_name(workshop.pk)] = participant.token
    return client


def join_url(workshop) -> str:
    return f"http://testserver/w/{workshop.join_code}/join/"


def test_the_facilitator_gets_the_join_links_qr_code_as_svg(client, owner, workshop):
    client.force_login(owner)
    response = client.get(reverse("workshop_join_qr", args=[workshop.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    # The code of this workshop's join link, and of nothing else.
    assert response.content.decode() == join_qr_svg(join_url(workshop))
    assert response.content.decode() != join_qr_svg(join_url(workshop) + "x")


def test_after_a_new_join_code_the_qr_code_is_the_new_links(client, owner, workshop):
    client.force_login(owner)
    old = client.get(reverse("workshop_join_qr", args=[workshop.pk])).content.decode()
    renew_join_code(workshop)
    fresh = Workshop.objects.get(pk=workshop.pk)
    new = client.get(reverse("workshop_join_qr", args=[workshop.pk])).content.decode()
    assert new != old and new == join_qr_svg(join_url(fresh))


@pytest.mark.parametrize("who", ["ann", "olga", "stranger", "viewer"])
def test_nobody_but_the_facilitator_gets_the_qr_code(client, workshop, ann, olga, viewer, who):
    if who in ("ann", "olga"):
        as_member(client, workshop, {"ann": ann, "olga": olga}[who])
    elif who == "viewer":
        client.force_login(viewer)
    response = client.get(reverse("workshop_join_qr", args=[workshop.pk]))
    assert response.status_code == 404


def test_the_present_view_shows_the_code_the_link_and_the_qr_code(client, owner, workshop):
    client.force_login(owner)
    response = client.get(reverse("workshop_present", args=[workshop.join_code]))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<p class="big-code" data-join-code>{workshop.join_code}</p>' in html
    assert join_url(workshop) in html and "http://testserver/join/" in html
    qr = reverse("workshop_join_qr", args=[workshop.pk])
    assert f'<img src="{qr}?code={workshop.join_code}" alt="QR code of the join link"' in html


def test_a_participant_cannot_present_the_way_in(client, workshop, ann):
    as_member(client, workshop, ann)
    assert client.get(reverse("workshop_present", args=[workshop.join_code])).status_code == 404


def test_the_facilitators_live_page_links_the_qr_code_and_the_present_view(
    client, owner, workshop, ann
):
    client.force_login(owner)
    html = client.get(reverse("workshop_live", args=[workshop.join_code])).content.decode()
    assert reverse("workshop_join_qr", args=[workshop.pk]) in html
    assert reverse("workshop_present", args=[workshop.join_code]) in html
    client.logout()
    as_member(client, workshop, ann)
    html = client.get(reverse("workshop_live", args=[workshop.join_code])).content.decode()
    assert reverse("workshop_join_qr", args=[workshop.pk]) not in html
    assert reverse("workshop_present", args=[workshop.join_code]) not in html


def test_every_page_has_an_icon_and_favicon_ico_is_served(client):
    html = client.get(reverse("login")).content.decode()
    assert '<link rel="icon" href="/favicon.ico" sizes="32x32">' in html
    assert 'href="/static/favicon.svg" type="image/svg+xml"' in html
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    body = b"".join(icon.streaming_content) if icon.streaming else icon.content
    assert body[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert client.get("/static/favicon.svg").status_code == 200
