"""The "compare segments" page (issue 20): two personas of a map side by side, for the map's
members; votes only from a revealed workshop (before the reveal nobody sees them)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from maps.permissions import get_map_for_user
from workshops.models import Workshop
from workshops.tally import REVEALED_PHASES

from .segments import compare_segments, personas_of


def _chosen(request: HttpRequest, name: str, ids: list[int], default: int) -> int:
    value = request.GET.get(name, "")
    if not value:
        return default
    if not value.isdigit() or int(value) not in ids:
        raise Http404("No such persona on this map.")
    return int(value)


@login_required
@require_GET
def compare_segments_view(request: HttpRequest, map_id: int) -> HttpResponse:
    journey_map, role = get_map_for_user(request.user, map_id, "view")
    personas = personas_of(journey_map)
    ids = [view.pk for view in personas]
    context = {"map": journey_map, "role": role, "personas": personas}
    if len(ids) < 2:
        return render(request, "maps/segments.html", context)
    a = _chosen(request, "a", ids, ids[0])
    b = _chosen(request, "b", ids, ids[1] if ids[1] != a else ids[0])
    revealed = list(
        Workshop.objects.filter(map=journey_map, phase__in=REVEALED_PHASES, votes__isnull=False)
        .distinct()
        .order_by("-created_at", "-id")
    )
    chosen = revealed[0] if revealed else None
    asked = request.GET.get("workshop", "")
    if asked:
        chosen = next((w for w in revealed if str(w.pk) == asked), None)
        if chosen is None:
            raise Http404("No revealed workshop with that id on this map.")
    context.update(
        {
            "a": a,
            "b": b,
            "same": a == b,
            "result": compare_segments(journey_map, a, b, chosen),
            "workshops": revealed,
            "chosen": chosen,
        }
    )
    return render(request, "maps/segments.html", context)
