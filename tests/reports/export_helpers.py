"""Maps for the export tests and bench/pdf_export.py: any size, any text, with revealed votes.

Notes are bulk-created (a 20x200 map through one operation per note would take the bench longer
than the thing it measures); the map's stages and its event log still come from operations.
"""

from __future__ import annotations

from collections.abc import Sequence

from maps import operations as ops
from maps import positions
from maps.models import Channel, JourneyMap, Touchpoint
from workshops.models import Participant, Vote, Workshop

CHANNELS = list(Channel.values)


def build_map(
    owner,
    *,
    stages: int,
    notes_per_stage: int,
    title: str = "Sample journey",
    text: str = "Touchpoint {stage}.{note}: the customer reads the pricing page again",
    voters: int = 4,
) -> JourneyMap:
    """A map of `stages` x `notes_per_stage` customer-visible notes, with a revealed workshop
    in which `voters` participants tag a spread of notes."""
    actor = ops.Actor.for_user(owner)
    persona = ops.create_persona(ops.Actor.for_user(owner), name="Sample persona", role="Buyer")
    journey_map = ops.create_map(
        actor,
        title=title,
        persona=persona,
        scope="End to end",
        stage_names=[f"Stage {i + 1}" for i in range(stages)],
    )
    for i, stage in enumerate(journey_map.stages.order_by("position")):
        ops.update_stage(
            actor,
            journey_map,
            stage.pk,
            actions=f"Does the things of stage {i + 1}",
            feelings="Curious",
            emotion_now=(i % 5) - 2,
            emotion_aspiration=min(2, (i % 5) - 1),
            personnel="Sales",
        )
        keys = positions.keys_after(None, notes_per_stage)
        Touchpoint.objects.bulk_create(
            Touchpoint(
                map=journey_map,
                stage=stage,
                position=key,
                text=text.format(stage=i + 1, note=n + 1),
                channel=CHANNELS[n % len(CHANNELS)],
                department=["Sales", "Marketing", "Finance", "Service"][n % 4],
                critical=n % 7 == 0,
            )
            for n, key in enumerate(keys)
        )
    reveal_votes(journey_map, owner, voters)
    return journey_map


def reveal_votes(journey_map: JourneyMap, owner, voters: int) -> Workshop:
    """A workshop whose votes are revealed: every k-th note gets pain, delight or truth tags."""
    workshop = Workshop.objects.create(map=journey_map, title="Kick-off", created_by=owner)
    notes = list(journey_map.touchpoints.filter(internal=False).order_by("pk"))
    votes = []
    for v in range(voters):
        participant = Participant.objects.create(
            workshop=workshop, display_name=f"Voter {v + 1}", token=f"tok-{workshop.pk}-{v}"
        )
        for n, note in enumerate(notes):
            tag = ("pain", "delight", "truth")[(n + v) % 3]
            if (n + v) % 4 == 0:
                votes.append(
                    Vote(workshop=workshop, participant=participant, touchpoint=note, tag=tag)
                )
    Vote.objects.bulk_create(votes)
    Workshop.objects.filter(pk=workshop.pk).update(phase="reveal")
    workshop.refresh_from_db()
    return workshop


def add_notes(journey_map: JourneyMap, stage_index: int, texts: Sequence[str], **fields) -> None:
    """Notes through the operations layer (the way users add them)."""
    actor = ops.SYSTEM
    stage = list(journey_map.stages.order_by("position"))[stage_index]
    for text in texts:
        ops.add_touchpoint(actor, journey_map, stage=stage.pk, text=text, **fields)


def revealed_workshop(
    journey_map: JourneyMap, owner, votes: Sequence[tuple[str, str]], phase: str = "reveal"
) -> Workshop:
    """A workshop in `phase` where each (note text, tag) is one vote by its own participant."""
    workshop = Workshop.objects.create(map=journey_map, title="Kick-off", created_by=owner)
    for i, (text, tag) in enumerate(votes):
        participant = Participant.objects.create(
            workshop=workshop, display_name=f"Voter {i}", token=f"t-{workshop.pk}-{i}"
        )
        note = journey_map.touchpoints.get(text=text)
        Vote.objects.create(workshop=workshop, participant=participant, touchpoint=note, tag=tag)
    Workshop.objects.filter(pk=workshop.pk).update(phase=phase)
    return workshop
