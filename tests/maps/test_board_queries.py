"""The board page's query count does not grow with the map's size."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from maps import operations as ops
from maps.models import ActionItem, JourneyMap, Stage, Touchpoint, TouchpointGroup

pytestmark = pytest.mark.django_db


def build(owner, stages: int, notes_per_stage: int) -> JourneyMap:
    actor = ops.Actor.for_user(owner)
    persona = ops.create_persona(
        ops.Actor.for_user(owner), name="Sarah", quote="Safe and affordable"
    )
    journey_map = ops.create_map(
        actor,
        title=f"{stages}x{notes_per_stage}",
        persona=persona,
        stage_names=[f"Stage {i}" for i in range(stages)],
    )
    group = TouchpointGroup.objects.create(map=journey_map, name="Group")
    Stage.objects.filter(map=journey_map).update(emotion_now=1, emotion_aspiration=2)
    Touchpoint.objects.bulk_create(
        Touchpoint(
            map=journey_map,
            stage=stage,
            position=f"{i + 1:03d}",
            text=f"Note {i}",
            group=group if i % 3 == 0 else None,
            critical=i % 5 == 0,
            internal=i % 7 == 0,
        )
        for stage in journey_map.stages.all()
        for i in range(notes_per_stage)
    )
    # An action on every other note, half of them owned by the map's owner.
    ActionItem.objects.bulk_create(
        ActionItem(
            map=journey_map,
            touchpoint=note,
            text=f"Act on {note.text}",
            owner_user=owner if i % 2 else None,
            owner_name=owner.username if i % 2 else "",
        )
        for i, note in enumerate(journey_map.touchpoints.all()[::2])
    )
    return journey_map


def board_queries(client, journey_map: JourneyMap) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("board", args=[journey_map.pk]))
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("member", ["owner", "viewer"])
def test_board_query_count_is_the_same_for_a_small_and_a_large_map(client, owner, viewer, member):
    small = build(owner, 2, 2)
    large = build(owner, 12, 40)
    for journey_map in (small, large):
        ops.add_member(ops.Actor.for_user(owner), journey_map, viewer, "viewer")
    client.force_login(owner if member == "owner" else viewer)
    board_queries(client, small)  # warm caches (content types, sessions) alike for both
    assert board_queries(client, small) == board_queries(client, large)


def test_an_htmx_edit_answer_does_not_grow_with_the_map(client, owner):
    small = build(owner, 2, 2)
    large = build(owner, 12, 40)
    client.force_login(owner)
    counts = []
    for journey_map in (small, large):
        url = reverse("stage_add", args=[journey_map.pk])
        with CaptureQueriesContext(connection) as queries:
            client.post(url, {"name": "More"}, HTTP_HX_REQUEST="true")
        counts.append(len(queries))
    assert counts[0] == counts[1]
