"""Heat: how many voters gave each tag to each touchpoint, and the share that makes the colour.

The heat of a tag on a touchpoint is the share of the workshop's voters (participants who cast
at least one vote) who gave it. Votes belong to a workshop; a map shows its latest workshop's
result unless asked for another.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count

from .models import JourneyMap, Tag

TAGS: tuple[str, ...] = tuple(Tag.values)
# A touchpoint is inconsistent when at least this share of voters found it painful AND at least
# this share found it delightful: the experience varies wildly there.
INCONSISTENT_SHARE = 0.3


@dataclass
class Heat:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TAGS, 0))
    voters: int = 0

    def share(self, tag: str) -> float:
        return self.counts.get(tag, 0) / self.voters if self.voters else 0.0

    @property
    def inconsistent(self) -> bool:
        return (
            self.voters > 0
            and self.share("pain") >= INCONSISTENT_SHARE
            and self.share("delight") >= INCONSISTENT_SHARE
        )


def latest_voted_workshop(journey_map: JourneyMap):
    """The most recent workshop on this map that has votes, or None."""
    from workshops.models import Workshop

    return (
        Workshop.objects.filter(map=journey_map, votes__isnull=False)
        .order_by("-created_at", "-id")
        .distinct()
        .first()
    )


def heat_for_map(journey_map: JourneyMap, workshop=None) -> dict[int, Heat]:
    """Heat per customer-visible touchpoint id, for `workshop` (default: the latest voted).

    Two queries whatever the map's size. Internal notes are left out.
    """
    from workshops.models import Vote

    if workshop is None:
        workshop = latest_voted_workshop(journey_map)
    visible = journey_map.touchpoints.filter(internal=False).values_list("pk", flat=True)
    heat = {pk: Heat() for pk in visible}
    if workshop is None:
        return heat
    votes = Vote.objects.filter(workshop=workshop, touchpoint__internal=False)
    voters = votes.values("participant").distinct().count()
    rows = votes.values("touchpoint_id", "tag").annotate(n=Count("id"))
    for row in rows:
        entry = heat.get(row["touchpoint_id"])
        if entry is not None:
            entry.counts[row["tag"]] = row["n"]
    for entry in heat.values():
        entry.voters = voters
    return heat
