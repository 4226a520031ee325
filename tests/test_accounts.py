from __future__ import annotations

import uuid

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_sign_up_creates_an_account_and_logs_in(client):
    response = client.post(
        reverse("signup"),
        {
            "username": "fran",
            "password1": "a-long-pass-phrase-7",
            "password2": "a-long-pass-phrase-7",
        },
    )
    assert response.status_code == 302
    assert get_user_model().objects.filter(username="fran").exists()
    assert b"Signed in as fran" in client.get(reverse("home")).content


def test_sign_up_with_mismatched_passwords_shows_an_error(client):
    response = client.post(
        reverse("signup"),
        {"username": "fran", "password1": "a-long-pass-phrase-7", "password2": "other"},
    )
    assert response.status_code == 200
    assert not get_user_model().objects.filter(username="fran").exists()
    assert b"errorlist" in response.content


def test_log_in_and_out(client, owner):
    response = client.post(reverse("login"), {"username": "owner", "password": "a-long-password-1"})
    assert response.status_code == 302
    assert b"Signed in as owner" in client.get(reverse("home")).content
    client.post(reverse("logout"))
    assert b"Signed in" not in client.get(reverse("home")).content


def test_wrong_password_is_refused(client, owner):
    response = client.post(reverse("login"), {"username": "owner", "password": "nope"})
    assert response.status_code == 200
    assert b"errorlist" in response.content or b"correct username" in response.content


def test_log_in_is_rate_limited_per_address(client, owner, settings):
    settings.LOGIN_RATE_LIMIT = 10
    # A fresh address for this test, so earlier attempts (and other runs sharing Redis) don't count.
    address = f"192.0.2.{uuid.uuid4().int % 250 + 1}-{uuid.uuid4().hex[:6]}"
    for _ in range(10):
        attempt = client.post(
            reverse("login"), {"username": "owner", "password": "wrong"}, REMOTE_ADDR=address
        )
        assert attempt.status_code == 200
    refused = client.post(
        reverse("login"),
        {"username": "owner", "password": "a-long-password-1"},
        REMOTE_ADDR=address,
    )
    assert refused.status_code == 429
    assert "Retry-After" in refused
    assert b"Too many attempts" in refused.content
    other = client.post(
        reverse("login"),
        {"username": "owner", "password": "a-long-password-1"},
        REMOTE_ADDR=address + "x",
    )
    assert other.status_code == 302


def test_logging_out_forgets_the_browser_s_workshop_places(client, owner, journey_map):
    from workshops.access import cookie_name
    from workshops.operations import join_workshop, open_workshop

    workshop = open_workshop(owner, journey_map)
    guest = join_workshop(workshop, display_name="Sam")
    client.force_login(owner)
    client.cookies[cookie_name(workshop)] = guest.token
    response = client.post(reverse("logout"))
    cookie = response.cookies[cookie_name(workshop)]
    assert cookie.value == "" and cookie["max-age"] == 0
    # The next person at this browser is a stranger to the workshop.
    live = client.get(reverse("workshop_live", kwargs={"code": workshop.join_code}))
    assert live.status_code == 302 and "/join/" in live.url
