"""A closed workshop's PDF and analysis for the people who were in it (issue 17.3), guests
included: the links every screen shows once the facilitator closes the workshop. With that
workshop's votes; for its members in good standing only, and only once it is closed."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from maps.models import MapMembership
from workshops.access import cookie_name
from workshops.facilitation import set_phase
from workshops.models import Participant, Vote
from workshops.operations import join_workshop, open_workshop

from .export_helpers import add_notes, revealed_workshop

pytestmark = pytest.mark.django_db

NOTES = ["Waits on hold for twenty minutes", "Gets a friendly welcome call"]


@pytest.fixture
def closed(owner, journey_map):
    """A workshop in which two guests tagged the first note a pain point, now closed; and a
    later revealed workshop on the same map whose votes say otherwise (the map's default)."""
    add_notes(journey_map, 0, NOTES)
    workshop = open_workshop(owner, journey_map, title="Closed one")
    set_phase(workshop, "vote")
    guests = [join_workshop(workshop, display_name=name) for name in ("Ann", "Bob")]
    first = journey_map.touchpoints.get(text=NOTES[0])
    for guest in guests:
        Vote.objects.create(workshop=workshop, participant=guest, touchpoint=first, tag="pain")
    set_phase(workshop, "closed")
    later = revealed_workshop(journey_map, owner, [(NOTES[1], "pain")])
    later.created_at = timezone.now()
    later.save(update_fields=["created_at"])
    return {"workshop": workshop, "ann": guests[0], "bob": guests[1]}


def as_guest(participant) -> Client:
    browser = Client()
    browser.cookies[cookie_name(participant.workshop)] = participant.token
    return browser


def urls(workshop) -> list[str]:
    return [
        reverse("workshop_pdf", args=[workshop.pk]),
        reverse("workshop_analysis", args=[workshop.pk]),
    ]


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)


def test_a_guest_downloads_the_closed_workshops_pdf_with_its_votes(closed):
    response = as_guest(closed["ann"]).get(urls(closed["workshop"])[0])
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = " ".join(pdf_text(response.content).split())
    pain = text[text.index("Top pain points") : text.index("Moments of truth")]
    assert NOTES[0] in pain and NOTES[1] not in pain  # this workshop's votes, not the later one's
    assert "Closed one" in text


def test_a_guest_sees_the_closed_workshops_analysis(closed):
    workshop = closed["workshop"]
    response = as_guest(closed["bob"]).get(urls(workshop)[1])
    assert response.status_code == 200
    html = response.content.decode()
    assert NOTES[0] in html and "2 voters" in html
    assert reverse("workshop_live", kwargs={"code": workshop.join_code}) in html
    # Nothing of the map's own pages, which answer a guest 404.
    assert reverse("board", args=[workshop.map_id]) not in html
    assert reverse("map_workshops", args=[workshop.map_id]) not in html


def test_a_member_with_an_account_gets_them_too(client, closed, owner):
    client.force_login(owner)
    for url in urls(closed["workshop"]):
        assert client.get(url).status_code == 200, url


def test_before_the_close_nobody_gets_them(closed, owner):
    workshop = closed["workshop"]
    workshop.phase = "discuss"
    workshop.save(update_fields=["phase"])
    for url in urls(workshop):
        assert as_guest(closed["ann"]).get(url).status_code == 404, url


def test_strangers_and_people_who_are_out_get_404(client, closed, owner, journey_map, editor):
    workshop = closed["workshop"]
    other = open_workshop(owner, journey_map, title="Another")
    someone_else = join_workshop(other, display_name="Eve")
    removed = closed["bob"]
    Participant.objects.filter(pk=removed.pk).update(removed_at=timezone.now())
    former = Participant.objects.create(
        workshop=workshop, user=editor, display_name="Ed", token="former-" + "x" * 30
    )
    MapMembership.objects.filter(map=journey_map, user=editor).delete()
    for browser in (Client(), as_guest(removed), as_guest(former)):
        for url in urls(workshop):
            assert browser.get(url).status_code == 404, url
    # Another workshop's guest, with their cookie sent for this workshop's id.
    browser = Client()
    browser.cookies[cookie_name(workshop)] = someone_else.token
    for url in urls(workshop):
        assert browser.get(url).status_code == 404, url
    assert Client().get(reverse("workshop_pdf", args=[999_999])).status_code == 404


def test_a_closed_workshop_without_votes_sends_its_guests_nowhere_they_cannot_go(
    owner, journey_map
):
    workshop = open_workshop(owner, journey_map, title="Nobody voted")
    guest = join_workshop(workshop, display_name="Ann")
    set_phase(workshop, "closed")
    html = as_guest(guest).get(urls(workshop)[1]).content.decode()
    assert "0 voters" in html
    assert reverse("map_workshops", args=[journey_map.pk]) not in html
    assert reverse("board", args=[journey_map.pk]) not in html
