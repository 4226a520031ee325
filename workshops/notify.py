"""Messages that are not map events, to a workshop's connections (docs/voting.md).

Workshop state (phase, timer, lock, revealed results, presence) goes to everyone in the
workshop; a participant's own votes go only to that participant's connections (their tabs).
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


def notify_workshop(workshop_id: int, message: dict[str, Any]) -> None:
    """Send `message` to every connection of the workshop, after the transaction commits."""
    publish_on_commit(workshop_group(workshop_id), message, WORKSHOP_EVENT)


def notify_participant(participant_id: int, message: dict[str, Any]) -> None:
    """Send `message` to one participant's connections only, after commit."""
    publish_on_commit(participant_group(participant_id), message, WORKSHOP_EVENT)
