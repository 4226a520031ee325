"""Fixtures for the live-board tests (imported by their modules: a workshop with members)."""

from __future__ import annotations

import pytest

from maps import operations as ops
from workshops.models import Participant
from workshops.operations import join_workshop, open_workshop


@pytest.fixture
def workshop(owner, journey_map):
    return open_workshop(owner, journey_map, title="Onboarding review")


@pytest.fixture
def facilitator(workshop) -> Participant:
    return workshop.participants.get(role="facilitator")


@pytest.fixture
def ann(workshop) -> Participant:
    return join_workshop(workshop, display_name="Ann")


@pytest.fixture
def bob(workshop) -> Participant:
    return join_workshop(workshop, display_name="Bob")


@pytest.fixture
def olga(workshop) -> Participant:
    return join_workshop(workshop, display_name="Olga", role="observer")


@pytest.fixture
def stages(journey_map) -> list[int]:
    return list(journey_map.stages.order_by("position").values_list("pk", flat=True))


@pytest.fixture
def note(journey_map, actor, stages) -> int:
    event = ops.add_touchpoint(actor, journey_map, stage=stages[0], text="Finds the sign-up form")
    return event.payload["touchpoint"]["id"]


@pytest.fixture
def other_map(actor):
    """A map the workshop has nothing to do with: its ids must be refused."""
    other = ops.create_map(actor, title="Other", stage_names=["Elsewhere"])
    stage = other.stages.get()
    note = ops.add_touchpoint(actor, other, stage=stage.pk, text="Not yours")
    group = ops.add_group(actor, other, name="Theirs")
    return {
        "stage": stage.pk,
        "touchpoint": note.payload["touchpoint"]["id"],
        "group": group.payload["group"]["id"],
    }
