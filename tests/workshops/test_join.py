"""Opening a workshop, joining it by link or code, rejoining, and the pages for closed and
unknown workshops."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from workshops.access import cookie_name
from workshops.models import Participant, Workshop

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.workshops.conftest_live"]


def join_url(workshop: Workshop) -> str:
    return reverse("workshop_join", kwargs={"code": workshop.join_code})


def live_url(workshop: Workshop) -> str:
    return reverse("workshop_live", kwargs={"code": workshop.join_code})


# --- opening ----------------------------------------------------------------------------------


def test_an_owner_opens_a_workshop_and_lands_on_its_live_board(client, owner, journey_map):
    client.force_login(owner)
    response = client.post(reverse("workshop_open", args=[journey_map.pk]), {"title": "Kick-off"})
    workshop = Workshop.objects.get(map=journey_map)
    assert response.status_code == 302 and response.url == live_url(workshop)
    assert workshop.title == "Kick-off"
    assert workshop.participants.get().role == Participant.Role.FACILITATOR
    page = client.get(live_url(workshop))
    assert page.status_code == 200
    assert workshop.join_code in page.content.decode()


def test_an_editor_may_open_a_workshop(client, editor, journey_map):
    client.force_login(editor)
    response = client.post(reverse("workshop_open", args=[journey_map.pk]))
    assert response.status_code == 302


def test_a_viewer_cannot_open_a_workshop(client, viewer, journey_map):
    client.force_login(viewer)
    response = client.post(reverse("workshop_open", args=[journey_map.pk]))
    assert response.status_code == 403
    assert not Workshop.objects.exists()


def test_an_outsider_is_told_the_map_does_not_exist(client, outsider, journey_map):
    client.force_login(outsider)
    response = client.post(reverse("workshop_open", args=[journey_map.pk]))
    assert response.status_code == 404


def test_the_maps_workshops_page_lists_them_with_their_codes(client, owner, journey_map, workshop):
    client.force_login(owner)
    page = client.get(reverse("map_workshops", args=[journey_map.pk])).content.decode()
    assert workshop.join_code in page and "Open a workshop" in page


def test_a_viewer_sees_the_workshops_but_not_their_codes_nor_how_to_open_one(
    client, viewer, journey_map, workshop
):
    # (Issue 14, item 2: this test said a viewer sees the codes; with one, a viewer joined as
    # a guest elsewhere and edited the map.)
    client.force_login(viewer)
    page = client.get(reverse("map_workshops", args=[journey_map.pk])).content.decode()
    assert workshop.title in page
    assert workshop.join_code not in page and "Open a workshop" not in page


# --- joining ----------------------------------------------------------------------------------


def test_a_guest_joins_with_a_name_and_gets_the_live_board(client, workshop):
    assert "Your name" in client.get(join_url(workshop)).content.decode()
    response = client.post(join_url(workshop), {"display_name": "Ann", "role": "participant"})
    assert response.status_code == 302 and response.url == live_url(workshop)
    participant = workshop.participants.get(display_name="Ann")
    assert participant.user is None and participant.role == "participant"
    cookie = response.cookies[cookie_name(workshop)]
    assert cookie.value == participant.token and cookie["httponly"]
    page = client.get(live_url(workshop)).content.decode()
    assert f"/ws/workshops/{workshop.pk}/" in page  # by id: a new join code leaves it alone
    assert 'id="board"' in page


def test_rejoining_from_the_same_browser_keeps_the_same_participant(client, workshop):
    client.post(join_url(workshop), {"display_name": "Ann"})
    again = client.get(join_url(workshop))
    assert again.status_code == 302 and again.url == live_url(workshop)
    client.post(join_url(workshop), {"display_name": "Ann again"})
    assert workshop.participants.filter(role="participant").count() == 1


def test_another_browser_is_another_participant(client, workshop):
    from django.test import Client

    client.post(join_url(workshop), {"display_name": "Ann"})
    Client().post(join_url(workshop), {"display_name": "Ann"})
    assert workshop.participants.filter(display_name="Ann").count() == 2


def test_an_account_rejoins_as_itself_from_any_browser(client, editor, workshop):
    client.force_login(editor)
    client.post(join_url(workshop), {"display_name": "Ed"})
    from django.test import Client

    other_browser = Client()
    other_browser.force_login(editor)
    response = other_browser.get(live_url(workshop))
    assert response.status_code == 200
    assert workshop.participants.filter(user=editor).count() == 1


def test_joining_as_an_observer(client, workshop):
    client.post(join_url(workshop), {"display_name": "Olga", "role": "observer"})
    assert workshop.participants.get(display_name="Olga").role == "observer"
    page = client.get(live_url(workshop)).content.decode()
    assert 'data-can-edit="false"' in page


@pytest.mark.parametrize("name", ["", "   ", "x" * 41])
def test_a_bad_display_name_is_refused_with_a_message(client, workshop, name):
    response = client.post(join_url(workshop), {"display_name": name})
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert not workshop.participants.filter(role="participant").exists()


def test_a_name_with_markup_is_shown_as_text(client, workshop):
    client.post(join_url(workshop), {"display_name": "<b>Ann</b>"})
    page = client.get(live_url(workshop)).content.decode()
    assert "&lt;b&gt;Ann&lt;/b&gt;" in page and "<b>Ann</b>" not in page


def test_the_live_board_sends_strangers_to_the_join_page(client, workshop):
    response = client.get(live_url(workshop))
    assert response.status_code == 302 and response.url == join_url(workshop)


def test_a_forged_cookie_is_not_a_participant(client, workshop, ann):
    client.cookies[cookie_name(workshop)] = ann.token[:-1] + "x"
    assert client.get(live_url(workshop)).status_code == 302


def test_the_board_fragment_is_for_members_only(client, workshop, ann):
    url = reverse("workshop_board", kwargs={"code": workshop.join_code})
    assert client.get(url).status_code == 404
    client.cookies[cookie_name(workshop)] = ann.token
    response = client.get(url)
    assert response.status_code == 200 and 'id="board"' in response.content.decode()


# --- codes, closed and unknown workshops ------------------------------------------------------


def test_a_code_typed_in_lower_case_finds_the_workshop(client, workshop):
    response = client.get(reverse("workshop_enter_code"), {"code": workshop.join_code.lower()})
    assert response.status_code == 302 and response.url == join_url(workshop)


def test_the_code_page_asks_for_a_code(client):
    page = client.get(reverse("workshop_enter_code")).content.decode()
    assert "Workshop code" in page


def test_an_unknown_code_gets_a_clear_page(client):
    response = client.get(reverse("workshop_join", kwargs={"code": "ZZZZZZ"}))
    assert response.status_code == 404
    assert "No workshop with that code" in response.content.decode()
    typed = client.get(reverse("workshop_enter_code"), {"code": "nope"})
    assert typed.status_code == 404


def test_a_closed_workshop_gets_a_clear_page_and_no_new_participants(client, workshop):
    workshop.phase = "closed"
    workshop.save()
    response = client.post(join_url(workshop), {"display_name": "Late"})
    assert response.status_code == 410
    assert "This workshop has ended" in response.content.decode()
    assert not workshop.participants.filter(display_name="Late").exists()
    assert client.get(live_url(workshop)).status_code == 410


def test_a_member_still_sees_a_closed_workshops_board_read_only(client, workshop, ann):
    workshop.phase = "closed"
    workshop.save()
    client.cookies[cookie_name(workshop)] = ann.token
    page = client.get(live_url(workshop))
    assert page.status_code == 200
    assert 'data-can-edit="false"' in page.content.decode()


@pytest.mark.parametrize(
    "name",
    [
        "Facilitator",
        "the facilitator",
        "FACILITATOR Fran",
        "\uff26\uff41\uff43\uff49\uff4c\uff49\uff54\uff41\uff54\uff4f\uff52",  # full-width letters
        "Facil\u200bitator",  # a zero-width space inside
    ],
)
def test_a_guest_cannot_call_themselves_the_facilitator(client, workshop, name):
    response = client.post(join_url(workshop), {"display_name": name})
    assert response.status_code == 400
    assert "facilitator" in response.content.decode()
    assert not workshop.participants.filter(role="participant").exists()


def test_a_name_that_merely_resembles_a_role_word_is_fine(client, workshop):
    response = client.post(join_url(workshop), {"display_name": "Faye Cilitar"})
    assert response.status_code == 302


def test_the_live_page_marks_the_facilitator_and_guests(client, owner, workshop, ann, olga):
    # What someone is comes from the server, next to their name (never from the name).
    client.cookies[cookie_name(workshop)] = ann.token
    assert "Ann (guest participant)" in client.get(live_url(workshop)).content.decode()
    facilitators = Client()
    facilitators.force_login(owner)
    page = facilitators.get(live_url(workshop)).content.decode()
    assert '<span class="role-badge" data-role="facilitator">facilitator</span>' in page
    assert f'data-person="{ann.pk}"' in page and ">guest</span>" in page
    assert ">guest observer</span>" in page
    assert f'data-remove="{ann.pk}"' in page and f'data-remove="{olga.pk}"' in page


def test_a_room_of_40_behind_one_office_address_joins_at_once_with_the_default_limits(
    settings, workshop
):
    """A company's room shares one address (NAT): the join limit is sized for rooms, and code
    guessing is stopped by the limit on unknown codes, which the room never meets."""
    from journeymap import settings as project

    settings.JOIN_RATE_LIMIT = project.JOIN_RATE_LIMIT_DEFAULT
    settings.CODE_GUESS_LIMIT = project.CODE_GUESS_LIMIT_DEFAULT
    office = f"10.20.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    url = reverse("workshop_join", args=[workshop.join_code])
    statuses = [
        Client(REMOTE_ADDR=office).post(url, {"display_name": f"Colleague {n}"}).status_code
        for n in range(40)
    ]
    assert statuses == [302] * 40
    assert workshop.participants.filter(display_name__startswith="Colleague").count() == 40
    # The same address guessing codes is still stopped, at the default limit.
    guesses = [
        Client(REMOTE_ADDR=office).get(reverse("workshop_join", args=[f"NOPE{n:02d}"])).status_code
        for n in range(project.CODE_GUESS_LIMIT_DEFAULT + 1)
    ]
    assert guesses[-1] == 429 and 429 not in guesses[:-1]
