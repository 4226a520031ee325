"""A workshop's votes counted into heat per touchpoint (maps.heat.Heat), and which workshop's
result a map shows.

Votes belong to a workshop; a map shows its latest *revealed* workshop's result unless asked
for another: votes stay hidden until the facilitator reveals them, on the map's pages and in
exports too.
"""

from __future__ import annotations

from django.db.models import Count, Q

from maps.heat import Heat
from maps.models import JourneyMap

from .models import Phase, Vote, Workshop

# Phases in which a workshop's votes are revealed.
REVEALED_PHASES: tuple[str, ...] = (Phase.REVEAL, Phase.DISCUSS, Phase.CLOSED)


def is_revealed(workshop) -> bool:
    return workshop is not None and workshop.phase in REVEALED_PHASES


def latest_voted_workshop(journey_map: JourneyMap, *, revealed_only: bool = True):
    """The most recent workshop on this map that has votes, or None.

    By default only workshops whose votes were revealed count: before the reveal nobody but
    each voter may see the votes, on the board or in an export.
    """
    workshops = Workshop.objects.filter(map=journey_map, votes__isnull=False)
    if revealed_only:
        workshops = workshops.filter(phase__in=REVEALED_PHASES)
    return workshops.order_by("-created_at", "-id").distinct().first()


def heat_for_map(
    journey_map: JourneyMap, workshop=None, persona: int | None = None
) -> dict[int, Heat]:
    """Heat per customer-visible touchpoint id, for `workshop` (default: the latest revealed).

    Two queries whatever the map's size. Internal notes are left out. An explicit `workshop`
    is used whether or not it is revealed: the caller decides who may see it.

    For one `persona` (issue 20): only the notes on its journey (everyone's, or naming it),
    counting the votes for everyone and those for that persona; without one, every vote.
    """
    if workshop is None:
        workshop = latest_voted_workshop(journey_map)
    visible = journey_map.touchpoints.filter(internal=False)
    if persona is not None:
        visible = visible.filter(Q(personas__isnull=True) | Q(personas=persona)).distinct()
    heat = {pk: Heat() for pk in visible.values_list("pk", flat=True)}
    if workshop is None:
        return heat
    votes = Vote.objects.filter(workshop=workshop, touchpoint__internal=False)
    if persona is not None:
        votes = votes.filter(Q(persona__isnull=True) | Q(persona=persona))
    voters = votes.values("participant").distinct().count()
    rows = votes.values("touchpoint_id", "tag").annotate(n=Count("id"))
    for row in rows:
        entry = heat.get(row["touchpoint_id"])
        if entry is not None:
            entry.counts[row["tag"]] = row["n"]
    for entry in heat.values():
        entry.voters = voters
    return heat
