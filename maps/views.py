"""Pages of the map domain. Views stay thin: permissions decide, operations change."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .board import board_context
from .models import JourneyMap
from .permissions import get_map_for_user


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "landing.html")
    maps = (
        JourneyMap.objects.visible_to(request.user)
        .select_related("persona")
        .order_by("-updated_at")
    )
    return render(request, "maps/home.html", {"maps": maps})


@login_required
def board(request: HttpRequest, map_id: int) -> HttpResponse:
    journey_map, role = get_map_for_user(request.user, map_id, "view")
    return render(request, "maps/board.html", board_context(journey_map, role))
