"""Workshops to load: a map of stages x notes and its participants, made through the operations
layer (the data a real room has), for bench/live_room.py and bench/capacity.py. Call after
django.setup()."""

from __future__ import annotations

from typing import Any


def seed_workshop(
    user: Any, title: str, participants: int, stages: int, notes: int, *, bulk: bool = False
) -> dict:
    """A map of `stages` x `notes` notes, a workshop on it with `participants` members (the
    facilitator last, guests before), and what a client needs to join each of them. `bulk`:
    the notes in one import (one transaction, evenly spaced keys: bench/capacity.py makes 40
    maps) rather than added one by one as in a workshop (bench/live_room.py)."""
    from maps import operations as ops
    from workshops.operations import join_workshop, open_workshop

    actor = ops.Actor.for_user(user)
    names = [f"Stage {i}" for i in range(stages)]
    journey_map = ops.create_map(actor, title=title, stage_names=names)
    stage_ids = list(journey_map.stages.order_by("position").values_list("pk", flat=True))
    if bulk:
        rows = [{"stage": name, "text": f"Note {n}"} for name in names for n in range(notes)]
        ops.import_touchpoints(actor, journey_map, rows)
    else:
        for stage in stage_ids:
            for n in range(notes):
                ops.add_touchpoint(actor, journey_map, stage=stage, text=f"Note {n}")
    workshop = open_workshop(user, journey_map)
    people = [join_workshop(workshop, display_name=f"P{i}") for i in range(participants - 1)]
    people.append(workshop.participants.get(role="facilitator"))
    return {
        "code": workshop.join_code,
        "workshop": workshop.pk,
        "stages": stage_ids,
        "notes": list(journey_map.touchpoints.values_list("pk", flat=True)),
        "tokens": [p.token for p in people],
    }
