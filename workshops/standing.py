"""Whether a live connection's member may stay, and as what: the consumer's questions about
standing, apart from its transport (workshops/consumers.py).

A member is out when the facilitator removed them, or when they joined with an account that
is no longer on the map; and a connection is made for one role (its page shows that role's
controls), so when the role they act with changes (their map role did), the connection closes
and the page reloads in the new one (maps.permissions.acting_workshop_role decides). Asked on
every operation (the gate), on every sync or snapshot (the browser's heartbeat), and at once
when the facilitator or the map's owner changes something (the consumer's pushes).

Also the cap on connections per participant in this process.
"""

from __future__ import annotations

import weakref
from typing import Any

from django.conf import settings

from .access import acting_role, find_participant, load_member, with_map_roles
from .models import Participant, Workshop

# WebSocket close codes (4000-4999 are the application's; docs/protocol.md, "Connecting").
# The browser stops reconnecting after each of these but 4409, which reloads the page.
CLOSE_NOT_A_MEMBER = 4403  # a stranger, or an account no longer on the map
CLOSE_UNKNOWN_WORKSHOP = 4404
CLOSE_ROLE_CHANGED = 4409  # the role this member acts with changed: the page reloads
CLOSE_REMOVED = 4410  # the facilitator removed this participant from the workshop
CLOSE_TOO_MANY_CONNECTIONS = 4429  # MAX_CONNECTIONS_PER_PARTICIPANT open on this process


class MemberGone(Exception):
    """The member may no longer be here, or no longer in the role the connection began with:
    it closes with `code`."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def enter(workshop: Workshop, scope: dict[str, Any]) -> Participant | int:
    """The member a websocket handshake speaks for (its session's account or its cookie), set
    to the role it acts with; or the code to close with. (In a database thread.)"""
    user = scope.get("user")
    participant = find_participant(workshop, user, scope.get("cookies", {}))
    if participant is None:
        return CLOSE_NOT_A_MEMBER
    role = acting_role(with_map_roles(participant, user))
    if role is None:
        return out_code(participant)
    participant.role = role  # for this connection: the role it acts with, never saved
    return participant


def enter_by_id(workshop_id: int, scope: dict[str, Any]) -> Participant | int:
    workshop = Workshop.objects.select_related("map").filter(pk=workshop_id).first()
    return CLOSE_NOT_A_MEMBER if workshop is None else enter(workshop, scope)


def out_code(participant: Participant) -> int:
    """How to close on a member who is out."""
    return CLOSE_REMOVED if participant.removed_at is not None else CLOSE_NOT_A_MEMBER


def role_now(participant: Participant, began_as: str) -> str:
    """The role the member acts with now (loaded with its map roles, access.load_member);
    MemberGone when they are out or it is not `began_as` any more."""
    role = acting_role(participant)
    if role is None:
        raise MemberGone(out_code(participant))
    if role != began_as:
        raise MemberGone(CLOSE_ROLE_CHANGED)
    return role


def standing(participant_id: int, visitor_id: int | None, began_as: str) -> int | None:
    """None while the member may stay as they are; else the code to close with. (In a
    database thread.)"""
    participant = load_member(participant_id, visitor_id)
    if participant is None:
        return CLOSE_NOT_A_MEMBER
    try:
        role_now(participant, began_as)
    except MemberGone as gone:
        return gone.code
    return None


# A participant's open connections in this process (their tabs), by participant id. Weak: a
# connection that dies without its disconnect() must not hold a place for ever.
_connections: dict[int, weakref.WeakSet[Any]] = {}


def admit(participant_id: int, connection: Any) -> bool:
    """Count `connection` among the participant's, or refuse it (False) when they already
    hold MAX_CONNECTIONS_PER_PARTICIPANT here. A person has a few tabs and devices; a script
    opening hundreds held a presence entry and a room slot each. Synchronous, so two
    handshakes on the event loop cannot both take the last place."""
    tabs = _connections.setdefault(participant_id, weakref.WeakSet())
    if len(tabs) >= settings.MAX_CONNECTIONS_PER_PARTICIPANT:
        return False
    tabs.add(connection)
    return True


def release(participant_id: int, connection: Any) -> None:
    tabs = _connections.get(participant_id)
    if tabs is None:
        return
    tabs.discard(connection)
    if not tabs:
        _connections.pop(participant_id, None)
