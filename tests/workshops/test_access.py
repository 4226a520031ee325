"""workshops.access.load_member: the consumer's gate reads a member with one hand-written query;
what it returns must be what the ORM would have loaded, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from workshops.access import load_member
from workshops.models import Participant, Phase, Workshop
from workshops.operations import join_workshop, open_workshop

pytestmark = pytest.mark.django_db


def fields_of(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_a_guest_and_its_workshop_are_what_the_orm_loads(owner, journey_map):
    workshop = open_workshop(owner, journey_map, title="Checkout", vote_budget=7)
    Workshop.objects.filter(pk=workshop.pk).update(
        locked=True,
        phase=Phase.VOTE,
        timer_ends_at=timezone.now() + timedelta(minutes=5),
        revealed_at=timezone.now(),
    )
    guest = join_workshop(workshop, display_name="Sam <b>")
    loaded = load_member(guest.pk)
    expected = Participant.objects.select_related("workshop").get(pk=guest.pk)
    assert fields_of(loaded) == fields_of(expected)
    assert fields_of(loaded.workshop) == fields_of(expected.workshop)
    assert loaded.workshop.locked is True  # a bool, not SQLite's 1
    assert loaded.user is None
    assert loaded.workshop.map.pk == journey_map.pk


def test_an_account_s_user_and_map_load_their_other_fields_on_use(owner, journey_map):
    workshop = open_workshop(owner, journey_map)
    facilitator = workshop.participants.get(role=Participant.Role.FACILITATOR)
    loaded = load_member(facilitator.pk)
    assert loaded.user.pk == owner.pk and loaded.user.is_authenticated
    assert loaded.user.get_username() == owner.get_username()  # deferred, fetched on use
    assert loaded.workshop.map.title == journey_map.title


def test_an_unknown_participant_is_none():
    assert load_member(987654321) is None
