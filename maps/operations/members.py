"""Who belongs to a map: the owner adds editors and viewers, changes their role, removes them.
Each change is a map event, so open workshops hear of it at once; and the account's own
connections are told (`account_group`), so a removal or a lower role takes effect on the
sockets it has open in the map's workshops at once, not at their next message."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from journeymap import realtime

from ..errors import Actor, OperationError
from ..models import JourneyMap, MapEvent, MapMembership
from .clean import clean_choice, clean_id
from .log import lock_map, record

MEMBER_ROLES = (MapMembership.Role.EDITOR, MapMembership.Role.VIEWER)
# The channel-layer message type of `access.changed` (the workshop consumer's access_changed).
ACCESS_CHANGED = "access.changed"


def account_group(user_id: int) -> str:
    """The group of every live connection an account has open (workshops.consumers)."""
    return f"account.{user_id}"


def _tell_account(journey_map: JourneyMap, user_id: int) -> None:
    """After commit: the account's rights on this map changed; its open connections look
    again. Lost, the next message or heartbeat of each connection looks anyway."""
    message = {"type": ACCESS_CHANGED, "map": journey_map.pk, "user": user_id}
    realtime.publish_on_commit(account_group(user_id), message, ACCESS_CHANGED)


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
        _tell_account(locked, membership.user_id)
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
        _tell_account(locked, membership.user_id)
        return record(locked, actor, "member.updated", _member_data(membership))


def remove_member(actor: Actor, journey_map: JourneyMap, user_id: Any) -> MapEvent:
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        membership = _get_membership(locked, user_id)
        payload = _member_data(membership)
        membership.delete()
        _tell_account(locked, payload["user"])
        return record(locked, actor, "member.removed", payload)
