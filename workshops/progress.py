"""How far the room is, for the facilitator's eyes only: "3 of 5 have voted", who still has
votes left, who said "I'm done" (the ready check). Never what anyone voted: no note, no tag,
no count per tag, before the reveal or after (docs/voting.md).

Sent to the facilitator's connections (notify.notify_facilitator) after every change that
moves it: a vote, a budget, a phase (which clears the ready check), "I'm done", someone joining
or removed. The facilitator's hello and `workshop.state` answer carry it too.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from maps.permissions import PARTICIPANT

from .access import members_now
from .models import Vote, Workshop
from .notify import notify_facilitator

PROGRESS = "room.progress"


def room_progress(workshop: Workshop) -> dict[str, Any]:
    """Each participant (as they act now: not observers, the removed or those out of the map;
    not the facilitator, who runs the room) with whether they have voted, how many votes they
    have left, and whether they are done; and the totals. Three queries."""
    people = [p for p in members_now(workshop) if p.role == PARTICIPANT]
    used = dict(
        Vote.objects.filter(workshop=workshop, participant__in=[p.pk for p in people])
        .values("participant")
        .annotate(n=Count("id"))
        .values_list("participant", "n")
    )
    entries = [
        {
            "participant": person.pk,
            "name": person.display_name,
            "voted": used.get(person.pk, 0) > 0,
            "remaining": max(0, workshop.vote_budget - used.get(person.pk, 0)),
            "ready": person.ready_at is not None,
        }
        for person in people
    ]
    return {
        "type": PROGRESS,
        "workshop": workshop.pk,
        "phase": workshop.phase,
        "total": len(entries),
        "voted": sum(entry["voted"] for entry in entries),
        "ready": sum(entry["ready"] for entry in entries),
        "people": entries,
    }


def notify_progress(workshop: Workshop) -> None:
    """Tell the facilitator's connections the room's progress, after commit. Computed now,
    inside the caller's transaction (with the workshop row locked), so messages leave in the
    order of the changes that made them."""
    notify_facilitator(workshop.pk, room_progress(workshop))
