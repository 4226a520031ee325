"""workshops.access: how a workshop member is recognised (account or guest cookie), and how a
join code is looked up."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse

from workshops.access import (
    COOKIE_MAX_AGE,
    cookie_name,
    find_participant,
    find_workshop,
    remember_participant,
)

pytest_plugins = ["tests.workshops.conftest_live"]
pytestmark = pytest.mark.django_db


def test_the_cookie_keeps_a_guest_for_a_month_out_of_scripts_reach(ann, settings):
    settings.SESSION_COOKIE_SECURE = True
    response = HttpResponse()
    remember_participant(response, ann)
    cookie = response.cookies[f"jm_participant_{ann.workshop_id}"]
    assert cookie.value == ann.token
    assert cookie["max-age"] == COOKIE_MAX_AGE == 30 * 24 * 60 * 60
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["secure"] is True


def test_a_cookie_is_named_per_workshop_from_the_workshop_or_its_id(workshop):
    assert cookie_name(workshop) == cookie_name(workshop.pk) == f"jm_participant_{workshop.pk}"


def test_a_guest_is_recognised_by_its_cookie_alone(workshop, ann):
    found = find_participant(workshop, AnonymousUser(), {cookie_name(workshop): ann.token})
    assert found == ann
    assert find_participant(workshop, None, {cookie_name(workshop): ann.token}) == ann


def test_an_account_is_recognised_without_a_cookie(workshop, facilitator, owner):
    assert find_participant(workshop, owner, {}) == facilitator


def test_an_account_that_is_not_in_the_workshop_may_still_come_back_as_its_guest(
    workshop, ann, outsider
):
    assert find_participant(workshop, outsider, {cookie_name(workshop): ann.token}) == ann


@pytest.mark.parametrize("token", ["", "x", "A" * 64])
def test_a_missing_or_wrong_token_is_nobody(workshop, ann, token):
    assert find_participant(workshop, AnonymousUser(), {cookie_name(workshop): token}) is None


@pytest.mark.parametrize("token", ["", "A" * 65, "A" * 10_000])
def test_an_empty_or_oversized_token_is_refused_without_asking_the_database(
    workshop, token, django_assert_num_queries
):
    with django_assert_num_queries(0):
        assert find_participant(workshop, None, {cookie_name(workshop): token}) is None


def test_a_guests_cookie_for_another_workshop_is_nobody_here(workshop, ann, owner, journey_map):
    from workshops.operations import open_workshop

    other = open_workshop(owner, journey_map)
    assert find_participant(other, AnonymousUser(), {cookie_name(other): ann.token}) is None


def test_a_join_code_is_found_whatever_its_case_and_surrounding_spaces(workshop):
    assert find_workshop(f"  {workshop.join_code.lower()} ") == workshop
    assert find_workshop(workshop.join_code).map_id == workshop.map_id


@pytest.mark.parametrize("code", ["", None, "   ", "X" * 13])
def test_an_empty_or_overlong_code_finds_nothing_without_asking_the_database(
    code, django_assert_num_queries
):
    with django_assert_num_queries(0):
        assert find_workshop(code) is None


def test_a_found_member_comes_with_its_workshop_and_account_in_one_query(
    workshop, facilitator, owner, django_assert_num_queries
):
    with django_assert_num_queries(1):
        found = find_participant(workshop, owner, {})
        assert (found.user.username, found.workshop.join_code) == (
            owner.username,
            workshop.join_code,
        )


def test_a_visitor_without_a_cookie_is_nobody_without_a_query(workshop, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert find_participant(workshop, None, {}) is None


def test_tokens_up_to_64_characters_and_codes_up_to_12_are_looked_up(
    workshop, django_assert_num_queries
):
    with django_assert_num_queries(1):
        assert find_participant(workshop, None, {cookie_name(workshop): "A" * 64}) is None
    with django_assert_num_queries(1):
        assert find_workshop("X" * 12) is None


def test_a_found_workshop_comes_with_its_map_in_one_query(workshop, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert find_workshop(workshop.join_code).map.title == workshop.map.title
