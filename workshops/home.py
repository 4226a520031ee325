"""The signed-in home page: your maps, the most recently changed first, each with its size,
when it last changed and the workshops running on it now, so a facilitator who closed the tab
gets back into the room in one click.

It lives in the workshops app because it shows workshops: the map domain knows nothing of them
(tests/test_architecture.py)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from maps.models import JourneyMap, MapMembership, Stage, Touchpoint
from maps.permissions import may_see_join_codes

from .models import Phase, Workshop


@dataclass
class MapCard:
    map: JourneyMap
    role: str
    stages: int = 0
    notes: int = 0
    # Open workshops on the map, newest first; their codes only for those who may bring
    # people in (maps.permissions.may_see_join_codes).
    live: list[Workshop] = field(default_factory=list)

    @property
    def may_enter(self) -> bool:
        return may_see_join_codes(self.role)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "landing.html")
    maps = JourneyMap.objects.visible_to(request.user).select_related("persona")
    return render(request, "workshops/home.html", {"cards": map_cards(request.user, maps)})


def map_cards(user, maps) -> list[MapCard]:
    """One card per map, most recently changed first: four queries however many maps."""
    found = list(maps.order_by("-updated_at", "id"))
    ids = [m.pk for m in found]
    roles = dict(
        MapMembership.objects.filter(user=user, map_id__in=ids).values_list("map_id", "role")
    )
    stages = _counts(Stage.objects.filter(map_id__in=ids))
    notes = _counts(Touchpoint.objects.filter(map_id__in=ids))
    live: dict[int, list[Workshop]] = defaultdict(list)
    running = Workshop.objects.filter(map_id__in=ids).exclude(phase=Phase.CLOSED)
    for workshop in running.order_by("-created_at", "-id"):
        live[workshop.map_id].append(workshop)
    return [
        MapCard(m, roles.get(m.pk, ""), stages.get(m.pk, 0), notes.get(m.pk, 0), live[m.pk])
        for m in found
    ]


def _counts(rows) -> dict[int, int]:
    return dict(rows.order_by().values("map_id").annotate(n=Count("id")).values_list("map_id", "n"))
