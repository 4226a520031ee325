"""Who is this workshop member? One answer for HTTP views and the websocket consumer.

An account is recognised by its session (its participant row has `user`); a guest by the
participant's secret token, kept in a per-workshop cookie set when they join. The same browser
therefore rejoins as the same participant, with the same colour and votes.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from functools import cache
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection
from django.db.models import Model, Q
from django.http import HttpResponse

from journeymap.ratelimit import exhausted, hit
from maps.models import JourneyMap, MapMembership
from maps.permissions import acting_workshop_role
from maps.rows import columns, instance, quote
from maps.rows import cursor as cursor_for_rows

from .models import Participant, Workshop

M = TypeVar("M", bound=Model)

COOKIE_MAX_AGE = 60 * 60 * 24 * 30  # a month: long enough for a workshop series


COOKIE_PREFIX = "jm_participant_"


def cookie_name(workshop: Workshop | int) -> str:
    workshop_id = workshop if isinstance(workshop, int) else workshop.pk
    return f"{COOKIE_PREFIX}{workshop_id}"


def remember_participant(response: HttpResponse, participant: Participant) -> None:
    """Let this browser come back as `participant` (HttpOnly: scripts never see the token)."""
    response.set_cookie(
        cookie_name(participant.workshop_id),
        participant.token,
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def find_participant(workshop: Workshop, user, cookies: Mapping[str, str]) -> Participant | None:
    """The participant this request or connection speaks for, or None for a stranger. Also one
    who is out (removed, or an account no longer on the map): ask `acting_role`."""
    queryset = Participant.objects.select_related("workshop", "user")
    if user is not None and user.is_authenticated:
        participant = queryset.filter(workshop=workshop, user=user).first()
        if participant is not None:
            return participant
    token = cookies.get(cookie_name(workshop), "")
    if not token or len(token) > 64:
        return None
    participant = queryset.filter(workshop=workshop, token=token).first()
    # Compare again in constant time: the lookup itself is by index, the check is what counts.
    if participant is None or not secrets.compare_digest(participant.token, token):
        return None
    return participant


def acting_role(participant: Participant) -> str | None:
    """The role `participant` acts with now, or None when they are out (removed by the
    facilitator, or an account no longer on the map): maps.permissions decides, from the map
    roles `with_map_roles` or `load_member` loaded."""
    return acting_workshop_role(
        participant.role,
        removed=participant.removed_at is not None,
        account=participant.user_id is not None,
        account_map_role=participant.map_role,
        visitor_map_role=participant.visitor_map_role,
    )


def member_acting(workshop: Workshop, user: Any, cookies: Mapping[str, str]) -> Participant | None:
    """The member a request speaks for (its session or cookie), set to the role they act with
    now (never saved); None for a stranger or a member who is out."""
    participant = find_participant(workshop, user, cookies)
    if participant is None:
        return None
    role = acting_role(with_map_roles(participant, user))
    if role is None:
        return None
    participant.role = role
    return participant


def with_map_roles(participant: Participant, visitor: Any) -> Participant:
    """Load onto `participant` the map roles acting_role needs: its own account's, and that of
    the signed-in `visitor` when another account speaks through its place (a guest's cookie)."""
    visitor_id = visitor.pk if visitor is not None and visitor.is_authenticated else None
    users = {participant.user_id, visitor_id} - {None}
    roles = dict(
        MapMembership.objects.filter(
            map_id=participant.workshop.map_id, user_id__in=users
        ).values_list("user_id", "role")
    )
    participant.map_role = roles.get(participant.user_id)
    participant.visitor_map_role = (
        roles.get(visitor_id) if visitor_id != participant.user_id else None
    )
    return participant


def members_now(workshop: Workshop) -> list[Participant]:
    """The workshop's members who are in, each set to the role they act with (for the
    facilitator's list of people): not the removed, nor accounts no longer on the map."""
    map_roles = dict(
        MapMembership.objects.filter(map_id=workshop.map_id).values_list("user_id", "role")
    )
    members = []
    for participant in workshop.participants.filter(removed_at=None).order_by("joined_at", "id"):
        participant.map_role = map_roles.get(participant.user_id)
        participant.visitor_map_role = None
        role = acting_role(participant)
        if role is not None:
            participant.role = role
            members.append(participant)
    return members


def participant_name(participant_id: int, map_id: int) -> str | None:
    """The display name of a person in a workshop on the map, who may own an action item
    (maps.operations.actions): not removed, and an account still on the map."""
    return (
        Participant.objects.filter(pk=participant_id, workshop__map_id=map_id, removed_at=None)
        .filter(Q(user=None) | Q(user__map_memberships__map_id=map_id))
        .values_list("display_name", flat=True)
        .first()
    )


def guests_on_map(map_id: int) -> list[tuple[int, str]]:
    """(participant id, display name) of the guests (no account: members are mentioned by
    their account) in, not removed from, the map's open workshops: whom a comment may
    mention (maps.operations.discussion)."""
    rows = Participant.objects.filter(
        workshop__map_id=map_id, removed_at=None, user=None, workshop__closed_at=None
    ).order_by("display_name", "id")
    return list(rows.values_list("id", "display_name"))


# Unknown codes looked up from one address per window, by page, form or websocket. Past the
# limit every lookup from that address is refused, found or not: otherwise "join" answering
# 404 or 200 (or the websocket closing with 4404 or 4403) would tell a script which of the
# 31^6 codes exist, however the join form itself is limited.
CODE_MISS_WINDOW = 300


def guessing_codes(address: str) -> bool:
    return exhausted("code-miss", address, settings.CODE_GUESS_LIMIT, CODE_MISS_WINDOW)


def count_code_miss(address: str) -> None:
    hit("code-miss", address, settings.CODE_GUESS_LIMIT, CODE_MISS_WINDOW)


def find_workshop(code: str) -> Workshop | None:
    """The workshop with this join code (case-insensitive: codes are read aloud)."""
    code = (code or "").strip().upper()
    if not code or len(code) > 12:
        return None
    return Workshop.objects.select_related("map").filter(join_code=code).first()


def load_member(participant_id: int, visitor_id: int | None = None) -> Participant | None:
    """A participant and its workshop, fresh from the database, for the consumer's gate on
    every websocket operation, with the map roles acting_role needs (`visitor_id`: the
    connection's signed-in account, see with_map_roles). Its user and its workshop's map come
    as instances holding only their id; any other field of theirs is loaded on first use, as
    with QuerySet.only().

    One hand-written query: the ORM's (select_related of workshop, map and user) cost about
    2 ms of CPU per call on PostgreSQL to compile and read, more than the note move it let
    through, on a server that has one GIL for all its rooms (bench/operation_cost.py). The
    values go through the same converters the ORM applies."""
    with cursor_for_rows() as cursor:
        cursor.execute(_member_sql(), [visitor_id, participant_id])
        row = cursor.fetchone()
    if row is None:
        return None
    split = len(Participant._meta.concrete_fields)
    participant = instance(Participant, row[:split])
    workshop = instance(Workshop, row[split:-2])
    participant.map_role, visitor_map_role = row[-2:]
    same_account = visitor_id is not None and visitor_id == participant.user_id
    participant.visitor_map_role = None if same_account else visitor_map_role
    workshop.map = JourneyMap.from_db(connection.alias, ["id"], [workshop.map_id])
    participant.workshop = workshop
    user_model = Participant._meta.get_field("user").related_model
    participant.user = (
        None
        if participant.user_id is None
        else user_model.from_db(connection.alias, ["id"], [participant.user_id])
    )
    return participant


@cache
def _member_sql() -> str:
    workshop_id = quote(Participant._meta.get_field("workshop").column)
    user_id = quote(Participant._meta.get_field("user").column)
    map_id = quote(Workshop._meta.get_field("map").column)
    membership = quote(MapMembership._meta.db_table)
    member_map = quote(MapMembership._meta.get_field("map").column)
    member_user = quote(MapMembership._meta.get_field("user").column)
    role = quote(MapMembership._meta.get_field("role").column)
    return (
        f"SELECT {columns(Participant, 'p')}, {columns(Workshop, 'w')}, "  # noqa: S608 (our tables)
        f"m.{role}, v.{role} "
        f"FROM {quote(Participant._meta.db_table)} p "
        f"JOIN {quote(Workshop._meta.db_table)} w ON w.{quote(Workshop._meta.pk.column)} = "
        f"p.{workshop_id} "
        # The member's own account's role on the map, and the connection's signed-in account's.
        f"LEFT JOIN {membership} m ON m.{member_map} = w.{map_id} AND m.{member_user} = p.{user_id} "
        f"LEFT JOIN {membership} v ON v.{member_map} = w.{map_id} AND v.{member_user} = %s "
        f"WHERE p.{quote(Participant._meta.pk.column)} = %s"
    )
