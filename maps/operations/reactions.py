"""Reactions on notes and comments: a small fixed set (+1, heart, idea, question), one of each
per person, counted. A reaction is never a vote: it is stored apart from votes, counts nothing
of the heat map, and its event carries only reaction counts, whatever the phase
(docs/voting.md, "Reactions are not votes"). Everyone who may see the map reacts, observers
and viewers too."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from ..discussion import KINDS, person_key, reaction_counts
from ..discussion_models import Reaction
from ..errors import Actor, OperationError
from ..models import JourneyMap, MapEvent
from ..permissions import When, Who
from .clean import clean_bool, clean_choice
from .discussion import get_comment
from .log import lock_map, record
from .notes import get_touchpoint
from .registry import BOOL, CHOICE, ID, Field, operation


@operation(
    "reaction.set",
    Field("touchpoint", ID, note="the note, or"),
    Field("comment", ID, note="the comment (exactly one)"),
    Field("reaction", CHOICE, required=True, note='"+1", "heart", "idea" or "question"'),
    Field("on", BOOL, required=True, note="give it (true) or take it back"),
    who=Who.EVERYONE,
    when=When.ANYTIME,
)
def set_reaction(
    actor: Actor,
    journey_map: JourneyMap,
    *,
    reaction: Any,
    on: Any,
    touchpoint: Any = None,
    comment: Any = None,
    op_id: str | None = None,
) -> MapEvent:
    """Give or take back one's reaction of a kind. Setting what is already so changes nothing
    but still answers with the counts (a resend from another tab is harmless)."""
    kind = clean_choice(reaction, "reaction", KINDS)
    give = clean_bool(on, "on")
    person = person_key(actor)
    if person is None:
        raise OperationError("forbidden", "A reaction needs someone to give it.")
    if (touchpoint is None) == (comment is None):
        raise OperationError("invalid", "A reaction is on a touchpoint or on a comment: name one.")
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        if touchpoint is not None:
            target: dict[str, Any] = {"touchpoint": get_touchpoint(locked, touchpoint)}
            name, target_id = "touchpoint", target["touchpoint"].pk
        else:
            target = {"comment": get_comment(locked, comment)}
            name, target_id = "comment", target["comment"].pk
        mine = Reaction.objects.filter(map=locked, kind=kind, person=person, **target)
        if give and not mine.exists():
            Reaction.objects.create(map=locked, kind=kind, person=person, **target)
        elif not give:
            mine.delete()
        payload = {
            "target": name,
            "id": target_id,
            "reaction": kind,
            "on": give,
            "counts": reaction_counts(**{f"{name}_id": target_id}),
        }
        return record(locked, actor, "reaction.changed", payload, op_id)
