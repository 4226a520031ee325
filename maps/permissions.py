"""Who may do what: the one place that decides, for map pages, the live workshop and the
operations themselves.

On a map, roles are owner (everything, including members and delete), editor (change the map)
and viewer (read, download). Anyone else is told the map does not exist (404), never that it is
private.

In a live workshop, roles are facilitator, participant and observer, and the workshop's phase
and lock decide when. Each operation declares who may ask for it (`Who`) and when (`When`)
(maps.operations.registry); `check_workshop` applies those declarations to a workshop member,
`need_on_map` to an account on the map's own pages.
"""

from __future__ import annotations

from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.http import Http404

from .errors import OperationError
from .models import JourneyMap, MapMembership

Role = MapMembership.Role

# What each role may do; each role includes the ones after it.
_RANK = {Role.OWNER: 3, Role.EDITOR: 2, Role.VIEWER: 1}
NEEDS = {"view": 1, "edit": 2, "own": 3}


class Who(StrEnum):
    """Who may ask for an operation."""

    EDITORS = "editors"  # map editors and owners; in a workshop, facilitator and participants
    FACILITATOR = "facilitator"  # the spine's structure, running the workshop
    VOTERS = "voters"  # in a workshop: facilitator and participants (observers do not vote)
    EVERYONE = "everyone"  # anyone who may see the map or is in the workshop


class When(StrEnum):
    """When, in a workshop, an operation may be asked for. The facilitator passes the phase
    and lock gates of EDITING and ANYTIME; voting is the vote phase's, for everyone."""

    EDITING = "editing"  # the editing phases, while the board is not locked
    DISCUSSING = "discussing"  # the discuss phase, while the board is not locked
    GROUPING = "grouping"  # the group phase, while the board is not locked
    VOTING = "voting"  # the vote phase, while the board is not locked
    ANYTIME = "anytime"  # any open phase, while the board is not locked
    ALWAYS = "always"  # any open phase, locked or not


# Workshop roles and phases as workshops.models stores them (tests/test_permissions.py checks
# they agree): the map domain does not import the workshop app.
FACILITATOR, PARTICIPANT, OBSERVER = "facilitator", "participant", "observer"
EDIT_PHASES = frozenset({"gather", "group", "discuss"})
VOTE_PHASES = frozenset({"vote"})
DISCUSS_PHASES = frozenset({"discuss"})
GROUP_PHASES = frozenset({"group"})
CLOSED = "closed"

_ROLES = (FACILITATOR, PARTICIPANT, OBSERVER)
_WORKSHOP_ROLES: dict[Who, frozenset[str]] = {
    Who.EDITORS: frozenset({FACILITATOR, PARTICIPANT}),
    Who.FACILITATOR: frozenset({FACILITATOR}),
    Who.VOTERS: frozenset({FACILITATOR, PARTICIPANT}),
    Who.EVERYONE: frozenset({FACILITATOR, PARTICIPANT, OBSERVER}),
}
_MAP_NEEDS: dict[Who, str] = {
    Who.EDITORS: "edit",
    Who.FACILITATOR: "edit",
    Who.VOTERS: "edit",
    Who.EVERYONE: "view",
}
# The phases a participant may ask in, for the phase-bound `When`s (the others: any open one).
_PHASES_FOR: dict[When, frozenset[str]] = {
    When.EDITING: EDIT_PHASES,
    When.DISCUSSING: DISCUSS_PHASES,
    When.GROUPING: GROUP_PHASES,
}
_PHASE_LABELS = {
    "gather": "Gather",
    "group": "Group",
    "vote": "Vote",
    "reveal": "Reveal",
    "discuss": "Discuss",
    "closed": "Closed",
}


def check_workshop(who: Who, when: When, role: str, phase: str, locked: bool) -> None:
    """Refuse (OperationError) what a workshop member may not do now."""
    if role not in _WORKSHOP_ROLES[who]:
        if role == OBSERVER and who == Who.VOTERS:
            raise OperationError("forbidden", "Observers do not vote.")
        raise OperationError("forbidden", "Your role in this workshop does not allow that.")
    if phase == CLOSED:
        raise OperationError("closed", "This workshop has ended; the board is read-only.")
    if when == When.VOTING and phase not in VOTE_PHASES:
        label = _PHASE_LABELS[phase]
        raise OperationError("wrong_phase", f"Voting is closed in the {label} phase.")
    if role == FACILITATOR or when == When.ALWAYS:
        return
    if locked:
        raise OperationError("locked", "The facilitator has locked the board.")
    if phase not in _PHASES_FOR.get(when, {phase}):
        label = _PHASE_LABELS[phase]
        if when == When.GROUPING:
            message = f"Notes are grouped in the Group phase; this is the {label} phase."
            raise OperationError("wrong_phase", message)
        raise OperationError("wrong_phase", f"That is not possible in the {label} phase.")


# What a disabled control on the live page says (workshop_gates): the same refusals as
# check_workshop, put as what the person can do about it rather than what went wrong.
_ACTIVITIES: dict[str, tuple[Who, When]] = {
    "edit": (Who.EDITORS, When.EDITING),  # add, edit, move, group notes
    "vote": (Who.VOTERS, When.VOTING),
    "act": (Who.EDITORS, When.DISCUSSING),  # action items
}
_WATCHING = {
    "edit": "Observers can watch, not edit.",
    "vote": "Observers watch; they do not vote.",
    "act": "Observers can watch, not edit.",
}
_OPENS = {
    "edit": ("Adding and changing notes opens again in the {} phase.", EDIT_PHASES),
    "vote": ("Voting opens in the {} phase.", VOTE_PHASES),
    "act": ("Action items open in the {} phase.", DISCUSS_PHASES),
}


def why_not(activity: str, role: str, phase: str, locked: bool) -> str | None:
    """Why a workshop member may not do `activity` ("edit", "vote", "act") now, in words for
    the control that stays disabled, or None when they may. The decision is check_workshop's."""
    who, when = _ACTIVITIES[activity]
    try:
        check_workshop(who, when, role, phase, locked)
    except OperationError as refused:
        if refused.code == "forbidden":
            return _WATCHING[activity] if role == OBSERVER else refused.message
        if refused.code == "wrong_phase":
            return _next_opening(activity, phase) or refused.message
        return refused.message
    return None


def _next_opening(activity: str, phase: str) -> str | None:
    """When `activity` opens next after `phase`, in the phases' order (the facilitator may
    still go back: this says what the agenda has next); None when it does not again."""
    sentence, phases = _OPENS[activity]
    order = list(_PHASE_LABELS)
    later = [p for p in order[order.index(phase) + 1 :] if p in phases]
    if later:
        return sentence.format(_PHASE_LABELS[later[0]])
    return "Voting is over: the votes are revealed." if activity == "vote" else None


def workshop_gates(phase: str, locked: bool) -> dict[str, dict[str, str | None]]:
    """For every activity and workshop role, why its controls are disabled now (None: they are
    not). Sent in every workshop.state, so the live page disables what the server would refuse
    without a copy of these rules."""
    return {
        activity: {role: why_not(activity, role, phase, locked) for role in _ROLES}
        for activity in _ACTIVITIES
    }


def workshop_role_on_map(role: str, map_role: str | None) -> str:
    """A map member's workshop role never exceeds their map role: a viewer of the map, whatever
    they joined as (or were before their role changed), only watches (observer). Editors and
    owners keep their workshop role; a guest (no map role) keeps theirs."""
    return OBSERVER if map_role == Role.VIEWER else role


def acting_workshop_role(
    role: str,
    *,
    removed: bool,
    account: bool,
    account_map_role: str | None,
    visitor_map_role: str | None = None,
) -> str | None:
    """The role a workshop member acts with now, or None when they are out.

    - `removed`: the facilitator removed them from the workshop: out, for good.
    - `account`: they joined with an account, and act with its rights on the map
      (`account_map_role`): out once it is no longer a member of the map, capped while it is a
      viewer (workshop_role_on_map).
    - A guest (no account) acts in the role they joined with. But a signed-in account using a
      guest's place in its browser (its cookie) is capped by its own role on the map
      (`visitor_map_role`): a viewer does not become a participant through a cookie.

    Asked on every websocket message (workshops.gate) and every workshop page, so a removal or
    a role change counts from the next one."""
    if removed or (account and account_map_role is None):
        return None
    role = workshop_role_on_map(role, account_map_role)
    return workshop_role_on_map(role, visitor_map_role)


def may_see_join_codes(map_role: str | None) -> bool:
    """Join codes are for those who may bring people in to edit: the map's editors and owner.
    A viewer who saw one could join as a guest in another browser and edit through it."""
    return can(map_role, "edit")


def need_on_map(who: Who) -> str:
    """What an account needs on a map to ask for an operation from the map's own pages."""
    return _MAP_NEEDS[who]


def role_for(user, journey_map: JourneyMap) -> str | None:
    if not user.is_authenticated:
        return None
    membership = MapMembership.objects.filter(map=journey_map, user=user).only("role").first()
    return membership.role if membership else None


def can(role: str | None, need: str) -> bool:
    return role is not None and _RANK[Role(role)] >= NEEDS[need]


def visible_source(user, journey_map: JourneyMap) -> JourneyMap | None:
    """The current-state map `journey_map` was made from, if `user` may see it. A future map's
    members are not all members of its source: to the others, nothing of the source (its
    title, stages, scores, even a link to it) is shown, as its own pages answer them 404."""
    if journey_map.source_map_id is None:
        return None
    source = JourneyMap.objects.filter(pk=journey_map.source_map_id).first()
    if source is None or role_for(user, source) is None:
        return None
    return source


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


def may_change_comment(
    author_user_id: int | None,
    author_participant: int | None,
    actor_user_id: int | None,
    actor_participant: int | None,
) -> bool:
    """A comment is edited and deleted by its author only: the same account (on the map page
    or in a workshop it joined with), or the same workshop guest. Facilitators and owners
    moderate by resolving the thread, never by rewriting someone's words."""
    if author_user_id is not None and author_user_id == actor_user_id:
        return True
    return author_participant is not None and author_participant == actor_participant


def may_be_mentioned(map_role: str | None, in_a_workshop: bool) -> bool:
    """Someone is mentioned only if they may see the map: a member (any role), or a person in
    (not removed from) one of its workshops. Anyone else would be told of a map they cannot
    open, and its text would leak to them by email."""
    return map_role is not None or in_a_workshop
