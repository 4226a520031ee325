"""Messages that are not map events, to a workshop's connections (docs/voting.md).

Workshop state (phase, timer, lock, revealed results, presence) goes to everyone in the
workshop; a participant's own votes go only to that participant's connections (their tabs);
the room's progress (who has voted, who is done) only to the facilitator's.
Sent after commit, through journeymap.realtime."""

from __future__ import annotations

from typing import Any

from journeymap.realtime import publish_on_commit

# The channel-layer message type of workshop messages (BoardConsumer.workshop_event).
WORKSHOP_EVENT = "workshop.event"


def workshop_group(workshop_id: int) -> str:
    return f"workshop.{workshop_id}"


def participant_group(participant_id: int) -> str:
    return f"participant.{participant_id}"


def facilitator_group(workshop_id: int) -> str:
    """The connections of whoever acts as the workshop's facilitator (joined on connect, in
    that role only: a changed role closes the connection, 4409)."""
    return f"workshop.{workshop_id}.facilitator"


def notify_facilitator(workshop_id: int, message: dict[str, Any]) -> None:
    """Send `message` to the facilitator's connections only, after commit (the room's progress:
    who has voted, who is done; never anything about what anyone voted)."""
    publish_on_commit(facilitator_group(workshop_id), message, WORKSHOP_EVENT)


def notify_workshop(workshop_id: int, message: dict[str, Any]) -> None:
    """Send `message` to every connection of the workshop, after the transaction commits."""
    publish_on_commit(workshop_group(workshop_id), message, WORKSHOP_EVENT)


def notify_participant(participant_id: int, message: dict[str, Any]) -> None:
    """Send `message` to one participant's connections only, after commit."""
    publish_on_commit(participant_group(participant_id), message, WORKSHOP_EVENT)


# The channel-layer message type that closes a removed participant's connections
# (BoardConsumer.participant_removed).
PARTICIPANT_REMOVED = "participant.removed"


def close_participant(participant_id: int) -> None:
    """After commit, close every connection of a removed participant (code 4410)."""
    message = {"type": PARTICIPANT_REMOVED, "participant": participant_id}
    publish_on_commit(participant_group(participant_id), message, PARTICIPANT_REMOVED)
