"""Personas: the main actors of maps. A persona belongs to an account's library, not to a map,
so it has no event log of its own: a change is announced on every map that shows it."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from ..errors import Actor, OperationError
from ..models import LANE_MAX, NAME_MAX, SHORT_MAX, MapEvent, Persona
from ..serializers import PERSONA_FIELDS
from .clean import clean_choice, clean_text
from .log import lock_map, record
from .states import persona_state

PERSONA_LIMITS = {
    "name": NAME_MAX,
    "role": NAME_MAX,
    "quote": SHORT_MAX,
    "social_class": NAME_MAX,
    "purchase_frequency": NAME_MAX,
}


def clean_persona_fields(fields: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for field, value in fields.items():
        if field not in PERSONA_FIELDS:
            raise OperationError("invalid", f"Unknown persona field {field!r}.")
        if field == "buyer_type":
            cleaned[field] = clean_choice(value or "", field, Persona.BuyerType.values)
        else:
            limit = PERSONA_LIMITS.get(field, LANE_MAX)
            cleaned[field] = clean_text(value, field, limit, required=field == "name")
    return cleaned


def create_persona(actor: Actor, **fields: Any) -> Persona:
    """A new persona in the actor's library (no map shows it yet, so no event)."""
    cleaned = clean_persona_fields(fields)
    if "name" not in cleaned:
        raise OperationError("invalid", "name cannot be empty.", field="name")
    if actor.user is None:
        raise OperationError("invalid", "A persona belongs to an account.")
    return Persona.objects.create(owner=actor.user, **cleaned)


def update_persona(actor: Actor, persona: Persona, **fields: Any) -> list[MapEvent]:
    """Change a persona; every map showing it gets a map.updated event so boards refresh."""
    cleaned = clean_persona_fields(fields)
    events = []
    with transaction.atomic():
        before = persona_state(Persona.objects.get(pk=persona.pk))
        for name, value in cleaned.items():
            setattr(persona, name, value)
        persona.save()
        # The maps it is the primary of, and those it is a further persona (segment) on.
        primary_of = persona.maps.values_list("pk", flat=True)
        segment_of = persona.segment_maps.values_list("map_id", flat=True)
        for map_id in sorted({*primary_of, *segment_of}):
            journey_map = lock_map(map_id)
            payload = {"persona": persona.pk}
            events.append(record(journey_map, actor, "persona.updated", payload, before=before))
    return events


def delete_persona(actor: Actor, persona: Persona) -> None:
    """Delete a persona of the actor's that no map uses (so no map hears of it); a persona in
    use is refused, never silently unset."""
    if persona.owner_id != getattr(actor.user, "pk", None):
        raise OperationError("not_found", "That persona is not in your library.")
    in_use = persona.maps.count() + persona.segment_maps.count()
    if in_use:
        maps = "a map" if in_use == 1 else f"{in_use} maps"
        raise OperationError(
            "in_use",
            f"{persona.name} is the persona of {maps}: give those maps another persona first.",
        )
    persona.delete()
