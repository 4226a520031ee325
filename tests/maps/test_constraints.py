"""Rules the database itself enforces, whatever code path writes."""

from __future__ import annotations

import pytest
from django.db import DataError, IntegrityError, transaction

from maps.models import JourneyMap, Stage, Touchpoint
from workshops.models import Vote
from workshops.operations import join_workshop, open_workshop

pytestmark = pytest.mark.django_db


def violates(fn) -> bool:
    try:
        with transaction.atomic():
            fn()
    # PostgreSQL refuses over-long varchar with DataError before any check constraint runs.
    except (IntegrityError, DataError):
        return True
    return False


def test_emotion_scores_outside_minus_two_to_two_are_rejected(journey_map):
    stage = journey_map.stages.first()
    Stage.objects.filter(pk=stage.pk).update(emotion_now=2, emotion_aspiration=-2)
    assert violates(lambda: Stage.objects.filter(pk=stage.pk).update(emotion_now=3))
    assert violates(lambda: Stage.objects.filter(pk=stage.pk).update(emotion_aspiration=-3))


def test_two_notes_cannot_share_a_position_in_a_stage(journey_map):
    stage = journey_map.stages.first()
    Touchpoint.objects.create(map=journey_map, stage=stage, position="i", text="one")
    assert violates(
        lambda: Touchpoint.objects.create(map=journey_map, stage=stage, position="i", text="two")
    )


def test_note_text_is_bounded_and_not_empty(journey_map):
    stage = journey_map.stages.first()
    assert violates(
        lambda: Touchpoint.objects.create(map=journey_map, stage=stage, position="a", text="")
    )
    assert violates(
        lambda: Touchpoint.objects.create(
            map=journey_map, stage=stage, position="b", text="x" * 501
        )
    )
    Touchpoint.objects.create(map=journey_map, stage=stage, position="c", text="x" * 500)


def test_unknown_channel_is_rejected(journey_map):
    stage = journey_map.stages.first()
    assert violates(
        lambda: Touchpoint.objects.create(
            map=journey_map, stage=stage, position="a", text="t", channel="carrier-pigeon"
        )
    )


def test_only_a_future_state_map_links_to_a_source_map(journey_map):
    assert violates(
        lambda: JourneyMap.objects.create(title="t", state="current", source_map=journey_map)
    )
    JourneyMap.objects.create(title="t", state="future", source_map=journey_map)


def test_a_voter_tags_a_note_with_a_tag_once(journey_map, owner):
    stage = journey_map.stages.first()
    note = Touchpoint.objects.create(map=journey_map, stage=stage, position="i", text="note")
    workshop = open_workshop(owner, journey_map)
    voter = join_workshop(workshop, display_name="Ann")
    Vote.objects.create(workshop=workshop, participant=voter, touchpoint=note, tag="pain")
    assert violates(
        lambda: Vote.objects.create(
            workshop=workshop, participant=voter, touchpoint=note, tag="pain"
        )
    )
    Vote.objects.create(workshop=workshop, participant=voter, touchpoint=note, tag="truth")


def test_vote_budget_must_be_between_one_and_a_hundred(journey_map, owner):
    workshop = open_workshop(owner, journey_map)
    assert violates(lambda: type(workshop).objects.filter(pk=workshop.pk).update(vote_budget=0))
    assert violates(lambda: type(workshop).objects.filter(pk=workshop.pk).update(vote_budget=101))
