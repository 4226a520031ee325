"""For whom a vote is (issue 20, "pain for whom?"): checked by `vote.set` (workshops.facilitation)
under the workshop's lock; the facilitator's switch is workshops.segment_votes."""

from __future__ import annotations

from typing import Any

from maps.models import Touchpoint
from maps.operations import OperationError, clean_id, persona_ids

from .models import Workshop


def clean_vote_persona(workshop: Workshop, touchpoint: Touchpoint, persona: Any) -> int | None:
    """The persona a vote is for: None (everyone), or a persona of the workshop's map whose
    journey the note is on, and only while the workshop votes per persona."""
    if persona is None:
        return None
    persona_id = clean_id(persona, "persona")
    if not workshop.votes_per_persona:
        raise OperationError(
            "invalid", "This workshop votes for everyone, not per persona.", field="persona"
        )
    if persona_id not in persona_ids(workshop.map):
        raise OperationError("not_found", "That persona is not on this map.", field="persona")
    named = set(touchpoint.personas.values_list("pk", flat=True))
    if named and persona_id not in named:
        raise OperationError(
            "invalid", "That note is not on this persona's journey.", field="persona"
        )
    return persona_id
