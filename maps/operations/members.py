"""Who belongs to a map: the owner adds editors and viewers, changes their role, removes them.
Each change is a map event, so open workshops hear of it at once."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from ..errors import Actor, OperationError
from ..models import JourneyMap, MapEvent, MapMembership
from .clean import clean_choice, clean_id
from .log import lock_map, record

MEMBER_ROLES = (MapMembership.Role.EDITOR, MapMembership.Role.VIEWER)


def _member_data(membership: MapMembership) -> dict[str, Any]:
    return {
        "user": membership.user_id,
        "username": membership.user.get_username(),
        "role": membership.role,
    }


def add_member(actor: Actor, journey_map: JourneyMap, user, role: str) -> MapEvent:
    role = clean_choice(role, "role", MEMBER_ROLES)
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        if locked.memberships.filter(user=user).exists():
            raise OperationError("duplicate", f"{user.get_username()} is already a member.")
        membership = MapMembership.objects.create(map=locked, user=user, role=role)
        return record(locked, actor, "member.added", _member_data(membership))


def _get_membership(journey_map: JourneyMap, user_id: Any) -> MapMembership:
    membership = (
        journey_map.memberships.select_related("user")
        .filter(user_id=clean_id(user_id, "user"))
        .first()
    )
    if membership is None:
        raise OperationError("not_found", "That person is not a member of this map.")
    if membership.role == MapMembership.Role.OWNER:
        raise OperationError("invalid", "The owner's role cannot be changed or removed.")
    return membership


def change_member_role(actor: Actor, journey_map: JourneyMap, user_id: Any, role: str) -> MapEvent:
    role = clean_choice(role, "role", MEMBER_ROLES)
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        membership = _get_membership(locked, user_id)
        membership.role = role
        membership.save(update_fields=["role"])
        return record(locked, actor, "member.updated", _member_data(membership))


def remove_member(actor: Actor, journey_map: JourneyMap, user_id: Any) -> MapEvent:
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        membership = _get_membership(locked, user_id)
        payload = _member_data(membership)
        membership.delete()
        return record(locked, actor, "member.removed", payload)
