"""Segments (issue 20): several personas on one map, each with its own feelings per stage, and
notes on some personas' journeys only. Everything through maps.operations, with events."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from maps import operations as ops
from maps.models import MapEvent, MapPersona, Persona, StageFeeling, Touchpoint
from maps.serializers import map_snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def sarah(actor) -> Persona:
    return ops.create_persona(actor, name="Sarah, a teacher")


@pytest.fixture
def couple(actor) -> Persona:
    return ops.create_persona(actor, name="Retired couple")


@pytest.fixture
def segmented(journey_map, actor, sarah, couple):
    """The map with Sarah as its primary and the retired couple as a further persona."""
    ops.add_map_persona(actor, journey_map, sarah.pk)
    ops.add_map_persona(actor, journey_map, couple.pk)
    journey_map.refresh_from_db()
    return journey_map


def stage_ids(journey_map) -> list[int]:
    return list(journey_map.stages.order_by("position").values_list("pk", flat=True))


def test_the_first_persona_added_is_the_primary_and_the_next_a_segment(segmented, sarah, couple):
    assert segmented.persona_id == sarah.pk
    assert list(segmented.segments.values_list("persona_id", flat=True)) == [couple.pk]
    assert ops.persona_ids(segmented) == [sarah.pk, couple.pk]
    events = list(segmented.events.filter(type="persona.added").order_by("revision"))
    assert [(e.payload["persona"]["id"], e.payload["primary"]) for e in events] == [
        (sarah.pk, True),
        (couple.pk, False),
    ]
    assert events[0].payload["persona"]["name"] == "Sarah, a teacher"


def test_a_persona_is_on_a_map_once(segmented, actor, couple, sarah):
    for persona in (sarah, couple):
        with pytest.raises(ops.OperationError) as refused:
            ops.add_map_persona(actor, segmented, persona.pk)
        assert refused.value.code == "duplicate"
    with pytest.raises(IntegrityError), transaction.atomic():
        MapPersona.objects.create(map=segmented, persona=couple)


def test_only_a_persona_of_ones_own_library_can_be_added(segmented, editor):
    theirs = ops.create_persona(ops.Actor.for_user(editor), name="Editor's own")
    with pytest.raises(ops.OperationError) as refused:
        ops.add_map_persona(ops.Actor.for_user(segmented.created_by), segmented, theirs.pk)
    assert refused.value.code == "not_found"
    ops.add_map_persona(ops.Actor.for_user(editor), segmented, theirs.pk)
    assert theirs.pk in ops.persona_ids(segmented)


def test_a_map_has_at_most_six_personas(segmented, actor):
    for n in range(4):
        ops.add_map_persona(actor, segmented, ops.create_persona(actor, name=f"P{n}").pk)
    seventh = ops.create_persona(actor, name="One too many")
    with pytest.raises(ops.OperationError, match="at most 6"):
        ops.add_map_persona(actor, segmented, seventh.pk)


def test_each_persona_has_its_own_feelings_per_stage(segmented, actor, sarah, couple):
    first = stage_ids(segmented)[0]
    ops.feel_stage(actor, segmented, first, sarah.pk, emotion_now=2, feelings="Keen")
    event = ops.feel_stage(
        actor, segmented, first, couple.pk, emotion_now=-2, emotion_aspiration=1, feelings="Wary"
    )
    stage = segmented.stages.get(pk=first)
    assert (stage.emotion_now, stage.feelings) == (2, "Keen")  # the primary's: the stage's own
    feeling = StageFeeling.objects.get(stage=stage, segment__persona=couple)
    assert (feeling.emotion_now, feeling.emotion_aspiration, feeling.feelings) == (-2, 1, "Wary")
    assert event.type == "stage.felt"
    assert event.payload == {
        "feeling": {
            "stage": first,
            "persona": couple.pk,
            "feelings": "Wary",
            "emotion_now": -2,
            "emotion_aspiration": 1,
        }
    }
    primary_event = segmented.events.filter(type="stage.updated").latest("revision")
    assert primary_event.payload["stage"]["emotion_now"] == 2


def test_setting_one_feeling_keeps_the_others(segmented, actor, couple):
    first = stage_ids(segmented)[0]
    ops.feel_stage(actor, segmented, first, couple.pk, emotion_now=-1, feelings="Wary")
    ops.feel_stage(actor, segmented, first, couple.pk, emotion_aspiration=2)
    feeling = StageFeeling.objects.get(stage_id=first)
    assert (feeling.emotion_now, feeling.emotion_aspiration, feeling.feelings) == (-1, 2, "Wary")


@pytest.mark.parametrize("score", [3, -3, "high", 1.5, True])
def test_a_score_outside_minus_two_to_two_is_refused(segmented, actor, couple, score):
    first = stage_ids(segmented)[0]
    with pytest.raises(ops.OperationError) as refused:
        ops.feel_stage(actor, segmented, first, couple.pk, emotion_now=score)
    assert refused.value.code == "invalid"
    assert not StageFeeling.objects.exists()


def test_the_database_bounds_a_feeling_whatever_writes_it(segmented, couple):
    segment = segmented.segments.get()
    stage = segmented.stages.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        StageFeeling.objects.create(stage=stage, segment=segment, emotion_now=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        StageFeeling.objects.create(stage=stage, segment=segment, feelings="x" * 2001)


HOSTILE = [
    '<script>alert("x")</script><img src=x onerror=alert(1)>',
    "\u202eevil\u200b\u200d right-to-left",
    "a\x00b",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_feelings_are_stored_as_text(segmented, actor, couple, text):
    first = stage_ids(segmented)[0]
    ops.feel_stage(actor, segmented, first, couple.pk, feelings=text)
    assert StageFeeling.objects.get().feelings == text.replace("\x00", "").strip()


def test_feelings_over_two_thousand_characters_are_too_long(segmented, actor, couple):
    first = stage_ids(segmented)[0]
    with pytest.raises(ops.OperationError) as refused:
        ops.feel_stage(actor, segmented, first, couple.pk, feelings="x" * 10_000)
    assert refused.value.code == "too_long"
    assert not StageFeeling.objects.exists()


def test_feelings_need_a_stage_and_a_persona_of_this_map(segmented, actor, couple, owner):
    other = ops.create_map(actor, title="Other", stage_names=["Elsewhere"])
    stranger = ops.create_persona(actor, name="Not on the map")
    first = stage_ids(segmented)[0]
    for stage, persona in [(other.stages.get().pk, couple.pk), (first, stranger.pk)]:
        with pytest.raises(ops.OperationError) as refused:
            ops.feel_stage(actor, segmented, stage, persona, emotion_now=1)
        assert refused.value.code == "not_found"
    assert not StageFeeling.objects.exists()


def test_a_note_is_everyones_until_scoped_to_some_personas(segmented, actor, couple, sarah):
    first = stage_ids(segmented)[0]
    note = ops.add_touchpoint(actor, segmented, stage=first, text="Test drive").payload
    note_id = note["touchpoint"]["id"]
    assert not Touchpoint.objects.get(pk=note_id).personas.exists()
    event = ops.scope_touchpoint(actor, segmented, note_id, [couple.pk])
    assert event.type == "touchpoint.scoped"
    assert event.payload == {"id": note_id, "personas": [couple.pk]}
    assert list(Touchpoint.objects.get(pk=note_id).personas.all()) == [couple]
    # Naming every persona is naming none: a persona added later meets the note too.
    event = ops.scope_touchpoint(actor, segmented, note_id, [sarah.pk, couple.pk])
    assert event.payload["personas"] == []
    assert not Touchpoint.objects.get(pk=note_id).personas.exists()


def test_a_note_is_scoped_only_to_personas_of_its_map(segmented, actor, couple):
    stranger = ops.create_persona(actor, name="Not on the map")
    first = stage_ids(segmented)[0]
    note_id = ops.add_touchpoint(actor, segmented, stage=first, text="x").payload["touchpoint"][
        "id"
    ]
    for personas in ([stranger.pk], [couple.pk, stranger.pk]):
        with pytest.raises(ops.OperationError) as refused:
            ops.scope_touchpoint(actor, segmented, note_id, personas)
        assert refused.value.code == "not_found"
    for personas in ("1", [0], ["1"], [True], list(range(1, 9))):
        with pytest.raises(ops.OperationError) as refused:
            ops.scope_touchpoint(actor, segmented, note_id, personas)
        assert refused.value.code == "invalid"
    assert not Touchpoint.objects.get(pk=note_id).personas.exists()


def test_removing_a_persona_takes_its_feelings_and_its_name_off_notes(
    segmented, actor, couple, sarah
):
    first = stage_ids(segmented)[0]
    ops.feel_stage(actor, segmented, first, couple.pk, emotion_now=-2)
    note_id = ops.add_touchpoint(actor, segmented, stage=first, text="x").payload["touchpoint"][
        "id"
    ]
    ops.scope_touchpoint(actor, segmented, note_id, [couple.pk])
    event = ops.remove_map_persona(actor, segmented, couple.pk)
    assert event.payload == {"persona": couple.pk, "touchpoints": [note_id]}
    assert not StageFeeling.objects.exists()
    assert not Touchpoint.objects.get(pk=note_id).personas.exists()
    assert Persona.objects.filter(pk=couple.pk).exists()  # still in the library
    assert ops.persona_ids(segmented) == [sarah.pk]


def test_the_primary_goes_only_last(segmented, actor, sarah, couple):
    with pytest.raises(ops.OperationError, match="primary"):
        ops.remove_map_persona(actor, segmented, sarah.pk)
    ops.remove_map_persona(actor, segmented, couple.pk)
    ops.remove_map_persona(actor, segmented, sarah.pk)
    segmented.refresh_from_db()
    assert segmented.persona_id is None


def test_making_a_segment_primary_swaps_the_feelings_and_loses_none(
    segmented, actor, sarah, couple
):
    first, second, _third = stage_ids(segmented)
    ops.feel_stage(actor, segmented, first, sarah.pk, emotion_now=2, feelings="Keen")
    ops.feel_stage(actor, segmented, second, couple.pk, emotion_now=-2, feelings="Lost")
    event = ops.make_primary(actor, segmented, couple.pk)
    segmented.refresh_from_db()
    assert segmented.persona_id == couple.pk
    assert ops.persona_ids(segmented) == [couple.pk, sarah.pk]
    stages = {s.pk: s for s in segmented.stages.all()}
    assert (stages[first].emotion_now, stages[first].feelings) == (None, "")
    assert (stages[second].emotion_now, stages[second].feelings) == (-2, "Lost")
    kept = StageFeeling.objects.get(segment__persona=sarah)
    assert (kept.stage_id, kept.emotion_now, kept.feelings) == (first, 2, "Keen")
    assert event.payload["persona"] == couple.pk and event.payload["previous"] == sarah.pk
    assert [f["persona"] for f in event.payload["feelings"]] == [sarah.pk]


def test_the_primary_cannot_be_made_primary_again(segmented, actor, sarah):
    with pytest.raises(ops.OperationError) as refused:
        ops.make_primary(actor, segmented, sarah.pk)
    assert refused.value.code == "not_found"


def test_a_persona_on_a_map_as_a_segment_cannot_be_deleted_from_the_library(segmented, actor):
    couple = segmented.segments.get().persona
    with pytest.raises(ops.OperationError) as refused:
        ops.delete_persona(actor, couple)
    assert refused.value.code == "in_use"


def test_editing_a_segments_persona_tells_the_map(segmented, actor):
    couple = segmented.segments.get().persona
    before = segmented.events.count()
    ops.update_persona(actor, couple, quote="Our last car")
    assert segmented.events.count() == before + 1
    assert segmented.events.latest("revision").type == "persona.updated"


def test_the_settings_cannot_make_a_segment_the_primary_behind_its_back(segmented, actor):
    couple = segmented.segments.get().persona
    with pytest.raises(ops.OperationError) as refused:
        ops.update_map(actor, segmented, persona=couple)
    assert refused.value.code == "duplicate"


def test_the_snapshot_lists_personas_primary_first_with_feelings_and_scopes(
    segmented, actor, sarah, couple
):
    first = stage_ids(segmented)[0]
    ops.feel_stage(actor, segmented, first, couple.pk, emotion_now=-1)
    note_id = ops.add_touchpoint(actor, segmented, stage=first, text="x").payload["touchpoint"][
        "id"
    ]
    ops.scope_touchpoint(actor, segmented, note_id, [couple.pk])
    snapshot = map_snapshot(segmented)
    assert [(p["id"], p["primary"]) for p in snapshot["personas"]] == [
        (sarah.pk, True),
        (couple.pk, False),
    ]
    assert snapshot["feelings"] == [
        {
            "stage": first,
            "persona": couple.pk,
            "feelings": "",
            "emotion_now": -1,
            "emotion_aspiration": None,
        }
    ]
    assert snapshot["scopes"] == {str(note_id): [couple.pk]}


def test_a_copy_carries_every_persona_feelings_and_scopes(segmented, actor, couple, editor):
    first = stage_ids(segmented)[0]
    ops.feel_stage(actor, segmented, first, couple.pk, emotion_now=-1)
    note_id = ops.add_touchpoint(actor, segmented, stage=first, text="x").payload["touchpoint"][
        "id"
    ]
    ops.scope_touchpoint(actor, segmented, note_id, [couple.pk])
    # Made by someone else: their own copies of both personas.
    copy = ops.duplicate_map(ops.Actor.for_user(editor), segmented)
    personas = ops.map_personas(copy)
    assert [p.name for p in personas] == ["Sarah, a teacher", "Retired couple"]
    assert all(p.owner_id == editor.pk for p in personas)
    feeling = StageFeeling.objects.get(segment__map=copy)
    assert feeling.emotion_now == -1 and feeling.segment.persona == personas[1]
    note = copy.touchpoints.get()
    assert list(note.personas.all()) == [personas[1]]


def test_every_change_is_one_event(segmented, actor, couple):
    before = MapEvent.objects.filter(map=segmented).count()
    first = stage_ids(segmented)[0]
    ops.feel_stage(actor, segmented, first, couple.pk, emotion_now=1)
    ops.make_primary(actor, segmented, couple.pk)
    assert MapEvent.objects.filter(map=segmented).count() == before + 2
