"""Who may do what to a map. Every view and every websocket message asks here.

Roles: owner (everything, including members and delete), editor (change the map), viewer
(read, download). Anyone else is told the map does not exist (404), never that it is private.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from .models import JourneyMap, MapMembership

Role = MapMembership.Role

# What each role may do; each role includes the ones after it.
_RANK = {Role.OWNER: 3, Role.EDITOR: 2, Role.VIEWER: 1}
NEEDS = {"view": 1, "edit": 2, "own": 3}


def role_for(user, journey_map: JourneyMap) -> str | None:
    if not user.is_authenticated:
        return None
    membership = MapMembership.objects.filter(map=journey_map, user=user).only("role").first()
    return membership.role if membership else None


def can(role: str | None, need: str) -> bool:
    return role is not None and _RANK[Role(role)] >= NEEDS[need]


def get_map_for_user(user, map_id: int, need: str = "view") -> tuple[JourneyMap, str]:
    """The map and the user's role on it.

    404 when the user is no member (or the map does not exist): outsiders learn nothing.
    403 when a member's role is too low for `need` (a viewer trying to edit).
    """
    journey_map = JourneyMap.objects.select_related("persona").filter(pk=map_id).first()
    role = role_for(user, journey_map) if journey_map is not None else None
    if journey_map is None or role is None:
        raise Http404("No such map.")
    if not can(role, need):
        raise PermissionDenied("Your role on this map does not allow that.")
    return journey_map, role
